"""``escalation forecast`` and ``escalation backtest``: arguments, output folders, progress.

Both take ``key=value`` arguments, checked before any folder is touched; their defaults are
in ``configs/forecast/default.yaml``. Output folders follow the rules of run and validation
folders (:mod:`sim.folders`): one writer at a time, a completion marker written last, a
folder holding anything else refused unless ``--overwrite`` clears it.
"""

from __future__ import annotations

import datetime as dt
import json
import sys
import time
from collections.abc import Callable
from importlib import resources
from pathlib import Path
from typing import Any

from sim import parallel
from sim.errors import ConfigError, exit_status, suggest
from sim.folders import claim, config_digest, lock, mark_complete, write_text
from sim.timeline import library
from sim.yamlfiles import load_yaml

#: Largest particle count accepted (memory: about 1 kB of state per particle).
MAX_PARTICLES = 1_000_000


def defaults() -> dict[str, Any]:
    """The shipped defaults (``configs/forecast/default.yaml``)."""
    path = Path(str(resources.files("sim.configs").joinpath("forecast/default.yaml")))
    data = load_yaml(path)
    assert isinstance(data, dict)
    return data


def _int(key: str, value: str, low: int, high: int) -> int:
    try:
        v = int(value)
    except ValueError:
        raise ConfigError(f"{key}: expected an integer, got {value!r}") from None
    if not low <= v <= high:
        raise ConfigError(f"{key}: {v} is outside {low}..{high}")
    return v


def _float(key: str, value: str) -> float:
    try:
        v = float(value)
    except ValueError:
        raise ConfigError(f"{key}: expected a number, got {value!r}") from None
    if not 0.0 < v < 1.0 and not (key == "decay" and v == 1.0):
        raise ConfigError(f"{key}: {v} is not between 0 and 1")
    return v


def parse(argv: list[str], keys: dict[str, Any]) -> tuple[dict[str, Any], bool]:
    """``key=value`` arguments over ``keys``' defaults, and whether ``--overwrite`` was given.

    Raises:
        ConfigError: On an unknown key, a flag, or a value of the wrong type or range.
    """
    out = dict(keys)
    overwrite = False
    for a in argv:
        if a == "--overwrite":
            overwrite = True
            continue
        key, eq, value = a.partition("=")
        if not eq or a.startswith("-"):
            raise ConfigError(f"{a}: expected key=value (keys: {', '.join(sorted(keys))})")
        if key not in keys:
            raise ConfigError(f"{key}: not a setting of this command{suggest(key, list(keys))}")
        if key in ("particles",):
            out[key] = _int(key, value, 100, MAX_PARTICLES)
        elif key in ("until", "seed", "workers", "horizon"):
            high = {"until": 59, "seed": 2**31 - 1, "workers": 64, "horizon": 60}[key]
            out[key] = _int(key, value, 1 if key == "workers" else 0, high)
        elif key in ("miscoding", "missed", "decay", "threshold"):
            out[key] = _float(key, value)
        elif key == "folds":
            out[key] = [v.strip() for v in value.strip("[]").split(",") if v.strip()]
        else:
            out[key] = value
    return out, overwrite


@exit_status
def forecast_main(argv: list[str]) -> int:
    """``escalation forecast episode=NAME until=DAY [events=FILE] [...]`` (docs/forecast.md)."""
    from sim.forecast.crisis import from_episode, from_events
    from sim.forecast.forecast import forecast
    from sim.forecast.observe import ErrorModel
    from sim.forecast.report import write_forecast_report

    d = defaults()
    keys = {**d["forecast"], "episode": None, "until": None, "events": None, "day0": None}
    keys["out"] = time.strftime("outputs/forecast/%Y-%m-%d_%H-%M-%S")
    s, overwrite = parse(argv, keys)
    if s["episode"] is None or s["until"] is None:
        raise ConfigError("episode= and until= are required (escalation forecast --help)")
    if s["episode"] not in library():
        names = library()
        raise ConfigError(
            f"episode: unknown episode {s['episode']!r}{suggest(s['episode'], names)}"
        )
    over = [] if s["posterior"] in ("none", "", None) else [f"posterior={s['posterior']}"]
    if s["events"] is not None:
        day0 = _date(s["day0"]) if s["day0"] else None
        crisis = from_events(
            Path(s["events"]), s["episode"], s["scenario"], over, day0, days=s["until"] + 1
        )
    else:
        crisis = from_episode(s["episode"], s["scenario"], over)
    if s["until"] > crisis.observed.until:
        raise ConfigError(
            f"until: day {s['until']} is past the observed days 0..{crisis.observed.until} "
            f"of {crisis.source}"
        )
    if s["until"] >= s["horizon"]:
        raise ConfigError(
            f"until: day {s['until']} leaves nothing to forecast by day {s['horizon']}"
        )
    error = ErrorModel(s["miscoding"], s["missed"], s["decay"])
    out = Path(s["out"])
    digest = config_digest({k: v for k, v in s.items() if k != "out"})
    with lock(out, "forecast folder"):
        claim(out, digest, overwrite, "forecast folder")
        print(
            f"Forecasting {crisis.name} from days 0..{s['until']} with {s['particles']} "
            "particles ...",
            file=sys.stderr,
        )
        result = forecast(
            crisis,
            s["until"],
            particles=s["particles"],
            seed=s["seed"],
            horizon=s["horizon"],
            error=error,
            threshold=s["threshold"],
        )
        result["settings"] = {k: v for k, v in s.items() if k != "out"}
        write_text(out / "forecast.json", json.dumps(result, indent=1))
        write_forecast_report(out, result)
        mark_complete(out, digest, command="forecast")
    for q in result["questions"]:
        best = max(range(len(q["p"])), key=lambda i: q["p"][i])
        print(f"  {q['text']} {q['answers'][best]} ({100 * q['p'][best]:.0f}%)")
    print(f"Forecast directory: {out.resolve()}")
    return 0


def _date(value: str) -> dt.date:
    try:
        return dt.date.fromisoformat(value)
    except ValueError:
        raise ConfigError(f"day0: expected a date YYYY-MM-DD, got {value!r}") from None


@exit_status
def backtest_main(argv: list[str], runner: Callable[..., Any] | None = None) -> int:
    """``escalation backtest [out=DIR] [particles=N] [workers=N] [folds=[a,b]]``."""
    from omegaconf import OmegaConf

    from sim.config import compose_config
    from sim.forecast.backtest import SCENARIO, crises_of, run_fold, score_folds
    from sim.forecast.backtest_report import write_backtest_report
    from sim.forecast.questions import QUESTIONS
    from sim.validation.command import plan_folds

    d = defaults()
    keys = {**d["backtest"], "folds": None}
    keys["out"] = time.strftime("outputs/backtest/%Y-%m-%d_%H-%M-%S")
    s, overwrite = parse(argv, keys)
    names = library()
    folds = s["folds"] or names
    bad = [f for f in folds if f not in names]
    if bad:
        raise ConfigError(f"folds: unknown episode {bad[0]!r}{suggest(bad[0], names)}")
    cfg = compose_config(SCENARIO, ["+calibration=joint"])
    calib = OmegaConf.to_container(cfg.calibration, resolve=True)
    assert isinstance(calib, dict)
    fit_cfg = plan_folds({str(k): v for k, v in calib.items()}, names)["fit"]
    crises = crises_of(names)
    out = Path(s["out"])
    digest = config_digest({k: v for k, v in s.items() if k not in ("out", "workers")})
    jobs = [
        # A fold's seed follows the episode's place in the library, not the folds asked for.
        (
            fit_cfg,
            h,
            [n for n in names if n != h],
            s["particles"],
            s["seed"] * 1000 + 10 * names.index(h),
        )
        for h in folds
    ]
    with lock(out, "backtest folder"):
        claim(out, digest, overwrite, "backtest folder")
        start = time.perf_counter()
        parallel.prepare(s["workers"])
        results = []
        for r in parallel.ordered(run_fold, jobs, s["workers"]):
            results.append(r)
            print(f"  fold {r['episode']}: {r['seconds']:.0f} s", file=sys.stderr)
        summary = score_folds(results, crises)
        summary.update(
            {
                "episodes": [r["episode"] for r in results],
                "questions": [
                    {"id": q.id, "text": q.text, "answers": list(q.answers)} for q in QUESTIONS
                ],
                "forecasters": ["model", "persistence", "base_rates", "unconditioned"],
                "particles": s["particles"],
                "folds": [{k: v for k, v in r.items() if k != "mc_error"} for r in results],
                "exact_path": {r["episode"]: r["p_exact_path"] for r in results},
                "seconds": time.perf_counter() - start,
                "workers": s["workers"],
                "settings": {k: v for k, v in s.items() if k != "out"},
            }
        )
        write_text(out / "backtest.json", json.dumps(summary, indent=1, default=str))
        write_backtest_report(out, summary)
        mark_complete(out, digest, command="backtest")
    print(f"{len(results)} folds in {summary['seconds']:.0f} s on {s['workers']} workers")
    for c, row in summary["cutoffs"].items():
        sk = row["skill"]
        print(
            f"  cutoff {c}: Brier skill vs persistence {sk['persistence']:+.2f}, vs base rates "
            f"{sk['base_rates']:+.2f}, vs unconditioned {sk['unconditioned']:+.2f}"
        )
    print(f"Backtest directory: {out.resolve()}")
    return 0

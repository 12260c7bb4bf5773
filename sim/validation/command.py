"""``escalation validate``: the scorecard, leaving one episode out at a time.

For each episode of the library (a *fold*), the shared parameters are fitted on the other
episodes and the held-out one is forecast over a fixed horizon and scored against the
baselines (:mod:`sim.validation.folds`); the folds are then compared
(:mod:`sim.validation.compare`) and written to ``validation.json`` and ``validation.html``.

Folds are independent jobs: they run on ``workers`` local processes (:mod:`sim.parallel`),
each fold's fits on one, and each fold's seeds derive from the run's seed and the episode's
position in the library, so the results do not depend on the number of workers.
``validation.folds`` runs a subset (one fold per job of a launcher, say).
"""

from __future__ import annotations

import json
import sys
import time
from collections.abc import Callable, Iterable
from pathlib import Path
from typing import Any

from sim import parallel
from sim.calibration.joint import Episode, episode_names, load_episodes
from sim.calibration.joint_fit import check_fit
from sim.errors import ConfigError, exit_status
from sim.folders import write_text
from sim.timeline import load_timeline
from sim.validation.cases import Case, make_case
from sim.validation.compare import summarise
from sim.validation.features import HORIZONS
from sim.validation.folds import run_fold
from sim.validation.provenance import HAND_SET, seen_by
from sim.validation.report import write_report

#: Runs a list of fold jobs elsewhere (a launcher's pool): ``(jobs, folders) -> results``,
#: each result as :func:`sim.validation.folds.run_fold` returns it, in the order of the jobs.
FoldRunner = Callable[[list[Any], list[Path]], list[dict[str, Any]]]


def _count(val: dict[str, Any], key: str, default: int, low: int = 1) -> int:
    v = val.get(key, default)
    if isinstance(v, bool) or not isinstance(v, int) or v < low:
        raise ConfigError(f"calibration.validation.{key}: expected an integer >= {low}, got {v!r}")
    return v


def plan_folds(cfg: dict[str, Any], names: list[str]) -> dict[str, Any]:
    """The folds to run and the validation's settings.

    Returns:
        ``folds``, ``draws``, ``seeds`` (per fold), ``horizon`` and ``fit`` (a fold's
        calibration settings).

    Raises:
        ConfigError: On an unknown fold, a bad count or horizon (before anything is written).
    """
    val = dict(cfg.get("validation") or {})
    folds = list(val.get("folds") or names)
    bad = [f for f in folds if f not in names]
    if bad:
        raise ConfigError(f"calibration.validation.folds: {bad[0]!r} is not among {names}")
    horizon = val.get("horizon", 30)
    if horizon not in HORIZONS:
        raise ConfigError(
            f"calibration.validation.horizon: expected one of {HORIZONS}, got {horizon!r}"
        )
    return {
        "folds": folds,
        "draws": _count(val, "draws", 20_000),
        "seeds": _count(val, "seeds", 3),
        "horizon": int(horizon),
        "fit": {**cfg, "seconds": val.get("seconds_per_fold", cfg.get("seconds"))},
    }


def check_coded(names: list[str], horizon: int) -> None:
    """Refuse a horizon past an episode's coding (its features there would be guesses).

    Raises:
        ConfigError: Naming the first episode coded short of the horizon.
    """
    for name in names:
        coded = load_timeline(name).observed_days - 1
        if coded < horizon:
            raise ConfigError(
                f"calibration.validation.horizon: {name} is coded to day {coded}, short of "
                f"the {horizon}-day horizon (seeds/README.md: code it that far first)"
            )


def validate(
    cfg: dict[str, Any],
    episodes: list[Episode],
    out: Path,
    workers: int = 1,
    progress: bool = True,
    runner: FoldRunner | None = None,
) -> dict[str, Any]:
    """Run the folds and write ``validation.json`` and ``validation.html`` into ``out``.

    Args:
        cfg: The calibration settings (``calibration`` node, with ``validation``).
        episodes: The episodes, loaded at the validation's horizon.
        out: The output folder.
        workers: Local processes running folds when no ``runner`` is given.
        progress: Print a line per fold.
        runner: Runs the folds as independent jobs through a launcher's pool (local
            worker processes or a SLURM job array). Each fold writes into
            ``out/folds/<episode>``.
    """
    names = [e.name for e in episodes]
    plan = plan_folds(cfg, names)
    check_coded(names, plan["horizon"])
    bad = [e.name for e in episodes if e.days != plan["horizon"] + 1]
    if bad:
        raise ConfigError(f"{bad[0]}: loaded for another horizon than {plan['horizon']} days")
    cases: list[Case] = [make_case(e, plan["horizon"]) for e in episodes]
    seed = int(cfg.get("seed", 1))
    jobs = []
    for h in plan["folds"]:
        base = seed * 1000 + sorted(names).index(h) * 10
        seeds = [base + 100_000 * i for i in range(plan["seeds"])]
        jobs.append((plan["fit"], cases, h, seeds, plan["draws"]))
    start = time.perf_counter()
    done: Iterable[dict[str, Any]]
    if runner is not None:
        done = runner(jobs, [out / "folds" / h for h in plan["folds"]])
    else:
        parallel.prepare(workers)
        done = parallel.ordered(run_fold, jobs, workers)
    results = []
    for r in done:
        r["saw_hand_set_values"] = seen_by(r["episode"])
        results.append(r)
        if progress:
            sc = r["scores"]
            print(
                f"  fold {r['episode']}: whole-pattern log score: posterior "
                f"{sc['posterior']['pattern']['log']:.2f}, base rates "
                f"{sc['base_rates']['pattern']['log']:.2f}, markov "
                f"{sc['markov']['pattern']['log']:.2f} ({r['seconds']:.0f} s)",
                file=sys.stderr,
            )
    seconds = time.perf_counter() - start
    summary = {
        "episodes": names,
        "horizon_days": plan["horizon"],
        "seeds_per_fold": plan["seeds"],
        "draws": plan["draws"],
        "folds": results,
        "summary": summarise(results),
        "hand_set": list(HAND_SET),
        "seconds": seconds,
        "workers": workers,
        "settings": {k: v for k, v in plan["fit"].items() if k != "priors"},
    }
    out.mkdir(parents=True, exist_ok=True)
    write_text(out / "validation.json", json.dumps(summary, indent=1))
    write_report(out, summary)
    return summary


@exit_status
def main(argv: list[str], runner: FoldRunner | None = None) -> int:
    """``escalation validate [OVERRIDES...] [--overwrite]``: the scorecard.

    The overrides are those of ``escalation calibrate``; ``draws=N``, ``seeds=K``,
    ``horizon=30|60``, ``folds=[a,b]`` and ``seconds_per_fold=S`` (a wall-clock guard on
    each fit) set the validation itself,
    ``out=DIR`` the output folder (default ``outputs/validation/<time>``), ``workers=N`` the
    processes that run folds. The output folder follows the rules of run and calibration
    folders (:mod:`sim.folders`): one writer at a time, a completion marker written last with
    the config's digest; a folder that holds anything else is refused unless
    ``--overwrite`` clears it, and one that holds a complete validation of the same config is
    left as it is.
    """
    from omegaconf import OmegaConf

    from sim.calibration.command import check_joint
    from sim.config import compose_config, expand_short
    from sim.folders import claim, config_digest, is_complete, lock, mark_complete

    overwrite = "--overwrite" in argv
    given = expand_short([a for a in argv if a != "--overwrite"])
    out = Path(time.strftime("outputs/validation/%Y-%m-%d_%H-%M-%S"))
    overrides, carried, scenario = [], [], "crisis_mechanisms"
    for o in given:
        key, _, value = o.partition("=")
        if o.startswith("-") or key.lstrip("+~").startswith("hydra"):
            print(f"error: {key}: validate takes no Hydra flags or settings", file=sys.stderr)
            return 2
        if key == "out":
            out = Path(value)
        elif key == "scenario":
            scenario = value
        elif key in ("draws", "folds", "seconds_per_fold", "seeds", "horizon"):
            overrides.append(f"calibration.validation.{o}")
        elif key.startswith("calibration."):
            overrides.append(o)
        elif key.startswith(("simulation.", "by_role", "mechanisms", "actors", "+", "~")):
            carried.append(o)
        else:
            overrides.append(f"calibration.{o}")
    cfg = compose_config(scenario, ["+calibration=joint", *overrides, *carried])
    raw = OmegaConf.to_container(cfg.calibration, resolve=True)
    assert isinstance(raw, dict)
    calib = {str(k): v for k, v in raw.items()}
    names = episode_names(calib.get("episodes"))
    if len(names) < 2:
        raise ConfigError("calibration.episodes: leaving one out needs two episodes or more")
    workers = int(cfg.simulation.get("workers", 1))
    if not any(o.startswith("simulation.workers") for o in carried):
        workers = 2
    plan = plan_folds(calib, names)
    check_coded(names, plan["horizon"])
    episodes = load_episodes(names, scenario, carried, horizon=plan["horizon"])
    # Everything is checked before the folder is touched (--overwrite clears it).
    check_joint(cfg)
    check_fit(plan["fit"], episodes)
    digest = config_digest({"calibration": calib, "scenario": scenario, "carried": carried})
    with lock(out, "validation folder"):
        if is_complete(out, digest):
            print(f"Validation directory: {out.resolve()} (complete, same config: kept)")
            return 0
        # The completion marker comes back last: without it, an unfinished validation.
        claim(out, digest, overwrite, "validation folder")
        s = validate(calib, episodes, out, workers, runner=runner)
        mark_complete(out, digest, command="validate")
    t = s["summary"]
    pat = t["mean_pattern_log_score"]
    best = t["best_baseline_on_pattern"]
    print(
        f"{len(s['folds'])} folds x {s['seeds_per_fold']} seeds in {s['seconds']:.0f} s on "
        f"{workers} workers; mean whole-pattern log score at {s['horizon_days']} days: "
        f"posterior {pat['posterior']:.2f}, best baseline ({best}) {pat[best]:.2f}"
    )
    print(f"Validation directory: {out.resolve()}")
    return 0

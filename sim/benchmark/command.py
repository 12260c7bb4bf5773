"""``escalation benchmark icb``: settings, the output folder, where the crisis jobs run.

Settings are ``key=value`` arguments over ``configs/benchmark/icb.yaml``, checked before any
folder is touched. The output folder follows the rules of run and validation folders
(:mod:`sim.folders`): one writer at a time, a completion marker written last, a folder
holding anything else refused unless ``--overwrite`` clears it. It receives
``benchmark.json``, ``benchmark.html``, ``posterior.parquet`` (usable with ``posterior=``),
``forecasts.csv`` and ``episodes/episode/<name>.yaml``, every record's generated episode
(``escalation run --config-dir OUT/episodes episode=<name> posterior=OUT
scenario=crisis_mechanisms days=91``).
"""

from __future__ import annotations

import copy
import json
import sys
import time
from importlib import resources
from pathlib import Path
from typing import Any

import pyarrow as pa
import yaml
from omegaconf import OmegaConf

from sim.benchmark.jobs import Job, run_job
from sim.benchmark.outcomes import BY_NAME
from sim.errors import ConfigError, exit_status, suggest
from sim.eventlog import write_atomic
from sim.folders import claim, config_digest, lock, mark_complete, write_text
from sim.yamlfiles import load_yaml

#: Settings a command line may give, with their bounds (integers) or ranges (fractions).
INTS = {
    "seed": (0, 2**31 - 1),
    "workers": (1, 64),
    "draws": (10, 200_000),
    "forecast_draws": (10, 100_000),
    "bootstrap": (10, 100_000),
    "jobs": (1, 10_000),
    "limit": (1, 1000),
}
OTHER = ("out", "launcher", "keep")
LAUNCHERS = ("local", "slurm")


def defaults() -> dict[str, Any]:
    """The shipped settings (``configs/benchmark/icb.yaml``)."""
    path = Path(str(resources.files("sim.configs").joinpath("benchmark/icb.yaml")))
    return load_yaml(path)


def parse(argv: list[str]) -> tuple[dict[str, Any], dict[str, Any], bool]:
    """The settings with the command line's values, the run's own options, ``--overwrite``.

    Raises:
        ConfigError: On an unknown key, a flag, or a value of the wrong type or range.
    """
    settings = defaults()
    opts: dict[str, Any] = {
        "out": time.strftime("outputs/benchmark/%Y-%m-%d_%H-%M-%S"),
        "launcher": "local",
        "workers": 2,
        "limit": None,
    }
    overwrite = False
    keys = sorted([*INTS, *OTHER])
    for a in argv:
        if a == "--overwrite":
            overwrite = True
            continue
        key, eq, value = a.partition("=")
        if not eq or a.startswith("-"):
            raise ConfigError(f"{a}: expected key=value (keys: {', '.join(keys)})")
        if key not in keys:
            raise ConfigError(f"{key}: not a setting of the benchmark{suggest(key, keys)}")
        if key in INTS:
            low, high = INTS[key]
            try:
                v = int(value)
            except ValueError:
                raise ConfigError(f"{key}: expected an integer, got {value!r}") from None
            if not low <= v <= high:
                raise ConfigError(f"{key}: {v} is outside {low}..{high}")
            if key in ("workers", "limit"):
                opts[key] = v
            elif key == "draws":
                settings["fit"]["draws"] = v
            elif key == "forecast_draws":
                settings["forecast"]["draws"] = v
            else:
                settings[key] = v
        elif key == "keep":
            try:
                f = float(value)
            except ValueError:
                raise ConfigError(f"keep: expected a number, got {value!r}") from None
            if not 0.0 < f < 1.0:
                raise ConfigError(f"keep: {f} is not between 0 and 1")
            settings["fit"]["keep"] = f
        elif key == "launcher":
            if value not in LAUNCHERS:
                raise ConfigError(f"launcher: {value!r} is not one of {', '.join(LAUNCHERS)}")
            opts[key] = value
        else:
            opts[key] = value
    longest = BY_NAME["duration"].edges[-1]
    if int(settings["horizon"]) - int(settings["quiet_days"]) < longest:
        # The duration bins need a crisis that ends by day `longest` to be seen ending.
        raise ConfigError(
            f"horizon: {settings['horizon']} days less quiet_days={settings['quiet_days']} "
            f"must reach {longest}, the duration bins' last edge"
        )
    if settings["fit"]["keep"] * settings["fit"]["draws"] < 2:
        raise ConfigError("keep: keeps fewer than two draws; raise draws= or keep=")
    return settings, opts, overwrite


def runner(launcher: str, workers: int) -> Any:
    """Runs jobs on local worker processes or as one SLURM job array, results in order."""
    from sim.parallel import Submission, pool_from_config

    if launcher == "slurm":
        preset = load_yaml(
            Path(str(resources.files("sim.configs").joinpath("hydra/launcher/slurm.yaml")))
        )
    else:
        preset = {"n_jobs": workers}

    def run(jobs: list[Job], folders: list[Path]) -> list[dict[str, Any]]:
        if launcher == "slurm" and folders:
            preset["submitit_folder"] = str(folders[0].parent / ".submitit" / "%j")
        pool = pool_from_config(preset)
        subs = [Submission(run_job, j, f) for j, f in zip(jobs, folders, strict=True)]
        position = {id(sub): i for i, sub in enumerate(subs)}
        results: dict[int, dict[str, Any]] = {}
        for sub, result in pool.run(subs):
            if result is None:
                raise ConfigError(
                    f"benchmark job {sub.folder.name}: ended without a result "
                    f"(see {sub.folder / 'slurm.json'})"
                )
            results[position[id(sub)]] = result
        return [results[i] for i in range(len(subs))]

    return run


def compose(scenario: str) -> tuple[dict[str, Any], dict[str, Any]]:
    """The scenario's config as a plain dict, and the joint fit's priors."""
    from sim.config import compose_config

    cfg = compose_config(scenario, ["+calibration=joint"])
    raw = OmegaConf.to_container(cfg, resolve=True)
    assert isinstance(raw, dict)
    base = {str(k): v for k, v in raw.items()}
    calib = base.pop("calibration")
    base.pop("posterior", None)
    return base, dict(calib["priors"])


@exit_status
def main(argv: list[str]) -> int:
    """``escalation benchmark icb [key=value ...] [--overwrite]`` (docs/benchmark.md)."""
    from sim.benchmark.episodes import episode_config, episode_file
    from sim.benchmark.pipeline import prepare, run
    from sim.benchmark.report import write_benchmark_report
    from sim.calibration.priors import prior_from_config

    if not argv or argv[0] != "icb":
        raise ConfigError("benchmark: name the benchmark: escalation benchmark icb [key=value]")
    settings, opts, overwrite = parse(argv[1:])
    out = Path(opts["out"])
    base, priors = compose(str(settings["scenario"]))
    prior = prior_from_config(priors)
    data = prepare(opts["limit"])
    if not data.train or not data.test:
        raise ConfigError("benchmark: the selection left a part empty")
    digest = config_digest({"settings": settings, "limit": opts["limit"]})
    start = time.perf_counter()
    with lock(out, "benchmark folder"):
        claim(out, digest, overwrite, "benchmark folder")
        print(
            f"ICB benchmark: {len(data.train)} training and {len(data.test)} test records, "
            f"{opts['workers']} workers ({opts['launcher']})",
            file=sys.stderr,
        )
        summary, particles, table = run(
            data, settings, base, prior, runner(opts["launcher"], opts["workers"]), out / "jobs"
        )
        summary["seconds"]["total"] = time.perf_counter() - start
        summary.update(workers=opts["workers"], launcher=opts["launcher"], limit=opts["limit"])
        summary["settings"] = {k: v for k, v in settings.items() if k != "template"}
        episodes = out / "episodes" / "episode"
        episodes.mkdir(parents=True, exist_ok=True)
        for r in [*data.train, *data.test]:
            raw = episode_file(episode_config(r, base, settings["template"]))
            text = "# @package _global_\n" + yaml.safe_dump(copy.deepcopy(raw), sort_keys=False)
            write_text(episodes / f"{r.name}.yaml", text)
        write_atomic(
            pa.Table.from_pandas(particles, preserve_index=False), out / "posterior.parquet"
        )
        write_text(out / "forecasts.csv", table.to_csv(index=False))
        write_text(out / "benchmark.json", json.dumps(summary, indent=1))
        write_benchmark_report(out, summary)
        mark_complete(out, digest, command="benchmark icb")
    t = summary["targets"]
    met = "met" if t["all_met"] else "not met"
    skills = ", ".join(
        f"{v} {summary['variables'][v]['skill']['model']:+.2f}" for v in t["skill_variables"]
    )
    print(
        f"Skill against base rates: {skills}; beats the regression on "
        f"{len(t['beats_regression'])} variables; targets {met} "
        f"({summary['seconds']['total']:.0f} s)"
    )
    print(f"Benchmark directory: {out.resolve()}")
    return 0

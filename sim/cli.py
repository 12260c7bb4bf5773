"""The ``escalation`` command line.

Subcommands:

- ``escalation run [OVERRIDES...]``: run a scenario through Hydra, e.g.
  ``escalation run scenario=baseline replicates=10000 days=30 seed=1``
  (``replicates``, ``days``, ``seed``, ``workers`` and ``chunk_size`` are short for
  ``simulation.*``); any Hydra override and flag (``-m`` for sweeps) works;
- ``escalation scenarios``: list the scenario library;
- ``escalation replay RUN_DIR REPLICATE``: print one replicate's path, re-simulated alone.

Bad input prints one line naming the field and exits with status 2, before any
file is written.
"""

from __future__ import annotations

import logging
import sys
from pathlib import Path
from typing import Any

from omegaconf import DictConfig

from sim.errors import ConfigError

log = logging.getLogger("escalation")

#: Short override keys accepted on the command line.
SHORT_KEYS = ("replicates", "days", "seed", "workers", "chunk_size", "max_hours")


def expand_short(overrides: list[str]) -> list[str]:
    """Turn ``replicates=...`` and friends into ``simulation.replicates=...``."""
    out = []
    for o in overrides:
        key = o.split("=", 1)[0]
        out.append(f"simulation.{o}" if key in SHORT_KEYS and "=" in o else o)
    return out


def run(
    cfg: DictConfig, run_dir: str | Path | None = None, progress: bool = True, sweep: bool = False
) -> Path:
    """Run one scenario from a composed config: validate, simulate, write, report.

    This is the plain function that ``@hydra.main`` wraps and tests call.

    Args:
        cfg: The composed config (a design point, if any, is applied to it).
        run_dir: Where to write (default: Hydra's output dir, else
            ``outputs/<scenario>/run``).
        progress: Show a progress bar.
        sweep: Part of a sweep: a job whose identical config already completed in
            ``run_dir`` is not recomputed, and the single-run HTML report is left to the
            sweep's comparison report unless ``report.in_sweeps`` is true.

    Returns:
        The run directory.

    Raises:
        ConfigError: If the config is invalid (nothing is written then).
    """
    import json

    from sim.report import write_run_report
    from sim.runner import _jsonable, mark_complete, simulate
    from sim.settings import Settings
    from sim.sweep.designs import apply_design_point, design_from_config

    point = apply_design_point(cfg)
    settings = Settings.from_config(cfg)
    if run_dir is None:
        run_dir = (
            _hydra_output_dir() or Path("outputs") / settings.scenario.get("name", "run") / "run"
        )
    path = Path(run_dir)
    if sweep and _already_done(path, settings.raw):
        print(f"[job] {path.name}: complete with the same config, not recomputed", flush=True)
        return path
    result = simulate(settings, path, progress=progress)
    report_cfg = cfg.get("report") or {}
    if point:
        design = design_from_config(settings.raw["design"])
        result.summary["design_point"] = point
        result.summary["design"] = {
            "name": design.name,
            "parameters": list(design.parameters),
            "problem": design.problem,
        }
        (path / "summary.json").write_text(json.dumps(_jsonable(result.summary), indent=1))
    if report_cfg.get("enabled", True) and (not sweep or report_cfg.get("in_sweeps", False)):
        write_run_report(path, result.summary)
    mark_complete(path, seconds=result.seconds)
    m = result.summary["metrics"]["p_deescalated_by_day"]
    week = m.get("7") or next(iter(m.values()))
    print(
        f"[job] {path.name}: {settings.simulation.replicates:,} replicates in "
        f"{result.seconds:.2f} s; P(de-escalated by day 7) = {week['estimate']:.1%}",
        flush=True,
    )
    return path


def _already_done(path: Path, raw: dict[str, Any]) -> bool:
    """Whether ``path`` holds a complete run of exactly this config (sweep resume)."""
    import json

    import yaml

    from sim.runner import _jsonable

    try:
        status = json.loads((path / "status.json").read_text(encoding="utf-8"))
        saved = yaml.safe_load((path / "config.yaml").read_text(encoding="utf-8"))
    except (OSError, ValueError, yaml.YAMLError):
        return False
    return bool(status.get("status") == "complete" and saved == _jsonable(raw))


def _hydra_output_dir() -> Path | None:
    from hydra.core.hydra_config import HydraConfig

    if HydraConfig.initialized():
        return Path(HydraConfig.get().runtime.output_dir)
    return None


def _in_multirun() -> bool:
    from hydra.core.hydra_config import HydraConfig
    from hydra.types import RunMode

    return HydraConfig.initialized() and HydraConfig.get().mode == RunMode.MULTIRUN


def _task(cfg: DictConfig) -> None:
    # Mesa logs every step at INFO; under Hydra's logging that floods the console.
    logging.getLogger("MESA").setLevel(logging.WARNING)
    if _in_multirun():
        out = _hydra_output_dir()
        assert out is not None
        try:
            run(cfg, out, progress=False, sweep=True)
        except Exception as exc:  # a failed job must not lose the others' results
            _write_failure(out, exc)
            print(f"[job] {out.name}: FAILED: {exc}", file=sys.stderr, flush=True)
        return
    try:
        path = run(cfg)
    except ConfigError as exc:
        print(f"error: {exc}", file=sys.stderr)
        sys.exit(2)
    print(f"Run directory: {path.resolve()}")
    print(f"Report: {(path / 'report.html').resolve()}")


def _write_failure(out: Path, exc: BaseException) -> None:
    import json
    import os

    out.mkdir(parents=True, exist_ok=True)
    tmp = out / f".status.json.tmp-{os.getpid()}"
    kind = "config" if isinstance(exc, ConfigError) else type(exc).__name__
    tmp.write_text(json.dumps({"status": "failed", "error": f"{kind}: {exc}"}, indent=1))
    os.replace(tmp, out / "status.json")


def _hydra_run(argv: list[str]) -> int:
    import hydra

    from sim.config import compose_config, register_configs

    register_configs()
    flags = [a for a in argv if a.startswith("-")]
    overrides = expand_short([a for a in argv if not a.startswith("-")])
    try:
        from sim.config import check_conflicts

        check_conflicts(overrides)
    except ConfigError as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 2
    for o in overrides:
        if "_target_" in o:
            key = o.split("=", 1)[0]
            print(
                f"error: {key}: '_target_' is not allowed (configs cannot name code)",
                file=sys.stderr,
            )
            return 2
    if not flags:
        # Validate before Hydra creates a run directory: a typo costs no files.
        try:
            from sim.settings import Settings

            scen = [o.split("=", 1)[1] for o in overrides if o.startswith("scenario=")]
            rest = [o for o in overrides if not o.startswith("scenario=")]
            from sim.runner import plan_chunks

            settings = Settings.from_config(compose_config(scen[-1] if scen else "baseline", rest))
            plan_chunks(settings)
            # Building a one-replicate model checks the roster, relations and events too.
            import numpy as np

            from sim.model import EscalationModel

            EscalationModel(settings, replicates=np.zeros(1, dtype=np.int64))
        except ConfigError as exc:
            print(f"error: {exc}", file=sys.stderr)
            return 2
    if flags and any(o.startswith("design=") for o in overrides):
        try:
            overrides = _expand_design(overrides)
        except ConfigError as exc:
            print(f"error: {exc}", file=sys.stderr)
            return 2
    # Configs come from the ConfigStore (registered above), not from a search-path folder.
    main_fn: Any = hydra.main(
        config_path="pkg://sim.hydra_root", config_name="config", version_base="1.3"
    )(_task)
    sys.argv = ["escalation", *flags, *overrides]
    from sim.sweep.callbacks import LAST_SWEEP
    from sim.sweep.launcher import register

    register()
    LAST_SWEEP.clear()
    main_fn()
    if "table" in LAST_SWEEP:
        import pandas as pd

        table = pd.read_parquet(LAST_SWEEP["table"], columns=["status"])
        bad = int((table["status"] != "complete").sum())
        print(f"Sweep directory: {Path(LAST_SWEEP['dir']).resolve()}")
        if bad:
            print(
                f"{bad} of {len(table)} job(s) did not complete: see sweep.parquet", file=sys.stderr
            )
            return 1
    return 0


def _expand_design(overrides: list[str]) -> list[str]:
    """Add ``design.point=range(0,N)`` so a design runs one job per point."""
    if any(o.startswith("design.point=") for o in overrides):
        return overrides
    from sim.config import compose_config
    from sim.sweep.designs import design_from_config

    scen = [o.split("=", 1)[1] for o in overrides if o.startswith("scenario=")]
    # The design's own settings (design=NAME, design.n=..., not sweeps) decide its size.
    own = [o for o in overrides if o.startswith("design") and "," not in o]
    cfg = compose_config(scen[-1] if scen and "," not in scen[-1] else "baseline", own)
    design = design_from_config(cfg.design)
    return [*overrides, f"design.point=range(0,{len(design)})"]


def _report(argv: list[str]) -> int:
    import argparse

    ap = argparse.ArgumentParser(prog="escalation report", description="Compare runs and sweeps.")
    ap.add_argument("dirs", nargs="+", help="run directories and sweep roots")
    ap.add_argument("-o", "--output", default="report.html", help="the HTML file to write")
    args = ap.parse_args(argv)
    from sim.report.compare import write_comparison

    try:
        out = write_comparison(args.dirs, args.output)
    except (FileNotFoundError, ValueError) as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 2
    print(f"Report: {out.resolve()} ({out.stat().st_size / 1e6:.1f} MB)")
    return 0


def _aggregate(argv: list[str]) -> int:
    if len(argv) != 1:
        print("usage: escalation aggregate SWEEP_DIR", file=sys.stderr)
        return 2
    from sim.sweep.aggregate import aggregate

    try:
        table = aggregate(argv[0])
    except FileNotFoundError as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 2
    print(f"Sweep table: {table}")
    report = table.parent / "report.html"
    if report.exists():
        print(f"Report: {report}")
    return 0


def _scenarios(argv: list[str]) -> int:
    from sim.config import load_yaml, scenario_files

    for name, path in scenario_files().items():
        scen = load_yaml(path).get("scenario", {}) or {}
        title = str(scen.get("title", ""))
        desc = " ".join(str(scen.get("description", "")).split())
        line = f"{title}: {desc}" if title else desc
        print(f"{name:24s} {line if len(line) <= 96 else line[:95] + '…'}")
    return 0


def _replay(argv: list[str]) -> int:
    if len(argv) != 2 or not argv[1].isdigit():
        print("usage: escalation replay RUN_DIR REPLICATE", file=sys.stderr)
        return 2
    from sim.runner import replay

    try:
        model = replay(argv[0], int(argv[1]))
    except (ConfigError, ValueError, FileNotFoundError) as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 2
    df = model.paths()
    df = df[df["action"] != "none"]
    print(df.to_string(index=False))
    return 0


#: Subcommands: name -> (module, function, one-line help). Each function takes the
#: remaining arguments and returns an exit status. Add a command by adding a line here.
COMMANDS: dict[str, tuple[str, str, str]] = {
    "run": ("sim.cli", "_hydra_run", "run a scenario (Hydra overrides; -m for sweeps)"),
    "scenarios": ("sim.cli", "_scenarios", "list the scenario library"),
    "replay": ("sim.cli", "_replay", "re-simulate one replicate of a run alone: RUN_DIR REPLICATE"),
    "aggregate": ("sim.cli", "_aggregate", "rebuild a sweep's table and report: SWEEP_DIR"),
    "report": ("sim.cli", "_report", "compare runs and sweeps: DIR... -o report.html"),
    "calibrate": ("sim.calibration.cli", "main", "fit the model to 16-19 Jan 2024 (ABC-SMC)"),
}


def usage() -> str:
    """The command overview."""
    lines = ["usage: escalation COMMAND [ARGS...]", "", "commands:"]
    lines += [f"  {name:12s} {help_}" for name, (_, _, help_) in COMMANDS.items()]
    lines += [
        "",
        "examples:",
        "  escalation run scenario=baseline replicates=10000 days=30 seed=1",
        "  escalation run actors.pakistan.policy.name=graduated hydra.run.dir=outputs/graduated",
    ]
    return "\n".join(lines)


def main(argv: list[str] | None = None) -> int:
    """Entry point of the ``escalation`` command."""
    import importlib
    import os

    args = list(sys.argv[1:] if argv is None else argv)
    if not args or args[0] in ("-h", "--help", "help"):
        print(usage())
        return 0 if args else 2
    cmd, rest = args[0], args[1:]
    if cmd not in COMMANDS:
        from sim.ladder import suggest

        print(f"error: unknown command {cmd!r}{suggest(cmd, list(COMMANDS))}\n", file=sys.stderr)
        print(usage(), file=sys.stderr)
        return 2
    module, func, _ = COMMANDS[cmd]
    try:
        result: int = getattr(importlib.import_module(module), func)(rest)
        sys.stdout.flush()  # inside the try: a buffered stdout meets a closed pipe here
    except BrokenPipeError:
        # The reader went away (`escalation scenarios | head`): stop quietly, as Python's
        # docs advise, pointing stdout at devnull so the interpreter's final flush is silent.
        os.dup2(os.open(os.devnull, os.O_WRONLY), sys.stdout.fileno())
        return 1
    return result


if __name__ == "__main__":  # pragma: no cover
    raise SystemExit(main())

"""The application: one run from a composed config, and how a failed job is recorded.

:func:`run` is the plain ``run(cfg)`` that ``@hydra.main`` wraps (:func:`task`), that
the sweep launcher calls for each job, and that tests call directly. It knows nothing of
the command line (:mod:`sim.cli`) or of how sweeps are launched (:mod:`sim.sweep`).
"""

from __future__ import annotations

import copy
import json
import logging
import os
import sys
from pathlib import Path
from typing import Any

import yaml
from omegaconf import DictConfig

from sim.designs import apply_design_point, design_from_config
from sim.errors import ConfigError
from sim.report import write_run_report
from sim.runner import _jsonable, mark_complete, simulate
from sim.settings import Settings


def run(
    cfg: DictConfig, run_dir: str | Path | None = None, progress: bool = True, sweep: bool = False
) -> Path:
    """Run one scenario from a composed config: validate, simulate, write, report.

    Args:
        cfg: The composed config (a design point, if any, is applied to it).
        run_dir: Where to write (default: Hydra's output dir, else
            ``outputs/<episode>/<scenario>/<run>``).
        progress: Show a progress bar.
        sweep: Part of a sweep: a job whose identical config already completed in
            ``run_dir`` is not recomputed, and the single-run HTML report is left to the
            sweep's comparison report unless ``report.in_sweeps`` is true.

    Returns:
        The run directory.

    Raises:
        ConfigError: If the config is invalid (nothing is written then).
    """
    point = apply_design_point(cfg)
    settings = Settings.from_config(cfg)
    if run_dir is None:
        run_dir = (
            hydra_output_dir() or Path("outputs") / settings.scenario.get("name", "run") / "run"
        )
    path = Path(run_dir)
    if sweep and already_done(path, settings.raw):
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


def already_done(path: Path, raw: dict[str, Any]) -> bool:
    """Whether ``path`` holds a complete run of exactly this config (sweep resume)."""
    try:
        status = json.loads((path / "status.json").read_text(encoding="utf-8"))
        saved = yaml.safe_load((path / "config.yaml").read_text(encoding="utf-8"))
    except (OSError, ValueError, yaml.YAMLError):
        return False
    return bool(status.get("status") == "complete" and saved == _jsonable(raw))


def done_before(cfg: DictConfig, run_dir: str | Path) -> bool:
    """Whether ``run_dir`` holds a complete run of this job's config, checked before running.

    A launcher that hands jobs to a cluster asks this first, so that resuming a sweep submits
    only the jobs still to do. A config that does not validate is not done: the job will
    record its error when it runs.
    """
    path = Path(run_dir)
    if not (path / "status.json").is_file():
        return False
    cfg = copy.deepcopy(cfg)  # applying a design point changes the config
    try:
        apply_design_point(cfg)
        raw = Settings.from_config(cfg).raw
    except Exception:  # reported by the job itself, where it fails
        return False
    return already_done(path, raw)


def write_failure(out: Path, exc: BaseException) -> None:
    """Mark a job's folder failed (``status.json``) with a one-line reason."""
    out.mkdir(parents=True, exist_ok=True)
    tmp = out / f".status.json.tmp-{os.getpid()}"
    kind = "config" if isinstance(exc, ConfigError) else type(exc).__name__
    tmp.write_text(json.dumps({"status": "failed", "error": f"{kind}: {exc}"}, indent=1))
    os.replace(tmp, out / "status.json")


def hydra_output_dir() -> Path | None:
    """Hydra's output directory of the current job, if Hydra runs one."""
    from hydra.core.hydra_config import HydraConfig

    if HydraConfig.initialized():
        return Path(HydraConfig.get().runtime.output_dir)
    return None


def _in_multirun() -> bool:
    from hydra.core.hydra_config import HydraConfig
    from hydra.types import RunMode

    return HydraConfig.initialized() and HydraConfig.get().mode == RunMode.MULTIRUN


def task(cfg: DictConfig) -> None:
    """The task ``@hydra.main`` wraps: one run, or one job of a multirun.

    A failed job records its failure and lets the others go on; a bad config in a single
    run prints one line and exits with status 2.
    """
    # Mesa logs every step at INFO; under Hydra's logging that floods the console.
    logging.getLogger("MESA").setLevel(logging.WARNING)
    if _in_multirun():
        out = hydra_output_dir()
        assert out is not None
        try:
            run(cfg, out, progress=False, sweep=True)
        except Exception as exc:  # a failed job must not lose the others' results
            write_failure(out, exc)
            print(f"[job] {out.name}: FAILED: {exc}", file=sys.stderr, flush=True)
        return
    try:
        path = run(cfg)
    except ConfigError as exc:
        print(f"error: {exc}", file=sys.stderr)
        sys.exit(2)
    print(f"Run directory: {path.resolve()}")
    print(f"Report: {(path / 'report.html').resolve()}")

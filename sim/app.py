"""The application: one run from a composed config, and how a failed job is recorded.

:func:`run` is the plain ``run(cfg)`` that ``@hydra.main`` wraps (:func:`task`), that
the sweep launcher calls for each job, and that tests call directly. It knows nothing of
the command line (:mod:`sim.cli`) or of how sweeps are launched (:mod:`sim.sweep`).
"""

from __future__ import annotations

import copy
import json
import logging
import sys
from pathlib import Path
from typing import Any

import numpy as np
from omegaconf import DictConfig, OmegaConf

from sim.config import settle_from_hydra
from sim.designs import apply_design_point, design_from_config
from sim.errors import ConfigError, write_error
from sim.folders import (
    FolderError,
    clear,
    config_digest,
    holds_output,
    is_complete,
    lock,
    mark_failed,
    write_text,
)
from sim.model import EscalationModel
from sim.report import write_run_report
from sim.report.html import check_plotly_js
from sim.runner import _jsonable, mark_complete, plan_chunks, run_digest, simulate
from sim.safeio import read_run_yaml
from sim.settings import Settings


def validate(cfg: DictConfig) -> Settings:
    """Check a composed config as a run would, writing nothing.

    Its design point (if any) applied to a copy, the settings validated, the run's size
    checked and a one-replicate model built (which checks the roster, relations and events).

    Raises:
        ConfigError: Naming the first invalid field.
    """
    copy = OmegaConf.create(OmegaConf.to_container(cfg, resolve=False))
    assert isinstance(copy, DictConfig)
    apply_design_point(copy)
    settings = Settings.from_config(copy)
    check_plotly_js((copy.get("report") or {}).get("plotly_js", "inline"))
    plan_chunks(settings)
    EscalationModel(settings, replicates=np.zeros(1, dtype=np.int64))
    return settings


def run(
    cfg: DictConfig,
    run_dir: str | Path | None = None,
    progress: bool = True,
    sweep: bool = False,
    overwrite: bool = False,
) -> Path:
    """Run one scenario from a composed config: validate, simulate, write, report.

    The run folder is locked while it is written (a second writer is refused), and a folder
    that holds another run is refused unless ``overwrite`` clears it first
    (:func:`claim`).

    Args:
        cfg: The composed config (a design point, if any, is applied to it).
        run_dir: Where to write (default: Hydra's output dir, else
            ``outputs/<episode>/<scenario>/<run>``).
        progress: Show a progress bar.
        sweep: Part of a sweep: the sweep decided the folder is its own, and the single-run
            HTML report is left to the sweep's comparison report unless
            ``report.in_sweeps`` is true.
        overwrite: Clear a folder that holds another run instead of refusing.

    Returns:
        The run directory.

    Raises:
        ConfigError: If the config is invalid, or the folder is locked or holds another run
            (nothing is written then).
    """
    point = apply_design_point(cfg)
    settings = Settings.from_config(cfg)
    report_cfg = cfg.get("report") or {}
    plotly_js = check_plotly_js(report_cfg.get("plotly_js", "inline"))
    if run_dir is None:
        run_dir = hydra_output_dir() or (
            Path("outputs") / settings.episode.name / settings.scenario.get("name", "run") / "run"
        )
    path = Path(run_dir)
    with lock(path, "run folder"):
        if claim(path, settings.raw, replace=sweep or overwrite):
            print(f"[job] {path.name}: complete with the same config, not recomputed", flush=True)
            return path
        result = simulate(settings, path, progress=progress)
        if point:
            design = design_from_config(settings.raw["design"])
            result.summary["design_point"] = point
            result.summary["design"] = {
                "name": design.name,
                "parameters": list(design.parameters),
                "problem": design.problem,
            }
            write_text(path / "summary.json", json.dumps(_jsonable(result.summary), indent=1))
        if report_cfg.get("enabled", True) and (not sweep or report_cfg.get("in_sweeps", False)):
            # A sweep's jobs share one plotly.min.js at the sweep's root, beside its report.
            write_run_report(path, result.summary, plotly_js, path.parent if sweep else None)
        mark_complete(path, settings.raw, seconds=result.seconds)
    m = result.summary["metrics"]["p_deescalated_by_day"]
    week = m.get("7") or next(iter(m.values()))
    if not sweep or JOB_LINES["sweep"]:
        print(
            f"[job] {path.name}: {settings.simulation.replicates:,} replicates in "
            f"{result.seconds:.2f} s; P(de-escalated by day 7) = {week['estimate']:.1%}",
            flush=True,
        )
    return path


#: What Hydra and the launchers write into a run folder before the run starts (not a run of
#: its own): Hydra's record, and the SLURM launcher's job record and log links.
HYDRA_FILES = (".hydra", "app.log", "slurm.json", "slurm.out", "slurm.err")


def claim(path: Path, raw: dict[str, Any], replace: bool = False) -> bool:
    """Decide what a run of ``raw`` does with the folder ``path`` (whose lock is held).

    Returns:
        True if the folder already holds a complete run of exactly this config (nothing to
        do); False if the run should go ahead: the folder is empty, or holds an unfinished
        run of this config (recomputed), or held another run and ``replace`` cleared it.

    Raises:
        FolderError: If the folder holds anything else and ``replace`` is false.
    """
    digest = run_digest(raw)
    if already_done(path, raw):
        return True
    if not holds_output(path, ignore=HYDRA_FILES):
        return False
    try:
        saved = read_run_yaml(path / "config.yaml", root=path)  # bounded: sim/safeio.py
    except (OSError, ValueError):  # ValueError: ConfigError, a file the reader refuses
        saved = None
    if isinstance(saved, dict) and config_digest(saved) == digest:
        return False  # an unfinished run of this config: recompute it
    if not replace:
        raise FolderError(
            f"hydra.run.dir: {path} holds another run (a different config or other files); "
            "choose another folder, or add --overwrite to clear it first"
        )
    clear(path, keep=HYDRA_FILES)
    return False


def already_done(path: Path, raw: dict[str, Any]) -> bool:
    """Whether ``path`` holds a complete run of exactly this config (by its digest).

    The completion marker names the digest of the config it vouches for, and the folder's
    ``config.yaml`` must have that digest too: a marker left by another config's run never
    makes this one look done.
    """
    digest = run_digest(raw)
    if not is_complete(path, digest):
        return False
    try:
        saved = read_run_yaml(path / "config.yaml", root=path)  # bounded: sim/safeio.py
    except (OSError, ValueError):  # ValueError: ConfigError, a file the reader refuses
        return False
    return config_digest(saved) == digest


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
    """Mark a job's folder failed (``status.json``) with a one-line reason.

    A failure to write even that (a full disk) is left for the caller's report: the folder
    then has no marker and reads as incomplete.
    """
    kind = "config" if isinstance(exc, ConfigError) else type(exc).__name__
    mark_failed(out, f"{kind}: {exc}")


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


#: ``--overwrite`` on the command line (``escalation run``), read by :func:`task`.
OVERWRITE: dict[str, bool] = {}
#: Whether a sweep's job prints its result line: not under a local sweep, whose progress bar
#: (:class:`sim.sweep.callbacks.SweepProgress`) stands for them; a SLURM job still writes
#: its line into its own log.
JOB_LINES: dict[str, bool] = {"sweep": True}


def task(cfg: DictConfig) -> None:
    """The task ``@hydra.main`` wraps: one run, or one job of a multirun.

    A failed job records its failure and lets the others go on; a bad config in a single
    run prints one line and exits with status 2.
    """
    # Mesa logs every step at INFO; under Hydra's logging that floods the console.
    logging.getLogger("MESA").setLevel(logging.WARNING)
    # A policy named on the command line starts without the roster's parameters of another.
    settle_from_hydra(cfg)
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
        path = run(cfg, overwrite=OVERWRITE.get("run", False))
    except ConfigError as exc:
        print(f"error: {exc}", file=sys.stderr)
        sys.exit(2)
    except OSError as exc:  # a full disk, an unwritable folder: one line, no traceback
        print(f"error: {write_error(exc)}", file=sys.stderr)
        sys.exit(1)
    print(f"Run directory: {path.resolve()}")
    print(f"Report: {(path / 'report.html').resolve()}")

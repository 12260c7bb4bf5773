"""The grouped launcher: a sweep composed once per group of jobs, run in worker processes.

Hydra's own launchers compose every job's config from scratch (about 0.1 s here), set up
logging and write three YAML files per job: with 10,000 replicates that is as long as the
simulation itself. This launcher (``hydra/launcher=grouped``, the default) keeps Hydra's
command line, sweeper and callbacks, and changes how jobs are run:

1. each job's overrides are split into *structural* ones (config groups such as
   ``scenario=`` and ``design=``, and ``hydra.*``) and *value* ones
   (``actors.iran.willingness=0.3``, ``design.point=7``);
2. one config is composed through Hydra per distinct set of structural overrides;
3. each job applies its value overrides to a copy with Hydra's own code
   (:meth:`ConfigLoaderImpl._apply_overrides_to_config`), so ``+key=``, ``~key`` and
   unknown keys behave exactly as in a Hydra job, and runs :func:`sim.app.run`;
4. jobs run in ``n_jobs`` spawned worker processes (in the launcher's own process when
   ``n_jobs`` is 1).

A job's results are the same whichever launcher runs it (a test compares the sweep tables).
Each job folder gets ``.hydra/overrides.yaml`` and ``.hydra/config.yaml`` but no
``hydra.yaml`` or job log. A job whose config cannot be composed or is invalid is recorded
as failed in its ``status.json``, like any failing job, and the others go on.
"""

from __future__ import annotations

import functools
import logging
import os
import re
import sys
import time
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from hydra.core.hydra_config import HydraConfig
from hydra.core.override_parser.overrides_parser import OverridesParser
from hydra.core.override_parser.types import Override
from hydra.core.utils import JobReturn, JobStatus, configure_log, setup_globals
from hydra.plugins.launcher import Launcher
from hydra.types import HydraContext, TaskFunction
from omegaconf import DictConfig, OmegaConf, open_dict, read_write

from sim.folders import lock, write_marker
from sim.parallel import LocalPool, Submission
from sim.safeio import read_text

log = logging.getLogger(__name__)

#: Where Hydra finds our launcher and sweeper (see sim/sweep/hydra_plugin/).
PLUGINS = {
    "hydra_plugins.escalation_sim.grouped_launcher": "GroupedLauncher",
    "hydra_plugins.escalation_sim.grouped_sweeper": "GroupedSweeper",
    "hydra_plugins.escalation_sim.slurm_launcher": "SlurmLauncher",
}


@dataclass
class JobTask:
    """One job as handed to a worker: plain data, cheap to pickle.

    Attributes:
        num: Hydra's job number.
        overrides: The job's task overrides, as typed (written to ``.hydra/overrides.yaml``).
        base: The group's composed task config as a plain container (interpolations kept).
        values: The job's value overrides, applied to ``base`` in the worker.
        job_dir: The job's output folder.
        error: Set when the group's config could not be composed: the job only records it.
        choices: The config groups the group's config was composed from (which episode and
            scenario: the layers a policy switch is judged by).
    """

    num: int
    overrides: list[str]
    base: dict[str, Any] | None
    values: list[str]
    job_dir: str
    error: str | None = None
    choices: dict[str, Any] | None = None


@functools.cache
def _parser() -> OverridesParser:
    return OverridesParser.create()


def split_overrides(overrides: list[Override], group_exists: Any) -> tuple[list[str], list[str]]:
    """Split parsed overrides into structural ones and value ones.

    Args:
        overrides: A job's parsed overrides.
        group_exists: ``group_exists(name) -> bool`` of Hydra's config repository.

    Returns:
        (structural, values): the input lines, each list in the given order.
    """
    structural, values = [], []
    for o in overrides:
        is_group = group_exists(o.key_or_group) and not isinstance(o.value(), dict)
        if is_group or o.is_hydra_override() or o.package is not None:
            structural.append(o.input_line or "")
        else:
            values.append(o.input_line or "")
    return structural, values


def task_config(task: JobTask) -> DictConfig:
    """The job's config: its group's config with the job's value overrides applied.

    Raises:
        RuntimeError: If the group's config could not be composed.
        hydra.errors.ConfigCompositionException: If an override does not apply.
    """
    from hydra._internal.config_loader_impl import ConfigLoaderImpl

    if task.error is not None:
        raise RuntimeError(task.error)
    assert task.base is not None
    cfg = OmegaConf.create(task.base)
    OmegaConf.set_struct(cfg, True)
    ConfigLoaderImpl._apply_overrides_to_config(_parser().parse_overrides(task.values), cfg)
    return cfg


def write_overrides(task: JobTask) -> None:
    """Write the job's ``.hydra/overrides.yaml``, by which aggregation finds its folder.

    An earlier sweep's marker goes before this job's record replaces the folder's: a job
    resumed in the folder is recognised by its config's digest (:func:`sim.app.claim`).
    """
    from sim.folders import invalidate, write_text
    from sim.sweep.aggregate import job_status

    out = Path(task.job_dir)
    hydra_dir = out / ".hydra"
    hydra_dir.mkdir(parents=True, exist_ok=True)
    overrides = OmegaConf.to_yaml(OmegaConf.create(task.overrides))
    if (
        job_status(out).get("status") != "complete"
        or _read(hydra_dir / "overrides.yaml") != overrides
    ):
        invalidate(out)
    write_text(hydra_dir / "overrides.yaml", overrides)


def run_task(task: JobTask) -> tuple[int, str, str | None]:
    """Run one job (in a worker process, in the launcher's, or as a SLURM job).

    Returns:
        (job number, status, error): the status is that of the job's ``status.json``.
    """
    from sim.app import run, write_failure
    from sim.config import settle
    from sim.folders import write_text
    from sim.sweep.aggregate import job_status

    out = Path(task.job_dir)
    hydra_dir = out / ".hydra"
    try:
        # As Hydra does: aggregation finds jobs by this file, failed ones included.
        write_overrides(task)
        cfg = task_config(task)
        write_text(hydra_dir / "config.yaml", OmegaConf.to_yaml(cfg))  # as Hydra composed it
        settle(cfg, task.choices or {}, task.overrides)  # as app.task does under Hydra
        run(cfg, out, progress=False, sweep=True)
    except Exception as exc:  # a failed job must not lose the others' results
        write_failure(out, exc)
        print(f"[job] {out.name}: FAILED: {exc}", file=sys.stderr, flush=True)
    status = job_status(out)
    return task.num, str(status.get("status")), status.get("error")


def _read(path: Path) -> str | None:
    # Bounded (sim/safeio.py): a FIFO or a link out of the job folder reads as missing.
    try:
        return read_text(path, root=path.parent.parent)
    except (OSError, ValueError):  # ValueError: ConfigError, a file the reader refuses
        return None


def _worker_init() -> None:
    import gc

    import sim.app
    import sim.runner
    import sim.sweep.aggregate  # imported once, before freezing

    logging.getLogger("MESA").setLevel(logging.WARNING)
    sim.app.JOB_LINES["sweep"] = False  # the parent's progress bar counts this worker's jobs
    # Everything imported so far lives as long as the worker: keep it out of the garbage
    # collections that free each job's model (they take 50 ms otherwise).
    gc.freeze()


#: Interpolations in ``hydra.sweep.subdir`` that read the task config (not ``hydra.*``).
_TASK_INTERPOLATION = re.compile(r"\$\{(?!hydra[.:])")


class GroupedLauncher(Launcher):
    """Hydra launcher that composes a config once per group of jobs (see the module doc).

    Args:
        n_jobs: Worker processes (-1: one per core; 1: run in the launcher's process).
    """

    def __init__(self, n_jobs: int = 2) -> None:
        self.n_jobs = int(n_jobs) if int(n_jobs) > 0 else (os.cpu_count() or 1)
        self.config: DictConfig | None = None
        self.hydra_context: HydraContext | None = None
        self.task_function: TaskFunction | None = None

    def setup(
        self, *, hydra_context: HydraContext, task_function: TaskFunction, config: DictConfig
    ) -> None:
        """Keep what :meth:`launch` needs (called by Hydra)."""
        self.config = config
        self.hydra_context = hydra_context
        self.task_function = task_function

    def launch(self, job_overrides: Any, initial_job_idx: int) -> list[JobReturn]:
        """Run a batch of jobs and return one :class:`JobReturn` per job, in order."""
        setup_globals()
        assert self.config is not None and self.hydra_context is not None
        configure_log(self.config.hydra.hydra_logging, self.config.hydra.verbose)
        sweep_dir = Path(str(self.config.hydra.sweep.dir))
        with lock(sweep_dir, "sweep folder"):  # held already when the command line named it
            write_marker(sweep_dir, "sweep folder")  # ours: --overwrite may clear it later
            return self._launch(job_overrides, initial_job_idx, sweep_dir)

    def _launch(self, job_overrides: Any, initial_job_idx: int, sweep_dir: Path) -> list[JobReturn]:
        assert self.config is not None and self.hydra_context is not None
        if _TASK_INTERPOLATION.search(
            str(OmegaConf.to_container(self.config.hydra.sweep, resolve=False).get("subdir"))  # type: ignore[union-attr]
        ):
            raise ValueError(
                "hydra.sweep.subdir: the grouped launcher needs it to depend on hydra.* only "
                "(e.g. ${hydra.job.num}); use hydra/launcher=local for other layouts"
            )
        tasks = self._plan(list(job_overrides), initial_job_idx, sweep_dir)
        log.info("Grouped launcher: %d job(s), %d worker(s)", len(tasks), self.n_jobs)
        results = self._execute(tasks)
        return [
            JobReturn(
                overrides=t.overrides,
                working_dir=os.getcwd(),
                task_name=str(self.config.hydra.job.name),
                status=JobStatus.COMPLETED,
                _return_value=results[t.num],
            )
            for t in tasks
        ]

    def _plan(self, job_overrides: list[Any], first: int, sweep_dir: Path) -> list[JobTask]:
        """Compose one config per group and describe every job."""
        assert self.config is not None and self.hydra_context is not None
        loader: Any = self.hydra_context.config_loader
        group_exists = loader.repository.group_exists
        groups: dict[tuple[str, ...], tuple[DictConfig | None, dict[str, Any] | None, str]] = {}
        choices: dict[tuple[str, ...], dict[str, Any]] = {}
        tasks = []
        for k, overrides in enumerate(job_overrides):
            num = first + k
            parsed = _parser().parse_overrides(list(overrides))
            structural, values = split_overrides(parsed, group_exists)
            key = tuple(structural)
            if key not in groups:
                try:
                    cfg = loader.load_sweep_config(self.config, list(key))
                    task_cfg: dict[str, Any] = {
                        str(k): v
                        for k, v in OmegaConf.to_container(cfg, resolve=False).items()  # type: ignore[union-attr]
                        if k != "hydra"
                    }
                    groups[key] = (cfg, task_cfg, "")
                    choices[key] = dict(cfg.hydra.runtime.choices)
                except Exception as exc:  # recorded on each of the group's jobs
                    groups[key] = (None, None, f"{type(exc).__name__}: {exc}")
            cfg, base, error = groups[key]
            task_lines = [o.input_line or "" for o in parsed if not o.is_hydra_override()]
            job_dir = sweep_dir / self._subdir(cfg, num, task_lines)
            tasks.append(
                JobTask(
                    num, task_lines, base, values, str(job_dir), error or None, choices.get(key)
                )
            )
        return tasks

    def _subdir(self, cfg: DictConfig | None, num: int, task_lines: list[str]) -> str:
        """The job's folder under the sweep root, as Hydra would name it."""
        if cfg is None:
            return str(num)
        with read_write(cfg.hydra), open_dict(cfg.hydra):
            cfg.hydra.job.num = num
            cfg.hydra.job.id = f"{cfg.hydra.job.name}_{num}"
            cfg.hydra.overrides.task = task_lines
        HydraConfig.instance().set_config(cfg)
        return str(OmegaConf.select(cfg, "hydra.sweep.subdir"))

    def _execute(self, tasks: list[JobTask]) -> dict[int, tuple[str, str | None]]:
        """Run the tasks (in workers when there are several) with a progress line per job."""
        assert self.config is not None and self.hydra_context is not None
        callbacks = self.hydra_context.callbacks
        results: dict[int, tuple[str, str | None]] = {}
        start = time.perf_counter()

        def done(num: int, status: str, error: str | None) -> None:
            results[num] = (status, error)
            assert self.config is not None
            ret = JobReturn(status=JobStatus.COMPLETED, _return_value=(status, error))
            callbacks.on_job_end(config=self.config, job_return=ret)
            log.debug("job %d %s after %.1f s", num, status, time.perf_counter() - start)

        self._run(tasks, done)
        return results

    def _run(self, tasks: list[JobTask], done: Callable[[int, str, str | None], None]) -> None:
        """Run the tasks and call ``done(num, status, error)`` as each finishes.

        This is what another launcher changes (:class:`sim.sweep.slurm.SlurmLauncher`
        submits the tasks to SLURM); planning, callbacks and return values stay here.
        """
        if min(self.n_jobs, len(tasks)) <= 1:
            logging.getLogger("MESA").setLevel(logging.WARNING)
        pool = LocalPool(self.n_jobs, initializer=_worker_init)
        for _, result in pool.run([Submission(run_task, t, Path(t.job_dir)) for t in tasks]):
            done(*result)


def validate_batch(context: HydraContext, config: DictConfig, batch: Any) -> None:
    """Compose the first job of each group of jobs that differ only in values.

    Raises:
        hydra.errors.ConfigCompositionException: As Hydra's own check would.
    """
    group_exists = getattr(context.config_loader, "repository").group_exists  # noqa: B009
    seen: set[tuple[str, ...]] = set()
    for overrides in batch:
        structural, _ = split_overrides(_parser().parse_overrides(list(overrides)), group_exists)
        if tuple(structural) not in seen:
            seen.add(tuple(structural))
            context.config_loader.load_sweep_config(config, list(overrides))


def register() -> None:
    """Make our launcher and sweeper known to Hydra.

    Hydra finds plugins by scanning the ``hydra_plugins`` namespace, which misses an
    editable install. The scan runs first (a wheel install is found and loaded by it), and
    the modules are imported after it, so each class exists once.
    """
    import importlib

    from hydra.core.plugins import Plugins

    plugins = Plugins.instance()
    for module, name in PLUGINS.items():
        if f"{module}.{name}" not in plugins.class_name_to_class:
            plugins.register(getattr(importlib.import_module(module), name))

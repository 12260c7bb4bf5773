"""Where a batch of folder-writing jobs runs: spawned processes here, or a SLURM cluster.

A job is a :class:`Submission`: a module-level function, its argument and the folder the
job writes into (its results and, last, ``status.json``). Two pools run a list of them and
yield each with its return value as it finishes:

- :class:`LocalPool`: ``n_jobs`` spawned worker processes (in this process when 1), which
  die with this process (:func:`sim.parallel.workers.worker_start`) and end at once on
  Ctrl-C;
- :class:`SlurmPool`: one SLURM job array through submitit, one array task per job.

Sweeps use them through their launchers (``hydra/launcher=grouped`` and ``=slurm``,
:mod:`sim.sweep.launcher`, :mod:`sim.sweep.slurm`); any other batch of independent jobs
(the folds of a validation, for one) takes the same path with :func:`pool_from_config`
on the composed ``hydra.launcher`` config, so ``hydra/launcher=slurm`` sends it to the
cluster as well. docs/cluster.md describes the SLURM side.
"""

from __future__ import annotations

import json
import logging
import multiprocessing as mp
import os
import time
from collections.abc import Callable, Iterator, Mapping
from concurrent.futures import Future, ProcessPoolExecutor, as_completed
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from sim.folders import mark_failed, read_status
from sim.parallel.workers import kill_workers, worker_start

log = logging.getLogger(__name__)


@dataclass
class Submission:
    """One job: ``fn(arg)`` run somewhere, writing into ``folder``.

    Attributes:
        fn: A module-level function (pickled by name for worker processes and SLURM).
        arg: Its argument (plain data: it is pickled).
        folder: The job's folder; ``status.json`` there says how it ended.
    """

    fn: Callable[[Any], Any]
    arg: Any
    folder: Path


def call(sub: Submission) -> Any:
    """Run one submission (what a worker process or a SLURM array task executes)."""
    return sub.fn(sub.arg)


class LocalPool:
    """Run submissions in ``n_jobs`` spawned worker processes (in this process when 1).

    Args:
        n_jobs: Worker processes (-1: one per core).
        initializer: Run once in each worker before its first job.
    """

    def __init__(self, n_jobs: int = 2, initializer: Callable[[], None] | None = None) -> None:
        self.n_jobs = int(n_jobs) if int(n_jobs) > 0 else (os.cpu_count() or 1)
        self.initializer = initializer

    def run(self, subs: list[Submission]) -> Iterator[tuple[Submission, Any]]:
        """Yield ``(submission, return value)`` as each job finishes."""
        workers = min(self.n_jobs, len(subs))
        if workers <= 1:
            for sub in subs:
                yield sub, call(sub)
            return
        pool = ProcessPoolExecutor(
            max_workers=workers,
            mp_context=mp.get_context("spawn"),
            initializer=_start_worker,
            initargs=(os.getpid(), self.initializer),
        )
        try:
            futures: dict[Future[Any], Submission] = {pool.submit(call, s): s for s in subs}
            for fut in as_completed(futures):
                yield futures[fut], fut.result()
        except KeyboardInterrupt:  # Ctrl-C: the running jobs are not waited for
            kill_workers(pool)
            raise
        finally:
            pool.shutdown(cancel_futures=True)


def _start_worker(parent_pid: int, initializer: Callable[[], None] | None) -> None:
    """A worker's first steps: :func:`worker_start`, then the pool's initializer."""
    worker_start(parent_pid)
    if initializer is not None:
        initializer()


#: SLURM states of a job killed from outside (``CANCELLED by 0`` starts with the first).
_KILLED = {"CANCELLED", "TIMEOUT", "OUT_OF_MEMORY", "NODE_FAIL", "PREEMPTED", "DEADLINE"}


class JobDied(RuntimeError):
    """A SLURM job ended without a result: cancelled, timed out, killed or its node lost."""


class SlurmPool:
    """Run submissions as one SLURM job array (submitit), one array task per submission.

    Each job's folder gets ``slurm.json`` (job id, state, log paths) and the links
    ``slurm.out`` and ``slurm.err`` to its log files as soon as it is submitted. A job that
    ends without a result (``scancel``, time limit, out of memory, node failure) and whose
    ``status.json`` does not say complete is recorded there as failed, with the state SLURM
    gives and where its log is, and the others go on. If waiting is interrupted, the jobs
    still queued or running are cancelled.

    Args:
        submitit_folder: Where submitit keeps pickles and logs (``%j``: the job id).
        python: The Python that runs the jobs on the nodes (default: this one, which
            works where the nodes see the same path, e.g. a shared home).
        poll_s: Seconds between checks of the jobs' states.
        **params: sbatch settings as submitit names them (``partition``, ``timeout_min``,
            ``cpus_per_task``, ``mem_gb``, ``array_parallelism``, ``setup``, ``account``,
            ``qos``, ``additional_parameters``, ...); ``None`` leaves one out.
    """

    def __init__(
        self,
        submitit_folder: str = ".submitit/%j",
        python: str | None = None,
        poll_s: float = 1.0,
        **params: Any,
    ) -> None:
        self.folder = submitit_folder
        self.python = python
        self.poll_s = float(poll_s)
        self.params = {k: _plain(v) for k, v in params.items() if v is not None}

    def executor(self) -> Any:
        """A submitit executor with this pool's settings."""
        import submitit

        executor = submitit.SlurmExecutor(folder=self.folder, max_num_timeout=0, python=self.python)
        # Generic names (timeout_min, mem_gb, name ...) to sbatch's, as submitit's own
        # AutoExecutor converts them.
        try:
            executor.update_parameters(**executor._convert_parameters(dict(self.params)))
        except ValueError as exc:  # submitit lists every valid name: keep the first line
            raise ValueError(f"hydra.launcher: {str(exc).splitlines()[0]}") from None
        return executor

    def run(self, subs: list[Submission]) -> Iterator[tuple[Submission, Any]]:
        """Submit every job as one array; yield ``(submission, return value)`` as each ends.

        The value is ``None`` for a job that died; its ``status.json`` then says failed.
        """
        if not subs:
            return
        executor = self.executor()
        jobs = executor.map_array(call, subs)
        pending = list(zip(jobs, subs, strict=True))
        for job, sub in pending:
            _write_links(job, sub.folder)
        log.info("SLURM: %d job(s) submitted as array %s", len(jobs), jobs[0].job_id.split("_")[0])
        try:
            while pending:
                still = []
                for job, sub in pending:
                    if not job.done():
                        still.append((job, sub))
                        continue
                    if str(job.state).split(" ")[0] in _KILLED:
                        # SLURM killed it: no result file is coming, so do not wait the
                        # 15 s submitit allows a slow shared file system to show one.
                        job._results_timeout_s = 0
                    try:
                        result, state = job.result(), "COMPLETED"
                    except Exception as exc:  # the job's process never returned
                        state = _state(job)
                        _record_death(job, sub.folder, exc, state)
                        result = None
                    _write_links(job, sub.folder, state=state)
                    yield sub, result
                pending = still
                if pending:
                    time.sleep(self.poll_s)
        finally:
            for job, _ in pending:  # interrupted: leave nothing running for nobody
                job.cancel(check=False)


def _plain(value: Any) -> Any:
    from omegaconf import OmegaConf

    return OmegaConf.to_container(value, resolve=True) if OmegaConf.is_config(value) else value


def _state(job: Any) -> str:
    try:
        return str(job.get_info(mode="force").get("State") or job.state)
    except Exception:  # sacct unreachable: the state is only informative here
        return "UNKNOWN"


def _write_links(job: Any, folder: Path, state: str = "SUBMITTED") -> None:
    """``slurm.json`` and links to the job's log files in its folder (relative links)."""
    folder.mkdir(parents=True, exist_ok=True)
    logs = {"out": Path(job.paths.stdout), "err": Path(job.paths.stderr)}
    info = {
        "job_id": job.job_id,
        "state": state,
        **{f"std{k}": os.path.relpath(p, folder) for k, p in logs.items()},
    }
    tmp = folder / f".slurm.json.tmp-{os.getpid()}"
    tmp.write_text(json.dumps(info, indent=1), encoding="utf-8")
    os.replace(tmp, folder / "slurm.json")
    for kind, target in logs.items():
        link = folder / f"slurm.{kind}"
        if link.is_symlink() or link.exists():
            link.unlink()
        link.symlink_to(os.path.relpath(target, folder))


def _record_death(job: Any, folder: Path, exc: BaseException, state: str) -> None:
    """Record a job that ended without a result as failed, unless it completed."""
    status = read_status(folder)  # bounded (sim/safeio.py)
    if status.get("status") == "complete":  # killed after its work was done
        return
    last = str(exc).strip().splitlines()[-1:] or [""]
    reason = f"SLURM job {job.job_id} ended {state} without a result"
    if type(exc).__name__ == "FailedJobError":
        reason += f" ({last[0]})"
    mark_failed(folder, f"{JobDied.__name__}: {reason}; its log: {folder.name}/slurm.err")
    log.warning("%s: %s", folder.name, reason)


def pool_from_config(launcher: Mapping[str, Any]) -> LocalPool | SlurmPool:
    """The pool a composed ``hydra.launcher`` config stands for.

    ``hydra/launcher=slurm`` gives a :class:`SlurmPool` with the preset's settings; any
    other launcher a :class:`LocalPool` with its ``n_jobs`` (2 when it has none).
    """
    target = str(launcher.get("_target_", ""))
    params = {str(k): v for k, v in launcher.items() if k != "_target_"}
    if target.rsplit(".", 1)[-1] == "SlurmLauncher":
        return SlurmPool(**params)
    return LocalPool(n_jobs=int(params.get("n_jobs") or 2))

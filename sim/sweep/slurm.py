"""The SLURM launcher: a sweep's jobs as one SLURM job array (``hydra/launcher=slurm``).

It plans a sweep as the grouped launcher does (one config composed per group of jobs that
differ only in values, :mod:`sim.sweep.launcher`) and hands the jobs to a
:class:`sim.parallel.SlurmPool`, so a job runs the same code, and gives the same results,
as on this machine. Before submitting, it skips the jobs whose folder already holds a
complete run of the same config: resuming a sweep submits only what is left to do. A job
the cluster ends without a result (``scancel``, time limit, out of memory) is recorded as
failed in its ``status.json`` and the sweep goes on; its log is linked from its folder
(``slurm.out``, ``slurm.err``). docs/cluster.md says how to set the preset for a cluster.
"""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import Any

from sim.app import done_before
from sim.folders import invalidate
from sim.parallel import SlurmPool, Submission
from sim.sweep.aggregate import job_status
from sim.sweep.launcher import GroupedLauncher, JobTask, run_task, task_config, write_overrides


class SlurmLauncher(GroupedLauncher):
    """Hydra launcher that submits a sweep's jobs to SLURM (see the module doc).

    Args:
        **params: The settings of :class:`sim.parallel.SlurmPool` (the preset in
            ``configs/hydra/launcher/slurm.yaml``).
    """

    def __init__(self, **params: Any) -> None:
        super().__init__(n_jobs=1)
        self.params = params

    def _run(self, tasks: list[JobTask], done: Callable[[int, str, str | None], None]) -> None:
        """Submit the jobs not done yet as one array and report each as it ends."""
        todo: list[JobTask] = []
        for task in tasks:
            task.job_dir = str(Path(task.job_dir).absolute())  # the job may start elsewhere
            if _done_before(task):
                name = Path(task.job_dir).name
                print(f"[job] {name}: complete with the same config, not recomputed", flush=True)
                done(task.num, "complete", None)
                continue
            # Written here, not only by the job: a job cancelled before it starts is still
            # found by aggregation, and no earlier run's status stands for this one.
            write_overrides(task)
            invalidate(Path(task.job_dir))
            todo.append(task)
        subs = [Submission(run_task, t, Path(t.job_dir)) for t in todo]
        for sub, result in SlurmPool(**self.params).run(subs):
            if result is None:  # the job died: the pool recorded why in its status.json
                status = job_status(sub.folder)
                done(sub.arg.num, str(status.get("status")), status.get("error"))
            else:
                done(*result)


def _done_before(task: JobTask) -> bool:
    try:
        cfg = task_config(task)
    except Exception:  # the job records its own error when it runs
        return False
    return done_before(cfg, task.job_dir)

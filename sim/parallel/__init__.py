"""Worker processes: every pool of the package, in one place.

Two shapes of work, two modules:

- :mod:`sim.parallel.workers`: :func:`ordered` runs a function over jobs on forked
  children of a pool kept for the process (the chunks of a run, the batches of a
  calibration, the folds of a validation), results in job order;
- :mod:`sim.parallel.jobs`: :class:`LocalPool` and :class:`SlurmPool` run
  :class:`Submission` s, jobs that each write a folder (a sweep's runs), on spawned
  processes or as a SLURM job array, yielding each as it ends.

Every worker process of both starts with :func:`worker_start` and is ended by
:func:`kill_workers` on Ctrl-C.
"""

from __future__ import annotations

from sim.parallel.jobs import (
    JobDied,
    LocalPool,
    SlurmPool,
    Submission,
    call,
    pool_from_config,
)
from sim.parallel.workers import (
    Demand,
    kill_workers,
    ordered,
    pool,
    prepare,
    shutdown,
    worker_start,
)

__all__ = [
    "Demand",
    "JobDied",
    "LocalPool",
    "SlurmPool",
    "Submission",
    "call",
    "kill_workers",
    "ordered",
    "pool",
    "pool_from_config",
    "prepare",
    "shutdown",
    "worker_start",
]

"""Moved to :mod:`sim.parallel.jobs` (every pool now lives in :mod:`sim.parallel`).

Kept so that ``from sim.sweep.pools import ...`` goes on working; import from
:mod:`sim.parallel` in new code.
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

__all__ = ["JobDied", "LocalPool", "SlurmPool", "Submission", "call", "pool_from_config"]

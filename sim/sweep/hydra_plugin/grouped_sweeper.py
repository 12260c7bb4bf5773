"""Hydra's name for our sweeper (``hydra/sweeper=grouped``): Hydra's basic sweeper, lighter checks.

Before launching, Hydra's basic sweeper composes every job's config once only to check it
(about 0.1 s a job, as long as running it). This one composes one job per group of jobs that
differ only in values (:func:`sim.sweep.launcher.validate_batch`): a typo still stops the
sweep before any work, and a bad value fails only its own job, recorded in ``status.json``.
"""

from collections.abc import Sequence

from hydra._internal.core_plugins.basic_sweeper import BasicSweeper

from sim.sweep.launcher import validate_batch


class GroupedSweeper(BasicSweeper):
    """Hydra's basic sweeper (grids, ranges, choices) checking one job per group."""

    def validate_batch_is_legal(self, batch: Sequence[Sequence[str]]) -> None:
        """Compose the first job of each group (Hydra composes every job)."""
        assert self.hydra_context is not None and self.config is not None
        validate_batch(self.hydra_context, self.config, batch)

"""Hydra's name for our SLURM launcher (``hydra/launcher=slurm``); the code is in sim.sweep.slurm.

Hydra instantiates launchers only from classes defined under ``hydra_plugins``, so this module
only gives :class:`sim.sweep.slurm.SlurmLauncher` a name there.
"""

from sim.sweep.slurm import SlurmLauncher as _SlurmLauncher


class SlurmLauncher(_SlurmLauncher):
    """Submits a sweep's jobs to a SLURM cluster as one job array."""

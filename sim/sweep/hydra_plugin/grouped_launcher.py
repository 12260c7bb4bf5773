"""Hydra's name for our launcher (``hydra/launcher=grouped``); the code is in sim.sweep.launcher.

Hydra instantiates launchers only from classes defined under ``hydra_plugins``, so this module
only gives :class:`sim.sweep.launcher.GroupedLauncher` a name there.
"""

from sim.sweep.launcher import GroupedLauncher as _GroupedLauncher


class GroupedLauncher(_GroupedLauncher):
    """Runs a sweep's jobs in worker processes, composing each group of jobs once."""

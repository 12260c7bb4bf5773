"""Plugins: classes that installed packages register through Python entry points.

Two groups are read, each once and only when its registry is first consulted:
``escalation.policies`` (policy classes) and ``escalation.actors`` (actor types). Users
install such packages on purpose; configs still only name what is registered.
"""

from __future__ import annotations

import warnings
from collections.abc import Callable
from importlib.metadata import entry_points
from typing import Any

_LOADED: set[str] = set()


def load_plugins(group: str, base: type, register: Callable[[Any], Any]) -> None:
    """Import every object the group's entry points name and register it.

    An entry point that fails to import, or names something other than a subclass of
    ``base``, is skipped with a warning naming it, so one broken package does not stop
    every run.

    Args:
        group: The entry point group.
        base: The class registered objects must derive from.
        register: The registry's register function.
    """
    if group in _LOADED:
        return
    _LOADED.add(group)
    for ep in entry_points(group=group):
        try:
            obj = ep.load()
        except Exception as exc:
            warnings.warn(f"plugin {ep.value!r} ({group}) failed to import: {exc!r}", stacklevel=2)
            continue
        if not (isinstance(obj, type) and issubclass(obj, base)):
            warnings.warn(
                f"plugin {ep.value!r} ({group}) is not a subclass of {base.__name__}; skipped",
                stacklevel=2,
            )
            continue
        register(obj)

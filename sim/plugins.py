"""Plugins: classes that installed packages register through Python entry points.

Two groups are read, each once and only when its registry is first consulted:
``escalation.policies`` (policy classes) and ``escalation.actors`` (actor types). Users
install such packages on purpose; configs still only name what is registered.

A registry that sits low in the layers (the actor-kind declarations in
:mod:`sim.kinds`) asks for its group with :func:`load_group`; the layer that owns the
classes (:mod:`sim.agents`) says how to check and register them with
:func:`handle_group`. So the registry never imports the classes' module.
"""

from __future__ import annotations

import warnings
from collections.abc import Callable
from importlib.metadata import entry_points
from typing import Any

_LOADED: set[str] = set()
_HANDLERS: dict[str, tuple[type, Callable[[Any], Any]]] = {}
_GENERATION = [0]


def changed() -> None:
    """Note that a registry changed (a kind or a policy was registered or removed)."""
    _GENERATION[0] += 1


def generation() -> int:
    """How many times the registries changed in this process.

    Worker processes forked earlier hold the registries as they were (``sim.parallel``
    replaces them when this moves on).
    """
    return _GENERATION[0]


def handle_group(group: str, base: type, register: Callable[[Any], Any]) -> None:
    """Say how the entry points of ``group`` are checked and registered."""
    _HANDLERS[group] = (base, register)


def load_group(group: str) -> None:
    """Load ``group``'s entry points with its handler, once (no-op without a handler)."""
    if group in _HANDLERS:
        load_plugins(group, *_HANDLERS[group])


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

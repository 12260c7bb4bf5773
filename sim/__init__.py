"""Escalation-scenario engine: a vectorised Mesa model of interstate crises.

The public API is what ``__all__`` lists; everything else is internal.
"""

from __future__ import annotations

import importlib
import importlib.abc
import importlib.machinery
import sys
import types
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from sim.agents import Actor, Channel, actor_types, register_actor, unregister_actor
    from sim.api import build_model, events, load_settings, run_figures, run_scenario
    from sim.contracts import ContractError, check_actor_type
    from sim.errors import ConfigError
    from sim.ladder import Ladder, Rung
    from sim.model import EscalationModel
    from sim.policies import (
        OneReplicatePolicy,
        Param,
        Policy,
        Traits,
        per_replicate,
        register_policy,
        registered_policies,
    )
    from sim.runner import RunResult, replay, simulate
    from sim.settings import Settings

    __version__: str

# The public names, by the module that defines them. They load on first use (PEP 562):
# importing them here would pull Mesa, pandas, SciPy and Hydra into every start of the
# command line, `escalation --help` included (docs/performance.md, start-up).
_LAZY = {
    "sim.agents": ("Actor", "Channel", "actor_types", "register_actor", "unregister_actor"),
    "sim.api": ("build_model", "events", "load_settings", "run_figures", "run_scenario"),
    "sim.contracts": ("ContractError", "check_actor_type"),
    "sim.errors": ("ConfigError",),
    "sim.ladder": ("Ladder", "Rung"),
    "sim.model": ("EscalationModel",),
    "sim.policies": (
        "OneReplicatePolicy",
        "Param",
        "Policy",
        "Traits",
        "per_replicate",
        "register_policy",
        "registered_policies",
    ),
    "sim.runner": ("RunResult", "replay", "simulate"),
    "sim.settings": ("Settings",),
}
_HOME = {name: module for module, names in _LAZY.items() for name in names}


def __getattr__(name: str) -> Any:
    """A public name, imported from its module on first use, then kept."""
    if name == "__version__":
        # Reading the installed metadata costs ~80 ms: only `--version` and users need it.
        from importlib.metadata import PackageNotFoundError, version

        try:
            value: Any = version("escalation-sim")
        except PackageNotFoundError:  # sources on the path without an install
            value = "0+unknown"
    elif name in _HOME:
        value = getattr(importlib.import_module(_HOME[name]), name)
    else:
        raise AttributeError(f"module 'sim' has no attribute {name!r}")
    globals()[name] = value
    return value


class _OnFirstUse(importlib.abc.Loader):
    """Runs a package's ``__init__`` on the first name asked of it, not at its import.

    The module is in ``sys.modules`` with its ``__file__``, ``__path__`` and ``__spec__``, so
    its submodules import as usual; any other name runs the real code, then is looked up.
    """

    def __init__(self, loader: importlib.abc.Loader) -> None:
        self.loader = loader

    def create_module(self, spec: importlib.machinery.ModuleSpec) -> types.ModuleType | None:
        return self.loader.create_module(spec)

    def exec_module(self, module: types.ModuleType) -> None:
        loader = self.loader

        def __getattr__(name: str) -> Any:
            del module.__dict__["__getattr__"]
            loader.exec_module(module)
            return getattr(module, name)

        module.__dict__["__getattr__"] = __getattr__


class _DeferMesaExperimental(importlib.abc.MetaPathFinder):
    """Finds ``mesa.experimental`` with a :class:`_OnFirstUse` loader.

    ``import mesa`` imports ``mesa.experimental`` (continuous space, signals, meta-agents), and
    with it SciPy's spatial package: a third of a second of every run's start that nothing
    here uses. Deferred, it loads, unchanged, the first time anything uses it.
    """

    def find_spec(
        self, name: str, path: Any, target: types.ModuleType | None = None
    ) -> importlib.machinery.ModuleSpec | None:
        if name != "mesa.experimental":
            return None
        spec = importlib.machinery.PathFinder.find_spec(name, path)
        if spec is not None and spec.loader is not None:
            spec.loader = _OnFirstUse(spec.loader)
        return spec


if "mesa" not in sys.modules and not any(
    isinstance(f, _DeferMesaExperimental) for f in sys.meta_path
):
    sys.meta_path.insert(0, _DeferMesaExperimental())


def __dir__() -> list[str]:
    """The module's names, the lazy ones included."""
    return sorted({*globals(), *__all__})


__all__ = [
    "Actor",
    "Channel",
    "ConfigError",
    "ContractError",
    "EscalationModel",
    "Ladder",
    "OneReplicatePolicy",
    "Param",
    "Policy",
    "RunResult",
    "Rung",
    "Settings",
    "Traits",
    "__version__",
    "actor_types",
    "build_model",
    "check_actor_type",
    "events",
    "load_settings",
    "per_replicate",
    "register_actor",
    "register_policy",
    "registered_policies",
    "replay",
    "run_figures",
    "run_scenario",
    "simulate",
    "unregister_actor",
]

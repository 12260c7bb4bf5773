"""Escalation-scenario engine: a vectorised Mesa model of interstate crises.

The public API is what ``__all__`` lists; everything else is internal.
"""

from importlib.metadata import PackageNotFoundError, version

try:
    __version__ = version("escalation-sim")
except PackageNotFoundError:  # sources on the path without an install
    __version__ = "0+unknown"

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

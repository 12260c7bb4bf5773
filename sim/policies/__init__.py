"""Policies: how actors choose their moves, registered by name.

Importing this package registers the built-in policies.
"""

from sim.policies import mediation, simple, tit_for_tat
from sim.policies.adapter import OneReplicatePolicy, per_replicate
from sim.policies.base import (
    M_APPEAL,
    M_LEVERAGE,
    M_MEDIATE,
    M_NONE,
    MEDIATOR_ACTIONS,
    MediatorObservation,
    Param,
    Policy,
    StateObservation,
    Traits,
    get_policy,
    register_policy,
    registered_policies,
)

__all__ = [
    "MEDIATOR_ACTIONS",
    "M_APPEAL",
    "M_LEVERAGE",
    "M_MEDIATE",
    "M_NONE",
    "MediatorObservation",
    "OneReplicatePolicy",
    "Param",
    "Policy",
    "StateObservation",
    "Traits",
    "get_policy",
    "mediation",
    "per_replicate",
    "register_policy",
    "registered_policies",
    "simple",
    "tit_for_tat",
]

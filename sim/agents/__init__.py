"""Actors as Mesa agents: one agent per actor, its state as arrays over replicates.

One module per kind: :mod:`~sim.agents.state`, :mod:`~sim.agents.mediator` and
:mod:`~sim.agents.militant`, on the base class and registry in :mod:`~sim.agents.base`.
Importing this package registers the built-in kinds' classes.
"""

from sim.agents.base import (
    Actor,
    Channel,
    actor_types,
    get_actor_type,
    register_actor,
    unregister_actor,
)
from sim.agents.mediator import MediatorActor
from sim.agents.militant import MilitantGroup
from sim.agents.state import StateActor

__all__ = [
    "Actor",
    "Channel",
    "MediatorActor",
    "MilitantGroup",
    "StateActor",
    "actor_types",
    "get_actor_type",
    "register_actor",
    "unregister_actor",
]

"""The actor base class, channels, and the registry of agent classes.

Each day every agent :meth:`~Actor.decide` s from the state at the end of yesterday
(simultaneous activation) and stores a plan; :meth:`~Actor.act` turns the plan into
rungs per channel; the model's submodels (:mod:`sim.submodels`) then apply the day's
effects, asking the acting agent what its act does (:meth:`~Actor.harms`,
:meth:`~Actor.violates`), and finally every agent's :meth:`~Actor.apply` runs. Agents
never mutate shared state in ``decide``, so the order in which they are called does not
matter.

New actor kinds subclass :class:`Actor`, declare ``kind``, ``params``, the relation types
they are the source of (``relations``) and the rungs they may take (``rungs``), implement
``decide`` (plan) and ``act`` (the plan as rungs per channel), optionally ``apply``
(effects after the built-in ones), and are registered with :func:`register_actor` or
through the ``escalation.actors`` entry point group. A subclass of a built-in kind (say a
``StateActor`` with another ``decide``) keeps that kind's place in the model under its
own ``kind`` name. See ``docs/extending.md``.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any, ClassVar, TypeVar

import mesa
import numpy as np

from sim.errors import ConfigError
from sim.kinds import ACTOR_ENTRY_POINT_GROUP, Kind, declare, get_kind, kinds, undeclare
from sim.params import Param
from sim.plugins import handle_group
from sim.policies import Policy, get_policy
from sim.relations import targets_of
from sim.rng import Draws, stream_key

if TYPE_CHECKING:  # annotations only: the model imports the agents, never the reverse
    from sim.model import EscalationModel
    from sim.settings import ActorSpec
    from sim.submodels import Today


@dataclass
class Channel:
    """A directed actor -> target line of action; one action per day per replicate.

    Attributes:
        index: Row in the model's action arrays.
        actor: Acting actor id.
        target: Target actor id.
        kind: The acting actor's kind (its built-in kind for subclasses of built-in kinds).
        strike_target: Event-log target of a strike on militants along this channel
            (a group on the target's soil that attacks the actor, else the target).
        dyad: Index of the state dyad (state channels only, else -1).
        reverse: Channel of the opponent toward this actor (state channels, else -1).
    """

    index: int
    actor: str
    target: str
    kind: str
    strike_target: str
    dyad: int = -1
    reverse: int = -1
    keys: dict[str, int] = field(default_factory=dict)

    def key(self, purpose: str) -> int:
        """Stream key for a purpose such as ``"policy"`` (cached)."""
        if purpose not in self.keys:
            self.keys[purpose] = stream_key(f"{self.actor}->{self.target}/{purpose}")
        return self.keys[purpose]


class Actor(mesa.Agent):
    """Base class of all actors.

    Class attributes declare what configs may say about the kind and what it may do
    (they make its :class:`~sim.kinds.Kind` declaration):

    Attributes:
        kind: The name configs use (``actors.X.kind``).
        params: Declared parameters (default and range), validated like policy parameters;
            values may be per-replicate arrays.
        policy_role: ``"state"`` or ``"mediator"`` if the actor takes a policy of that role
            (``actors.X.policy.name``), else None.
        relations: Relation types this kind is the source of, each with the kind of actor it
            points to (e.g. ``{"lobbies": "state"}``); the model opens one channel per
            such edge of the roster's relations.
        rungs: Rung names this kind may take besides those whose ``used_by`` lists it.
        connect_order: When the kind's own channels open while the model is built (states
            first, then groups and mediators, then the rest): it fixes the channels' rows.
        faces_opponents: Whether the kind's own channels pair into dyads with the channels
            of its opponents toward it (states).

    Args:
        model: The model.
        spec: The validated roster entry.
    """

    kind: ClassVar[str] = ""
    params: ClassVar[Mapping[str, Param]] = {}
    policy_role: ClassVar[str | None] = None
    relations: ClassVar[Mapping[str, str]] = {}
    rungs: ClassVar[tuple[str, ...]] = ()
    connect_order: ClassVar[int] = 2
    faces_opponents: ClassVar[bool] = False

    def __init__(self, model: EscalationModel, spec: ActorSpec) -> None:
        super().__init__(model)
        self.actor_id = spec.id
        self.label = spec.label
        self.values = {k: model.batch_value(v) for k, v in spec.params.items()}
        self.channels: list[Channel] = []

    def p(self, key: str) -> Any:
        """A parameter's value for this batch: a scalar or an array of shape (R,)."""
        return self.values[key]

    def draws(self, channel: Channel, purpose: str) -> Draws:
        """Today's random draws for one purpose on one channel."""
        return Draws(self.model.counter, self.model.day, channel.key(purpose))

    def connect(self) -> None:
        """Open the kind's own channels (while the model is built; none by default).

        Channels along the kind's declared relation types open afterwards, for every
        kind alike (:meth:`connect_declared`).
        """

    def connect_declared(self) -> None:
        """Open one channel per out-edge of this actor's declared relation types."""
        for rtype in self.relations:
            for target in targets_of(self.model.graph, self.actor_id, rtype):
                self.model.add_channel(self, target)

    def decide(self) -> None:
        """Plan today's actions from yesterday's state (no shared state is mutated)."""
        raise NotImplementedError

    def act(self) -> Mapping[int, np.ndarray]:
        """Today's plan as rungs: channel index -> int8 array (R,) of rung indices.

        Channels left out take ``none``. Called after every agent has decided.
        """
        return {}

    def harms(self, channel: Channel, today: Today) -> np.ndarray | None:
        """Where today's act on ``channel`` kills (bool (R,)), or None if it never can.

        By default force-level rungs and attacks do, as the built-in kinds' do.
        """
        i = channel.index
        return (today.level[i] >= self.model.lv_force) | (today.rung[i] == self.model.r_attack)

    def violates(self, channel: Channel, today: Today) -> np.ndarray | None:
        """Where today's act on ``channel`` strikes the target's territory, or None."""
        return today.level[channel.index] >= self.model.lv_force

    def apply(self, rung: np.ndarray) -> None:
        """Effects of the day on this actor's own state, after the built-in effects.

        Args:
            rung: int8 array (channels, R): every channel's rung today. The model has
                already drawn casualties and marked violated territory for strikes on
                any channel (force-level rungs and attacks) and updated states' pressure.
        """

    def rung_index(self, name: str) -> int:
        """Ladder index of a rung given by name or by role (``"none"``, ``"force"``...)."""
        lad = self.model.ladder
        return lad.index[lad.roles.get(name, name)]

    def make_policy(self, spec: ActorSpec, role: str) -> Policy:
        """Instantiate this actor's policy for the model's batch."""
        assert spec.policy is not None
        cls = get_policy(spec.policy, role)
        values = {k: self.model.batch_value(v) for k, v in spec.policy_params.items()}
        return cls(self.model.ladder, self.model.n, **values)


A = TypeVar("A", bound=type[Actor])


def register_actor(cls: A) -> A:
    """Class decorator that registers an actor class under its ``kind``.

    Its class attributes become the kind's declaration in :mod:`sim.kinds`; the registered
    kinds it derives from are read off its class hierarchy.

    Raises:
        ValueError: If the kind is empty or taken by another class, the policy role is
            unknown, a parameter is not a :class:`~sim.params.Param`, or a declared
            relation type is already defined by another kind.
    """
    if not cls.kind:
        raise ValueError(f"{cls.__qualname__} has no kind")
    declare(
        Kind(
            name=cls.kind,
            params=cls.params,
            policy_role=cls.policy_role,
            relations=cls.relations,
            rungs=tuple(cls.rungs),
            impl=cls,
        )
    )
    return cls


def unregister_actor(kind: str) -> None:
    """Forget a kind registered by research code (built-in kinds stay)."""
    undeclare(kind)


def actor_types() -> dict[str, type[Actor]]:
    """All registered actor classes (built-in, research code and plugins), by kind."""
    return {name: k.impl for name, k in kinds().items() if k.impl is not None}


def get_actor_type(kind: str, where: str = "kind") -> type[Actor]:
    """Look an actor class up by kind.

    Raises:
        ConfigError: Naming the field, if the kind is unknown or has no class.
    """
    impl = get_kind(kind, where).impl
    if impl is None:
        raise ConfigError(f"{where}: actor kind {kind!r} has no registered class")
    return impl


# Installed packages' actor kinds are checked and registered like research code's.
handle_group(ACTOR_ENTRY_POINT_GROUP, Actor, register_actor)

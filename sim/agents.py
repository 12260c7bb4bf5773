"""Actors as Mesa agents: one agent per actor, its state as arrays over replicates.

Each day every agent :meth:`~Actor.decide` s from the state at the end of
yesterday (simultaneous activation) and stores a plan; the model then turns the
plans into actions and applies their effects (:mod:`sim.model`). Agents never
mutate shared state in ``decide``, so the order in which they are called does
not matter.

New actor kinds subclass :class:`Actor`, declare ``kind``, ``params``, the relation
types they are the source of (``relations``) and the rungs they may take (``rungs``),
implement ``decide`` (plan) and ``act`` (the plan as rungs per channel), optionally
``apply`` (effects after the built-in ones), and are registered with
:func:`register_actor` or through the ``escalation.actors`` entry point group. A subclass
of a built-in kind (say a ``StateActor`` with another ``decide``) keeps that kind's
place in the model under its own ``kind`` name. See ``docs/extending.md``.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any, ClassVar, TypeVar

import mesa
import numpy as np

from sim.errors import ConfigError
from sim.ladder import Ladder, suggest
from sim.plugins import load_plugins
from sim.policies import M_NONE, MediatorObservation, Policy, StateObservation, get_policy
from sim.policies.base import ROLES, Param
from sim.relations import RELATION_TYPES, targets_of
from sim.rng import Draws, stream_key
from sim.settings import ACTOR_PARAMS, ActorSpec

if TYPE_CHECKING:
    from sim.model import EscalationModel


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

    Class attributes declare what configs may say about the kind and what it may do:

    Attributes:
        kind: The name configs use (``actors.X.kind``).
        params: Declared parameters (default and range), validated like policy parameters;
            values may be per-replicate arrays.
        policy_role: ``"state"`` or ``"mediator"`` if the actor takes a policy of that role
            (``actors.X.policy.name``), else None.
        relations: Relation types this kind is the source of, each with the kind of actor it
            points to (e.g. ``{"lobbies": "state"}``); ``connect`` opens one channel per
            such edge of the roster's relations.
        rungs: Rung names this kind may take besides those whose ``used_by`` lists it.

    Args:
        model: The model.
        spec: The validated roster entry.
    """

    kind: ClassVar[str] = ""
    params: ClassVar[Mapping[str, Param]] = {}
    policy_role: ClassVar[str | None] = None
    relations: ClassVar[Mapping[str, str]] = {}
    rungs: ClassVar[tuple[str, ...]] = ()

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
        """Open this actor's channels: one per out-edge of its declared relation types.

        Called once when the model is built, after the built-in kinds' channels exist.
        """
        for rtype in self.relations:
            for target in targets_of(self.model.graph, self.actor_id, rtype):
                self.model.add_channel(self, target)

    def decide(self) -> None:
        """Plan today's actions from yesterday's state (no shared state is mutated)."""
        raise NotImplementedError

    def act(self) -> Mapping[int, np.ndarray]:
        """Today's plan as rungs: channel index -> int8 array (R,) of rung indices.

        Channels left out take ``none``. Built-in kinds turn their plans into actions in
        the model (agreements need both states), so they return nothing here.
        """
        return {}

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


class StateActor(Actor):
    """A state: answers its opponents along the ladder and may agree to de-escalate.

    Per replicate it holds its domestic pressure, and per opponent its policy's
    memory and whether its ambassador is recalled.
    """

    kind = "state"
    params = ACTOR_PARAMS["state"]
    policy_role = "state"

    def __init__(self, model: EscalationModel, spec: ActorSpec) -> None:
        super().__init__(model, spec)
        n = model.n
        self.spec = spec
        self.policies: dict[int, Policy] = {}
        self.pressure = np.zeros(n) + self.p("pressure0")
        self.suffered = np.zeros(n, dtype=np.int32)
        self.violated = np.zeros(n, dtype=bool)
        self.recalled: dict[int, np.ndarray] = {}
        self.intent: dict[int, np.ndarray] = {}
        self.next_intent: dict[int, np.ndarray] = {}
        self.plan: dict[int, tuple[np.ndarray, np.ndarray, np.ndarray]] = {}

    def add_channel(self, channel: Channel) -> None:
        """Start facing an opponent along ``channel``."""
        self.channels.append(channel)
        self.policies[channel.index] = self.make_policy(self.spec, "state")
        self.recalled[channel.index] = np.zeros(self.model.n, dtype=bool)
        self.intent[channel.index] = np.zeros(self.model.n, dtype=np.int8)

    def decide(self) -> None:
        """Plan a level, a willingness to agree and an ambassador return per opponent."""
        m = self.model
        lad = m.ladder
        for c in self.channels:
            obs = StateObservation(
                day=m.day,
                received=m.received(c),
                own_last=m.level[c.index],
                casualties=self.suffered,
                violated=self.violated,
                pressure=self.pressure,
                mediation=m.mediation_offered(self.actor_id),
                top_level=lad.top_level,
            )
            draw = self.draws(c, "modifiers")
            level = self.policies[c.index].decide(obs, self.draws(c, "policy")).astype(np.int16)
            # Draws are made only where they can change something (masked draws equal the
            # full ones there), which keeps quiet days cheap.
            # Domestic pressure pushes an answer one rung higher.
            answering = level > 0
            push = draw.uniform_where(answering, 0) < self.p("pressure_sensitivity") * self.pressure
            level += push
            # A mediator's appeal (or offer) yesterday talks it one rung down.
            calm, bind_p = m.mediator_effects[self.actor_id]
            answering = level > 0
            level -= draw.uniform_where(answering & (calm > 0), 1) < calm
            # Leverage yesterday keeps it at or below the leverage cap.
            bind = draw.uniform_where(bind_p > 0, 2) < bind_p
            level = np.where(bind, np.minimum(level, m.lv_cap), level)
            # Inertia: a state climbs at most max_step rungs a day, and keeps an answer it
            # could not yet give in full as an intent (mobilisation takes time).
            intent = np.clip(np.maximum(level, self.intent[c.index]), 0, lad.top_level)
            level = np.minimum(intent, m.level[c.index] + self.p("max_step")).astype(np.int8)

            d = c.dyad
            # The score is settled when both sides have struck equally often.
            settled = m.given[c.index] == m.given[c.reverse]
            w = (
                self.p("willingness")
                + self.p("settled_bonus") * settled
                + self.p("mediation_receptiveness") * obs.mediation
                - self.p("pressure_on_willingness") * self.pressure
            )
            willing = draw.uniform_where(m.crisis_open[d], 3) < w
            may_return = self.recalled[c.index] & (m.agreed_day[d] >= 0) & ~m.crisis_open[d]
            ret = draw.uniform_where(may_return, 4) < self.p("return_rate")
            self.plan[c.index] = (level, willing, ret)
            self.next_intent[c.index] = np.where(level < intent, intent, 0).astype(np.int8)


class MediatorActor(Actor):
    """A mediator: watches the states it holds leverage over and acts by its policy."""

    kind = "mediator"
    params = ACTOR_PARAMS["mediator"]
    policy_role = "mediator"

    def __init__(self, model: EscalationModel, spec: ActorSpec) -> None:
        super().__init__(model, spec)
        self.policy = self.make_policy(spec, "mediator")
        self.offered = np.zeros(model.n, dtype=bool)
        self.weights: dict[str, float] = {}
        self.plan = np.zeros(model.n, dtype=np.int8)

    def decide(self) -> None:
        """Choose none, appeal, mediate or leverage from the watched dyads."""
        m = self.model
        if not self.channels:
            self.plan = np.full(m.n, M_NONE, dtype=np.int8)
            return
        watched = [d for d, pair in enumerate(m.dyads) if set(pair) <= set(self.weights)]
        if watched:
            max_level = np.max([m.dyad_level(d) for d in watched], axis=0)
            crisis_days = np.max(
                [np.where(m.crisis_open[d], m.day - m.crisis_start[d], 0) for d in watched], axis=0
            )
            peak = np.max([m.crisis_peak[d] for d in watched], axis=0)
            hostility = np.max([m.hostility[d] for d in watched], axis=0)
        else:
            max_level = crisis_days = peak = np.zeros(m.n, dtype=np.int16)
            hostility = np.zeros(m.n)
        obs = MediatorObservation(
            day=m.day,
            max_level=max_level,
            crisis_days=crisis_days,
            crisis_peak=peak,
            offered=self.offered,
            hostility=hostility,
        )
        self.plan = self.policy.decide(obs, self.draws(self.channels[0], "policy"))


class MilitantGroup(Actor):
    """A militant group: attacks its victim states at a rate set by capacity and provocation."""

    kind = "militant"
    params = ACTOR_PARAMS["militant"]

    def __init__(self, model: EscalationModel, spec: ActorSpec) -> None:
        super().__init__(model, spec)
        self.capacity = np.zeros(model.n) + self.p("capacity0")
        self.provoked = np.zeros(model.n)
        self.attacked: dict[int, np.ndarray] = {}
        self.plan: dict[int, np.ndarray] = {}

    def decide(self) -> None:
        """Attack or not, per victim."""
        rate = np.clip(self.p("attack_rate") * self.capacity * (1.0 + self.provoked), 0.0, 1.0)
        for c in self.channels:
            self.plan[c.index] = self.draws(c, "attack").uniform(0) < rate


A = TypeVar("A", bound=type[Actor])

#: Built-in kinds; the model wires their channels and effects itself.
BUILT_IN_KINDS = ("state", "mediator", "militant")
ACTOR_ENTRY_POINT_GROUP = "escalation.actors"
ACTOR_TYPES: dict[str, type[Actor]] = {}


def register_actor(cls: A) -> A:
    """Class decorator that registers an actor type under its ``kind``.

    Raises:
        ValueError: If the kind is empty or taken by another class, the policy role is
            unknown, a parameter is not a :class:`~sim.policies.Param`, or a declared
            relation type is already defined by another kind.
    """
    if not cls.kind:
        raise ValueError(f"{cls.__qualname__} has no kind")
    if cls.kind in ACTOR_TYPES and ACTOR_TYPES[cls.kind] is not cls:
        raise ValueError(f"actor kind {cls.kind!r} is already registered")
    if cls.policy_role is not None and cls.policy_role not in ROLES:
        raise ValueError(f"{cls.kind}: policy_role must be None or one of {ROLES}")
    for key, p in cls.params.items():
        if not isinstance(p, Param):
            raise ValueError(f"{cls.kind}.params[{key!r}]: expected a Param")
    owners = _relation_owners(ACTOR_TYPES.values())
    for rtype in cls.relations:
        # A subclass inherits its bases' relation types; no other kind may redefine one.
        owner = owners.get(rtype)
        if owner is not None and not issubclass(cls, ACTOR_TYPES[owner[0]]):
            raise ValueError(f"{cls.kind}: relation type {rtype!r} is already defined")
    if not all(isinstance(r, str) for r in cls.rungs):
        raise ValueError(f"{cls.kind}: rungs must be rung names")
    ACTOR_TYPES[cls.kind] = cls
    return cls


def _load_entry_points() -> None:
    load_plugins(ACTOR_ENTRY_POINT_GROUP, Actor, register_actor)


def actor_types() -> dict[str, type[Actor]]:
    """All registered actor types (built-in, research code and plugins), by kind."""
    _load_entry_points()
    return dict(sorted(ACTOR_TYPES.items()))


def get_actor_type(kind: str, where: str = "kind") -> type[Actor]:
    """Look an actor type up by kind.

    Raises:
        ConfigError: Naming the field, if the kind is unknown.
    """
    known = actor_types()
    if kind not in known:
        raise ConfigError(f"{where}: unknown actor kind {kind!r}{suggest(kind, list(known))}")
    return known[kind]


def kind_family(kind: str) -> tuple[str, ...]:
    """The kind and the kinds of the registered classes it derives from.

    A ``StateActor`` subclass registered as ``"hardline_state"`` gives
    ``("hardline_state", "state")``: it may stand wherever a state may.
    """
    cls = actor_types().get(kind)
    if cls is None:
        return (kind,)
    out = [kind]
    for base in cls.__mro__[1:]:
        k = getattr(base, "kind", "")
        if k and k not in out and ACTOR_TYPES.get(k) is base:
            out.append(k)
    return tuple(out)


def _relation_owners(types: Iterable[type[Actor]]) -> dict[str, tuple[str, str]]:
    """Relation types with the kinds they link: the built-in ones and those ``types`` declare.

    An inherited relation type belongs to the base that declared it, so that actors of the
    base kind (and of every subclass) may take part in it.
    """
    types = list(types)
    out = dict(RELATION_TYPES)
    for cls in types:
        bases = [b for b in types if b is not cls and issubclass(cls, b)]
        for r, target in cls.relations.items():
            if not any(r in b.relations for b in bases):
                out[r] = (cls.kind, target)
    return out


def relation_types() -> dict[str, tuple[str, str]]:
    """Relation types with the kinds they link: built-in and declared by actor types."""
    return _relation_owners(actor_types().values())


def allowed_rungs(kind: str, ladder: Ladder) -> set[str]:
    """Names of the rungs an actor of ``kind`` may take (``none`` included)."""
    family = kind_family(kind)
    out = {r.name for r in ladder.rungs if any(k in r.used_by for k in family)}
    out.add(ladder.roles.get("none", "none"))
    for k in family:
        cls = ACTOR_TYPES.get(k)
        if cls is not None:
            out.update(cls.rungs)
    return out


for _cls in (StateActor, MediatorActor, MilitantGroup):
    register_actor(_cls)

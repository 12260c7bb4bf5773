"""Actors as Mesa agents: one agent per actor, its state as arrays over replicates.

Each day every agent :meth:`~Actor.decide` s from the state at the end of
yesterday (simultaneous activation) and stores a plan; the model then turns the
plans into actions and applies their effects (:mod:`sim.model`). Agents never
mutate shared state in ``decide``, so the order in which they are called does
not matter.

New actor kinds subclass :class:`Actor`, declare ``kind`` and ``params`` and are
registered with :func:`register_actor`.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any, ClassVar

import mesa
import numpy as np

from sim.policies import M_NONE, MediatorObservation, Policy, StateObservation, get_policy
from sim.policies.base import Param
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
        kind: The acting actor's kind.
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

    Args:
        model: The model.
        spec: The validated roster entry.
    """

    kind: ClassVar[str] = ""
    params: ClassVar[Mapping[str, Param]] = {}

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

    def decide(self) -> None:
        """Plan today's actions from yesterday's state (no shared state is mutated)."""
        raise NotImplementedError

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


ACTOR_TYPES: dict[str, type[Actor]] = {}


def register_actor(cls: type[Actor]) -> type[Actor]:
    """Register an actor class under its ``kind`` (used by the model's roster builder)."""
    ACTOR_TYPES[cls.kind] = cls
    return cls


for _cls in (StateActor, MediatorActor, MilitantGroup):
    register_actor(_cls)

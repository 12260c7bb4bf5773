"""States: answer their opponents along the ladder and may agree to de-escalate."""

from __future__ import annotations

from collections.abc import Mapping
from typing import TYPE_CHECKING

import numpy as np

from sim import relations as rel
from sim.agents.base import Actor, Channel, register_actor
from sim.kinds import STATE
from sim.policies import Policy, StateObservation

if TYPE_CHECKING:  # annotations only
    from sim.model import EscalationModel
    from sim.settings import ActorSpec
    from sim.submodels import Today


@register_actor
class StateActor(Actor):
    """A state: answers its opponents along the ladder and may agree to de-escalate.

    Per replicate it holds its domestic pressure and what it suffered yesterday, and
    per opponent its policy's memory and the answer it has decided on but not yet given
    in full (its intent).
    """

    kind = STATE.name
    params = STATE.params
    policy_role = STATE.policy_role
    connect_order = 0
    faces_opponents = True

    def __init__(self, model: EscalationModel, spec: ActorSpec) -> None:
        super().__init__(model, spec)
        n = model.n
        self.spec = spec
        self.policies: dict[int, Policy] = {}
        self.pressure = np.zeros(n) + self.p("pressure0")
        self.suffered = np.zeros(n, dtype=np.int32)
        self.violated = np.zeros(n, dtype=bool)
        self.intent: dict[int, np.ndarray] = {}
        self.next_intent: dict[int, np.ndarray] = {}
        self.plan: dict[int, tuple[np.ndarray, np.ndarray, np.ndarray]] = {}

    def connect(self) -> None:
        """Open one channel toward each opponent (border or rivalry) in the roster."""
        m = self.model
        for o in rel.opponents(m.graph, self.actor_id):
            if o not in m.actors:
                continue
            groups = rel.hostile_groups(m.graph, o, self.actor_id)
            c = m.add_channel(self, o, groups[0] if groups else o, kind=STATE.name)
            self.policies[c.index] = self.make_policy(self.spec, "state")
            self.intent[c.index] = np.zeros(m.n, dtype=np.int8)

    def decide(self) -> None:
        """Plan a level, a willingness to agree and an ambassador return per opponent."""
        m = self.model
        lad = m.ladder
        for c in self.channels:
            if c.dyad < 0:  # a channel along a relation type a variant declares
                continue
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
            # A crisis closed after an agreement; or, with return_without_agreement, any
            # crisis that was opened and has closed.
            unagreed = (m.mech.get("return_without_agreement", 0) > 0) & (m.crisis_peak[d] > 0)
            closed = ~m.crisis_open[d] & (m.formal_agreement[d] | unagreed)
            may_return = m.recalled[c.index] & closed
            ret = draw.uniform_where(may_return, 4) < self.p("return_rate")
            self.plan[c.index] = (level, willing, ret)
            self.next_intent[c.index] = np.where(level < intent, intent, 0).astype(np.int8)

    def act(self) -> Mapping[int, np.ndarray]:
        """Agreement where both sides are willing, else the planned rung per opponent.

        A state agrees only with an opponent that is willing too (its plan, made the same
        day). An agreement drops any intent still pending; otherwise it carries over.
        """
        m = self.model
        out: dict[int, np.ndarray] = {}
        for c in self.channels:
            if c.dyad < 0:
                continue
            level, willing, ret = self.plan[c.index]
            opponent = m.actors[c.target]
            assert isinstance(opponent, StateActor)
            agree = willing & opponent.plan[c.reverse][1]
            self.intent[c.index] = np.where(agree, 0, self.next_intent[c.index]).astype(np.int8)
            rung = np.where(ret, m.r_restore, m.r_none)
            rung = np.where(willing, m.r_talks, rung)
            rung = np.where(level > 0, m.ladder.state_levels[level], rung)
            if m.r_gesture is not None:
                rung = np.where(m.gesture[c.index], m.r_gesture, rung)
            out[c.index] = np.where(agree, m.r_agree, rung)
        return out

    def harms(self, channel: Channel, today: Today) -> np.ndarray | None:
        """Force-level rungs kill."""
        return today.level[channel.index] >= self.model.lv_force

"""States: answer their opponents along the ladder and may agree to de-escalate."""

from __future__ import annotations

from collections.abc import Mapping
from typing import TYPE_CHECKING

import numpy as np

from sim import relations as rel
from sim.agents.base import Actor, Channel, register_actor
from sim.arrays import put
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
        mediation = m.mediation_offered(self.actor_id)
        calm, bind_p = m.mediator_effects[self.actor_id]
        for c in self.channels:
            if c.dyad < 0:  # a channel along a relation type a variant declares
                continue
            i = c.index
            obs = StateObservation(
                day=m.day,
                received=m.received(c),
                own_last=m.level[i],
                casualties=self.suffered,
                violated=self.violated,
                pressure=self.pressure,
                mediation=mediation,
                top_level=lad.top_level,
            )
            draw = self.draws(c, "modifiers")
            level = self.policies[i].decide(obs, self.draws(c, "policy")).astype(np.int16)
            # Draws are made only where they can change something (masked draws equal the
            # full ones there), which keeps quiet days cheap.
            # Domestic pressure pushes an answer one rung higher.
            answering = level > 0
            level += draw.below(answering, self.p("pressure_sensitivity") * self.pressure, 0)
            # Rivalry: the dyad's hostility pushes an answer one rung higher.
            rival = self.p("hostility_escalation")
            if not (np.isscalar(rival) and rival == 0):
                answering = level > 0
                level += draw.below(answering, rival * m.hostility[c.dyad], 5)
            # A mediator's appeal (or offer) yesterday talks it one rung down.
            answering = level > 0
            level -= draw.below(answering & (calm > 0), calm, 1)
            # Leverage yesterday keeps it at or below the leverage cap.
            bind = draw.below(bind_p > 0, bind_p, 2)
            if bind.any():
                level = np.where(bind, np.minimum(level, m.lv_cap), level)
            # Inertia: a state climbs at most max_step rungs a day, and keeps an answer it
            # could not yet give in full as an intent (mobilisation takes time).
            # (Intents are never negative, so neither is the intent.)
            intent = np.minimum(np.maximum(level, self.intent[i]), lad.top_level)
            level = np.minimum(intent, m.level[i] + self.p("max_step")).astype(np.int8)

            d = c.dyad
            # The score is settled when both sides have struck equally often.
            settled = m.given[i] == m.given[c.reverse]
            w = (
                self.p("willingness")
                + self.p("settled_bonus") * settled
                + self.p("mediation_receptiveness") * mediation
                - self.p("pressure_on_willingness") * self.pressure
            )
            if not (np.isscalar(h_w := self.p("hostility_on_willingness")) and h_w == 0):
                w = w - h_w * m.hostility[d]  # rivalry: harder to agree with a rival
            # Willing to agree only while a crisis is open (w may exceed 1: then certainly).
            willing = draw.below(m.crisis_open[d], w, 3)
            # A crisis closed after an agreement; or, with return_without_agreement, any
            # crisis that was opened and has closed.
            ended = m.formal_agreement[d]
            without = m.mech.get("return_without_agreement", 0)
            if not (np.isscalar(without) and not without):
                ended = ended | ((without > 0) & (m.crisis_peak[d] > 0))
            closed = ~m.crisis_open[d] & ended
            ret = draw.below(m.recalled[i] & closed, self.p("return_rate"), 4)
            self.plan[i] = (level, willing, ret)
            # What is left of the intent once today's level is given (0 once given in full).
            self.next_intent[i] = (intent * (level < intent)).astype(np.int8)

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
            i = c.index
            level, willing, ret = self.plan[i]
            opponent = m.actors[c.target]
            assert isinstance(opponent, StateActor)
            agree = willing & opponent.plan[c.reverse][1]
            self.intent[i] = self.next_intent[i] * ~agree
            # Level 0 is the rung none; on such days talks (if willing) or a return of
            # envoys; a gesture and an agreement replace the day's act.
            rung = np.take(m.ladder.state_levels, level, mode="clip")
            quiet = level == 0
            put(rung, quiet & ret, m.r_restore)
            put(rung, quiet & willing, m.r_talks)
            if m.r_gesture is not None:
                put(rung, m.gesture[i], m.r_gesture)
            put(rung, agree, m.r_agree)
            out[i] = rung
        return out

    def harms(self, channel: Channel, today: Today) -> np.ndarray | None:
        """Force-level rungs kill."""
        return today.level[channel.index] >= self.model.lv_force

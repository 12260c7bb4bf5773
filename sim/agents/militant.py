"""Militant groups: attack their victim states at a rate set by capacity and provocation."""

from __future__ import annotations

from typing import TYPE_CHECKING

import numpy as np

from sim import relations as rel
from sim.agents.base import Actor, Channel, register_actor
from sim.kinds import MILITANT

if TYPE_CHECKING:  # annotations only
    from collections.abc import Mapping

    from sim.model import EscalationModel
    from sim.settings import ActorSpec
    from sim.submodels import Today


@register_actor
class MilitantGroup(Actor):
    """A militant group: attacks its victim states at a rate set by capacity and provocation.

    Per replicate it holds its capacity (degraded by strikes on its bases, recovering
    toward ``capacity0``) and its provocation (raised by such strikes, decaying).
    """

    kind = MILITANT.name
    params = MILITANT.params
    connect_order = 1

    def __init__(self, model: EscalationModel, spec: ActorSpec) -> None:
        super().__init__(model, spec)
        self.capacity = np.zeros(model.n) + self.p("capacity0")
        self.provoked = np.zeros(model.n)
        self.plan: dict[int, np.ndarray] = {}

    def connect(self) -> None:
        """Open one channel toward each state it attacks."""
        for victim in rel.victims_of(self.model.graph, self.actor_id):
            self.model.add_channel(self, victim, kind=MILITANT.name)

    def decide(self) -> None:
        """Attack or not, per victim."""
        rate = self.p("attack_rate") * self.capacity * (1.0 + self.provoked)
        for c in self.channels:
            # A draw below a rate under 0 or over 1 is as below 0 or 1: no clipping needed.
            self.plan[c.index] = self.draws(c, "attack").uniform(0) < rate

    def act(self) -> Mapping[int, np.ndarray]:
        """An attack where one was planned."""
        m = self.model
        return {i: np.where(attack, m.r_attack, m.r_none) for i, attack in self.plan.items()}

    def harms(self, channel: Channel, today: Today) -> np.ndarray | None:
        """Attacks kill."""
        return today.rung[channel.index] == self.model.r_attack

    def violates(self, channel: Channel, today: Today) -> np.ndarray | None:
        """An attack by a group is not a violation of sovereignty by a state."""
        return None

"""Mediators: watch the states they hold leverage over and act by their policy."""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from typing import TYPE_CHECKING

import numpy as np

from sim import relations as rel
from sim.agents.base import Actor, Channel, register_actor
from sim.errors import ConfigError
from sim.kinds import MEDIATOR
from sim.policies import M_NONE, MediatorObservation

if TYPE_CHECKING:  # annotations only
    from sim.model import EscalationModel
    from sim.settings import ActorSpec
    from sim.submodels import Today


@register_actor
class MediatorActor(Actor):
    """A mediator: watches the states it holds leverage over and acts by its policy.

    One channel per state it holds leverage over; the same action goes to each.
    """

    kind = MEDIATOR.name
    params = MEDIATOR.params
    policy_role = MEDIATOR.policy_role
    rungs = MEDIATOR.rungs
    connect_order = 1

    def __init__(self, model: EscalationModel, spec: ActorSpec) -> None:
        super().__init__(model, spec)
        self.policy = self.make_policy(spec, "mediator")
        self.offered = np.zeros(model.n, dtype=bool)
        self.weights: dict[str, float] = {}
        self.plan = np.zeros(model.n, dtype=np.int8)
        # Its acts (sim/submodels/mediator_acts.py, off by default): engaged from the
        # first crisis day, and no reassurance or sanction (channel row -> rungs).
        self.engaged = np.ones(model.n, dtype=bool)
        self.extra: dict[int, np.ndarray] = {}

    def connect(self) -> None:
        """Open one channel toward each state it holds leverage over.

        Raises:
            ConfigError: If it holds leverage over no state (it could never act), unless
                its policy is one that never acts.
        """
        self.weights = rel.leverage(self.model.graph, self.actor_id)
        if not self.weights and self.policy.name != "passive":
            raise ConfigError(
                f"actors.{self.actor_id}: a mediator acts only on states it holds leverage "
                "over, and it holds none: add a relation of type leverage (or use policy passive)"
            )
        for target in self.weights:
            self.model.add_channel(self, target, kind=MEDIATOR.name)

    def decide(self) -> None:
        """Choose none, appeal, mediate or leverage from the watched dyads."""
        m = self.model
        if not self.channels:
            self.plan = np.full(m.n, M_NONE, dtype=np.int8)
            return
        # Every dyad it has a hand in: leverage over one side is enough to act.
        watched = [d for d, pair in enumerate(m.dyads) if set(pair) & set(self.weights)]
        if watched:
            max_level = _highest(m.dyad_level(d) for d in watched)
            crisis_days = _highest((m.day - m.crisis_start[d]) * m.crisis_open[d] for d in watched)
            peak = _highest(m.crisis_peak[d] for d in watched)
            hostility = _highest(m.hostility[d] for d in watched)
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
        waiting = None if self.engaged.all() else ~self.engaged
        if waiting is not None:  # until it engages it sees no crisis and does nothing
            obs.crisis_days = np.where(waiting, 0, crisis_days)
        self.plan = self.policy.decide(obs, self.draws(self.channels[0], "policy"))
        if waiting is not None:
            self.plan = np.where(waiting, np.int8(M_NONE), self.plan)

    def act(self) -> Mapping[int, np.ndarray]:
        """Today's action, as a rung, toward every watched state."""
        rung = self.model.r_mediator[self.plan]
        out = {c.index: rung for c in self.channels}
        for i, r in self.extra.items():  # a reassurance or a sanction on an idle day
            out[i] = np.where(rung == self.model.r_none, r, rung)
        return out

    def harms(self, channel: Channel, today: Today) -> np.ndarray | None:
        """Words and leverage kill no one."""
        return None

    def violates(self, channel: Channel, today: Today) -> np.ndarray | None:
        """Nor do they strike territory."""
        return None


def _highest(rows: Iterable[np.ndarray]) -> np.ndarray:
    """Element-wise maximum over the watched dyads' rows (a new array)."""
    out: np.ndarray | None = None
    for row in rows:
        out = row.copy() if out is None else np.maximum(out, row, out=out)
    assert out is not None
    return out

"""A plugin package: a policy and an actor kind, registered through entry points."""

from __future__ import annotations

from collections.abc import Mapping

import numpy as np

from sim.agents import Actor
from sim.policies import Param, Policy, StateObservation, Traits
from sim.rng import Draws


class AlwaysPosture(Policy):
    """Keep forces on display every day (level of ``posture``), never strike."""

    name = "always_posture"
    traits = Traits(role="state", stochastic=False, memory_depth=0)
    params = {"level": Param("posture", doc="the level held", rung=True)}

    def decide(self, obs: StateObservation, draws: Draws) -> np.ndarray:
        """The same level every day."""
        return np.full(obs.received.shape, int(self.p("level")), dtype=np.int8)


class Monitor(Actor):
    """An international monitor: condemns a strike on a state's territory the next day."""

    kind = "monitor"
    params = {"p_condemn": Param(0.8, 0.0, 1.0, "P(condemning a strike the day after)")}
    relations = {"monitors": "state"}
    rungs = ("condemn",)

    def __init__(self, model, spec) -> None:  # type: ignore[no-untyped-def]
        super().__init__(model, spec)
        self.plan: dict[int, np.ndarray] = {}

    def decide(self) -> None:
        """Condemn, with probability ``p_condemn``, where the monitored state was struck."""
        none, condemn = self.rung_index("none"), self.rung_index("condemn")
        for c in self.channels:
            struck = self.model.actors[c.target].violated  # yesterday's strikes
            speak = self.draws(c, "condemn").uniform_where(struck, 0) < self.p("p_condemn")
            self.plan[c.index] = np.where(speak, condemn, none).astype(np.int8)

    def act(self) -> Mapping[int, np.ndarray]:
        """The planned statements."""
        return self.plan

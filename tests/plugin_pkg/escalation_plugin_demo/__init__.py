"""A plugin policy: always hold a show of force, whatever happens."""

from __future__ import annotations

import numpy as np

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

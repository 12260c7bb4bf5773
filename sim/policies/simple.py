"""Memoryless reference policies: always restrain and random."""

from __future__ import annotations

import numpy as np

from sim.policies.base import Param, Policy, StateObservation, Traits, register_policy
from sim.rng import Draws


@register_policy
class AlwaysRestrain(Policy):
    """Never escalate, whatever is received (Axelrod's Cooperator)."""

    name = "always_restrain"
    traits = Traits(role="state", stochastic=False, memory_depth=0)

    def decide(self, obs: StateObservation, draws: Draws) -> np.ndarray:
        """Restrain."""
        return np.zeros(obs.received.shape, dtype=np.int8)


@register_policy
class RandomPolicy(Policy):
    """Restrain with probability ``p_restrain``, else a uniformly random level.

    Axelrod's Random player lifted to the ladder: the hostile levels drawn are
    1 .. ``max_level``.
    """

    name = "random"
    traits = Traits(role="state", stochastic=True, memory_depth=0)
    params = {
        "p_restrain": Param(0.5, 0.0, 1.0, "probability of restraint on a given day"),
        "max_level": Param("posture", doc="highest rung it may pick", rung=True),
    }

    def decide(self, obs: StateObservation, draws: Draws) -> np.ndarray:
        """Draw today's level."""
        top = int(self.p("max_level"))
        restrain = draws.uniform(0) < self.p("p_restrain")
        # floor(u * top) is exact for u < 1 and top small: no platform-dependent maths.
        level = 1 + np.floor(draws.uniform(1) * top).astype(np.int8)
        return np.where(restrain | (top == 0), 0, level).astype(np.int8)

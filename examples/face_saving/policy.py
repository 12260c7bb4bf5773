"""A research policy: face-saving retaliation.

Answer a provocation once, symbolically, and then restrain: a show of force (``posture``)
instead of a strike that would kill people, and a single diplomatic step for diplomatic
provocations. It keeps a per-replicate memory of whether it has already answered.
"""

from __future__ import annotations

import numpy as np

from sim.policies import Param, Policy, StateObservation, Traits, register_policy
from sim.rng import Draws


@register_policy
class FaceSavingRetaliation(Policy):
    """Answer the first serious provocation with a symbolic act, then restrain."""

    name = "face_saving_retaliation"
    traits = Traits(role="state", stochastic=False, memory_depth=float("inf"))
    params = {"symbol": Param("posture", doc="the symbolic answer to force", rung=True)}

    def reset(self) -> None:
        """Nobody has answered yet."""
        self.answered = np.zeros(self.n, dtype=bool)

    def decide(self, obs: StateObservation, draws: Draws) -> np.ndarray:
        """A symbolic answer to the first provocation, restraint afterwards."""
        symbol = int(self.p("symbol"))
        first = (obs.received > 0) & ~self.answered
        level = np.where(obs.received >= symbol, symbol, np.maximum(obs.received - 1, 0))
        self.answered |= first
        return np.where(first, level, 0).astype(np.int8)

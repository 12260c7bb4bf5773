"""The tit-for-tat family, lifted from cooperate/defect to a multi-rung ladder.

On a ladder "defect" has a size: a policy that retaliates answers at the level
it received (a cross-border militant attack counts as the level of a strike on
militants, see :class:`sim.policies.base.StateObservation`). Restraint is level 0.
"""

from __future__ import annotations

import math

import numpy as np

from sim.policies.base import Param, Policy, StateObservation, Traits, register_policy
from sim.rng import Draws


@register_policy
class TitForTat(Policy):
    """Answer today at the level received yesterday (Axelrod 1984).

    Starts by restraining and never escalates beyond what it received.
    """

    name = "tit_for_tat"
    traits = Traits(role="state", stochastic=False, memory_depth=1)

    def decide(self, obs: StateObservation, draws: Draws) -> np.ndarray:
        """Mirror yesterday's provocation."""
        return obs.received.astype(np.int8, copy=True)


@register_policy
class GenerousTitForTat(Policy):
    """Tit-for-tat that forgives a provocation with probability ``generosity``.

    Nowak and Sigmund (1992): with the standard payoffs (T, R, P, S) = (5, 3, 1, 0)
    the optimal generosity is min(1 - (T-R)/(R-S), (R-P)/(T-P)) = 1/3, the default.
    """

    name = "generous_tit_for_tat"
    traits = Traits(role="state", stochastic=True, memory_depth=1)
    params = {
        "generosity": Param(
            1 / 3, 0.0, 1.0, "probability of answering a provocation with restraint"
        )
    }

    def decide(self, obs: StateObservation, draws: Draws) -> np.ndarray:
        """Mirror yesterday's provocation unless forgiving it."""
        received = obs.received.astype(np.int8)
        # Only a provocation can be forgiven: draws elsewhere would change nothing.
        forgive = draws.below(received > 0, self.p("generosity"), 0)
        return received * ~forgive


@register_policy
class TitForTwoTats(Policy):
    """Retaliate only after two hostile days in a row (Axelrod 1984).

    On a ladder it answers at the lower of the two levels received.
    """

    name = "tit_for_two_tats"
    traits = Traits(role="state", stochastic=False, memory_depth=2)

    def reset(self) -> None:
        """Forget the level received the day before yesterday."""
        self.before = np.zeros(self.n, dtype=np.int8)

    def decide(self, obs: StateObservation, draws: Draws) -> np.ndarray:
        """Answer at min(received yesterday, received the day before)."""
        out = np.minimum(obs.received, self.before).astype(np.int8)
        self.before = obs.received.astype(np.int8, copy=True)
        return out


@register_policy
class GrimTrigger(Policy):
    """Restrain until provoked at ``trigger`` or above, then never forgive (Friedman 1971).

    Once triggered it answers every day at the highest level it has ever received.
    """

    name = "grim_trigger"
    traits = Traits(role="state", stochastic=False, memory_depth=math.inf)
    params = {"trigger": Param("statement", doc="lowest provocation that triggers it", rung=True)}

    def reset(self) -> None:
        """Clear the trigger and the worst provocation remembered."""
        self.worst = np.zeros(self.n, dtype=np.int8)
        self.triggered = np.zeros(self.n, dtype=bool)

    def decide(self, obs: StateObservation, draws: Draws) -> np.ndarray:
        """Answer at the worst provocation so far once triggered, else restrain."""
        self.worst = np.maximum(self.worst, obs.received)
        self.triggered |= obs.received >= self.p("trigger")
        return np.where(self.triggered, self.worst, 0).astype(np.int8)


@register_policy
class GraduatedResponse(Policy):
    """Graduated (proportional) response: Gradual (Beaufils, Delahaye and Mathieu 1996).

    After the opponent's n-th hostile day it retaliates for n days, at the level of
    the provocation that started the punishment, then restrains for two calming
    days; provocations during a punishment or calm are counted but do not restart it.
    """

    name = "graduated"
    traits = Traits(role="state", stochastic=False, memory_depth=math.inf)
    params = {"calm_days": Param(2, 0, 30, "restraining days that close each punishment")}

    def reset(self) -> None:
        """Clear the provocation count and any punishment under way."""
        self.count = np.zeros(self.n, dtype=np.int32)
        self.punish_left = np.zeros(self.n, dtype=np.int32)
        self.calm_left = np.zeros(self.n, dtype=np.int32)
        self.level = np.zeros(self.n, dtype=np.int8)

    def decide(self, obs: StateObservation, draws: Draws) -> np.ndarray:
        """Continue a punishment, calm down, or start a new punishment."""
        hostile = obs.received > 0
        self.count += hostile
        punishing = self.punish_left > 0
        calming = ~punishing & (self.calm_left > 0)
        start = ~punishing & ~calming & hostile
        self.level = np.where(start, obs.received, self.level).astype(np.int8)
        self.punish_left = np.where(start, self.count, self.punish_left)
        self.calm_left = np.where(start, self.p("calm_days"), self.calm_left)
        acting = self.punish_left > 0
        out = np.where(acting, self.level, 0).astype(np.int8)
        self.punish_left = np.where(acting, self.punish_left - 1, 0)
        self.calm_left = np.where(calming, self.calm_left - 1, self.calm_left)
        return out

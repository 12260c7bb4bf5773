"""Mediation policies: what a third party does while two states are in crisis."""

from __future__ import annotations

import math

import numpy as np

from sim.policies.base import (
    M_APPEAL,
    M_LEVERAGE,
    M_MEDIATE,
    M_NONE,
    MediatorObservation,
    Param,
    Policy,
    Traits,
    register_policy,
)
from sim.rng import Draws


@register_policy
class Passive(Policy):
    """Stay out of the crisis (the no-mediation counterfactual)."""

    name = "passive"
    traits = Traits(role="mediator", stochastic=False, memory_depth=0)

    def decide(self, obs: MediatorObservation, draws: Draws) -> np.ndarray:
        """Do nothing."""
        return np.full(obs.max_level.shape, M_NONE, dtype=np.int8)


@register_policy
class ThresholdMediator(Policy):
    """Engage once a crisis has reached ``threshold``; offer, then appeal, then lean on.

    While engaged it acts on a given day with probability ``p_act``: its first act
    is an offer of mediation (which includes a call for restraint), later acts are
    calls for restraint, and once the crisis has lasted ``leverage_after`` days with
    a state still at or above ``threshold`` it applies leverage instead.
    """

    name = "threshold_mediator"
    traits = Traits(role="mediator", stochastic=True, memory_depth=1)
    params = {
        "threshold": Param("strike_militants", doc="crisis peak that engages it", rung=True),
        "p_act": Param(0.5, 0.0, 1.0, "probability of acting on an engaged day"),
        "leverage_after": Param(4, 0, 10_000, "crisis days before leverage is used"),
    }

    def decide(self, obs: MediatorObservation, draws: Draws) -> np.ndarray:
        """Offer, appeal or lean on the states, or wait."""
        threshold = self.p("threshold")
        engaged = (obs.crisis_days > 0) & (obs.crisis_peak >= threshold)
        act = draws.below(engaged, self.p("p_act"), 0)
        lean = (
            obs.offered
            & (obs.crisis_days >= self.p("leverage_after"))
            & (obs.max_level >= threshold)
        )
        out = np.where(obs.offered, np.int8(M_APPEAL), np.int8(M_MEDIATE))
        out = np.where(lean, np.int8(M_LEVERAGE), out)
        return np.where(act, out, np.int8(M_NONE))


@register_policy
class AppealFirst(Policy):
    """Engage on threats, appeal for restraint first, offer mediation later, then lean on.

    Engaged once the watched crisis has reached ``threshold`` (a threat by default, not
    only a strike), it acts on a day with probability ``p_act``: its first acts are calls
    for restraint; once engaged ``offer_after`` days it offers mediation; once the crisis
    has lasted ``leverage_after`` days with a state still at or above ``threshold`` it
    applies leverage.
    """

    name = "appeal_first"
    traits = Traits(role="mediator", stochastic=True, memory_depth=math.inf)
    params = {
        "threshold": Param("threaten", doc="crisis peak that engages it", rung=True),
        "p_act": Param(0.5, 0.0, 1.0, "probability of acting on an engaged day"),
        "offer_after": Param(2, 0, 10_000, "crisis days before it offers mediation"),
        "leverage_after": Param(6, 0, 10_000, "crisis days before leverage is used"),
    }

    def reset(self) -> None:
        """Forget whether it has appealed."""
        self.appealed = np.zeros(self.n, dtype=bool)

    def decide(self, obs: MediatorObservation, draws: Draws) -> np.ndarray:
        """Appeal, offer or lean on the states, or wait."""
        threshold = self.p("threshold")
        engaged = (obs.crisis_days > 0) & (obs.crisis_peak >= threshold)
        act = draws.below(engaged, self.p("p_act"), 0)
        offer = ~obs.offered & self.appealed & (obs.crisis_days >= self.p("offer_after"))
        lean = (obs.crisis_days >= self.p("leverage_after")) & (obs.max_level >= threshold)
        out = np.where(offer, np.int8(M_MEDIATE), np.int8(M_APPEAL))
        out = np.where(lean, np.int8(M_LEVERAGE), out)
        out = np.where(act, out, np.int8(M_NONE))
        self.appealed |= out == M_APPEAL
        return out

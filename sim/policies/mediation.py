"""Mediation policies: what a third party does while two states are in crisis."""

from __future__ import annotations

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
        act = engaged & (draws.uniform(0) < self.p("p_act"))
        lean = (
            obs.offered
            & (obs.crisis_days >= self.p("leverage_after"))
            & (obs.max_level >= threshold)
        )
        out = np.where(obs.offered, M_APPEAL, M_MEDIATE)
        out = np.where(lean, M_LEVERAGE, out)
        return np.where(act, out, M_NONE).astype(np.int8)

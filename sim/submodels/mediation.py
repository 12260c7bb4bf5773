"""Mediation: what mediators' acts do to the states they watch.

Before the states decide (:func:`influence`), for each state ``s`` over the mediators
``m`` holding leverage over it, from yesterday's acts::

    P(step down one rung) = 1 - prod_m (1 - restraint_effect_m * v_ms * [m appealed or offered])
    P(leverage binds)     = 1 - prod_m (1 - leverage_effect_m * w_ms * [m applied leverage])

with ``w_ms`` the leverage edge's weight, and ``v_ms = w_ms`` for a partisan mediator
(``partisan = 1``: its appeals carry the weight of its ties, so it restrains one side more)
or 1. After the day's acts (:func:`record_offers`):
a mediator that took ``mediate`` has offered mediation from then on, which states see as
an observation (their receptiveness adds to their willingness to agree).
The model passes the result through :func:`sim.submodels.mediator_acts.perceive`, which adds
yesterday's reassurances and sanctions (off by default).
"""

from __future__ import annotations

from typing import TYPE_CHECKING

import numpy as np

from sim.policies import M_APPEAL, M_LEVERAGE, M_MEDIATE

if TYPE_CHECKING:  # annotations only
    from sim.model import EscalationModel
    from sim.submodels import Today


def influence(model: EscalationModel) -> dict[str, tuple[np.ndarray, np.ndarray]]:
    """Per actor, yesterday's mediator effects combined over mediators.

    Returns:
        actor id -> (P(stepping down a rung) from appeals and offers, P(leverage binding)
        from leverage).
    """
    m = model
    out: dict[str, tuple[np.ndarray, np.ndarray]] = {}
    appeal, offer = m.r_mediator[M_APPEAL], m.r_mediator[M_MEDIATE]
    lever = m.r_mediator[M_LEVERAGE]
    none = np.zeros(m.n)
    none.flags.writeable = False  # shared by every actor no mediator acted on
    for state in m.actors:
        calm_keep: np.ndarray | None = None
        bind_keep: np.ndarray | None = None
        for med, weight, row in m.mediators_of(state):
            rung = m.rung[row]
            # A mediator that did not act multiplies by exactly 1: skip it.
            calmed = (rung == appeal) | (rung == offer)
            if calmed.any():
                effect = med.p("restraint_effect")
                partisan = med.p("partisan")
                if not (np.isscalar(partisan) and partisan == 0):
                    effect = np.where(partisan > 0, effect * weight, effect)
                keep = 1.0 - calmed * effect
                calm_keep = keep if calm_keep is None else calm_keep * keep
            levered = rung == lever
            if levered.any():
                keep = 1.0 - levered * (med.p("leverage_effect") * weight)
                bind_keep = keep if bind_keep is None else bind_keep * keep
        out[state] = (
            none if calm_keep is None else 1.0 - calm_keep,
            none if bind_keep is None else 1.0 - bind_keep,
        )
    return out


def record_offers(model: EscalationModel, today: Today) -> None:
    """Remember which mediators have offered mediation."""
    offer = model.r_mediator[M_MEDIATE]
    for med in model.members("mediator"):
        if med.channels:
            med.offered |= today.rung[med.channels[0].index] == offer

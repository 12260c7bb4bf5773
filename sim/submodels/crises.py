"""Crises and agreements, per dyad of states.

With ``top`` the higher of the two states' levels today::

    opens     when no crisis is open and top >= level(crisis)   (start = today, peak = 0)
    peak   <- max(peak, top)                                     while open
    relapse   once top >= level(force) on a day after the first agreement
    agreed    on the first day both states take the agreement rung (de-escalation day)
    closes    on any day both take it

The ``crisis`` role is ``condemn`` by default. States are willing to agree only while a
crisis is open (:class:`sim.agents.StateActor`).
"""

from __future__ import annotations

from typing import TYPE_CHECKING

import numpy as np

if TYPE_CHECKING:  # annotations only
    from sim.model import EscalationModel
    from sim.submodels import Today


def apply(model: EscalationModel, today: Today) -> None:
    """Open, raise and close each dyad's crisis; record agreements and relapses."""
    t, m = today.day, model
    for d in range(len(m.dyads)):
        ia, ib = m.dyad_channels(d)
        top = np.maximum(today.level[ia], today.level[ib])
        agree = (today.rung[ia] == m.r_agree) & (today.rung[ib] == m.r_agree)
        opened = ~m.crisis_open[d] & (top >= m.lv_crisis)
        m.crisis_start[d] = np.where(opened, t, m.crisis_start[d])
        m.crisis_peak[d] = np.where(opened, 0, m.crisis_peak[d])
        m.crisis_open[d] |= opened
        m.crisis_peak[d] = np.where(
            m.crisis_open[d], np.maximum(m.crisis_peak[d], top), m.crisis_peak[d]
        )
        m.relapse[d] |= (m.agreed_day[d] >= 0) & (top >= m.lv_force)
        m.agreed_day[d] = np.where(agree & (m.agreed_day[d] < 0), t, m.agreed_day[d])
        m.crisis_open[d] &= ~agree

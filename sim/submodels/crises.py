"""Crises and agreements, per dyad of states.

With ``top`` the higher of the two states' levels today::

    opens     when no crisis is open and top >= level(crisis)   (start = today, peak = 0)
    peak   <- max(peak, top)                                     while open
    relapse   once top >= level(force) on a day after the first agreement
    agreed    on the first day both states take the agreement rung (de-escalation day)
    closes    on any day both take it, or (gestures, :mod:`sim.submodels.gestures`) on
              the first day neither takes a hostile level after one made a unilateral
              gesture, which also counts as the de-escalation day if none came before

An agreement or a gesture that closes the crisis ends both sides' preparation of force and
their memory of strikes on their soil; only an agreement counts as formal (envoys return
after a formal agreement, or after any closed crisis with ``return_without_agreement``).

The ``crisis`` role is ``condemn`` by default. States are willing to agree only while a
crisis is open (:class:`sim.agents.StateActor`).
"""

from __future__ import annotations

from typing import TYPE_CHECKING

import numpy as np

from sim.arrays import put

if TYPE_CHECKING:  # annotations only
    from sim.model import EscalationModel
    from sim.submodels import Today


def apply(model: EscalationModel, today: Today) -> None:
    """Open, raise and close each dyad's crisis; record agreements and relapses."""
    t, m = today.day, model
    for d in range(len(m.dyads)):
        ia, ib = m.dyad_channels(d)
        # Rows of the dyad's state, updated in place.
        is_open, peak, agreed = m.crisis_open[d], m.crisis_peak[d], m.agreed_day[d]
        top = np.maximum(today.level[ia], today.level[ib])
        opened = ~is_open & (top >= m.lv_crisis)
        if opened.any():
            put(m.crisis_start[d], opened, t)
            put(peak, opened, 0)
            is_open |= opened
        # Levels are never negative: the peak of a closed crisis stays as it is.
        np.maximum(peak, top * is_open, out=peak)
        m.relapse[d] |= (agreed >= 0) & (top >= m.lv_force)
        agree = (today.rung[ia] == m.r_agree) & (today.rung[ib] == m.r_agree)
        ends = agree | (m.gestured[d] & (top == 0) & is_open)
        if not ends.any():
            continue
        m.formal_agreement[d] |= agree
        put(agreed, ends & (agreed < 0), t)
        is_open &= ~ends
        m.gestured[d] &= ~ends
        for i in (ia, ib):
            m.soil_struck[i] &= ~ends
            m.ready[i] &= ~ends
            put(m.prep_since[i], ends, -1)

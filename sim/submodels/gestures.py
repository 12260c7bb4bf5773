"""Unilateral gestures: a way down that needs no partner.

After the states have planned, per state channel in an open crisis where the state is not
willing to agree and either felt no provocation yesterday or is under a mediator's
appeal, offer or leverage from yesterday::

    gesture with probability gesture_rate            (the ladder's ``gesture`` rung,
                                                      ``declare_ceasefire`` by default)

A gesture replaces the day's planned act and drops the state's pending intent; both states
let their grievance go (``G <- 0``), and the gesturing state does not answer the blow of its
gesture's day (a one-day grace). From then on the crisis closes on the first day neither
state takes a hostile level (:mod:`sim.submodels.crises`), and that day counts as the
de-escalation day, as an agreement does: crises of this family often end by a unilateral
step under outside pressure, not by a formal agreement. ``gesture_rate = 0`` (the default)
draws nothing.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

import numpy as np

if TYPE_CHECKING:  # annotations only
    from sim.model import EscalationModel


def shape(model: EscalationModel) -> None:
    """Decide which states make a gesture today (``model.gesture``)."""
    m = model
    t = m.day
    m.gesture[:] = False
    for s in m.members("state"):
        rate = s.p("gesture_rate")
        if np.isscalar(rate) and rate == 0:
            continue
        if m.r_gesture is None:
            raise RuntimeError(
                f"{s.actor_id}: gesture_rate > 0 needs a 'gesture' rung on the ladder "
                "(ladder.roles.gesture)"
            )
        for c in s.channels:
            if c.dyad < 0:
                continue
            i = c.index
            level, willing, ret = s.plan[i]
            appealed, leaned = m.mediator_effects[s.actor_id]
            pressed = (appealed > 0) | (leaned > 0)
            may = m.crisis_open[c.dyad] & ~willing & ((m.provocation[i] == 0) | pressed)
            if not may.any():
                continue
            g = may & (m.counter.uniform_where(may, t, c.key("gesture")) < rate)
            if not g.any():
                continue
            m.gesture[i] = g
            m.gestured[c.dyad] |= g
            # Both sides let the grievance go, and the gesturer does not answer the blow of
            # its gesture's day (a one-day grace, read by attribution).
            m.grievance[i] = np.where(g, 0.0, m.grievance[i])
            m.grievance[c.reverse] = np.where(g, 0.0, m.grievance[c.reverse])
            m.grace[i] |= g
            s.plan[i] = (np.where(g, 0, level).astype(np.int8), willing, ret)
            s.next_intent[i] = np.where(g, 0, s.next_intent[i]).astype(np.int8)

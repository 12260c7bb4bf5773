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

from sim.arrays import put

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
        appealed, leaned = m.mediator_effects[s.actor_id]
        pressed = (appealed > 0) | (leaned > 0)
        for c in s.channels:
            if c.dyad < 0:
                continue
            i = c.index
            level, willing, ret = s.plan[i]
            may = m.crisis_open[c.dyad] & ~willing & ((m.provocation[i] == 0) | pressed)
            g = m.counter.below(may, rate, t, c.key("gesture"))
            if not g.any():
                continue
            m.gesture[i] = g
            m.gestured[c.dyad] |= g
            # Both sides let the grievance go, and the gesturer does not answer the blow of
            # its gesture's day (a one-day grace, read by attribution).
            put(m.grievance[i], g, 0.0)
            put(m.grievance[c.reverse], g, 0.0)
            m.grace[i] |= g
            s.plan[i] = (level * ~g, willing, ret)
            s.next_intent[i] = s.next_intent[i] * ~g

"""Unilateral gestures: a way down that needs no partner.

After the states have planned, per state channel in an open crisis where the state plans
nothing hostile today and felt no provocation yesterday::

    gesture with probability gesture_rate            (the ladder's ``gesture`` rung,
                                                      ``declare_ceasefire`` by default)

A gesture drops the state's pending intent. If the opponent takes nothing hostile the
same day, the crisis closes (:mod:`sim.submodels.crises`) and the day counts as the
de-escalation day, as an agreement does: crises of this family often end by a
unilateral step under outside pressure, not by a formal agreement. ``gesture_rate = 0``
(the default) draws nothing.
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
            level, willing, _ = s.plan[i]
            calm = m.crisis_open[c.dyad] & (level == 0) & (m.provocation[i] == 0) & ~willing
            g = calm & (m.counter.uniform_where(calm, t, c.key("gesture")) < rate)
            m.gesture[i] = g
            s.next_intent[i] = np.where(g, 0, s.next_intent[i]).astype(np.int8)

"""Starting tension: the state the mechanisms start from, calm or already tense.

At initialisation, per state channel (the state's parameters)::

    standing level  = min(level0, top level)   taken on day 0 and held as an intent
    recalled        = recalled0                the ambassador is already home
    grievance G     = grievance0               (read with grievance_half_life > 0)
    preparation     = none; no gesture

Standing hostility is the ``hostility`` of the dyad's border/rivalry edge and standing
pressure each state's ``pressure0``. With the defaults every episode starts from calm, as
before. On day 0 a channel with a standing level takes its rung unless a scheduled event
(the trigger) names it.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

import numpy as np

if TYPE_CHECKING:  # annotations only
    from sim.model import EscalationModel


def initialise(model: EscalationModel) -> None:
    """Create the mechanisms' per-channel state and apply the standing values."""
    m = model
    shape = m.level.shape
    m.provocation = np.zeros(shape, dtype=np.int8)
    m.grievance = np.zeros(shape)
    m.ready = np.zeros(shape, dtype=bool)
    m.prep_since = np.full(shape, -1, dtype=np.int32)
    m.gesture = np.zeros(shape, dtype=bool)
    m.soil_struck = np.zeros(shape, dtype=bool)
    m.grace = np.zeros(shape, dtype=bool)
    m.formal_agreement = np.zeros(m.crisis_open.shape, dtype=bool)
    m.gestured = np.zeros(m.crisis_open.shape, dtype=bool)
    m.standing = {}
    for s in m.members("state"):
        level0, recalled0, g0 = s.p("level0"), s.p("recalled0"), s.p("grievance0")
        for c in s.channels:
            if c.dyad < 0:
                continue
            i = c.index
            m.grievance[i] += g0
            m.recalled[i] |= np.asarray(recalled0) > 0
            if not (np.isscalar(level0) and level0 == 0):
                lv = np.minimum(np.asarray(level0, dtype=np.int64), m.ladder.top_level)
                m.standing[i] = (np.zeros(m.n, dtype=np.int64) + lv).astype(np.int8)
                s.intent[i] = m.standing[i].copy()


def day0(model: EscalationModel, rung: np.ndarray) -> None:
    """Day 0: channels with a standing level take its rung (events override later)."""
    for i, lv in model.standing.items():
        rung[i] = np.where(lv > 0, model.ladder.state_levels[lv], rung[i])

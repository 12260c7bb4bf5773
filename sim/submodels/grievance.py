"""Grievance: provocations are remembered and fade, not seen once.

For each state channel, before the state decides (``r`` yesterday's provocation from
:mod:`sim.submodels.attribution`, ``h`` the state's ``grievance_half_life``)::

    G <- max(G * 0.5 ** (1 / h), r)
    felt = max(r, floor(G))                     (what the state's policy reads)

so an attack keeps being felt for days after it, fading with half-life ``h``, and a
graver provocation replaces a milder memory (levels are ordinal, so memories are not
summed). A policy that forgives (generous tit-for-tat) draws again every day it still
feels the grievance: forgiving once is not final. ``h = 0`` (the default) keeps only
yesterday (``felt = r``). ``grievance0`` is the standing grievance on day 0
(:mod:`sim.submodels.starting_tension`).
"""

from __future__ import annotations

from typing import TYPE_CHECKING

import numpy as np

if TYPE_CHECKING:  # annotations only
    from sim.model import EscalationModel


def feel(model: EscalationModel, received: np.ndarray) -> np.ndarray:
    """Update each state channel's grievance and return the provocation its policy reads."""
    m = model
    out = received
    for s in m.members("state"):
        h = s.p("grievance_half_life")
        if np.isscalar(h) and h == 0:
            continue
        decay = np.where(h > 0, 0.5 ** (1.0 / np.maximum(h, 1e-9)), 0.0)
        for c in s.channels:
            if c.dyad < 0:
                continue
            i = c.index
            g = m.grievance[i]  # a row, updated in place
            np.multiply(g, decay, out=g)
            np.maximum(g, received[i], out=g)
            felt = np.floor(g)
            np.maximum(felt, received[i], out=felt)
            np.minimum(felt, m.ladder.top_level, out=felt)
            if out is received:
                out = received.copy()
            out[i] = felt
    return out

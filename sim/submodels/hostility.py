"""Hostility: a dyad's running memory of how high the exchange went.

Per dyad of states, with ``top`` the higher of the two states' levels today and ``L`` the
highest level on the ladder::

    H <- clip(H * (1 - hostility_decay) + hostility_gain * top / L, 0, 1)

``H`` starts from the border or rivalry relation's ``hostility``; mediators watch it, and
reports draw its end value on the relations network.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

import numpy as np

from sim.params import Param

if TYPE_CHECKING:  # annotations only
    from sim.model import EscalationModel
    from sim.submodels import Today

#: Parameters under ``mechanisms:``.
PARAMS: dict[str, Param] = {
    "hostility_decay": Param(0.1, 0.0, 1.0, "daily decay of a dyad's hostility"),
    "hostility_gain": Param(
        0.5, 0.0, 1.0, "hostility added by the day's top level (scaled to [0,1])"
    ),
}


def apply(model: EscalationModel, today: Today) -> None:
    """Decay each dyad's hostility and add the day's top level."""
    m = model
    top_level = max(m.ladder.top_level, 1)
    for d in range(len(m.dyads)):
        ia, ib = m.dyad_channels(d)
        top = np.maximum(today.level[ia], today.level[ib])
        h = m.hostility[d] * (1.0 - m.mech["hostility_decay"])
        h += m.mech["hostility_gain"] * top / top_level
        m.hostility[d] = np.minimum(np.maximum(h, 0.0, out=h), 1.0, out=h)  # clip

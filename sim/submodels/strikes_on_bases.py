"""Strikes on militant bases: they degrade the groups struck and provoke them.

For each state channel whose rung today is a strike on militants, every group based on
the target's soil that attacks the striking state::

    K <- K * (1 - degrade)        Q <- provocation

where the strike happened (``K`` capacity, ``Q`` provocation; see
:mod:`sim.submodels.militant_capacity`).
"""

from __future__ import annotations

from typing import TYPE_CHECKING

import numpy as np

if TYPE_CHECKING:  # annotations only
    from sim.model import EscalationModel
    from sim.submodels import Today


def apply(model: EscalationModel, today: Today) -> None:
    """Degrade and provoke the groups whose bases were struck."""
    for c in model.state_channels():
        struck = today.rung[c.index] == model.r_strike_militants
        if not struck.any():
            continue
        for group, _ in model.hostile_groups(c):
            group.capacity = np.where(
                struck, group.capacity * (1 - group.p("degrade")), group.capacity
            )
            group.provoked = np.where(struck, group.p("provocation"), group.provoked)

"""Domestic pressure on each state.

After the day's casualties and violations (:mod:`sim.submodels.casualties`)::

    P <- clip(pressure0 + (P - pressure0) * (1 - pressure_decay)
              + casualty_pressure * citizen_share * deaths
              + violation_pressure * [soil violated], 0, 1)

Pressure pushes a state's answer one rung higher and makes it less willing to agree
(:class:`sim.agents.StateActor`).
"""

from __future__ import annotations

from typing import TYPE_CHECKING

import numpy as np

if TYPE_CHECKING:  # annotations only
    from sim.model import EscalationModel
    from sim.submodels import Today


def apply(model: EscalationModel, today: Today) -> None:
    """Relax each state's pressure toward its baseline and add the day's blows."""
    for s in model.members("state"):
        p0 = s.p("pressure0")
        p = p0 + (s.pressure - p0) * (1.0 - s.p("pressure_decay"))
        # Adding the blows only where there were any is exact: the rest would add 0.0.
        if s.suffered.any():
            p += s.p("casualty_pressure") * s.p("citizen_share") * s.suffered
        if s.violated.any():
            p += s.p("violation_pressure") * s.violated
        s.pressure = np.minimum(np.maximum(p, 0.0, out=p), 1.0, out=p)  # clip, without its overhead

"""Diplomatic status: ambassadors recalled and returned.

Per state channel (a state toward an opponent)::

    recalled <- (recalled or rung == recall) and rung != restore

with the ``recall`` and ``restore`` roles of the ladder (``recall_ambassador`` and
``restore_relations`` by default). "Relations restored" at the end of a run means no
ambassador is recalled.

States return a recalled ambassador (``return_rate`` a day) once the crisis is closed after
an agreement; with ``return_without_agreement = 1`` also after a crisis closed without one
(:class:`sim.agents.StateActor` reads it).

A recall is a standing state: a state that keeps its answer at the recall rung while its
ambassador is already home takes no new action. Those days are recorded as *held*
(:meth:`~sim.model.EscalationModel.record_held`), and the event log marks them
``act = false``, so that a recall is counted once per act.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

import numpy as np

from sim.params import Param

if TYPE_CHECKING:  # annotations only
    from sim.model import EscalationModel
    from sim.submodels import Today


PARAMS = {
    "return_without_agreement": Param(
        0, 0, 1, "1: envoys may return once a crisis is closed, agreement or not"
    ),
}


def apply(model: EscalationModel, today: Today) -> None:
    """Mark ambassadors recalled or returned."""
    for c in model.state_channels():
        i = c.index
        rung = today.rung[i]
        recall = rung == model.r_recall
        held = recall & model.recalled[i]
        if held.any():
            model.record_held(today.day, i, np.flatnonzero(held))
        model.recalled[i] = (model.recalled[i] | recall) & (rung != model.r_restore)

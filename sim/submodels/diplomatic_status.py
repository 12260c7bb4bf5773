"""Diplomatic status: ambassadors recalled and returned.

Per state channel (a state toward an opponent)::

    recalled <- (recalled or rung == recall) and rung != restore

with the ``recall`` and ``restore`` roles of the ladder (``recall_ambassador`` and
``restore_relations`` by default). "Relations restored" at the end of a run means no
ambassador is recalled.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

if TYPE_CHECKING:  # annotations only
    from sim.model import EscalationModel
    from sim.submodels import Today


def apply(model: EscalationModel, today: Today) -> None:
    """Mark ambassadors recalled or returned."""
    for c in model.state_channels():
        i = c.index
        rung = today.rung[i]
        model.recalled[i] = (model.recalled[i] | (rung == model.r_recall)) & (
            rung != model.r_restore
        )

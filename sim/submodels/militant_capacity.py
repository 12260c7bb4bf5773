"""Militant capacity: recovery toward full strength and the decay of provocation.

For each militant group, at the start of the day's effects::

    K <- K + recovery * (capacity0 - K)
    Q <- Q * (1 - provocation_decay)

``K`` is the group's capacity and ``Q`` its provocation; both scale its daily attack
probability ``min(1, attack_rate * K * (1 + Q))`` (:class:`sim.agents.MilitantGroup`).
Strikes on its bases later the same day cut ``K`` and reset ``Q``
(:mod:`sim.submodels.strikes_on_bases`).
"""

from __future__ import annotations

from typing import TYPE_CHECKING

if TYPE_CHECKING:  # annotations only
    from sim.model import EscalationModel
    from sim.submodels import Today


def recover(model: EscalationModel, today: Today) -> None:
    """Capacity recovers toward ``capacity0``; provocation decays."""
    for g in model.members("militant"):
        g.capacity += g.p("recovery") * (g.p("capacity0") - g.capacity)
        g.provoked *= 1.0 - g.p("provocation_decay")

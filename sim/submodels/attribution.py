"""Attribution: what provocation each state reads into yesterday, and from whom.

Before the states decide, for each state channel ``c`` (state ``s`` toward opponent
``o``)::

    received_c = max( level_o->s yesterday * w_base ,                 (o's own acts)
                      max over groups g attacking s that o hosts or sponsors,
                          [g attacked yesterday] * round(w_og * level(strike_militants)) )

``w_og`` is the weight of the ``hosts``/``sponsors`` edge (1 unless the relation says
otherwise): a sponsor need not be the host. ``w_base`` (``base_strike_weight``) scales how
far a strike on militant bases on ``s``'s own soil reads as an attack by ``o``: at 1 (the
default) it reads at its full level, as before the mechanism existed.

With ``proxy_balance`` on, an attack by a group counts as a strike given by every state
that hosts or sponsors it toward the group's victim, in the balance that settling and
agreement read (``given``), so a massacre by a hosted group leaves the score uneven.

It also remembers, per state channel, whether the opponent has struck bases on the state's
soil since the crisis began (``soil_struck``, read by :mod:`sim.submodels.answer_type`).
"""

from __future__ import annotations

from typing import TYPE_CHECKING

import numpy as np

from sim.params import Param

if TYPE_CHECKING:  # annotations only
    from sim.model import EscalationModel
    from sim.submodels import Today

PARAMS = {
    "base_strike_weight": Param(
        1.0, 0.0, 1.0, "how far a strike on bases on a state's soil reads as an attack by it"
    ),
    "proxy_balance": Param(
        0, 0, 1, "1: a group's attack counts as a strike given by its host and sponsor"
    ),
}


def perceive(model: EscalationModel) -> np.ndarray:
    """Yesterday's provocation per channel as a level (rows of non-state channels are 0)."""
    m = model
    out = np.zeros(m.level.shape, dtype=np.int8)
    w_base = m.mech.get("base_strike_weight", 1.0)
    for c in m.state_channels():
        # Bases on this state's soil struck by the opponent: remembered for answer types.
        m.soil_struck[c.index] |= m.rung[c.reverse] == m.r_strike_militants
        got = m.level[c.reverse]
        if not (np.isscalar(w_base) and w_base == 1.0):
            on_bases = m.rung[c.reverse] == m.r_strike_militants
            scaled = np.rint(got * w_base).astype(np.int8)
            got = np.where(on_bases, scaled, got)
        else:
            got = got.copy()
        for _, gi, w in m.attributed_groups(c):
            # Levels are never negative: a day without an attack leaves ``got`` as it is.
            attacked = m.rung[gi] == m.r_attack
            np.maximum(got, attacked * np.int8(round(w * m.lv_strike_militants)), out=got)
        if m.grace[c.index].any():  # the day after its gesture (sim/submodels/gestures.py)
            got = np.where(m.grace[c.index], 0, got)
            m.grace[c.index] = False
        out[c.index] = got
    return out


def count_proxy_strikes(model: EscalationModel, today: Today) -> None:
    """With ``proxy_balance`` on, a group's attack counts as its host's or sponsor's strike."""
    m = model
    on = m.mech.get("proxy_balance", 0)
    if np.isscalar(on) and not on:
        return
    for c in m.state_channels():
        # Groups this state hosts or sponsors that attack its opponent.
        for _, gi, _ in m.attributed_groups(m.channels[c.reverse]):
            m.given[c.index] += (today.rung[gi] == m.r_attack) & (on > 0)

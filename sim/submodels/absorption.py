"""Absorbing a strike: the side struck may play its answer down instead of striking back.

After the states have planned (the last step of shaping, after preparation, answer type
and gestures), per state channel ``c`` (state ``s`` toward opponent ``o``)::

    struck_c  = [o used force against s yesterday]
                or [a group o hosts or sponsors attacked s yesterday]
    may_c     = struck_c and [s means to answer with force: max(L, I) >= level(force)]

with ``L`` the planned level and ``I`` the pending intent (so a state still preparing its
strike may absorb too). Where ``may_c``, ``s`` absorbs with probability::

    k       = (1 + absorb_achieved * [s has struck o: given_c > 0])
              / ((1 + absorb_casualties * D) * (1 + absorb_grievance * G))
    p       = b k / (b k + 1 - b)                       (b = absorb_base: odds b/(1-b) times k)
    p_c     = min(1, p + closure_bonus * closing_c)

``D`` is the deaths ``s`` suffered yesterday (on its soil), ``G`` its grievance toward ``o``
(``model.grievance``, in levels; see :mod:`sim.submodels.grievance`): more deaths and a
graver grievance make absorbing less likely, having already struck the opponent (achieved
something) more likely. The size of the blow enters through its deaths (a limited strike
kills fewer: :mod:`sim.submodels.strike_size`). ``b = 1`` absorbs for certain, ``b = 0``
only at a closing.

``closing_c`` holds where ``o``'s force yesterday was a proportionate answer that settles the
exchange: ``s`` had struck (``given_c > 0``), the strikes given are equal (``given_c ==
given_o->s``) and ``o``'s strike was the size of ``s``'s latest (with strike sizes off every
strike is major, so only the count matters).

An absorbing state plays the answer down to words: its level today is the ladder's
``absorb`` rung (``condemn``, the crisis rung, unless ``ladder.roles.absorb`` names another
state act below force); its pending intent is dropped, a preparation that was not finished
ends, and its grievance toward ``o`` is kept at that level (the blow is written off, so a
remembered grievance does not bring the strike back the next day). One draw per blow
(stream ``absorb``): a state that does not absorb answers as planned.

``absorb_base = 0`` and ``closure_bonus = 0`` (the defaults) draw nothing, so runs are
unchanged bit for bit. The parameters are the state's, so they apply to both roles.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

import numpy as np

from sim.arrays import put
from sim.errors import ConfigError

if TYPE_CHECKING:  # annotations only
    from sim.model import EscalationModel


def _off(value: object) -> bool:
    return bool(np.isscalar(value) and value == 0)


def absorb_rung(model: EscalationModel) -> int:
    """The ladder index of the rung an absorbing state takes, checked to be below force.

    Raises:
        ConfigError: If the rung is unknown, not a state level, or at force or above.
    """
    lad = model.ladder
    name = lad.roles.get("absorb", lad.roles["crisis"])
    if name not in lad.index:
        raise ConfigError(f"ladder.roles.absorb: unknown rung {name!r}")
    r = lad.index[name]
    if r not in lad.state_levels or not 0 < int(model.rung_to_level[r]) < model.lv_force:
        raise ConfigError(
            f"ladder.roles.absorb: {name!r} must be a state's act above none and below force"
        )
    return r


def absorb(model: EscalationModel) -> None:
    """Play down the planned answers of the struck states that absorb the blow."""
    m = model
    states = [
        s
        for s in m.members("state")
        if not (_off(s.p("absorb_base")) and _off(s.p("closure_bonus")))
    ]
    if not states:
        return
    lv_abs = np.int8(m.rung_to_level[absorb_rung(m)])
    sized = getattr(m, "strike_size", None) is not None
    t = m.day
    for s in states:
        base, bonus = s.p("absorb_base"), s.p("closure_bonus")
        a_d, a_g, a_a = s.p("absorb_casualties"), s.p("absorb_grievance"), s.p("absorb_achieved")
        for c in s.channels:
            if c.dyad < 0:
                continue
            i, o = c.index, c.reverse
            level, willing, ret = s.plan[i]
            force_on_s = m.level[o] >= m.lv_force
            struck = force_on_s
            for _, gi, _ in m.attributed_groups(c):
                struck = struck | (m.rung[gi] == m.r_attack)
            may = struck & (np.maximum(level, s.next_intent[i]) >= m.lv_force)
            if not may.any():
                continue
            achieved = m.given[i] > 0
            k = (1.0 + a_a * achieved) / ((1.0 + a_d * s.suffered) * (1.0 + a_g * m.grievance[i]))
            bk = base * k
            p = bk / (bk + (1.0 - base))
            if not _off(bonus):
                closing = force_on_s & achieved & (m.given[i] == m.given[o])
                if sized:
                    closing &= m.strike_size[o] == m.last_size[i]
                p = np.minimum(p + bonus * closing, 1.0)
            hit = m.counter.below(may, p, t, c.key("absorb"))
            if not hit.any():
                continue
            s.plan[i] = (np.where(hit, lv_abs, level).astype(np.int8), willing, ret)
            s.next_intent[i] = s.next_intent[i] * ~hit
            g = m.grievance[i]  # a row, updated in place
            g[hit] = np.minimum(g[hit], lv_abs)
            put(m.prep_since[i], hit & ~m.ready[i], -1)

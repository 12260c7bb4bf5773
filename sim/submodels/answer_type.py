"""Answer type: whom a state that uses force strikes.

After the states have planned, with the mechanism on (``answer_by_blame = 1``), per state
channel where the planned level is a strike on militants:

- the strike falls on the opponent's state forces (``strike_state``) where no group that
  attacks the state is based on the opponent's soil: there are no bases to strike;
- else, where the opponent has struck bases on the state's soil since the crisis began,
  it falls on state forces with
  probability ``state_answer`` (the state's parameter): a strike on one's soil read as an
  attack by the state that made it.

Off (the default) a strike mirrors the rung it answers, as before.

Then, while a mediator holding leverage over the state is engaged, its restraint may
turn a strike on state forces back onto militant bases (:mod:`sim.submodels.mediator_acts`).
"""

from __future__ import annotations

from typing import TYPE_CHECKING

import numpy as np

from sim.params import Param
from sim.submodels import mediator_acts

if TYPE_CHECKING:  # annotations only
    from sim.model import EscalationModel

PARAMS = {
    "answer_by_blame": Param(
        0, 0, 1, "1: force falls on bases only where groups are based, else on state forces"
    ),
}


def shape(model: EscalationModel) -> None:
    """Whom the states' planned strikes fall on: by blame, then by a mediator's restraint."""
    _by_blame(model)
    mediator_acts.restrain(model)  # engaged mediators narrow the targets (off by default)


def _by_blame(model: EscalationModel) -> None:
    """Turn planned strikes on militants into strikes on state forces where they fall."""
    m = model
    on = m.mech.get("answer_by_blame", 0)
    if (np.isscalar(on) and not on) or m.lv_strike_state is None:
        return
    t = m.day
    for s in m.members("state"):
        p_state = s.p("state_answer")
        for c in s.channels:
            if c.dyad < 0:
                continue
            i = c.index
            level, willing, ret = s.plan[i]
            at_bases = (level == m.lv_strike_militants) & (on > 0)
            if not at_bases.any():
                continue
            if not m.hostile_groups(c):
                to_state = at_bases
            else:
                soil = at_bases & m.soil_struck[i]
                to_state = m.counter.below(soil, p_state, t, c.key("answer"))
            level = np.where(to_state, m.lv_strike_state, level).astype(np.int8)
            s.plan[i] = (level, willing, ret)

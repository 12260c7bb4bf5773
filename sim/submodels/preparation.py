"""Build-up and time scales: climbing speed, and the time it takes to prepare force.

After the states have planned (their policy, pressure, mediation and ``max_step``), per
state channel with ``L`` the planned level and ``I`` the level the state means to reach:

- **Fractional climbing.** Where ``L < I``, one rung more with probability ``climb_prob``:
  the daily climb is ``max_step`` rungs plus one with that probability, so ``max_step = 0,
  climb_prob = 0.3`` climbs a rung every three days or so.
- **Preparation.** A state that means to use force (``I >= level(force)``) and is not ready
  starts preparing. It is ready once it has prepared ``prep_days`` days and then, each
  further day, with probability ``prep_hazard``. Until ready its level stays below force
  (threats and posture go on); the intent is kept, so the strike comes when ready. An
  agreement ends the preparation (:meth:`sim.agents.StateActor.act` drops the intent).

With the defaults (``climb_prob = 0``, ``prep_days = 0``, ``prep_hazard = 1``) nothing
changes and no random number is drawn.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

import numpy as np

from sim.arrays import put

if TYPE_CHECKING:  # annotations only
    from sim.model import EscalationModel


def _off(value: object, default: float) -> bool:
    return bool(np.isscalar(value) and value == default)


def shape(model: EscalationModel) -> None:
    """Adjust every state's plan for climbing speed and preparation."""
    m = model
    t = m.day
    for s in m.members("state"):
        climb, days, hazard = s.p("climb_prob"), s.p("prep_days"), s.p("prep_hazard")
        if _off(climb, 0.0) and _off(days, 0) and _off(hazard, 1.0):
            continue
        for c in s.channels:
            if c.dyad < 0:
                continue
            i = c.index
            level, willing, ret = s.plan[i]
            # The level the state means to reach: its planned level or a pending intent.
            intent = np.maximum(level, s.next_intent[i])
            if not _off(climb, 0.0):
                level = level + m.counter.below(level < intent, climb, t, c.key("climb"))
            wants = intent >= m.lv_force
            if not (_off(days, 0) and _off(hazard, 1.0)) and wants.any():
                ready, since = m.ready[i], m.prep_since[i]  # rows, updated in place
                put(since, wants & ~ready & (since < 0), t)
                waited = (since >= 0) & (t - since >= days)
                done = m.counter.below(waited & ~ready, hazard, t, c.key("prepare"))
                ready |= done
                put(since, done, -1)
                # Until ready, the level stays below force.
                held = ~ready & (level >= m.lv_force)
                if held.any():
                    level = np.where(held, np.int8(m.lv_force - 1), level)
            s.plan[i] = (level, willing, ret)
            s.next_intent[i] = intent * (level < intent)

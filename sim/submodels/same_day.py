"""Same-day reactions: words and diplomatic acts that answer a provocation on its own day.

A state decides its day from yesterday (simultaneous activation, ``docs/model.md``), so
without this mechanism a state struck on day ``t`` can answer no earlier than day ``t+1``.
Real states summon an envoy or condemn within hours. After the day's planned acts and
scheduled events are set, for each state channel ``c`` (state ``s`` toward opponent ``o``)::

    provoked_c(t) = [o's act toward s today is force]
                    or [a group o hosts or sponsors attacked s today]
    react_c(t)    = provoked_c(t) and [s's act toward o today is none]
                    and U < same_day_rate_s

A reacting state takes the ladder's ``same_day`` rung toward ``o`` that day (``summon`` by
default: ``ladder.roles.same_day``), a diplomatic act below force. The within-day order,
documented here and in ``docs/model.md``: planned acts, then scheduled events (the
trigger), then same-day reactions to what those acts did, then the day's effects, which
read the reactions like any other act. A reaction never replaces a planned act, never
climbs to force (force still needs a decision, preparation and the next day) and does not
feed the reacting state's own decision of the same day, which was already made.

``same_day_rate = 0`` (the default) draws nothing, so runs without it are unchanged bit for
bit.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

import numpy as np

from sim.errors import ConfigError

if TYPE_CHECKING:  # annotations only
    from sim.model import EscalationModel

#: The rung a reaction takes unless the ladder names a ``same_day`` role.
DEFAULT_RUNG = "summon"


def reaction_rung(model: EscalationModel) -> int:
    """The ladder index of the reaction's rung, checked to be a state act below force.

    Raises:
        ConfigError: If the rung is unknown, not a state level, or at force or above.
    """
    lad = model.ladder
    name = lad.roles.get("same_day", DEFAULT_RUNG)
    if name not in lad.index:
        raise ConfigError(f"ladder.roles.same_day: unknown rung {name!r}")
    r = lad.index[name]
    level = int(model.rung_to_level[r])
    if r not in lad.state_levels or not 0 < level < model.lv_force:
        raise ConfigError(
            f"ladder.roles.same_day: {name!r} must be a state's act above none and below force"
        )
    return r


def react(model: EscalationModel, rung: np.ndarray) -> None:
    """Let provoked states that did nothing today react the same day (module docstring).

    Args:
        model: The model, on day ``model.day``.
        rung: int8 array (channels, R): the day's rungs so far, updated in place.
    """
    m = model
    states = [s for s in m.members("state") if not _off(s.p("same_day_rate"))]
    if not states:
        return
    r_react = reaction_rung(m)
    level = np.take(m.rung_to_level, rung)
    for s in states:
        rate = s.p("same_day_rate")
        for c in s.channels:
            if c.dyad < 0:
                continue
            provoked = level[c.reverse] >= m.lv_force
            for _, gi, _ in m.attributed_groups(c):
                provoked = provoked | (rung[gi] == m.r_attack)
            idle = rung[c.index] == m.r_none
            hit = m.counter.below(provoked & idle, rate, m.day, c.key("same_day"))
            rung[c.index] = np.where(hit, r_react, rung[c.index])


def _off(rate: object) -> bool:
    return bool(np.isscalar(rate) and rate == 0)

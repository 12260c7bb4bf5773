"""Casualties and sovereignty: what force and attacks cost, and whose soil was struck.

For each channel whose act today can kill (the acting kind says where:
:meth:`sim.agents.Actor.harms`; force-level rungs for states, attacks for groups)::

    deaths ~ Geometric(mean = casualties_mean of the rung)     (unless an event fixes it)

drawn by inversion from the channel's ``casualties`` stream. Deaths count on the target
state's soil (``suffered``, read by its policy and pressure tomorrow). The target state's
territory is violated where the act strikes it (:meth:`sim.agents.Actor.violates`). On a
state's channel toward an opponent, each day with force adds one to the strikes it has
given, the score that settling reads (``given``). With strike sizes on, a limited strike's
toll is scaled down (:mod:`sim.submodels.strike_size`).
"""

from __future__ import annotations

from typing import TYPE_CHECKING

import numpy as np

from sim.submodels import strike_size

if TYPE_CHECKING:  # annotations only
    from sim.model import EscalationModel
    from sim.submodels import Today


def apply(model: EscalationModel, today: Today) -> None:
    """Draw the day's deaths, mark violated soil and count strikes given."""
    t, n = today.day, model.n
    states = {s.actor_id: s for s in model.members("state")}
    scheduled = strike_size.start(model, today)  # None unless strike sizes are on
    for s in states.values():
        s.suffered = np.zeros(n, dtype=np.int32)
        s.violated = np.zeros(n, dtype=bool)
    for ch in model.channels:
        actor = model.actors[ch.actor]
        harms = actor.harms(ch, today)
        if harms is None:
            continue
        i = ch.index
        hit = np.flatnonzero(harms)
        victim = states.get(ch.target)
        if hit.size:
            if i in today.fixed:
                toll = np.full(hit.size, today.fixed[i], dtype=np.int32)
            else:
                u = model.counter.uniform_at(hit, t, ch.key("casualties"))
                toll = model.ladder.casualties(today.rung[i][hit], u)
            if scheduled is not None and ch.dyad >= 0:
                toll = strike_size.apply(model, ch, today, hit, toll, scheduled)
            model.record_deaths(t, i, hit, toll)
            if victim is not None:
                victim.suffered[hit] += toll
        violated = actor.violates(ch, today)
        if victim is not None and violated is not None:
            victim.violated |= violated
        if ch.dyad >= 0:
            model.given[i] += harms

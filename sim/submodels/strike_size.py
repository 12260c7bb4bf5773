"""Strike size and proportion: limited and major strikes, answers sized to what was received.

A state's force is a *limited* strike (few targets, a small toll) or a *major* one (the
rung's full toll). The ladder's rungs do not change (new rungs would shift the levels): the
size is kept beside the rung, per channel and replicate, as 0 (no force), 1 (limited) or 2
(major), in three arrays allocated on first use:

- ``model.size_plan``: the size of each state's planned strike today (:func:`plan`, the
  last step of shaping, after absorption);
- ``model.strike_size``: the size of each channel's force today (:func:`apply`, during
  casualties; 0 without force), so yesterday's while the states decide and shape;
- ``model.last_size``: the size of each channel's latest strike so far (0 before its first).

Per state channel ``c`` (state ``s`` toward opponent ``o``) whose planned level is force::

    received = last_size[o -> s]                  (size of o's latest strike on s; 0: none)
    size     = received      if received > 0 and U1 < proportionate_s    (sized to answer)
               limited (1)   elif U2 < limited_share_s
               major (2)     otherwise

A strike a scheduled event sets is major. Deaths (:mod:`sim.submodels.casualties`): a major
strike kills the rung's geometric toll ``D``; a limited one kills::

    floor(D * limited_toll + U3)       (stochastic rounding: mean exactly limited_toll x D's)

with ``U3`` from the channel's casualties stream (draw 1), so a limited strike never kills
more than the major one it replaces would have. A toll an event fixes is kept.

The mechanism is on where some state has ``limited_share > 0`` or ``proportionate > 0``.
With both 0 (the defaults) every strike is major as before: no array is allocated and no
number drawn, so runs are unchanged bit for bit. A proportionate answer can close the
exchange: the opponent then absorbs with a bonus (:mod:`sim.submodels.absorption`).
"""

from __future__ import annotations

from typing import TYPE_CHECKING

import numpy as np

from sim.params import Param

if TYPE_CHECKING:  # annotations only
    from sim.agents.base import Channel
    from sim.model import EscalationModel
    from sim.submodels import Today

PARAMS = {
    "limited_toll": Param(
        0.25, 0.0, 1.0, "a limited strike's toll as a share of the major one (mean)"
    ),
}

NONE, LIMITED, MAJOR = 0, 1, 2


def _off(value: object) -> bool:
    return bool(np.isscalar(value) and value == 0)


def on(model: EscalationModel) -> bool:
    """Whether strike sizes are tracked: some state has a limited share or sizes answers."""
    return any(
        not (_off(s.p("limited_share")) and _off(s.p("proportionate")))
        for s in model.members("state")
    )


def _arrays(model: EscalationModel) -> None:
    """Allocate the size arrays on first use (rows: channels; last axis: replicates)."""
    if getattr(model, "strike_size", None) is None:
        shape = model.level.shape
        model.size_plan = np.zeros(shape, dtype=np.int8)
        model.strike_size = np.zeros(shape, dtype=np.int8)
        model.last_size = np.zeros(shape, dtype=np.int8)


def plan(model: EscalationModel) -> None:
    """Size every state's planned strike of today (``model.size_plan``)."""
    m = model
    if not on(m):
        return
    _arrays(m)
    t = m.day
    for s in m.members("state"):
        share, prop = s.p("limited_share"), s.p("proportionate")
        for c in s.channels:
            if c.dyad < 0:
                continue
            i = c.index
            force = s.plan[i][0] >= m.lv_force
            received = m.last_size[c.reverse]
            key = c.key("strike_size")
            match = m.counter.below(force & (received > 0), prop, t, key, 0)
            limited = m.counter.below(force & ~match, share, t, key, 1)
            size = np.where(force, np.int8(MAJOR), np.int8(NONE)).astype(np.int8)
            size[limited] = LIMITED
            size[match] = received[match]
            m.size_plan[i] = size


def start(model: EscalationModel, today: Today) -> set[int] | None:
    """Begin the day's sizes; the channels a scheduled event sets today (None: off)."""
    if not on(model):
        return None
    _arrays(model)
    model.strike_size[:] = NONE
    return {ci for ci, _, _ in model.events_by_day.get(today.day, [])}


def apply(
    model: EscalationModel,
    ch: Channel,
    today: Today,
    hit: np.ndarray,
    toll: np.ndarray,
    scheduled: set[int],
) -> np.ndarray:
    """Record the size of ``ch``'s strikes at positions ``hit``; return their tolls, scaled.

    Args:
        model: The model.
        ch: A state's channel toward an opponent.
        today: The day being applied.
        hit: Replicate positions where the channel's act today kills.
        toll: The major tolls drawn there.
        scheduled: Channels a scheduled event sets today (their strikes are major).
    """
    m = model
    i = ch.index
    size = m.size_plan[i][hit]
    if i in scheduled:
        size = np.full(hit.size, MAJOR, dtype=np.int8)
    else:
        size = np.where(size > NONE, size, np.int8(MAJOR)).astype(np.int8)
    m.strike_size[i][hit] = size
    m.last_size[i][hit] = size
    limited = size == LIMITED
    if i in today.fixed or not limited.any():
        return toll
    share = m.mech.get("limited_toll", PARAMS["limited_toll"].default)
    share = share[hit[limited]] if isinstance(share, np.ndarray) else share
    u = m.counter.uniform_at(hit[limited], today.day, ch.key("casualties"), 1)
    out = toll.copy()
    out[limited] = np.floor(toll[limited] * share + u).astype(np.int32)
    return out

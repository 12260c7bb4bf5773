"""Two tracks: a military track and a diplomatic-economic track, each with its own level.

On one ladder a state's answer is one rung a day, so a state preparing force waits at the
highest rung below force, which with the coercion repertoire on is ``sanction``, and can
never threaten while it sanctions. Observed build-ups ran threats and military posture
while diplomatic and economic measures ran alongside. With ``two_tracks = 1`` a state's
planned level ``L`` (its policy, pressure, mediation, inertia and preparation) is split,
per state channel, after the other shaping steps::

    m = the highest military level <= L              (threaten, posture, strikes, war)
    d = the highest diplomatic-economic level <= L   (statement .. summon, recall, expel,
                                                      suspend, close, sanction)
    D = the track's standing measure                 (0 once the crisis is over)
    new = d > D                                      (a new measure today)
    today's path level = max(m, d) if new else m;    the other act, if any, is the day's
    second act;                                      D <- d where new

Diplomatic and economic measures are standing: a recall, an expulsion or a sanction stays
in force until the crisis is over, and only a harsher measure is a new act. Military acts are
acts each day. Preparing force climbs the military track: while a state is not ready its
level is held below force (:mod:`sim.submodels.preparation`), which now reads as posture or a
threat on the military track with the sanction standing on the other.

The day's path (``history``, what the opponent perceives and every feature reads) is the
more escalatory of the day's acts, so the Goldstein reading of a day is that of its harsher
act; the second act is kept in ``model.second`` (days, channels, R) and written to the event
log as its own row. A recall on the second track recalls the envoy like one on the path.
``two_tracks = 0`` (the default) leaves the single ladder as it was, bit for bit.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

import numpy as np

from sim.params import Param

if TYPE_CHECKING:  # annotations only
    from sim.model import EscalationModel
    from sim.submodels import Today

#: Parameters under ``mechanisms:``.
PARAMS = {
    "two_tracks": Param(
        0, 0, 1, "1: states act on a military and a diplomatic-economic track, each with its level"
    ),
}
#: The military track's rungs; every other state rung above ``none`` is diplomatic-economic.
MILITARY = ("threaten", "posture", "strike_militants", "strike_state", "sustained_conflict")


def _on(model: EscalationModel) -> np.ndarray | None:
    """Where the mechanism is on (a mask over replicates), or None where it is off."""
    on = model.mech.get("two_tracks", 0)
    if np.isscalar(on) and not on:
        return None
    return np.broadcast_to(np.asarray(on) > 0, (model.n,))


def below(model: EscalationModel) -> tuple[np.ndarray, np.ndarray]:
    """For each state level, the highest military and diplomatic level at or below it."""
    lad = model.ladder
    names = [lad.names[r] for r in lad.state_levels]
    mil = np.zeros(len(names), dtype=np.int8)
    dip = np.zeros(len(names), dtype=np.int8)
    for lv in range(1, len(names)):
        military = names[lv] in MILITARY
        mil[lv] = lv if military else mil[lv - 1]
        dip[lv] = dip[lv - 1] if military else lv
    return mil, dip


def shape(model: EscalationModel) -> None:
    """Split each state's planned level into the day's path and second act (docstring)."""
    m = model
    on = _on(m)
    if on is None:
        return
    # Allocated on first use, so that a run without the mechanism holds nothing new; arrays
    # over replicates, so a particle filter resamples them with the rest.
    standing_all = getattr(m, "dip_level", None)
    if standing_all is None:
        standing_all = np.zeros(m.level.shape, dtype=np.int8)
        m.dip_level = standing_all
        m.second_today = np.full(m.level.shape, m.r_none, dtype=np.int8)
    second_today = m.second_today
    mil_of, dip_of = below(m)
    levels = m.ladder.state_levels
    for s in m.members("state"):
        for c in s.channels:
            if c.dyad < 0:
                continue
            i = c.index
            level, willing, ret = s.plan[i]
            mil, dip = mil_of[level], dip_of[level]
            # Standing measures lapse once the crisis is over.
            standing = np.where(m.crisis_open[c.dyad], standing_all[i], 0)
            new = dip > standing
            path = np.where(new, np.maximum(mil, dip), mil)
            second = np.where(new, np.minimum(mil, dip), 0)
            standing_all[i] = np.where(on, np.where(new, dip, standing), standing_all[i])
            s.plan[i] = (np.where(on, path, level).astype(np.int8), willing, ret)
            second_today[i] = np.where(on & (second > 0), levels[second], m.r_none)


def record(model: EscalationModel, today: Today) -> None:
    """Keep the day's second acts (``model.second``); a second-track recall recalls."""
    m = model
    today_second = getattr(m, "second_today", None)
    if today_second is None:
        return
    kept = getattr(m, "second", None)
    if kept is None:
        kept = np.full(m.history.shape, m.r_none, dtype=np.int8)
        m.second = kept
    second = today_second.copy()
    for ch, _, _ in m.events_by_day.get(today.day, []):
        second[ch] = m.r_none  # a scheduled event is the channel's whole day
    kept[today.day] = second
    today_second[:] = m.r_none
    for c in m.state_channels():
        m.recalled[c.index] |= second[c.index] == m.r_recall

"""Mediator acts: when a mediator engages, and what it does besides pushing for a deal.

Each is a mediator parameter (:data:`sim.kinds.MEDIATOR`), off by default; off, it draws
nothing and changes nothing. Per mediator ``m``:

- **Engagement** (``engage_hazard`` ``h``, in the mediator's decision). Once a crisis is
  open in a dyad it watches (``crisis_days > 0``), a mediator not yet engaged engages that
  day with probability ``h`` and stays engaged. Until then its policy sees no crisis and
  it takes no act. ``h = 1`` (the default) engages it on the first crisis day without a
  draw, which is the policy acting from day 1, as before.
- **Restraint of targets** (``restrain_targets`` ``rho``, shaping, after the answer type).
  A state ``s`` whose opponent's soil hosts a group that attacks ``s`` has its planned
  strike on state forces (any level above ``strike_militants``) fall on the militant bases
  instead, with probability::

      P = 1 - prod_m (1 - rho_m * [m holds leverage over s and was engaged by yesterday])

  Where the opponent hosts no such group there is no narrower target, and the plan stays.
- **Reassurance** (``reassure`` ``q``). While engaged, per watched dyad with an open
  crisis, the threatened side is the state that received the higher level from its
  opponent yesterday, if that level is at least ``threaten`` (both sides on a tie). With
  probability ``q`` a day the mediator takes the ladder's ``reassure`` rung toward it (a
  defensive deployment for it). The next day the state's domestic pressure falls::

      P <- P * (1 - reassure_effect)

  The stock ladder has no CAMEO 074 rung ("provide military protection or peacekeeping"),
  and adding one would renumber every rung after it, so the role ``reassure`` defaults to
  ``appeal``: the act is logged as a call for restraint toward the threatened side and
  also works as one (``submodels/mediation.py``). A ladder with a 074 rung names it with
  ``ladder.roles.reassure``.
- **Sanction of the blamed side** (``sanction_blamed`` ``s_b``). The blamed side of a
  watched dyad is the state that used force most recently in the open crisis; on a day
  both do, the blame stays where it was (with the first to strike), and it is cleared when
  the crisis closes. While engaged, with probability ``s_b`` a day the mediator takes the
  ladder's ``sanction`` rung toward it. The next day the state steps down one rung with
  probability ``sanction_effect``, combined with the appeals' (``1 - (1 - calm)(1 -
  sanction_effect)``, step 3 of the state decision).

All of it runs in the perception phase (:func:`perceive`, on the result of
:func:`sim.submodels.mediation.influence`), from the state at the end of yesterday:
yesterday's acts take effect, then the mediator engages or not, then it picks today's
reassurances and sanctions. Those take a channel only on a day the mediator's policy
planned nothing (``MediatorActor.act``): they never replace an offer, an appeal or
leverage. The restraint of targets runs in the shaping phase (:func:`restrain`, from
:func:`sim.submodels.answer_type.shape`).
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

import numpy as np

from sim.errors import ConfigError
from sim.policies import M_NONE

if TYPE_CHECKING:  # annotations only
    from sim.model import EscalationModel

#: Each act's parameter and the value that switches it off.
OFF = {"engage_hazard": 1.0, "restrain_targets": 0.0, "reassure": 0.0, "sanction_blamed": 0.0}


def _off(value: Any, default: float) -> bool:
    return bool(np.isscalar(value) and value == default)


def _setup(med: Any) -> None:
    """Give a mediator the state its acts need (once; nothing more when all are off)."""
    med.acts_on = bool(med.channels) and not all(_off(med.p(k), v) for k, v in OFF.items())
    if not med.acts_on:
        return
    n = med.model.n
    med.engaged = np.zeros(n, dtype=bool)
    med.engaged_day = np.full(n, -1, dtype=np.int32)
    med.blamed = {}  # dyad -> -1 none, 0 its first state, 1 its second
    med.done = {}  # channel row -> (reassured, sanctioned), chosen today
    med.watched = [d for d, pair in enumerate(med.model.dyads) if set(pair) & set(med.weights)]


def perceive(
    model: EscalationModel, out: dict[str, tuple[np.ndarray, np.ndarray]]
) -> dict[str, tuple[np.ndarray, np.ndarray]]:
    """Yesterday's acts take effect; then each mediator engages and picks today's acts.

    Args:
        model: The model, before the agents decide.
        out: :func:`sim.submodels.mediation.influence`'s result, updated in place.

    Returns:
        ``out``.
    """
    for med in model.members("mediator"):
        if not hasattr(med, "acts_on"):
            _setup(med)
        if med.acts_on:
            _press(med, out)
            _engage(med)
            _choose(med)
    return out


def _press(med: Any, out: dict[str, tuple[np.ndarray, np.ndarray]]) -> None:
    """Yesterday's reassurances relieve pressure; yesterday's sanctions talk a state down."""
    m = med.model
    # Taken only where its policy planned nothing, and no scheduled event replaced it.
    idle = med.plan == M_NONE
    for row, (reassured, sanctioned) in med.done.items():
        c = m.channels[row]
        s = m.actors[c.target]
        taken = idle & (m.rung[row] == med.extra[row])
        if (hit := reassured & taken).any():
            s.pressure = s.pressure * (1.0 - med.p("reassure_effect") * hit)
        if (hit := sanctioned & taken).any():
            calm, bind = out[c.target]
            out[c.target] = (1.0 - (1.0 - calm) * (1.0 - med.p("sanction_effect") * hit), bind)


def _engage(med: Any) -> None:
    """Engage once a watched crisis is open: at once, or with the daily hazard."""
    m = med.model
    crisis = np.zeros(m.n, dtype=bool)
    for d in med.watched:
        crisis |= m.crisis_open[d]
    waiting = crisis & ~med.engaged
    hazard = med.p("engage_hazard")
    if not _off(hazard, OFF["engage_hazard"]):
        waiting = m.counter.below(waiting, hazard, m.day, med.channels[0].key("engage"))
    med.engaged |= waiting
    med.engaged_day[waiting] = m.day


def _choose(med: Any) -> None:
    """Today's reassurances and sanctions (``med.extra``: channel row -> rungs)."""
    med.extra = {}
    med.done = {}
    q, s_b = med.p("reassure"), med.p("sanction_blamed")
    reassure, blame = not _off(q, 0.0), not _off(s_b, 0.0)
    if not (reassure or blame):
        return
    m = med.model
    t = m.day
    rows = {c.target: c for c in med.channels}
    threat = _threat_level(m)
    for d in med.watched:
        ia, ib = m.dyad_channels(d)
        a, b = m.dyads[d]
        may = med.engaged & m.crisis_open[d]
        if blame:  # the side that used force most recently; on a tie, as it was
            fa, fb = m.level[ia] >= m.lv_force, m.level[ib] >= m.lv_force
            old = med.blamed.get(d, np.full(m.n, -1, dtype=np.int8))
            new = np.where(fa & ~fb, 0, np.where(fb & ~fa, 1, old))
            med.blamed[d] = np.where(m.crisis_open[d], new, -1).astype(np.int8)
        # What each side received from its opponent yesterday.
        got = {a: m.level[ib], b: m.level[ia]}
        for side, (state, other) in enumerate(((a, b), (b, a))):
            c = rows.get(state)
            if c is None:  # no leverage over this side: no channel toward it
                continue
            rung = np.full(m.n, m.r_none, dtype=np.int8)
            reassured = sanctioned = np.zeros(m.n, dtype=bool)
            if reassure:
                threatened = (got[state] >= threat) & (got[state] >= got[other])
                reassured = m.counter.below(may & threatened, q, t, c.key("reassure"))
                rung[reassured] = _rung(m, "reassure", "appeal")
            if blame:
                target = may & ~reassured & (med.blamed[d] == side)
                sanctioned = m.counter.below(target, s_b, t, c.key("sanction"))
                rung[sanctioned] = _rung(m, "sanction", "sanction")
            if reassured.any() or sanctioned.any():
                if c.index in med.extra:  # a state in two watched dyads: the first pick holds
                    old_rung = med.extra[c.index]
                    keep = old_rung != m.r_none
                    rung = np.where(keep, old_rung, rung).astype(np.int8)
                    r0, s0 = med.done[c.index]
                    reassured, sanctioned = r0 | (reassured & ~keep), s0 | (sanctioned & ~keep)
                med.extra[c.index] = rung
                med.done[c.index] = (reassured, sanctioned)


def restrain(model: EscalationModel) -> None:
    """Turn planned strikes on state forces into strikes on bases under a mediator's restraint."""
    m = model
    t = m.day
    for s in m.members("state"):
        keep: np.ndarray | None = None
        for med, _, _ in m.mediators_of(s.actor_id):
            if not getattr(med, "acts_on", False):
                continue
            rho = med.p("restrain_targets")
            if _off(rho, 0.0):
                continue
            k = 1.0 - rho * ((med.engaged_day >= 0) & (med.engaged_day < t))
            keep = k if keep is None else keep * k
        if keep is None:
            continue
        p = 1.0 - keep
        for c in s.channels:
            if c.dyad < 0 or not m.hostile_groups(c):
                continue
            i = c.index
            level, willing, ret = s.plan[i]
            at_state = (level > m.lv_strike_militants) & (p > 0)
            if not at_state.any():
                continue
            narrowed = m.counter.below(at_state, p, t, c.key("restrain"))
            level = np.where(narrowed, m.lv_strike_militants, level).astype(np.int8)
            s.plan[i] = (level, willing, ret)


def _threat_level(m: EscalationModel) -> int:
    """The level from which a state counts as threatened: ``threaten``, else force."""
    try:
        return m.ladder.level_of("threaten")
    except ConfigError:
        return int(m.lv_force)


def _rung(m: EscalationModel, role: str, default: str) -> int:
    """The rung of a mediator act's role on the ladder."""
    lad = m.ladder
    name = lad.roles.get(role, default)
    if name not in lad.index:
        raise RuntimeError(
            f"a mediator's {role} needs a {role!r} rung on the ladder (ladder.roles.{role})"
        )
    return int(lad.index[name])

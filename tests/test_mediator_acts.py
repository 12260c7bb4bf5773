"""Mediator acts (sim/submodels/mediator_acts.py): each shows its behaviour on the reference
episode, switched on for the mediator (China) and compared with it off.
"""

from __future__ import annotations

import numpy as np
import pytest

from sim.config import compose_config
from sim.model import EscalationModel
from sim.settings import Settings

R = 400
MED = "+actors.china."


def model(*overrides: str, days: int = 30, n: int = R) -> EscalationModel:
    cfg = compose_config(
        "baseline", [f"simulation.replicates={n}", f"simulation.days={days}", *overrides]
    )
    return EscalationModel(Settings.from_config(cfg)).run()


@pytest.fixture(scope="module")
def off() -> EscalationModel:
    return model()


def first_act(m: EscalationModel) -> np.ndarray:
    """Per replicate, the first day the mediator took any act (or -1)."""
    rows = [c.index for c in m.actors["china"].channels]
    acted = (m.history[:, rows, :] != m.r_none).any(axis=1)
    return np.where(acted.any(axis=0), acted.argmax(axis=0), -1)


def took(m: EscalationModel, actor: str, target: str, rung: str) -> np.ndarray:
    """(days, R): whether ``actor`` took ``rung`` toward ``target``."""
    return m.history[:, m.channel_for(actor, target).index, :] == m.ladder.index[rung]


def test_defaults_change_nothing(off: EscalationModel) -> None:
    """The new parameters written at their defaults give the same run, bit for bit."""
    same = model(
        *(
            f"{MED}{k}={v}"
            for k, v in {
                "engage_hazard": 1.0,
                "restrain_targets": 0.0,
                "reassure": 0.0,
                "reassure_effect": 0.5,
                "sanction_blamed": 0.0,
                "sanction_effect": 0.5,
            }.items()
        )
    )
    assert np.array_equal(same.history, off.history)
    assert np.array_equal(same.deaths, off.deaths)
    assert not hasattr(same.actors["china"], "engaged_day")  # off: no state, no draws


def test_engagement_hazard_delays_the_mediator(off: EscalationModel) -> None:
    """With a daily hazard of 0.2 the mediator engages, and first acts, later than from day 1."""
    late = model(f"{MED}engage_hazard=0.2")
    day = late.actors["china"].engaged_day
    assert (day[day >= 0] >= 1).all() and 0.1 < (day == 1).mean() < 0.3  # ~20% on day 1
    now, then = first_act(off), first_act(late)
    assert then[then >= 0].mean() > now[now >= 0].mean() + 1.5
    # It does nothing before it engages.
    rows = [c.index for c in late.actors["china"].channels]
    acted = (late.history[:, rows, :] != late.r_none).any(axis=1)
    never = day < 0
    assert not acted[:, never].any()
    days = np.arange(late.days)[:, None]
    assert not (acted & (days < np.where(never, late.days, day)[None, :])).any()


def test_restraint_narrows_strikes_to_bases(off: EscalationModel) -> None:
    """With restrain_targets = 1 no state strikes state forces once China is engaged."""

    def on_forces(m: EscalationModel, since: int) -> int:
        n = 0
        for a, b in (("iran", "pakistan"), ("pakistan", "iran")):
            level = m.rung_to_level[m.history[since:, m.channel_for(a, b).index, :]]
            n += int((level > m.lv_strike_militants).sum())
        return n

    assert on_forces(off, 0) > 0  # without it, a tail of strikes on state forces
    held = model(f"{MED}restrain_targets=1")
    assert (held.actors["china"].engaged_day == 1).all()  # engaged on the first crisis day
    assert on_forces(held, 2) == 0  # from the day after, never
    strikes = lambda m: sum(  # noqa: E731
        int(took(m, a, b, "strike_militants").sum())
        for a, b in (("iran", "pakistan"), ("pakistan", "iran"))
    )
    assert strikes(held) > strikes(off)  # the strikes fell on bases instead


def test_reassurance_relieves_the_threatened_side() -> None:
    """Reassured after Iran's strike, Pakistan's pressure is lower; Iran's is untouched."""
    base, calm = model(days=4), model(f"{MED}reassure=1", days=4)
    rung = calm.ladder.roles.get("reassure", "appeal")
    # Day 1: Pakistan was struck on day 0, so China reassures it wherever its policy was idle.
    extra = took(calm, "china", "pakistan", rung)[1] & ~took(base, "china", "pakistan", rung)[1]
    assert extra.mean() > 0.3
    assert not took(calm, "china", "iran", rung)[1].any()  # Iran was not threatened
    p0, p1 = base.actors["pakistan"].pressure, calm.actors["pakistan"].pressure
    assert p1.mean() < p0.mean() - 0.05
    assert np.array_equal(base.actors["iran"].pressure, calm.actors["iran"].pressure)


def test_sanctions_fall_on_the_blamed_side(off: EscalationModel) -> None:
    """China sanctions the side that used force last; sanctioned, Iran uses force less."""
    hit = model(f"{MED}sanction_blamed=1", f"{MED}sanction_effect=1")
    to_iran = took(hit, "china", "iran", "sanction")
    to_pakistan = took(hit, "china", "pakistan", "sanction")
    assert not took(off, "china", "iran", "sanction").any()
    # Day 1: only Iran has struck (the trigger), so only Iran is blamed.
    assert to_iran[1].mean() > 0.3 and not to_pakistan[1].any()
    # Later, Pakistan is blamed once it has struck back and Iran has not.
    force = {r: hit.ladder.index[r] for r in ("strike_militants", "strike_state")}
    pak = np.isin(
        hit.history[:, hit.channel_for("pakistan", "iran").index, :], list(force.values())
    )
    first = np.where(pak.any(axis=0), pak.argmax(axis=0), hit.days)
    before = to_pakistan & (np.arange(hit.days)[:, None] <= first[None, :])
    assert to_pakistan.any() and not before.any()

    def force_days(m: EscalationModel) -> float:
        c = m.channel_for("iran", "pakistan").index
        return float((m.rung_to_level[m.history[1:, c, :]] >= m.lv_force).sum(axis=0).mean())

    assert force_days(hit) < 0.75 * force_days(off)

"""Absorbing a strike, strike sizes and proportion (issue 25), each against it off.

The reference episode (``baseline``): Iran strikes Jaish al-Adl in Pakistan on day 0;
Pakistan (the adversary, tit-for-tat) answers with force on day 2 in almost every run.
"""

from __future__ import annotations

import numpy as np
import pytest

from sim.config import compose_config
from sim.errors import ConfigError
from sim.model import EscalationModel
from sim.settings import Settings

R = 400


def build(*overrides: str, n: int = R, days: int = 30) -> EscalationModel:
    cfg = compose_config(
        "baseline", [f"simulation.replicates={n}", f"simulation.days={days}", *overrides]
    )
    return EscalationModel(Settings.from_config(cfg))


def model(*overrides: str, n: int = R, days: int = 30) -> EscalationModel:
    return build(*overrides, n=n, days=days).run()


def force(m: EscalationModel) -> np.ndarray:
    """bool (days, channels, R): where each channel used force."""
    return np.take(m.rung_to_level, m.history) >= m.lv_force


def rows(m: EscalationModel) -> tuple[int, int]:
    """Channel rows Iran -> Pakistan and Pakistan -> Iran."""
    return m.channel_for("iran", "pakistan").index, m.channel_for("pakistan", "iran").index


def sized_run(m: EscalationModel) -> tuple[np.ndarray, np.ndarray]:
    """Run day by day: sizes of each day's force, and each channel's latest size before it."""
    sizes, before = [], []
    while m.day < m.days:
        before.append(m.last_size.copy() if hasattr(m, "last_size") else None)
        m.step()
        sizes.append(m.strike_size.copy())
    before[0] = np.zeros_like(sizes[0])
    return np.array(sizes), np.array(before)


def test_a_certain_absorption_ends_the_force_at_the_first_strike() -> None:
    """The issue's example: the side struck first never strikes back."""
    _, pak = rows(off := model())
    assert force(off)[:, pak].any(axis=0).mean() > 0.9  # without it Pakistan answers
    on = model("+by_role.adversary.absorb_base=1")
    f = force(on)
    assert not f[:, pak].any()  # struck on day 0 (and by any later strike): never answers
    assert (on.history[1, pak] == on.ladder.index["condemn"]).mean() > 0.9  # plays it down
    assert on.total_deaths.mean() < off.total_deaths.mean()


def test_absorption_holds_for_both_roles() -> None:
    """Iran absorbing: the exchange ends with Pakistan's answer; both: with Iran's strike."""
    off = model()
    iran, pak = rows(off)
    assert force(off)[1:, iran].any(axis=0).mean() > 0.1  # Iran strikes again without it
    victim = model("+by_role.victim.absorb_base=1")
    f = force(victim)
    assert not f[1:, iran].any() and f[:, pak].any(axis=0).mean() > 0.9
    # No force of either side after Pakistan's first answer, unless a group Iran hosts
    # attacks Pakistan (a new blow, which Pakistan answers).
    first = np.where(f[:, pak].any(axis=0), f[:, pak].argmax(axis=0), -1)
    groups = [c.index for c in victim.channels if c.actor == "blf_bla"]
    quiet = ~(victim.history[:, groups] == victim.r_attack).any(axis=(0, 1))
    struck = (first >= 0) & quiet
    last = f.shape[0] - 1 - f.any(axis=1)[::-1].argmax(axis=0)
    assert struck.sum() > 300 and (last[struck] == first[struck]).all()
    both = model("+by_role.victim.absorb_base=1", "+by_role.adversary.absorb_base=1")
    assert not force(both)[1:].any()


def test_absorption_falls_with_deaths_and_rises_with_achievement() -> None:
    """At b = 0.5 deaths lower the odds and having struck the opponent raises them."""
    from sim.submodels.absorption import absorb_rung

    args = ("+by_role.adversary.absorb_base=0.5",)
    mild = model(*args, "+by_role.adversary.absorb_casualties=0")
    deadly = model(*args, "+by_role.adversary.absorb_casualties=10")
    iran, pak = rows(mild)
    # Iran's strike killed 2 in Pakistan: weighed at 10 a death, Pakistan absorbs less.
    answered = force(mild)[:, pak].any(axis=0).mean()
    assert 0.3 < answered < 0.7
    assert force(deadly)[:, pak].any(axis=0).mean() > answered + 0.2
    # Iran, struck back by Pakistan after its own strike, has achieved a strike: absorbs more.
    low = model("+by_role.victim.absorb_base=0.3", "+by_role.victim.absorb_achieved=0")
    high = model("+by_role.victim.absorb_base=0.3", "+by_role.victim.absorb_achieved=10")
    assert force(high)[1:, iran].sum() < force(low)[1:, iran].sum()
    assert absorb_rung(low) == low.ladder.index["condemn"]


def test_limited_strikes_kill_fewer() -> None:
    both = ("+by_role.victim.limited_share={}", "+by_role.adversary.limited_share={}")
    major = model()
    limited = model(*(a.format(1) for a in both))
    f_major, f_lim = force(major)[1:], force(limited)[1:]  # day 0 is the scheduled strike
    per_major = major.deaths[1:][f_major].mean()
    per_lim = limited.deaths[1:][f_lim].mean()
    assert per_lim < 0.5 * per_major
    # In one run with half the strikes limited, a limited strike kills fewer than a major one.
    m = build(*(a.format(0.5) for a in both))
    sizes, _ = sized_run(m)
    d = m.deaths
    assert (sizes == 1).any() and (sizes == 2).any()
    assert d[sizes == 1].mean() < 0.5 * d[sizes == 2].mean()
    assert (sizes[0][rows(m)[0]] == 2).all()  # the scheduled trigger is major


def test_a_proportionate_answer_takes_the_received_size() -> None:
    """Iran's later strikes are limited; Pakistan answers each with the size it received."""
    args = ("+by_role.victim.limited_share=1", "+by_role.adversary.limited_share=0.5")
    for prop, equal in ((0, False), (1, True)):
        m = build(*args, f"+by_role.adversary.proportionate={prop}")
        sizes, before = sized_run(m)
        iran, pak = rows(m)
        answers = (sizes[:, pak] > 0) & (before[:, iran] > 0)
        assert answers.any()
        same = sizes[:, pak][answers] == before[:, iran][answers]
        assert same.all() == equal
        if equal:
            assert (sizes[:, pak][answers] == 1).any() and (sizes[:, pak][answers] == 2).any()


def test_a_proportionate_answer_can_close_the_exchange() -> None:
    """Pakistan's one-for-one answer to Iran's strike: with the bonus Iran lets it stand."""
    off = model()
    iran, pak = rows(off)
    closing = model("+by_role.victim.closure_bonus=1")
    for m, answered in ((off, True), (closing, False)):
        f = force(m)
        # Replicates where Pakistan answered on day 2, one strike each.
        settled = f[2, pak] & ~f[1, pak] & ~f[1:3, iran].any(axis=0)
        assert settled.sum() > 100
        assert f[3, iran][settled].any() == answered
    f_off, f_on = force(off).any(axis=1), force(closing).any(axis=1)
    assert f_on.sum(axis=0).mean() < f_off.sum(axis=0).mean()  # the exchange ends sooner
    # A disproportionate answer (limited, to a major strike) closes nothing.
    lim = ("+by_role.adversary.limited_share=1",)
    a, b = model(*lim), model(*lim, "+by_role.victim.closure_bonus=1")
    assert np.array_equal(a.history, b.history)


DEFAULTS = (
    "absorb_base=0",
    "absorb_casualties=0.1",
    "absorb_grievance=0.1",
    "absorb_achieved=1",
    "closure_bonus=0",
    "limited_share=0",
    "proportionate=0",
)


@pytest.mark.parametrize("scenario", ["baseline", "crisis_mechanisms"])
def test_defaults_change_nothing(scenario: str) -> None:
    days = 30
    over = [f"simulation.replicates={R}", f"simulation.days={days}"]
    explicit = [
        *(f"+by_role.{role}.{kv}" for role in ("victim", "adversary") for kv in DEFAULTS),
        "mechanisms.limited_toll=0.25",
    ]
    a = EscalationModel(Settings.from_config(compose_config(scenario, over))).run()
    b = EscalationModel(Settings.from_config(compose_config(scenario, over + explicit))).run()
    assert np.array_equal(a.history, b.history)
    assert np.array_equal(a.deaths, b.deaths)
    assert not hasattr(b, "strike_size")  # nothing allocated


def test_contracts_hold_with_the_mechanisms_on() -> None:
    """Replay of any replicate alone and independence of agent order."""
    args = [
        "simulation.replicates=200",
        "simulation.days=30",
        *(
            f"+by_role.{role}.{kv}"
            for role in ("victim", "adversary")
            for kv in (
                "absorb_base=0.3",
                "closure_bonus=0.3",
                "limited_share=0.5",
                "proportionate=0.5",
            )
        ),
    ]
    s = Settings.from_config(compose_config("crisis_mechanisms", args))
    a = EscalationModel(s).run()
    for r in (0, 17, 199):
        alone = EscalationModel(s, replicates=np.array([r])).run()
        assert np.array_equal(alone.history[:, :, 0], a.history[:, :, r])
        assert np.array_equal(alone.deaths[:, :, 0], a.deaths[:, :, r])
    shuffled = EscalationModel(s)
    shuffled._decide = lambda: [ag.decide() for ag in reversed(list(shuffled.agents))]  # type: ignore[method-assign]
    shuffled.run()
    assert np.array_equal(shuffled.history, a.history)


def test_an_absorb_rung_at_force_is_refused() -> None:
    m = build("+by_role.adversary.absorb_base=1", days=2, n=4)
    m.step()
    m.ladder.roles["absorb"] = "strike_state"
    try:
        with pytest.raises(ConfigError, match="below force"):
            m.step()
    finally:
        del m.ladder.roles["absorb"]

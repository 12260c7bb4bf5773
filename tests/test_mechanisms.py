"""The crisis mechanisms: each shows the behaviour it claims on a small roster.

Every mechanism is off by default (the pinned event logs in test_run.py hold bit for
bit); these tests switch one on at a time, by role or by mechanism key, and compare
with it off so that each can fail.
"""

from __future__ import annotations

import numpy as np
import pytest

from sim.config import compose_config
from sim.errors import ConfigError
from sim.model import EscalationModel
from sim.settings import Settings

R = 400


def model(
    *overrides: str, scenario: str = "baseline", days: int = 30, n: int = R
) -> EscalationModel:
    cfg = compose_config(
        scenario, [f"simulation.replicates={n}", f"simulation.days={days}", *overrides]
    )
    return EscalationModel(Settings.from_config(cfg)).run()


def first_day(m: EscalationModel, actor: str, target: str, rungs: set[str]) -> np.ndarray:
    """Per replicate, the first day ``actor`` took one of ``rungs`` toward ``target`` (or -1)."""
    c = m.channel_for(actor, target)
    idx = [m.ladder.index[r] for r in rungs]
    hit = np.isin(m.history[:, c.index, :], idx)
    return np.where(hit.any(axis=0), hit.argmax(axis=0), -1)


FORCE = {"strike_militants", "strike_state", "sustained_conflict"}
UDI = ("episode=india_pakistan_2016", "actors.india.policy.name=tit_for_tat")


def test_preparation_delays_the_first_strike() -> None:
    """With a 10-day preparation delay the first strike is on day >= 10 in every replicate."""
    quick = first_day(model(*UDI), "india", "pakistan", FORCE)
    assert (quick[quick >= 0] < 10).any()  # without it, strikes come early
    slow = first_day(model(*UDI, "+by_role.victim.prep_days=10"), "india", "pakistan", FORCE)
    assert (slow >= 0).any() and (slow[slow >= 0] >= 10).all()
    # A daily hazard after the delay spreads the strikes out further.
    haz = first_day(
        model(*UDI, "+by_role.victim.prep_days=3", "+by_role.victim.prep_hazard=0.2"),
        "india",
        "pakistan",
        FORCE,
    )
    assert (haz[haz >= 0] >= 3).all() and np.ptp(haz[haz >= 0]) >= 5


def test_climbing_can_be_fractional() -> None:
    """max_step = 0 with climb_prob = p climbs about p rungs a day; p = 0 never climbs."""
    stuck = model(*UDI, "actors.india.max_step=0")
    c = stuck.channel_for("india", "pakistan").index
    assert (stuck.history[:, c, :] == stuck.r_none).all()
    slow = model(*UDI, "actors.india.max_step=0", "+actors.india.climb_prob=0.5", days=6)
    level = slow.rung_to_level[slow.history[5, c, :]]
    assert 1.5 < level.mean() < 3.0  # ~0.5 a day over days 1..5, below the received level


def test_grievance_keeps_a_provocation_felt_and_forgiveness_daily() -> None:
    """A militant attack is felt for days; a generous state forgives it less often."""
    base = ("episode=india_pakistan_2016", "actors.india.policy.generosity=0.8")
    once = model(*base)
    kept = model(*base, "+by_role.victim.grievance_half_life=10")
    c = kept.channel_for("india", "pakistan").index
    assert (kept.provocation[c] >= 0).all()
    # Felt for days: the state stays hostile far longer, and forgives less often in the end.
    lv_once = once.rung_to_level[once.history[:, c, :]]
    lv_kept = kept.rung_to_level[kept.history[:, c, :]]
    assert (lv_kept > 0).sum(axis=0).mean() > (lv_once > 0).sum(axis=0).mean() + 2
    hit_once = (first_day(once, "india", "pakistan", FORCE) >= 0).mean()
    hit_kept = (first_day(kept, "india", "pakistan", FORCE) >= 0).mean()
    assert hit_kept >= hit_once


def test_proxy_attacks_count_against_the_sponsor() -> None:
    """A sponsored group's attack is a provocation by its sponsor, at the edge's weight."""
    sponsor = (
        "episode=us_iran_2020",
        "relations.iran_sponsors_kataib_hezbollah=null",
        "+relations.iran_sponsors_kh={source: iran, target: kataib_hezbollah, type: sponsors}",
    )
    m = model(*sponsor, days=2, n=20)
    c = m.channel_for("united_states", "iran")
    assert (m.provocation[c.index] == m.lv_strike_militants).all()
    half = model(
        *sponsor[:2],
        "+relations.iran_sponsors_kh={source: iran, target: "
        "kataib_hezbollah, type: sponsors, weight: 0.5}",
        days=2,
        n=20,
    )
    assert (half.provocation[c.index] == round(0.5 * m.lv_strike_militants)).all()
    none = model(*sponsor[:2], days=2, n=20)  # no host, no sponsor: nobody to blame
    assert (none.provocation[c.index] == 0).all()


def test_proxy_attacks_count_in_the_balance() -> None:
    on = model("episode=us_iran_2020", "mechanisms.proxy_balance=1", days=1, n=10)
    off = model("episode=us_iran_2020", days=1, n=10)
    c = on.channel_for("iran", "united_states").index
    assert (on.given[c] == 1).all() and (off.given[c] == 0).all()


def test_answer_type_follows_blame() -> None:
    """With no group based on the opponent's soil, force falls on its state forces."""
    args = ("episode=iran_israel_2024_04", "actors.iran.policy.name=tit_for_tat")
    mirror = model(*args)
    blame = model(*args, "mechanisms.answer_by_blame=1")
    c = mirror.channel_for("iran", "israel").index
    sm, ss = mirror.ladder.index["strike_militants"], mirror.ladder.index["strike_state"]
    assert (mirror.history[:, c, :] == sm).any()
    assert not (blame.history[:, c, :] == sm).any() and (blame.history[:, c, :] == ss).any()
    # A strike on one's soil (Iran's on Jaish al-Adl in Pakistan) is answered at state forces:
    # Pakistan's first use of force falls on Iran's forces, not on bases.
    # (Without it, only domestic pressure pushes some answers one rung up, onto state forces.)
    for extra, share in (((), (0.0, 0.3)), (("+by_role.adversary.state_answer=1.0",), (1, 1))):
        m = model("mechanisms.answer_by_blame=1", *extra)
        p = m.channel_for("pakistan", "iran").index
        h = m.history[:, p, :]
        force = np.isin(h, [sm, ss])
        struck = force.any(axis=0)
        first = h[force.argmax(axis=0), np.arange(h.shape[1])][struck]
        assert struck.any() and share[0] <= (first == ss).mean() <= share[1]


def test_coercion_rungs_become_state_levels() -> None:
    off = model()
    on = model("ladder.state_repertoire=[coercion]")
    coercion = {
        on.ladder.index[r]
        for r in ("expel_diplomats", "suspend_treaty", "close_border", "sanction")
    }
    assert not np.isin(off.history, list(coercion)).any()
    assert np.isin(on.history, list(coercion)).any()
    assert len(on.ladder.state_levels) == len(off.ladder.state_levels) + 4
    with pytest.raises(ConfigError, match="no rung belongs to repertoire 'coersion'"):
        model("ladder.state_repertoire=[coersion]", n=1, days=1)


#: Neither state is ever willing to agree.
UNWILLING = tuple(
    f"actors.{state}.{key}=0"
    for state in ("iran", "pakistan")
    for key in ("willingness", "settled_bonus", "mediation_receptiveness")
)
GESTURES = ("+by_role.victim.gesture_rate=0.5", "+by_role.adversary.gesture_rate=0.5")


def test_gestures_end_crises_without_agreement() -> None:
    m = model(*GESTURES, *UNWILLING)
    g = m.ladder.index["declare_ceasefire"]
    assert (m.history == g).any()
    assert (m.agreed_day[0] >= 0).mean() > 0.5  # de-escalated, though no one was willing
    assert not (m.history == m.r_agree).any()
    off = model(*UNWILLING)
    assert (off.agreed_day[0] >= 0).mean() < 0.2


def test_envoys_return_without_agreement_when_switched_on() -> None:
    args = (*GESTURES, *UNWILLING, "actors.pakistan.return_rate=1.0")
    off = model(*args, "mechanisms.return_without_agreement=0")
    on = model(*args, "mechanisms.return_without_agreement=1")
    c = on.channel_for("pakistan", "iran").index
    assert on.recalled[c].mean() < off.recalled[c].mean()


def test_starting_tension() -> None:
    m = model(
        "+actors.pakistan.level0=4",
        "+actors.pakistan.recalled0=1",
        "+actors.iran.grievance0=5",
        "+actors.iran.grievance_half_life=7",
        days=2,
        n=20,
    )
    c = m.channel_for("pakistan", "iran").index
    assert (m.history[0, c, :] == m.ladder.index["recall_ambassador"]).all()
    calm = model(days=2, n=20)
    assert (calm.history[0, c, :] == calm.r_none).all()
    i = m.channel_for("iran", "pakistan").index
    assert (m.grievance[i] > 0).all()


def test_a_mediator_with_leverage_over_one_side_acts() -> None:
    one = model("relations.china_leverage_iran=null")
    c = one.channel_for("china", "pakistan").index
    assert (one.history[:, c, :] != one.r_none).any()


def test_a_mediator_that_can_never_act_is_refused() -> None:
    with pytest.raises(ConfigError, match=r"actors\.china: a mediator acts only on states"):
        model(
            "relations.china_leverage_iran=null",
            "relations.china_leverage_pakistan=null",
            n=1,
            days=1,
        )
    model(
        "relations.china_leverage_iran=null",
        "relations.china_leverage_pakistan=null",
        "actors.china.policy.name=passive",
        n=1,
        days=1,
    )


def test_appeal_first_engages_on_threats_and_appeals_before_offering() -> None:
    m = model(
        "actors.china.policy.name=appeal_first",
        "+actors.china.policy.offer_after=3",
        "actors.pakistan.max_step=5",
    )
    c = m.channel_for("china", "pakistan").index
    h = m.history[:, c, :]
    appeal, offer = m.ladder.index["appeal"], m.ladder.index["mediate"]
    first_appeal = np.where((h == appeal).any(0), (h == appeal).argmax(0), 99)
    first_offer = np.where((h == offer).any(0), (h == offer).argmax(0), 99)
    both = (first_appeal < 99) & (first_offer < 99)
    assert both.any() and (first_appeal[both] <= first_offer[both]).all()


def test_a_partisan_mediator_restrains_one_side_more() -> None:
    args = (
        "relations.china_leverage_iran.weight=0.1",
        "actors.china.restraint_effect=1.0",
        "actors.china.policy.p_act=1.0",
    )
    fair = model(*args)
    partisan = model(*args, "+actors.china.partisan=1")
    c = fair.channel_for("iran", "pakistan").index
    lv_fair = fair.rung_to_level[fair.history[:, c, :]].mean()
    lv_partisan = partisan.rung_to_level[partisan.history[:, c, :]].mean()
    assert lv_partisan > lv_fair  # its appeals barely reach Iran now


def test_two_mediators_both_act() -> None:
    m = model(
        "+actors.un={kind: mediator, label: UN, policy: {name: appeal_first}}",
        "+relations.un_iran={source: un, target: iran, type: leverage, weight: 0.2}",
        "+relations.un_pakistan={source: un, target: pakistan, type: leverage, weight: 0.2}",
    )
    for med in ("china", "un"):
        c = m.channel_for(med, "pakistan").index
        assert (m.history[:, c, :] != m.r_none).any(), med


def test_same_day_reactions_answer_a_blow_on_its_own_day() -> None:
    on = ("actors.pakistan.same_day_rate=1.0", "actors.iran.same_day_rate=1.0")
    base, react = model(days=12), model(*on, days=12)
    lad = base.ladder
    pak = base.channel_for("pakistan", "iran").index
    iran = base.channel_for("iran", "pakistan").index
    # Day 0: Iran's strike on Pakistan's soil; without the mechanism Pakistan says nothing
    # that day, with it (certain) Pakistan summons Iran's envoy the same day.
    assert (base.history[0, pak] == base.r_none).all()
    assert (react.history[0, pak] == lad.index["summon"]).all()
    assert (react.history[0, iran] == base.history[0, iran]).all()  # the blow is unchanged
    # With it certain, a state is never idle on a day the other uses force against it.
    for m, idle_seen in ((base, True), (react, False)):
        force = np.take(m.rung_to_level, m.history) >= m.lv_force
        idle = m.history == m.r_none
        struck_idle = (force[:, iran] & idle[:, pak]) | (force[:, pak] & idle[:, iran])
        assert struck_idle.any() == idle_seen
    # A reaction never reaches force on its own day.
    assert (np.take(react.rung_to_level, react.history[0, pak]) < react.lv_force).all()


def test_rivalry_acts_on_the_states_choices_when_switched_on() -> None:
    # Issue 25: starting hostility changed nothing. With the rivalry parameters on, a
    # hostile start makes force likelier and agreement rarer; off, it changes nothing.
    rival = tuple(
        f"actors.{s}.{k}=1.0"
        for s in ("iran", "pakistan")
        for k in ("hostility_escalation", "hostility_on_willingness")
    )

    def run(h: float, *more: str) -> EscalationModel:
        return model(f"relations.border.hostility={h}", *more, scenario="crisis_mechanisms")

    lo_off, hi_off = run(0.2), run(0.9)
    assert np.array_equal(lo_off.history, hi_off.history)  # without the mechanism, no effect
    lo, hi = run(0.2, *rival), run(0.9, *rival)
    force = [(np.take(m.rung_to_level, m.history) >= m.lv_force).sum() for m in (lo, hi)]
    agreed = [(m.agreed_day >= 0).mean() for m in (lo, hi)]
    assert force[1] > force[0]
    assert agreed[1] < agreed[0]


def test_a_same_day_rung_at_force_is_refused() -> None:
    from sim.submodels.same_day import reaction_rung

    m = model(days=2)
    m.ladder.roles["same_day"] = "strike_state"
    try:
        with pytest.raises(ConfigError, match="below force"):
            reaction_rung(m)
    finally:
        del m.ladder.roles["same_day"]


@pytest.mark.parametrize("episode", ["iran_pakistan_2024", "india_pakistan_2025"])
def test_all_mechanisms_on_keep_the_contracts(episode: str) -> None:
    """Determinism, replay of any replicate alone and independence of agent order."""
    args = (f"episode={episode}",)
    a = model(*args, scenario="crisis_mechanisms", n=200)
    b = model(*args, scenario="crisis_mechanisms", n=200)
    assert np.array_equal(a.history, b.history)
    s = Settings.from_config(
        compose_config(
            "crisis_mechanisms", [*args, "simulation.replicates=200", "simulation.days=30"]
        )
    )
    for r in (0, 17, 199):
        alone = EscalationModel(s, replicates=np.array([r])).run()
        assert np.array_equal(alone.history[:, :, 0], a.history[:, :, r])
    shuffled = EscalationModel(s)
    shuffled._decide = lambda: [ag.decide() for ag in reversed(list(shuffled.agents))]  # type: ignore[method-assign]
    shuffled.run()
    assert np.array_equal(shuffled.history, a.history)

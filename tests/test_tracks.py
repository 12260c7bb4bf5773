"""Two tracks: a military and a diplomatic-economic track, each with its own level."""

from __future__ import annotations

import numpy as np

from sim.config import compose_config
from sim.eventlog import event_table
from sim.model import EscalationModel
from sim.settings import Settings

BUILD_UP = ("by_role.victim.prep_days=10", "by_role.adversary.prep_days=10")


def run(*more: str, n: int = 1000) -> EscalationModel:
    cfg = compose_config(
        "crisis_mechanisms",
        [f"simulation.replicates={n}", "simulation.days=31", *BUILD_UP, *more],
    )
    return EscalationModel(Settings.from_config(cfg)).run()


def test_off_there_is_one_ladder_and_no_second_act() -> None:
    # Off by default (the baseline); crisis_mechanisms switches it on, so off is asked for.
    m = run("mechanisms.two_tracks=0", n=200)
    assert getattr(m, "second", None) is None and getattr(m, "dip_level", None) is None
    base = EscalationModel(
        Settings.from_config(compose_config("baseline", ["simulation.replicates=50"]))
    ).run()
    assert getattr(base, "second", None) is None


def test_a_state_can_hold_a_sanction_and_threaten_on_the_same_day() -> None:
    one, two = run("mechanisms.two_tracks=0"), run("mechanisms.two_tracks=1")
    lad = one.ladder
    sanction = lad.index["sanction"]
    military = [lad.index["threaten"], lad.index["posture"]]
    both = (two.history == sanction) & np.isin(two.second, military)
    assert both.any()  # the same day: a new sanction, and posture or a threat beside it
    # And on later days the sanction stands while the military track moves on.
    states = [c.index for c in two.state_channels()]
    standing = two.dip_level[states] == np.take(two.rung_to_level, sanction)
    assert (standing & np.isin(two.history[-1, states], [*military, lad.index["none"]])).any()
    assert getattr(one, "second", None) is None


def test_preparing_force_climbs_the_military_track() -> None:
    # On one ladder a state preparing force waits at sanction (the highest rung below
    # force with the coercion repertoire); on two tracks it waits at posture.
    one, two = run("mechanisms.two_tracks=0"), run("mechanisms.two_tracks=1")
    lad = one.ladder
    adv = one.channel_for("pakistan", "iran").index
    day = 11
    share = {
        name: [(m.history[day, adv] == lad.index[name]).mean() for m in (one, two)]
        for name in ("sanction", "posture")
    }
    assert share["sanction"][0] > 0.1 and share["sanction"][1] < share["sanction"][0] / 3
    assert share["posture"][1] > share["posture"][0] + 0.1


def test_the_event_log_holds_both_acts_of_a_day() -> None:
    m = run("mechanisms.two_tracks=1", n=300)
    table = event_table(m).to_pandas()
    assert len(table) == (m.history != m.r_none).sum() + (m.second != m.r_none).sum()
    per_day = table.groupby(["replicate", "day", "actor", "target"]).size()
    assert per_day.max() == 2

"""The event log logs acts when they happen and keeps standing states apart."""

from __future__ import annotations

import itertools

import numpy as np
import pandas as pd

from sim.config import compose_config
from sim.eventlog import event_table
from sim.model import EscalationModel
from sim.settings import Settings


def _events(replicates: int = 3000) -> pd.DataFrame:
    s = Settings.from_config(
        compose_config("baseline", [f"simulation.replicates={replicates}", "simulation.days=30"])
    )
    ev = event_table(EscalationModel(s).run()).to_pandas()
    return ev.astype({c: str for c in ("actor", "target", "action")})


def test_a_recall_is_logged_once_per_act() -> None:
    """A state that holds its answer at the recall rung is not recalling again each day.

    Before, 43% of the (replicate, actor) pairs that recall showed the recall more than once
    (up to 12 times). Now the held days are kept with ``act = false`` and the acts of a pair
    alternate: recall, return of ambassadors, recall, ...
    """
    ev = _events()
    diplomatic = ev[ev.action.isin(["recall_ambassador", "restore_relations"])]
    held = diplomatic[~diplomatic.act]
    assert len(held) > 0 and set(held.action) == {"recall_ambassador"}
    acts = diplomatic[diplomatic.act].sort_values(["replicate", "actor", "target", "day"])
    for _, g in acts.groupby(["replicate", "actor", "target"]):
        seq = g.action.tolist()
        assert seq[0] == "recall_ambassador"
        assert all(a != b for a, b in itertools.pairwise(seq)), seq
    # Every held day follows an act of the same pair, with no return in between.
    first_act = acts[acts.action == "recall_ambassador"].groupby(["replicate", "actor"]).day.min()
    held_first = held.groupby(["replicate", "actor"]).day.min()
    assert (held_first > first_act.reindex(held_first.index)).all()
    # Every other rung is an act each day it is taken (a strike a day is a strike a day).
    assert ev[~ev.action.isin(["recall_ambassador"])].act.all()


def test_the_held_flag_matches_the_diplomatic_status() -> None:
    """Row by row: held exactly where the ambassador was already recalled the day before."""
    s = Settings.from_config(
        compose_config("baseline", ["simulation.replicates=500", "simulation.days=30"])
    )
    m = EscalationModel(s).run()
    ev = event_table(m).to_pandas().astype({"actor": str, "action": str})
    expected = []
    for c in m.state_channels():
        recalled = np.zeros(m.n, dtype=bool)
        for t in range(m.days):
            rung = m.history[t, c.index]
            for r in m.replicates[(rung == m.r_recall) & recalled]:
                expected.append((int(r), t, c.actor))
            recalled = (recalled | (rung == m.r_recall)) & (rung != m.r_restore)
    held = ev[~ev.act]
    assert sorted(zip(held.replicate, held.day, held.actor, strict=True)) == sorted(expected)
    assert len(expected) > 50


def test_paths_carry_the_same_flag() -> None:
    m = EscalationModel(scenario="baseline", replicates=200, days=30).run()
    paths = m.paths()
    ev = event_table(m).to_pandas()
    logged = paths[paths.action != "none"].sort_values(["replicate", "day"], kind="stable")
    assert logged.act.tolist() == ev.act.tolist()

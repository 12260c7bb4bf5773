"""The ICB benchmark: generated episodes, the mapping, the baselines, scores, and a smoke run."""

from __future__ import annotations

import copy
import functools

import numpy as np
import pandas as pd
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from hypothesis.extra.numpy import arrays

from sim import icb
from sim.benchmark import baselines as bl
from sim.benchmark import fit as ft
from sim.benchmark import scoring as sc
from sim.benchmark.command import compose, defaults, main, parse
from sim.benchmark.episodes import COVARIATES, TRIGGER_RUNGS, episode_config, records
from sim.benchmark.jobs import Job, run_job
from sim.benchmark.outcomes import BY_NAME, VARIABLES, Rungs, observed, simulated
from sim.errors import ConfigError
from sim.ladder import Ladder
from sim.model import EscalationModel
from sim.safeio import read_json
from sim.settings import Settings


@pytest.fixture(scope="module")
def icb_data():
    actors, crises = icb.load("actor"), icb.load("crisis")
    return actors, crises, records(actors, icb.select(actors, crises))


@pytest.fixture(scope="module")
def base():
    return compose("crisis_mechanisms")


def by_cracno(recs, cracno):
    return next(r for r in recs if r.cracno == cracno)


# ------------------------------------------------------------------ generated episodes
def test_every_record_reads_ex_ante_columns_only(icb_data) -> None:
    actors, crises, recs = icb_data
    assert not set(COVARIATES) & set(icb.OUTCOMES["actor"])
    blank = actors.copy()
    blank[list(icb.OUTCOMES["actor"])] = np.nan
    again = records(blank, icb.select(blank, crises))
    assert again == recs
    assert len({r.name for r in recs}) == len(recs)


def test_a_generated_episode_validates_for_every_trigger_type(icb_data, base) -> None:
    _, _, recs = icb_data
    raw, _ = base
    template = defaults()["template"]
    seen = set()
    for r in recs:
        key = (r.triggr, r.militant_trigger)
        if key in seen:
            continue
        seen.add(key)
        cfg = episode_config(r, raw, template)
        cfg["simulation"] = {**cfg["simulation"], "replicates": 20, "days": 8}
        m = EscalationModel(Settings.from_config(copy.deepcopy(cfg))).run()
        v = m.channel_for(cfg["episode"]["roles"]["victim"], cfg["episode"]["roles"]["adversary"])
        trigger = cfg["events"]["trigger"]
        expected = "militant_attack" if r.militant_trigger else TRIGGER_RUNGS[r.triggr]
        assert trigger["rung"] == expected
        if not r.militant_trigger:
            a = m.channel_for(trigger["actor"], trigger["target"])
            assert (m.history[0, a.index] == m.ladder.index[expected]).all()
        assert (m.history[0, v.index] == m.ladder.rung_of("none")).all()
    assert len(seen) >= 7


def test_uri_is_read_from_icb_as_the_docs_say(icb_data) -> None:
    actors, crises, recs = icb_data
    india = next(r for r in recs if r.crisno == 482 and r.actor == "IND")
    assert (india.adversary, india.trigger_by, india.triggr) == ("PAK", "non_state", 9)
    assert india.militant_trigger and india.split == "test"
    y = observed([india], actors, crises)
    # majres 3 political act, sevvio 2, crismg 5, outfor 4 unilateral, trgterra 3, mediate 1.
    assert {k: int(v[0]) for k, v in y.items()} == {
        "major_response": 1,
        "response_days": 0,
        "violence": 1,
        "technique": 1,
        "outcome_form": 2,
        "duration": 0,
        "mediation": 0,
    }


# ------------------------------------------------------------------ the mapping
@pytest.fixture(scope="module")
def rungs() -> Rungs:
    return Rungs.of(Ladder.from_config(defaults_ladder()))


@functools.cache
def defaults_ladder():
    from omegaconf import OmegaConf

    from sim.config import compose_config

    return OmegaConf.to_container(compose_config("baseline", []).ladder, resolve=True)


def paths(rungs: Rungs, days: int, **acts: dict[int, int]) -> tuple[np.ndarray, np.ndarray]:
    v = np.full((days, 1), rungs.none, dtype=np.int8)
    a = v.copy()
    for day, rung in acts.get("v", {}).items():
        v[day, 0] = rung
    for day, rung in acts.get("a", {}).items():
        a[day, 0] = rung
    return v, a


def read(rungs, v, a, formal=False, closed=False, mediated=False, quiet=30):
    med = np.full_like(v, rungs.none)
    if mediated:
        med[3, 0] = rungs.mediate
    out = simulated(v, a, med, np.array([formal]), np.array([closed]), rungs, quiet)
    return {k: int(x[0]) for k, x in out.items()}


def test_a_strike_on_day_4_is_a_violent_response_on_icb_day_5(rungs) -> None:
    v, a = paths(rungs, 91, v={2: rungs.posture, 4: rungs.force}, a={0: rungs.force})
    got = read(rungs, v, a)
    assert got["major_response"] == 3 and got["technique"] == 3
    assert got["response_days"] == BY_NAME["response_days"].bins.index("3-7")
    assert got["violence"] == 1  # one day of force: minor clashes
    assert got["duration"] == 0  # the last coercive day is 4: five ICB days
    assert got["outcome_form"] == 4  # ended without any conciliatory act: faded
    assert got["mediation"] == 0


def test_a_crisis_coercive_late_in_the_horizon_has_not_ended(rungs) -> None:
    v, a = paths(rungs, 91, a={0: rungs.posture, 61: rungs.threaten})
    got = read(rungs, v, a, mediated=True)
    assert got["major_response"] == 0 and got["technique"] == 0
    assert got["response_days"] == -1
    assert got["duration"] == 3 and got["outcome_form"] == 4
    assert got["mediation"] == 1
    v, a = paths(rungs, 91, a={0: rungs.posture, 60: rungs.threaten})
    assert read(rungs, v, a)["duration"] == 3  # day 60 is ICB day 61: over 60


def test_a_same_day_reaction_to_the_trigger_is_a_response_on_icb_day_1(rungs) -> None:
    summon = rungs.measures[0] - 1  # the rung below recall_ambassador: summon
    v, a = paths(rungs, 91, v={0: summon}, a={0: rungs.force})
    got = read(rungs, v, a)
    assert got["major_response"] == 1 and got["response_days"] == 0
    assert got["duration"] == 0  # the trigger alone does not make a crisis last


def test_second_track_acts_count_as_acts(rungs) -> None:
    v, a = paths(rungs, 91, v={3: rungs.measures[-1]}, a={0: rungs.force})
    v2 = np.full_like(v, rungs.none)
    v2[3, 0] = rungs.posture  # the military track's posture behind the day's sanction
    med = np.full_like(v, rungs.none)
    no = np.array([False])
    out = simulated(v, a, med, no, no, rungs, 30, (v2, np.full_like(v, rungs.none)))
    assert int(out["major_response"][0]) == 2 and int(out["technique"][0]) == 2
    assert int(read(rungs, v, a)["major_response"]) == 1


def test_agreements_and_gestures_map_to_their_forms(rungs) -> None:
    v, a = paths(rungs, 91, v={1: rungs.none - 1}, a={0: rungs.posture})
    assert read(rungs, v, a, formal=True, closed=True)["outcome_form"] == 0
    assert read(rungs, v, a, closed=True)["outcome_form"] == 2
    assert read(rungs, v, a)["outcome_form"] == 1  # a conciliatory act, then quiet: tacit


@settings(max_examples=60, deadline=None)
@given(arrays(np.int8, (31, 3), elements=st.integers(0, 23)), st.integers(5, 20))
def test_every_simulated_bin_is_a_bin_and_force_agrees_across_variables(hist, quiet) -> None:
    lad = Ladder.from_config(defaults_ladder())
    r = Rungs.of(lad)
    out = simulated(hist, hist[::-1].copy(), hist, np.zeros(3, bool), np.zeros(3, bool), r, quiet)
    for var in VARIABLES:
        assert ((out[var.name] >= -1) & (out[var.name] < var.k)).all()
    force = (hist >= r.force).any(axis=0)
    assert ((out["major_response"] == 3) == force).all()
    assert ((out["technique"] == 3) == force).all()
    assert ((out["violence"] > 0) == force).all()
    assert ((out["response_days"] == -1) == (out["major_response"] == 0)).all()


# ------------------------------------------------------------------ baselines and scores
def test_scores_of_known_forecasts() -> None:
    p = np.array([[1.0, 0.0, 0.0], [0.5, 0.25, 0.25]])
    y = np.array([0, 2])
    assert sc.brier(p, y).tolist() == [0.0, 0.25 + 0.0625 + 0.5625]
    assert sc.rps(p, y).tolist() == pytest.approx([0.0, (0.25 + 0.5625) / 2])
    assert sc.log_score(p, y)[1] == pytest.approx(np.log(0.25))
    assert sc.smoothed(np.array([[3, 0, 1]])).tolist() == [[3.5 / 5.5, 0.5 / 5.5, 1.5 / 5.5]]


def test_base_rates_are_laplace_smoothed_and_the_regression_sums_to_one(icb_data) -> None:
    _, _, recs = icb_data
    assert bl.base_rates(np.array([0, 0, 1, -1]), 3).tolist() == [3 / 6, 2 / 6, 1 / 6]
    train = [r for r in recs if r.split == "train"][:80]
    test = [r for r in recs if r.split == "test"][:20]
    y = np.array([r.triggr % 3 for r in train])  # any labels: the shape, not the fit
    p = bl.regression(bl.covariates(train), y, bl.covariates(test), 4, floor=0.01)
    assert p.shape == (20, 4) and np.allclose(p.sum(axis=1), 1.0)
    assert p[:, 3] == pytest.approx(0.0025)  # a bin no training record had: the floor
    g = bl.by_trigger(train, y, test, 4)
    assert np.allclose(g.sum(axis=1), 1.0)


def test_skill_intervals_resample_whole_crises() -> None:
    rng = np.random.default_rng(0)
    crises = np.repeat(np.arange(30), 2)
    head = {"base_rates": np.full(60, 0.5), "model": np.full(60, 0.25)}
    iv = sc.skill_interval(head, crises, "base_rates", 200, rng)
    assert iv["model"] == pytest.approx([0.5, 0.5]) and iv["base_rates"] == [0.0, 0.0]


def test_the_fit_distance_is_zero_on_the_data_and_keeps_the_closest() -> None:
    obs = np.zeros((len(VARIABLES), 4, 5), dtype=np.int64)
    obs[:, 0, 0], obs[:, 1, 1] = 3, 1
    sim = np.stack([obs * 2, np.roll(obs, 1, axis=2)]).astype(np.uint16)
    d = ft.distances(sim, obs)
    assert d[0] == pytest.approx(0.0) and d[1] == pytest.approx(len(VARIABLES))
    assert ft.accept(np.array([3.0, 1.0, 2.0, 0.5]), 0.5).tolist() == [1, 3]


def test_job_results_do_not_depend_on_how_records_are_shared(icb_data, base) -> None:
    _, _, recs = icb_data
    raw, priors = base
    from sim.calibration.priors import prior_from_config

    prior = prior_from_config(priors)
    th = prior.sample(60, np.random.default_rng(3))
    train = [r for r in recs if r.split == "train"][:4]
    common = {"base": raw, "template": defaults()["template"], "keys": tuple(prior.keys)}
    kw = {"draws": th, "seed": 1, "horizon": 40, "quiet_days": 10, **common}
    whole = run_job(Job("counts", tuple(train), chunk=60, **kw))["counts"]
    parts = [run_job(Job("counts", (r,), chunk=25, **kw))["counts"] for r in train]
    assert np.array_equal(whole, np.sum(parts, axis=0))


def test_the_docs_table_lists_every_variable_and_bin() -> None:
    from pathlib import Path

    text = (Path(__file__).resolve().parents[1] / "docs" / "benchmark.md").read_text()
    table = text[text.index("## The mapping") : text.index("## The fit")]
    for var in VARIABLES:
        row = next(line for line in table.splitlines() if line.startswith(f"| `{var.name}`"))
        for label in var.bins:
            assert label in row, (var.name, label)


# ------------------------------------------------------------------ the command
def test_bad_settings_are_refused_before_any_folder(tmp_path) -> None:
    out = tmp_path / "b"
    for args in (["nope=1"], ["keep=2"], ["launcher=cloud"], ["draws=x"], ["limit=0"]):
        with pytest.raises(ConfigError):
            parse([f"out={out}", *args])
    assert main(["icb", f"out={out}", "draws=5"]) == 2
    assert main(["nothing"]) == 2
    assert not out.exists()


def test_benchmark_smoke_on_a_few_crises(tmp_path, capsys) -> None:
    out = tmp_path / "bench"
    args = ["icb", f"out={out}", "limit=2", "draws=60", "keep=0.2", "forecast_draws=40"]
    assert main([*args, "bootstrap=20", "workers=1", "jobs=2"]) == 0
    s = read_json(out / "benchmark.json")
    assert set(s["split"]) == {"date", "train", "test"}
    assert s["split"]["train"]["crises"] == 2 and s["split"]["test"]["crises"] == 2
    assert set(s["variables"]) == {v.name for v in VARIABLES}
    for v in s["variables"].values():
        assert {"model", "base_rates", "base_rates_by_trigger", "regression"} <= set(v["scores"])
        assert all(0 <= x["brier"] <= 2 for x in v["scores"].values())
    assert (out / "benchmark.html").stat().st_size > 10_000
    posterior = pd.read_parquet(out / "posterior.parquet")
    assert len(posterior) == 12 and {"weight", "distance"} <= set(posterior.columns)
    episodes = sorted((out / "episodes" / "episode").glob("icb_*.yaml"))
    assert episodes
    # Same folder again without --overwrite: refused, nothing changed.
    assert main([*args, "workers=1"]) == 2
    assert "--overwrite" in capsys.readouterr().err
    # A generated episode runs with the benchmark's posterior (in its own process: a
    # --config-dir registers its files in Hydra's store for the rest of the process).
    import subprocess
    import sys
    from pathlib import Path

    run_dir = tmp_path / "run"
    p = subprocess.run(
        [
            str(Path(sys.executable).with_name("escalation")),
            "run",
            "--config-dir",
            str(out / "episodes"),
            f"episode={episodes[0].stem}",
            f"posterior={out}",
            "scenario=crisis_mechanisms",
            "replicates=50",
            "days=10",
            f"hydra.run.dir={run_dir}",
        ],
        capture_output=True,
        text=True,
        timeout=300,
    )
    assert p.returncode == 0, p.stderr
    assert (run_dir / "summary.json").exists()

"""The scorecard (sim.validation): features from acts, fixed horizon, scores, baselines, SBC."""

from __future__ import annotations

import dataclasses
import math

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from sim.calibration.features import HORIZON, Coding, act_features, features
from sim.calibration.joint import JointSimulator, cast_keys, load_episode
from sim.calibration.priors import prior_from_config

from sim import timeline as timeline_module
from sim.config import compose_config
from sim.settings import Settings
from sim.validation import baselines, cases, sbc
from sim.validation.compare import paired
from sim.validation.features import (
    FEATURES,
    NOMINAL,
    TIMING,
    Reading,
    mediator_features,
    observed_bins,
    observed_mediator,
    specs,
)
from sim.validation.folds import simulate
from sim.validation.scores import FLOOR, Forecast, flatten, from_ensemble, score


@pytest.fixture(scope="module")
def ladder():
    return Settings.from_config(
        compose_config("crisis_mechanisms", ["simulation.replicates=1"])
    ).ladder


@pytest.fixture(scope="module")
def library_cases():
    names = ["india_pakistan_2016", "iran_pakistan_2024", "us_iran_2020"]
    return [cases.make_case(load_episode(n, "crisis_mechanisms"), HORIZON) for n in names]


def priors(episodes):
    cfg = compose_config("crisis_mechanisms", ["+calibration=joint"])
    return prior_from_config(cast_keys(dict(cfg.calibration.priors), episodes))


def test_act_features_count_a_conciliatory_act_on_a_day_of_force(ladder) -> None:
    c = Coding.of(ladder)
    i = ladder.index
    days = 6
    v: list[list[int]] = [[] for _ in range(days)]
    a: list[list[int]] = [[] for _ in range(days)]
    v[2] = [i["strike_militants"], i["declare_ceasefire"]]  # force and a ceasefire, same day
    a[3] = [i["threaten"], i["strike_state"], i["strike_militants"]]
    f = act_features((v, a), c)
    assert f["first_conciliatory"] == 2  # the daily maximum would hide it
    path = np.array([[i["none"]] * days, [i["none"]] * days])
    path[0, 2], path[1, 3] = i["strike_militants"], i["strike_state"]
    g = {k: int(x[0]) for k, x in features(path[:, :, None], c).items()}
    assert g["first_conciliatory"] == days  # the path alone has no conciliatory day
    # The answer's type is the day's first act of force (state forces here).
    assert f["answer_adversary"] == 2 and f["first_force_adversary"] == 3
    assert f["answer_victim"] == 1 and f["force_days"] == 2


def test_specs_bins_cover_the_fine_support() -> None:
    for h in (30, 60):
        for k, s in specs(h).items():
            fine = np.full(s.fine, 1.0 / s.fine)
            assert math.isclose(s.to_bins(fine).sum(), 1.0)
            assert np.allclose(s.spread(s.to_bins(fine)).sum(), 1.0)
            assert s.bin_of(np.array([s.offset]))[0] == 0
            assert s.bin_of(np.array([s.offset + s.fine - 1]))[0] == s.bins - 1
            if k in TIMING:
                assert s.labels[-1] == f"none by day {h}"


def test_censored_timing_is_scored_on_the_bins_past_the_coding() -> None:
    obs = {k: 0 for k in FEATURES} | {k: 31 for k in TIMING}
    b = observed_bins(obs, coded_through=10, horizon=30)
    assert b["first_force_victim"] == (4, 5, 6)  # days 8-14, 15-30, none: the days past 10
    # The kind read from a censored timing may be any: force may come after the coding.
    assert b["answer_victim"] == (0, 1, 2) and b["mediator_act"] == (0, 1, 2, 3)
    assert b["peak"] == (0,) and b["force_days"] == (0,)
    assert observed_bins(obs, coded_through=30, horizon=30)["first_force_victim"] == (6,)
    sp = specs(30)
    fine = {k: sp[k].spread(np.full(sp[k].bins, 1.0 / sp[k].bins)) for k in FEATURES}
    s = score(Forecast(fine, 0.5), sp, b, obs)
    assert s["first_force_victim"]["brier"] is None and s["first_force_victim"]["crps"] is None
    assert math.isclose(s["first_force_victim"]["p"], 3 / 7)


def test_scores_of_a_perfect_and_a_hopeless_forecast() -> None:
    sp = specs(30)
    obs = {k: sp[k].offset for k in FEATURES}
    bins = observed_bins(obs, 30, 30)
    sure = {k: np.eye(sp[k].fine)[0] for k in FEATURES}
    s = score(Forecast(sure, 1.0), sp, bins, obs)
    assert s["pattern"]["log"] == 0.0 and s["sum_log"] == 0.0
    assert all(s[k]["brier"] == 0.0 for k in FEATURES)
    assert all(s[k]["rps"] == 0.0 for k in FEATURES if k not in NOMINAL)
    assert all(s[k]["crps"] == 0.0 for k in TIMING)
    wrong = {k: np.eye(sp[k].fine)[-1] for k in FEATURES}
    w = score(Forecast(wrong, 0.0), sp, bins, obs)
    assert w["pattern"]["log"] == math.log(FLOOR)
    assert all(w[k]["brier"] == 2.0 for k in FEATURES)
    # The RPS of a sure forecast in the last bin, the outcome in the first: bins - 1.
    assert all(w[k]["rps"] == sp[k].bins - 1 for k in FEATURES if k not in NOMINAL)
    # The CRPS of a sure forecast is the distance in days (none by day 30 counts as 31).
    assert w["first_force_victim"]["crps"] == 30.0


@settings(max_examples=40, deadline=None)
@given(st.lists(st.integers(1, 31), min_size=1, max_size=200), st.integers(1, 31))
def test_ensemble_crps_equals_the_integer_crps(draws: list[int], obs: int) -> None:
    """The CRPS from the fine distribution is the ensemble CRPS of the draws (scoringrules)."""
    import scoringrules as sr

    sp = specs(30)
    values = {k: np.full(len(draws), sp[k].offset) for k in FEATURES}
    values["first_force_victim"] = np.array(draws)
    observed = {k: sp[k].offset for k in FEATURES} | {"first_force_victim": obs}
    bins = observed_bins(observed, 30, 30)
    s = score(from_ensemble(values, sp, bins), sp, bins, observed)
    direct = float(sr.crps_ensemble(float(obs), np.array(draws, dtype=float)))
    assert math.isclose(s["first_force_victim"]["crps"], direct, rel_tol=1e-9, abs_tol=1e-9)


def test_baselines_are_proper_distributions(library_cases) -> None:
    train, test = library_cases[:2], library_cases[2]
    sp = specs(HORIZON)
    p = baselines.transitions(train)
    assert np.allclose(p.sum(axis=2), 1.0) and (p > 0).all()
    rng = np.random.default_rng(1)
    forecasts = {
        "base_rates": baselines.base_rates(train, test, sp),
        "analog": baselines.analog(train, test, sp)[0],
        "markov": baselines.markov(train, test, sp, 500, rng),
        "persistence": baselines.persistence(test, sp),
    }
    for name, f in forecasts.items():
        for k in FEATURES:
            assert math.isclose(f.fine[k].sum(), 1.0), (name, k)
        assert 0.0 <= f.pattern <= 1.0
    # Base rates give every bin some mass (half a count), so no feature scores the floor.
    s = score(forecasts["base_rates"], sp, test.bins, test.values)
    assert all(s[k]["log"] > math.log(FLOOR) for k in FEATURES)


def test_the_analog_matches_on_what_was_known_before_day0(library_cases) -> None:
    by = {c.name: c for c in library_cases}
    assert by["us_iran_2020"].descriptors["trigger"] == "sponsors"
    assert by["india_pakistan_2016"].descriptors["trigger"] == "hosts"
    assert by["iran_pakistan_2024"].descriptors["border"] is True
    ip, ui, ind = by["iran_pakistan_2024"], by["us_iran_2020"], by["india_pakistan_2016"]
    # 2016 shares 2024's border and has a hosted group (2024 was a state's strike: one unit);
    # 2020 differs in trigger and border (two units), plus the gap in hostility.
    assert baselines.analog_distance(ip, ind) < baselines.analog_distance(ip, ui)
    sp = specs(HORIZON)
    _, near = baselines.analog([ind, ui], ip, sp)
    assert near == ["india_pakistan_2016"]
    # Tied analogs share the analog's half evenly.
    twin = dataclasses.replace(ind, episode=dataclasses.replace(ind.episode, name="twin"))
    f, near = baselines.analog([ind, twin], ip, sp)
    assert near == ["india_pakistan_2016", "twin"] and math.isclose(f.fine["peak"].sum(), 1.0)


def test_baselines_start_from_the_trigger_alone(library_cases) -> None:
    """The observed day 0 may hold more than the trigger; no baseline may read it."""
    ind = {c.name: c for c in library_cases}["india_pakistan_2016"]
    assert ind.start.tolist() == [1, 1]  # a group's attack: both states start at none
    assert ind.categories[:, 0].tolist() != [1, 1]  # India's day-0 acts, known only after
    ip = {c.name: c for c in library_cases}["iran_pakistan_2024"]
    assert ip.start.tolist() == [4, 1]  # Iran's strike on the bases, Pakistan nothing yet
    sp = specs(HORIZON)
    f = baselines.persistence(ind, sp)
    # Persistence from the trigger alone: nobody uses force, so "none by day 30" is its pick.
    assert f.fine["first_force_victim"][-1] > 0.9


def test_mediator_features_read_days_1_to_h_victim_first(ladder) -> None:
    reading = Reading.of(ladder)
    i, none = ladder.index, ladder.rung_of("none")
    med = np.full((2, 31, 3), none)
    med[:, 0, :] = i["leverage"]  # day 0 is the trigger's day: never read
    med[0, 5, 1], med[1, 5, 1] = i["appeal"], i["leverage"]  # both on day 5: the victim's first
    med[1, 30, 2] = i["mediate"]  # the horizon's last day
    f = mediator_features(med, reading)
    assert f["mediator_first"].tolist() == [31, 5, 30]
    assert f["mediator_act"].tolist() == [0, 1, 2]
    obs = observed_mediator([(0, i["leverage"]), (5, i["appeal"]), (5, i["leverage"])], 30, reading)
    assert obs == {"mediator_first": 5, "mediator_act": 1}
    assert observed_mediator([(31, i["appeal"])], 30, reading)["mediator_act"] == 0


def test_the_simulated_horizon_never_reads_the_coded_length(monkeypatch) -> None:
    """Change an episode's coding end: the simulation, and its features, stay the same."""
    name = "us_iran_2020"
    ep = load_episode(name, "crisis_mechanisms")
    real = timeline_module.load_timeline(name)
    short = dataclasses.replace(real, observed_days=8)
    import sim.calibration.joint as joint

    import sim.validation.cases as cases_module

    monkeypatch.setattr(joint, "load_timeline", lambda n: short)
    monkeypatch.setattr(cases_module, "load_timeline", lambda n: short)
    ep_short = load_episode(name, "crisis_mechanisms")
    assert ep.days == ep_short.days == HORIZON + 1
    assert ep.base["simulation"] == ep_short.base["simulation"]
    prior = priors([ep])
    thetas = prior.sample(200, np.random.default_rng(3))
    a = simulate(JointSimulator([ep], prior.keys, 9), cases.make_case(ep, HORIZON), thetas, 1)
    case_short = cases.make_case(ep_short, HORIZON)
    b = simulate(JointSimulator([ep_short], prior.keys, 9), case_short, thetas, 1)
    assert all(np.array_equal(a[k], b[k]) for k in FEATURES)
    # What changes is the observation: past day 7 it is censored, not "nothing happened".
    assert case_short.coded_through == 7
    assert len(case_short.bins["first_force_adversary"]) > 1


def _prior_scores(case, draws: int, seed: int) -> dict[str, float]:
    ep = case.episode
    prior = priors([ep])
    sim = JointSimulator([ep], prior.keys, seed)
    values = simulate(sim, case, prior.sample(draws, np.random.default_rng(seed)), 1)
    sp = specs(HORIZON)
    return flatten(score(from_ensemble(values, sp, case.bins), sp, case.bins, case.values))


def test_no_figure_depends_on_the_number_of_draws_beyond_its_error(library_cases) -> None:
    """2,000 and 20,000 draws give the same scores within their Monte Carlo error."""
    case = library_cases[0]
    runs = {n: [_prior_scores(case, n, s) for s in (11, 12, 13)] for n in (2_000, 20_000)}
    for key in runs[2_000][0]:
        small = np.array([r[key] for r in runs[2_000]])
        big = np.array([r[key] for r in runs[20_000]])
        se = math.hypot(small.std(ddof=1) / math.sqrt(3), big.std(ddof=1) / math.sqrt(3))
        # Four standard errors, and a floor for scores whose seeds happened to agree.
        assert abs(small.mean() - big.mean()) <= 4 * se + 0.02, key


def test_paired_comparison_states_what_five_folds_can_show() -> None:
    c = paired([0.5, 0.7, 0.4, 0.9, 0.6])
    assert c["p_sign_flip"] == pytest.approx(2 / 32) and c["smallest_possible_p"] == 2 / 32
    assert c["ci95"][0] > 0 and c["power_t_5pct"] > 0.9
    flat = paired([0.5, -0.5, 0.1, -0.1, 0.0])
    assert flat["p_sign_flip"] == 1.0


def test_sbc_criteria_pass_an_exact_posterior_and_fail_the_prior() -> None:
    """Positive and negative controls on a conjugate problem with a known posterior.

    theta ~ N(0, 1), y ~ N(theta, 1): the posterior is N(y / 2, 1 / 2), sd ratio 0.71.
    """
    from scipy import stats

    rng = np.random.default_rng(4)
    theta = rng.normal(size=(400, 3))
    y = theta + rng.normal(size=theta.shape)
    exact = stats.norm.cdf((theta - y / 2) / math.sqrt(0.5))
    keys = ["a", "b", "c"]
    good = sbc.judge(exact, np.full(theta.shape, math.sqrt(0.5)), keys)
    assert good["passes"], good["criteria"]
    assert 0.86 <= good["coverage"]["90%"] <= 0.94
    prior = sbc.judge(stats.norm.cdf(theta), np.ones(theta.shape), keys)
    assert prior["criteria"]["coverage_90_in_band"] and prior["criteria"]["rank_histograms_uniform"]
    assert not prior["criteria"]["informative"] and not prior["passes"]
    # A sampler that is too narrow (sd a quarter of the right one) fails on coverage.
    narrow = stats.norm.cdf((theta - y / 2) / (math.sqrt(0.5) / 4))
    assert not sbc.judge(narrow, np.full(theta.shape, 0.18), keys)["passes"]


def test_sbc_fails_a_sampler_that_returns_its_prior() -> None:
    names = ["iran_pakistan_2024", "us_iran_2020"]
    eps = [load_episode(n, "crisis_mechanisms") for n in names]
    cfg = dict(compose_config("crisis_mechanisms", ["+calibration=joint"]).calibration)
    cfg["priors"] = dict(cfg["priors"])
    cfg["population"] = 300
    s = sbc.run(cfg, eps, repetitions=60, sampler="prior")
    # Its intervals cover at the nominal rate (PITs of the prior are uniform)...
    assert 0.8 <= s["coverage"]["90%"] <= 0.98
    # ...but it learnt nothing, which the informativeness criterion catches.
    assert s["mean_sd_ratio"] > sbc.MAX_SD_RATIO and not s["passes"]

"""The forecast: particles as replicates, the error model, the questions and the filter."""

from __future__ import annotations

import contextlib

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from sim.config import run_config
from sim.forecast.observe import ErrorModel
from sim.forecast.particles import restore, save, take
from sim.forecast.questions import QUESTIONS, Codes, Daily, daily_from_acts, daily_from_rungs
from sim.forecast.smc import run_filter, systematic
from sim.model import EscalationModel
from sim.settings import Settings


def model(episode: str | None, n: int, seed: int, posterior: bool = True, **kw) -> EscalationModel:
    """A model of ``episode`` (None: the reference), with the joint posterior's draws or not."""
    over = ["posterior=joint"] if posterior else []
    scenario = "calibrated_joint" if posterior else "baseline"
    cfg = run_config(scenario, episode, n, seed, 31, over)
    return EscalationModel(Settings.from_config(cfg), **kw)


@pytest.mark.parametrize(
    ("episode", "posterior"),
    [(None, True), ("korea_2010", True), ("saudi_iran_2019_09", True), (None, False)],
)
def test_a_model_permuted_mid_run_is_the_permuted_full_run(episode, posterior) -> None:
    # Every piece of a replicate's state travels with take(): with its random keys moved
    # too, a replicate continues exactly as its source would have.
    full = model(episode, 300, 5, posterior).run()
    m = model(episode, 300, 5, posterior)
    for _ in range(4):
        m.step()
    perm = np.random.default_rng(0).permutation(300)
    take(m, perm, streams=True)
    m.run()
    assert (m.history == full.history[..., perm]).all()
    assert (m.deaths == full.deaths[..., perm]).all()
    assert (m.total_deaths == full.total_deaths[perm]).all()


@pytest.mark.parametrize(
    "more",
    [
        ("actors.iran.same_day_rate=0.6", "actors.pakistan.same_day_rate=0.6"),
        ("actors.iran.hostility_escalation=0.8", "actors.pakistan.hostility_on_willingness=0.5"),
        ("mechanisms.return_without_agreement=1", "actors.china.policy.name=appeal_first"),
        ("mechanisms.two_tracks=1", "actors.pakistan.absorb_base=0.5"),
        ("actors.iran.limited_share=0.5", "actors.pakistan.proportionate=0.7"),
    ],
)
def test_mechanisms_switched_on_travel_with_their_replicates(more) -> None:
    over = ["posterior=joint", *more]
    cfg = run_config("calibrated_joint", None, 300, 6, 31, over)
    full = EscalationModel(Settings.from_config(cfg)).run()
    m = EscalationModel(Settings.from_config(cfg))
    for _ in range(3):
        m.step()
    perm = np.random.default_rng(1).permutation(300)
    take(m, perm, streams=True)
    m.run()
    assert (m.history == full.history[..., perm]).all()


def test_a_one_replicate_policy_travels_with_its_replicate() -> None:
    # Policies written for one replicate keep Python objects per replicate (the adapter):
    # they are resampled element by element and saved and restored with the rest.
    from sim.policies import register_policy
    from sim.policies.adapter import OneReplicatePolicy, per_replicate
    from sim.policies.base import Traits

    class Grudge(OneReplicatePolicy):
        name = "grudge_for_particles"
        traits = Traits(role="state", stochastic=False, memory_depth=-1)

        def respond(self, obs, uniform):  # type: ignore[no-untyped-def]
            self.worst = max(getattr(self, "worst", 0), obs.received)
            return self.worst

    # Registered by an earlier run of this test in the same process, maybe.
    with contextlib.suppress(ValueError):
        register_policy(per_replicate(Grudge))
    cfg = run_config(
        "baseline", None, 200, 3, 20, ["actors.pakistan.policy.name=grudge_for_particles"]
    )
    full = EscalationModel(Settings.from_config(cfg)).run()
    m = EscalationModel(Settings.from_config(cfg))
    for _ in range(4):
        m.step()
    perm = np.random.default_rng(2).permutation(200)
    take(m, perm, streams=True)
    saved = save(m)
    m.run()
    first = m.history.copy()
    restore(saved)
    m.run()
    assert (first == full.history[..., perm]).all() and (m.history == first).all()
    # A subsample shrinks the players' list with the batch.
    m2 = EscalationModel(Settings.from_config(cfg))
    m2.step()
    take(m2, np.arange(100))
    m2.run()
    assert m2.history.shape[-1] == 100


def test_a_policy_holding_unknown_objects_is_refused() -> None:
    from sim.forecast.particles import check_particles

    m = model(None, 200, 3)
    pak = m.actors["pakistan"]
    next(iter(pak.policies.values())).cache = {object()}  # type: ignore[attr-defined]
    with pytest.raises(ValueError, match="not plain state"):
        check_particles(m)


def test_restore_removes_state_created_while_running_ahead() -> None:
    # Mechanisms allocate some state on first use (two tracks, mediator acts): a fork saved
    # on day 0, before any of it exists, must come back without it.
    over = ["posterior=joint", "mechanisms.two_tracks=1", "actors.china.reassure=0.5"]
    cfg = run_config("calibrated_joint", None, 200, 4, 31, over)
    plain = EscalationModel(Settings.from_config(cfg)).run()
    m = EscalationModel(Settings.from_config(cfg))
    m.step()
    saved = save(m)
    for _ in range(10):
        m.step()
    restore(saved)
    assert getattr(m, "dip_level", None) is None
    m.run()
    assert (m.history == plain.history).all()


def test_save_and_restore_run_the_same_future_twice() -> None:
    m = model(None, 200, 3)
    for _ in range(3):
        m.step()
    saved = save(m)
    m.run()
    first = m.history.copy(), m.deaths.copy(), m.day
    restore(saved)
    assert m.day == 3
    m.run()
    assert (m.history == first[0]).all() and (m.deaths == first[1]).all() and m.day == first[2]


def test_a_subsample_continues_from_its_sources() -> None:
    m = model(None, 400, 3)
    for _ in range(5):
        m.step()
    before = m.history[:5].copy()
    idx = np.array([3, 3, 7, 399] * 30)
    take(m, idx)
    assert m.n == 120 and m.counter.size == 120
    assert (m.history[:5] == before[..., idx]).all()
    m.run()  # runs on at the new size
    assert m.history.shape[-1] == 120


def test_take_refuses_positions_outside_the_batch() -> None:
    m = model(None, 150, 3)
    with pytest.raises(ValueError, match="positions"):
        take(m, np.array([0, 150]))


def test_the_error_model_is_a_distribution_over_observed_rungs() -> None:
    lad = model(None, 100, 1).ladder
    p = np.exp(ErrorModel().log_table(lad))
    assert np.allclose(p.sum(axis=1), 1.0)
    assert (p > 0).all()
    none = lad.rung_of("none")
    # A simulated act is read as itself more often than as anything else.
    assert (np.argmax(p, axis=1) == np.arange(len(p))).all()
    assert p[lad.index["strike_state"], none] > p[lad.index["strike_state"], lad.index["talks"]]


@pytest.mark.parametrize("bad", [{"miscoding": 0.0}, {"missed": 1.0}, {"decay": 0.0}])
def test_the_error_model_refuses_degenerate_values(bad) -> None:
    with pytest.raises(ValueError):
        ErrorModel(**bad)


@given(st.lists(st.floats(-30, 0), min_size=2, max_size=50), st.integers(0, 2**32 - 1))
@settings(max_examples=50, deadline=None)
def test_systematic_resampling_keeps_each_particle_about_its_share(log_w, seed) -> None:
    lw = np.array([log_w])
    idx = systematic(lw, np.random.default_rng(seed))[0]
    w = np.exp(lw[0] - lw[0].max())
    expected = w / w.sum() * len(w)
    counts = np.bincount(idx, minlength=len(w))
    assert (np.abs(counts - expected) < 1 + 1e-9).all()


def test_questions_read_fixed_windows_after_the_cutoff() -> None:
    lad = model(None, 100, 1).ladder
    codes = Codes.of(lad)
    none, bases, state = codes.none, lad.index["strike_militants"], lad.index["strike_state"]
    talks = lad.index["talks"]
    days = 31
    v = [[] for _ in range(days)]
    a = [[] for _ in range(days)]
    v[0], a[5], a[9], v[12] = [bases], [state], [bases], [talks]
    d = daily_from_acts([v, a], None, codes)
    q = {x.id: x for x in QUESTIONS}
    assert q["force_adversary_7"].read(d, 0, 30)[0] == 1  # day 5
    assert q["force_adversary_7"].read(d, 5, 30)[0] == 1  # days 6..12 hold day 9
    assert q["force_adversary_7"].read(d, 9, 30)[0] == 0  # days 10..16 hold none
    assert q["next_answer_adversary"].read(d, 0, 30)[0] == 2  # state forces first
    assert q["next_answer_adversary"].read(d, 5, 30)[0] == 1  # then bases
    assert q["force_victim_7"].read(d, 0, 30)[0] == 0  # day 0 is not after the cutoff
    assert q["conciliatory_14"].read(d, 0, 30)[0] == 1
    assert q["conciliatory_14"].read(d, 12, 30)[0] == 0
    # One rung a day, as simulated, reads the same way.
    rungs = np.full((2, days, 1), none)
    rungs[0, 0], rungs[1, 5], rungs[1, 9], rungs[0, 12] = bases, state, bases, talks
    s = daily_from_rungs(rungs, None, codes)
    for x in QUESTIONS:
        if not x.needs_mediator:
            for cut in (0, 3, 5, 9, 14):
                assert x.read(s, cut, 30)[0] == x.read(d, cut, 30)[0], (x.id, cut)


def test_a_window_past_the_days_read_is_refused() -> None:
    d = Daily(
        np.zeros((2, 10, 1), bool),
        np.zeros((2, 10, 1), int),
        np.zeros((10, 1), bool),
        np.zeros((10, 1), bool),
        None,
    )
    with pytest.raises(ValueError, match="past"):
        QUESTIONS[0].read(d, 5, 30)


# ---------------------------------------------------------------- the filter
ROWS = [0, 1]  # the reference episode's two states toward each other


def synthetic(crises: int, per: int, until: int, seed: int):
    """Crises simulated from the joint posterior, and a particle model to filter them with.

    Particle blocks take random replicate indices, so each crisis's particles sample the
    whole posterior (its draws come in order of the posterior's particles).
    """
    truth = model(None, crises, seed)
    truth.run()
    obs = truth.history[: until + 1][:, ROWS, :].transpose(2, 1, 0)  # (crises, 2, until + 1)
    perm = np.random.default_rng(seed).permutation(crises * per)
    particles = model(None, crises * per, seed + 1, replicates=perm)
    return truth, obs, particles


def test_a_fork_reads_what_a_forecast_to_that_day_reads() -> None:
    # The day-by-day view forks after day t on a weighted subsample; its answers match a
    # forecast cut at day t (within Monte Carlo error), with more particles than the fork.
    from sim.forecast.crisis import from_episode
    from sim.forecast.forecast import forecast

    c = from_episode("iran_pakistan_2024", overrides=["posterior=joint"])
    a = forecast(c, 3, particles=6000, seed=3, forks=[2], fan_chart=False)
    import sim.forecast.smc as smc

    fork_at_2 = {d["cutoff"]: d["questions"] for d in a["by_day"]}[2]
    b = forecast(c, 2, particles=6000, seed=4, fan_chart=False)
    for q in b["questions"]:
        pa, pb = np.array(fork_at_2[q["id"]]["p"]), np.array(q["p"])
        err = np.hypot(fork_at_2[q["id"]]["mc_error"], q["mc_error"])
        assert (np.abs(pa - pb) <= 4 * err + 0.02).all(), (q["id"], pa, pb)
    assert smc.systematic(
        np.log(np.array([[0.1, 0.1, 0.8]])), np.random.default_rng(0), 10
    ).shape == (1, 10)


def test_a_weighted_subsample_keeps_the_weights_proportions() -> None:
    # Each particle is drawn about size * its weight times (systematic: within one), over the
    # whole row, not its first positions.
    w = np.random.default_rng(0).random((1, 1000)) ** 3
    pos = systematic(np.log(w), np.random.default_rng(1), 400)[0]
    expected = 400 * w[0] / w.sum()
    counts = np.bincount(pos, minlength=1000)
    assert (np.abs(counts - expected) < 1 + 1e-9).all()
    assert pos.max() > 900


def test_an_unweighted_filter_is_the_plain_run() -> None:
    plain = model(None, 500, 4).run()
    m = model(None, 500, 4)
    run_filter(m, ROWS, np.zeros((2, 4), int), ErrorModel(), lambda *a: None, weigh=False)
    assert (m.history == plain.history).all()


@pytest.mark.parametrize("threshold", [0.0, 0.5])
def test_conditioning_on_more_days_never_makes_the_observed_prefix_less_likely(threshold) -> None:
    # The prefix's probability: the weighted share of particles whose days 0..K are the
    # observed ones. Without resampling it cannot fall as days are added (docs/forecast.md);
    # with resampling only Monte Carlo noise can make it dip.
    g, per, k = 40, 2000, 3
    _, obs, m = synthetic(g, per, k, 21)

    def read(model, log_w, cutoff):
        h = model.history[: k + 1][:, ROWS, :].transpose(2, 1, 0).reshape(g, per, 2, k + 1)
        hit = (h == obs[:, None]).all(axis=(2, 3))
        w = np.exp(log_w.reshape(g, per) - log_w.reshape(g, per).max(axis=1, keepdims=True))
        return (w * hit).sum(axis=1) / w.sum(axis=1)

    r = run_filter(m, ROWS, obs, ErrorModel(), read, groups=g, forks=range(k), threshold=threshold)
    q = np.array([r.forks[t] for t in range(k)] + [r.final])  # (k + 1, crises)
    assert (q[-1] > 0).mean() > 0.5  # most synthetic prefixes are matched by some particle
    if threshold == 0.0:
        assert (np.diff(q, axis=0) >= -1e-12).all()
    else:
        assert (np.diff(q.mean(axis=1)) >= 0).all()
        assert (np.diff(q, axis=0) >= -0.05).mean() > 0.95


@pytest.mark.parametrize("until", [1, 7])
def test_forecasts_of_synthetic_crises_are_calibrated(until) -> None:
    # 200 crises simulated from known parameters (drawn from the filter's own prior): the
    # randomised PIT of a quantity with a fine support, the summed ladder positions of both
    # states over the days after the cutoff, falls in the central 80% about 80% of the time.
    g, per, horizon = 200, 1000, 30
    truth, obs, m = synthetic(g, per, until, 40 + until)
    pos = np.asarray(truth.ladder.state_position)
    y = pos[truth.history[until + 1 :, ROWS, :]].sum(axis=(0, 1))
    u = np.random.default_rng(until).random(g)

    def read(model, log_w, cutoff):
        sim = pos[model.history[cutoff + 1 : horizon + 1, ROWS, :]].sum(axis=(0, 1))
        sim = sim.reshape(g, per)
        lw = log_w.reshape(g, per)
        w = np.exp(lw - lw.max(axis=1, keepdims=True))
        w /= w.sum(axis=1, keepdims=True)
        return (w * (sim < y[:, None])).sum(axis=1) + u * (w * (sim == y[:, None])).sum(axis=1)

    pit = run_filter(m, ROWS, obs, ErrorModel(), read, groups=g, seed=until).final
    coverage = float(np.mean((pit > 0.1) & (pit < 0.9)))
    assert 0.7 <= coverage <= 0.9, coverage


# ---------------------------------------------------------------- the command
def test_forecast_command_writes_its_files_and_says_what_it_thinks(tmp_path, capsys) -> None:
    from sim.cli import main
    from sim.safeio import read_json

    out = tmp_path / "f"
    args = ["forecast", "episode=iran_pakistan_2024", "until=2", "particles=500", f"out={out}"]
    assert main(args) == 0, capsys.readouterr().err
    f = read_json(out / "forecast.json")
    assert f["until"] == 2 and f["particles"] == 500
    assert [q["id"] for q in f["questions"]][:2] == ["force_victim_7", "force_victim_14"]
    assert all(abs(sum(q["p"]) - 1) < 1e-9 for q in f["questions"])
    assert [d["cutoff"] for d in f["by_day"]] == [0, 1, 2]
    assert f["observed"]["rungs"]["victim"][0] == "strike_militants"
    assert (out / "forecast.html").stat().st_size > 10_000
    assert "Forecast directory" in capsys.readouterr().out
    # The same command again: the folder holds a forecast, so it is refused without --overwrite.
    assert main(args) == 2
    assert main([*args, "--overwrite"]) == 0


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["until=2"], "required"),
        (["episode=iran_pakistan_2024"], "required"),
        (["episode=nowhere", "until=2"], "unknown episode"),
        (["episode=iran_pakistan_2024", "until=31"], "past the observed days"),
        (["episode=iran_pakistan_2024", "until=2", "horizon=2"], "nothing to forecast"),
        (["episode=iran_pakistan_2024", "until=2", "particles=10"], "outside"),
        (["episode=iran_pakistan_2024", "until=2", "particls=1000"], "did you mean"),
        (["episode=iran_pakistan_2024", "until=two"], "integer"),
        (["episode=iran_pakistan_2024", "until=2", "miscoding=1.5"], "between 0 and 1"),
        (["episode=iran_pakistan_2024", "until=2", "events=missing.csv"], "missing.csv"),
    ],
)
def test_forecast_command_refuses_bad_settings_and_writes_nothing(
    tmp_path, capsys, args, message
) -> None:
    from sim.cli import main

    out = tmp_path / "f"
    assert main(["forecast", *args, f"out={out}"]) in (1, 2)
    assert message in capsys.readouterr().err
    assert not out.exists()


# ---------------------------------------------------------------- event tables
def test_a_run_written_as_an_event_table_forecasts_as_the_run_itself(tmp_path) -> None:
    # A simulated replicate's acts, written in the usual columns of event data and read back
    # as the observed prefix, give the same forecast as its own days.
    import dataclasses

    from sim.eventtable import write_event_table
    from sim.forecast.crisis import from_episode, from_events
    from sim.forecast.forecast import forecast
    from sim.forecast.observe import Observed
    from sim.timeline import load_timeline

    day0 = load_timeline("iran_pakistan_2024").day0
    run = model(None, 50, 9)
    run.run()
    library = from_episode("iran_pakistan_2024", overrides=["posterior=joint"])
    rows = library.observed.rows
    none = library.observed.none
    for k in (3, 17):
        path = write_event_table(run, tmp_path / f"run{k}.csv", replicate=k, day0=day0)
        table = from_events(path, "iran_pakistan_2024", overrides=["posterior=joint"], day0=day0)
        own = tuple(
            tuple(() if r == none else (int(r),) for r in run.history[:, row, k]) for row in rows
        )
        itself = dataclasses.replace(
            library, observed=Observed(library.observed.names, rows, own, none)
        )
        assert table.observed.names == itself.observed.names
        until = 5
        assert (table.observed.cut(until).rungs() == itself.observed.cut(until).rungs()).all()
        a = forecast(table, until, particles=1000, seed=2, fan_chart=False)
        b = forecast(itself, until, particles=1000, seed=2, fan_chart=False)
        assert a["questions"] == b["questions"] and a["by_day"] == b["by_day"]


def test_the_parameter_kernel_keeps_mean_and_spread_and_ranges() -> None:
    from sim.forecast.particles import parameter_arrays
    from sim.forecast.smc import jitter

    m = model(None, 4000, 2)
    before = [(a.copy(), p) for a, p in parameter_arrays(m)]
    jitter(m, np.array([True, False]), 0.95, np.random.default_rng(0))
    for (old, p), (new, _) in zip(before, parameter_arrays(m), strict=True):
        first, second = slice(0, 2000), slice(2000, 4000)
        assert (new[second] == old[second]).all()  # the other crisis is left alone
        assert p is not None and (new >= p.low).all() and (new <= p.high).all()
        if isinstance(p.default, int):
            assert (new == old).all()  # integer parameters are not moved
        elif old[first].std() > 0:
            assert not (new[first] == old[first]).all()
            assert abs(new[first].mean() - old[first].mean()) < 0.1 * old[first].std() + 1e-3
            assert 0.8 < new[first].std() / old[first].std() < 1.1


# ---------------------------------------------------------------- the backtest
def test_backtest_smoke_writes_its_scores_per_cutoff_and_question(tmp_path, monkeypatch) -> None:
    # Two folds, a tiny fit and few particles: the shape of backtest.json, not its figures.
    import sim.validation.command as vc
    from sim.forecast.command import backtest_main
    from sim.safeio import read_json

    plan = vc.plan_folds

    def small(cfg, names):
        out = plan(cfg, names)
        fit = {**out["fit"], "population": 40, "generations": 1, "budget": 400, "batch": 200}
        return {**out, "fit": fit}

    monkeypatch.setattr(vc, "plan_folds", small)
    out = tmp_path / "bt"
    args = [f"out={out}", "folds=[iran_pakistan_2024,us_iran_2020]", "particles=300", "workers=1"]
    assert backtest_main(args) == 0
    s = read_json(out / "backtest.json")
    assert list(s["cutoffs"]) == ["0", "1", "3", "7", "14"]
    assert s["episodes"] == ["iran_pakistan_2024", "us_iran_2020"]
    for c in s["cutoffs"].values():
        for q in c["questions"].values():
            assert set(q["brier"]) == {"model", "persistence", "base_rates", "unconditioned"}
            assert all(0 <= v <= 2 for v in q["brier"].values())
    assert set(s["reliability"]) == {"model", "persistence", "base_rates", "unconditioned"}
    assert "reliability_slope" in s["targets"]
    assert (out / "backtest.html").stat().st_size > 10_000
    # Base rates come from the other episodes of the library, not only from the folds run.
    row = s["per_episode"]["us_iran_2020"]["3"]["force_victim_7"]
    assert len(row["p"]["base_rates"]) == 2


def test_forecast_command_reads_an_event_table(tmp_path, capsys) -> None:
    from sim.cli import main
    from sim.safeio import read_json

    table = tmp_path / "events.csv"
    table.write_text(
        "date,source,target,code,intensity\n"
        "2024-01-16,Iran,Jaish al-Adl,1951,-10\n"
        "2024-01-17,pakistan,iran,111,-2\n"
        "2024-01-17,China,Pakistan,020,3\n"
    )
    out = tmp_path / "f"
    args = ["episode=iran_pakistan_2024", f"events={table}", "until=3", "particles=400"]
    assert main(["forecast", *args, f"out={out}"]) == 0, capsys.readouterr().err
    f = read_json(out / "forecast.json")
    assert f["observed"]["rungs"]["adversary"] == ["none", "condemn", "none", "none"]
    assert f["observed"]["rungs"]["mediator->adversary"][1] == "appeal"
    assert f["day0"] == "2024-01-16" and f["source"] == str(table)
    bad = tmp_path / "bad.csv"
    bad.write_text("date,source,target,code\n2024-01-16,iran,pakistan,999\n")
    assert main(["forecast", *args[:1], f"events={bad}", "until=0", f"out={tmp_path / 'g'}"]) == 2
    assert "999" in capsys.readouterr().err and not (tmp_path / "g").exists()

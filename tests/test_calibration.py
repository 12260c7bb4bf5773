"""Calibration end to end on a small budget: outputs, fit numbers, posterior-driven runs."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from sim.calibration.command import run_calibration

from sim.config import compose_config
from sim.errors import ConfigError
from sim.posterior import posterior_arrays
from sim.settings import Settings

BIN = Path(sys.executable).with_name("escalation")
ROOT = Path(__file__).resolve().parents[1]


@pytest.fixture(scope="module")
def calibrated(tmp_path_factory: pytest.TempPathFactory) -> Path:
    cfg = compose_config(
        "baseline",
        [
            "+calibration=default",
            "calibration.population=400",
            "calibration.generations=12",
            "calibration.batch=10000",
            "calibration.fit_draws=20000",
        ],
    )
    return run_calibration(cfg, tmp_path_factory.mktemp("cal"), progress=False)


def test_outputs(calibrated: Path) -> None:
    for name in ("posterior.parquet", "calibration.json", "calibrated.yaml", "calibration.html"):
        assert (calibrated / name).is_file(), name
    post = pd.read_parquet(calibrated / "posterior.parquet")
    assert len(post) == 400 and abs(post["weight"].sum() - 1) < 1e-9
    s = json.loads((calibrated / "calibration.json").read_text())
    tol = [g["tolerance"] for g in s["generations"]]
    assert tol == sorted(tol, reverse=True) and len(tol) >= 5
    assert all(0 < g["acceptance_rate"] <= 1 and g["ess"] > 50 for g in s["generations"])


def test_posterior_fits_far_better_than_the_prior(calibrated: Path) -> None:
    s = json.loads((calibrated / "calibration.json").read_text())
    # The exact four-day sequence is out of the model's reach since Iran's statement of day 1
    # was coded (the model's Iran never makes one that day): docs/calibration.md.
    prior, post = s["prior"]["p_exact"]["estimate"], s["posterior"]["p_exact"]["estimate"]
    assert post >= prior
    near = s["prior"]["p_within_one_rung"]["estimate"]
    assert s["posterior"]["p_within_one_rung"]["estimate"] > 3 * near > 0
    # The strongly identified parameters: both states' daily climb (see docs/calibration.md).
    assert s["marginals"]["by_role.adversary.max_step"]["sd"] < 0.5


def test_calibrated_overlay_is_a_valid_scenario(calibrated: Path) -> None:
    import yaml

    overlay = yaml.safe_load((calibrated / "calibrated.yaml").read_text())
    assert overlay["scenario"]["name"] == "calibrated"
    s = Settings.from_config(compose_config("calibrated", ["simulation.replicates=100"]))
    # The shipped scenario's adversary (Pakistan in the reference episode) climbs as fitted.
    shipped = yaml.safe_load((ROOT / "scenarios" / "calibrated.yaml").read_text())
    assert s.actors["pakistan"].params["max_step"] == shipped["by_role"]["adversary"]["max_step"]
    assert shipped["by_role"]["adversary"]["max_step"] == 5  # none -> threat -> strike


def test_runs_draw_parameters_from_the_posterior(calibrated: Path) -> None:
    a = posterior_arrays(calibrated, 500, seed=3)
    b = posterior_arrays(calibrated / "posterior.parquet", 500, seed=3)
    assert all(np.array_equal(a[k], b[k]) for k in a)
    assert np.unique(a["by_role.victim.policy.generosity"]).size > 20  # uncertainty, not a point
    s = Settings.from_config(
        compose_config(
            "baseline",
            ["simulation.replicates=500", "simulation.seed=3", f"posterior={calibrated}"],
        )
    )
    assert np.array_equal(
        s.actors["iran"].policy_params["generosity"], a["by_role.victim.policy.generosity"]
    )
    shipped = posterior_arrays("baseline", 10, seed=1)  # the posterior shipped in the package
    assert len(shipped["by_role.adversary.max_step"]) == 10
    with pytest.raises(ConfigError, match="not found"):
        posterior_arrays(calibrated / "nope.parquet", 10, seed=1)


def test_cli_run_with_posterior_shows_uncertainty(tmp_path: Path) -> None:
    p = subprocess.run(
        [str(BIN), "run", "posterior=baseline", "replicates=2000", f"hydra.run.dir={tmp_path}/r"],
        capture_output=True,
        text=True,
        cwd=tmp_path,
    )
    assert p.returncode == 0, p.stderr
    html = (tmp_path / "r" / "report.html").read_text()
    assert "drawn from the calibration" in html


def test_cli_calibrate_small(tmp_path: Path) -> None:
    p = subprocess.run(
        [
            str(BIN),
            "calibrate",
            # Small: the command end to end, not the fit (the joint fit over the library
            # with these settings took 100 s at population 200 and 4 generations).
            "population=100",
            "generations=2",
            "batch=5000",
            "fit_draws=2000",
            f"hydra.run.dir={tmp_path}/c",
        ],
        capture_output=True,
        text=True,
        cwd=tmp_path,
        timeout=600,
    )
    assert p.returncode == 0, p.stderr
    assert "posterior particles" in p.stdout and (tmp_path / "c" / "calibration.html").is_file()
    assert f"Report: {(tmp_path / 'c' / 'calibration.html').resolve()}" in p.stdout


def test_bad_prior_is_refused() -> None:
    from sim.calibration.priors import prior_from_config

    with pytest.raises(ConfigError, match="unknown distribution 'gaussian'"):
        prior_from_config({"by_role.victim.max_step": {"dist": "gaussian", "low": 1, "high": 9}})
    with pytest.raises(ConfigError, match="need low < high"):
        prior_from_config({"by_role.victim.max_step": {"dist": "uniform", "low": 9, "high": 1}})


@pytest.mark.parametrize(
    "episode",
    ["india_pakistan_2016", "india_pakistan_2025", "iran_israel_2024_04", "us_iran_2020"],
)
def test_every_episode_calibrates(episode: str, tmp_path: Path) -> None:
    """One episode at a time, on a tiny budget: a role-keyed posterior that runs anywhere."""
    cfg = compose_config(
        "baseline",
        [
            f"episode={episode}",
            "+calibration=default",
            "calibration.population=60",
            "calibration.generations=2",
            "calibration.batch=2000",
            "calibration.fit_draws=2000",
        ],
    )
    out = run_calibration(cfg, tmp_path / "cal", progress=False)
    s = json.loads((out / "calibration.json").read_text())
    assert s["episode"]["name"] == episode and s["particles"] == 60
    post = pd.read_parquet(out / "posterior.parquet")
    assert all(c.startswith("by_role.") for c in post.columns if c not in ("weight", "distance"))
    assert len(s["posterior"]["observed"]) >= 2  # both directed pairs of the dyad
    # The posterior and the calibrated scenario run on the reference episode's roster.
    a = posterior_arrays(out, 50, seed=1)
    Settings.from_config(compose_config("baseline", [f"posterior={out}"]))
    assert set(a) == {c for c in post.columns if c not in ("weight", "distance")}
    assert "by_role:" in (out / "calibrated.yaml").read_text()


def test_parameter_table_has_credible_intervals_and_plain_flags() -> None:
    from sim.calibration.identification import (
        FLAGS,
        parameter_rows,
        parameter_table,
        prior_sd,
        weighted_quantile,
    )
    from sim.calibration.priors import prior_from_config

    rng = np.random.default_rng(1)
    n = 4000
    prior = prior_from_config(
        {
            "point": {"dist": "int_uniform", "low": 0, "high": 8},
            "flat": {"dist": "uniform", "low": 0, "high": 1},
            "narrow": {"dist": "uniform", "low": 0, "high": 1},
            "trunc": {"dist": "normal", "low": 0, "high": 1, "mean": 0.5, "sd": 0.2},
        }
    )
    particles = np.column_stack(
        [
            np.full(n, 4.0),  # every particle on one value
            rng.uniform(0, 1, n),  # where the prior put it
            rng.normal(0.5, 0.1, n),  # moved: sd a third of the prior's
            rng.normal(0.5, 0.19, n).clip(0, 1),  # a truncated normal prior, left as it was
        ]
    )
    t = parameter_table(prior, particles, np.full(n, 1 / n))
    assert t["point"]["flag"] == FLAGS["collapsed"] and t["point"]["ci90"] == [4.0, 4.0]
    assert t["flat"]["flag"] == FLAGS["prior"]
    assert t["narrow"]["flag"] == FLAGS["well"]
    # A truncated normal's sd is scipy's, not a uniform's over the same range.
    assert prior_sd(prior.marginals[3]) == pytest.approx(0.1909, abs=1e-4)
    assert t["trunc"]["flag"] == FLAGS["prior"]
    lo, hi = t["flat"]["ci90"]
    assert abs(lo - 0.05) < 0.02 and abs(hi - 0.95) < 0.02
    rows = parameter_rows(t)
    assert rows["header"][3] == "90% CI" and rows["rows"][0][3] == "4 – 4"
    # Weights count: all the weight on the largest value moves every quantile there.
    w = np.array([0.0, 0.0, 1.0])
    assert [weighted_quantile(np.array([1.0, 2.0, 3.0]), w, q) for q in (0.05, 0.95)] == [3, 3]


def test_progress_bar_ends_at_100_percent_when_abc_stops_early(tmp_path: Path, capsys) -> None:
    cfg = compose_config(
        "baseline",
        [
            "+calibration=default",
            "calibration.population=300",
            "calibration.generations=30",
            "calibration.batch=5000",
            "calibration.budget=40000",  # spent after a few generations
            "calibration.fit_draws=2000",
        ],
    )
    from omegaconf import OmegaConf
    from sim.calibration.fit import calibrate

    base = OmegaConf.to_container(cfg, resolve=True)
    calib = base.pop("calibration")
    summary = calibrate(calib, base, tmp_path, progress=True)
    ran = len(summary["generations"])
    assert ran < 30
    last = capsys.readouterr().err.replace("\r", "\n").strip().splitlines()[-1]
    assert "100%" in last and f" {ran}/{ran} " in last, last

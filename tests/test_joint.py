"""Joint calibration across episodes and leave-one-out validation, on tiny budgets."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from sim.calibration.command import run_calibration
from sim.calibration.features import Coding, features, pattern_match, target_from_paths
from sim.calibration.joint import JointSimulator, load_episodes

from sim.config import apply_overlay, compose_config
from sim.errors import ConfigError
from sim.settings import Settings
from sim.validation.command import validate

BIN = Path(sys.executable).with_name("escalation")
TINY = [
    "+calibration=joint",
    "calibration.population=40",
    "calibration.generations=2",
    "calibration.max_moves=2",
    "calibration.batch=1000",
    "calibration.fit_draws=300",
]


@pytest.fixture(scope="module")
def episodes():
    return load_episodes(["iran_pakistan_2024", "us_iran_2020"], "crisis_mechanisms")


def test_features_read_timing_type_peak_and_conciliation(episodes) -> None:
    c = episodes[0].target.coding
    lad = Settings.from_config(
        compose_config("crisis_mechanisms", ["simulation.replicates=1"])
    ).ladder
    r = {n: lad.index[n] for n in ("none", "threaten", "strike_militants", "strike_state")}
    r["de_escalate"] = lad.index["de_escalate"]
    v = ["strike_state", "none", "threaten", "strike_militants", "strike_state", "de_escalate"]
    a = ["none", "none", "none", "none", "strike_state", "none"]
    paths = np.array([[r[x] for x in v], [r[x] for x in a]])[:, :, None]
    f = {k: int(x[0]) for k, x in features(paths, c).items()}
    # Day 0 (the forced trigger) is left out: the victim's first force is day 3, on bases.
    assert f["first_force_victim"] == 3 and f["answer_victim"] == 1
    assert f["first_force_adversary"] == 4 and f["answer_adversary"] == 2
    assert f["peak"] == c.position[r["strike_state"]] and f["force_days"] == 2
    assert f["first_conciliatory"] == 5
    quiet = np.full((2, 6, 1), r["none"])
    g = features(quiet, c)
    assert g["first_force_victim"][0] == 6 and g["answer_victim"][0] == 0  # censored at D


def test_observed_patterns_come_from_the_seeds(episodes) -> None:
    ip = {e.name: e for e in episodes}["iran_pakistan_2024"].target
    # Pakistan's strike on the bases on day 2, Iran no force after the trigger within the
    # 30-day horizon, and a conciliatory act (Iran's foreign minister's call) on day 1.
    assert ip.observed["first_force_adversary"] == 2 and ip.observed["answer_adversary"] == 1
    assert ip.days == 31 and ip.observed["first_force_victim"] == 31
    assert ip.observed["first_conciliatory"] == 1
    ui = {e.name: e for e in episodes}["us_iran_2020"].target
    assert ui.observed["answer_adversary"] == 2  # Iran's missiles on the bases hosting US forces
    assert ui.window == 3 and ui.sourced.any() and not ui.sourced[0]
    m = pattern_match({k: np.array([v]) for k, v in ip.observed.items()}, ip)
    assert m["all"][0]


def test_early_rejection_simulates_less_and_changes_no_accepted_distance(episodes) -> None:
    keys = ["by_role.victim.prep_days", "by_role.adversary.prep_days"]
    rng = np.random.default_rng(0)
    th = np.column_stack([rng.integers(0, 10, 400), rng.integers(0, 10, 400)]).astype(float)
    full = JointSimulator(episodes, keys, 1)
    d = full(th, 5)
    # Half the particles are already past the tolerance after the first (shortest) episode.
    tol = float(np.quantile(JointSimulator(episodes[:1], keys, 1)(th, 5), 0.5))
    early = JointSimulator(episodes, keys, 1)
    e = early(th, 5, tol)
    ok = d <= tol
    assert np.array_equal(d[ok], e[ok]) and (e[~ok] > tol).all()
    assert early.simulated < full.simulated


def test_joint_calibration_writes_a_role_keyed_posterior(tmp_path: Path) -> None:
    cfg = compose_config(
        "crisis_mechanisms", [*TINY, "calibration.episodes=[iran_pakistan_2024,us_iran_2020]"]
    )
    out = run_calibration(cfg, tmp_path / "j", progress=False)
    for name in ("posterior.parquet", "calibration.json", "calibrated.yaml", "calibration.html"):
        assert (out / name).is_file(), name
    s = json.loads((out / "calibration.json").read_text())
    assert s["joint"] and s["particles"] == 40
    assert set(s["checks"]) == {"iran_pakistan_2024", "us_iran_2020"}
    p = s["parameters"]["by_role.victim.prep_days"]
    assert p["ci90"][0] <= p["ci50"][0] <= p["median"] <= p["ci50"][1] <= p["ci90"][1]
    assert p["flag"] and p["sd_ratio"] > 0
    post = pd.read_parquet(out / "posterior.parquet")
    assert all(c.startswith("by_role.") for c in post.columns if c not in ("weight", "distance"))
    # The posterior runs on an episode it was not fitted to, and so does the overlay.
    Settings.from_config(
        compose_config("crisis_mechanisms", ["episode=india_pakistan_2016", f"posterior={out}"])
    )
    cal = apply_overlay(
        compose_config("baseline", ["episode=iran_israel_2024_04"]), out / "calibrated.yaml"
    )
    assert Settings.from_config(cal).mechanisms["answer_by_blame"] == 1
    again = run_calibration(cfg, tmp_path / "k", progress=False)
    assert pd.read_parquet(again / "posterior.parquet").equals(post)  # same seed, same fit


def test_validate_leaves_one_out(episodes, tmp_path: Path) -> None:
    cfg = compose_config("crisis_mechanisms", TINY)
    calib = dict(cfg.calibration)
    calib["priors"] = dict(calib["priors"])
    calib["validation"] = {"draws": 500, "folds": ["us_iran_2020"], "seeds": 2}
    s = validate(calib, episodes, tmp_path / "v", progress=False)
    (fold,) = s["folds"]
    assert fold["episode"] == "us_iran_2020" and fold["trained_on"] == ["iran_pakistan_2024"]
    for k in ("p_pattern_posterior", "p_pattern_prior", "p_pattern_null"):
        assert 0.0 <= fold[k] <= 1.0
    forecasters = {"posterior", "prior", "null", "base_rates", "analog", "markov", "persistence"}
    assert set(fold["scores"]) == set(fold["mc_error"]) == forecasters
    assert fold["scores"]["posterior"]["pattern"]["log"] >= np.log(1e-3)
    assert len(fold["fits"]) == 2 and fold["mc_error"]["base_rates"]["pattern"]["log"] == 0.0
    assert s["horizon_days"] == 30 and set(s["summary"]["mean_pattern_log_score"]) == forecasters
    doc = json.loads((tmp_path / "v" / "validation.json").read_text())
    assert doc["folds"][0]["p_pattern_posterior"] == fold["p_pattern_posterior"]
    assert (tmp_path / "v" / "validation.html").is_file()
    with pytest.raises(ConfigError, match="folds"):
        validate({**calib, "validation": {"folds": ["nope"]}}, episodes, tmp_path / "w")


def test_cli_validate_refuses_bad_input(tmp_path: Path) -> None:
    p = subprocess.run(
        [str(BIN), "validate", "episodes=[iran_pakistan_2024,nope]", f"out={tmp_path}/v"],
        capture_output=True,
        text=True,
        cwd=tmp_path,
    )
    assert p.returncode == 2 and "calibration.episodes" in p.stderr
    assert len(p.stderr.strip().splitlines()) == 1 and not (tmp_path / "v").exists()
    p = subprocess.run(
        [str(BIN), "validate", "hydra.searchpath=[file:///tmp]", f"out={tmp_path}/v"],
        capture_output=True,
        text=True,
        cwd=tmp_path,
    )
    assert p.returncode == 2 and "hydra.searchpath" in p.stderr and not (tmp_path / "v").exists()


def test_cli_validate_keeps_to_the_folder_rules(tmp_path: Path) -> None:
    """One writer, a marker with the config's digest, nothing else overwritten unasked."""
    from sim.folders import lock, read_status

    out = tmp_path / "v"
    out.mkdir()
    (out / "notes.txt").write_text("mine")
    args = [
        str(BIN),
        "validate",
        *(o.removeprefix("calibration.") for o in TINY[1:]),
        "episodes=[iran_pakistan_2024,us_iran_2020]",
        "folds=[us_iran_2020]",
        "draws=200",
        "simulation.workers=1",
        f"out={out}",
    ]

    def validate_cli(*extra: str) -> subprocess.CompletedProcess[str]:
        return subprocess.run(
            [*args, *extra], capture_output=True, text=True, cwd=tmp_path, timeout=600
        )

    p = validate_cli()
    assert p.returncode == 2 and "--overwrite" in p.stderr, p.stderr
    assert len(p.stderr.strip().splitlines()) == 1
    assert sorted(x.name for x in out.iterdir()) == ["notes.txt"]
    # A bad setting is refused before --overwrite clears anything.
    p = validate_cli("--overwrite", "quantile=1.5")
    assert p.returncode == 2 and "calibration.quantile" in p.stderr, p.stderr
    assert sorted(x.name for x in out.iterdir()) == ["notes.txt"]
    # --overwrite clears only a folder escalation wrote (its marker): not one of notes.
    p = validate_cli("--overwrite")
    assert p.returncode == 2 and "escalation did not write this folder" in p.stderr, p.stderr
    assert sorted(x.name for x in out.iterdir()) == ["notes.txt"]
    (out / ".escalation.json").write_text('{"tool": "escalation"}')  # a folder of ours
    p = validate_cli("--overwrite")
    assert p.returncode == 0, p.stderr
    assert not (out / "notes.txt").exists() and (out / "validation.html").is_file()
    status = read_status(out)
    assert status["status"] == "complete" and len(status["config_sha256"]) == 64
    written = (out / "validation.json").stat().st_mtime_ns
    p = validate_cli()  # the same config again: the complete folder is kept
    assert p.returncode == 0 and "kept" in p.stdout
    assert (out / "validation.json").stat().st_mtime_ns == written
    with lock(out, "validation folder"):  # another writer holds it
        p = validate_cli("--overwrite")
    assert p.returncode == 2 and "another escalation process" in p.stderr
    assert read_status(out) == status


def test_synthetic_targets_match_their_own_paths(episodes) -> None:
    ep = episodes[1]
    coding = Coding(*vars(ep.target.coding).values())
    t = target_from_paths(ep.name, ep.target.rungs, ep.target.sourced, coding)
    from_paths = {k: int(v[0]) for k, v in features(ep.target.rungs[:, :, None], coding).items()}
    assert t.observed == from_paths
    # The observed episode's own features read every act: a conciliatory act on a day of
    # force counts, which the daily path (its most escalatory act) hides.
    assert ep.target.observed["first_conciliatory"] <= from_paths["first_conciliatory"]


@pytest.mark.parametrize(
    "episode",
    [
        "iran_pakistan_2024",
        "india_pakistan_2016",
        "india_pakistan_2025",
        "iran_israel_2024_04",
        "us_iran_2020",
    ],
)
def test_shipped_joint_fit_runs_on_every_episode(episode: str) -> None:
    """The shipped joint posterior (posterior=joint) and scenario=calibrated_joint."""
    s = Settings.from_config(
        compose_config(
            "crisis_mechanisms",
            [f"episode={episode}", "posterior=joint", "simulation.replicates=50"],
        )
    )
    assert np.unique(s.actors[s.episode.roles["victim"]].params["prep_days"]).size > 1
    c = Settings.from_config(
        compose_config("calibrated_joint", [f"episode={episode}", "simulation.replicates=5"])
    )
    assert c.mechanisms["answer_by_blame"] == 1


def test_joint_fit_is_the_same_whatever_the_workers(episodes) -> None:
    from sim.calibration.joint_fit import fit

    cfg = dict(compose_config("crisis_mechanisms", TINY).calibration)
    cfg["priors"] = dict(cfg["priors"])
    cfg["batch"] = 20  # several batches per step, spread over the workers
    a = fit(cfg, episodes, seed=3, workers=1).result.posterior
    b = fit(cfg, episodes, seed=3, workers=2).result.posterior
    assert np.array_equal(a.particles, b.particles) and np.array_equal(a.distances, b.distances)


def test_cli_validate_refuses_a_horizon_past_the_coding(tmp_path: Path) -> None:
    p = subprocess.run(
        [str(BIN), "validate", "horizon=60", f"out={tmp_path}/v"],
        capture_output=True,
        text=True,
        cwd=tmp_path,
    )
    assert p.returncode == 2 and "horizon" in p.stderr and "day 30" in p.stderr, p.stderr
    assert len(p.stderr.strip().splitlines()) == 1 and not (tmp_path / "v").exists()

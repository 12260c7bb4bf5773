"""Simulation-based calibration of the joint sampler on a toy problem, and a broken sampler.

y_k ~ N(theta, 1), k = 1..4, theta ~ U(0, 10), fitted on the mean of the four draws. The
sampler of the joint fit (ABC-SMC with MCMC moves) must cover the truth at close to the
nominal rate; a broken one (no MCMC moves: populations only resampled, so they collapse onto
a few particles) must fail the same bounds. The engine-scale check is
benchmarks/bench_sbc.py (the shipped problem).
"""

from __future__ import annotations

import numpy as np
import pytest
from sim.calibration.coverage import coverage, pit, run_sbc
from sim.calibration.priors import Marginal, Prior
from sim.calibration.replenish import Schedule, replenish_smc

PRIOR = Prior((Marginal("theta", "uniform", 0.0, 10.0),))


def calibrator(schedule: Schedule):
    def calibrate(truth: np.ndarray, rep: int) -> tuple[np.ndarray, np.ndarray]:
        y = truth[0] + np.random.default_rng(10_000 + rep).standard_normal(4).mean()

        def simulate(x: np.ndarray, call: int) -> np.ndarray:
            noise = np.random.default_rng([rep, call]).standard_normal((x.shape[0], 4))
            return np.abs(x[:, 0] + noise.mean(axis=1) - y)

        post = replenish_smc(PRIOR, simulate, np.random.default_rng(rep), schedule).posterior
        return post.particles, post.weights

    return calibrate


def test_the_sampler_covers_the_truth_at_the_nominal_rate() -> None:
    s = run_sbc(PRIOR, calibrator(Schedule(population=300, generations=8)), 60, seed=1)
    assert 0.80 <= s["90%"] <= 0.97, s["90%"]
    assert 0.35 <= s["50%"] <= 0.65, s["50%"]


def test_a_broken_sampler_fails_the_check() -> None:
    broken = Schedule(population=300, generations=8, max_moves=0, min_acceptance=0.0)
    s = run_sbc(PRIOR, calibrator(broken), 60, seed=1)
    assert not 0.80 <= s["90%"] <= 0.97, s["90%"]


def test_pit_splits_ties_and_reads_intervals() -> None:
    rng = np.random.default_rng(0)
    parts = np.array([[1.0], [2.0], [2.0], [3.0]])
    w = np.full(4, 0.25)
    u = pit(parts, w, np.array([2.0]), rng)
    assert 0.25 <= u[0] <= 0.75
    c = coverage(np.array([[0.5], [0.01], [0.2], [0.9]]), ["a"])
    assert c["50%"] == pytest.approx(0.25) and c["90%"] == pytest.approx(0.75)

"""The ABC-SMC sampler against a problem with a known analytic posterior."""

from __future__ import annotations

import itertools

import numpy as np
from sim.calibration.abc_smc import abc_smc
from sim.calibration.priors import Marginal, Prior

Y_OBS = 2.0


def test_gaussian_mean_with_normal_prior() -> None:
    """y ~ N(theta, 1), theta ~ N(0, 1), one observation y = 2: posterior N(1, 1/2).

    A sampler that drops the prior density from the weights lands near N(2, 1) (the
    likelihood), and one without weights at all near the last proposal mixture; both fail
    the tolerances below.
    """
    prior = Prior((Marginal("theta", "normal", -10.0, 10.0, mean=0.0, sd=1.0),))

    def simulate(theta: np.ndarray, call: int) -> np.ndarray:
        rng = np.random.default_rng(1000 + call)
        y = theta[:, 0] + rng.standard_normal(theta.shape[0])
        return np.abs(y - Y_OBS)

    res = abc_smc(
        prior,
        simulate,
        population=4000,
        generations=8,
        rng=np.random.default_rng(3),
        batch=20_000,
        quantile=0.5,
    )
    post = res.posterior
    assert post.tolerance < 0.1
    mean = float(post.weights @ post.particles[:, 0])
    sd = float(np.sqrt(post.weights @ (post.particles[:, 0] - mean) ** 2))
    assert abs(mean - 1.0) < 0.06, mean
    assert abs(sd - np.sqrt(0.5)) < 0.06, sd
    assert all(g.ess > 500 for g in res.generations)
    # Tolerances decrease.
    tol = [g.tolerance for g in res.generations]
    assert all(b <= a for a, b in itertools.pairwise(tol))


def test_seeded_and_reproducible() -> None:
    prior = Prior((Marginal("a", "uniform", 0.0, 1.0), Marginal("k", "int_uniform", 1, 5)))

    def simulate(x: np.ndarray, call: int) -> np.ndarray:
        return np.abs(x[:, 0] - 0.3) + np.abs(x[:, 1] - 2) / 10

    a = abc_smc(prior, simulate, 500, 4, np.random.default_rng(9), batch=2000)
    b = abc_smc(prior, simulate, 500, 4, np.random.default_rng(9), batch=2000)
    assert np.array_equal(a.posterior.particles, b.posterior.particles)
    assert set(np.unique(a.posterior.particles[:, 1])) <= {1.0, 2.0, 3.0, 4.0, 5.0}


class ForgetfulPrior(Prior):
    """A broken prior whose density ignores its shape (a classic weighting bug)."""

    def log_density(self, x: np.ndarray) -> np.ndarray:
        return np.where(self.inside(x), 0.0, -np.inf)


def test_a_wrong_sampler_fails_the_same_tolerance() -> None:
    prior = ForgetfulPrior((Marginal("theta", "normal", -10.0, 10.0, mean=0.0, sd=1.0),))

    def simulate(theta: np.ndarray, call: int) -> np.ndarray:
        rng = np.random.default_rng(1000 + call)
        return np.abs(theta[:, 0] + rng.standard_normal(theta.shape[0]) - Y_OBS)

    post = abc_smc(prior, simulate, 4000, 8, np.random.default_rng(3), batch=20_000).posterior
    mean = float(post.weights @ post.particles[:, 0])
    assert abs(mean - 1.0) >= 0.06, "the toy test would not catch this bug"

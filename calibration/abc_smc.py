"""ABC-SMC: approximate Bayesian computation by sequential Monte Carlo.

Populations of parameter particles move through decreasing tolerances (Toni et al. 2009;
Beaumont et al. 2009; Del Moral et al. 2012 for the adaptive schedule):

- generation 0 samples the prior;
- generation t proposes particles by resampling generation t-1 by weight and perturbing with
  a Gaussian kernel whose covariance is twice the weighted covariance of the previous
  population (Beaumont et al. 2009), keeps proposals whose simulated data lie within the
  tolerance, and weights them by prior density over the kernel mixture density;
- the tolerance of generation t is a quantile of the previous generation's distances.

Every batch of proposals is simulated in **one vectorised call**: the simulator receives an
array of parameter vectors (one per row) and returns one distance per row. Randomness comes
only from a seeded ``numpy.random.Generator``; the simulator gets the batch number so it can
key its own random numbers.
"""

from __future__ import annotations

import math
import time
from collections.abc import Callable
from dataclasses import dataclass, field

import numpy as np
from sim.calibration.priors import Prior

Simulator = Callable[[np.ndarray, int], np.ndarray]


@dataclass
class Generation:
    """One population of the sampler.

    Attributes:
        particles: (N, D) accepted parameter vectors.
        weights: (N,) normalised importance weights.
        distances: (N,) distances of the accepted particles.
        tolerance: The generation's tolerance.
        simulated: Number of simulations the generation needed.
        acceptance_rate: Accepted over simulated.
        ess: Effective sample size, 1 / sum(w^2).
        seconds: Wall time.
    """

    particles: np.ndarray
    weights: np.ndarray
    distances: np.ndarray
    tolerance: float
    simulated: int
    acceptance_rate: float
    ess: float
    seconds: float


@dataclass
class Result:
    """The sampler's output: every generation, the last being the posterior."""

    generations: list[Generation] = field(default_factory=list)

    @property
    def posterior(self) -> Generation:
        """The last generation."""
        return self.generations[-1]

    @property
    def simulated(self) -> int:
        """Simulations over all generations."""
        return sum(g.simulated for g in self.generations)


def weighted_cov(x: np.ndarray, w: np.ndarray) -> np.ndarray:
    """Weighted covariance of the rows of ``x`` (weights sum to one)."""
    mean = w @ x
    d = x - mean
    cov = (d * w[:, None]).T @ d
    return np.atleast_2d(cov / max(1.0 - float(w @ w), 1e-12))


def abc_smc(
    prior: Prior,
    simulate: Simulator,
    population: int,
    generations: int,
    rng: np.random.Generator,
    batch: int = 20_000,
    quantile: float = 0.5,
    min_tolerance: float = 0.0,
    max_simulations: int = 10_000_000,
    progress: Callable[[int, Generation], None] | None = None,
) -> Result:
    """Run ABC-SMC.

    Args:
        prior: The prior (sampling, log density, support).
        simulate: ``simulate(thetas, batch_number) -> distances``, vectorised over rows.
        population: Particles per generation.
        generations: Maximum number of generations.
        rng: The only source of randomness.
        batch: Proposals simulated per call.
        quantile: Quantile of the previous distances that sets the next tolerance.
        min_tolerance: Stop once the tolerance reaches it.
        max_simulations: Budget over all generations.
        progress: Called after each generation.

    Returns:
        Every generation; the last is the posterior sample.
    """
    result = Result()
    calls = 0
    tolerance = math.inf
    prev: Generation | None = None
    for t in range(generations):
        start = time.perf_counter()
        if prev is not None:
            proposed = float(np.quantile(prev.distances, quantile))
            if proposed >= prev.tolerance:
                # Discrete distances can stall a quantile schedule: step to the next value.
                below = prev.distances[prev.distances < prev.tolerance]
                if below.size == 0:
                    break
                proposed = float(below.max())
            tolerance = max(proposed, min_tolerance)
            cov = 2.0 * weighted_cov(prev.particles, prev.weights)
            chol = np.linalg.cholesky(cov + 1e-12 * np.eye(cov.shape[0]))
            inv = np.linalg.inv(cov + 1e-12 * np.eye(cov.shape[0]))
        kept_x: list[np.ndarray] = []
        kept_d: list[np.ndarray] = []
        n_kept = simulated = 0
        while n_kept < population:
            if simulated + (sum(g.simulated for g in result.generations)) >= max_simulations:
                break
            if prev is None:
                x = prior.sample(batch, rng)
            else:
                idx = rng.choice(len(prev.weights), size=batch, p=prev.weights)
                x = prev.particles[idx] + rng.standard_normal((batch, prior.dim)) @ chol.T
                x = prior.snap(x)
                inside = prior.inside(x)
                x = x[inside]
                if x.shape[0] == 0:
                    continue
            d = simulate(x, calls)
            calls += 1
            simulated += x.shape[0]
            ok = d <= tolerance
            kept_x.append(x[ok])
            kept_d.append(d[ok])
            n_kept += int(ok.sum())
        if n_kept == 0:
            break
        xs = np.concatenate(kept_x)[:population]
        ds = np.concatenate(kept_d)[:population]
        if prev is None:
            w = np.ones(xs.shape[0])
            tolerance = float(ds.max()) if math.isinf(tolerance) else tolerance
        else:
            # w_i = prior(x_i) / sum_j w_j K(x_i | x_j): the kernel's normalising constant cancels.
            # (x-y)' A (x-y) = x'Ax + y'Ay - 2 x'Ay, without an N x N x D temporary.
            ax, ay = xs @ inv, prev.particles @ inv
            quad = (
                np.einsum("ij,ij->i", ax, xs)[:, None]
                + np.einsum("ij,ij->i", ay, prev.particles)[None, :]
                - 2.0 * ax @ prev.particles.T
            )
            mix = np.exp(-0.5 * np.maximum(quad, 0.0)) @ prev.weights
            w = np.exp(prior.log_density(xs)) / np.maximum(mix, 1e-300)
        w = w / w.sum()
        gen = Generation(
            particles=xs,
            weights=w,
            distances=ds,
            tolerance=tolerance,
            simulated=simulated,
            acceptance_rate=n_kept / max(simulated, 1),
            ess=float(1.0 / (w @ w)),
            seconds=time.perf_counter() - start,
        )
        result.generations.append(gen)
        if progress:
            progress(t, gen)
        prev = gen
        if tolerance <= min_tolerance or n_kept < population:
            break
    return result

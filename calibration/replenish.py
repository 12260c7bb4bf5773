"""ABC-SMC with MCMC moves (Drovandi & Pettitt 2011), for fits in many dimensions.

The importance-weighted sampler of :mod:`sim.calibration.abc_smc` weights each particle by
its prior density over a kernel density estimate of the last population. In twenty
dimensions that estimate, from a thousand particles, is so noisy that the weights
degenerate (an effective sample size of a few particles; measured in docs/validation.md),
and a kernel wide enough to smooth it throws nearly every proposal outside the support. This
sampler needs no weights: every population is an equally weighted sample of the prior
restricted to ``distance <= tolerance``.

- Generation 0 draws ``population`` particles from the prior and simulates them.
- Each later generation sets the tolerance to the distance of the ``keep``-quantile
  particle, drops the particles above it, and replenishes them by resampling the kept ones
  uniformly. Each replenished particle then takes ``R`` Metropolis-Hastings steps that leave
  the restricted prior invariant: a Gaussian random-walk proposal (covariance
  ``2.38^2 / D`` times the kept particles', the optimal scaling for D dimensions), accepted
  with probability ``min(1, prior(z') / prior(z))`` and only if its simulated distance is
  within the tolerance. The prior test comes first, so a proposal it rejects is never
  simulated; a simulator with ``early_reject`` stops a proposal as soon as its partial
  distance passes the tolerance.
- ``R`` is chosen so that a particle moves at least once with probability 0.99 at the last
  generation's acceptance rate, ``R = ceil(log 0.01 / log(1 - p))``, capped at ``max_moves``.
- The fit stops when the acceptance rate falls below ``min_acceptance`` (the tolerance
  cannot usefully shrink further), at ``min_tolerance``, or when the time or simulation
  budget is spent; the last complete population is the posterior.

The sampler runs in logit coordinates (:mod:`sim.calibration.transform`), so no proposal is
outside the support. All random numbers are drawn here, in a fixed order, from the run's
generator; the moves of a step are simulated in batches (one vectorised model call per
episode per batch) on ``workers`` processes and taken in order, so the posterior does not
depend on the number of workers.
"""

from __future__ import annotations

import math
import time
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import numpy as np
from sim.calibration.abc_smc import Generation, Result, weighted_cov
from sim.calibration.priors import Prior
from sim.calibration.transform import InX, LogitPrior

from sim import parallel


@dataclass(frozen=True)
class Schedule:
    """Settings of the sampler.

    Attributes:
        population: Particles per generation.
        generations: At most this many generations after generation 0.
        keep: Fraction of particles kept at each generation (the rest are replenished).
        batch: Particles per simulator call.
        min_acceptance: Stop once the move acceptance rate falls below it.
        min_tolerance: Stop once the tolerance reaches it.
        max_moves: At most this many MCMC steps per generation.
        max_simulations: Budget of simulated particles (whole runs over every episode count
            as one each, early-stopped ones too).
        seconds: No new generation starts after this many seconds.
    """

    population: int = 1000
    generations: int = 30
    keep: float = 0.5
    batch: int = 5000
    min_acceptance: float = 0.02
    min_tolerance: float = 0.0
    max_moves: int = 40
    max_simulations: int = 10_000_000
    seconds: float = math.inf


def simulate_rows(job: tuple[Any, np.ndarray, int, float]) -> np.ndarray:
    """One batch: distances of ``x`` (a worker job)."""
    simulate, x, call, tolerance = job
    if x.shape[0] == 0:
        return np.zeros(0)
    if getattr(simulate, "early_reject", False):
        return np.asarray(simulate(x, call, tolerance))
    return np.asarray(simulate(x, call))


def _simulate(
    simulate: Any, z: np.ndarray, first_call: int, tolerance: float, s: Schedule, workers: int
) -> np.ndarray:
    jobs = (
        (simulate, z[lo : lo + s.batch], first_call + b, tolerance)
        for b, lo in enumerate(range(0, z.shape[0], s.batch))
    )
    parts = list(parallel.ordered(simulate_rows, jobs, workers))
    return np.concatenate(parts) if parts else np.zeros(0)


def replenish_smc(
    prior: Prior,
    simulate: Callable[..., np.ndarray],
    rng: np.random.Generator,
    schedule: Schedule,
    progress: Callable[[int, Generation], None] | None = None,
    workers: int = 1,
) -> Result:
    """Run the sampler (module docstring).

    Args:
        prior: The prior, in the parameters' own coordinates.
        simulate: ``simulate(thetas, call[, tolerance]) -> distances`` over rows; with
            several workers it must pickle.
        rng: The only source of randomness.
        schedule: Population, stopping rules and budgets.
        progress: Called after each generation.
        workers: Processes that simulate batches (results do not depend on it).

    Returns:
        Every generation, in the parameters' own coordinates; the last is the posterior.
    """
    s = schedule
    lp = LogitPrior.of(prior)
    sim = InX(simulate, lp)
    start = time.perf_counter()
    result = Result()
    n, dim = s.population, prior.dim
    z = lp.sample(n, rng)
    d = _simulate(sim, z, 10**7, math.inf, s, workers)
    simulated = n
    result.generations.append(_generation(lp, z, d, float(d.max()), n, 1.0, start))
    if progress:
        progress(0, result.generations[-1])
    rate = 1.0
    n_keep = max(2, round(s.keep * n))
    for t in range(1, s.generations + 1):
        t_start = time.perf_counter()
        if t_start - start > s.seconds or simulated >= s.max_simulations:
            break
        order = np.argsort(d, kind="stable")
        tolerance = float(d[order[n_keep - 1]])
        if tolerance <= s.min_tolerance:
            break
        # Particles tied at the tolerance stay: the target is distance <= tolerance.
        kept = np.flatnonzero(d <= tolerance)
        moved = np.setdiff1d(np.arange(n), kept)
        if moved.size == 0:
            break
        pick = kept[rng.integers(0, kept.size, moved.size)]
        z[moved], d[moved] = z[pick], d[pick]
        cov = (2.38**2 / dim) * weighted_cov(z[kept], np.full(kept.size, 1.0 / kept.size))
        chol = np.linalg.cholesky(cov + 1e-9 * np.eye(dim))
        moves = s.max_moves
        if rate > 0:
            need = math.ceil(math.log(0.01) / math.log(max(1 - rate, 1e-9)))
            moves = min(s.max_moves, max(1, need))
        accepted = tried = 0
        before = simulated
        for r in range(moves):
            cur = z[moved]
            prop = cur + rng.standard_normal(cur.shape) @ chol.T
            log_u = np.log(rng.random(moved.size))
            ok = log_u < lp.log_density(prop) - lp.log_density(cur)
            rows = moved[ok]
            call = (t * 1000 + r + 1) * 10**4
            dist = _simulate(sim, prop[ok], call, tolerance, s, workers)
            simulated += int(rows.size)
            hit = dist <= tolerance
            z[rows[hit]], d[rows[hit]] = prop[ok][hit], dist[hit]
            accepted += int(hit.sum())
            tried += int(moved.size)
            if simulated >= s.max_simulations:
                break
        rate = accepted / max(tried, 1)
        gen = _generation(lp, z, d, tolerance, simulated - before, rate, t_start)
        result.generations.append(gen)
        if progress:
            progress(t, gen)
        if rate < s.min_acceptance:
            break
    return result


def _generation(
    lp: LogitPrior, z: np.ndarray, d: np.ndarray, tol: float, sims: int, rate: float, t0: float
) -> Generation:
    """A population in the parameters' own coordinates; ``ess`` counts distinct particles."""
    n = z.shape[0]
    distinct = np.unique(z, axis=0).shape[0]
    return Generation(
        particles=lp.to_x(z),
        weights=np.full(n, 1.0 / n),
        distances=d.copy(),
        tolerance=tol,
        simulated=sims,
        acceptance_rate=rate,
        ess=float(distinct),
        seconds=time.perf_counter() - t0,
    )

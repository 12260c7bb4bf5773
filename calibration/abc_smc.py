"""ABC-SMC: approximate Bayesian computation by sequential Monte Carlo.

Populations of parameter particles move through decreasing tolerances (Toni et al. 2009;
Beaumont et al. 2009; Del Moral et al. 2012 for the adaptive schedule):

- generation 0 samples the prior;
- generation t proposes particles by resampling generation t-1 by weight and perturbing with
  a Gaussian kernel whose covariance is twice the weighted covariance of the previous
  population (Beaumont et al. 2009), keeps proposals whose simulated data lie within the
  tolerance, and weights them by prior density over the kernel mixture density;
- the tolerance of generation t is a quantile of the previous generation's distances.

Hand-written rather than pyABC's sampler on purpose: pyABC calls the model once per particle,
and this engine simulates a whole batch of particles (one replicate each) in one vectorised
model run, which is what makes a calibration take minutes.

Every batch of proposals is simulated in **one vectorised call**: the simulator receives an
array of parameter vectors (one per row) and returns one distance per row. A batch holds
``batch`` proposals inside the prior's support (proposals outside it are drawn again, not
simulated).

Batches are independent jobs, run on ``workers`` processes (:func:`sim.parallel.ordered`):
each draws its proposals from its own generator, seeded by (the run's seed, generation,
batch), and the simulator gets a batch number that is unique over the run, so it can key
its own random numbers. Results are taken in batch order until the population is full, so
the posterior is the same, bit for bit, whatever the number of workers.
"""

from __future__ import annotations

import math
import time
from collections.abc import Callable
from dataclasses import dataclass, field

import numpy as np
from sim.calibration.priors import Prior

from sim import parallel

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

    def schedule(self) -> list[dict[str, float]]:
        """Each generation's tolerance, acceptance rate, ESS, simulations and seconds."""
        keys = ("tolerance", "acceptance_rate", "ess", "simulated", "seconds")
        return [{k: getattr(g, k) for k in keys} for g in self.generations]

    @property
    def simulated(self) -> int:
        """Simulations over all generations."""
        return sum(g.simulated for g in self.generations)


def weighted_cov(x: np.ndarray, w: np.ndarray) -> np.ndarray:
    """Weighted covariance of the rows of ``x`` (weights sum to one): numpy's, reliability weights.

    ``np.cov(aweights=w)`` divides by ``1 - sum(w^2)``; a population whose weight sits on one
    particle has no spread to measure (zeros, as the kernel then only jitters by its floor).
    """
    if float(w @ w) >= 1.0 - 1e-12:
        return np.zeros((x.shape[1], x.shape[1]))
    return np.atleast_2d(np.cov(x, rowvar=False, aweights=w))


#: Rounds of proposals a batch draws at most to fill itself with ones inside the support.
MAX_PROPOSAL_ROUNDS = 1000


@dataclass
class Proposal:
    """How a generation proposes: from the prior (``particles`` None) or by a kernel.

    Attributes:
        prior: The prior.
        batch: Proposals per batch, inside the support.
        particles: (N, D) previous population, or None for generation 0.
        weights: (N,) its normalised weights.
        chol: Lower Cholesky factor ``L`` of the perturbation kernel's covariance.
    """

    prior: Prior
    batch: int
    particles: np.ndarray | None = None
    weights: np.ndarray | None = None
    chol: np.ndarray | None = None

    def draw(self, rng: np.random.Generator) -> np.ndarray:
        """One batch of proposals inside the prior's support, shape (<= batch, D).

        A proposal is a particle drawn by weight plus ``L z``, ``z`` standard normal, with
        integer parameters rounded. ``L`` is lower triangular, so coordinate j depends on
        ``z_0..z_j`` only: coordinates are made one at a time and a proposal is dropped as
        soon as one falls outside the support, which saves most of the draws when few
        proposals land inside (the same distribution as drawing whole vectors and
        rejecting). Sums run in a fixed order without BLAS, so every process gets the same
        bits.
        """
        if self.particles is None:
            return self.prior.sample(self.batch, rng)
        assert self.weights is not None and self.chol is not None
        marginals = self.prior.marginals
        cdf = np.cumsum(self.weights)
        cdf /= cdf[-1]
        last = len(cdf) - 1
        columns = self.particles.T.copy()  # one contiguous row per parameter
        parts: list[np.ndarray] = []
        have = 0
        for _ in range(MAX_PROPOSAL_ROUNDS):
            idx = np.minimum(np.searchsorted(cdf, rng.random(self.batch), side="right"), last)
            zs: list[np.ndarray] = []
            xs: list[np.ndarray] = []
            for j, m in enumerate(marginals):
                zj: np.ndarray = np.asarray(rng.standard_normal(idx.shape[0]))
                v: np.ndarray = columns[j][idx] + self.chol[j, j] * zj
                for k in range(j):
                    v += self.chol[j, k] * zs[k]
                if m.dist == "int_uniform":
                    v = np.round(v).astype(np.float64)
                ok = (v >= m.low) & (v <= m.high)
                if not ok.all():
                    idx, zj, v = idx[ok], zj[ok], v[ok]
                    zs = [z[ok] for z in zs]
                    xs = [x[ok] for x in xs]
                zs.append(zj)
                xs.append(v)
            parts.append(np.column_stack(xs))
            have += idx.shape[0]
            if have >= self.batch:
                break
        return np.concatenate(parts)[: self.batch]


def run_batch(
    job: tuple[Proposal, Simulator, tuple[int, int, int], int],
) -> tuple[np.ndarray, np.ndarray]:
    """Draw one batch of proposals and simulate it: (particles, distances).

    Args:
        job: The generation's proposal, the simulator, the batch's seed (the run's, the
            generation, the batch) and its batch number for the simulator.
    """
    proposal, simulate, seed, call = job
    x = proposal.draw(np.random.default_rng(list(seed)))
    if x.shape[0] == 0:
        return x, np.zeros(0)
    return x, simulate(x, call)


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
    workers: int = 1,
) -> Result:
    """Run ABC-SMC.

    Args:
        prior: The prior (sampling, log density, support).
        simulate: ``simulate(thetas, batch_number) -> distances``, vectorised over rows; with
            several workers it must pickle (a module-level function or such an object).
        population: Particles per generation.
        generations: Maximum number of generations.
        rng: The only source of randomness (it seeds every batch).
        batch: Proposals simulated per call.
        quantile: Quantile of the previous distances that sets the next tolerance.
        min_tolerance: Stop once the tolerance reaches it.
        max_simulations: Budget over all generations.
        progress: Called after each generation.
        workers: Processes that run batches (results do not depend on it).

    Returns:
        Every generation; the last is the posterior sample.
    """
    result = Result()
    tolerance = math.inf
    prev: Generation | None = None
    base_seed = int(rng.integers(2**63))
    for t in range(generations):
        start = time.perf_counter()
        proposal = Proposal(prior, batch)
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
            proposal = Proposal(prior, batch, prev.particles, prev.weights, chol)
        kept_x: list[np.ndarray] = []
        kept_d: list[np.ndarray] = []
        n_kept = simulated = 0
        done_before = sum(g.simulated for g in result.generations)
        # Batch numbers unique over the run (the calibration's fit draws use 10**6 + k).
        jobs = ((proposal, simulate, (base_seed, t, b), (t + 1) * 10**7 + b) for b in range(10**7))
        # Batches the generation is expected to need: from the last acceptance rate, then
        # from this generation's own. It only decides which batches start early.
        rate = prev.acceptance_rate if prev is not None else 1.0
        need = parallel.Demand(math.ceil(population / max(rate * batch, 1e-9)))
        batches = parallel.ordered(run_batch, jobs, workers, demand=need)
        for x, d in batches:
            if simulated + done_before >= max_simulations:
                break
            simulated += x.shape[0]
            ok = d <= tolerance
            kept_x.append(x[ok])
            kept_d.append(d[ok])
            n_kept += int(ok.sum())
            if n_kept >= population:
                break
            rate = n_kept / simulated if n_kept else rate / 2
            need.count = min(math.ceil((population - n_kept) / max(rate * batch, 1e-9)), 10**6)
        batches.close()  # no more batches of this generation start
        if n_kept == 0:
            break
        xs = np.concatenate(kept_x)[:population]
        ds = np.concatenate(kept_d)[:population]
        if prev is None:
            w = np.ones(xs.shape[0])
            tolerance = float(ds.max()) if math.isinf(tolerance) else tolerance
        else:
            mix = kernel_mixture(xs, prev, inv, workers)
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


#: Rows of the proposals per job of :func:`kernel_mixture` (fixed: the sums do not depend
#: on the number of workers).
MIXTURE_BLOCK = 512


def kernel_mixture(
    xs: np.ndarray, prev: Generation, inv: np.ndarray, workers: int = 1
) -> np.ndarray:
    """``sum_j w_j exp(-(x_i - x_j)' A (x_i - x_j) / 2)`` for each row of ``xs``.

    The kernel's normalising constant cancels in the weights. Computed by blocks of rows,
    on ``workers`` processes: an N x N matrix of exponentials is the largest serial step of
    a generation otherwise.
    """
    jobs = (
        (xs[lo : lo + MIXTURE_BLOCK], prev.particles, prev.weights, inv)
        for lo in range(0, xs.shape[0], MIXTURE_BLOCK)
    )
    return np.concatenate(list(parallel.ordered(mixture_block, jobs, workers)))


def mixture_block(job: tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]) -> np.ndarray:
    """One block of :func:`kernel_mixture`: (x-y)' A (x-y) = x'Ax + y'Ay - 2 x'Ay."""
    x, ys, weights, inv = job
    ax, ay = x @ inv, ys @ inv
    quad = (
        np.einsum("ij,ij->i", ax, x)[:, None]
        + np.einsum("ij,ij->i", ay, ys)[None, :]
        - 2.0 * ax @ ys.T
    )
    return np.asarray(np.exp(-0.5 * np.maximum(quad, 0.0)) @ weights)

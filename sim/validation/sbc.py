"""Simulation-based calibration of the shipped joint fit: every parameter, every episode.

Each repetition draws every parameter of the joint prior, simulates every episode of the
library once with them over the fixed horizon (the synthetic observed episodes,
:func:`sim.calibration.coverage.synthetic_episodes`), fits that synthetic library with the
joint fit's settings and reads where the truth falls in the posterior (its PIT, ties split
at random). Over repetitions, for a sampler that is right, the PIT of each parameter is
uniform (Talts et al. 2018).

Pass criteria, fixed before the first run (docs/validation.md, "Calibration of the fit"):

- the 90% central intervals hold the truth in 86-94% of (repetition, parameter) pairs;
- no parameter's rank histogram (10 bins of the PIT) departs from uniform in a chi-square
  test at 1% after a Bonferroni correction over the parameters;
- the posterior is informative: the mean over parameters and repetitions of the posterior
  sd over the prior sd is at most :data:`MAX_SD_RATIO`. Coverage and rank histograms alone
  cannot fail a sampler that returns its prior (its PIT is uniform too); this criterion
  does, and :func:`prior_sampler` is run to show it.
"""

from __future__ import annotations

import time
from collections.abc import Sequence
from typing import Any

import numpy as np
from scipy import stats

from sim import parallel
from sim.calibration.coverage import coverage, pit, synthetic_episodes
from sim.calibration.joint import Episode, cast_keys
from sim.calibration.joint_fit import fit
from sim.calibration.priors import Prior, prior_from_config

COVERAGE_BAND = (0.86, 0.94)
MAX_SD_RATIO = 0.95
RANK_BINS = 10
ALPHA = 0.01


def repetition(job: tuple[dict[str, Any], list[Episode], np.ndarray, int, str]) -> dict[str, Any]:
    """One repetition: ``(cfg, episodes, truth, rep, sampler)`` -> PIT and sd ratios."""
    cfg, episodes, truth, rep, sampler = job
    prior = prior_from_config(cast_keys(dict(cfg["priors"]), episodes))
    rng = np.random.default_rng(90_000 + rep)
    start = time.perf_counter()
    if sampler == "prior":
        particles = prior.sample(int(cfg["population"]), rng)
        weights = np.full(particles.shape[0], 1.0 / particles.shape[0])
    else:
        synthetic = synthetic_episodes(episodes, prior.keys, truth, seed=50_000 + rep)
        post = fit(cfg, synthetic, seed=rep + 1).result.posterior
        particles, weights = post.particles, post.weights
    sd = np.sqrt(weights @ (particles - weights @ particles) ** 2)
    return {
        "pit": pit(particles, weights, truth, rng).tolist(),
        "sd_ratio": (sd / prior_sd(prior)).tolist(),
        "seconds": time.perf_counter() - start,
    }


def judge(u: np.ndarray, ratio: np.ndarray, keys: Sequence[str]) -> dict[str, Any]:
    """The three criteria (module docstring) on PITs and sd ratios, each (repetitions, D)."""
    dim = len(keys)
    cov = coverage(u, keys)
    counts = np.stack(
        [
            np.bincount(
                np.minimum((u[:, j] * RANK_BINS).astype(int), RANK_BINS - 1),
                minlength=RANK_BINS,
            )
            for j in range(dim)
        ]
    )
    pvals = [float(stats.chisquare(c).pvalue) for c in counts]
    threshold = ALPHA / dim
    mean_ratio = float(ratio.mean())
    criteria = {
        "coverage_90_in_band": COVERAGE_BAND[0] <= cov["90%"] <= COVERAGE_BAND[1],
        "rank_histograms_uniform": all(p >= threshold for p in pvals),
        "informative": mean_ratio <= MAX_SD_RATIO,
    }
    return {
        "repetitions": int(u.shape[0]),
        "parameters": list(keys),
        "coverage": dict(cov),
        "rank_histograms": {k: counts[j].tolist() for j, k in enumerate(keys)},
        "rank_p_values": dict(zip(keys, pvals, strict=True)),
        "rank_threshold": threshold,
        "sd_ratio_by_parameter": dict(zip(keys, ratio.mean(axis=0).tolist(), strict=True)),
        "mean_sd_ratio": mean_ratio,
        "criteria": criteria,
        "passes": all(criteria.values()),
    }


def prior_sd(prior: Prior) -> np.ndarray:
    """The prior's sd per parameter (integer uniforms as their discrete sd)."""
    return np.array([m.frozen.std() for m in prior.marginals])


def run(
    cfg: dict[str, Any],
    episodes: Sequence[Episode],
    repetitions: int,
    seed: int = 7,
    workers: int = 1,
    sampler: str = "joint",
    progress: Any = None,
) -> dict[str, Any]:
    """Run the check (module docstring) and judge it.

    Args:
        cfg: The joint calibration settings (priors, population...).
        episodes: The episodes.
        repetitions: Repetitions (at least 200 for the shipped figures).
        seed: Seed of the truths.
        workers: Local worker processes (repetitions are independent jobs).
        sampler: ``joint`` (the shipped sampler) or ``prior`` (returns the prior).
        progress: Called with (done, total) after each repetition.
    """
    prior = prior_from_config(cast_keys(dict(cfg["priors"]), list(episodes)))
    truths = prior.sample(repetitions, np.random.default_rng(seed))
    jobs = [(cfg, list(episodes), truths[r], r, sampler) for r in range(repetitions)]
    parallel.prepare(workers)
    done = []
    for r in parallel.ordered(repetition, jobs, workers):
        done.append(r)
        if progress is not None:
            progress(len(done), repetitions)
    u = np.array([r["pit"] for r in done])
    ratio = np.array([r["sd_ratio"] for r in done])
    return {
        "sampler": sampler,
        "population": int(cfg["population"]),
        "episodes": [e.name for e in episodes],
        **judge(u, ratio, prior.keys),
        "seconds_per_repetition": float(np.median([r["seconds"] for r in done])),
    }

"""Simulation-based calibration (Talts et al. 2018): does the fit recover what it should?

Draw parameters from the prior, simulate a synthetic data set with them, calibrate on it,
and record where the true value falls in its posterior (its posterior CDF, the PIT). Over
many repetitions the PIT is uniform for a sampler that is right, so a central credible
interval of level q holds the truth in a fraction q of the repetitions. :func:`pit` reads
the PIT of a weighted sample (randomised between the two sides of a tie, for integer
parameters); :func:`coverage` the coverage of the 50% and 90% intervals.

:func:`synthetic_episodes` makes the engine's synthetic data: each episode of a joint fit
simulated once with the true parameters, its paths read as the observed ones (the
well-sourced days kept), so the check runs the same features, distance and sampler as a
real fit (``benchmarks/bench_coverage.py``).
"""

from __future__ import annotations

import dataclasses
from collections.abc import Callable, Sequence
from typing import Any

import numpy as np
from sim.calibration.features import target_from_paths
from sim.calibration.joint import Episode, JointSimulator
from sim.calibration.priors import Prior

#: Central credible intervals whose coverage is read.
LEVELS = (0.5, 0.9)


def pit(
    particles: np.ndarray, weights: np.ndarray, truth: np.ndarray, rng: np.random.Generator
) -> np.ndarray:
    """Posterior CDF at the true value, per parameter (D,), ties split at random."""
    below = weights @ (particles < truth[None, :])
    at = weights @ (particles == truth[None, :])
    return np.asarray(below + rng.random(truth.shape[0]) * at)


def coverage(u: np.ndarray, keys: Sequence[str]) -> dict[str, Any]:
    """Coverage of the central intervals from PITs ``u`` (repetitions, D)."""
    out: dict[str, Any] = {"repetitions": int(u.shape[0])}
    for q in LEVELS:
        inside = (u >= (1 - q) / 2) & (u <= (1 + q) / 2)
        out[f"{q:.0%}"] = float(inside.mean())
        out[f"{q:.0%}_by_parameter"] = {k: float(inside[:, j].mean()) for j, k in enumerate(keys)}
    return out


def run_sbc(
    prior: Prior,
    calibrate: Callable[[np.ndarray, int], tuple[np.ndarray, np.ndarray]],
    repetitions: int,
    seed: int,
) -> dict[str, Any]:
    """Simulation-based calibration.

    Args:
        prior: The prior the truths are drawn from.
        calibrate: ``calibrate(truth, rep) -> (particles, weights)``: simulates the data of
            repetition ``rep`` from ``truth`` and fits it.
        repetitions: Repetitions.
        seed: Seed of the truths and the tie-breaking.

    Returns:
        :func:`coverage` of the PITs, with the PITs themselves (``pit``).
    """
    rng = np.random.default_rng(seed)
    truths = prior.sample(repetitions, rng)
    u = np.array(
        [pit(*calibrate(truths[r], r), truths[r], rng) for r in range(repetitions)]
    ).reshape(repetitions, prior.dim)
    return {**coverage(u, prior.keys), "pit": u.tolist()}


def synthetic_episodes(
    episodes: Sequence[Episode], keys: list[str], truth: np.ndarray, seed: int
) -> list[Episode]:
    """The episodes with observed paths simulated from ``truth`` (module docstring)."""
    sim = JointSimulator(list(episodes), keys, seed)
    out = []
    for e, ep in enumerate(episodes):
        model = sim.model(e, truth[None, :], 0)
        paths = sim.paths(e, model)[:, :, 0].copy()
        model.dispose()
        target = target_from_paths(ep.name, paths, ep.target.sourced, ep.target.coding)
        out.append(dataclasses.replace(ep, target=target))
    return out

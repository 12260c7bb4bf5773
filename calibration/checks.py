"""Checks of a fit: predictive probabilities of an episode's pattern, and what parameters learnt.

:func:`predictive` simulates one episode for a set of parameter draws and reads, each with a
95% Wilson interval, the probability of the observed pattern (every feature together and
each alone), of the exact day-by-day sequence over the well-sourced days, and the simulated
paths' bands against the observed ones. :func:`parameter_table` gives each parameter's
posterior median, 50% and 90% credible intervals and the ratio of its posterior sd to its
prior sd, flagged in plain words.
"""

from __future__ import annotations

from typing import Any

import numpy as np
from sim.calibration.features import FEATURES, exact_days, pattern_match
from sim.calibration.joint import JointSimulator
from sim.calibration.priors import Marginal, Prior

from sim.metrics import wilson

#: Posterior sd / prior sd below which a parameter is read as pinned to a point, and above
#: which it is read as left at its prior.
COLLAPSED, AT_PRIOR = 0.1, 0.9


def interval(successes: int, n: int) -> dict[str, float]:
    """A proportion with its 95% Wilson interval."""
    est, lo, hi = wilson(float(successes), float(n))
    # Rounding can put a bound a hair past the estimate (a lower bound of 4e-19 at zero).
    return {"estimate": est, "lower": min(lo, est), "upper": max(hi, est)}


def predictive(
    sim: JointSimulator,
    e: int,
    thetas: np.ndarray,
    call: int,
    policy: dict[str, Any] | None = None,
) -> dict[str, Any]:
    """Episode ``e`` simulated for every row of ``thetas``: pattern probabilities and bands.

    Returns:
        ``p_pattern`` (all features together), ``p_features`` (each alone), ``p_exact``
        (every well-sourced day; None where the episode has none), ``simulated`` (mean of
        each feature), ``bands`` (per side, per day: 5/50/95% of the ladder position) and
        ``draws``.
    """
    t = sim.episodes[e].target
    feats, rungs = sim.features(e, thetas, call, policy=policy)
    n = int(thetas.shape[0])
    match = pattern_match(feats, t)
    pos = t.coding.position[rungs]
    q = np.quantile(pos, [0.05, 0.5, 0.95], axis=2)  # (3, 2, D)
    return {
        "draws": n,
        "p_pattern": interval(int(match["all"].sum()), n),
        "p_features": {k: interval(int(match[k].sum()), n) for k in FEATURES},
        "p_exact": (interval(int(exact_days(rungs, t).sum()), n) if t.sourced.any() else None),
        "simulated": {k: float(feats[k].mean()) for k in FEATURES},
        "bands": {
            side: {
                "q05": q[0, i].tolist(),
                "median": q[1, i].tolist(),
                "q95": q[2, i].tolist(),
                "observed": t.coding.position[t.rungs[i]].tolist(),
            }
            for i, side in enumerate(("victim", "adversary"))
        },
    }


def prior_sd(m: Marginal) -> float:
    """Standard deviation of a marginal prior (uniform or integer uniform)."""
    if m.dist == "int_uniform":
        k = m.high - m.low + 1
        return float(np.sqrt((k * k - 1) / 12))
    if m.dist == "normal":
        return float(min(m.sd, (m.high - m.low) / np.sqrt(12)))
    return float((m.high - m.low) / np.sqrt(12))


def weighted_quantile(x: np.ndarray, w: np.ndarray, q: float) -> float:
    """The ``q`` quantile of ``x`` under weights ``w`` (summing to one)."""
    order = np.argsort(x, kind="stable")
    cum = np.cumsum(w[order])
    i = min(int(np.searchsorted(cum, q)), x.size - 1)
    return float(x[order][i])


def flag(ratio: float) -> str:
    """Plain words for a posterior/prior sd ratio."""
    if ratio < COLLAPSED:
        return "collapsed to a point: the data fix it (check it is not a bound or an artefact)"
    if ratio > AT_PRIOR:
        return "stays at its prior: the episodes say nothing about it"
    if ratio < 0.5:
        return "well identified"
    return "weakly identified"


def parameter_table(prior: Prior, particles: np.ndarray, weights: np.ndarray) -> dict[str, Any]:
    """Per parameter: median, mean, sd, 50%/90% credible intervals, prior sd, ratio, flag."""
    out = {}
    for j, m in enumerate(prior.marginals):
        x = particles[:, j]
        mean = float(weights @ x)
        sd = float(np.sqrt(weights @ (x - mean) ** 2))
        psd = prior_sd(m)
        ratio = sd / psd if psd > 0 else float("nan")
        out[m.key] = {
            "median": weighted_quantile(x, weights, 0.5),
            "mean": mean,
            "sd": sd,
            "ci50": [weighted_quantile(x, weights, 0.25), weighted_quantile(x, weights, 0.75)],
            "ci90": [weighted_quantile(x, weights, 0.05), weighted_quantile(x, weights, 0.95)],
            "prior_sd": psd,
            "sd_ratio": ratio,
            "flag": flag(ratio),
        }
    return out

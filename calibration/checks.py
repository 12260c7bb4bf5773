"""Checks of a fit: predictive probabilities of an episode's pattern, and what parameters learnt.

:func:`predictive` simulates one episode for a set of parameter draws and reads, each with a
95% Wilson interval, the probability of the observed pattern (every feature together and
each alone), of the exact day-by-day sequence over the well-sourced days, and the simulated
paths' bands against the observed ones. What the parameters learnt is
:mod:`sim.calibration.identification`'s.
"""

from __future__ import annotations

from typing import Any

import numpy as np
from sim.calibration.features import FEATURES, exact_days, pattern_match
from sim.calibration.joint import JointSimulator

from sim.metrics import wilson


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

"""Scores of the benchmark's forecasts: Brier, ranked probability and log, with skill.

For a forecast ``p`` over K bins and the observed bin ``y``:

- multi-category Brier: ``sum_k (p_k - [y = k])^2`` (0 best, 2 worst);
- ranked probability score (ordered bins): ``sum_k (P_k - [y <= k])^2 / (K - 1)`` over the
  cumulative forecast ``P`` (0 best, 1 worst);
- log score: ``log p_y`` (0 best; higher is better).

A variable's *headline* score is the ranked probability score where its bins are ordered,
else the Brier score; skill against base rates is ``1 - S / S_base`` of the headline score,
with a 90% interval from resampling the test crises (all records of a crisis together:
the records of one crisis are not independent).
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

import numpy as np


def brier(p: np.ndarray, y: np.ndarray) -> np.ndarray:
    """(n,) multi-category Brier scores of forecasts (n, K) and bins (n,)."""
    hot = np.eye(p.shape[1])[y]
    return ((p - hot) ** 2).sum(axis=1)


def rps(p: np.ndarray, y: np.ndarray) -> np.ndarray:
    """(n,) ranked probability scores (ordered bins)."""
    k = p.shape[1]
    cum = np.cumsum(p, axis=1)[:, :-1]
    obs = (np.arange(k - 1)[None, :] >= y[:, None]).astype(float)
    return ((cum - obs) ** 2).sum(axis=1) / max(k - 1, 1)


def log_score(p: np.ndarray, y: np.ndarray) -> np.ndarray:
    """(n,) log scores ``log p_y``."""
    return np.log(np.maximum(p[np.arange(y.size), y], 1e-300))


def smoothed(counts: np.ndarray) -> np.ndarray:
    """Forecasts from simulated counts (n, K): Jeffreys smoothing, (count + 1/2) / (n + K/2).

    Keeps every bin's probability above zero, as the log score needs, at a cost of half a
    draw per bin.
    """
    counts = np.asarray(counts, dtype=np.float64)
    return (counts + 0.5) / (counts.sum(axis=1, keepdims=True) + 0.5 * counts.shape[1])


def scores(p: np.ndarray, y: np.ndarray) -> dict[str, np.ndarray]:
    """Per-record ``brier``, ``rps`` and ``log`` scores."""
    return {"brier": brier(p, y), "rps": rps(p, y), "log": log_score(p, y)}


def skill_interval(
    headline: Mapping[str, np.ndarray],
    crises: np.ndarray,
    reference: str,
    resamples: int,
    rng: np.random.Generator,
) -> dict[str, list[float] | None]:
    """90% intervals of each forecaster's skill, resampling crises with replacement.

    Args:
        headline: Forecaster -> (n,) per-record headline scores.
        crises: (n,) each record's crisis number.
        reference: The reference forecaster (base rates).
        resamples: Number of resamples.
        rng: Draws the resamples.
    """
    ids, idx = np.unique(crises, return_inverse=True)
    picks = rng.integers(0, ids.size, size=(resamples, ids.size))
    # Each resample's weight on a crisis: how often it was drawn.
    weight = np.zeros((resamples, ids.size))
    np.add.at(weight, (np.arange(resamples)[:, None], picks), 1.0)
    per_record = weight[:, idx]
    ref = per_record @ headline[reference]
    out: dict[str, list[float] | None] = {}
    for name, s in headline.items():
        with np.errstate(divide="ignore", invalid="ignore"):
            sk = 1.0 - (per_record @ s) / ref
        sk = sk[np.isfinite(sk)]
        out[name] = (
            [float(np.quantile(sk, 0.05)), float(np.quantile(sk, 0.95))] if sk.size else None
        )
    return out


def worst_crises(
    crises: np.ndarray,
    model_log: np.ndarray,
    reference_log: np.ndarray,
    names: Mapping[int, str],
    labels: Sequence[str],
    n: int = 10,
) -> list[dict[str, Any]]:
    """The ``n`` crises where the model's mean log score falls furthest below the reference's.

    Args:
        crises: (m,) crisis number of each scored (record, variable) pair.
        model_log: (m,) the model's log scores.
        reference_log: (m,) the reference's.
        names: Crisis number -> ICB name.
        labels: (m,) a label of each pair's record ("IND against PAK").
        n: How many.
    """
    rows = []
    for c in np.unique(crises):
        at = crises == c
        m, b = float(model_log[at].mean()), float(reference_log[at].mean())
        records = sorted({labels[int(i)] for i in np.flatnonzero(at)})
        rows.append(
            {
                "crisno": int(c),
                "crisname": names[int(c)],
                "records": records,
                "model_log": m,
                "base_rates_log": b,
                "gap": m - b,
            }
        )
    rows.sort(key=lambda r: (r["gap"], r["crisno"]))
    return rows[:n]

"""Scores and baselines of the rolling backtest, fixed before any backtest was run.

Scores of one forecast of one question (``p`` over its answers, ``y`` the answer given):

- ``brier``: for a yes/no question ``(p_yes - y)^2`` (0 to 1); for one with more answers the
  multi-category Brier score ``sum_k (p_k - [y = k])^2`` (0 to 2);
- ``log``: ``ln max(p_y, FLOOR)`` with the scorecard's floor of 10^-3
  (:data:`sim.validation.scores.FLOOR`), higher is better.

Baselines, each from what was known at the cutoff:

- ``persistence``: tomorrow as today. The observed cutoff day repeats on every later day;
  the answer that gives takes the scorecard's persistence weight (0.9,
  :data:`sim.validation.baselines.PERSISTENCE_WEIGHT`), the rest is spread evenly.
- ``base_rates``: how often each answer was given in the other episodes at the same cutoff,
  with one pseudo-count per answer (Laplace), so no answer has probability zero.
- ``unconditioned``: the fold's posterior run from day 0, its weights left equal (the
  forecast the engine gave before this issue).

Brier skill of a forecaster against a reference: ``1 - B / B_ref``, mean Brier scores over
the same forecasts. Reliability: every answer of every question is one forecast of a yes/no
event; the reliability slope is the least-squares slope of the outcome on the probability
(1 for a calibrated forecaster; below 1, overconfident).
"""

from __future__ import annotations

import itertools
from collections.abc import Sequence
from typing import Any

import numpy as np

from sim.forecast.questions import Daily, Question
from sim.validation.baselines import PERSISTENCE_WEIGHT
from sim.validation.scores import FLOOR

FORECASTERS = ("model", "persistence", "base_rates", "unconditioned")
#: Edges of the reliability diagram's bins.
EDGES = np.array([0.0, 0.1, 0.3, 0.5, 0.7, 0.9, 1.0])


def brier(p: Sequence[float], y: int) -> float:
    """Brier score of one forecast (module docstring)."""
    q = np.asarray(p, dtype=float)
    if q.size == 2:
        return float((q[1] - y) ** 2)
    one = np.zeros(q.size)
    one[y] = 1.0
    return float(np.square(q - one).sum())


def log_score(p: Sequence[float], y: int) -> float:
    """Log score of one forecast, floored at :data:`FLOOR`."""
    return float(np.log(max(float(p[y]), FLOOR)))


def persisted(daily: Daily, cutoff: int) -> Daily:
    """The observed days with every day after ``cutoff`` a copy of the cutoff day."""

    def hold(a: np.ndarray, axis: int) -> np.ndarray:
        a = a.copy()
        index = [slice(None)] * a.ndim
        index[axis] = slice(cutoff + 1, None)
        src = [slice(None)] * a.ndim
        src[axis] = slice(cutoff, cutoff + 1)
        a[tuple(index)] = a[tuple(src)]
        return a

    return Daily(
        force=hold(daily.force, 1),
        kind=hold(daily.kind, 1),
        calm=hold(daily.calm, 0),
        sustained=hold(daily.sustained, 0),
        engaged=None if daily.engaged is None else hold(daily.engaged, 0),
    )


def persistence(q: Question, daily: Daily, cutoff: int, horizon: int) -> list[float]:
    """The persistence forecast of ``q`` (module docstring)."""
    k = len(q.answers)
    a = int(q.read(persisted(daily, cutoff), cutoff, horizon)[0])
    p = np.full(k, (1 - PERSISTENCE_WEIGHT) / k)
    p[a] += PERSISTENCE_WEIGHT
    return p.tolist()


def base_rates(answers: Sequence[int], k: int) -> list[float]:
    """Answer frequencies of the other episodes with one pseudo-count each."""
    counts = np.bincount(np.asarray(answers, dtype=np.int64), minlength=k)[:k] + 1.0
    return (counts / counts.sum()).tolist()


def events(forecasts: Sequence[tuple[Sequence[float], int]]) -> tuple[np.ndarray, np.ndarray]:
    """Yes/no events of the forecasts: (probabilities, outcomes).

    A yes/no question is one event (its ``yes``); a question with more answers gives one
    event per answer (that answer against the rest). Counting both answers of a yes/no
    question would make every point's mirror image a point too and pin the fit's line
    through (0.5, 0.5).
    """
    ps, ys = [], []
    for p, y in forecasts:
        answers = [1] if len(p) == 2 else range(len(p))
        for k in answers:
            ps.append(float(p[k]))
            ys.append(1.0 if k == y else 0.0)
    return np.array(ps), np.array(ys)


def reliability(forecasts: Sequence[tuple[Sequence[float], int]]) -> dict[str, Any]:
    """Reliability diagram bins and the reliability slope of yes/no events."""
    p, y = events(forecasts)
    rows = []
    for lo, hi in itertools.pairwise(EDGES):
        inside = (p >= lo) & ((p < hi) if hi < 1 else (p <= hi))
        if inside.any():
            rows.append(
                {
                    "low": float(lo),
                    "high": float(hi),
                    "predicted": float(p[inside].mean()),
                    "observed": float(y[inside].mean()),
                    "count": int(inside.sum()),
                }
            )
    slope = None
    if p.size > 1 and np.var(p) > 0:
        slope = float(np.cov(p, y, bias=True)[0, 1] / np.var(p))
    return {"bins": rows, "slope": slope, "events": int(p.size)}


def skill(score: float, reference: float) -> float | None:
    """Brier skill ``1 - score / reference`` (None when the reference is perfect)."""
    if reference <= 0:
        return None
    return 1.0 - score / reference

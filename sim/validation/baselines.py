"""The baselines every fold is scored against, fitted on the training episodes only.

Fixed before any fold was run (docs/validation.md, "Baselines"):

- **base rates**: per feature, the training episodes' observed bins with half a count added
  to every bin (Jeffreys), features independent;
- **nearest analog**: the training episode closest in what was known before day 0
  (:func:`sim.validation.cases.descriptors`: one unit for a different trigger tie, one for a
  border against none, plus the gap in starting hostility); its observed bins, mixed half
  and half with the base rates (ties share the half evenly);
- **Markov chain**: each side's coarse daily category (:data:`sim.validation.cases.CATEGORIES`)
  drawn from the training episodes' transitions conditioned on yesterday's own and the
  opponent's categories, smoothed toward the transitions given one's own category alone and
  those toward the overall frequencies (pseudo-count :data:`ALPHA` at each step); paths
  start from the held-out episode's trigger (its actor's category on day 0, ``none`` for the
  other side: what the model starts from too) and read as rungs. The
  mediator's two features come from the base rates;
- **persistence**: each side repeats its day-0 category (from the trigger alone) every day
  and the mediator stays silent; 0.9 on that outcome, 0.1 spread over the bins;
- **random null** and **prior** are simulations (:mod:`sim.validation.folds`).
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np

from sim.calibration.features import features
from sim.validation.cases import CATEGORIES, Case, representative
from sim.validation.features import FEATURES, Spec, mediator_features
from sim.validation.scores import Forecast, from_bins, from_ensemble

#: Pseudo-count of each smoothing step of the Markov chain.
ALPHA = 2.0
#: Weight of the analog's own outcome (the rest on the base rates).
ANALOG_WEIGHT = 0.5
#: Weight of the persistence outcome (the rest spread over the bins).
PERSISTENCE_WEIGHT = 0.9


def base_rate_bins(train: Sequence[Case], sp: dict[str, Spec]) -> dict[str, np.ndarray]:
    """Per feature, bin probabilities from the training episodes (censored ones shared)."""
    out = {}
    for k in FEATURES:
        counts = np.full(sp[k].bins, 0.5)
        for c in train:
            counts[list(c.bins[k])] += 1.0 / len(c.bins[k])
        out[k] = counts / counts.sum()
    return out


def base_rates(train: Sequence[Case], test: Case, sp: dict[str, Spec]) -> Forecast:
    """The base-rate forecast."""
    return from_bins(base_rate_bins(train, sp), sp, test.bins)


def analog_distance(a: Case, b: Case) -> float:
    """Distance of two episodes in what was known before day 0."""
    da, db = a.descriptors, b.descriptors
    return (
        float(da["trigger"] != db["trigger"])
        + float(da["border"] != db["border"])
        + abs(da["hostility"] - db["hostility"])
    )


def analog(train: Sequence[Case], test: Case, sp: dict[str, Spec]) -> tuple[Forecast, list[str]]:
    """The nearest-analog forecast, and the analog episode(s)."""
    gaps = np.array([analog_distance(test, c) for c in train])
    near = [c for c, g in zip(train, gaps, strict=True) if g <= gaps.min() + 1e-9]
    rates = base_rate_bins(train, sp)
    bins = {}
    for k in FEATURES:
        own = np.zeros(sp[k].bins)
        for c in near:
            own[list(c.bins[k])] += 1.0 / (len(near) * len(c.bins[k]))
        bins[k] = ANALOG_WEIGHT * own + (1 - ANALOG_WEIGHT) * rates[k]
    return from_bins(bins, sp, test.bins), [c.name for c in near]


def transitions(train: Sequence[Case]) -> np.ndarray:
    """(C, C, C) P(today | own yesterday, opponent's yesterday), smoothed (module docstring)."""
    n = len(CATEGORIES)
    counts = np.zeros((n, n, n))
    for c in train:
        cat = c.categories
        for side in (0, 1):
            own, opp, nxt = cat[side, :-1], cat[1 - side, :-1], cat[side, 1:]
            np.add.at(counts, (own, opp, nxt), 1.0)
    marg = counts.sum(axis=(0, 1)) + 0.5
    p0 = marg / marg.sum()
    by_own = counts.sum(axis=1)
    p1 = (by_own + ALPHA * p0) / (by_own.sum(axis=1, keepdims=True) + ALPHA)
    p2 = (counts + ALPHA * p1[:, None, :]) / (counts.sum(axis=2, keepdims=True) + ALPHA)
    return np.asarray(p2)


def markov(
    train: Sequence[Case], test: Case, sp: dict[str, Spec], draws: int, rng: np.random.Generator
) -> Forecast:
    """The Markov-chain forecast from ``draws`` simulated paths."""
    cdf = np.cumsum(transitions(train), axis=2)
    days = test.horizon + 1
    cat = np.empty((2, days, draws), dtype=np.int64)
    cat[:, 0, :] = test.start[:, None]
    u = rng.random((days, 2, draws))
    for t in range(1, days):
        for side in (0, 1):
            c = cdf[cat[side, t - 1], cat[1 - side, t - 1]]
            cat[side, t] = np.minimum((u[t, side][:, None] > c).sum(axis=1), len(CATEGORIES) - 1)
    rungs = representative(test.reading)[cat]
    values = features(rungs, test.reading.coding)
    values["peak"] = test.reading.peak_category(values["peak"])
    rates = base_rate_bins(train, sp)
    for k in ("mediator_first", "mediator_act"):
        # Drawn from the base rates, independently of the dyad's path.
        values[k] = sp[k].offset + _draw_bins(rates[k], sp[k], draws, rng)
    return from_ensemble(values, sp, test.bins)


def _draw_bins(p: np.ndarray, s: Spec, n: int, rng: np.random.Generator) -> np.ndarray:
    """Fine indices drawn from bin probabilities, evenly within a bin."""
    fine = s.spread(p)
    return rng.choice(s.fine, size=n, p=fine / fine.sum())


def persistence(test: Case, sp: dict[str, Spec]) -> Forecast:
    """The persistence forecast (module docstring)."""
    days = test.horizon + 1
    rep = representative(test.reading)
    rungs = np.repeat(rep[test.start[:, None]], days, axis=1)[:, :, None]
    values = features(rungs, test.reading.coding)
    values["peak"] = test.reading.peak_category(values["peak"])
    none = np.full((2, days, 1), test.reading.coding.none)
    values.update(mediator_features(none, test.reading))
    bins = {}
    for k in FEATURES:
        one = np.zeros(sp[k].bins)
        one[int(sp[k].bin_of(values[k])[0])] = 1.0
        bins[k] = PERSISTENCE_WEIGHT * one + (1 - PERSISTENCE_WEIGHT) / sp[k].bins
    return from_bins(bins, sp, test.bins)

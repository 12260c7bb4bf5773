"""Forecasts of a held-out episode and their proper scores.

A :class:`Forecast` gives, per feature, a probability vector over the feature's fine support
(:mod:`sim.validation.features`), and the probability of the observed whole pattern (every
feature in its observed bin at once). Simulation forecasters make it from an ensemble of
simulated episodes (:func:`from_ensemble`); the baselines that treat features as independent
from bin probabilities (:func:`from_bins`).

Scores, all negatively oriented except the log score (higher is better), fixed in advance:

- ``log``: ``ln max(p, FLOOR)`` of the observed bin, with FLOOR = 10^-3 (:data:`FLOOR`), so
  a forecaster that gives the outcome no mass loses ``ln 1000 = 6.9`` nats and no score
  depends on how many draws were taken below 1 in 1,000;
- ``brier``: the multi-category Brier score over the bins, sum over bins of ``(p - y)^2``
  (0 to 2), from scoringrules' ``brier_score`` per bin;
- ``rps``: the ranked probability score over the ordered bins (scoringrules' ``rps_score``),
  for every feature but the nominal ones;
- ``crps``: for timings, the CRPS in days of the distribution over days 1..H+1 (none by day
  H counted as H + 1); for an integer-valued forecast it equals the RPS over unit bins, and
  is computed so (scoringrules' ``rps_score``);
- the whole pattern: ``log`` with the same floor.

A censored observation (:func:`sim.validation.features.observed_bins`) is scored by the log
score of the set of bins it may be in; its Brier, RPS and CRPS are left out (None).
"""

from __future__ import annotations

import math
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

import numpy as np
import scoringrules as sr

from sim.validation.features import FEATURES, NOMINAL, TIMING, Spec

#: The log score's floor on a probability.
FLOOR = 1e-3


@dataclass(frozen=True)
class Forecast:
    """One forecaster's forecast of one episode.

    Attributes:
        fine: Feature -> probability vector over its fine support.
        pattern: Probability of the observed whole pattern.
    """

    fine: dict[str, np.ndarray]
    pattern: float


def from_ensemble(
    values: Mapping[str, np.ndarray],
    sp: Mapping[str, Spec],
    observed: Mapping[str, tuple[int, ...]],
) -> Forecast:
    """A forecast from simulated feature values (each (N,)), read as frequencies."""
    fine, hit = {}, None
    for k in FEATURES:
        s = sp[k]
        idx = np.clip(np.asarray(values[k], dtype=np.int64) - s.offset, 0, s.fine - 1)
        fine[k] = np.bincount(idx, minlength=s.fine) / idx.size
        inside = np.isin(s.bin_of(values[k]), observed[k])
        hit = inside if hit is None else hit & inside
    assert hit is not None
    return Forecast(fine, float(hit.mean()))


def from_bins(
    bins: Mapping[str, np.ndarray], sp: Mapping[str, Spec], observed: Mapping[str, tuple[int, ...]]
) -> Forecast:
    """A forecast from bin probabilities, features independent (the pattern a product)."""
    fine = {k: sp[k].spread(np.asarray(bins[k])) for k in FEATURES}
    pattern = math.prod(float(np.asarray(bins[k])[list(observed[k])].sum()) for k in FEATURES)
    return Forecast(fine, pattern)


def log_score(p: float) -> float:
    """``ln max(p, FLOOR)``."""
    return math.log(max(p, FLOOR))


def score(
    f: Forecast,
    sp: Mapping[str, Spec],
    observed: Mapping[str, tuple[int, ...]],
    values: Mapping[str, int],
) -> dict[str, Any]:
    """Every score of a forecast (module docstring).

    Args:
        f: The forecast.
        sp: The features' specs at the horizon.
        observed: Feature -> the observed bin(s) (several where censored).
        values: Feature -> the observed value.

    Returns:
        ``{feature: {log, brier, rps, crps}, "pattern": {p, log}, "sum_log": ...}``.
    """
    out: dict[str, Any] = {}
    for k in FEATURES:
        s = sp[k]
        bins = s.to_bins(f.fine[k])
        obs = observed[k]
        row: dict[str, float | None] = {"p": float(bins[list(obs)].sum())}
        row["log"] = log_score(row["p"] or 0.0)
        censored = len(obs) > 1
        onehot = np.zeros(s.bins)
        onehot[obs[0]] = 1.0
        row["brier"] = None if censored else float(sr.brier_score(onehot, bins).sum())
        row["rps"] = None if censored or k in NOMINAL else float(sr.rps_score(obs[0] + 1, bins))
        if k in TIMING:
            row["crps"] = (
                None if censored else float(sr.rps_score(int(values[k]) - s.offset + 1, f.fine[k]))
            )
        out[k] = row
    out["pattern"] = {"p": f.pattern, "log": log_score(f.pattern)}
    out["sum_log"] = float(sum(out[k]["log"] for k in FEATURES))
    return out


def flatten(scores: Mapping[str, Any]) -> dict[str, float]:
    """``feature.score -> value`` of one :func:`score` result (None left out)."""
    out = {"pattern.log": scores["pattern"]["log"], "pattern.p": scores["pattern"]["p"]}
    out["sum_log"] = scores["sum_log"]
    for k in FEATURES:
        for name, v in scores[k].items():
            if v is not None:
                out[f"{k}.{name}"] = v
    return out


def unflatten(flat: Mapping[str, float]) -> dict[str, Any]:
    """The nested form of :func:`flatten`."""
    out: dict[str, Any] = {}
    for key, v in flat.items():
        if key == "sum_log":
            out[key] = v
            continue
        head, _, tail = key.partition(".")
        out.setdefault(head, {})[tail] = v
    return out

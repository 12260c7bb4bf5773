"""Outcome metrics: per-replicate outcomes, mergeable accumulators, intervals.

A chunk of replicates is reduced to an :class:`Accumulator` of counts and
histograms; accumulators of chunks add up exactly, in any grouping, so the
summary does not depend on chunk size or worker count and memory stays bounded.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

import numpy as np
import pandas as pd

if TYPE_CHECKING:
    from sim.model import EscalationModel

#: Days k for which P(de-escalated by day k) is reported (clipped to the horizon).
DEESCALATION_DAYS = (3, 7, 14, 30)
_Z95 = 1.959963984540054
_CASUALTY_BINS = 100_000


def wilson(successes: float, n: float, z: float = _Z95) -> tuple[float, float, float]:
    """A proportion with its Wilson score interval (Wilson 1927), in closed form.

    The same interval as SciPy's ``binomtest(k, n).proportion_ci(method="wilson")`` to one
    ulp (``tests/test_run.py`` checks it against SciPy), but not through it: SciPy's call
    takes ~1 ms (it computes a p-value too) and importing ``scipy.stats`` added ~0.9 s to
    every ``escalation run`` on a 2-core machine (docs/performance.md, start-up).

    Args:
        successes: Number of successes.
        n: Number of trials.
        z: Normal quantile (1.96 for 95%).

    Returns:
        (estimate, lower, upper); NaNs when n is 0.
    """
    if n <= 0:
        return (math.nan, math.nan, math.nan)
    p = successes / n
    denom = 1 + z * z / n
    centre = (p + z * z / (2 * n)) / denom
    half = z * math.sqrt(p * (1 - p) / n + z * z / (4 * n * n)) / denom
    return (p, max(0.0, centre - half), min(1.0, centre + half))


def hist_quantile(counts: np.ndarray, q: float) -> float:
    """The q-quantile of integer data given as a histogram over 0, 1, 2, ..."""
    total = counts.sum()
    if total == 0:
        return math.nan
    cum = np.cumsum(counts)
    return float(np.searchsorted(cum, q * total, side="left"))


def median_ci(counts: np.ndarray, z: float = _Z95) -> tuple[float, float, float]:
    """Median of histogram data with a distribution-free (binomial order-statistic) 95% CI."""
    n = int(counts.sum())
    if n == 0:
        return (math.nan, math.nan, math.nan)
    lo_rank = max(0, math.floor(n / 2 - z * math.sqrt(n) / 2))
    hi_rank = min(n - 1, math.ceil(n / 2 + z * math.sqrt(n) / 2))
    cum = np.cumsum(counts)
    med = float(np.searchsorted(cum, (n + 1) / 2, side="left"))
    lo = float(np.searchsorted(cum, lo_rank + 1, side="left"))
    hi = float(np.searchsorted(cum, hi_rank + 1, side="left"))
    return (med, lo, hi)


def replicate_outcomes(model: EscalationModel) -> pd.DataFrame:
    """One row per replicate: the outcomes of a finished batch (EMA-Workbench style).

    A run that draws parameters from a posterior (``posterior=``) adds one column per drawn
    parameter, named by its key (``by_role.victim.policy.generosity``): each replicate's
    draw beside its outcomes.
    """
    lad = model.ladder
    sc = [c.index for c in model.state_channels()]
    rung = model.history[:, sc, :]
    level = model.rung_to_level[rung]
    peak_level = level.max(axis=(0, 1))
    dyad_done = np.where(model.agreed_day >= 0, model.agreed_day, model.days)
    # De-escalated once every dyad that fought has agreed; -1 if some never did.
    deesc = dyad_done.max(axis=0) if len(model.dyads) else np.full(model.n, model.days)
    recalled_ever = (rung == model.r_recall).any(axis=(0, 1))
    still = model.recalled[sc].any(axis=0)  # an ambassador still recalled at the end
    drawn = {k: np.asarray(v)[model.replicates] for k, v in model.settings.drawn.items()}
    return pd.DataFrame(
        {
            "replicate": model.replicates,
            "peak_rung": lad.state_levels[peak_level].astype(np.int16),
            "peak_level": peak_level.astype(np.int16),
            "deescalation_day": np.where(deesc >= model.days, -1, deesc).astype(np.int32),
            "casualties": model.total_deaths.copy(),
            "ambassador_recalled": recalled_ever,
            "relations_restored": ~still,
            "relapse": model.relapse.any(axis=0),
            "force_days": (level >= model.lv_force).any(axis=1).sum(axis=0).astype(np.int16),
            **drawn,
        }
    )


@dataclass
class Accumulator:
    """Mergeable counts over replicates.

    Attributes:
        n: Replicates counted.
        daily: int64 (state channels, days, rungs): how many replicates took each rung.
        reach: int64 (rungs,): replicates in which some state took each rung.
        peak: int64 (rungs,): histogram of the peak rung.
        deesc: int64 (days + 1,): histogram of the de-escalation day (last bin: never).
        casualties: int64 histogram of total deaths (last bin: overflow).
        cas_sum: Sum of deaths; cas_sq: sum of squared deaths (exact integers).
        recalled: Replicates with an ambassador recalled; restored: of those, restored.
        relapse: Replicates with force after an agreement.
        offered: Replicates in which a mediator offered mediation.
        hostility: Sum over replicates of each dyad's end-of-run hostility, in units of
            2**-32 as exact integers (float sums would depend on the chunking).
        transitions: int64 (state channels, rungs, rungs): day-to-day rung transitions.
    """

    n: int
    daily: np.ndarray
    reach: np.ndarray
    peak: np.ndarray
    deesc: np.ndarray
    casualties: np.ndarray
    cas_sum: int
    cas_sq: int
    recalled: int
    restored: int
    relapse: int
    offered: int
    hostility: list[int]
    transitions: np.ndarray

    @classmethod
    def from_model(cls, model: EscalationModel, outcomes: pd.DataFrame) -> Accumulator:
        """Reduce a finished batch."""
        n_rungs = len(model.ladder)
        sc = [c.index for c in model.state_channels()]
        # Slice by slice in the history's own int8: no (T, C, R) int64 copies, whose fresh
        # pages cost more than the counting.
        hist = model.history
        daily = np.zeros((len(sc), model.days, n_rungs), dtype=np.int64)
        seen = np.zeros(model.n, dtype=np.uint64)  # bit r: the replicate took rung r
        for j, c in enumerate(sc):
            for t in range(model.days):
                daily[j, t] = np.bincount(hist[t, c], minlength=n_rungs)
                seen |= np.left_shift(np.uint64(1), hist[t, c].astype(np.uint64))
        reach = np.array(
            [((seen >> np.uint64(r)) & np.uint64(1)).sum() for r in range(n_rungs)], dtype=np.int64
        )
        peak = np.bincount(outcomes["peak_rung"].to_numpy(), minlength=n_rungs).astype(np.int64)
        d = outcomes["deescalation_day"].to_numpy()
        deesc = np.bincount(np.where(d < 0, model.days, d), minlength=model.days + 1)
        cas = outcomes["casualties"].to_numpy()
        cas_hist = np.bincount(np.minimum(cas, _CASUALTY_BINS), minlength=_CASUALTY_BINS + 1)
        offered = np.zeros(model.n, dtype=bool)
        for med in model.members("mediator"):
            offered |= med.offered
        rec = outcomes["ambassador_recalled"].to_numpy()
        trans = np.zeros((len(sc), n_rungs, n_rungs), dtype=np.int64)
        for j, c in enumerate(sc):
            pairs = hist[:-1, c].astype(np.int32) * n_rungs + hist[1:, c]
            trans[j] = np.bincount(pairs.ravel(), minlength=n_rungs * n_rungs).reshape(
                n_rungs, n_rungs
            )
        return cls(
            n=model.n,
            daily=daily,
            reach=reach,
            peak=peak,
            deesc=deesc.astype(np.int64),
            casualties=cas_hist.astype(np.int64),
            cas_sum=int(cas.sum()),
            cas_sq=int((cas.astype(np.int64) ** 2).sum()),
            recalled=int(rec.sum()),
            restored=int((rec & outcomes["relations_restored"].to_numpy()).sum()),
            relapse=int(outcomes["relapse"].sum()),
            offered=int(offered.sum()),
            hostility=[
                int(v) for v in np.round(model.hostility * 2.0**32).astype(np.int64).sum(axis=1)
            ],
            transitions=trans,
        )

    def __add__(self, other: Accumulator) -> Accumulator:
        return Accumulator(
            n=self.n + other.n,
            daily=self.daily + other.daily,
            reach=self.reach + other.reach,
            peak=self.peak + other.peak,
            deesc=self.deesc + other.deesc,
            casualties=self.casualties + other.casualties,
            cas_sum=self.cas_sum + other.cas_sum,
            cas_sq=self.cas_sq + other.cas_sq,
            recalled=self.recalled + other.recalled,
            restored=self.restored + other.restored,
            relapse=self.relapse + other.relapse,
            offered=self.offered + other.offered,
            hostility=[a + b for a, b in zip(self.hostility, other.hostility, strict=True)],
            transitions=self.transitions + other.transitions,
        )


def _p(successes: float, n: float) -> dict[str, float]:
    est, lo, hi = wilson(successes, n)
    return {"estimate": est, "lower": lo, "upper": hi}


def summarise(acc: Accumulator, rung_names: list[str], state_rungs: list[int]) -> dict[str, Any]:
    """Outcome metrics with 95% intervals over replicates.

    Args:
        acc: Merged accumulator of the whole run.
        rung_names: Ladder rung names.
        state_rungs: Ladder indices of the state levels (none and above).

    Returns:
        A JSON-ready mapping of metric name -> value or {estimate, lower, upper}.
    """
    n, days = acc.n, acc.deesc.size - 1
    cum = np.cumsum(acc.deesc[:-1])
    deesc_by = {}
    for k in sorted({min(k, days - 1) for k in DEESCALATION_DAYS}):
        deesc_by[str(k)] = _p(float(cum[k]), n)
    mean = acc.cas_sum / n
    var = max(acc.cas_sq / n - mean * mean, 0.0)
    half = _Z95 * math.sqrt(var / n) if n > 1 else math.nan
    med, lo, hi = median_ci(acc.deesc[:-1])
    strike_state = [r for r in state_rungs if rung_names[r] in ("strike_state",)]
    severe = state_rungs[state_rungs.index(strike_state[0]) :] if strike_state else []
    return {
        "replicates": n,
        "days": days,
        "p_deescalated_by_day": deesc_by,
        "p_never_deescalated": _p(float(acc.deesc[-1]), n),
        "days_to_deescalation_median": {"estimate": med, "lower": lo, "upper": hi},
        "p_reach_rung": {rung_names[r]: _p(float(acc.reach[r]), n) for r in state_rungs},
        "p_reach_state_forces_or_worse": _p(float(acc.peak[severe].sum()), n),
        "peak_rung_distribution": {
            rung_names[r]: float(acc.peak[r] / n) for r in state_rungs if acc.peak[r] > 0
        },
        "peak_rung_median": rung_names[int(hist_quantile(acc.peak, 0.5))],
        "casualties_mean": {"estimate": mean, "lower": mean - half, "upper": mean + half},
        "casualties_quantiles": {
            str(q): hist_quantile(acc.casualties, q) for q in (0.05, 0.25, 0.5, 0.75, 0.95)
        },
        "p_ambassador_recalled": _p(float(acc.recalled), n),
        "p_ambassadors_returned_given_recalled": _p(float(acc.restored), float(acc.recalled)),
        "p_relapse_after_agreement": _p(float(acc.relapse), n),
        "p_mediation_offered": _p(float(acc.offered), n),
        "mean_end_hostility": [h / 2.0**32 / n for h in acc.hostility],
    }


def flat_metrics(metrics: dict[str, Any]) -> dict[str, float]:
    """Flatten a summary's ``metrics`` into one row of floats (for sweep tables).

    An interval ``{"estimate", "lower", "upper"}`` named ``m`` becomes the columns
    ``m``, ``m_lower`` and ``m_upper``; per-day and per-rung mappings get the key
    appended (``p_deescalated_by_day_7``, ``p_reach_rung_strike_state``).
    """
    row: dict[str, float] = {}

    def put(name: str, value: Any) -> None:
        if isinstance(value, dict) and "estimate" in value:
            row[name] = float(value["estimate"])
            row[f"{name}_lower"] = float(value["lower"])
            row[f"{name}_upper"] = float(value["upper"])
        elif isinstance(value, dict):
            for k, v in value.items():
                put(f"{name}_{k}", v)
        elif isinstance(value, int | float) and not isinstance(value, bool):
            row[name] = float(value)

    for key, value in metrics.items():
        if key in ("mean_end_hostility", "peak_rung_median"):
            continue
        put(key, value)
    return row

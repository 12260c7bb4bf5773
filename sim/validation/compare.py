"""The scorecard's summary: forecasters compared across folds, paired, with their power.

Per forecaster, the mean over folds of the whole-pattern log score and of the summed
per-feature log score. Every baseline is compared with the posterior fold by fold (the same
episodes, so the comparison is paired): the mean difference, a 95% bootstrap interval over
folds (:data:`BOOT` resamples, seeded; a percentile bootstrap under-covers with five folds)
and the t-interval, the exact two-sided sign-flip permutation p-value (with five folds the
smallest possible is 2/32 = 0.0625, so no difference can be significant at 5%: stated, not
hidden), and the power of a paired t-test at 5%, with the observed spread, to detect a true
difference of 0.5 nats per episode (the target's margin, fixed in advance; the power at the
observed difference is given too, though it adds nothing to the p-value).

Targets (fixed with the issue that asked for the scorecard, not tuned): the posterior beats
the best baseline on mean whole-pattern log score by at least 0.5 nats per episode; it beats
base rates on summed per-feature log score; its Brier skill against base rates is at least
0.1 on both answer types (``1 - mean Brier(posterior) / mean Brier(base rates)`` over folds).
"""

from __future__ import annotations

import itertools
import math
from collections.abc import Sequence
from typing import Any

import numpy as np
from scipy import stats

from sim.validation.features import FEATURES
from sim.validation.folds import FORECASTERS

BOOT = 10_000
BASELINES = tuple(f for f in FORECASTERS if f != "posterior")
PATTERN_MARGIN = 0.5
BRIER_SKILL = 0.1


def power(effect: float, sd: float, n: int) -> float | None:
    """Power of a two-sided paired t-test at 5% to detect a mean difference ``effect``."""
    if n < 2 or sd <= 0:
        return None
    nc = abs(effect) / (sd / math.sqrt(n))
    crit = stats.t.ppf(0.975, n - 1)
    return float(stats.nct.sf(crit, n - 1, nc) + stats.nct.cdf(-crit, n - 1, nc))


def paired(diffs: Sequence[float], seed: int = 0) -> dict[str, Any]:
    """Paired comparison of per-fold differences (module docstring)."""
    d = np.asarray(diffs, dtype=np.float64)
    n = d.size
    rng = np.random.default_rng(seed)
    boots = d[rng.integers(0, n, size=(BOOT, n))].mean(axis=1)
    flips = np.array(list(itertools.product((1.0, -1.0), repeat=n)))
    null = np.abs(flips @ d) / n
    p = float(np.mean(null >= abs(d.mean()) - 1e-12))
    sd = float(d.std(ddof=1)) if n > 1 else 0.0
    half = float(stats.t.ppf(0.975, n - 1) * sd / math.sqrt(n)) if n > 1 else math.inf
    return {
        "mean": float(d.mean()),
        "ci95": [float(np.quantile(boots, 0.025)), float(np.quantile(boots, 0.975))],
        "ci95_t": [float(d.mean()) - half, float(d.mean()) + half],
        "p_sign_flip": p,
        "smallest_possible_p": float(2.0 / 2**n) if n else 1.0,
        "power_t_5pct": power(PATTERN_MARGIN, sd, n),
        "power_t_5pct_observed_effect": power(float(d.mean()), sd, n),
        "folds": n,
    }


def summarise(folds: Sequence[dict[str, Any]]) -> dict[str, Any]:
    """The summary of a scorecard's folds (module docstring)."""
    pattern = {k: _mean(f["scores"][k]["pattern"]["log"] for f in folds) for k in FORECASTERS}
    summed = {k: _mean(f["scores"][k]["sum_log"] for f in folds) for k in FORECASTERS}
    brier = {
        k: {
            side: _mean(f["scores"][k][f"answer_{side}"].get("brier") for f in folds)
            for side in ("victim", "adversary")
        }
        for k in FORECASTERS
    }
    per_feature = {
        k: {
            feat: {
                score: _mean(f["scores"][k][feat].get(score) for f in folds)
                for score in ("log", "brier", "rps", "crps")
                if any(f["scores"][k][feat].get(score) is not None for f in folds)
            }
            for feat in FEATURES
        }
        for k in FORECASTERS
    }
    comparisons = {}
    for b in BASELINES:
        comparisons[b] = {
            "pattern_log": paired(
                [
                    f["scores"]["posterior"]["pattern"]["log"] - f["scores"][b]["pattern"]["log"]
                    for f in folds
                ]
            ),
            "sum_log": paired(
                [f["scores"]["posterior"]["sum_log"] - f["scores"][b]["sum_log"] for f in folds]
            ),
        }
    top = max(pattern[b] for b in BASELINES)
    tied = [b for b in BASELINES if pattern[b] >= top - 1e-12]
    best = tied[0]
    skill = {
        side: 1.0 - brier["posterior"][side] / brier["base_rates"][side]
        if brier["base_rates"][side]
        else None
        for side in ("victim", "adversary")
    }
    margin = pattern["posterior"] - pattern[best]
    return {
        "mean_pattern_log_score": pattern,
        "mean_summed_feature_log_score": summed,
        "mean_answer_brier": brier,
        "mean_feature_scores": per_feature,
        "paired_posterior_minus": comparisons,
        "best_baseline_on_pattern": best,
        "best_baselines_tied_on_pattern": tied,
        "targets": {
            "pattern_margin_over_best_baseline": {
                "reached": margin,
                "target": PATTERN_MARGIN,
                "met": margin >= PATTERN_MARGIN,
            },
            "summed_feature_log_vs_base_rates": {
                "reached": summed["posterior"] - summed["base_rates"],
                "target": 0.0,
                "met": summed["posterior"] > summed["base_rates"],
            },
            "brier_skill_answers_vs_base_rates": {
                "reached": skill,
                "target": BRIER_SKILL,
                "met": all(v is not None and v >= BRIER_SKILL for v in skill.values()),
            },
        },
    }


def _mean(values: Any) -> float:
    vals = [v for v in values if v is not None]
    return float(np.mean(vals)) if vals else float("nan")

"""The baselines, fitted on the training part only: base rates, by trigger, a regression.

- ``base_rates``: each bin's share of the training records, Laplace-smoothed
  ((count + 1) / (n + K)), the same forecast for every test record;
- ``base_rates_by_trigger``: the same within the record's trigger group
  (:data:`sim.benchmark.episodes.GROUPS`);
- ``regression``: a multinomial logistic regression (scikit-learn, L2 penalty of strength
  ``1 / C``) on the standardised ex-ante covariates of :func:`covariates`, with ``floor``
  mixed in uniformly so that a bin no training record had keeps a small probability.

The covariates are fixed in advance (``docs/benchmark.md``): the trigger group and who
triggered, the actor's distance from the crisis, the conflict setting, both sides' nuclear
capability, the actor's regime and the power discrepancy (with a flag where it is blank).
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np
from sklearn.linear_model import LogisticRegression
from sklearn.pipeline import make_pipeline
from sklearn.preprocessing import StandardScaler

from sim.benchmark.episodes import GROUPS, Record

#: Names of :func:`covariates`' columns.
COVARIATE_NAMES = (
    *(f"trigger_{g}" for g in GROUPS),
    "by_non_state",
    "by_several_states",
    *(f"distance_{d}" for d in (1, 2, 3, 4)),
    "protracted",
    "long_war_protracted",
    "actor_nuclear",
    "adversary_nuclear",
    "democracy",
    "military_regime",
    "power_discrepancy",
    "power_discrepancy_blank",
)


def covariates(records: Sequence[Record]) -> np.ndarray:
    """(n, len(COVARIATE_NAMES)) ex-ante covariates of the records."""
    rows = []
    for r in records:
        blank = r.powdis != r.powdis
        rows.append(
            [
                *(float(r.group == g) for g in GROUPS),
                float(r.trigger_by == "non_state"),
                float(r.trigger_by == "several_states"),
                *(float(r.cractloc == d) for d in (1, 2, 3, 4)),
                float(r.pc == 2),
                float(r.pc == 3),
                float(r.nuclear >= 3),
                float(r.adversary_nuclear >= 3),
                float(r.regime == 1),
                float(r.regime in (3, 4, 5)),
                0.0 if blank else r.powdis / 100.0,
                float(blank),
            ]
        )
    return np.asarray(rows, dtype=np.float64).reshape(len(rows), len(COVARIATE_NAMES))


def base_rates(y: np.ndarray, k: int) -> np.ndarray:
    """(k,) Laplace-smoothed shares of the bins ``y`` (entries below 0 are left out)."""
    y = y[y >= 0]
    return (np.bincount(y, minlength=k) + 1.0) / (y.size + k)


def by_trigger(
    train: Sequence[Record], y: np.ndarray, test: Sequence[Record], k: int
) -> np.ndarray:
    """(len(test), k) base rates within each test record's trigger group."""
    groups = np.array([r.group for r in train])
    table = {g: base_rates(y[groups == g], k) for g in GROUPS}
    return np.array([table[r.group] for r in test]).reshape(len(test), k)


def regression(
    x_train: np.ndarray,
    y: np.ndarray,
    x_test: np.ndarray,
    k: int,
    c: float = 1.0,
    floor: float = 0.01,
) -> np.ndarray:
    """(len(x_test), k) forecasts of a multinomial logistic regression fitted on the train.

    With fewer than two classes among the training bins it falls back to base rates.
    """
    ok = y >= 0
    classes = np.unique(y[ok])
    if classes.size < 2:
        p = np.tile(base_rates(y, k), (x_test.shape[0], 1))
        return p
    model = make_pipeline(StandardScaler(), LogisticRegression(C=c, max_iter=5000))
    model.fit(x_train[ok], y[ok])
    p = np.zeros((x_test.shape[0], k))
    p[:, model.classes_] = model.predict_proba(x_test)
    return (1.0 - floor) * p + floor / k

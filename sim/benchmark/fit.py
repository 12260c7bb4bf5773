"""The fit on the training part: rejection ABC on the outcome distributions by trigger type.

Every prior draw (the library's joint prior, ``configs/calibration/joint.yaml``: population
parameters by role, with the crisis-level spreads of the time scales) is simulated once on
every training record, each record drawing its own crisis-level values
(:func:`sim.posterior.pool`). A draw's distance to the data is, for each variable and each
trigger group, the total-variation distance between the simulated and the observed
distributions over the group's records, weighted by the group's share of the variable's
records and summed over variables (each variable counts once). The ``keep`` fraction of
draws closest to the data is the posterior, equally weighted.

Rejection rather than the library's sequential sampler: a sequential sampler re-simulates
every training record at each move, and one vectorised call per record with all draws as
replicates is what the time budget allows (``docs/benchmark.md``).
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

import numpy as np

from sim.benchmark.episodes import GROUPS, Record
from sim.benchmark.jobs import KMAX
from sim.benchmark.outcomes import VARIABLES


def observed_counts(records: Sequence[Record], bins: Mapping[str, np.ndarray]) -> np.ndarray:
    """(variables, groups, KMAX) counts of the observed bins of ``records``."""
    out = np.zeros((len(VARIABLES), len(GROUPS), KMAX), dtype=np.int64)
    for i, var in enumerate(VARIABLES):
        for r, b in zip(records, bins[var.name], strict=True):
            if b >= 0:
                out[i, GROUPS.index(r.group), b] += 1
    return out


def distances(simulated: np.ndarray, observed: np.ndarray) -> np.ndarray:
    """Each draw's distance to the data (module docstring).

    Args:
        simulated: (J, variables, groups, KMAX) simulated counts per draw.
        observed: (variables, groups, KMAX) observed counts.

    Returns:
        (J,) distances, between 0 and the number of variables.
    """
    sim = simulated.astype(np.float64)
    n_sim = sim.sum(axis=3, keepdims=True)
    p_sim = np.divide(sim, n_sim, out=np.zeros_like(sim), where=n_sim > 0)
    n_obs = observed.sum(axis=2, keepdims=True).astype(np.float64)
    p_obs = np.divide(observed, n_obs, out=np.zeros(observed.shape), where=n_obs > 0)
    tv = 0.5 * np.abs(p_sim - p_obs[None]).sum(axis=3)
    # A group the draw never answered (no simulated response at all) is a full miss.
    tv = np.where(n_sim[..., 0] > 0, tv, 1.0)
    share = n_obs[..., 0] / np.maximum(n_obs[..., 0].sum(axis=1, keepdims=True), 1.0)
    return (tv * share[None]).sum(axis=(1, 2))


def accept(d: np.ndarray, keep: float) -> np.ndarray:
    """Rows of the ``keep`` fraction of smallest distances (ties by row order)."""
    n = max(2, round(keep * d.size))
    return np.sort(np.argsort(d, kind="stable")[:n])


def parameter_table(
    keys: Sequence[str], prior: np.ndarray, posterior: np.ndarray
) -> list[dict[str, Any]]:
    """Prior and posterior medians and the ratio of their standard deviations, by key."""
    rows = []
    for j, key in enumerate(keys):
        sd_prior = float(np.std(prior[:, j]))
        rows.append(
            {
                "key": key,
                "prior_median": float(np.median(prior[:, j])),
                "posterior_median": float(np.median(posterior[:, j])),
                "sd_ratio": float(np.std(posterior[:, j]) / sd_prior) if sd_prior > 0 else None,
            }
        )
    return rows

"""Sequential Monte Carlo over a crisis under way: a particle filter on the model itself.

A particle is one replicate of the model: its parameters (drawn from the joint posterior,
which is the filter's prior) and its whole state. The filter simulates every particle one
day at a time. After day ``t`` it multiplies each particle's weight by the likelihood of the
observed day ``t`` given its simulated day (:mod:`sim.forecast.observe`); when the effective
sample size of a crisis's particles falls below ``threshold`` times their number, it
resamples them (systematic resampling) and sets their weights equal.

Rejuvenation, of the state: a particle drawn twice continues as two copies that share the
past (path, memory) but draw their futures from different random streams (each replicate
keeps its own key, :mod:`sim.forecast.particles`), so the copies spread again from the next
day on instead of staying one. Of the parameters (static, so resampling alone would leave
fewer and fewer distinct values): after each resampling, every continuous per-replicate
parameter moves by the kernel of Liu and West (2001),
``theta' = a theta + (1 - a) mean + sqrt(1 - a^2) sd z`` with ``z`` standard normal, the
mean and sd taken over the crisis's particles, and ``a = (3 delta - 1) / (2 delta)`` for a
discount ``delta`` (0.95 by default), clipped to the parameter's declared range. The
shrinkage keeps the particles' mean and variance, so the kernel adds no spread of its own.
Integer parameters (rung steps, preparation days) are left as they are. The number of
distinct parameter vectors left (``distinct``) is reported, so a collapse shows.

After the last observed day the particles run on, unweighted by data, to the horizon; the
forecast is the weighted ensemble of their futures. For the view of how the forecast moved
as each day was added, the filter forks at chosen days: it saves the particles, runs them to
the horizon, reads the forecast made with the data up to that day, and puts the particles
back (:func:`sim.forecast.particles.save`).

Several crises can be filtered in one model (``groups``): particle ``i`` follows crisis
``i // N``, weights and resampling stay within each crisis. Tests use it to filter hundreds
of synthetic crises in one vectorised run.

The log evidence increments ``log p(y_t | y_0..t-1)`` are the standard SMC estimates; their
sum estimates the log probability of the observed prefix under the model and the error model.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from typing import Any

import numpy as np
from scipy.special import logsumexp

from sim.forecast.observe import ErrorModel, log_likelihood
from sim.forecast.particles import (
    check_particles,
    parameter_arrays,
    parameter_rows,
    restore,
    save,
    take,
)
from sim.model import EscalationModel

#: Reads a forecast off the particles run to the horizon: (model, log weights, cutoff).
Reader = Callable[[EscalationModel, np.ndarray, int], Any]


@dataclass
class FilterResult:
    """What a filter run leaves.

    Attributes:
        log_weights: (n,) the particles' log weights after the last observed day.
        final: What the reader read at the last observed day.
        forks: Cutoff day -> what the reader read with the data up to that day.
        ess: (until + 1, groups) effective sample size after each day's weighting.
        resampled: (until + 1, groups) whether the crisis's particles were resampled.
        log_evidence: (until + 1, groups) log p(day t | days before), per crisis.
        distinct: (groups,) distinct parameter vectors left among each crisis's particles.
    """

    log_weights: np.ndarray
    final: Any
    forks: dict[int, Any] = field(default_factory=dict)
    ess: np.ndarray = field(default_factory=lambda: np.zeros((0, 1)))
    resampled: np.ndarray = field(default_factory=lambda: np.zeros((0, 1), dtype=bool))
    log_evidence: np.ndarray = field(default_factory=lambda: np.zeros((0, 1)))
    distinct: np.ndarray = field(default_factory=lambda: np.zeros(1, dtype=np.int64))


def ess_of(log_w: np.ndarray) -> np.ndarray:
    """Effective sample size of each row of log weights, (sum w)^2 / sum w^2."""
    w = np.exp(log_w - log_w.max(axis=-1, keepdims=True))
    return np.asarray(w.sum(axis=-1) ** 2 / np.square(w).sum(axis=-1))


def systematic(log_w: np.ndarray, rng: np.random.Generator, size: int | None = None) -> np.ndarray:
    """Systematic resampling of each row of log weights: (G, N) -> (G, size) positions.

    ``size`` (default N) draws: a weighted sample of that many from each row.
    """
    g, n = log_w.shape
    k = n if size is None else size
    w = np.exp(log_w - log_w.max(axis=1, keepdims=True))
    cum = np.cumsum(w, axis=1)
    cum /= cum[:, -1:]
    u = (rng.random((g, 1)) + np.arange(k)[None, :]) / k
    out = np.empty((g, k), dtype=np.int64)
    for i in range(g):
        out[i] = np.minimum(np.searchsorted(cum[i], u[i], side="right"), n - 1)
    return out


def jitter(model: EscalationModel, crises: np.ndarray, discount: float, rng: Any) -> None:
    """Move the continuous parameters of the given crises' particles (module docstring)."""
    groups = crises.size
    a = (3 * discount - 1) / (2 * discount)
    for arr, param in parameter_arrays(model):
        if param is None or param.rung or isinstance(param.default, int | str):
            continue  # undeclared, rung-valued and integer parameters are only resampled
        x = arr.reshape(groups, -1)
        rows = x[crises]
        mean = rows.mean(axis=1, keepdims=True)
        sd = rows.std(axis=1, keepdims=True)
        z = rng.standard_normal(rows.shape)
        x[crises] = np.clip(
            a * rows + (1 - a) * mean + np.sqrt(1 - a * a) * sd * z, param.low, param.high
        )
        arr[...] = x.reshape(arr.shape)  # in place: every holder of the array sees it


def _fork(
    model: EscalationModel, log_w: np.ndarray, t: int, read: Reader, size: int, seed: int
) -> Any:
    """Read the forecast made with the data up to day ``t``, then put the particles back."""
    groups, per = log_w.shape
    saved = save(model)
    w = log_w
    if per > size:
        pos = systematic(log_w, np.random.default_rng([seed, t, 1]), size)
        take(model, ((np.arange(groups) * per)[:, None] + pos).ravel())
        w = np.zeros((groups, size))
    model.run()
    out = read(model, w.ravel().copy(), t)
    restore(saved)
    return out


def run_filter(
    model: EscalationModel,
    rows: Sequence[int],
    observed: np.ndarray,
    error: ErrorModel,
    read: Reader,
    *,
    groups: int = 1,
    forks: Sequence[int] = (),
    threshold: float = 0.5,
    seed: int = 0,
    weigh: bool = True,
    fork_particles: int = 20_000,
    discount: float = 0.95,
) -> FilterResult:
    """Filter ``model``'s particles on the observed days, then run them to the horizon.

    Args:
        model: A freshly built model (day 0 not yet simulated); its replicates are the
            particles, ``groups`` crises of ``model.n // groups`` each.
        rows: The model's channel rows that are observed.
        observed: (channels, days) observed rungs, or (groups, channels, days); day
            ``days - 1`` is the last observed day.
        error: The error model.
        read: Reads the forecast off the particles once they reach the horizon.
        groups: Crises filtered at once.
        forks: Days before the last observed one at which to read a forecast too.
        threshold: Resample a crisis when its ESS falls below this share of its particles.
        seed: Seed of the resampling draws.
        weigh: False to leave every weight equal (the unconditioned forecast).
        fork_particles: Particles per crisis a fork runs on (a weighted subsample when
            there are more): the day-by-day view needs fewer than the forecast.
        discount: Liu and West's discount of the parameters' kernel (1: no kernel).

    Raises:
        ValueError: On shapes that do not fit, or an observed prefix past the horizon.
    """
    check_particles(model)
    n = model.n
    if groups < 1 or n % groups:
        raise ValueError(f"groups: {n} particles do not split into {groups} crises")
    obs = np.asarray(observed, dtype=np.int64)
    if obs.ndim == 2:
        obs = np.broadcast_to(obs, (groups, *obs.shape))
    if obs.shape[:2] != (groups, len(rows)):
        raise ValueError(f"observed: shape {obs.shape} does not fit {groups} x {len(rows)}")
    until = obs.shape[2] - 1
    if until >= model.days - 1:
        raise ValueError(f"until: day {until} leaves no day to forecast in {model.days}")
    per = n // groups
    model.lineage = np.arange(n)  # over replicates: take() carries it along
    table = error.log_table(model.ladder)
    log_w = np.zeros((groups, per))
    ess = np.zeros((until + 1, groups))
    resampled = np.zeros((until + 1, groups), dtype=bool)
    evidence = np.zeros((until + 1, groups))
    out = FilterResult(log_weights=log_w.ravel(), final=None)
    rows = list(rows)
    for t in range(until + 1):
        model.step()
        if weigh:
            sim = model.history[t][rows]  # (C, n)
            ll = log_likelihood(table, sim, np.repeat(obs[:, :, t].T, per, axis=1))
            new = log_w + ll.reshape(groups, per)
            evidence[t] = logsumexp(new, axis=1) - logsumexp(log_w, axis=1)
            log_w = new
        ess[t] = ess_of(log_w)
        if t in forks and t < until:
            out.forks[t] = _fork(model, log_w, t, read, fork_particles, seed)
        low = ess[t] < threshold * per
        if t < until and low.any():
            pos = systematic(log_w, np.random.default_rng([seed, t]))
            idx = np.arange(n).reshape(groups, per)
            base = (np.arange(groups) * per)[:, None]
            idx[low] = (base + pos)[low]
            take(model, idx.ravel())
            # Copies of one particle share its past: Monte Carlo errors count them as one
            # lineage (sim.forecast.questions.effective_size).
            model.lineage = np.where(low.repeat(per), idx.ravel(), model.lineage)
            log_w[low] = 0.0
            if discount < 1.0:
                jitter(model, low, discount, np.random.default_rng([seed, t, 2]))
            resampled[t] = low
    model.run()
    out.log_weights = log_w.ravel()
    out.final = read(model, out.log_weights, until)
    out.ess, out.resampled, out.log_evidence = ess, resampled, evidence
    params = parameter_rows(model)
    out.distinct = np.array(
        [
            np.unique(params[:, g * per : (g + 1) * per], axis=1).shape[1] if params.size else 1
            for g in range(groups)
        ]
    )
    return out

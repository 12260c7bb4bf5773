"""One forecast: condition a crisis's particles on its observed days, answer the questions.

:func:`forecast` builds the crisis's model with one particle per replicate (parameters drawn
from the posterior, or given as rows of a fit's draws), runs the particle filter of
:mod:`sim.forecast.smc` through the last observed day, and reads the questions of
:mod:`sim.forecast.questions`, a fan chart of what follows and the day-by-day movement of
the forecast off the weighted particles. The result is the content of ``forecast.json``
(``docs/forecast.md``).
"""

from __future__ import annotations

import copy
import time
from collections.abc import Sequence
from typing import Any

import numpy as np

from sim.episode import set_role_key
from sim.forecast.crisis import Crisis
from sim.forecast.observe import ErrorModel, Observed
from sim.forecast.questions import (
    Codes,
    asked,
    daily_from_rungs,
    effective_size,
    mc_error,
    probabilities,
)
from sim.forecast.smc import FilterResult, run_filter
from sim.model import EscalationModel
from sim.posterior import pool
from sim.settings import Settings

#: Quantiles of the fan chart.
QUANTILES = (0.05, 0.25, 0.5, 0.75, 0.95)
#: The horizon of every question (days after day 0).
HORIZON = 30


def build_model(
    crisis: Crisis,
    particles: int,
    seed: int,
    horizon: int,
    thetas: tuple[Sequence[str], np.ndarray] | None = None,
) -> EscalationModel:
    """The crisis's model with ``particles`` replicates over days 0..horizon.

    Args:
        crisis: The crisis.
        particles: Replicates.
        seed: The model's seed.
        horizon: Last simulated day.
        thetas: Role-keyed parameter names and an (particles, k) array of their values
            (a fit's draws); None to keep the config's (its ``posterior=`` draws).
    """
    raw = copy.deepcopy(crisis.raw)
    raw["simulation"] = {
        **raw["simulation"],
        "replicates": particles,
        "seed": seed,
        "days": horizon + 1,
        "write_events": False,
        "workers": 1,
    }
    if thetas is not None:
        # A crisis draws its own values of pooled parameters, one per particle.
        keys, values = pool(list(thetas[0]), np.asarray(thetas[1]), np.random.default_rng(seed))
        roles = {r for r, who in crisis.roles.items() if who}
        for j, key in enumerate(keys):
            if key.split(".")[1] in roles:
                set_role_key(raw, key, values[:, j])
    return EscalationModel(Settings.from_config(raw))


class Reader:
    """Reads the questions (and, at the cutoff, the fan) off particles run to the horizon."""

    def __init__(self, crisis: Crisis, observed: Observed, horizon: int, fan: bool) -> None:
        self.observed = observed
        self.horizon = horizon
        self.fan = fan
        states = [observed.rows[observed.names.index(s)] for s in ("victim", "adversary")]
        self.states = states
        self.mediator = [
            r for n, r in zip(observed.names, observed.rows, strict=True) if "mediator" in n
        ]
        self.questions = asked(bool(self.mediator))
        self.codes: Codes | None = None

    def __call__(self, model: EscalationModel, log_w: np.ndarray, cutoff: int) -> dict[str, Any]:
        """Question probabilities with their Monte Carlo errors, and the fan if asked."""
        if self.codes is None:
            self.codes = Codes.of(model.ladder)
        hist = model.history
        states = hist[:, self.states, :].transpose(1, 0, 2)
        med = hist[:, self.mediator, :].transpose(1, 0, 2) if self.mediator else None
        daily = daily_from_rungs(states, med, self.codes)
        w = np.exp(log_w - log_w.max())
        out: dict[str, Any] = {"cutoff": cutoff, "questions": {}}
        ess = effective_size(w, getattr(model, "lineage", None))
        for q in self.questions:
            p, _ = probabilities(q.read(daily, cutoff, self.horizon), w, len(q.answers))
            out["questions"][q.id] = {"p": p.tolist(), "mc_error": mc_error(p, ess).tolist()}
        out["ess"] = ess
        if self.fan:
            out["fan"] = fan(model, states, w)
        return out


def _weighted_quantiles(values: np.ndarray, w: np.ndarray, qs: Sequence[float]) -> np.ndarray:
    """(len(qs), days) weighted quantiles of ``values`` (days, R) day by day."""
    order = np.argsort(values, axis=1, kind="stable")
    v = np.take_along_axis(values, order, axis=1)
    cw = np.cumsum(w[order], axis=1)
    cw /= cw[:, -1:]
    out = np.empty((len(qs), values.shape[0]))
    for i, q in enumerate(qs):
        at = (cw < q).sum(axis=1)
        out[i] = v[np.arange(values.shape[0]), np.minimum(at, values.shape[1] - 1)]
    return out


def fan(model: EscalationModel, states: np.ndarray, w: np.ndarray) -> dict[str, Any]:
    """Each state's cumulative Goldstein score and daily chance of force, weighted."""
    gold = np.asarray(model.ladder.goldstein)
    force = model.ladder.index["strike_militants"]
    out: dict[str, Any] = {"quantiles": list(QUANTILES)}
    total = w.sum()
    for side, name in enumerate(("victim", "adversary")):
        cum = np.cumsum(gold[states[side]], axis=0)
        out[name] = {
            "cumulative_goldstein": _weighted_quantiles(cum, w, QUANTILES).round(3).tolist(),
            "p_force": ((states[side] >= force) @ w / total).round(5).tolist(),
        }
    return out


def forecast(
    crisis: Crisis,
    until: int,
    *,
    particles: int = 20_000,
    seed: int = 1,
    horizon: int = HORIZON,
    error: ErrorModel | None = None,
    forks: Sequence[int] | None = None,
    threshold: float = 0.5,
    thetas: tuple[Sequence[str], np.ndarray] | None = None,
    weigh: bool = True,
    fan_chart: bool = True,
) -> dict[str, Any]:
    """Forecast ``crisis`` from its days 0..``until`` (the module docstring).

    Args:
        crisis: The crisis.
        until: The last observed day conditioned on.
        particles: Particles (replicates).
        seed: Seed of the model and of the resampling.
        horizon: The last day forecast.
        error: The error model (default: :class:`ErrorModel`'s defaults).
        forks: Earlier days whose forecast is read too (default: every day before ``until``).
        threshold: Resampling threshold on the ESS share.
        thetas: Parameter rows instead of the config's posterior draws (see
            :func:`build_model`).
        weigh: False for the unconditioned forecast (weights stay equal).
        fan_chart: Read the fan chart at the cutoff.

    Raises:
        ValueError: If ``until`` is not within the observed days, or leaves no day to
            forecast before the horizon.
    """
    start = time.perf_counter()
    error = error or ErrorModel()
    if until >= horizon:
        raise ValueError(f"until: day {until} leaves nothing to forecast by day {horizon}")
    observed = crisis.observed.cut(until)
    forks = list(range(until)) if forks is None else [f for f in forks if f < until]
    model = build_model(crisis, particles, seed, horizon, thetas)
    lad = model.ladder
    reader = Reader(crisis, observed, horizon, fan_chart)
    result = run_filter(
        model,
        observed.rows,
        observed.rungs(),
        error,
        reader,
        forks=forks,
        threshold=threshold,
        seed=seed,
        weigh=weigh,
    )
    model.dispose()
    return summary(crisis, observed, result, reader, lad, error, start, particles, seed, until)


def summary(
    crisis: Crisis,
    observed: Observed,
    result: FilterResult,
    reader: Reader,
    lad: Any,
    error: ErrorModel,
    start: float,
    particles: int,
    seed: int,
    until: int,
) -> dict[str, Any]:
    """The forecast as ``forecast.json`` holds it."""
    gold = np.asarray(lad.goldstein)
    rungs = observed.rungs()
    final = dict(result.final)
    fan_data = final.pop("fan", None)
    if fan_data is not None:
        fan_data["observed"] = {
            name: np.cumsum(gold[rungs[observed.names.index(name)]]).round(3).tolist()
            for name in ("victim", "adversary")
        }
    by_day = [result.forks[t] for t in sorted(result.forks)] + [final]
    return {
        "crisis": crisis.name,
        "title": crisis.title,
        "source": crisis.source,
        "day0": crisis.day0.isoformat() if crisis.day0 else None,
        "until": until,
        "horizon": reader.horizon,
        "particles": particles,
        "seed": seed,
        "roles": crisis.roles,
        "labels": crisis.labels,
        "error_model": {"miscoding": error.miscoding, "missed": error.missed, "decay": error.decay},
        "observed": {
            "channels": list(observed.names),
            "rungs": {n: [lad.names[r] for r in rungs[i]] for i, n in enumerate(observed.names)},
            "acts": {
                n: [[lad.names[r] for r in d] for d in observed.acts[i]]
                for i, n in enumerate(observed.names)
            },
        },
        "questions": [
            {
                "id": q.id,
                "text": q.text,
                "answers": list(q.answers),
                **final["questions"][q.id],
            }
            for q in reader.questions
        ],
        "fan": fan_data,
        "by_day": [{"cutoff": d["cutoff"], "questions": d["questions"]} for d in by_day],
        "diagnostics": {
            "ess": result.ess[:, 0].round(1).tolist(),
            "resampled_days": [int(t) for t in np.flatnonzero(result.resampled[:, 0])],
            "log_evidence": result.log_evidence[:, 0].round(4).tolist(),
            "log_evidence_total": float(result.log_evidence[:, 0].sum()),
            "distinct_parameters": int(result.distinct[0]),
            "seconds": time.perf_counter() - start,
        },
    }

"""The benchmark from data to scores: select, fit on the training part, forecast the test part.

:func:`prepare` reads ICB and builds the records and their observed bins; :func:`run` fits
the model (:mod:`sim.benchmark.fit`) with crisis jobs on the training records, forecasts
every test record with posterior draws (and prior draws, to show what the fit added), fits
the baselines on the training records and scores everything once (:mod:`.scoring`). Jobs run
through ``runner``, which is how the command sends them to local workers or to SLURM.
"""

from __future__ import annotations

import sys
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from sim import icb
from sim.benchmark import baselines as bl
from sim.benchmark import fit as ft
from sim.benchmark import scoring as sc
from sim.benchmark.episodes import Record, records
from sim.benchmark.jobs import Job
from sim.benchmark.outcomes import VARIABLES, Variable, observed
from sim.calibration.priors import Prior
from sim.forecast.scoring import reliability

#: Runs jobs somewhere and returns their results in the jobs' order.
Runner = Callable[[list[Job], list[Path]], list[dict[str, Any]]]

FORECASTERS = ("model", "model_prior", "base_rates", "base_rates_by_trigger", "regression")
FORECASTER_WORDS = {
    "model": "the model, fitted",
    "model_prior": "the model, prior",
    "base_rates": "base rates",
    "base_rates_by_trigger": "base rates by trigger type",
    "regression": "multinomial logistic regression",
}
#: The issue's targets: skill at least this on these variables, and beating the regression
#: on at least this many variables.
TARGET_SKILL, TARGET_VARIABLES, TARGET_BEATS = (
    0.10,
    ("major_response", "violence", "outcome_form"),
    2,
)


@dataclass
class Data:
    """The benchmark's records and their observed bins, by part."""

    train: list[Record]
    test: list[Record]
    y_train: dict[str, np.ndarray]
    y_test: dict[str, np.ndarray]
    counts: dict[str, dict[str, int]]
    names: dict[int, str]


def prepare(limit: int | None = None) -> Data:
    """Select the records and read their observed bins.

    Args:
        limit: Keep only the first ``limit`` crises (by ICB number) of each part: a smoke
            run, never the benchmark.
    """
    actors, crises = icb.load("actor"), icb.load("crisis")
    selected = icb.select(actors, crises)
    recs = records(actors, selected)
    parts: dict[str, list[Record]] = {"train": [], "test": []}
    for r in recs:
        parts[r.split].append(r)
    if limit is not None:
        for part, rs in parts.items():
            keep = sorted({r.crisno for r in rs})[:limit]
            parts[part] = [r for r in rs if r.crisno in keep]
    kept = pd.DataFrame([{"crisno": r.crisno, "split": r.split} for r in recs])
    counts = icb.counts(kept) if limit is None else _counts(parts)
    return Data(
        train=parts["train"],
        test=parts["test"],
        y_train=observed(parts["train"], actors, crises),
        y_test=observed(parts["test"], actors, crises),
        counts=counts,
        names={r.crisno: r.crisname for r in recs},
    )


def _counts(parts: dict[str, list[Record]]) -> dict[str, dict[str, int]]:
    out: dict[str, dict[str, int]] = {"crises": {}, "actor_records": {}}
    for part in ("train", "test"):
        out["crises"][part] = len({r.crisno for r in parts[part]})
        out["actor_records"][part] = len(parts[part])
    return out


def shares(recs: Sequence[Record], jobs: int) -> list[tuple[Record, ...]]:
    """The records dealt round-robin into at most ``jobs`` non-empty shares."""
    n = max(1, min(jobs, len(recs)))
    return [tuple(recs[i::n]) for i in range(n) if recs[i::n]]


def run(
    data: Data,
    settings: dict[str, Any],
    base: dict[str, Any],
    prior: Prior,
    runner: Runner,
    jobs_dir: Path,
    progress: bool = True,
) -> tuple[dict[str, Any], pd.DataFrame, pd.DataFrame]:
    """Fit, forecast and score (module docstring).

    Returns:
        The summary (``benchmark.json``), the posterior particles and the test forecasts
        (one row per record, variable, forecaster and bin).
    """
    seed = int(settings["seed"])
    fit_s, fc_s = settings["fit"], settings["forecast"]
    common = {
        "base": base,
        "template": settings["template"],
        "keys": tuple(prior.keys),
        "seed": seed,
        "horizon": int(settings["horizon"]),
        "quiet_days": int(settings["quiet_days"]),
        "chunk": int(fit_s["chunk"]),
    }
    start = time.perf_counter()
    thetas = prior.sample(int(fit_s["draws"]), np.random.default_rng([seed, 0]))
    fit_jobs = [
        Job("counts", share, draws=thetas, **common)
        for share in shares(data.train, settings["jobs"])
    ]
    _say(
        progress,
        f"fit: {len(thetas):,} prior draws on {len(data.train)} training records, "
        f"{len(fit_jobs)} jobs",
    )
    results = runner(fit_jobs, [jobs_dir / f"fit_{i:03d}" for i in range(len(fit_jobs))])
    simulated = np.zeros(results[0]["counts"].shape, dtype=np.int64)
    for res in results:
        simulated += res["counts"]
    d = ft.distances(simulated, ft.observed_counts(data.train, data.y_train))
    rows = ft.accept(d, float(fit_s["keep"]))
    posterior = thetas[rows]
    fit_seconds = time.perf_counter() - start
    _say(
        progress,
        f"fit: kept {rows.size} draws, tolerance {d[rows].max():.3f} "
        f"(median prior distance {np.median(d):.3f}), {fit_seconds:.0f} s",
    )

    start = time.perf_counter()
    m = int(fc_s["draws"])
    draws = {
        "model": posterior[np.random.default_rng([seed, 1]).integers(0, rows.size, m)],
        "model_prior": prior.sample(m, np.random.default_rng([seed, 2])),
    }
    test_jobs: list[Job] = []
    whose: list[str] = []  # the forecaster of each job
    for name, th in draws.items():
        for share in shares(data.test, settings["jobs"]):
            test_jobs.append(Job("forecast", share, draws=th, **common))
            whose.append(name)
    _say(progress, f"forecast: {len(data.test)} test records x {m:,} draws, {len(test_jobs)} jobs")
    folders = [jobs_dir / f"forecast_{i:03d}" for i in range(len(test_jobs))]
    counts: dict[str, dict[int, dict[str, list[int]]]] = {name: {} for name in draws}
    for name, res in zip(whose, runner(test_jobs, folders), strict=True):
        counts[name].update(res["forecasts"])
    fc_seconds = time.perf_counter() - start

    summary, table = score(data, settings, counts)
    summary["fit"] = {
        "method": "rejection ABC on outcome distributions by trigger type (docs/benchmark.md)",
        "draws": int(thetas.shape[0]),
        "kept": int(rows.size),
        "tolerance": float(d[rows].max()),
        "median_prior_distance": float(np.median(d)),
        "median_posterior_distance": float(np.median(d[rows])),
        "parameters": ft.parameter_table(prior.keys, thetas, posterior),
    }
    summary["seconds"] = {"fit": fit_seconds, "forecast": fc_seconds}
    particles = pd.DataFrame(posterior, columns=list(prior.keys))
    particles["weight"] = 1.0 / rows.size
    particles["distance"] = d[rows]
    return summary, particles, table


def _say(progress: bool, line: str) -> None:
    if progress:
        print(f"  {line}", file=sys.stderr, flush=True)


def _forecasts(
    data: Data, settings: dict[str, Any], counts: dict[str, Any], var: Variable
) -> dict[str, np.ndarray]:
    """Every forecaster's (n_test, K) forecasts of one variable."""
    reg = settings["regression"]
    x_train, x_test = bl.covariates(data.train), bl.covariates(data.test)
    y = data.y_train[var.name]
    out = {
        name: sc.smoothed(np.array([counts[name][r.cracno][var.name] for r in data.test]))
        for name in ("model", "model_prior")
    }
    out["base_rates"] = np.tile(bl.base_rates(y, var.k), (len(data.test), 1))
    out["base_rates_by_trigger"] = bl.by_trigger(data.train, y, data.test, var.k)
    out["regression"] = bl.regression(
        x_train, y, x_test, var.k, c=float(reg["C"]), floor=float(reg["floor"])
    )
    return out


def score(
    data: Data, settings: dict[str, Any], counts: dict[str, Any]
) -> tuple[dict[str, Any], pd.DataFrame]:
    """The scores of every forecaster on every variable (the summary's body) and the table."""
    rng = np.random.default_rng([int(settings["seed"]), 3])
    crises = np.array([r.crisno for r in data.test])
    labels = [f"{r.actor} against {r.adversary}" for r in data.test]
    variables: dict[str, Any] = {}
    rows: list[dict[str, Any]] = []
    pairs: dict[str, list[Any]] = {"crisis": [], "model": [], "base": [], "label": []}
    for var in VARIABLES:
        y = data.y_test[var.name]
        ok = y >= 0
        fc = _forecasts(data, settings, counts, var)
        per = {name: sc.scores(p[ok], y[ok]) for name, p in fc.items()}
        head = "rps" if var.ordinal else "brier"
        means = {n: {k: float(v.mean()) for k, v in s.items()} for n, s in per.items()}
        base = means["base_rates"][head]
        variables[var.name] = {
            "label": var.label,
            "icb": var.icb,
            "bins": list(var.bins),
            "ordinal": var.ordinal,
            "headline": head,
            "n_train": int((data.y_train[var.name] >= 0).sum()),
            "n_test": int(ok.sum()),
            "observed_test": np.bincount(y[ok], minlength=var.k).tolist(),
            "scores": means,
            "skill": {n: 1.0 - s[head] / base if base > 0 else None for n, s in means.items()},
            "skill_interval": sc.skill_interval(
                {n: s[head] for n, s in per.items()},
                crises[ok],
                "base_rates",
                int(settings["bootstrap"]),
                rng,
            ),
            "mean_forecast": {n: p[ok].mean(axis=0).tolist() for n, p in fc.items()},
            "reliability": {
                n: reliability(list(zip(p[ok].tolist(), y[ok].tolist(), strict=True)))
                for n, p in fc.items()
            },
        }
        idx = np.flatnonzero(ok)
        pairs["crisis"].extend(crises[idx])
        pairs["model"].extend(per["model"]["log"])
        pairs["base"].extend(per["base_rates"]["log"])
        pairs["label"].extend(labels[i] for i in idx)
        for name, p in fc.items():
            for i in idx:
                r = data.test[i]
                for b in range(var.k):
                    rows.append(
                        {
                            "crisno": r.crisno,
                            "cracno": r.cracno,
                            "actor": r.actor,
                            "adversary": r.adversary,
                            "variable": var.name,
                            "forecaster": name,
                            "bin": var.bins[b],
                            "probability": float(p[i, b]),
                            "observed": bool(y[i] == b),
                        }
                    )
    skill_met = {
        v: bool((variables[v]["skill"]["model"] or -np.inf) >= TARGET_SKILL)
        for v in TARGET_VARIABLES
    }
    beats = [
        v
        for v, s in variables.items()
        if s["scores"]["model"][s["headline"]] < s["scores"]["regression"][s["headline"]]
    ]
    summary = {
        "benchmark": "icb",
        "data": {"source": "International Crisis Behavior v14", "citation": CITATION},
        "split": {
            "date": icb.SPLIT_DATE.isoformat(),
            **{
                part: {
                    "crises": data.counts["crises"][part],
                    "actor_records": data.counts["actor_records"][part],
                }
                for part in ("train", "test")
            },
        },
        "forecasters": list(FORECASTERS),
        "forecaster_words": FORECASTER_WORDS,
        "variables": variables,
        "targets": {
            "skill_at_least": TARGET_SKILL,
            "skill_variables": list(TARGET_VARIABLES),
            "skill_met": skill_met,
            "beats_regression": beats,
            "beats_regression_needed": TARGET_BEATS,
            "all_met": all(skill_met.values()) and len(beats) >= TARGET_BEATS,
        },
        "worst": sc.worst_crises(
            np.array(pairs["crisis"]),
            np.array(pairs["model"]),
            np.array(pairs["base"]),
            data.names,
            pairs["label"],
        ),
    }
    return summary, pd.DataFrame(rows)


CITATION = (
    "Brecher, Michael, Jonathan Wilkenfeld, Kyle Beardsley, Patrick James and David Quinn. "
    "International Crisis Behavior Data Codebook, Version 14. 2021."
)

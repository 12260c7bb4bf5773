"""``escalation calibrate`` across episodes: the fit, and what it writes.

:func:`fit` runs the sampler of :mod:`sim.calibration.replenish` over shared role-keyed
parameters with the simulator of :mod:`sim.calibration.joint`; :func:`calibrate_joint`
writes, like a one-episode calibration, ``posterior.parquet`` (role-keyed columns, usable
with ``posterior=`` on any episode), ``calibration.json``, ``calibrated.yaml`` (the
posterior median with the mechanisms the fit ran with, selectable as a scenario) and the
report.
"""

from __future__ import annotations

import json
import math
import time
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
import pyarrow as pa
import yaml
from sim.calibration.abc_smc import Result
from sim.calibration.checks import predictive
from sim.calibration.identification import parameter_table
from sim.calibration.joint import Episode, JointSimulator, cast_keys
from sim.calibration.joint_report import write_joint_report
from sim.calibration.priors import Prior, prior_from_config
from sim.calibration.replenish import Schedule, replenish_smc
from threadpoolctl import threadpool_limits

from sim import parallel
from sim.errors import ConfigError
from sim.eventlog import write_atomic
from sim.folders import write_text
from sim.posterior import SPREAD, systematic_indices


@dataclass
class Fit:
    """A joint fit: the prior, the simulator and the sampler's result."""

    prior: Prior
    sim: JointSimulator
    result: Result
    seconds: float

    @property
    def simulated(self) -> int:
        """Episodes simulated in the fit (a particle on one episode counts one)."""
        return self.sim.simulated

    def draws(self, n: int, rng: np.random.Generator) -> np.ndarray:
        """``n`` posterior draws (systematic resampling by weight)."""
        post = self.result.posterior
        return post.particles[systematic_indices(post.weights, n, rng)]


def schedule(cfg: Mapping[str, Any]) -> Schedule:
    """The sampler's settings from a ``calibration`` node.

    Raises:
        ConfigError: Naming the field, on a non-positive size or a bad fraction.
    """
    try:
        s = Schedule(
            population=int(cfg.get("population", 1000)),
            generations=int(cfg.get("generations", 30)),
            keep=float(cfg.get("quantile", 0.5)),
            batch=int(cfg.get("batch", 5000)),
            min_acceptance=float(cfg.get("min_acceptance", 0.015)),
            min_tolerance=float(cfg.get("min_tolerance", 0.0)),
            max_moves=int(cfg.get("max_moves", 40)),
            max_simulations=int(cfg.get("budget", 10_000_000)),
            seconds=float(cfg.get("seconds") or float("inf")),
        )
    except (TypeError, ValueError) as exc:
        raise ConfigError(f"calibration: {exc}") from None
    for name in ("population", "batch", "max_moves", "max_simulations"):
        if getattr(s, name) < (2 if name == "population" else 1):
            raise ConfigError(f"calibration.{name}: must be positive, got {getattr(s, name)}")
    for name in ("min_acceptance", "min_tolerance"):
        if not math.isfinite(getattr(s, name)):
            raise ConfigError(f"calibration.{name}: {getattr(s, name)} is not a finite number")
    if not 0 < s.keep < 1:  # NaN fails it too
        raise ConfigError(f"calibration.quantile: {s.keep} outside (0, 1)")
    given = cfg.get("seconds")
    if given is not None and not (0 < s.seconds < math.inf):
        # A NaN or infinite guard would never stop a fit; leave it unset for no guard.
        raise ConfigError(
            f"calibration.seconds: expected a positive number of seconds, got {given!r}"
        )
    return s


def check_fit(cfg: Mapping[str, Any], episodes: list[Episode]) -> None:
    """What :func:`fit` checks before it simulates: the priors and the schedule.

    Raises:
        ConfigError: Naming the first invalid setting.
    """
    prior_from_config(cast_keys(dict(cfg["priors"]), episodes))
    schedule(cfg)


def fit(
    cfg: Mapping[str, Any],
    episodes: list[Episode],
    seed: int,
    workers: int = 1,
    progress: Any = None,
) -> Fit:
    """Calibrate the shared parameters on ``episodes`` (module docstring)."""
    prior = prior_from_config(cast_keys(dict(cfg["priors"]), episodes))
    sim = JointSimulator(episodes, prior.keys, seed)
    start = time.perf_counter()
    # One BLAS thread per process: the sums come out the same in every worker.
    with threadpool_limits(1):
        result = replenish_smc(
            prior, sim, np.random.default_rng(seed), schedule(cfg), progress, workers
        )
    return Fit(prior, sim, result, time.perf_counter() - start)


def calibrate_joint(
    cfg: Mapping[str, Any],
    episodes: list[Episode],
    out: Path,
    progress: bool = True,
    workers: int = 1,
) -> dict[str, Any]:
    """Fit on ``episodes`` and write the outputs into ``out``; returns the summary."""
    from tqdm import tqdm

    seed = int(cfg.get("seed", 1))
    parallel.prepare(workers)  # before the bar's thread starts
    bar = tqdm(desc="ABC-SMC generations", disable=not progress)

    def report(t: int, g: Any) -> None:
        bar.update(1)
        bar.set_postfix(tol=f"{g.tolerance:.2f}", acc=f"{g.acceptance_rate:.3f}")

    f = fit(cfg, episodes, seed, workers, report)
    bar.close()
    post = f.result.posterior
    out.mkdir(parents=True, exist_ok=True)
    table = pd.DataFrame(post.particles, columns=f.prior.keys)
    table["weight"] = post.weights
    table["distance"] = post.distances
    write_atomic(pa.Table.from_pandas(table, preserve_index=False), out / "posterior.parquet")
    rng = np.random.default_rng(seed + 1)
    n = int(cfg.get("fit_draws", 20_000))
    prior_draws, post_draws = f.prior.sample(n, rng), f.draws(n, rng)
    checks = {}
    for e, ep in enumerate(f.sim.episodes):
        checks[ep.name] = {
            "title": ep.title,
            "days": ep.days,
            "window": ep.target.window,
            "well_sourced_days": np.flatnonzero(ep.target.sourced).tolist(),
            "observed": ep.target.observed,
            # The states' axis in words, for the report's peak (a position on it).
            "axis": state_axis_labels(ep.base),
            "prior": predictive(f.sim, e, prior_draws, 2 * 10**9),
            "posterior": predictive(f.sim, e, post_draws, 2 * 10**9 + 1),
        }
    params = parameter_table(f.prior, post.particles, post.weights)
    summary = {
        "joint": True,
        "episodes": [ep.name for ep in f.sim.episodes],
        "scenario": (episodes[0].base.get("scenario") or {}).get("name"),
        "seconds": f.seconds,
        "simulated_in_fit": f.simulated,
        "episodes_per_second": f.simulated / max(f.seconds, 1e-9),
        "simulated_per_episode": dict(f.sim.per_episode),
        "particles": int(post.particles.shape[0]),
        "sampler": "ABC-SMC with MCMC moves (Drovandi & Pettitt 2011)",
        "generations": f.result.schedule(),
        "prior_spec": {
            m.key: {"dist": m.dist, "low": m.low, "high": m.high} for m in f.prior.marginals
        },
        "parameters": params,
        "posterior_median": {k: v["median"] for k, v in params.items()},
        "marginals": {
            k: {"mean": v["mean"], "sd": v["sd"], "prior_sd": v["prior_sd"]}
            for k, v in params.items()
        },
        "checks": checks,
        "episode": {"name": "joint", "title": ", ".join(ep.title for ep in f.sim.episodes)},
    }
    write_text(out / "calibration.json", json.dumps(summary, indent=1))
    write_text(out / "calibrated.yaml", overlay(summary, episodes[0].base))
    write_joint_report(out, summary)
    return summary


def state_axis_labels(base: Mapping[str, Any]) -> list[str]:
    """The labels of the rungs states can take, in order: the positions the peak reads."""
    from sim.ladder import Ladder

    lad = Ladder.from_config(base["ladder"])
    return [r.label for r in lad.rungs if "state" in r.used_by]


def overlay(summary: Mapping[str, Any], base: Mapping[str, Any]) -> str:
    """A scenario overlay: the fit's mechanisms and ladder repertoire, and the median by role."""
    nested: dict[str, Any] = {}
    ints = {k for k, s in summary["prior_spec"].items() if s["dist"] == "int_uniform"}
    values = {
        k: round(v) if k in ints else round(float(v), 4)
        for k, v in summary["posterior_median"].items()
    }
    for key, value in values.items():
        if key.endswith(SPREAD):  # a pooled parameter's spread: the median is its mu
            continue
        node = nested
        parts = key.split(".")
        for part in parts[:-1]:
            node = node.setdefault(part, {})
        node[parts[-1]] = value
    head = {
        "scenario": {
            "name": "calibrated_joint",
            "title": "Calibrated across episodes (posterior median)",
            "description": (
                "Shared behaviour by role, fitted jointly to "
                + ", ".join(summary["episodes"])
                + ", with the mechanisms the fit ran with."
            ),
            "changes": ", ".join(f"{k} = {v}" for k, v in values.items()),
            "rationale": "Written by `escalation calibrate` across episodes; docs/validation.md.",
        },
        "ladder": {
            "state_repertoire": list((base.get("ladder") or {}).get("state_repertoire") or [])
        },
        "mechanisms": dict(base.get("mechanisms") or {}),
    }
    return (
        "# @package _global_\n# Written by `escalation calibrate` (joint); docs/validation.md.\n"
        + yaml.safe_dump({**head, **nested}, sort_keys=False)
    )

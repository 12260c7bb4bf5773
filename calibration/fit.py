"""Fitting the engine to the episode: the model-side simulator of ABC-SMC and the outputs.

One call evaluates a whole batch of particles in one vectorised model run: particle i's
parameters become replicate i's values (parameters are arrays over replicates). The call's
seed and replicate indices are distinct for every batch, so every simulation has its own
counter-based random numbers.
"""

from __future__ import annotations

import copy
import dataclasses
import json
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
import pyarrow as pa
import yaml
from omegaconf import OmegaConf
from sim.calibration.abc_smc import Generation, abc_smc
from sim.calibration.identification import parameter_table
from sim.calibration.priors import Prior, prior_from_config
from sim.calibration.targets import Targets, build_targets, distances, fit_flags
from threadpoolctl import threadpool_limits
from tqdm import tqdm

from sim import parallel
from sim.episode import set_role_key
from sim.errors import ConfigError
from sim.eventlog import write_atomic
from sim.folders import write_text
from sim.model import EscalationModel
from sim.posterior import set_key, systematic_indices
from sim.settings import Settings
from sim.timeline import Timeline, load_timeline


@dataclass
class ModelSimulator:
    """Evaluates batches of parameter vectors with the engine.

    Args:
        base: The composed config as a plain dict (the scenario to fit).
        prior: The prior (its keys are the parameters set per replicate).
        seed: Base seed of the calibration.
        timeline: The observed episode (its observed days are simulated).
    """

    base: dict[str, Any]
    prior: Prior
    seed: int
    timeline: Timeline
    simulated: int = 0

    @property
    def days(self) -> int:
        """Days simulated: the observed ones."""
        return self.timeline.observed_days

    def settings(self, thetas: np.ndarray, seed: int) -> Settings:
        """Settings with one particle's parameters per replicate."""
        raw = copy.deepcopy(self.base)
        raw["simulation"] = {
            **raw["simulation"],
            "replicates": int(thetas.shape[0]),
            "days": self.days,
            "seed": seed,
            "write_events": False,
        }
        for j, key in enumerate(self.prior.keys):
            (set_role_key if key.startswith("by_role.") else set_key)(raw, key, thetas[:, j])
        return Settings.from_config(raw)

    def model(self, thetas: np.ndarray, call: int) -> EscalationModel:
        """The finished model of one batch."""
        s = self.settings(thetas, self.seed * 1_000_003 + call)
        self.simulated += thetas.shape[0]
        return EscalationModel(s).run()

    def __call__(self, thetas: np.ndarray, call: int) -> np.ndarray:
        """Distances of a batch."""
        m = self.model(thetas, call)
        d = distances(m, targets_of(m, self.timeline))
        m.dispose()  # freed now, not by a garbage collection over everything imported
        return d


_TARGETS: dict[tuple[str, tuple[tuple[str, str], ...]], Targets] = {}


def targets_of(model: EscalationModel, timeline: Timeline) -> Targets:
    """Targets for a model's roster and episode (built once per episode and channels)."""
    key = (
        f"{timeline.name}:{timeline.observed_days}",
        tuple((c.actor, c.target) for c in model.channels),
    )
    if key not in _TARGETS:
        _TARGETS[key] = build_targets(model, timeline)
    return _TARGETS[key]


def episode_timeline(base: Mapping[str, Any]) -> Timeline:
    """The observed episode a composed config is fitted to.

    Raises:
        ConfigError: If the config's episode has no observed timeline.
    """
    node = base.get("episode") or {}
    name = node.get("timeline") if isinstance(node, Mapping) else None
    if not name:
        raise ConfigError(
            "episode.timeline: calibration needs an observed episode (select one with "
            "episode=NAME; `escalation episodes` lists them)"
        )
    return load_timeline(str(name))


def cast_priors(cfg: Mapping[str, Any], base: Mapping[str, Any]) -> dict[str, Any]:
    """The prior entries that apply to the episode: role keys of roles it does not cast go.

    An episode without a mediator, say, has nothing for the mediator's parameters to act on.
    """
    node = base.get("episode") or {}
    roles = (node.get("roles") or {}) if isinstance(node, Mapping) else {}
    out = {}
    for key, spec in cfg.items():
        parts = str(key).split(".")
        if parts[0] == "by_role" and len(parts) > 1 and not roles.get(parts[1]):
            continue
        out[str(key)] = spec
    if not out:
        raise ConfigError("calibration.priors: no parameter applies to this episode's roles")
    return out


def fit_numbers(sim: ModelSimulator, thetas: np.ndarray, call: int) -> dict[str, Any]:
    """P(exact match), P(within one rung) and the per-day predictive check for draws."""
    m = sim.model(thetas, call)
    t = targets_of(m, sim.timeline)
    exact, near = fit_flags(m, t)
    from sim.metrics import wilson

    per_day = {}
    gaps = m.history[: t.days, list(t.channels), :].transpose(1, 0, 2) == t.rungs[:, :, None]
    for i, name in enumerate(t.names):
        per_day[name] = [float(gaps[i, d].mean()) for d in range(t.days)]
    n = thetas.shape[0]
    return {
        "draws": n,
        "p_exact": dict(
            zip(("estimate", "lower", "upper"), wilson(float(exact.sum()), n), strict=True)
        ),
        "p_within_one_rung": dict(
            zip(("estimate", "lower", "upper"), wilson(float(near.sum()), n), strict=True)
        ),
        "p_day_matches": per_day,
        "observed": {
            name: [m.ladder.names[r] for r in t.rungs[i]] for i, name in enumerate(t.names)
        },
    }


def resample(gen: Generation, n: int, rng: np.random.Generator) -> np.ndarray:
    """``n`` particles drawn by weight (systematic resampling)."""
    return gen.particles[systematic_indices(gen.weights, n, rng)]


def calibrate(
    cfg: Mapping[str, Any], base: dict[str, Any], out: Path, progress: bool = True
) -> dict[str, Any]:
    """Run ABC-SMC and write the outputs into ``out``.

    Args:
        cfg: The ``calibration`` config node (population, generations, batch, quantile,
            budget, seed, fit_draws, priors).
        base: The composed scenario config as a plain dict.
        out: Output directory.
        progress: Show a progress bar per generation.

    Returns:
        The summary written to ``calibration.json``.
    """
    import time

    timeline = episode_timeline(base)
    # The days fitted are a setting fixed in advance (the reference exchange: days 0-3), not
    # the coded length, which runs to a horizon of 30 days.
    days = min(int(cfg.get("days", timeline.observed_days)), timeline.observed_days)
    timeline = dataclasses.replace(timeline, observed_days=days)
    prior = prior_from_config(cast_priors(cfg["priors"], base))
    seed = int(cfg.get("seed", 1))
    sim = ModelSimulator(base, prior, seed, timeline)
    rng = np.random.default_rng(seed)
    # Batches run on the run's workers (simulation.workers); the posterior does not depend on it.
    workers = int((base.get("simulation") or {}).get("workers", 1))
    parallel.prepare(workers)  # before the bar's thread starts
    bar = tqdm(total=int(cfg["generations"]), desc="ABC-SMC generations", disable=not progress)

    def report(t: int, g: Generation) -> None:
        bar.update(1)
        bar.set_postfix(
            tol=f"{g.tolerance:.2f}", acc=f"{g.acceptance_rate:.3f}", ess=f"{g.ess:.0f}"
        )

    start = time.perf_counter()
    # One BLAS thread per process: ``workers`` processes are the cores asked for, and the
    # sums come out the same in the caller and in a worker.
    with threadpool_limits(1):
        result = abc_smc(
            prior,
            sim,
            population=int(cfg["population"]),
            generations=int(cfg["generations"]),
            rng=rng,
            batch=int(cfg.get("batch", 20_000)),
            quantile=float(cfg.get("quantile", 0.5)),
            min_tolerance=float(cfg.get("min_tolerance", 0.0)),
            max_simulations=int(cfg.get("budget", 5_000_000)),
            progress=report,
            workers=workers,
        )
    # ABC-SMC stops early (tolerance reached, budget spent): the bar ends at 100% there.
    bar.total = bar.n
    bar.close()
    seconds = time.perf_counter() - start
    post = result.posterior
    out.mkdir(parents=True, exist_ok=True)
    table = pd.DataFrame(post.particles, columns=prior.keys)
    table["weight"] = post.weights
    table["distance"] = post.distances
    write_atomic(pa.Table.from_pandas(table, preserve_index=False), out / "posterior.parquet")
    draws = int(cfg.get("fit_draws", 50_000))
    prior_fit = fit_numbers(sim, prior.sample(draws, rng), 10**6)
    post_fit = fit_numbers(sim, resample(post, draws, rng), 10**6 + 1)
    parameters = parameter_table(prior, post.particles, post.weights)
    median = {k: v["median"] for k, v in parameters.items()}
    for m in prior.marginals:
        if m.dist == "int_uniform":
            median[m.key] = round(median[m.key])
    summary = {
        "seconds": seconds,
        "simulated_in_fit": result.simulated,
        "episodes_per_second": result.simulated / seconds,
        "particles": int(post.particles.shape[0]),
        "generations": result.schedule(),
        "prior": prior_fit,
        "posterior": post_fit,
        "posterior_median": median,
        "prior_spec": {
            m.key: {"dist": m.dist, "low": m.low, "high": m.high} for m in prior.marginals
        },
        "parameters": parameters,
        "marginals": {
            k: {"mean": v["mean"], "sd": v["sd"], "prior_sd": v["prior_sd"]}
            for k, v in parameters.items()
        },
    }
    summary["episode"] = {"name": timeline.name, "title": timeline.title}
    _write(out / "calibration.json", json.dumps(summary, indent=1))
    _write(out / "calibrated.yaml", calibrated_yaml(median, summary))
    return summary


def calibrated_yaml(median: Mapping[str, float | int], summary: Mapping[str, Any]) -> str:
    """A scenario overlay that sets the posterior median (selectable as ``scenario=...``)."""
    median = {k: (round(v, 4) if isinstance(v, float) else v) for k, v in median.items()}
    tree = OmegaConf.create()
    for key, value in median.items():
        OmegaConf.update(tree, key, value)  # makes the nodes on the way
    nested = OmegaConf.to_container(tree)
    assert isinstance(nested, dict)
    head = {
        "scenario": {
            "name": "calibrated",
            "title": "Calibrated (posterior median)",
            "description": (
                "The episode's roster with the ABC-SMC posterior median of the calibrated "
                "parameters, set by role so that it applies to any episode."
            ),
            "changes": ", ".join(f"{k} = {v}" for k, v in median.items()),
            "rationale": (
                f"Fitted to {summary['episode']['title']} (seeds/{summary['episode']['name']}/): "
                "P(exact match) "
                f"{summary['posterior']['p_exact']['estimate']:.2%} under the posterior against "
                f"{summary['prior']['p_exact']['estimate']:.2%} under the prior; P(within one "
                f"rung every day) {summary['posterior']['p_within_one_rung']['estimate']:.2%} "
                f"against {summary['prior']['p_within_one_rung']['estimate']:.2%}."
            ),
        }
    }
    return (
        "# @package _global_\n# Written by `escalation calibrate`; see docs/calibration.md.\n"
        + yaml.safe_dump({**head, **nested}, sort_keys=False)
    )


def _write(path: Path, text: str) -> None:
    write_text(path, text)  # atomic; a failed write leaves no temporary file

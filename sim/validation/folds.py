"""One fold of the scorecard: fit without an episode, forecast it, score every forecaster.

For the held-out episode and each of the fold's seeds: the shared parameters are calibrated
on the other episodes (:func:`sim.calibration.joint_fit.fit`, the joint calibration's
settings, seeded by the seed); the episode is then simulated ``draws`` times over days 0..H
from that posterior, from the prior and from the random null (the states follow Axelrod's
Random player on the ladder, restraint drawn per episode, other parameters from the prior),
and the Markov baseline draws as many paths. Base rates, the nearest analog and
persistence do not depend on the seed. Every forecaster is scored
(:func:`sim.validation.scores.score`); a fold's figure is the mean over its seeds and its
Monte Carlo error the standard error of that mean (sd over seeds / sqrt(seeds)), which holds
the fit's own noise as well as the draws'.
"""

from __future__ import annotations

import math
import time
from typing import Any

import numpy as np

from sim.calibration.features import features
from sim.calibration.joint import JointSimulator
from sim.calibration.joint_fit import fit
from sim.errors import ConfigError
from sim.validation import baselines
from sim.validation.cases import Case
from sim.validation.features import Spec, mediator_features, specs
from sim.validation.scores import Forecast, flatten, from_ensemble, score, unflatten

#: The null model's states: Random on the whole ladder, restraint drawn per episode.
NULL_POLICY = {"name": "random", "max_level": "sustained_conflict"}
FORECASTERS = ("posterior", "prior", "null", "base_rates", "analog", "markov", "persistence")
#: Forecasters that simulate, so that draws and seeds matter.
SIMULATED = ("posterior", "prior", "null", "markov")


def simulate(
    sim: JointSimulator, case: Case, thetas: np.ndarray, call: int, policy: Any = None
) -> dict[str, np.ndarray]:
    """Scorecard features (each (N,)) of the held-out episode for parameter rows ``thetas``."""
    model = sim.model(0, thetas, call, policy=policy)
    rungs = sim.paths(0, model).copy()
    roles = case.episode.base["episode"]["roles"]
    none = case.reading.coding.none
    med = np.full_like(rungs, none)
    if case.mediator:
        for i, state in enumerate((roles["victim"], roles["adversary"])):
            try:
                ch = model.channel_for(case.mediator, state).index
            except ConfigError:  # a mediator with no line toward this state
                continue
            med[i] = model.history[:, ch, :]
    model.dispose()
    values = features(rungs, case.reading.coding)
    values["peak"] = case.reading.peak_category(values["peak"])
    values.update(mediator_features(med, case.reading))
    return values


def seeded_forecasts(
    cfg: dict[str, Any], train: list[Case], test: Case, sp: dict[str, Spec], seed: int, draws: int
) -> tuple[dict[str, Forecast], dict[str, Any]]:
    """The simulated forecasters' forecasts for one seed, and the fit's figures."""
    f = fit(cfg, [c.episode for c in train], seed)
    rng = np.random.default_rng(seed + 1)
    sim = JointSimulator([test.episode], f.prior.keys, seed + 2)
    out = {
        "posterior": from_ensemble(simulate(sim, test, f.draws(draws, rng), 1), sp, test.bins),
        "prior": from_ensemble(simulate(sim, test, f.prior.sample(draws, rng), 2), sp, test.bins),
    }
    null_policy = {**NULL_POLICY, "p_restrain": rng.uniform(0.0, 1.0, draws)}
    null = simulate(sim, test, f.prior.sample(draws, rng), 3, policy=null_policy)
    out["null"] = from_ensemble(null, sp, test.bins)
    out["markov"] = baselines.markov(train, test, sp, draws, np.random.default_rng(seed + 3))
    info = {
        "seed": seed,
        "seconds": f.seconds,
        "particles": int(f.result.posterior.particles.shape[0]),
        "simulated": f.simulated,
        "generations": len(f.result.generations),
        "tolerance": f.result.posterior.tolerance,
    }
    return out, info


def run_fold(job: tuple[dict[str, Any], list[Case], str, list[int], int]) -> dict[str, Any]:
    """One fold (module docstring): ``(cfg, cases, held-out name, seeds, draws)``."""
    cfg, cases, held, seeds, draws = job
    start = time.perf_counter()
    train = [c for c in cases if c.name != held]
    test = next(c for c in cases if c.name == held)
    sp = specs(test.horizon)
    fixed: dict[str, Forecast] = {
        "base_rates": baselines.base_rates(train, test, sp),
        "persistence": baselines.persistence(test, sp),
    }
    fixed["analog"], analogs = baselines.analog(train, test, sp)
    runs: dict[str, list[dict[str, float]]] = {k: [] for k in SIMULATED}
    probs: dict[str, dict[str, list[float]]] = {
        k: {x: sp[x].to_bins(f.fine[x]).tolist() for x in sp} for k, f in fixed.items()
    }
    sums: dict[str, dict[str, np.ndarray]] = {k: {} for k in SIMULATED}
    fits = []
    for s in seeds:
        fc, info = seeded_forecasts(cfg, train, test, sp, s, draws)
        fits.append(info)
        for k, f in fc.items():
            runs[k].append(flatten(score(f, sp, test.bins, test.values)))
            for x in sp:
                sums[k][x] = sums[k].get(x, 0.0) + sp[x].to_bins(f.fine[x]) / len(seeds)
    for k in SIMULATED:
        probs[k] = {x: v.tolist() for x, v in sums[k].items()}
    scores: dict[str, Any] = {}
    mc_error: dict[str, Any] = {}
    for k in FORECASTERS:
        if k in runs:
            keys = runs[k][0].keys()
            mean = {key: float(np.mean([r[key] for r in runs[k]])) for key in keys}
            err = {key: _se([r[key] for r in runs[k]]) for key in keys}
        else:
            mean = flatten(score(fixed[k], sp, test.bins, test.values))
            err = dict.fromkeys(mean, 0.0)
        scores[k] = unflatten(mean)
        mc_error[k] = unflatten(err)
    return {
        "episode": held,
        "trained_on": [c.name for c in train],
        "horizon_days": test.horizon,
        "coded_through_day": test.coded_through,
        "observed": test.values,
        "observed_bins": {k: list(v) for k, v in test.bins.items()},
        "analog_of": analogs,
        "draws": draws,
        "seeds": list(seeds),
        "p_pattern_posterior": scores["posterior"]["pattern"]["p"],
        "p_pattern_prior": scores["prior"]["pattern"]["p"],
        "p_pattern_null": scores["null"]["pattern"]["p"],
        "scores": scores,
        "mc_error": mc_error,
        "bin_probabilities": probs,
        "fits": fits,
        "seconds": time.perf_counter() - start,
    }


def _se(values: list[float]) -> float:
    """Standard error of the mean over seeds (0 for one seed)."""
    if len(values) < 2:
        return 0.0
    return float(np.std(values, ddof=1) / math.sqrt(len(values)))

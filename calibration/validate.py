"""``escalation validate``: leave one episode out, fit on the others, forecast the one left out.

For each episode of the library (a *fold*): the shared parameters are calibrated on the
other episodes (:func:`sim.calibration.joint_fit.fit`, the joint calibration's settings);
the held-out episode is then simulated ``draws`` times from that posterior, from the prior
and from a null model, and each reads, with 95% Wilson intervals, the probability of the
held-out episode's observed pattern (all features together and each alone,
:mod:`sim.calibration.features`) and of its exact sequence over its well-sourced days.

The null model keeps everything but the states' decision rule: the victim and the adversary
follow the ``random`` policy (Axelrod's Random player on the ladder: restrain with a
probability drawn uniformly per episode, else any level up to sustained conflict), with the
other parameters drawn from the prior.

Folds are independent jobs: they run on ``workers`` local processes (:mod:`sim.parallel`),
each fold's sampler on one, and each fold is seeded by the run's seed and the episode's
position in the library, so the results do not depend on the number of workers.
``validation.folds`` runs a subset (one fold per job of a launcher, say).
"""

from __future__ import annotations

import json
import math
import sys
import time
from collections.abc import Callable, Iterable
from pathlib import Path
from typing import Any

import numpy as np
from sim.calibration.checks import predictive
from sim.calibration.joint import Episode, JointSimulator, episode_names, load_episodes
from sim.calibration.joint_fit import check_fit, fit
from sim.calibration.validation_report import write_validation_report

from sim import parallel
from sim.errors import ConfigError, exit_status
from sim.folders import write_text

#: The null model's states: Random on the whole ladder, restraint drawn per episode.
NULL_POLICY = {"name": "random", "max_level": "sustained_conflict"}


def run_fold(job: tuple[dict[str, Any], list[Episode], str, int, int]) -> dict[str, Any]:
    """One fold: calibrate without ``held``, then forecast it (module docstring)."""
    cfg, episodes, held, seed, draws = job
    start = time.perf_counter()
    train = [e for e in episodes if e.name != held]
    test = [e for e in episodes if e.name == held]
    f = fit(cfg, train, seed)
    rng = np.random.default_rng(seed + 1)
    sim = JointSimulator(test, f.prior.keys, seed + 2)
    post = predictive(sim, 0, f.draws(draws, rng), 1)
    prior = predictive(sim, 0, f.prior.sample(draws, rng), 2)
    null_policy = {**NULL_POLICY, "p_restrain": rng.uniform(0.0, 1.0, draws)}
    null = predictive(sim, 0, f.prior.sample(draws, rng), 3, policy=null_policy)
    t = test[0].target
    out: dict[str, Any] = {
        "episode": held,
        "trained_on": [e.name for e in train],
        "days": t.days,
        "window": t.window,
        "observed": t.observed,
        "well_sourced_days": np.flatnonzero(t.sourced).tolist(),
        "draws": draws,
    }
    for name, p in (("posterior", post), ("prior", prior), ("null", null)):
        out[f"p_pattern_{name}"] = p["p_pattern"]["estimate"]
        out[f"pattern_{name}"] = p["p_pattern"]
        out[f"features_{name}"] = p["p_features"]
        out[f"p_exact_{name}"] = p["p_exact"]
        out[f"simulated_{name}"] = p["simulated"]
    out["ratio_posterior_prior"] = ratio(post["p_pattern"], prior["p_pattern"], draws)
    out["fit"] = {
        "seconds": f.seconds,
        "particles": int(f.result.posterior.particles.shape[0]),
        "simulated": f.simulated,
        "generations": len(f.result.generations),
        "tolerance": f.result.posterior.tolerance,
    }
    out["seconds"] = time.perf_counter() - start
    return out


def ratio(a: dict[str, float], b: dict[str, float], n: int) -> float:
    """``a / b`` of two estimated proportions, each with half a count added (no zeros)."""
    return (a["estimate"] * n + 0.5) / (b["estimate"] * n + 0.5)


def plan_folds(cfg: dict[str, Any], names: list[str]) -> tuple[list[str], int, dict[str, Any]]:
    """The folds to run, the draws per held-out episode and a fold's calibration settings.

    Raises:
        ConfigError: On an unknown fold or a draw count below 1 (before anything is written).
    """
    val = dict(cfg.get("validation") or {})
    folds = list(val.get("folds") or names)
    bad = [f for f in folds if f not in names]
    if bad:
        raise ConfigError(f"calibration.validation.folds: {bad[0]!r} is not among {names}")
    draws = val.get("draws", 20_000)
    if isinstance(draws, bool) or not isinstance(draws, int) or draws < 1:
        raise ConfigError(
            f"calibration.validation.draws: expected a positive integer, got {draws!r}"
        )
    fold_cfg = {**cfg, "seconds": val.get("seconds_per_fold", cfg.get("seconds"))}
    return folds, draws, fold_cfg


#: Runs a list of fold jobs elsewhere (a launcher's pool): ``(jobs, folders) -> results``,
#: each result as :func:`run_fold` returns it, in the order of the jobs.
FoldRunner = Callable[[list[Any], list[Path]], list[dict[str, Any]]]


def validate(
    cfg: dict[str, Any],
    episodes: list[Episode],
    out: Path,
    workers: int = 1,
    progress: bool = True,
    runner: FoldRunner | None = None,
) -> dict[str, Any]:
    """Run the folds and write ``validation.json`` and ``validation.html`` into ``out``.

    Args:
        cfg: The calibration settings (``calibration`` node, with ``validation``).
        episodes: The episodes, loaded.
        out: The output folder.
        workers: Local processes running folds when no ``runner`` is given.
        progress: Print a line per fold.
        runner: Runs the folds as independent jobs through a launcher's pool (local
            worker processes or a SLURM job array; :mod:`sim.commands` builds it from
            ``launcher=``). Each fold writes into ``out/folds/<episode>``.
    """
    names = [e.name for e in episodes]
    folds, draws, fold_cfg = plan_folds(cfg, names)
    seed = int(cfg.get("seed", 1))
    jobs = [(fold_cfg, episodes, h, seed * 1000 + names.index(h), draws) for h in folds]
    start = time.perf_counter()
    done: Iterable[dict[str, Any]]
    if runner is not None:
        done = runner(jobs, [out / "folds" / h for h in folds])
    else:
        parallel.prepare(workers)
        done = parallel.ordered(run_fold, jobs, workers)
    results = []
    for r in done:
        results.append(r)
        if progress:
            print(
                f"  fold {r['episode']}: P(pattern) posterior {r['p_pattern_posterior']:.3%}, "
                f"prior {r['p_pattern_prior']:.3%}, null {r['p_pattern_null']:.3%} "
                f"({r['seconds']:.0f} s)",
                file=sys.stderr,
            )
    seconds = time.perf_counter() - start
    logs = [math.log(r["ratio_posterior_prior"]) for r in results]
    summary = {
        "episodes": names,
        "folds": results,
        "seconds": seconds,
        "workers": workers,
        "episodes_simulated": sum(r["fit"]["simulated"] + 3 * draws for r in results),
        "geometric_mean_ratio": math.exp(sum(logs) / len(logs)),
        "posterior_beats_null_every_fold": all(
            r["p_pattern_posterior"] > r["p_pattern_null"] for r in results
        ),
        "prior_pattern_at_most_10pct_every_fold": all(
            r["p_pattern_prior"] <= 0.10 for r in results
        ),
        "settings": {k: v for k, v in fold_cfg.items() if k != "priors"},
    }
    summary["episodes_per_second"] = summary["episodes_simulated"] / max(seconds, 1e-9)
    out.mkdir(parents=True, exist_ok=True)
    write_text(out / "validation.json", json.dumps(summary, indent=1))
    write_validation_report(out, summary)
    return summary


@exit_status
def main(argv: list[str], runner: FoldRunner | None = None) -> int:
    """``escalation validate [OVERRIDES...] [--overwrite]``: leave one episode out.

    The overrides are those of ``escalation calibrate``; ``draws=N``, ``folds=[a,b]`` and
    ``seconds_per_fold=S`` set the validation itself, ``out=DIR`` the output folder (default
    ``outputs/validation/<time>``), ``workers=N`` the processes that run folds. The output
    folder follows the rules of run and calibration folders (:mod:`sim.folders`): one writer
    at a time, a completion marker written last with the config's digest; a folder that
    holds anything else is refused unless ``--overwrite`` clears it, and one that holds a
    complete validation of the same config is left as it is.
    """
    from omegaconf import OmegaConf

    from sim.config import compose_config, expand_short
    from sim.folders import (
        clear,
        config_digest,
        holds_output,
        invalidate,
        is_complete,
        lock,
        mark_complete,
    )

    overwrite = "--overwrite" in argv
    given = expand_short([a for a in argv if a != "--overwrite"])
    out = Path(time.strftime("outputs/validation/%Y-%m-%d_%H-%M-%S"))
    overrides, carried, scenario = [], [], "crisis_mechanisms"
    for o in given:
        key, _, value = o.partition("=")
        if o.startswith("-") or key.lstrip("+~").startswith("hydra"):
            print(f"error: {key}: validate takes no Hydra flags or settings", file=sys.stderr)
            return 2
        if key == "out":
            out = Path(value)
        elif key == "scenario":
            scenario = value
        elif key in ("draws", "folds", "seconds_per_fold"):
            overrides.append(f"calibration.validation.{o}")
        elif key.startswith("calibration."):
            overrides.append(o)
        elif key.startswith(("simulation.", "by_role", "mechanisms", "actors", "+", "~")):
            carried.append(o)
        else:
            overrides.append(f"calibration.{o}")
    cfg = compose_config(scenario, ["+calibration=joint", *overrides, *carried])
    raw = OmegaConf.to_container(cfg.calibration, resolve=True)
    assert isinstance(raw, dict)
    calib = {str(k): v for k, v in raw.items()}
    names = episode_names(calib.get("episodes"))
    if len(names) < 2:
        raise ConfigError("calibration.episodes: leaving one out needs two episodes or more")
    workers = int(cfg.simulation.get("workers", 1))
    if not any(o.startswith("simulation.workers") for o in carried):
        workers = 2
    episodes = load_episodes(names, scenario, carried)
    # Everything is checked before the folder is touched (--overwrite clears it).
    from sim.calibration.command import check_joint

    check_joint(cfg)
    check_fit(plan_folds(calib, names)[2], episodes)
    digest = config_digest({"calibration": calib, "scenario": scenario, "carried": carried})
    with lock(out, "validation folder"):
        if is_complete(out, digest):
            print(f"Validation directory: {out.resolve()} (complete, same config: kept)")
            return 0
        if holds_output(out, ignore=()):
            if not overwrite:
                raise ConfigError(
                    f"out: {out} holds another validation or other files; choose another "
                    "folder, or add --overwrite to clear it first"
                )
            clear(out)
        # The marker comes back last: a folder without it is an unfinished validation.
        invalidate(out)
        s = validate(calib, episodes, out, workers, runner=runner)
        mark_complete(out, digest, command="validate")
    print(
        f"{len(s['folds'])} folds in {s['seconds']:.0f} s on {workers} workers "
        f"({s['episodes_per_second']:,.0f} episodes/s); geometric mean of "
        f"P(pattern | posterior) / P(pattern | prior): {s['geometric_mean_ratio']:.2f}; "
        f"posterior beats null on every fold: {s['posterior_beats_null_every_fold']}"
    )
    print(f"Validation directory: {out.resolve()}")
    return 0

"""Simulation-based calibration of the joint fit on the engine itself: coverage of intervals.

Run: ``.venv/bin/python -m benchmarks.bench_coverage [--repetitions 40] [--broken]``

Each repetition draws the true parameters from the prior, simulates the episodes once with
them (the synthetic observed paths, ``sim.calibration.coverage.synthetic_episodes``), runs the
joint sampler on that synthetic set, and records where the truth falls in the posterior.
It prints the coverage of the 50% and 90% central credible intervals, overall and per
parameter; the 90% one must lie in [80%, 97%]. ``--broken`` runs a deliberately broken
sampler (no MCMC moves: populations are only resampled and collapse), which must fail.

To keep a repetition to seconds it fits a reduced problem with the same features, distance
and sampler: the three shortest episodes and the six parameters of preparation and answer
type by role (the others at the crisis_mechanisms scenario's values), 300 particles.
"""

from __future__ import annotations

import argparse
import os
import time

import numpy as np
import yaml
from sim.calibration.coverage import run_sbc, synthetic_episodes
from sim.calibration.joint import JointSimulator, load_episodes
from sim.calibration.joint_fit import fit
from sim.calibration.priors import prior_from_config
from sim.calibration.replenish import Schedule, replenish_smc

EPISODES = ["iran_pakistan_2024", "us_iran_2020", "india_pakistan_2016"]
KEYS = [
    f"by_role.{r}.{p}"
    for r in ("victim", "adversary")
    for p in ("prep_days", "prep_hazard", "state_answer")
]


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__)
    ap.add_argument("--repetitions", type=int, default=40)
    ap.add_argument("--population", type=int, default=300)
    ap.add_argument("--broken", action="store_true")
    args = ap.parse_args()
    from importlib import resources

    text = resources.files("sim.configs").joinpath("calibration/joint.yaml").read_text()
    priors = {k: v for k, v in yaml.safe_load(text)["priors"].items() if k in KEYS}
    cfg = {
        "priors": priors,
        "population": args.population,
        "min_acceptance": 0.05,
        "max_moves": 20,
        "generations": 10,
    }
    episodes = load_episodes(EPISODES, "crisis_mechanisms")
    prior = prior_from_config(priors)
    start = time.perf_counter()

    def calibrate(truth: np.ndarray, rep: int) -> tuple[np.ndarray, np.ndarray]:
        synthetic = synthetic_episodes(episodes, prior.keys, truth, seed=50_000 + rep)
        if args.broken:  # the sampler's own settings refuse max_moves=0: build it by hand
            sim = JointSimulator(synthetic, prior.keys, rep + 1)
            sched = Schedule(
                population=args.population, generations=10, max_moves=0, min_acceptance=0.0
            )
            post = replenish_smc(prior, sim, np.random.default_rng(rep + 1), sched).posterior
        else:
            post = fit(cfg, synthetic, seed=rep + 1).result.posterior
        if rep % 10 == 9:
            print(f"  {rep + 1} repetitions, {time.perf_counter() - start:.0f} s", flush=True)
        return post.particles, post.weights

    s = run_sbc(prior, calibrate, args.repetitions, seed=7)
    one, five, _ = os.getloadavg()
    print(
        f"{'broken' if args.broken else 'joint'} sampler, {args.repetitions} repetitions in "
        f"{time.perf_counter() - start:.0f} s (load {one:.1f}/{five:.1f} on {os.cpu_count()} cores)"
    )
    for q in ("50%", "90%"):
        by = ", ".join(f"{k.split('.', 1)[1]} {v:.0%}" for k, v in s[f"{q}_by_parameter"].items())
        print(f"coverage of the {q} intervals: {s[q]:.1%} ({by})")
    ok = 0.80 <= s["90%"] <= 0.97
    print(f"90% coverage within [80%, 97%]: {'PASS' if ok else 'FAIL'}")


if __name__ == "__main__":
    main()

"""Simulation-based calibration of the shipped joint fit (docs/validation.md).

Run: ``.venv/bin/python -m benchmarks.bench_sbc [--repetitions 200] [--population 1000]
[--workers 2] [--sampler joint|prior] [--out FILE]``

Every repetition draws all parameters of the joint prior (``configs/calibration/joint.yaml``),
simulates every episode of the library once with them over the 30-day horizon, fits the
synthetic library with the joint fit's settings and reads where the truth falls
(:mod:`sim.validation.sbc`). Repetitions are independent jobs on local worker processes.
It prints the coverage of the 50% and 90% intervals, each parameter's rank-histogram test
and posterior/prior sd ratio, and the verdict on the three criteria; ``--sampler prior``
runs a sampler that returns its prior, which must fail. ``--out`` writes the whole result
as JSON.
"""

from __future__ import annotations

import argparse
import json
import os
import sys
import time
from pathlib import Path

from sim.calibration.joint import episode_names, load_episodes

from sim.config import compose_config
from sim.validation import sbc


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__)
    ap.add_argument("--repetitions", type=int, default=200)
    ap.add_argument("--population", type=int, default=1000)
    ap.add_argument("--workers", type=int, default=2)
    ap.add_argument("--sampler", choices=("joint", "prior"), default="joint")
    ap.add_argument("--seed", type=int, default=7)
    ap.add_argument("--out", type=Path)
    args = ap.parse_args()
    cfg = dict(compose_config("crisis_mechanisms", ["+calibration=joint"]).calibration)
    cfg["priors"] = dict(cfg["priors"])
    cfg["population"] = args.population
    episodes = load_episodes(episode_names("all"), "crisis_mechanisms")
    start = time.perf_counter()

    def progress(done: int, total: int) -> None:
        if done % 10 == 0 or done == total:
            el = time.perf_counter() - start
            print(f"  {done}/{total} repetitions, {el:.0f} s", file=sys.stderr, flush=True)

    s = sbc.run(cfg, episodes, args.repetitions, args.seed, args.workers, args.sampler, progress)
    one, five, _ = os.getloadavg()
    wall = time.perf_counter() - start
    print(
        f"{args.sampler} sampler: {args.repetitions} repetitions of the shipped problem "
        f"({len(s['episodes'])} episodes, {len(s['parameters'])} parameters, "
        f"{args.population} particles) in {wall:.0f} s on {args.workers} workers "
        f"(median {s['seconds_per_repetition']:.1f} s a repetition; load {one:.1f}/{five:.1f})"
    )
    cov = s["coverage"]
    print(
        f"coverage: 50% intervals {cov['50%']:.1%}, 90% intervals {cov['90%']:.1%} "
        f"(band {sbc.COVERAGE_BAND[0]:.0%}-{sbc.COVERAGE_BAND[1]:.0%})"
    )
    print(f"{'parameter':36s} {'90% cov':>8} {'rank p':>8} {'sd ratio':>9}")
    for k in s["parameters"]:
        print(
            f"{k:36s} {cov['90%_by_parameter'][k]:>8.1%} {s['rank_p_values'][k]:>8.3f} "
            f"{s['sd_ratio_by_parameter'][k]:>9.2f}"
        )
    print(
        f"mean sd ratio {s['mean_sd_ratio']:.3f} (informative if <= {sbc.MAX_SD_RATIO}); "
        f"rank threshold p >= {s['rank_threshold']:.5f}"
    )
    print(f"criteria: {s['criteria']}; passes: {s['passes']}")
    if args.out:
        args.out.write_text(json.dumps(s, indent=1))


if __name__ == "__main__":
    main()

"""Engine throughput: 30-day episodes per second at several batch sizes, per scenario.

Run: ``.venv/bin/python -m benchmarks.bench_engine [--sizes 1,100,10000] [--repeat 5]``

Simulation only (no files written), one process, one core. Prints a table of the
median wall time over ``--repeat`` runs and episodes per second.

Several scenarios (``--scenario baseline,crisis_mechanisms --rounds 3``) are measured in
alternation, round after round, so that a machine's changing load falls on each alike; the
last lines give each scenario's median over the rounds and their ratio to the first.
"""

from __future__ import annotations

import argparse
import logging
import os
import platform
import statistics
import time

import numpy as np

from sim.config import compose_config
from sim.model import EscalationModel
from sim.settings import Settings

logging.getLogger("MESA").setLevel(logging.WARNING)


def time_batch(settings: Settings, size: int, repeat: int) -> list[float]:
    out = []
    chunk = settings.simulation.chunk_size
    for _ in range(repeat):
        start = time.perf_counter()
        for lo in range(0, size, chunk):
            EscalationModel(settings, replicates=np.arange(lo, min(lo + chunk, size))).run()
        out.append(time.perf_counter() - start)
    return out


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__)
    ap.add_argument("--sizes", default="1,10,100,1000,10000,100000")
    ap.add_argument("--repeat", type=int, default=5)
    ap.add_argument("--days", type=int, default=30)
    ap.add_argument("--scenario", default="baseline", help="one scenario, or several: a,b")
    ap.add_argument("--rounds", type=int, default=1, help="alternations of the scenarios")
    args = ap.parse_args()
    sizes = [int(s) for s in args.sizes.split(",")]
    scenarios = args.scenario.split(",")
    settings = {
        name: Settings.from_config(
            compose_config(
                name, [f"simulation.replicates={max(sizes)}", f"simulation.days={args.days}"]
            )
        )
        for name in scenarios
    }
    chunk = next(iter(settings.values())).simulation.chunk_size
    print(f"# engine throughput, scenario={args.scenario}, days={args.days}, chunk_size={chunk}")
    print(
        f"# python {platform.python_version()}, numpy {np.__version__}, "
        f"{platform.machine()}, {os.cpu_count()} cpus"
    )
    label = "scenario" if len(scenarios) > 1 or args.rounds > 1 else ""
    print(f"{label:>18} {'R':>9} {'median s':>10} {'episodes/s':>12} {'us/episode':>11}")
    for s in settings.values():
        time_batch(s, min(sizes), 1)  # warm-up
    rates: dict[tuple[str, int], list[float]] = {}
    for _ in range(args.rounds):
        for name, s in settings.items():
            for size in sizes:
                med = statistics.median(time_batch(s, size, args.repeat))
                rates.setdefault((name, size), []).append(size / med)
                shown = name if label else ""
                print(
                    f"{shown:>18} {size:>9} {med:>10.4f} {size / med:>12,.0f} "
                    f"{1e6 * med / size:>11.1f}"
                )
    if label:
        print("# median over the rounds (episodes/s), and the ratio to the first scenario")
        for size in sizes:
            first = statistics.median(rates[(scenarios[0], size)])
            for name in scenarios:
                rate = statistics.median(rates[(name, size)])
                print(f"{name:>18} {size:>9} {rate:>23,.0f} {rate / first:>11.2f}")


if __name__ == "__main__":
    main()

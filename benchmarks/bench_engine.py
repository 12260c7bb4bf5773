"""Engine throughput: baseline 30-day episodes per second at several batch sizes.

Run: ``.venv/bin/python -m benchmarks.bench_engine [--sizes 1,100,10000] [--repeat 5]``

Simulation only (no files written), one process, one core. Prints a table of the
median wall time over ``--repeat`` runs and episodes per second.
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
    ap.add_argument("--scenario", default="baseline")
    args = ap.parse_args()
    sizes = [int(s) for s in args.sizes.split(",")]
    cfg = compose_config(
        args.scenario, [f"simulation.replicates={max(sizes)}", f"simulation.days={args.days}"]
    )
    settings = Settings.from_config(cfg)
    print(
        f"# engine throughput, scenario={args.scenario}, days={args.days}, "
        f"chunk_size={settings.simulation.chunk_size}"
    )
    print(
        f"# python {platform.python_version()}, numpy {np.__version__}, "
        f"{platform.machine()}, {os.cpu_count()} cpus"
    )
    print(f"{'R':>9} {'median s':>10} {'episodes/s':>12} {'us/episode':>11}")
    time_batch(settings, min(sizes), 1)  # warm-up
    for size in sizes:
        times = time_batch(settings, size, args.repeat)
        med = statistics.median(times)
        print(f"{size:>9} {med:>10.4f} {size / med:>12,.0f} {1e6 * med / size:>11.1f}")


if __name__ == "__main__":
    main()

"""Sweep wall time: a 100-point grid x 10,000 replicates x 30 days through the CLI.

Run: ``.venv/bin/python -m benchmarks.bench_sweep [--repeat 3] [--replicates 10000]
[--launcher grouped local basic]``

Times the whole command (``escalation run -m ...``: Hydra start, 100 jobs each writing its
event log, outcomes and summary, then aggregation into sweep.parquet and the comparison
report) from a subprocess, and prints the median wall time per launcher:

- ``grouped``: the default (our sweeper and launcher, sim/sweep/launcher.py, 2 workers);
- ``local``: Hydra's basic sweeper and joblib launcher, 2 workers (the default until 2026-11);
- ``basic``: Hydra's basic sweeper and launcher, one job at a time.

Launchers are interleaved run by run, so a change in the machine's load hits them alike.
"""

from __future__ import annotations

import argparse
import itertools
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import pandas as pd

#: Extra overrides of each launcher (the default config is ``grouped``).
LAUNCHERS = {
    "grouped": [],
    "local": ["hydra/launcher=local", "hydra/sweeper=basic"],
    "basic": ["hydra/launcher=basic", "hydra/sweeper=basic"],
}
GEN = ",".join(f"{x / 10:.1f}" for x in range(10))
SENS = ",".join(f"{x / 20:.2f}" for x in range(10))


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__)
    ap.add_argument("--repeat", type=int, default=3)
    ap.add_argument("--replicates", type=int, default=10_000)
    ap.add_argument("--launcher", nargs="+", default=["grouped"], choices=list(LAUNCHERS))
    args = ap.parse_args()
    exe = Path(sys.executable).with_name("escalation")
    times: dict[str, list[float]] = {name: [] for name in args.launcher}
    for _, launcher in itertools.product(range(args.repeat), args.launcher):
        with tempfile.TemporaryDirectory() as tmp:
            cmd = [
                str(exe),
                "run",
                "-m",
                f"actors.iran.policy.generosity={GEN}",
                f"actors.pakistan.pressure_sensitivity={SENS}",
                f"replicates={args.replicates}",
                "days=30",
                f"hydra.sweep.dir={tmp}/sweep",
            ]
            cmd += LAUNCHERS[launcher]
            start = time.perf_counter()
            subprocess.run(cmd, check=True, capture_output=True, cwd=tmp)
            times[launcher].append(time.perf_counter() - start)
            table = pd.read_parquet(Path(tmp) / "sweep" / "sweep.parquet")
            assert len(table) == 100 and (table["status"] == "complete").all()
    print(f"# 100-point sweep x {args.replicates:,} replicates x 30 days, CLI included")
    for launcher, ts in times.items():
        med = statistics.median(ts)
        print(
            f"{launcher:8s} runs (s): {', '.join(f'{t:.1f}' for t in ts)};  median {med:.1f} s "
            f"({med / 100 * 1000:.0f} ms per job; {100 * args.replicates / med:,.0f} episodes/s)"
        )


if __name__ == "__main__":
    main()

"""Sweep wall time: a 100-point grid x 10,000 replicates x 30 days through the CLI.

Run: ``.venv/bin/python -m benchmarks.bench_sweep [--repeat 3] [--replicates 10000]
[--launcher default|basic]``

Times the whole command (``escalation run -m ...``: Hydra start, 100 jobs each writing its
event log, outcomes and summary, then aggregation into sweep.parquet and the comparison
report) from a subprocess, and prints the median wall time and the per-job overhead.
"""

from __future__ import annotations

import argparse
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import pandas as pd

GEN = ",".join(f"{x / 10:.1f}" for x in range(10))
SENS = ",".join(f"{x / 20:.2f}" for x in range(10))


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__)
    ap.add_argument("--repeat", type=int, default=3)
    ap.add_argument("--replicates", type=int, default=10_000)
    ap.add_argument("--launcher", default="default", choices=["default", "basic"])
    args = ap.parse_args()
    exe = Path(sys.executable).with_name("escalation")
    times = []
    for _ in range(args.repeat):
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
            if args.launcher == "basic":
                cmd += ["hydra/launcher=basic"]
            start = time.perf_counter()
            subprocess.run(cmd, check=True, capture_output=True, cwd=tmp)
            times.append(time.perf_counter() - start)
            table = pd.read_parquet(Path(tmp) / "sweep" / "sweep.parquet")
            assert len(table) == 100 and (table["status"] == "complete").all()
    med = statistics.median(times)
    launcher = "joblib, 2 workers (the default)" if args.launcher == "default" else args.launcher
    print(f"# 100-point sweep x {args.replicates:,} replicates x 30 days, launcher={launcher}")
    print(f"runs (s): {', '.join(f'{t:.1f}' for t in times)}")
    print(
        f"median wall: {med:.1f} s  ({med / 100 * 1000:.0f} ms per job; "
        f"{100 * args.replicates / med:,.0f} episodes/s end to end)"
    )


if __name__ == "__main__":
    main()

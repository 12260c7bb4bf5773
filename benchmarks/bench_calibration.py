"""Calibration speed: `escalation calibrate episode=iran_pakistan_2024` (one episode), end to end.

Run: ``.venv/bin/python -m benchmarks.bench_calibration [--repeat 3]``

Prints, per run, the wall time of the command, the simulations in the fit, the episodes
simulated per second during the fit, and the fit numbers; then the medians.
"""

from __future__ import annotations

import argparse
import json
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__)
    ap.add_argument("--repeat", type=int, default=3)
    args = ap.parse_args()
    exe = Path(sys.executable).with_name("escalation")
    walls, rates = [], []
    print(
        f"{'wall s':>7} {'fit s':>6} {'simulated':>10} {'episodes/s':>11} {'particles':>9} "
        f"{'P(exact) prior':>15} {'posterior':>10}"
    )
    for _ in range(args.repeat):
        with tempfile.TemporaryDirectory() as tmp:
            start = time.perf_counter()
            subprocess.run(
                [str(exe), "calibrate", "episode=iran_pakistan_2024", f"hydra.run.dir={tmp}/c"],
                check=True,
                capture_output=True,
                cwd=tmp,
            )
            wall = time.perf_counter() - start
            s = json.loads((Path(tmp) / "c" / "calibration.json").read_text())
        walls.append(wall)
        rates.append(s["episodes_per_second"])
        print(
            f"{wall:>7.1f} {s['seconds']:>6.1f} {s['simulated_in_fit']:>10,} "
            f"{s['episodes_per_second']:>11,.0f} {s['particles']:>9,} "
            f"{s['prior']['p_exact']['estimate']:>15.3%} "
            f"{s['posterior']['p_exact']['estimate']:>10.2%}"
        )
    print(
        f"median wall {statistics.median(walls):.1f} s; median {statistics.median(rates):,.0f} "
        "episodes/s during the fit"
    )


if __name__ == "__main__":
    main()

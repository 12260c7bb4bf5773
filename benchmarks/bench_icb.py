"""The ICB benchmark's wall time, fit included (target: within 30 minutes on 2 cores).

Run: ``.venv/bin/python -m benchmarks.bench_icb [--workers 2] [--out DIR] [--limit N]``

Runs ``escalation benchmark icb`` with the shipped settings (``configs/benchmark/icb.yaml``)
into a fresh folder and prints the wall time of the whole command (reading ICB, the fit on
the training part, the test forecasts, the baselines, the scores and the files) with the
fit's and the forecasts' shares, the machine, and the headline skills. ``--limit N`` runs the
first N crises of each part only (a quick look, not the benchmark).
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import subprocess
import sys
import tempfile
import time
from pathlib import Path


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__)
    ap.add_argument("--workers", type=int, default=2)
    ap.add_argument("--out", default=None, help="output folder (default: a temporary one)")
    ap.add_argument("--limit", type=int, default=None)
    args = ap.parse_args()
    out = Path(args.out) if args.out else Path(tempfile.mkdtemp(prefix="bench_icb_")) / "b"
    cmd = [
        str(Path(sys.executable).with_name("escalation")),
        "benchmark",
        "icb",
        f"out={out}",
        f"workers={args.workers}",
        "--overwrite",
    ]
    if args.limit:
        cmd.append(f"limit={args.limit}")
    machine = platform.processor() or platform.machine()
    print(f"{machine}, {os.cpu_count()} cores; {args.workers} workers; {' '.join(cmd[1:])}")
    start = time.perf_counter()
    subprocess.run(cmd, check=True)
    wall = time.perf_counter() - start
    s = json.loads((out / "benchmark.json").read_text())
    sec = s["seconds"]
    print(
        f"wall {wall:.0f} s ({wall / 60:.1f} min): fit {sec['fit']:.0f} s, forecasts "
        f"{sec['forecast']:.0f} s; target <= 1800 s: {'met' if wall <= 1800 else 'not met'}"
    )
    for name, v in s["variables"].items():
        print(f"  {name:>15}: skill of the model against base rates {v['skill']['model']:+.3f}")


if __name__ == "__main__":
    main()

"""Joint calibration and leave-one-out validation: wall time and episodes simulated a second.

Run: ``.venv/bin/python -m benchmarks.bench_joint [--workers 2] [--skip-validate]``

Runs ``escalation calibrate workers=N`` (every episode of the library, the defaults of
``configs/calibration/joint.yaml``) and ``escalation validate workers=N``, end to end as a
user would, and prints for each the wall time, the episodes simulated and their rate, with
the machine's load average before and after (the machine may be shared). The targets:
the joint fit with >= 1,000 particles within 3 minutes and the scorecard (``escalation
validate``, five folds of three fits each) within 20 minutes on 2 cores.
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Any


def load() -> str:
    one, five, _ = os.getloadavg()
    return f"load {one:.1f} (1 min) {five:.1f} (5 min) on {os.cpu_count()} cores"


def timed(command: list[str], cwd: str) -> float:
    """Run a command to completion (its output kept out of the figures); seconds of wall time."""
    start = time.perf_counter()
    subprocess.run(command, check=True, capture_output=True, cwd=cwd)
    return time.perf_counter() - start


def print_scorecard(v: dict[str, Any]) -> None:
    """Per fold, every forecaster's summed per-feature log score; the means; the targets."""
    t = v["summary"]
    names = list(t["mean_pattern_log_score"])
    print("summed per-feature log score (nats, higher is better)")
    print(f"{'held out':22s} " + " ".join(f"{n[:10]:>10}" for n in names))
    for f in v["folds"]:
        row = " ".join(f"{f['scores'][n]['sum_log']:>10.2f}" for n in names)
        print(f"{f['episode']:22s} {row}")
    for label, key in (
        ("mean, summed features", "mean_summed_feature_log_score"),
        ("mean, whole pattern", "mean_pattern_log_score"),
    ):
        print(f"{label:22s} " + " ".join(f"{t[key][n]:>10.2f}" for n in names))
    for name, target in t["targets"].items():
        print(f"  {name}: reached {target['reached']}, wanted {target['target']}: {target['met']}")


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__)
    ap.add_argument("--workers", type=int, default=2)
    ap.add_argument("--skip-validate", action="store_true")
    ap.add_argument("--keep", help="copy the outputs into this folder")
    args = ap.parse_args()
    exe = Path(sys.executable).with_name("escalation")
    with tempfile.TemporaryDirectory() as tmp:
        out = Path(args.keep or tmp)
        print(f"before: {load()}", flush=True)
        wall = timed(
            [str(exe), "calibrate", f"workers={args.workers}", f"hydra.run.dir={out}/joint"], tmp
        )
        s = json.loads((out / "joint" / "calibration.json").read_text())
        print(
            f"joint calibration: {wall:.1f} s wall ({s['seconds']:.1f} s in the fit), "
            f"{s['particles']:,} particles, {len(s['generations'])} generations, "
            f"{s['simulated_in_fit']:,} episodes simulated, "
            f"{s['episodes_per_second']:,.0f} episodes/s during the fit; {load()}",
            flush=True,
        )
        for name, c in s["checks"].items():
            print(
                f"  {name:22s} in-sample P(pattern) prior {c['prior']['p_pattern']['estimate']:.3%}"
                f" posterior {c['posterior']['p_pattern']['estimate']:.3%}"
            )
        if args.skip_validate:
            return
        wall = timed(
            [str(exe), "validate", f"workers={args.workers}", f"out={out}/validation"], tmp
        )
        v = json.loads((out / "validation" / "validation.json").read_text())
        print(
            f"validate (the scorecard): {wall:.1f} s wall, {len(v['folds'])} folds x "
            f"{v['seeds_per_fold']} fits, {v['horizon_days']}-day horizon; {load()}"
        )
        print_scorecard(v)


if __name__ == "__main__":
    main()

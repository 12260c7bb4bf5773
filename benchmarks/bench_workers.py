"""Parallel efficiency: episodes/s and speed-up over one worker, for runs and calibration.

Run: ``.venv/bin/python -m benchmarks.bench_workers [--sizes 200000,2000000]
[--workers 1,2] [--repeat 3] [--calibration]``

Runs: the baseline scenario, 30 days, no output written (``sim.runner.simulate``), each
measurement in a fresh process, so the time includes starting the workers, as
``escalation run workers=N`` pays it. The summaries of every worker count must be equal
(results do not depend on the workers); the benchmark fails otherwise.

Calibration (``--calibration``): ``escalation calibrate episode=iran_pakistan_2024`` and
``workers=N``, the fit's wall time from ``calibration.json``, and a check that the
posterior is bit-identical for every worker count.
"""

from __future__ import annotations

import argparse
import hashlib
import json
import os
import platform
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

RUN = """
import hashlib, json, logging, sys, time
logging.getLogger("MESA").setLevel(logging.WARNING)
from sim.config import compose_config
from sim.runner import simulate
from sim.settings import Settings
n, workers = int(sys.argv[1]), int(sys.argv[2])
s = Settings.from_config(compose_config("baseline", [
    f"simulation.replicates={n}", f"simulation.workers={workers}"]))
t = time.perf_counter()
r = simulate(s, None, progress=False)
seconds = time.perf_counter() - t
digest = hashlib.sha256(json.dumps(r.summary["metrics"], sort_keys=True).encode()).hexdigest()
print(json.dumps({"seconds": seconds, "digest": digest}))
"""


def child(code: str, *args: str) -> dict[str, object]:
    p = subprocess.run(
        [sys.executable, "-c", code, *args], capture_output=True, text=True, check=True
    )
    out: dict[str, object] = json.loads(p.stdout.strip().splitlines()[-1])
    return out


def bench_runs(sizes: list[int], workers: list[int], repeat: int) -> None:
    print(f"{'R':>10} {'workers':>7} {'median s':>9} {'episodes/s':>11} {'speed-up':>8}")
    for n in sizes:
        base = None
        digests = set()
        for w in workers:
            times = []
            for _ in range(repeat):
                r = child(RUN, str(n), str(w))
                times.append(float(r["seconds"]))  # type: ignore[arg-type]
                digests.add(r["digest"])
            med = statistics.median(times)
            base = base or med
            print(f"{n:>10,} {w:>7} {med:>9.3f} {n / med:>11,.0f} {base / med:>8.2f}", flush=True)
        if len(digests) != 1:
            raise SystemExit(f"results differ between worker counts at R={n}")


def bench_calibration(workers: list[int], repeat: int, overrides: list[str]) -> None:
    cli = [sys.executable, "-m", "sim.cli"]  # the `escalation` command, installed or not
    fits: dict[int, list[float]] = {w: [] for w in workers}
    walls: dict[int, list[float]] = {w: [] for w in workers}
    digests = set()
    for _ in range(repeat):
        for w in workers:  # interleaved, so that a slow spell of the machine hits all alike
            with tempfile.TemporaryDirectory() as tmp:
                start = time.perf_counter()
                subprocess.run(
                    [
                        *cli,
                        "calibrate",
                        "episode=iran_pakistan_2024",
                        f"workers={w}",
                        f"hydra.run.dir={tmp}/c",
                        *overrides,
                    ],
                    check=True,
                    capture_output=True,
                    cwd=tmp,
                )
                walls[w].append(time.perf_counter() - start)
                s = json.loads((Path(tmp) / "c" / "calibration.json").read_text())
                fits[w].append(float(s["seconds"]))
                digests.add(hashlib.sha256((Path(tmp) / "c" / "posterior.parquet").read_bytes()))
    print(f"{'workers':>7} {'median fit s':>12} {'median wall s':>13} {'fit time / 1 worker':>19}")
    base = statistics.median(fits[workers[0]])
    for w in workers:
        med = statistics.median(fits[w])
        print(f"{w:>7} {med:>12.2f} {statistics.median(walls[w]):>13.2f} {med / base:>19.2f}")
    if len({d.hexdigest() for d in digests}) != 1:
        raise SystemExit("posteriors differ between worker counts")


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__)
    ap.add_argument("--sizes", default="200000,2000000")
    ap.add_argument("--workers", default="1,2")
    ap.add_argument("--repeat", type=int, default=3)
    ap.add_argument("--calibration", action="store_true", help="also time calibration")
    ap.add_argument("--no-runs", action="store_true", help="only time calibration")
    ap.add_argument("--overrides", default="", help="calibration overrides, comma-separated")
    args = ap.parse_args()
    workers = [int(w) for w in args.workers.split(",")]
    print(
        f"# python {platform.python_version()}, {platform.machine()}, {os.cpu_count()} cpus; "
        f"median of {args.repeat}, each in a fresh process"
    )
    if not args.no_runs:
        bench_runs([int(s) for s in args.sizes.split(",")], workers, args.repeat)
    if args.calibration or args.no_runs:
        bench_calibration(workers, args.repeat, [o for o in args.overrides.split(",") if o])


if __name__ == "__main__":
    main()

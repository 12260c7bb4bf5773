"""Peak memory (RSS) of whole runs: 10^5, 10^6 and 10^7 baseline episodes.

Run: ``.venv/bin/python -m benchmarks.bench_memory [--sizes 100000,1000000,10000000] [--events]``

Each size runs in a fresh subprocess (so peaks do not mix) through the same path as
``escalation run`` (``sim.runner.simulate`` writing a run directory into a temporary
folder), and reports the child's peak resident set size from ``getrusage``.
"""

from __future__ import annotations

import argparse
import json
import subprocess
import sys
import tempfile

CHILD = """
import json, logging, resource, sys, time
logging.getLogger("MESA").setLevel(logging.WARNING)
from sim.config import compose_config
from sim.runner import simulate
from sim.settings import Settings
n, events, out = int(sys.argv[1]), sys.argv[2] == "1", sys.argv[3]
s = Settings.from_config(compose_config("baseline", [
    f"simulation.replicates={n}", f"simulation.write_events={str(events).lower()}"]))
t = time.perf_counter()
simulate(s, out, progress=False)
print(json.dumps({"seconds": time.perf_counter() - t,
                  "peak_mb": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024}))
"""


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__)
    ap.add_argument("--sizes", default="100000,1000000,10000000")
    ap.add_argument("--events", action="store_true", help="also write the event log")
    args = ap.parse_args()
    print(
        f"# peak RSS of a whole run, baseline 30 days, event log {'on' if args.events else 'off'}"
    )
    print(f"{'episodes':>12} {'seconds':>9} {'episodes/s':>12} {'peak RSS MB':>12}")
    for n in (int(x) for x in args.sizes.split(",")):
        with tempfile.TemporaryDirectory() as tmp:
            p = subprocess.run(
                [sys.executable, "-c", CHILD, str(n), "1" if args.events else "0", tmp],
                capture_output=True,
                text=True,
                check=True,
            )
        r = json.loads(p.stdout.strip().splitlines()[-1])
        print(f"{n:>12,} {r['seconds']:>9.1f} {n / r['seconds']:>12,.0f} {r['peak_mb']:>12,.0f}")


if __name__ == "__main__":
    main()

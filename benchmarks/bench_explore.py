"""The explore page's redraw: median seconds at 10^4 and 10^5 replicates (target <= 1 s at 10^4).

Run: ``.venv/bin/python -m benchmarks.bench_explore [--sizes 10000,100000] [--repeat 7]``

One redraw is what the page computes after a control moves (:func:`sim.explore.compute.redraw`):
the overrides validated by the command line's path, every replicate simulated over 30 days, a
fan chart per directed pair of states, the outcome table beside the baseline's, and one
replicate's event log. Each repeat moves a slider (a new generosity each time, so nothing is
cached); the first, cold redraw (imports, the first composition) is reported apart. The
browser's drawing of the figures comes on top and is not measured here; the debounce
(:data:`sim.explore.page.DEBOUNCE`, 0.15 s) neither.
"""

from __future__ import annotations

import argparse
import logging
import os
import platform
import statistics
import time

logging.getLogger("MESA").setLevel(logging.WARNING)


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__)
    ap.add_argument("--sizes", default="10000,100000")
    ap.add_argument("--repeat", type=int, default=7)
    ap.add_argument("--episode", default="us_iran_2020")
    args = ap.parse_args()
    start = time.perf_counter()
    from sim.explore import compute
    from sim.explore.controls import PageState, overrides

    key = "actors.united_states.policy.generosity"
    base = PageState(episode=args.episode, replicates="1000")
    compute.redraw(overrides(base))
    cold = time.perf_counter() - start
    print(f"cold: first redraw at 1,000 replicates, imports included: {cold:.2f} s")
    machine = platform.processor() or platform.machine()
    print(f"{machine}, {os.cpu_count()} cores; episode {args.episode}")
    head = f"{'replicates':>11} {'median s':>9} {'min s':>7} {'max s':>7}"
    print(f"{head}  (30 days, {args.repeat} redraws)")
    for size in (int(s) for s in args.sizes.split(",")):
        times = []
        for i in range(args.repeat):
            st = PageState(episode=args.episode, replicates=str(size)).with_value(
                key, 0.1 + 0.1 * i
            )
            t = time.perf_counter()
            compute.redraw(overrides(st))
            times.append(time.perf_counter() - t)
        print(f"{size:>11,} {statistics.median(times):>9.3f} {min(times):>7.3f} {max(times):>7.3f}")


if __name__ == "__main__":
    main()

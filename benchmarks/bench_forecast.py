"""A forecast's wall time: median seconds at 10^5 particles (target <= 10 s on 2 cores).

Run: ``.venv/bin/python -m benchmarks.bench_forecast [--particles 100000] [--until 3,7]
[--repeat 3] [--episode iran_pakistan_2024]``

One forecast is what ``escalation forecast`` computes (:func:`sim.forecast.forecast.forecast`):
the model built with one particle per replicate (parameters drawn from the joint posterior),
the particle filter through day ``until`` with the day-by-day view (a fork to the horizon after
every earlier day, on a weighted subsample of 20,000), the particles run to day 30, and the
questions and the fan chart read off them. Composing the crisis (the config and its observed
days) is done once and reported apart; writing the files is not measured.
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
    ap.add_argument("--particles", default="100000")
    ap.add_argument("--until", default="3,7")
    ap.add_argument("--repeat", type=int, default=3)
    ap.add_argument("--episode", default="iran_pakistan_2024")
    args = ap.parse_args()
    start = time.perf_counter()
    from sim.forecast.crisis import from_episode
    from sim.forecast.forecast import forecast

    crisis = from_episode(args.episode, overrides=["posterior=joint"])
    print(f"crisis composed, imports included: {time.perf_counter() - start:.2f} s")
    machine = platform.processor() or platform.machine()
    print(f"{machine}, {os.cpu_count()} cores; episode {args.episode}")
    print(f"{'particles':>10} {'until':>6} {'median s':>9} {'min s':>7} {'max s':>7}  ESS at until")
    for n in (int(s) for s in args.particles.split(",")):
        for until in (int(u) for u in args.until.split(",")):
            times, ess = [], 0.0
            for i in range(args.repeat):
                t = time.perf_counter()
                f = forecast(crisis, until, particles=n, seed=1 + i)
                times.append(time.perf_counter() - t)
                ess = f["diagnostics"]["ess"][-1]
            print(
                f"{n:>10,} {until:>6} {statistics.median(times):>9.2f} {min(times):>7.2f} "
                f"{max(times):>7.2f}  {ess:,.0f}"
            )


if __name__ == "__main__":
    main()

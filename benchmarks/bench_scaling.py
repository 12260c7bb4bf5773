"""How cost grows with the horizon (days) and the number of actors.

Run: ``.venv/bin/python -m benchmarks.bench_scaling [--replicates 65536] [--repeat 3]
[--scenario crisis_mechanisms]``

Actors are added through config only: each extra "block" adds a pair of bordering
states (a new dyad with its own trigger), a militant group based in one of them, and a
mediator with leverage over both (4 actors a block).
"""

from __future__ import annotations

import argparse
import logging
import statistics
import time

import numpy as np

from sim.config import compose_config
from sim.model import EscalationModel
from sim.settings import Settings

logging.getLogger("MESA").setLevel(logging.WARNING)


def block(k: int) -> list[str]:
    a, b, g, m = f"sa{k}", f"sb{k}", f"grp{k}", f"med{k}"
    state = "{kind: state, label: %s, policy: {name: tit_for_tat}}"
    return [
        f"+actors.{a}={state % a}",
        f"+actors.{b}={state % b}",
        f"+actors.{g}={{kind: militant, label: {g}}}",
        f"+actors.{m}={{kind: mediator, label: {m}, policy: {{name: threshold_mediator}}}}",
        f"+relations.b{k}={{source: {a}, target: {b}, type: border}}",
        f"+relations.h{k}={{source: {b}, target: {g}, type: hosts}}",
        f"+relations.at{k}={{source: {g}, target: {a}, type: attacks}}",
        f"+relations.la{k}={{source: {m}, target: {a}, type: leverage, weight: 0.5}}",
        f"+relations.lb{k}={{source: {m}, target: {b}, type: leverage, weight: 0.5}}",
        f"+events.t{k}={{day: 0, actor: {a}, target: {g}, rung: strike_militants}}",
    ]


def rate(
    overrides: list[str], reps: int, repeat: int, scenario: str = "baseline"
) -> tuple[float, int]:
    s = Settings.from_config(
        compose_config(scenario, [f"simulation.replicates={reps}", *overrides])
    )
    times = []
    for _ in range(repeat):
        t = time.perf_counter()
        m = EscalationModel(s, replicates=np.arange(reps)).run()
        times.append(time.perf_counter() - t)
    return reps / statistics.median(times), len(m.actors)


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__)
    ap.add_argument("--replicates", type=int, default=65_536)
    ap.add_argument("--repeat", type=int, default=3)
    ap.add_argument("--scenario", default="baseline")
    args = ap.parse_args()
    r = args.replicates
    print(f"# {args.scenario}, R={r:,} in one model, one core; median of {args.repeat} runs")
    print(f"{'days':>6} {'episodes/s':>12} {'us/episode':>11} {'us/episode-day':>15}")
    for days in (10, 30, 100, 300):
        eps, _ = rate([f"simulation.days={days}"], r, args.repeat, args.scenario)
        print(f"{days:>6} {eps:>12,.0f} {1e6 / eps:>11.1f} {1e6 / eps / days:>15.3f}")
    print(f"\n{'actors':>6} {'episodes/s':>12} {'us/episode':>11} {'us/actor-episode':>17}")
    for blocks in (0, 1, 2, 4, 8):
        overrides = [o for k in range(blocks) for o in block(k)]
        eps, n_actors = rate(overrides, r, args.repeat, args.scenario)
        print(f"{n_actors:>6} {eps:>12,.0f} {1e6 / eps:>11.1f} {1e6 / eps / n_actors:>17.3f}")


if __name__ == "__main__":
    main()

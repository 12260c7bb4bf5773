"""The engine against the Mesa way of running replicates, measured side by side.

Run: ``.venv/bin/python -m benchmarks.bench_mesa_way [--episodes 300] [--batch 100000]``

The same model (baseline, 30 days) is run three ways in one process, one core:

1. ``mesa.batch_run``: one model per replicate (R=1), the replicate index passed as a
   parameter (so that each model replays that replicate of the batch), a DataCollector
   recording the peak level, as a Mesa user would;
2. a plain Python loop over R=1 models;
3. the vectorised engine: one model of R replicates at once (chunked).

Prints episodes per second (median of ``--repeat`` runs) and the ratios.
"""

from __future__ import annotations

import argparse
import logging
import statistics
import time
from typing import Any

import mesa
import numpy as np

from sim.config import compose_config
from sim.model import EscalationModel
from sim.settings import Settings

logging.getLogger("MESA").setLevel(logging.WARNING)
SETTINGS: Settings | None = None


class OneReplicate(EscalationModel):
    """The engine's model with a single replicate, collecting data each step as Mesa models do."""

    def __init__(self, replicate: int = 0, **_: Any) -> None:
        assert SETTINGS is not None
        super().__init__(SETTINGS, replicates=np.array([replicate]))
        # The model's step collects with it after each day, once (Mesa's convention).
        self.datacollector = mesa.DataCollector(
            model_reporters={"peak": lambda m: int(m.level.max())}
        )


def timed(fn: Any, repeat: int) -> float:
    out = []
    for _ in range(repeat):
        t = time.perf_counter()
        fn()
        out.append(time.perf_counter() - t)
    return statistics.median(out)


def main() -> None:
    global SETTINGS
    ap = argparse.ArgumentParser(description=__doc__)
    ap.add_argument("--episodes", type=int, default=300, help="episodes for the R=1 ways")
    ap.add_argument("--batch", type=int, default=100_000, help="episodes for the vectorised way")
    ap.add_argument("--repeat", type=int, default=3)
    args = ap.parse_args()
    cfg = compose_config("baseline", [f"simulation.replicates={max(args.batch, args.episodes)}"])
    SETTINGS = Settings.from_config(cfg)
    days = SETTINGS.simulation.days
    n = args.episodes

    def batch_run() -> None:
        mesa.batch_run(
            OneReplicate,
            parameters={"replicate": range(n)},
            iterations=1,
            max_steps=days,
            number_processes=1,
            data_collection_period=-1,
            display_progress=False,
        )

    def plain_loop() -> None:
        for i in range(n):
            OneReplicate(i).run()

    chunk = SETTINGS.simulation.chunk_size

    def vectorised() -> None:
        for lo in range(0, args.batch, chunk):
            EscalationModel(SETTINGS, replicates=np.arange(lo, min(lo + chunk, args.batch))).run()

    # Both R=1 ways run the same replicates and must agree with the batch.
    res = mesa.batch_run(
        OneReplicate,
        parameters={"replicate": range(20)},
        iterations=1,
        max_steps=days,
        number_processes=1,
        display_progress=False,
    )
    whole = EscalationModel(SETTINGS, replicates=np.arange(20)).run()
    assert [r["peak"] for r in sorted(res, key=lambda r: r["replicate"])] == [
        int(whole.level[:, i].max()) for i in range(20)
    ]

    t_batch_run = timed(batch_run, args.repeat) / n
    t_loop = timed(plain_loop, args.repeat) / n
    t_vec = timed(vectorised, args.repeat) / args.batch
    print(f"# baseline, {days} days, one core; median of {args.repeat} runs")
    print(f"{'way':<34} {'episodes/s':>12} {'us/episode':>11} {'engine is x faster':>19}")
    for name, t in (
        ("mesa.batch_run, one model/replicate", t_batch_run),
        ("plain loop, one model/replicate", t_loop),
        (f"vectorised engine (R={args.batch:,})", t_vec),
    ):
        print(f"{name:<34} {1 / t:>12,.0f} {1e6 * t:>11.1f} {t / t_vec:>19,.0f}")


if __name__ == "__main__":
    main()

"""Hydra callbacks: a progress bar over the jobs and aggregation when a multirun ends.

Configured in ``configs/config.yaml`` under ``hydra.callbacks`` (ours, not user input). In
Hydra 1.3.8 a job that raises makes the multirun skip ``on_multirun_end``, so jobs catch
their own failures (``sim.app.task`` writes ``status.json``) and aggregation can also be
run on its own: ``escalation aggregate SWEEP_DIR``.
"""

from __future__ import annotations

import os
import sys
import time
from pathlib import Path
from typing import Any

from hydra.experimental.callback import Callback
from omegaconf import DictConfig

#: The last sweep directory this process aggregated (read by the CLI for its exit status).
LAST_SWEEP: dict[str, Any] = {}


def sweep_total(config: DictConfig) -> int | None:
    """The number of jobs of the sweep ``config`` starts, counted from its overrides, or None."""
    from sim.composed import parse_overrides, sweep_size
    from sim.config import group_options

    lines = [str(o) for o in config.hydra.overrides.task]
    try:
        return sweep_size(parse_overrides(lines), 10**9, group_options)
    except Exception:  # only the bar's length: an uncountable sweep gets a bar without one
        return None


class SweepProgress(Callback):
    """A progress bar over the finished jobs (stderr), and the sweep aggregated at the end.

    The bar is tqdm's, shown on a terminal only (``disable=None``): logs and tests get the
    one closing line instead of a line per job.
    """

    def __init__(self) -> None:
        self.start: float | None = None
        self.pid: int | None = None
        self.done = 0
        self.bar: Any = None

    def on_multirun_start(self, config: DictConfig, **kwargs: Any) -> None:
        """Note the start."""
        self.start = time.time()
        self.pid = os.getpid()
        self.done = 0
        print(f"[sweep] {config.hydra.sweep.dir}", file=sys.stderr, flush=True)
        from tqdm import tqdm

        from sim import app

        app.JOB_LINES["sweep"] = False  # jobs run here (one worker) are counted by the bar
        total = sweep_total(config)
        self.bar = tqdm(total=total, desc="[sweep] jobs", unit="job", file=sys.stderr, disable=None)

    def on_job_end(self, config: DictConfig, job_return: Any, **kwargs: Any) -> None:
        """Advance the bar (a line per job where the launcher calls this in its workers)."""
        if config.hydra.mode is None or str(config.hydra.mode) != "RunMode.MULTIRUN":
            return
        if self.start is not None and self.pid == os.getpid():
            self.done += 1
            if self.bar is not None:
                self.bar.update(1)
            return
        # Launchers that call this in their worker processes (joblib, submitit) give each
        # worker its own copy of the callback, which cannot draw the parent's bar: it prints a
        # line, counting finished jobs on disk and timing the sweep from the multirun.yaml the
        # sweeper wrote before launching.
        sweep = Path(config.hydra.sweep.dir)
        done = sum(1 for _ in sweep.glob("*/status.json"))
        marker = sweep / "multirun.yaml"
        start = marker.stat().st_mtime if marker.exists() else time.time()
        print(
            f"[sweep] {done} job(s) done, {time.time() - start:.1f} s",
            file=sys.stderr,
            flush=True,
        )

    def on_multirun_end(self, config: DictConfig, **kwargs: Any) -> None:
        """Build the sweep table and the comparison report."""
        from sim import app
        from sim.errors import write_error
        from sim.folders import lock
        from sim.sweep.aggregate import aggregate

        app.JOB_LINES["sweep"] = True
        sweep = Path(config.hydra.sweep.dir)
        if self.bar is not None:
            self.bar.close()
            self.bar = None
        if self.start is not None and self.pid == os.getpid() and self.done:
            # (Jobs run in a launcher's workers have printed their own lines, the last one
            # counting the whole sweep: this process finished none of them.)
            print(
                f"[sweep] {self.done} job(s) done, {time.time() - self.start:.1f} s",
                file=sys.stderr,
                flush=True,
            )
        try:
            with lock(sweep, "sweep folder"):
                table = aggregate(sweep)
        except OSError as exc:  # a full disk: the command line reports it, exit status 1
            LAST_SWEEP["error"] = f"the sweep's table or report: {write_error(exc)}"
            return
        LAST_SWEEP["dir"] = sweep
        LAST_SWEEP["table"] = table
        print(f"[sweep] table: {table}", file=sys.stderr, flush=True)

"""Hydra callbacks: progress lines per job and aggregation when a multirun ends.

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


class SweepProgress(Callback):
    """Print a line per finished job and aggregate the sweep at the end."""

    def __init__(self) -> None:
        self.start: float | None = None
        self.pid: int | None = None
        self.done = 0

    def on_multirun_start(self, config: DictConfig, **kwargs: Any) -> None:
        """Note the start."""
        self.start = time.time()
        self.pid = os.getpid()
        self.done = 0
        print(f"[sweep] {config.hydra.sweep.dir}", file=sys.stderr, flush=True)

    def on_job_end(self, config: DictConfig, job_return: Any, **kwargs: Any) -> None:
        """One line per job with the sweep's progress."""
        if config.hydra.mode is None or str(config.hydra.mode) != "RunMode.MULTIRUN":
            return
        if self.start is not None and self.pid == os.getpid():
            self.done += 1
            done, start = self.done, self.start
        else:
            # Launchers that call this in their worker processes (joblib, submitit) give each
            # worker its own copy of the callback, so count finished jobs on disk and time the
            # sweep from the multirun.yaml the sweeper wrote before launching.
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
        from sim.errors import write_error
        from sim.folders import lock
        from sim.sweep.aggregate import aggregate

        sweep = Path(config.hydra.sweep.dir)
        try:
            with lock(sweep, "sweep folder"):
                table = aggregate(sweep)
        except OSError as exc:  # a full disk: the command line reports it, exit status 1
            LAST_SWEEP["error"] = f"the sweep's table or report: {write_error(exc)}"
            return
        LAST_SWEEP["dir"] = sweep
        LAST_SWEEP["table"] = table
        print(f"[sweep] table: {table}", file=sys.stderr, flush=True)

"""Run a scenario: simulate in chunks (optionally in worker processes), write the run.

A run directory holds:

- ``config.yaml``: the composed config (Hydra also writes ``.hydra/``);
- ``events/part-NNNNN.parquet``: the event log (:mod:`sim.eventlog`);
- ``outcomes/part-NNNNN.parquet``: one row of outcomes per replicate;
- ``summary.json``: outcome metrics with 95% intervals, the daily rung
  distributions and sample paths the report draws;
- ``report.html``: the single-run report;
- ``status.json``: written last; ``{"status": "complete"}`` marks a finished run.

Every file is written through a temporary name and renamed, so a run killed at
any moment leaves either complete files or none.
"""

from __future__ import annotations

import json
import math
import time
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np
import pyarrow as pa
import yaml
from tqdm import tqdm

from sim import parallel
from sim import relations as rel
from sim.buildinfo import provenance
from sim.errors import ConfigError
from sim.eventlog import event_table, write_atomic
from sim.folders import (
    config_digest,
    invalidate,
    is_complete,
    write_marker,
    write_text,
)
from sim.folders import mark_complete as _mark_complete
from sim.metrics import Accumulator, replicate_outcomes, summarise
from sim.model import EscalationModel
from sim.safeio import read_run_yaml
from sim.settings import Settings
from sim.timeline import load_timeline


@dataclass
class ChunkResult:
    """What one chunk hands back: its accumulator and the sample paths it holds."""

    index: int
    acc: Accumulator
    samples: dict[int, list[list[int]]]


@dataclass
class RunResult:
    """A finished run.

    Attributes:
        settings: The validated settings.
        summary: Outcome metrics and report data (what ``summary.json`` holds).
        run_dir: Where the files are (None for an in-memory run).
        seconds: Wall time of the simulation.
    """

    settings: Settings
    summary: dict[str, Any]
    run_dir: Path | None
    seconds: float


def simulate_chunk(
    settings: Settings, index: int, replicates: np.ndarray, out_dir: Path | None
) -> ChunkResult:
    """Simulate one chunk and write its parts.

    Args:
        settings: Validated settings.
        index: Chunk number (names the part files).
        replicates: Global replicate indices of the chunk.
        out_dir: Run directory, or None to write nothing.
    """
    model = EscalationModel(settings, replicates=replicates).run()
    outcomes = replicate_outcomes(model)
    if out_dir is not None:
        if settings.simulation.write_events:
            write_atomic(event_table(model), out_dir / "events" / f"part-{index:05d}.parquet")
        write_atomic(
            pa.Table.from_pandas(outcomes, preserve_index=False),
            out_dir / "outcomes" / f"part-{index:05d}.parquet",
        )
    k = settings.simulation.sample_paths
    sc = [c.index for c in model.state_channels()]
    samples = {
        int(r): model.history[:, sc, j].T.tolist() for j, r in enumerate(model.replicates) if r < k
    }
    acc = Accumulator.from_model(model, outcomes)
    # Frees the chunk's arrays now, before the next chunk allocates its own (bounded memory),
    # without a full garbage collection (a sixth of a chunk's time with everything imported).
    model.dispose()
    return ChunkResult(index, acc, samples)


#: Measured cost of one replicate-day-channel at large R (docs/performance.md: ~3.7 µs per
#: 30-day episode of 6 channels), with a margin for writing the event log.
SECONDS_PER_REPLICATE_DAY_CHANNEL = 4e-8


def plan_chunks(settings: Settings) -> int:
    """Replicates per chunk, and a refusal of runs too long to start by accident.

    The chunk holds a (days x channels x chunk) int8 history and a few arrays of the same
    order, so long horizons get smaller chunks and memory stays near ``memory_mb``.

    Raises:
        ConfigError: If the run is estimated to take longer than ``simulation.max_hours``.
    """
    sim = settings.simulation
    channels = max(len(settings.relations), len(settings.actors))
    per_replicate = sim.days * channels * 4 + 2048  # history, draws and per-actor state
    size = max(1, min(sim.chunk_size, sim.memory_mb * 2**20 // per_replicate))
    hours = sim.replicates * sim.days * channels * SECONDS_PER_REPLICATE_DAY_CHANNEL / 3600
    if hours > sim.max_hours:
        raise ConfigError(
            f"simulation: {sim.replicates:,} replicates x {sim.days:,} days would take about "
            f"{hours:,.1f} h on one core (limit simulation.max_hours={sim.max_hours:g}); "
            "raise the limit, add workers or ask for less"
        )
    return size


def _work(args: tuple[Settings, int, np.ndarray, Path | None]) -> ChunkResult:
    return simulate_chunk(*args)


#: The smallest chunk worth splitting a run into for balance between workers: below it the
#: fixed cost per day shows (docs/performance.md).
MIN_BALANCED_CHUNK = 16_384


def chunk_sizes(total: int, size: int, workers: int) -> list[int]:
    """Replicates per chunk for ``workers`` processes, each at most ``size``.

    One process: equal chunks. Several: a multiple of the workers, at least four each
    where chunks stay above :data:`MIN_BALANCED_CHUNK`, and the last round cut in quarters,
    so that no process waits long for the last chunk. Results do not depend on it.
    """
    n = math.ceil(total / size)
    if workers > 1:
        n = max(n, min(4 * workers, total // MIN_BALANCED_CHUNK))
        n = math.ceil(n / workers) * workers
    base, extra = divmod(total, n)
    sizes = [base + (i < extra) for i in range(n)]
    if workers > 1 and n > workers:
        tail = sizes[-workers:]
        sizes = sizes[:-workers] + [c for t in tail for c in _split(t, 4)]
    return [c for c in sizes if c > 0]


def _split(total: int, parts: int) -> list[int]:
    base, extra = divmod(total, parts)
    return [base + (i < extra) for i in range(parts)]


def simulate(
    settings: Settings,
    out_dir: str | Path | None = None,
    progress: bool = True,
    on_chunk: Callable[[ChunkResult], None] | None = None,
) -> RunResult:
    """Simulate every replicate of a run, chunk by chunk.

    Results (files and summary) are identical whatever ``chunk_size`` and
    ``workers`` are, because each replicate's draws depend only on the seed and
    its index and accumulators add up exactly.

    Args:
        settings: Validated settings.
        out_dir: Run directory to write into (None: in memory only).
        progress: Show a progress bar on stderr.
        on_chunk: Called with each chunk's result, in chunk order.

    Returns:
        The run's summary and where it was written.
    """
    sim = settings.simulation
    sizes = chunk_sizes(sim.replicates, plan_chunks(settings), sim.workers)
    path = Path(out_dir) if out_dir is not None else None
    if path is not None:
        path.mkdir(parents=True, exist_ok=True)
        # The old completion marker goes first: killed from here on, the folder is incomplete.
        invalidate(path)
        # The folder is ours from here on: --overwrite may clear it (sim.folders.clear).
        write_marker(path, "run folder", run_digest(settings.raw))
        # Parts an earlier, unfinished run left (its chunks may have been cut otherwise).
        for part in [*path.glob("events/part-*.parquet"), *path.glob("outcomes/part-*.parquet")]:
            part.unlink()
        write_text(path / "config.yaml", _yaml(_jsonable(settings.raw)))
    start = time.perf_counter()
    bounds = np.cumsum([0, *sizes])
    jobs = [
        (settings, k, np.arange(bounds[k], bounds[k + 1], dtype=np.int64), path)
        for k in range(len(sizes))
    ]
    parallel.prepare(sim.workers if len(jobs) > 1 else 1)  # before the bar's thread starts
    bar = tqdm(
        total=sim.replicates,
        desc=f"{settings.scenario.get('name', 'run')}",
        unit="rep",
        disable=not progress,
        leave=False,
    )
    total: Accumulator | None = None
    samples: dict[int, list[list[int]]] = {}
    try:
        # In chunk order whatever the workers: merging is the same as in a serial loop.
        for res in parallel.ordered(_work, jobs, sim.workers, queued=2):
            total = res.acc if total is None else total + res.acc
            samples.update(res.samples)
            bar.update(res.acc.n)
            if on_chunk:
                on_chunk(res)
    finally:
        bar.close()
    seconds = time.perf_counter() - start
    assert total is not None
    summary = build_summary(settings, total, samples)
    summary["timing"] = {"seconds": seconds, "episodes_per_second": sim.replicates / seconds}
    summary["provenance"] = dict(provenance())
    if path is not None:
        write_text(path / "summary.json", json.dumps(summary, indent=1, allow_nan=True))
    return RunResult(settings, summary, path, seconds)


def build_summary(
    settings: Settings, acc: Accumulator, samples: dict[int, list[list[int]]]
) -> dict[str, Any]:
    """Outcome metrics plus the distributions and paths the report draws."""
    lad = settings.ladder
    probe = EscalationModel(settings, replicates=np.zeros(1, dtype=np.int64))
    channels = [f"{c.actor}->{c.target}" for c in probe.state_channels()]
    return {
        "scenario": settings.scenario,
        "episode": episode_info(settings),
        "seed": settings.simulation.seed,
        "posterior": settings.raw.get("posterior"),
        "metrics": summarise(acc, lad.names, lad.state_levels.tolist()),
        "ladder": {
            "names": lad.names,
            "labels": [r.label for r in lad.rungs],
            "goldstein": lad.goldstein.tolist(),
            "state_rungs": lad.state_levels.tolist(),
            "state_position": lad.state_position.tolist(),
            "used_by": [list(r.used_by) for r in lad.rungs],
        },
        "channels": channels,
        "labels": {a.id: a.label for a in settings.actors.values()},
        "dyads": [list(d) for d in probe.dyads],
        "observed": observed_paths(settings, probe),
        "daily_rung_counts": acc.daily.tolist(),
        "deescalation_day_counts": acc.deesc.tolist(),
        "transitions": acc.transitions.tolist(),
        "relations": [{"source": u, "target": v, **d} for u, v, d in probe.graph.edges(data=True)],
        "sample_paths": {str(k): samples[k] for k in sorted(samples)},
    }


def episode_info(settings: Settings) -> dict[str, Any]:
    """The episode's name, title, roles and, if it was observed, its dates."""
    ep = settings.episode
    info: dict[str, Any] = {"name": ep.name, "title": ep.title, "timeline": ep.timeline}
    info["roles"] = dict(ep.roles)
    if ep.skipped_roles:
        info["roles_not_cast"] = list(ep.skipped_roles)
    if ep.timeline is not None:
        t = load_timeline(ep.timeline)
        info.update(
            first_date=t.day0.isoformat(),
            last_date=t.last_date.isoformat(),
            observed_days=t.observed_days,
        )
    return info


def observed_paths(settings: Settings, model: EscalationModel) -> dict[str, list[str]]:
    """The episode's observed rung sequence per state channel.

    Only channels whose actors the timeline names are included (none for an invented
    episode without a timeline).
    """
    if settings.episode.timeline is None:
        return {}
    timeline = load_timeline(settings.episode.timeline)
    named = timeline.actors()
    # The dyad of the episode's roles, when cast: third states are context.
    dyad = {settings.episode.roles.get("victim"), settings.episode.roles.get("adversary")}
    out = {}
    for c in model.state_channels():
        if None not in dyad and {c.actor, c.target} != dyad:
            continue
        if c.actor in named and c.target in named:
            groups = {
                *rel.hosted_by(model.graph, c.target),
                *rel.sponsored_by(model.graph, c.target),
            }
            # The coded days the run covers (the coding runs to a 30-day horizon).
            out[f"{c.actor}->{c.target}"] = timeline.path(
                settings.ladder, c.actor, c.target, sorted(groups)
            )[: model.days]
    return out


def _jsonable(obj: Any) -> Any:
    if isinstance(obj, dict):
        return {str(k): _jsonable(v) for k, v in obj.items()}
    if isinstance(obj, list | tuple):
        return [_jsonable(v) for v in obj]
    if isinstance(obj, np.ndarray):
        return obj.tolist()
    if isinstance(obj, np.generic):
        return obj.item()
    return obj


def _yaml(data: Any) -> str:
    # libyaml's emitter when present: same text, ten times faster than the pure-Python one.
    dumper = getattr(yaml, "CSafeDumper", yaml.SafeDumper)
    return yaml.dump(data, Dumper=dumper, sort_keys=False, allow_unicode=False)


def run_digest(raw: dict[str, Any]) -> str:
    """The digest of a run's config as written to its ``config.yaml``."""
    return config_digest(_jsonable(raw))


def mark_complete(run_dir: Path, raw: dict[str, Any], **info: Any) -> None:
    """Write ``status.json`` last: the marker of a complete run of the config ``raw``."""
    _mark_complete(run_dir, run_digest(raw), **info)


def read_run_config(run_dir: str | Path) -> dict[str, Any]:
    """The config of a complete run folder (an untrusted input: checked, never trusted).

    Raises:
        ConfigError: If the folder is not a complete run, or its config does not match
            the config its completion marker vouches for.
    """
    path = Path(run_dir)
    if not path.is_dir():
        raise ConfigError(f"run_dir: {path} is not a folder")
    try:
        # Bounded (sim/safeio.py): a FIFO, a link out of the folder or an alias bomb in a
        # run folder is refused with its own line, before it can hang or fill memory.
        raw = read_run_yaml(path / "config.yaml", root=path)
    except OSError:
        raise ConfigError(
            f"run_dir: {path} has no readable config.yaml (not a run folder)"
        ) from None
    if not isinstance(raw, dict):
        raise ConfigError(f"run_dir: {path}/config.yaml is not a mapping")
    if not is_complete(path, run_digest(raw)):
        raise ConfigError(
            f"run_dir: {path} is not a complete run (no status.json for its config.yaml)"
        )
    return raw


def replay(run_dir: str | Path, replicate: int, run: bool = True) -> EscalationModel:
    """Re-simulate one replicate of a finished run alone (R=1).

    The path is identical to the one in the run's event log, whatever the batch
    size, chunk size or worker count of the original run.

    Args:
        run_dir: The run directory (its ``config.yaml`` is read).
        replicate: Global index of the replicate.
        run: Run the whole horizon (False: return the model at day 0 to step through).
    """
    settings = Settings.from_config(read_run_config(run_dir))
    if not 0 <= replicate < settings.simulation.replicates:
        raise ConfigError(
            f"replicate: {replicate} outside the run's 0..{settings.simulation.replicates - 1}"
        )
    model = EscalationModel(settings, replicates=np.array([replicate], dtype=np.int64))
    return model.run() if run else model

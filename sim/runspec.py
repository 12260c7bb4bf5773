"""The run-level nodes of a config: ``simulation`` (how much to simulate) and ``report``.

:mod:`sim.settings` validates a whole config; the helpers here check the nodes that say how
a run is carried out rather than what is simulated, and the value shapes every node uses.
"""

from __future__ import annotations

import math
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

import numpy as np

from sim.errors import ConfigError, suggest
from sim.params import check_value


@dataclass
class SimulationSpec:
    """How much to simulate and how.

    Attributes:
        replicates: Number of replicates R.
        days: Horizon T in days (day 0 is the trigger).
        seed: Seed of the counter-based generator.
        chunk_size: Replicates simulated per model instance (bounds memory).
        workers: Worker processes (results do not depend on it).
        write_events: Whether to write the event log.
        sample_paths: Number of replicates whose full paths are kept for the report.
        memory_mb: Memory a chunk may use; chunks shrink to fit long horizons.
        max_hours: Refuse up front a run estimated to take longer than this.
        max_jobs: Refuse up front a sweep or a design with more jobs than this.
    """

    replicates: int = 10_000
    days: int = 30
    seed: int = 1
    chunk_size: int = 65_536
    workers: int = 1
    write_events: bool = True
    sample_paths: int = 20
    memory_mb: int = 512
    max_hours: float = 1.0
    max_jobs: int = 100_000


def mapping(value: Any, where: str) -> dict[str, Any]:
    """A mapping node with string keys.

    Raises:
        ConfigError: If the value is not a mapping.
    """
    if not isinstance(value, Mapping):
        raise ConfigError(f"{where}: expected a mapping, got {value!r}")
    return {str(k): v for k, v in value.items()}


def int_value(value: Any, where: str, low: int, high: int) -> int:
    """An integer in [low, high] (integral floats and numeric strings accepted).

    Raises:
        ConfigError: Naming ``where``.
    """
    if isinstance(value, bool) or not isinstance(value, int | float | str):
        raise ConfigError(f"{where}: expected an integer, got {value!r}")
    try:
        x = float(value)
    except ValueError:
        raise ConfigError(f"{where}: expected an integer, got {value!r}") from None
    if not math.isfinite(x) or x != int(x):
        raise ConfigError(f"{where}: expected an integer, got {value!r}")
    if not low <= x <= high:
        raise ConfigError(f"{where}: {int(x)} outside [{low}, {high}]")
    return int(x)


#: The integer settings of ``simulation`` and their ranges.
INT_RANGES = {
    "replicates": (1, 10**12),
    "days": (1, 100_000),
    "seed": (0, 2**63 - 1),
    "chunk_size": (1, 10**8),
    "workers": (1, 1024),
    "sample_paths": (0, 10_000),
    "memory_mb": (16, 10**6),
    "max_jobs": (1, 10**9),
}


def simulation_spec(value: Any) -> SimulationSpec:
    """Validate the ``simulation`` node.

    Raises:
        ConfigError: Naming the first invalid setting.
    """
    s = mapping(value, "simulation")
    known = set(SimulationSpec.__dataclass_fields__)
    for k in s:
        if k not in known:
            raise ConfigError(f"simulation.{k}: unknown setting{suggest(k, sorted(known))}")
    spec = SimulationSpec()
    for key, (low, high) in INT_RANGES.items():
        value = int_value(s.get(key, getattr(spec, key)), f"simulation.{key}", low, high)
        setattr(spec, key, value)
    mh = check_value("simulation.max_hours", s.get("max_hours", spec.max_hours), 0.0, 1e6, 1)
    if isinstance(mh, np.ndarray):
        raise ConfigError("simulation.max_hours: expected a number")
    spec.max_hours = float(mh)
    we = s.get("write_events", spec.write_events)
    if not isinstance(we, bool):
        raise ConfigError(f"simulation.write_events: expected true or false, got {we!r}")
    spec.write_events = we
    return spec


def check_report(value: Any) -> None:
    """Check the ``report`` node (sim/report/ reads it after the run: check it before)."""
    if value is None:
        return
    r = mapping(value, "report")
    for k, v in r.items():
        where = f"report.{k}"
        if k in ("enabled", "in_sweeps"):
            if not isinstance(v, bool):
                raise ConfigError(f"{where}: expected true or false, got {v!r}")
        elif k == "sample_paths":
            int_value(v, where, 0, 10_000)
        elif k == "plotly_js":
            if v not in ("inline", "shared"):
                raise ConfigError(f"{where}: {v!r} is not one of inline, shared")
        elif k == "quantiles":
            if not isinstance(v, list) or not v:
                raise ConfigError(f"{where}: expected a non-empty list of numbers in (0, 1)")
            for q in v:
                check_value(where, q, 0.0, 1.0, 1)
        else:
            raise ConfigError(f"{where}: unknown setting")

"""Sources of a comparison: completed run folders and sweep roots, read back."""

from __future__ import annotations

import logging
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pandas as pd

from sim.errors import ConfigError
from sim.folders import config_digest, is_complete
from sim.safeio import read_json, read_run_yaml
from sim.safeparquet import read_parquet

log = logging.getLogger(__name__)


@dataclass
class Run:
    """One completed run: its name, summary and flattened config."""

    name: str
    path: Path
    summary: dict[str, Any]
    config: dict[str, Any]
    sweep: str | None = None
    values: dict[str, Any] = field(default_factory=dict)

    @property
    def label(self) -> str:
        """The swept values of a sweep's job (``generosity = 0.5, scenario = no_mediation``)."""
        return ", ".join(f"{short} = {fmt_value(v)}" for short, v in self.values.items())

    @property
    def title(self) -> str:
        """The scenario's title (as written in its file: escaped on the page)."""
        scen = self.summary.get("scenario", {})
        return str(scen.get("title") or scen.get("name") or self.name)


@dataclass
class Sweep:
    """A sweep root: its table and metadata."""

    path: Path
    table: pd.DataFrame
    meta: dict[str, Any] = field(default_factory=dict)

    @property
    def swept(self) -> list[str]:
        """The table's columns that vary: the swept parameters, and the scenario if it does."""
        params = [p for p in self.meta.get("parameters", []) if p in self.table.columns]
        done = self.table[self.table["status"] == "complete"]
        if "scenario" in done and done["scenario"].astype(str).nunique() > 1:
            params.append("scenario")
        return params

    @property
    def short(self) -> dict[str, str]:
        """Each swept column's short name (``actors.iran.policy.generosity`` -> ``generosity``)."""
        return short_names(self.swept)


def short_names(keys: Sequence[str]) -> dict[str, str]:
    """The shortest dotted tail of each key that no other key ends with."""
    out = {}
    for key in keys:
        parts = key.split(".")
        for k in range(1, len(parts) + 1):
            tail = ".".join(parts[-k:])
            if not any(o != key and (o == tail or o.endswith("." + tail)) for o in keys):
                break
        out[key] = tail
    return out


def fmt_value(v: Any) -> str:
    """A swept value in few digits (0.1554653 -> 0.155; 6 -> 6; text as it is)."""
    if isinstance(v, float):
        return f"{v:.3g}"
    return str(v)


def _flatten(d: Any, prefix: str = "") -> dict[str, Any]:
    out: dict[str, Any] = {}
    if isinstance(d, dict):
        for k, v in d.items():
            out.update(_flatten(v, f"{prefix}.{k}" if prefix else str(k)))
    elif isinstance(d, list) and d and all(isinstance(x, dict) for x in d):
        for i, v in enumerate(d):
            out.update(_flatten(v, f"{prefix}[{i}]"))
    else:
        out[prefix] = d
    return out


#: What the pages read from a run's summary.json, and the type each must have.
SUMMARY_KEYS: dict[str, type | tuple[type, ...]] = {
    "metrics": dict,
    "ladder": dict,
    "channels": list,
    "daily_rung_counts": list,
    "deescalation_day_counts": list,
    "transitions": list,
}


def is_complete_run(path: Path) -> bool:
    """Whether ``path`` holds a complete run: a marker vouching for its ``config.yaml``."""
    try:
        config = read_run_yaml(path / "config.yaml", root=path)
    except OSError:
        return False
    return is_complete(path, config_digest(config))


def read_summary(path: Path) -> dict[str, Any]:
    """A run's summary.json, checked for what the pages read (an untrusted input).

    Raises:
        ConfigError: Naming the file and the first missing or mistyped key.
    """
    where = path / "summary.json"
    try:
        summary = read_json(where, root=path)
    except OSError:
        raise ConfigError(f"{where}: not readable JSON") from None
    if not isinstance(summary, dict):
        raise ConfigError(f"{where}: expected a mapping")
    for key, kind in SUMMARY_KEYS.items():
        if not isinstance(summary.get(key), kind):
            raise ConfigError(f"{where}: {key}: missing or not a {getattr(kind, '__name__', kind)}")
    for key in ("p_reach_rung", "p_deescalated_by_day"):
        if not isinstance(summary["metrics"].get(key), dict):
            raise ConfigError(f"{where}: metrics.{key}: missing or not a mapping")
    if not isinstance(summary["ladder"].get("names"), list):
        raise ConfigError(f"{where}: ladder.names: missing or not a list")
    return summary


def load_run(path: Path, name: str | None = None) -> Run | None:
    """A completed run directory, or None (with a warning) if it is incomplete.

    Raises:
        ConfigError: If a complete run's summary lacks what the pages read.
    """
    try:
        config = read_run_yaml(path / "config.yaml", root=path)
    except OSError:
        config = None
    if config is None or not is_complete(path, config_digest(config)):
        # (is_complete_run's test, on the config read once: it may be 64 MiB of draws)
        log.warning("%s: no complete status.json for its config.yaml, skipped", path)
        return None
    summary = read_summary(path)
    return Run(name or path.name, path, summary, _flatten(config or {}))


def _inside(root: Path, rel: Any) -> Path:
    """A job folder named by a sweep table, refused if it is not inside the sweep root."""
    path = root / str(rel)
    if Path(str(rel)).is_absolute() or not path.resolve().is_relative_to(root.resolve()):
        raise ConfigError(f"{root}/sweep.parquet: run_dir {str(rel)!r} is outside the sweep")
    return path


def load_sources(paths: Iterable[str | Path]) -> tuple[list[Run], list[Sweep]]:
    """Runs and sweeps from run directories and sweep roots."""
    runs: list[Run] = []
    sweeps: list[Sweep] = []
    for raw in paths:
        p = Path(raw)
        if (p / "sweep.parquet").exists():  # a FIFO too: the reader refuses it (sim/safeio.py)
            table, meta = read_sweep(p)
            sweep = Sweep(p, table, meta)
            sweeps.append(sweep)
            short = sweep.short
            for _, row in table[table["status"] == "complete"].iterrows():
                run = load_run(_inside(p, row["run_dir"]), name=f"{p.name}/{row['run_dir']}")
                if run is not None:
                    run.sweep = p.name
                    run.values = {short[k]: row[k] for k in short}
                    runs.append(run)
        elif p.is_dir():
            run = load_run(p)
            if run is not None:
                runs.append(run)
        else:
            raise ConfigError(f"{p}: not a run directory or a sweep root")
    return runs, sweeps


def read_sweep(root: Path) -> tuple[pd.DataFrame, dict[str, Any]]:
    """A sweep's table and metadata, checked (an untrusted input).

    Raises:
        ConfigError: If the table is not readable Parquet with ``status`` and ``run_dir``.
    """
    table = read_parquet(root / "sweep.parquet", root=root, where=f"{root}/sweep.parquet")
    for col in ("status", "run_dir"):
        if col not in table.columns:
            raise ConfigError(f"{root}/sweep.parquet: no {col} column (not a sweep table)")
    meta: Any = {}
    if (root / "sweep.json").exists():
        try:
            meta = read_json(root / "sweep.json", root=root, where=f"{root}/sweep.json")
        except OSError:
            raise ConfigError(f"{root}/sweep.json: not readable JSON") from None
    if not isinstance(meta, dict):
        raise ConfigError(f"{root}/sweep.json: expected a mapping")
    return table, meta


def run_label(run: Run, runs: Sequence[Run]) -> str:
    """How a run is named on the page.

    A sweep's job by its swept values (with the sweep's folder where several sweeps are
    shown); any other run by its title and, where another run has the same title, the
    settings that set it apart (:func:`overrides_apart`), never its folder's long name.
    """
    if run.sweep is not None and run.values:
        several = len({r.sweep for r in runs if r.sweep is not None}) > 1
        return f"{run.sweep}: {run.label}" if several else run.label
    same = [r for r in runs if r.sweep is None and r.title == run.title]
    if len(same) < 2:
        return run.title
    # Folder names run to 60+ characters and squeeze every chart they label: name a run
    # by what sets it apart from the others of its title (its full name is in the table
    # of runs and on hover).
    differs = overrides_apart(run, same)
    if differs:
        return f"{run.title} · {differs}"
    if any(overrides_apart(r, same) for r in same):
        return f"{run.title} · common settings"
    return f"{run.title} · run {same.index(run) + 1}"


#: Config keys never used to tell runs apart: the scenario is the title, the rest is bookkeeping.
_LABEL_SKIP = ("scenario.", "hydra.", "design.", "report.", "simulation.replicates")
#: A run's label lists at most this many of its differing settings.
LABEL_ITEMS = 3


def _label_key(key: str) -> str:
    """``actors.china.policy.name`` -> ``china.policy``; ``actors.iran.policy.x`` -> ``iran.x``."""
    parts = key.split(".")
    if parts[-1] == "name" and len(parts) > 1:
        parts = parts[:-1]
    if parts[0] == "actors" and len(parts) > 2:
        # The actor and the leaf: the key in between is implied by the leaf.
        return f"{parts[1]}.{parts[-1]}" if parts[-1] != "policy" else f"{parts[1]}.policy"
    return ".".join(parts[1:] if len(parts) > 1 else parts)


def overrides_apart(run: Run, runs: Sequence[Run]) -> str:
    """The settings that set ``run`` apart from ``runs`` (``china.policy = passive``).

    A setting counts where the runs' values differ and this run's value is not the one most
    of them share (where no value is shared, every run shows its own). Settings that follow
    from another one (a policy's parameters when its ``name`` differs) are left out.
    """
    keys = sorted(set().union(*(r.config for r in runs)))
    varying = []
    for k in keys:
        if k.startswith(_LABEL_SKIP):
            continue
        vals = [str(r.config.get(k, "—")) for r in runs]
        if len(set(vals)) > 1:
            varying.append((k, vals))
    names = {k for k, _ in varying if k.endswith(".name")}
    out = []
    me = runs.index(run)
    for k, vals in varying:
        if k.rsplit(".", 1)[0] + ".name" in names - {k}:
            continue
        common = max(set(vals), key=vals.count)
        if vals.count(common) > 1 and vals[me] == common:
            continue
        out.append(f"{_label_key(k)} = {fmt_value(run.config.get(k, '—'))}")
    if len(out) > LABEL_ITEMS:
        out = [*out[:LABEL_ITEMS], f"{len(out) - LABEL_ITEMS} more"]
    return ", ".join(out)

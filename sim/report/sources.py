"""Sources of a comparison: completed run folders and sweep roots, read back."""

from __future__ import annotations

import json
import logging
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pandas as pd
import yaml

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


def _complete(path: Path) -> bool:
    try:
        return json.loads((path / "status.json").read_text())["status"] == "complete"
    except (OSError, ValueError, KeyError):
        return False


def load_run(path: Path, name: str | None = None) -> Run | None:
    """A completed run directory, or None (with a warning) if it is incomplete."""
    if not _complete(path):
        log.warning("%s: no complete status.json, skipped", path)
        return None
    summary = json.loads((path / "summary.json").read_text(encoding="utf-8"))
    config = yaml.safe_load((path / "config.yaml").read_text(encoding="utf-8")) or {}
    return Run(name or path.name, path, summary, _flatten(config))


def load_sources(paths: Iterable[str | Path]) -> tuple[list[Run], list[Sweep]]:
    """Runs and sweeps from run directories and sweep roots."""
    runs: list[Run] = []
    sweeps: list[Sweep] = []
    for raw in paths:
        p = Path(raw)
        if (p / "sweep.parquet").is_file():
            table = pd.read_parquet(p / "sweep.parquet")
            meta = json.loads((p / "sweep.json").read_text()) if (p / "sweep.json").exists() else {}
            sweep = Sweep(p, table, meta)
            sweeps.append(sweep)
            short = sweep.short
            for _, row in table[table["status"] == "complete"].iterrows():
                run = load_run(p / str(row["run_dir"]), name=f"{p.name}/{row['run_dir']}")
                if run is not None:
                    run.sweep = p.name
                    run.values = {short[k]: row[k] for k in short}
                    runs.append(run)
        elif p.is_dir():
            run = load_run(p)
            if run is not None:
                runs.append(run)
        else:
            raise FileNotFoundError(f"{p}: not a run directory or a sweep root")
    return runs, sweeps


def run_label(run: Run, runs: Sequence[Run]) -> str:
    """How a run is named on the page.

    A sweep's job by its swept values (with the sweep's folder where several sweeps are
    shown); any other run by its title, with its folder's name where another run has the
    same title.
    """
    if run.sweep is not None and run.values:
        several = len({r.sweep for r in runs if r.sweep is not None}) > 1
        return f"{run.sweep}: {run.label}" if several else run.label
    titles = [r.title for r in runs]
    return run.title if titles.count(run.title) == 1 else f"{run.title} ({run.name})"

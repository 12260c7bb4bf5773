"""Aggregating a sweep: one tidy table of every job, and the comparison report.

``<sweep>/sweep.parquet`` has one row per job: ``job``, ``run_dir`` (relative to the sweep
root), ``status`` (``complete``, ``failed`` or ``incomplete``), ``error``, ``scenario``, one
column per swept parameter (named by its override key) and the outcome metrics flattened by
:func:`sim.metrics.flat_metrics` (``m``, ``m_lower``, ``m_upper``; the run's size as
``simulation.replicates`` and ``simulation.days``, once each). ``<sweep>/sweep.json``
names the swept parameters and, for designs, the SALib problem. Both are written through a
temporary file and renamed, and rebuilt from the job folders alone, so ``escalation
aggregate SWEEP_DIR`` works after any interruption.
"""

from __future__ import annotations

import json
import logging
import os
from pathlib import Path
from typing import Any

import pandas as pd
import pyarrow as pa

from sim.eventlog import write_atomic
from sim.folders import write_text
from sim.metrics import flat_metrics
from sim.safeio import read_run_yaml, read_yaml

log = logging.getLogger(__name__)

#: A summary's run-size metrics, and the config keys the table names them by.
RUN_SIZE = {"replicates": "simulation.replicates", "days": "simulation.days"}


def job_dirs(sweep: Path) -> list[Path]:
    """Job folders of a sweep (those Hydra wrote a ``.hydra/overrides.yaml`` into)."""
    dirs = [p.parent.parent for p in sweep.glob("*/.hydra/overrides.yaml")]
    return sorted(dirs, key=lambda p: (len(p.parts), _job_key(p)))


def _job_key(path: Path) -> Any:
    return int(path.name) if path.name.isdigit() else path.name


def job_status(job: Path) -> dict[str, Any]:
    """The job's ``status.json`` (``incomplete`` when missing or unreadable)."""
    from sim.folders import read_status

    return read_status(job) or {
        "status": "incomplete",
        "error": "no status.json: the job did not finish",
    }


def _summary(job: Path) -> dict[str, Any] | None:
    """A complete job's summary, or None if its marker or summary cannot be trusted."""
    from sim.errors import ConfigError
    from sim.report.sources import is_complete_run, read_summary

    try:
        # A job whose files the reader refuses (sim/safeio.py) is as untrusted as a bad one.
        return read_summary(job) if is_complete_run(job) else None
    except ConfigError:
        return None


def _overrides(job: Path) -> dict[str, str]:
    try:
        items = read_yaml(job / ".hydra" / "overrides.yaml", root=job)
    except (OSError, ValueError):  # ValueError: ConfigError, a file the reader refuses
        items = None
    out: dict[str, str] = {}
    if not isinstance(items, list):
        return out
    for item in items:
        key, _, value = str(item).partition("=")
        out[key.lstrip("+~")] = value
    return out


def _number(value: str) -> Any:
    """An override value as a number when it is one (the table's columns are typed)."""
    try:
        f = float(value)
    except ValueError:
        return value
    return int(f) if f.is_integer() and "." not in value and "e" not in value.lower() else f


def _plotly_js(root: Path, table: pd.DataFrame) -> str:
    """The jobs' ``report.plotly_js`` (``inline`` unless a job's saved config says otherwise)."""
    for run_dir in table.loc[table["status"] == "complete", "run_dir"]:
        try:
            cfg = read_run_yaml(root / str(run_dir) / "config.yaml", root=root)
        except (OSError, ValueError):  # ValueError: ConfigError, a file the reader refuses
            continue
        mode = ((cfg or {}).get("report") or {}).get("plotly_js", "inline")
        return mode if mode in ("inline", "shared") else "inline"
    return "inline"


def aggregate(sweep: str | Path, report: bool = True) -> Path:
    """Build ``sweep.parquet`` (and ``sweep.json``, ``report.html``) from a sweep's job folders.

    Args:
        sweep: The sweep root (Hydra's ``hydra.sweep.dir``).
        report: Also write the comparison report ``report.html``.

    Returns:
        The path of ``sweep.parquet``.

    Raises:
        FileNotFoundError: If the folder holds no Hydra jobs.
    """
    root = Path(sweep)
    jobs = job_dirs(root)
    if not jobs:
        raise FileNotFoundError(f"{root}: no Hydra job folders (.hydra/overrides.yaml) found")
    rows: list[dict[str, Any]] = []
    keys: list[str] = []
    design: dict[str, Any] | None = None
    for i, job in enumerate(jobs):
        status = job_status(job)
        over = _overrides(job)
        row: dict[str, Any] = {
            "job": i,
            "run_dir": os.path.relpath(job, root),
            "status": status.get("status", "incomplete"),
            "error": status.get("error"),
            "scenario": over.get("scenario", "baseline"),
        }
        for k, v in over.items():
            if k in ("scenario", "design.point"):
                continue
            row[k] = _number(v)
            if k not in keys:
                keys.append(k)
        if row["status"] == "complete":
            summary = _summary(job)
            if summary is None:
                row["status"] = "incomplete"
                row["error"] = "the marker does not vouch for this config, or no valid summary"
                log.warning("%s: %s, skipped", job, row["error"])
                rows.append(row)
                continue
            point = summary.get("design_point") or {}
            row.update(point)
            if point and design is None:
                design = summary.get("design")
            metrics = flat_metrics(summary["metrics"])
            # The run's size under its config key only: an override of it gave the same column.
            for short, key in RUN_SIZE.items():
                if short in metrics:
                    row[key] = int(metrics.pop(short))
            row.update(metrics)
        elif row["status"] == "incomplete":
            log.warning("%s: incomplete job, skipped", job)
        rows.append(row)
    table = pd.DataFrame(rows)
    for k in keys:  # a column mixing numbers and words is kept as text (Parquet needs one type)
        if table[k].map(type).nunique() > 1 and not pd.api.types.is_numeric_dtype(table[k]):
            table[k] = table[k].astype(str)
    varying = [k for k in keys if table[k].astype(str).nunique() > 1]
    out = root / "sweep.parquet"
    write_atomic(pa.Table.from_pandas(table, preserve_index=False), out)
    meta = {
        "parameters": (list(design["parameters"]) if design else varying),
        "design": design["name"] if design else None,
        "problem": design["problem"] if design else None,
        "jobs": len(rows),
        "failed": int((table["status"] == "failed").sum()),
        "incomplete": int((table["status"] == "incomplete").sum()),
    }
    write_text(root / "sweep.json", json.dumps(meta, indent=1))
    if report and not (table["status"] == "complete").any():
        # Nothing to draw: the table says why each job is missing.
        log.warning("%s: no complete job, no report written", root)
    elif report:
        try:
            from sim.report.compare import write_comparison

            write_comparison([root], root / "report.html", _plotly_js(root, table))
        except ImportError:  # the comparison report is optional for aggregation
            log.info("sim.report.compare not available: no sweep report written")
    return out

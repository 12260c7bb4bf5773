"""``escalation discover SWEEP_DIR outcome=...``: scenario discovery by PRIM over a sweep.

The rows are the sweep's complete jobs (``sweep.parquet``), the inputs its swept parameters
(``sweep.json``'s ``parameters``, and the scenario when it varies), the outcome a condition on
one column of the table, ``COLUMN>VALUE`` (or ``>=``, ``<``, ``<=``), e.g.
``outcome=p_deescalated_by_day_7<0.2``. :func:`sim.sweep.prim.prim` finds the boxes of
parameters where the condition holds; ``discover.json`` and ``discover.html`` go into the
sweep folder, under its lock and through atomic writes (:mod:`sim.folders`).
"""

from __future__ import annotations

import json
import math
import re
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from sim.errors import ConfigError, suggest
from sim.sweep import prim

#: ``COLUMN OP VALUE``: a metric column, a comparison, a number.
OUTCOME_RE = re.compile(r"\s*([A-Za-z_][\w.]*)\s*(>=|<=|>|<)\s*([-+]?[\d.]+(?:[eE][-+]?\d+)?)\s*")
#: The settings ``discover`` takes, with their defaults and allowed ranges (open below).
SETTINGS: dict[str, tuple[float, float, float]] = {
    "threshold": (prim.THRESHOLD, 0.0, 1.0),
    "peel_alpha": (prim.PEEL_ALPHA, 0.0, 0.5),
    "mass_min": (prim.MASS_MIN, 0.0, 1.0),
    "boxes": (prim.MAX_BOXES, 0.0, 10.0),
}
#: Columns of ``sweep.parquet`` that are bookkeeping, never parameters nor outcomes.
BOOKKEEPING = ("job", "run_dir", "status", "error", "scenario")


def parse_settings(args: list[str]) -> dict[str, Any]:
    """``outcome=...`` and the optional settings as a dict (outcome as given).

    Raises:
        ConfigError: One line naming the bad setting.
    """
    out: dict[str, Any] = {k: v[0] for k, v in SETTINGS.items()}
    for arg in args:
        key, eq, value = arg.partition("=")
        if not eq:
            raise ConfigError(
                f"{arg}: expected KEY=VALUE (e.g. outcome='p_deescalated_by_day_7<0.2')"
            )
        if key == "outcome":
            out["outcome"] = value
            continue
        if key not in SETTINGS:
            valid = ["outcome", *SETTINGS]
            raise ConfigError(
                f"{key}: unknown setting{suggest(key, valid)}; valid: {', '.join(valid)}"
            )
        _, low, high = SETTINGS[key]
        try:
            number = float(value)
        except ValueError:
            number = math.nan
        if not low < number <= high or (key == "boxes" and not number.is_integer()):
            kind = "a whole number" if key == "boxes" else "a number"
            raise ConfigError(f"{key}: {value!r} must be {kind} in ({low:g}, {high:g}]")
        out[key] = int(number) if key == "boxes" else number
    if "outcome" not in out:
        raise ConfigError(
            "outcome: missing; give a condition on a column of sweep.parquet, "
            "e.g. outcome='p_deescalated_by_day_7<0.2'"
        )
    return out


def outcome_mask(table: pd.DataFrame, text: str) -> tuple[np.ndarray, str]:
    """Where ``COLUMN OP VALUE`` holds in ``table``, and the condition as read.

    Raises:
        ConfigError: If the text is not a condition, or names no numeric column.
    """
    m = OUTCOME_RE.fullmatch(text)
    if m is None:
        raise ConfigError(
            f"outcome: {text!r} is not COLUMN>VALUE (or >=, <, <=), "
            "e.g. outcome='p_deescalated_by_day_7<0.2'"
        )
    column, op, value = m.group(1), m.group(2), float(m.group(3))
    metrics = [c for c in table.columns if c not in BOOKKEEPING]
    if column not in table.columns:
        raise ConfigError(
            f"outcome: unknown column {column!r}{suggest(column, metrics)} "
            "(the columns of sweep.parquet; docs/sweeps.md)"
        )
    if not pd.api.types.is_numeric_dtype(table[column]):
        raise ConfigError(f"outcome: column {column!r} is not numeric")
    col = table[column].to_numpy(dtype=float)
    ops = {">": np.greater, ">=": np.greater_equal, "<": np.less, "<=": np.less_equal}
    with np.errstate(invalid="ignore"):
        return ops[op](col, value), f"{column} {op} {value:g}"


def parameters(table: pd.DataFrame, meta: dict[str, Any]) -> list[str]:
    """The swept parameters: ``sweep.json``'s list, and the scenario when it varies."""
    listed = meta.get("parameters")
    # Without sweep.json, the override keys: dotted (actors.iran.willingness), unlike metrics.
    keys = [str(k) for k in listed] if isinstance(listed, list) else [str(c) for c in table]
    keys = [k for k in keys if "." in k or isinstance(listed, list)]
    keys = [k for k in keys if k in table.columns and table[k].nunique() > 1]
    if "scenario" in table.columns and table["scenario"].nunique() > 1:
        keys.append("scenario")
    return keys


def load(sweep_dir: str | Path) -> tuple[Path, pd.DataFrame, dict[str, Any]]:
    """A sweep folder's complete jobs and its ``sweep.json`` (``{}`` when missing).

    Raises:
        ConfigError: If the folder or its table is missing, or the reader refuses it.
    """
    from sim.safeio import read_json
    from sim.safeparquet import read_parquet

    root = Path(sweep_dir)
    if not root.is_dir():
        raise ConfigError(f"{sweep_dir}: not a folder")
    if not (root / "sweep.parquet").exists():
        raise ConfigError(
            f"{sweep_dir}: no sweep.parquet (not a sweep folder: `escalation run -m ...` "
            "writes one, `escalation aggregate` rebuilds it)"
        )
    table = read_parquet(root / "sweep.parquet", root=root)
    meta: Any = {}
    if (root / "sweep.json").exists():
        meta = read_json(root / "sweep.json", root=root)
    if "status" in table.columns:
        table = table[table["status"] == "complete"].reset_index(drop=True)
    if table.empty:
        raise ConfigError(f"{sweep_dir}: sweep.parquet holds no complete job")
    return root, table, meta if isinstance(meta, dict) else {}


def discover(table: pd.DataFrame, meta: dict[str, Any], settings: dict[str, Any]) -> dict[str, Any]:
    """PRIM over the table: the result as written to ``discover.json``.

    Raises:
        ConfigError: If the outcome is unknown, holds in no job or in every job, or the
            sweep has no swept parameter.
    """
    mask, condition = outcome_mask(table, str(settings["outcome"]))
    hits = int(mask.sum())
    if hits == 0 or hits == len(mask):
        col = table[condition.split()[0]]
        raise ConfigError(
            f"outcome: {condition} holds in {'none' if hits == 0 else 'every one'} of the "
            f"{len(mask)} complete jobs (the column runs from {col.min():g} to {col.max():g}); "
            "choose a condition that splits them"
        )
    keys = parameters(table, meta)
    if not keys:
        raise ConfigError("discover: the sweep varies no parameter: there are no boxes to find")
    x = table[keys].copy()
    for k in keys:  # categories are compared as text
        if not pd.api.types.is_numeric_dtype(x[k]):
            x[k] = x[k].astype(str)
    boxes = prim.prim(
        x,
        mask,
        threshold=settings["threshold"],
        alpha=settings["peel_alpha"],
        mass_min=settings["mass_min"],
        max_boxes=settings["boxes"],
    )
    return {
        "outcome": condition,
        "method": "PRIM (Friedman and Fisher 1999), peeling and covering; sim/sweep/prim.py",
        "settings": {k: settings[k] for k in SETTINGS},
        "parameters": keys,
        "jobs": len(mask),
        "cases": hits,
        "boxes": [
            {
                "limits": _plain(b.restricted),
                "quasi_p": b.quasi_p,
                "coverage": b.final.coverage,
                "density": b.final.density,
                "mass": b.final.mass,
                "rows": b.final.rows,
                "meets_threshold": b.meets_threshold,
                "chosen_step": b.chosen,
                "trajectory": [
                    {"coverage": s.coverage, "density": s.density, "mass": s.mass, "rows": s.rows}
                    for s in b.trajectory
                ],
            }
            for b in boxes
        ],
    }


def _plain(limits: dict[str, Any]) -> dict[str, Any]:
    return {k: list(v) for k, v in limits.items()}


def summary_lines(result: dict[str, Any]) -> list[str]:
    """The result in a few lines, as the command prints it."""
    from sim.report.discover_figures import describe

    out = [
        f"PRIM: {result['outcome']} holds in {result['cases']} of {result['jobs']} jobs "
        f"({result['cases'] / result['jobs']:.0%})."
    ]
    for i, b in enumerate(result["boxes"], start=1):
        flag = "" if b["meets_threshold"] else " (below the density threshold)"
        out.append(
            f"Box {i}: coverage {b['coverage']:.0%}, density {b['density']:.0%}, "
            f"{b['rows']} jobs{flag}"
        )
        out += [
            f"    {describe(k, v)}  (quasi-p {b['quasi_p'][k]:.2g})" for k, v in b["limits"].items()
        ]
        if not b["limits"]:
            out.append("    (no parameter restricted)")
    return out


def main(sweep_dir: str, args: list[str]) -> int:
    """Run PRIM over a sweep, write ``discover.json`` and ``discover.html``, print a summary.

    Raises:
        ConfigError: On bad input (one line; the command exits 2, nothing written).
    """
    from sim.folders import lock, write_text
    from sim.report.discover_figures import discover_page

    settings = parse_settings(args)
    root, table, meta = load(sweep_dir)
    result = discover(table, meta, settings)
    html = discover_page(root.name, result)
    with lock(root, "sweep folder"):
        write_text(root / "discover.json", json.dumps(result, indent=1))
        write_text(root / "discover.html", html)
    for line in summary_lines(result):
        print(line)
    print(f"Report: {(root / 'discover.html').resolve()}")
    return 0

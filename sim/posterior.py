"""Posterior files: per-replicate parameters drawn from a calibration's particles.

A run with ``posterior=PATH`` carries the calibration's uncertainty into its forecast:
each replicate's parameters are drawn by weight (seeded by the run's seed) from the
saved particles and set into the config before it is validated. The calibration that
writes these files is :mod:`sim.calibration`; this module only reads them, so the
settings can use it without depending on the calibration code.
"""

from __future__ import annotations

import importlib.util
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from sim.errors import ConfigError
from sim.folders import held_here


def set_key(raw: dict[str, Any], key: str, value: Any) -> None:
    """Set a dotted key in a nested dict.

    Not ``OmegaConf.update``: the values are per-replicate numpy arrays, which OmegaConf
    nodes cannot hold (configs with scalars use it: ``sim.designs``, the calibrated scenario).

    Raises:
        ConfigError: If a part of the key does not exist.
    """
    node = raw
    parts = key.split(".")
    for part in parts[:-1]:
        if not isinstance(node, dict) or part not in node:
            raise ConfigError(f"calibration.priors.{key}: no such config key")
        node = node[part]
    node[parts[-1]] = value


def systematic_indices(weights: np.ndarray, n: int, rng: np.random.Generator) -> np.ndarray:
    """Indices of ``n`` particles drawn by normalised ``weights`` (systematic resampling)."""
    cum = np.cumsum(weights)
    u = (rng.random() + np.arange(n)) / n
    return np.minimum(np.searchsorted(cum, u), len(cum) - 1)


def shipped(name: str) -> Path:
    """Path of a posterior shipped with the package (``calibration/posterior/NAME.parquet``)."""
    # find_spec locates the folder without importing the calibration code.
    spec = importlib.util.find_spec("sim.calibration")
    folders = list(spec.submodule_search_locations or []) if spec else []
    return Path(folders[0] if folders else ".") / "posterior" / f"{name}.parquet"


def posterior_arrays(path: str | Path, n: int, seed: int) -> dict[str, np.ndarray]:
    """Per-replicate parameter arrays drawn by weight from saved posterior particles.

    Args:
        path: ``posterior.parquet``, the calibration directory holding it, or the name of
            a posterior shipped in ``calibration/posterior/`` (``baseline``).
        n: Number of replicates.
        seed: Seed of the draw (the run's seed: same run, same draws).

    Raises:
        ConfigError: If the file is missing or malformed.
    """
    table, _ = read_posterior(path)
    keys = [c for c in table.columns if c not in ("weight", "distance")]
    w = table["weight"].to_numpy(dtype=float)
    weights = w / w.sum()
    draws = table[keys].to_numpy()[systematic_indices(weights, n, np.random.default_rng(seed))]
    return {k: draws[:, j] for j, k in enumerate(keys)}


def read_posterior(path: str | Path) -> tuple[pd.DataFrame, Path]:
    """Read and check a posterior file (an untrusted input).

    A calibration folder (or a ``posterior.parquet`` inside one) counts only once its
    completion marker is written: a calibration killed after writing the particles is refused.

    Returns:
        The particles and the file they came from.

    Raises:
        ConfigError: Unless the file is readable Parquet with a ``weight`` column, a
            ``distance`` column and at least one parameter column, all numeric and finite,
            with weights >= 0 and not all zero.
    """
    p = Path(path)
    folder = p if p.is_dir() else p.parent
    p = p / "posterior.parquet" if p.is_dir() else p
    if not p.is_file() and str(path).isidentifier():
        p = shipped(str(path))
        folder = p.parent
    if not p.is_file():
        raise ConfigError(f"posterior: {p} not found (run `escalation calibrate` first)")
    # The calibration writing the folder reads its own particles (its report) before the
    # marker; anyone else waits for the marker.
    calibration = (folder / "calibration.json").exists() or Path(path).is_dir()
    if calibration and not held_here(folder) and _status(folder) != "complete":
        raise ConfigError(
            f"posterior: {folder} is not a complete calibration (no completion marker "
            "status.json): it was interrupted; run it again"
        )
    try:
        table = pd.read_parquet(p)
    except Exception:  # pyarrow raises several types for files that are not Parquet
        raise ConfigError(f"posterior: {p} is not a readable Parquet file") from None
    for col in ("weight", "distance"):
        if col not in table.columns:
            raise ConfigError(f"posterior: {p} has no {col} column (not a posterior file)")
    keys = [str(c) for c in table.columns if c not in ("weight", "distance")]
    if not keys:
        raise ConfigError(f"posterior: {p} has no parameter columns")
    if len(table) == 0:
        raise ConfigError(f"posterior: {p} has no particles")
    for col in table.columns:
        if not pd.api.types.is_numeric_dtype(table[col]) or pd.api.types.is_bool_dtype(table[col]):
            raise ConfigError(f"posterior: {p}: column {col!r} is not numeric")
        if col != "distance" and not np.isfinite(table[col].to_numpy(dtype=float)).all():
            raise ConfigError(f"posterior: {p}: column {col!r} has NaN or infinite values")
    w = table["weight"].to_numpy(dtype=float)
    if (w < 0).any():
        raise ConfigError(f"posterior: {p}: negative weights")
    if not w.sum() > 0:
        raise ConfigError(f"posterior: {p}: the weights are all zero")
    return table, p


def _status(folder: Path) -> str | None:
    import json

    try:
        data = json.loads((folder / "status.json").read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return None
    return data.get("status") if isinstance(data, dict) else None

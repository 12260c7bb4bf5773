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
    p = Path(path)
    p = p / "posterior.parquet" if p.is_dir() else p
    if not p.is_file() and str(path).isidentifier():
        p = shipped(str(path))
    if not p.is_file():
        raise ConfigError(f"posterior: {p} not found (run `escalation calibrate` first)")
    table = pd.read_parquet(p)
    if "weight" not in table.columns:
        raise ConfigError(f"posterior: {p} has no weight column")
    keys = [c for c in table.columns if c not in ("weight", "distance")]
    weights = (table["weight"] / table["weight"].sum()).to_numpy()
    draws = table[keys].to_numpy()[systematic_indices(weights, n, np.random.default_rng(seed))]
    return {k: draws[:, j] for j, k in enumerate(keys)}

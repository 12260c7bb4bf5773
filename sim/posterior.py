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
from sim.folders import held_here, read_status
from sim.kinds import kinds
from sim.safeparquet import read_parquet

#: What a posterior's parameter columns may name: values drawn per replicate.
PARAMETER_ROOTS = ("actors.", "by_role.", "mechanisms.")
#: The suffix of a pooled parameter's spread (crisis-level time scales, :func:`pool`).
SPREAD = "@spread"


def pool(
    keys: list[str], values: np.ndarray, rng: np.random.Generator
) -> tuple[list[str], np.ndarray]:
    """Crisis-level values of pooled parameters, drawn around their population value.

    A parameter ``K`` with a companion column ``K@spread`` is *partially pooled*: ``K``
    holds the population value ``mu`` and ``K@spread`` the spread ``sigma`` of crises around
    it, on the log scale of ``1 + value`` (time scales are non-negative and skewed)::

        value = exp(log(1 + mu) + sigma z) - 1,    z ~ N(0, 1), one z per row

    rounded when every ``mu`` is a whole number (days), and kept within 0 and the range the
    actor kinds declare for the parameter. Each row (a
    particle of a fit, a replicate of a run) is one crisis's draw: a fit draws one per
    episode, so an 11-day and a 25-day build-up can both fit one population; a run of a new
    crisis draws its own per replicate. Without ``@spread`` columns nothing changes.

    Args:
        keys: Column names.
        values: (n, len(keys)) rows of values.
        rng: Draws the ``z`` (one per row and pooled key, in key order).

    Returns:
        The keys without the spreads, and the rows with crisis-level values.

    Raises:
        ConfigError: On a spread without its parameter, or a negative spread.
    """
    spreads = [k for k in keys if k.endswith(SPREAD)]
    if not spreads:
        return keys, values
    values = np.array(values, dtype=float)
    for sk in spreads:
        base = sk[: -len(SPREAD)]
        if base not in keys:
            raise ConfigError(f"{sk}: a spread without its parameter {base!r}")
        mu, sigma = values[:, keys.index(base)], values[:, keys.index(sk)]
        if (sigma < 0).any():
            raise ConfigError(f"{sk}: a spread must not be negative")
        drawn = np.expm1(np.log1p(np.maximum(mu, 0.0)) + sigma * rng.standard_normal(mu.size))
        if np.all(mu == np.round(mu)):
            drawn = np.round(drawn)
        low, high = _declared_range(base)
        values[:, keys.index(base)] = np.clip(drawn, max(low, 0.0), high)
    kept = [j for j, k in enumerate(keys) if not k.endswith(SPREAD)]
    return [keys[j] for j in kept], values[:, kept]


def _declared_range(key: str) -> tuple[float, float]:
    """The range an actor kind declares for the parameter ``key`` names (else unbounded)."""
    name = key.rsplit(".", 1)[-1]
    for kind in kinds().values():
        if name in kind.params:
            return float(kind.params[name].low), float(kind.params[name].high)
    return -np.inf, np.inf


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


def cast_drawn(keys: Any, roles: dict[str, str | None]) -> frozenset[str]:
    """Every key a posterior sets: its own, and its role keys cast to the episode's actors.

    ``by_role.victim.policy.generosity`` with ``victim: india`` gives both that key and
    ``actors.india.policy.generosity``: an override of either would change nothing.
    """
    out = set()
    for key in keys:
        out.add(str(key))
        head, _, rest = str(key).partition(".")
        if head == "by_role":
            role, _, rest = rest.partition(".")
            if roles.get(role):
                out.add(f"actors.{roles[role]}.{rest}")
    return frozenset(out)


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


def posterior_arrays(
    path: str | Path, n: int, seed: int, memory_mb: int | None = None
) -> dict[str, np.ndarray]:
    """Per-replicate parameter arrays drawn by weight from saved posterior particles.

    Args:
        path: ``posterior.parquet``, the calibration directory holding it, or the name of
            a posterior shipped in ``calibration/posterior/`` (``baseline``).
        n: Number of replicates.
        seed: Seed of the draw (the run's seed: same run, same draws).
        memory_mb: The most the draws may take (``simulation.memory_mb``), checked before
            they are drawn: they are held for the whole run, not per chunk.

    Raises:
        ConfigError: If the file is missing or malformed, or the draws would not fit.
    """
    table, _ = read_posterior(path)
    keys = [c for c in table.columns if c not in ("weight", "distance")]
    need = n * (len(keys) + 3) * 8  # the draws, and the resampling's positions and indices
    if memory_mb is not None and need > memory_mb * 2**20:
        raise ConfigError(
            f"posterior: {n:,} replicates x {len(keys)} parameters need {need / 2**20:,.0f} MB "
            f"of draws (limit simulation.memory_mb={memory_mb:,}); raise it or ask for less"
        )
    w = table["weight"].to_numpy(dtype=float)
    weights = w / w.sum()
    draws = table[keys].to_numpy()[systematic_indices(weights, n, np.random.default_rng(seed))]
    # A new crisis: each replicate draws its own crisis-level values of pooled parameters.
    keys, draws = pool(keys, draws, np.random.default_rng([seed, 1]))
    return {k: draws[:, j] for j, k in enumerate(keys)}


def read_posterior(path: str | Path) -> tuple[pd.DataFrame, Path]:
    """Read and check a posterior file (an untrusted input).

    A calibration folder (or a ``posterior.parquet`` inside one) counts only once its
    completion marker is written: a calibration killed after writing the particles is refused.

    Returns:
        The particles and the file they came from.

    Raises:
        ConfigError: Unless the file is a regular file of readable Parquet within the
            reader's caps (:mod:`sim.safeio`: size, rows and columns, from the footer) with a
            ``weight`` column, a ``distance`` column and at least one parameter column (under
            :data:`PARAMETER_ROOTS`), all numeric and finite, with weights >= 0 and not all
            zero.
    """
    p = Path(path)
    folder = p if p.is_dir() else p.parent
    p = p / "posterior.parquet" if p.is_dir() else p
    if not p.is_file() and str(path).isidentifier():
        p = shipped(str(path))
        folder = p.parent
    if not p.exists():  # a FIFO or a device exists: the reader refuses it with its own line
        raise ConfigError(f"posterior: {p} not found (run `escalation calibrate` first)")
    # The calibration writing the folder reads its own particles (its report) before the
    # marker; anyone else waits for the marker.
    calibration = (folder / "calibration.json").exists() or Path(path).is_dir()
    if calibration and not held_here(folder) and read_status(folder).get("status") != "complete":
        raise ConfigError(
            f"posterior: {folder} is not a complete calibration (no completion marker "
            "status.json): it was interrupted; run it again"
        )
    # Bounded (sim/safeio.py): rows and columns are checked from the footer before any data
    # is read; in a calibration folder, the file must not lead out of it.
    table = read_parquet(p, root=folder if Path(path).is_dir() else None, where=f"posterior: {p}")
    for col in ("weight", "distance"):
        if col not in table.columns:
            raise ConfigError(f"posterior: {p} has no {col} column (not a posterior file)")
    keys = [str(c) for c in table.columns if c not in ("weight", "distance")]
    if not keys:
        raise ConfigError(f"posterior: {p} has no parameter columns")
    for key in keys:
        # Drawn values go into the config before it is validated: only model parameters,
        # never run settings (simulation.days=1e9) nor the config's own keys (posterior).
        if not key.startswith(PARAMETER_ROOTS):
            raise ConfigError(
                f"posterior: {p}: column {key!r} is not a model parameter (a posterior holds "
                f"weight, distance and keys under {', '.join(r + '*' for r in PARAMETER_ROOTS)})"
            )
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

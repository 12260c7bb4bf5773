"""Experiment designs beyond grids: Sobol (Saltelli) and Latin hypercube samples.

A design is declared in config (``configs/design/NAME.yaml``): parameters as override keys
with [low, high] ranges, a method, a size and a seed. ``escalation run -m design=NAME`` runs
one Hydra job per point (the CLI adds ``design.point=range(0,N)``); each job regenerates the
same points from the seed and applies its own, so no list of values is ever typed.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

import numpy as np
from omegaconf import DictConfig, OmegaConf, open_dict

from sim.composed import MAX_JOBS
from sim.errors import ConfigError, suggest

METHODS = ("sobol", "lhs")


@dataclass(frozen=True)
class Design:
    """A sampling design over parameter ranges.

    Attributes:
        name: Design name.
        method: ``sobol`` (Saltelli sampling, for Sobol indices) or ``lhs``.
        n: Base sample size (Sobol: N(D+2) points, or N(2D+2) with second order; LHS: N).
        seed: Seed of the sampler.
        parameters: Override key -> (low, high); integer bounds make an integer parameter.
        second_order: Whether Sobol sampling supports second-order indices.
    """

    name: str
    method: str
    n: int
    seed: int
    parameters: dict[str, tuple[float, float]]
    second_order: bool = False

    @property
    def problem(self) -> dict[str, Any]:
        """The SALib problem definition."""
        return {
            "num_vars": len(self.parameters),
            "names": list(self.parameters),
            "bounds": [list(b) for b in self.parameters.values()],
        }

    def integer(self, key: str) -> bool:
        """Whether a parameter takes integer values (both bounds written as integers)."""
        low, high = self.parameters[key]
        return isinstance(low, int) and isinstance(high, int)

    def points(self) -> np.ndarray:
        """The design's points, shape (n_points, n_parameters), integers rounded."""
        from SALib.sample import latin, sobol

        if self.method == "sobol":
            x = sobol.sample(
                self.problem, self.n, calc_second_order=self.second_order, seed=self.seed
            )
        else:
            x = latin.sample(self.problem, self.n, seed=self.seed)
        for j, key in enumerate(self.parameters):
            if self.integer(key):
                x[:, j] = np.round(x[:, j])
        return x

    def __len__(self) -> int:
        d = len(self.parameters)
        if self.method == "sobol":
            return self.n * (2 * d + 2 if self.second_order else d + 2)
        return self.n

    def values(self, index: int) -> dict[str, float | int]:
        """The parameter values of point ``index``."""
        if not 0 <= index < len(self):
            raise ConfigError(f"design.point: {index} outside 0..{len(self) - 1}")
        row = self.points()[index]
        return {
            k: (int(v) if self.integer(k) else float(v))
            for k, v in zip(self.parameters, row, strict=True)
        }


def design_from_config(cfg: Mapping[str, Any], limit: int = MAX_JOBS) -> Design:
    """Validate a ``design`` config node.

    Args:
        cfg: The node.
        limit: The most points allowed (``simulation.max_jobs``), checked before any point
            is drawn.

    Raises:
        ConfigError: Naming the field, on a bad method, size or range.
    """
    if isinstance(cfg, DictConfig):
        cfg = OmegaConf.to_container(cfg, resolve=True)  # type: ignore[assignment]
    method = str(cfg.get("method", ""))
    if method not in METHODS:
        raise ConfigError(f"design.method: unknown method {method!r}{suggest(method, METHODS)}")
    n = cfg.get("n")
    if not isinstance(n, int) or isinstance(n, bool) or n < 1:
        raise ConfigError(f"design.n: expected a positive integer, got {n!r}")
    params: dict[str, tuple[float, float]] = {}
    raw = cfg.get("parameters") or {}
    if not raw:
        raise ConfigError("design.parameters: no parameters to sample")
    for key, bounds in raw.items():
        if not isinstance(bounds, list | tuple) or len(bounds) != 2:
            raise ConfigError(f"design.parameters.{key}: expected [low, high], got {bounds!r}")
        low, high = bounds
        if not all(isinstance(b, int | float) and not isinstance(b, bool) for b in (low, high)):
            raise ConfigError(f"design.parameters.{key}: bounds must be numbers, got {bounds!r}")
        if not low < high:
            raise ConfigError(f"design.parameters.{key}: need low < high, got {bounds!r}")
        params[str(key)] = (low, high)
    design = Design(
        name=str(cfg.get("name", "design")),
        method=method,
        n=n,
        seed=int(cfg.get("seed", 1)),
        parameters=params,
        second_order=bool(cfg.get("second_order", False)),
    )
    if len(design) > limit:
        raise ConfigError(
            f"design.n: {n:,} gives {len(design):,} points, over the limit of {limit:,} jobs "
            "(simulation.max_jobs; raise it to run more)"
        )
    return design


def _limit(cfg: Any) -> int:
    """``simulation.max_jobs`` of a config (the default when it has none or a bad one)."""
    value = OmegaConf.select(cfg, "simulation.max_jobs", default=MAX_JOBS)
    return value if isinstance(value, int) and not isinstance(value, bool) else MAX_JOBS


def apply_design_point(cfg: DictConfig) -> dict[str, float | int]:
    """Set the parameters of ``cfg.design.point`` in ``cfg`` (in place).

    Returns:
        The values applied (empty when the config has no design point).

    Raises:
        ConfigError: If the design is invalid or a parameter key does not exist.
    """
    node = cfg.get("design")
    if not node or node.get("point") is None:
        return {}
    design = design_from_config(node, _limit(cfg))
    values = design.values(int(node.point))
    with open_dict(cfg):
        for key, value in values.items():
            missing = OmegaConf.select(cfg, key, default="__missing__") == "__missing__"
            # A policy chosen by an override may take parameters its node does not list yet:
            # they are added, and the settings refuse one the policy does not take.
            parent = key.rsplit(".", 1)[0]
            if missing and not (
                parent.endswith(".policy") and OmegaConf.select(cfg, parent) is not None
            ):
                raise ConfigError(f"design.parameters.{key}: no such config key")
            OmegaConf.update(cfg, key, value, merge=False)
    return values

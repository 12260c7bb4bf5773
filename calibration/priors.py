"""Priors over calibrated parameters, declared in config by named distributions.

``configs/calibration/default.yaml`` lists parameters as override keys with a distribution
name from :data:`DISTRIBUTIONS` and its bounds; configs never name Python callables.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

import numpy as np

from sim.errors import ConfigError, suggest

#: Named prior distributions.
DISTRIBUTIONS = ("uniform", "int_uniform", "normal")


@dataclass(frozen=True)
class Marginal:
    """One parameter's prior.

    Attributes:
        key: Override key of the parameter (``actors.iran.policy.generosity``).
        dist: ``uniform`` [low, high], ``int_uniform`` {low..high} or ``normal`` (mean, sd)
            truncated to [low, high].
        low: Lower bound of the support.
        high: Upper bound of the support.
        mean: Mean (normal only).
        sd: Standard deviation (normal only).
    """

    key: str
    dist: str
    low: float
    high: float
    mean: float = 0.0
    sd: float = 1.0


@dataclass(frozen=True)
class Prior:
    """A product of independent marginals."""

    marginals: tuple[Marginal, ...]

    @property
    def dim(self) -> int:
        """Number of parameters."""
        return len(self.marginals)

    @property
    def keys(self) -> list[str]:
        """Parameter keys."""
        return [m.key for m in self.marginals]

    def sample(self, n: int, rng: np.random.Generator) -> np.ndarray:
        """Draw ``n`` parameter vectors, shape (n, D)."""
        cols = []
        for m in self.marginals:
            if m.dist == "uniform":
                cols.append(rng.uniform(m.low, m.high, n))
            elif m.dist == "int_uniform":
                cols.append(rng.integers(int(m.low), int(m.high) + 1, n).astype(float))
            else:
                x = rng.normal(m.mean, m.sd, n)
                bad = (x < m.low) | (x > m.high)
                while bad.any():
                    x[bad] = rng.normal(m.mean, m.sd, int(bad.sum()))
                    bad = (x < m.low) | (x > m.high)
                cols.append(x)
        return np.column_stack(cols)

    def snap(self, x: np.ndarray) -> np.ndarray:
        """Round integer parameters (perturbed proposals are continuous)."""
        x = x.copy()
        for j, m in enumerate(self.marginals):
            if m.dist == "int_uniform":
                x[:, j] = np.round(x[:, j])
        return x

    def inside(self, x: np.ndarray) -> np.ndarray:
        """Whether each row lies in the support."""
        lo = np.array([m.low for m in self.marginals])
        hi = np.array([m.high for m in self.marginals])
        return np.asarray(((x >= lo) & (x <= hi)).all(axis=1))

    def log_density(self, x: np.ndarray) -> np.ndarray:
        """Log prior density of each row (up to a constant; -inf outside the support)."""
        out = np.where(self.inside(x), 0.0, -np.inf)
        for j, m in enumerate(self.marginals):
            if m.dist == "normal":
                out = out - 0.5 * ((x[:, j] - m.mean) / m.sd) ** 2
        return out


def prior_from_config(cfg: Mapping[str, Any]) -> Prior:
    """Validate ``calibration.priors`` (key -> {dist, low, high[, mean, sd]}).

    Raises:
        ConfigError: Naming the parameter, on an unknown distribution or bad bounds.
    """
    marginals = []
    for key, spec in cfg.items():
        where = f"calibration.priors.{key}"
        dist = str(spec.get("dist", ""))
        if dist not in DISTRIBUTIONS:
            raise ConfigError(
                f"{where}.dist: unknown distribution {dist!r}{suggest(dist, DISTRIBUTIONS)}"
            )
        try:
            low, high = float(spec["low"]), float(spec["high"])
        except (KeyError, TypeError, ValueError):
            raise ConfigError(f"{where}: needs numeric low and high") from None
        if not low < high:
            raise ConfigError(f"{where}: need low < high, got {low}..{high}")
        marginals.append(
            Marginal(
                str(key), dist, low, high, float(spec.get("mean", 0.0)), float(spec.get("sd", 1.0))
            )
        )
    if not marginals:
        raise ConfigError("calibration.priors: no parameters to calibrate")
    return Prior(tuple(marginals))

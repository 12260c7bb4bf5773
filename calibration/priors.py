"""Priors over calibrated parameters, declared in config by named distributions.

``configs/calibration/default.yaml`` lists parameters as override keys with a distribution
name from :data:`DISTRIBUTIONS` and its bounds; configs never name Python callables. Each
name stands for a ``scipy.stats`` distribution (:attr:`Marginal.frozen`): ``uniform``,
``randint`` and ``truncnorm``, which draw and give the densities.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

import numpy as np
from scipy import stats

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

    @property
    def frozen(self) -> Any:
        """The ``scipy.stats`` distribution this marginal names."""
        if self.dist == "uniform":
            return stats.uniform(loc=self.low, scale=self.high - self.low)
        if self.dist == "int_uniform":
            return stats.randint(int(self.low), int(self.high) + 1)
        a, b = (self.low - self.mean) / self.sd, (self.high - self.mean) / self.sd
        return stats.truncnorm(a, b, loc=self.mean, scale=self.sd)

    def log_density(self, x: np.ndarray) -> np.ndarray:
        """Log density (log probability for ``int_uniform``) of each value."""
        d = self.frozen
        return np.asarray(d.logpmf(x) if self.dist == "int_uniform" else d.logpdf(x))


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
        """Draw ``n`` parameter vectors, shape (n, D), from the marginals' scipy distributions."""
        cols = [
            np.asarray(m.frozen.rvs(size=n, random_state=rng), dtype=float) for m in self.marginals
        ]
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
        """Log prior density of each row (-inf outside the support)."""
        out = np.zeros(x.shape[0])
        for j, m in enumerate(self.marginals):
            out = out + m.log_density(x[:, j])
        return np.asarray(np.where(self.inside(x), out, -np.inf))


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

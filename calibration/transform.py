"""The sampler in logit coordinates: bounded parameters on an unbounded scale.

With twenty parameters, a Gaussian kernel in the parameters' own coordinates throws most
proposals outside the support: about 0.55 of a kernel draw stays inside each bounded
coordinate early in a fit, so ``0.55^21``, a few in a million, of whole vectors are kept,
and drawing proposals becomes the slowest step of a generation. The joint fit therefore
samples ``z = logit((x - low) / (high - low))``, which is never outside the support:

- uniform on [low, high]: ``x = low + (high - low) s(z)``, ``s`` the logistic function; the
  prior of ``z`` is the standard logistic density ``s(z) (1 - s(z))``;
- integers {low..high}: the same on [low, high + 1), floored: every integer keeps its prior
  mass 1 / (high - low + 1), and the kernel moves a continuous latent value;
- normal truncated to [low, high]: as uniform, times the normal density at ``x``.

The posterior of ``z`` maps to the posterior of ``x``: the simulator only ever sees ``x``.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field
from typing import Any

import numpy as np
from sim.calibration.priors import Marginal, Prior


def _logistic(z: np.ndarray) -> np.ndarray:
    return np.asarray(0.5 * (1.0 + np.tanh(0.5 * z)))


@dataclass(frozen=True)
class LogitPrior(Prior):
    """A prior over logit coordinates of ``base`` (module docstring); duck-types Prior."""

    base: Prior = field(default_factory=lambda: Prior(()))

    @classmethod
    def of(cls, base: Prior) -> LogitPrior:
        """The logit-coordinate prior of ``base``."""
        free = tuple(Marginal(m.key, "logit", -math.inf, math.inf) for m in base.marginals)
        return cls(free, base)

    def to_x(self, z: np.ndarray) -> np.ndarray:
        """Parameters (n, D) in their own coordinates."""
        u = _logistic(np.asarray(z, dtype=np.float64))
        x = np.empty_like(u)
        for j, m in enumerate(self.base.marginals):
            if m.dist == "int_uniform":
                v = np.floor(m.low + (m.high - m.low + 1.0) * u[:, j])
                x[:, j] = np.clip(v, m.low, m.high)
            else:
                x[:, j] = m.low + (m.high - m.low) * u[:, j]
        return x

    def sample(self, n: int, rng: np.random.Generator) -> np.ndarray:
        """``n`` draws of the logit coordinates."""
        cols = []
        for m in self.base.marginals:
            if m.dist == "normal":
                x = Prior((m,)).sample(n, rng)[:, 0]
                u = np.clip((x - m.low) / (m.high - m.low), 1e-12, 1 - 1e-12)
            else:
                u = rng.uniform(1e-12, 1.0, n)
            cols.append(np.log(u) - np.log1p(-u))
        return np.column_stack(cols)

    def log_density(self, z: np.ndarray) -> np.ndarray:
        """Log prior density of the logit coordinates (up to a constant)."""
        z = np.asarray(z, dtype=np.float64)
        out = -(np.logaddexp(0.0, -z) + np.logaddexp(0.0, z)).sum(axis=1)
        x = self.to_x(z)
        for j, m in enumerate(self.base.marginals):
            if m.dist == "normal":
                out = out - 0.5 * ((x[:, j] - m.mean) / m.sd) ** 2
        return np.asarray(out)


@dataclass
class InX:
    """Wraps a simulator of parameters as one of logit coordinates."""

    simulate: Any
    prior: LogitPrior

    @property
    def early_reject(self) -> bool:
        """Whether the wrapped simulator stops particles past the tolerance."""
        return bool(getattr(self.simulate, "early_reject", False))

    def __call__(self, z: np.ndarray, call: int, *tolerance: float) -> np.ndarray:
        """Distances of a batch given in logit coordinates."""
        return np.asarray(self.simulate(self.prior.to_x(z), call, *tolerance))

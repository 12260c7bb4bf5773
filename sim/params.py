"""Declared parameters: default, range and meaning, and the check of a given value.

Policies, actor kinds and mechanisms declare their parameters as :class:`Param`; the
settings check every value a config gives against its declaration
(:func:`check_value`). A value is a scalar (the same in every replicate) or an array
of shape (R,) (one value per replicate), which is how sweeps and calibration run many
parameter points in one batch.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import Any

import numpy as np

from sim.errors import ConfigError


@dataclass(frozen=True)
class Param:
    """A declared parameter.

    Attributes:
        default: Default value.
        low: Smallest valid value (inclusive).
        high: Largest valid value (inclusive).
        doc: One line on what it means.
        rung: If true the value is a rung name, resolved to a state level.
    """

    default: Any
    low: float = -math.inf
    high: float = math.inf
    doc: str = ""
    rung: bool = False


def check_value(field: str, value: Any, low: float, high: float, n: int) -> Any:
    """Validate a scalar or per-replicate array parameter value.

    Returns:
        A float, an int (for int defaults) or a float64 array of shape (n,).

    Raises:
        ConfigError: If the value is not numeric, NaN, infinite where a bound is
            finite, out of [low, high], or an array whose length is not n.
    """
    if isinstance(value, bool):
        raise ConfigError(f"{field}: expected a number, got {value!r}")
    if isinstance(value, list | tuple | np.ndarray):
        try:
            arr = np.asarray(value, dtype=np.float64)
        except (TypeError, ValueError):
            raise ConfigError(f"{field}: a per-replicate array must hold numbers only") from None
        if arr.ndim != 1 or arr.shape[0] != n:
            raise ConfigError(
                f"{field}: a per-replicate array must have length {n} (replicates), "
                f"got shape {arr.shape}"
            )
        if np.isnan(arr).any():
            raise ConfigError(f"{field}: NaN in per-replicate array")
        if (arr < low).any() or (arr > high).any():
            bad = arr[(arr < low) | (arr > high)][0]
            raise ConfigError(f"{field}: {bad} outside [{low}, {high}]")
        return arr
    try:
        x = float(value)
    except (TypeError, ValueError):
        raise ConfigError(f"{field}: expected a number, got {value!r}") from None
    if math.isnan(x):
        raise ConfigError(f"{field}: NaN is not a valid value")
    if not low <= x <= high:
        raise ConfigError(f"{field}: {value} outside [{low}, {high}]")
    if isinstance(value, int) and not isinstance(value, bool):
        return int(value)
    return x

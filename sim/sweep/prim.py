"""PRIM, the patient rule induction method, for scenario discovery over a sweep's table.

Friedman, J. H. and Fisher, N. I. (1999), "Bump hunting in high-dimensional data",
*Statistics and Computing* 9, 123-143, as used for scenario discovery by Bryant, B. P. and
Lempert, R. J. (2010), "Thinking inside the box", *Technological Forecasting and Social
Change* 77, 34-49, and by the EMA Workbench (``ema_workbench.analysis.prim``), whose defaults
are kept: peel 5% of the points at a time, stop below 5% of them, and rank the peels by
EMA's ``LENIENT1`` objective, the gain in density per point removed.

Kept small on purpose (docs/sweeps.md, "Scenario discovery"): peeling and covering only, no
pasting (Friedman and Fisher find it changes little); EMA's quasi-p-values are kept. A box is a
closed interval per numeric parameter and a set of values per categorical one; the
*peeling trajectory* is every box from the whole space down to the smallest one, with its

- *coverage*: the share of all cases of interest (rows where the outcome holds) inside it;
- *density*: the share of the rows inside it where the outcome holds;
- *mass*: the share of all rows inside it.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

import numpy as np
import pandas as pd

#: EMA Workbench's defaults (``Prim(peel_alpha=0.05, mass_min=0.05)``), and a common threshold.
PEEL_ALPHA = 0.05
MASS_MIN = 0.05
THRESHOLD = 0.8
MAX_BOXES = 3


@dataclass
class Step:
    """One box of a peeling trajectory.

    Attributes:
        limits: Per parameter, ``(low, high)`` (numeric) or the sorted values kept (categorical).
        coverage: Share of all cases of interest inside the box.
        density: Share of the box's rows where the outcome holds.
        mass: Share of all rows inside the box.
        rows: Rows inside the box.
    """

    limits: dict[str, Any]
    coverage: float
    density: float
    mass: float
    rows: int


@dataclass
class Box:
    """A box PRIM found, with its trajectory and the step chosen on it.

    Attributes:
        trajectory: Every box peeling went through, the unrestricted one first.
        chosen: Index of the chosen step (the largest coverage whose density reaches the
            threshold, else the densest step).
        final: The chosen step without the restrictions that do not raise its density
            (:func:`prune`): the box reported.
        restricted: The parameters whose limits the final box narrows, with those limits.
        meets_threshold: Whether the chosen step's density reaches the threshold.
        quasi_p: Per restricted parameter, the chance that the box's density would be as
            high without that restriction (EMA Workbench's quasi-p-value, a binomial tail).
    """

    trajectory: list[Step]
    chosen: int
    final: Step
    restricted: dict[str, Any] = field(default_factory=dict)
    meets_threshold: bool = True
    quasi_p: dict[str, float] = field(default_factory=dict)


def _inside(x: pd.DataFrame, limits: dict[str, Any]) -> np.ndarray:
    mask = np.ones(len(x), dtype=bool)
    for key, lim in limits.items():
        col = x[key].to_numpy()
        if isinstance(lim, tuple):
            mask &= (col >= lim[0]) & (col <= lim[1])
        else:
            mask &= np.isin(col.astype(str), lim)
    return mask


def _full_limits(x: pd.DataFrame) -> dict[str, Any]:
    out: dict[str, Any] = {}
    for key in x.columns:
        col = x[key]
        if pd.api.types.is_numeric_dtype(col):
            out[key] = (float(col.min()), float(col.max()))
        else:
            out[key] = sorted(col.astype(str).unique())
    return out


def _candidates(
    x: pd.DataFrame, inside: np.ndarray, limits: dict[str, Any], alpha: float
) -> list[tuple[str, Any]]:
    """Every peel of one side of one parameter: ``(parameter, new limits)``.

    A numeric side loses the ``alpha`` share of the box's rows with its lowest (highest)
    values; where ties make that nothing (a grid), it loses its extreme value instead. A
    categorical parameter loses one of its values.
    """
    out: list[tuple[str, Any]] = []
    for key in x.columns:
        col = x[key].to_numpy()[inside]
        if pd.api.types.is_numeric_dtype(x[key]):
            values = col.astype(float)
            lo, hi = float(values.min()), float(values.max())
            if lo == hi:
                continue
            q_lo = float(np.quantile(values, alpha, method="lower"))
            q_hi = float(np.quantile(values, 1 - alpha, method="higher"))
            if q_lo == lo:
                q_lo = float(values[values > lo].min())
            if q_hi == hi:
                q_hi = float(values[values < hi].max())
            low, high = limits[key]  # the side not peeled keeps the box's limit
            out += [(key, (q_lo, high)), (key, (low, q_hi))]
        else:
            kept = sorted(set(col.astype(str)))
            if len(kept) > 1:
                out += [(key, [v for v in kept if v != drop]) for drop in kept]
    return out


def peel(
    x: pd.DataFrame,
    y: np.ndarray,
    total_cases: int,
    total_rows: int,
    alpha: float = PEEL_ALPHA,
    mass_min: float = MASS_MIN,
) -> list[Step]:
    """The peeling trajectory of one box over the rows ``x`` (outcome ``y``).

    Args:
        x: The parameters, one column each (numeric or categorical).
        y: Whether the outcome holds, per row.
        total_cases: Cases of interest in the whole table (the denominator of coverage).
        total_rows: Rows of the whole table (the denominator of mass).
        alpha: Share of the box's rows each peel removes.
        mass_min: Peeling stops before a box would hold fewer than this share of all rows.
    """
    limits = _full_limits(x)
    inside = np.ones(len(x), dtype=bool)

    def step() -> Step:
        n = int(inside.sum())
        hits = int(y[inside].sum())
        return Step(dict(limits), hits / total_cases, hits / n if n else 0.0, n / total_rows, n)

    trajectory = [step()]
    while trajectory[-1].density < 1.0:
        n_old, mean_old = int(inside.sum()), float(y[inside].mean())
        best: tuple[float, str, Any, np.ndarray] | None = None
        for key, lim in _candidates(x, inside, limits, alpha):
            new = inside & _inside(x[[key]], {key: lim})
            n_new = int(new.sum())
            if n_new == n_old or n_new < mass_min * total_rows:
                continue
            gain = (float(y[new].mean()) - mean_old) / (n_old - n_new)  # EMA's LENIENT1
            if best is None or gain > best[0]:
                best = (gain, key, lim, new)
        if best is None:
            break
        _, key, lim, inside = best
        limits[key] = lim
        trajectory.append(step())
    return trajectory


def choose(trajectory: list[Step], threshold: float) -> tuple[int, bool]:
    """The step with the largest coverage whose density reaches ``threshold``.

    Returns:
        Its index, and whether one reaches it (if none does, the densest step).
    """
    meeting = [i for i, s in enumerate(trajectory) if s.density >= threshold]
    if meeting:
        return max(meeting, key=lambda i: (trajectory[i].coverage, trajectory[i].density)), True
    return max(range(len(trajectory)), key=lambda i: trajectory[i].density), False


def prim(
    x: pd.DataFrame,
    y: np.ndarray,
    threshold: float = THRESHOLD,
    alpha: float = PEEL_ALPHA,
    mass_min: float = MASS_MIN,
    max_boxes: int = MAX_BOXES,
) -> list[Box]:
    """Boxes where the outcome is dense, found one after another (PRIM's covering).

    After each box, its rows are set aside and the next box is sought in the rest; the
    search stops after ``max_boxes``, or at the first box whose density misses the
    threshold (that box is kept, flagged, when it is the first), or when no case is left.

    Args:
        x: The parameters, one column each.
        y: Whether the outcome holds, per row (at least one row must hold it).
        threshold: The density a chosen box must reach.
        alpha: Share of the box's rows each peel removes.
        mass_min: Smallest share of all rows a box may hold.
        max_boxes: Most boxes to find.
    """
    y = np.asarray(y, dtype=bool)
    total_cases, total_rows = int(y.sum()), len(y)
    rest = np.ones(total_rows, dtype=bool)
    boxes: list[Box] = []
    while len(boxes) < max_boxes and y[rest].any():
        xr = x[rest].reset_index(drop=True)
        trajectory = peel(xr, y[rest], total_cases, total_rows, alpha, mass_min)
        chosen, meets = choose(trajectory, threshold)
        if not meets and boxes:
            break
        # Limits are read within the rows left (a later box excludes the earlier ones).
        full = _full_limits(xr)
        limits = prune(xr, y[rest], trajectory[chosen].limits, full)
        inside = _inside(xr, limits)
        n, hits = int(inside.sum()), int(y[rest][inside].sum())
        final = Step(limits, hits / total_cases, hits / n, n / total_rows, n)
        restricted = {k: v for k, v in limits.items() if _narrower(v, full[k])}
        qp = {k: quasi_p(xr, y[rest], limits, k, full[k]) for k in restricted}
        boxes.append(Box(trajectory, chosen, final, restricted, meets, qp))
        if not meets or not restricted:
            break
        rest &= ~_inside(x, limits)
    return boxes


def prune(
    x: pd.DataFrame, y: np.ndarray, limits: dict[str, Any], full: dict[str, Any]
) -> dict[str, Any]:
    """``limits`` without the restrictions whose removal does not lower the box's density.

    Peeling trims a little off the edges of parameters that do not matter; Friedman and
    Fisher (1999, section 8) drop such restrictions afterwards, the least useful first.
    """
    limits = dict(limits)
    while True:
        inside = _inside(x, limits)
        density = float(y[inside].mean())
        best: tuple[float, str] | None = None
        for key in limits:
            if not _narrower(limits[key], full[key]):
                continue
            relaxed = _inside(x, {**limits, key: full[key]})
            d = float(y[relaxed].mean())
            if d >= density and (best is None or d > best[0]):
                best = (d, key)
        if best is None:
            return limits
        limits[best[1]] = full[best[1]]


def quasi_p(x: pd.DataFrame, y: np.ndarray, limits: dict[str, Any], key: str, full: Any) -> float:
    """How likely the box's hits would be with ``key`` unrestricted (EMA's quasi-p-value).

    The binomial chance of at least the box's number of cases among its rows, at the
    density of the box with ``key``'s restriction lifted: small values mark a restriction
    that matters.
    """
    from scipy.stats import binom

    inside = _inside(x, limits)
    n, hits = int(inside.sum()), int(y[inside].sum())
    p = float(y[_inside(x, {**limits, key: full})].mean())
    return float(binom.sf(hits - 1, n, p))


def _narrower(lim: Any, full: Any) -> bool:
    if isinstance(lim, tuple):
        return bool(lim[0] > full[0] or lim[1] < full[1])
    return len(lim) < len(full)

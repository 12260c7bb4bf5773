"""A sweep in words and one table: jobs ranked by the headline outcome, and what matters most.

The headline outcome is the chance that the two states have de-escalated within a
week. A parameter's *effect* is its first-order sensitivity index S1, the share of the
outcome's variance across the jobs that its value explains on its own, Var(E[Y|X])/Var(Y)
(Saltelli et al. 2008, *Global Sensitivity Analysis: The Primer*, section 1.2.5): estimated by
SALib's RBD-FAST (Tarantola et al. 2006; Plischke 2010; Tissot and Prieur 2012) with its
bootstrap interval for a design of :data:`RBD_FAST_FROM` jobs or more, and computed exactly
from the group means (the correlation ratio η², Pearson 1905) for grids and smaller sweeps,
over fifths of the range for a continuous parameter. For Sobol designs the total Sobol index
ranks the parameters instead, when its intervals allow reading it.
"""

from __future__ import annotations

import math
import re
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np
import pandas as pd

from sim.report.figures import deescalated_by
from sim.report.sources import Run, Sweep, fmt_value

HEADLINE = "p_deescalated_by_day_7"
HEADLINE_TEXT = "P(de-escalated within a week)"
#: Rows of the ranked table shown whole; longer sweeps show their top and bottom jobs.
TABLE_ROWS = 25
#: Values of a parameter above which its effect is read over fifths of its range.
BINS_ABOVE = 8
#: Mean 95% half-width of the Sobol indices above which they are too noisy to read.
SOBOL_READABLE = 0.1
#: Jobs of a design from which RBD-FAST estimates the effects (below, its estimates are
#: biased by the few points per harmonic: Tissot and Prieur 2012).
RBD_FAST_FROM = 50


@dataclass
class Effect:
    """One swept parameter's first-order effect on the headline, and its extreme means.

    Attributes:
        key: The parameter's override key.
        short: Its short name.
        size: Its first-order index S1 (share of the headline's variance, 0 to 1).
        low: Where the mean headline is lowest (a value or a fifth of the range), and it.
        high: Where it is highest, and it.
        conf: The 95% half-width of ``size`` (RBD-FAST's bootstrap), or None when exact.
        method: How ``size`` was computed: ``rbd_fast`` or ``correlation_ratio``.
    """

    key: str
    short: str
    size: float
    low: tuple[str, float]
    high: tuple[str, float]
    conf: float | None = None
    method: str = "correlation_ratio"


@dataclass
class Sobol:
    """Sobol indices of the headline with their 95% half-widths (SALib's ``*_conf``)."""

    names: list[str]
    s1: list[float]
    s1_conf: list[float]
    st: list[float]
    st_conf: list[float]
    n: int

    @property
    def mean_conf(self) -> float:
        """The mean half-width over every index."""
        return float(np.mean([*self.s1_conf, *self.st_conf]))

    @property
    def readable(self) -> bool:
        """Whether the intervals are narrow enough to rank the parameters by them."""
        top = int(np.argmax(self.st))
        return self.mean_conf <= SOBOL_READABLE and self.st_conf[top] < self.st[top]

    def n_needed(self) -> int:
        """Base sample size (a power of two) for intervals of about half the readable width."""
        want = self.n * (self.mean_conf / (SOBOL_READABLE / 2)) ** 2
        return int(2 ** math.ceil(math.log2(max(want, self.n + 1))))


def done(sweep: Sweep) -> pd.DataFrame:
    """The sweep's completed jobs, best headline first (job number breaks ties)."""
    t = sweep.table[sweep.table["status"] == "complete"]
    if HEADLINE not in t.columns:
        # A horizon under a week: the last day reported stands in, as in deescalated_by.
        days = [
            int(c.rsplit("_", 1)[1])
            for c in t.columns
            if re.fullmatch(r"p_deescalated_by_day_\d+", c)
        ]
        if not days:
            return t.iloc[0:0]
        last = f"p_deescalated_by_day_{max(days)}"
        t = t.assign(**{f"{HEADLINE}{end}": t[f"{last}{end}"] for end in ("", "_lower", "_upper")})
    return t.sort_values([HEADLINE, "job"], ascending=[False, True], kind="stable")


def _pct(row: pd.Series, key: str) -> str:
    return f"{row[key]:.0%} [{row[f'{key}_lower']:.0%}–{row[f'{key}_upper']:.0%}]"


def ranked_table(sweep: Sweep) -> dict[str, Any]:
    """Every completed job (or the top and bottom ones), ranked by the headline outcome."""
    t = done(sweep)
    short = sweep.short
    rows = []
    for rank, (_, r) in enumerate(t.iterrows(), start=1):
        rows.append(
            [
                rank,
                *[fmt_value(r[k]) for k in short],
                _pct(r, HEADLINE),
                _pct(r, "p_reach_state_forces_or_worse"),
                f"{r['casualties_mean']:.1f}",
                str(r["run_dir"]),
            ]
        )
    if len(rows) > TABLE_ROWS:
        hidden = len(rows) - 20
        # The note sits in the rank column, short, so that it never widens a value column.
        gap: list[Any] = [f"… {hidden} more"] + [""] * (len(rows[0]) - 1)
        rows = [*rows[:15], gap, *rows[-5:]]
    return {
        "title": f"Sweep {sweep.path.name}: jobs ranked by {HEADLINE_TEXT}"
        + (" (top 15 and bottom 5; every job is in sweep.parquet)" if len(t) > TABLE_ROWS else ""),
        "header": [
            "rank",
            *short.values(),
            "de-escalated within a week [95%]",
            "strikes on state forces [95%]",
            "deaths (mean)",
            "job",
        ],
        "rows": rows,
    }


def effects(sweep: Sweep) -> list[Effect]:
    """Each swept parameter's first-order effect on the headline, largest first."""
    t = done(sweep)
    if t.empty or not float(t[HEADLINE].var()) > 0:  # NaN for one job
        return []
    indices = _rbd_fast(sweep, t)
    out = []
    for key, short in sweep.short.items():
        col = t[key]
        numeric = pd.api.types.is_numeric_dtype(col)
        if numeric and col.nunique() > BINS_ABOVE:
            by = pd.qcut(col.rank(method="first"), 5, labels=False)
            means = t.groupby(by)[HEADLINE].mean()
            names = ["its lowest fifth", "", "", "", "its highest fifth"]
            lo, hi = means.index[0], means.index[-1]
            low, high = (names[int(lo)], float(means[lo])), (names[int(hi)], float(means[hi]))
        else:
            by = col
            means = t.groupby(by)[HEADLINE].mean()
            if len(means) < 2:
                continue
            lo, hi = means.idxmin(), means.idxmax()
            low = (f"{short} = {fmt_value(lo)}", float(means.min()))
            high = (f"{short} = {fmt_value(hi)}", float(means.max()))
        if indices is not None:
            s1, conf = indices[key]
            out.append(Effect(key, short, s1, low, high, conf, "rbd_fast"))
            continue
        # The correlation ratio: the variance of the group means over the total variance.
        sizes = t.groupby(by).size()
        between = float((sizes * (means - t[HEADLINE].mean()) ** 2).sum() / sizes.sum())
        eta2 = between / float(t[HEADLINE].var(ddof=0))
        out.append(Effect(key, short, eta2, low, high))
    return sorted(out, key=lambda e: -e.size)


def _rbd_fast(sweep: Sweep, t: pd.DataFrame) -> dict[str, tuple[float, float]] | None:
    """SALib's RBD-FAST first-order indices with 95% half-widths, for a large enough design."""
    keys = list(sweep.short)
    if (
        not sweep.meta.get("design")
        or len(t) < RBD_FAST_FROM
        or not all(pd.api.types.is_numeric_dtype(t[k]) for k in keys)
    ):
        return None
    from SALib.analyze import rbd_fast

    x = t[keys].to_numpy(dtype=float)
    # Neutral names: SALib refuses names with some suffixes; bounds are not used by RBD-FAST.
    problem = {
        "num_vars": len(keys),
        "names": [f"x{i}" for i in range(len(keys))],
        "bounds": [[float(c.min()), float(c.max())] for c in x.T],
    }
    res = rbd_fast.analyze(problem, x, t[HEADLINE].to_numpy(dtype=float), seed=1)
    s1, conf = np.asarray(res["S1"], dtype=float), np.asarray(res["S1_conf"], dtype=float)
    if not np.isfinite(s1).all():
        return None
    return {k: (float(a), float(b)) for k, a, b in zip(keys, s1, conf, strict=True)}


def sobol_indices(sweep: Sweep) -> Sobol | None:
    """The headline's Sobol indices with their 95% intervals, for a complete Sobol sample."""
    from SALib.analyze import sobol

    problem = sweep.meta.get("problem")
    t = sweep.table
    if not sweep.meta.get("design") or not problem or (t["status"] != "complete").any():
        return None
    y = t.sort_values("job")[HEADLINE].to_numpy(dtype=float)
    d = int(problem["num_vars"])
    if y.size % (d + 2) != 0:
        return None  # not a Saltelli sample (e.g. a Latin hypercube)
    res = sobol.analyze(problem, y, calc_second_order=False, seed=1)
    return Sobol(
        list(problem["names"]),
        [float(v) for v in res["S1"]],
        [float(v) for v in res["S1_conf"]],
        [float(v) for v in res["ST"]],
        [float(v) for v in res["ST_conf"]],
        y.size // (d + 2),
    )


def sobol_warning(s: Sobol) -> str | None:
    """A plain warning when the Sobol intervals are too wide to read the indices."""
    if s.readable:
        return None
    return (
        f"Too few points to read the Sobol indices: with N = {s.n} base samples "
        f"({s.n * (len(s.names) + 2)} runs) their 95% intervals are ±{s.mean_conf:.2f} on "
        "average, as wide as or wider than the indices themselves, so the bars may be noise. "
        f"Rerun with design.n={s.n_needed()} or more (intervals shrink as 1/√N)."
    )


def sweep_sentences(sweep: Sweep) -> list[str]:
    """The sweep in a few sentences: its size, its range, and what matters most."""
    t = done(sweep)
    if t.empty:
        return [f"Sweep {sweep.path.name}: no job completed."]
    short = sweep.short
    over = ", ".join(f"{s} ({t[k].nunique()} values)" for k, s in short.items()) or "nothing"
    best, worst = t.iloc[0], t.iloc[-1]

    def named(r: pd.Series) -> str:
        return ", ".join(f"{s} = {fmt_value(r[k])}" for k, s in short.items())

    out = [
        f"Sweep {sweep.path.name}: {len(t)} completed jobs over {over}. The chance that the two "
        f"states have de-escalated within a week runs from {worst[HEADLINE]:.0%} "
        f"({named(worst)}) to {best[HEADLINE]:.0%} ({named(best)})."
    ]
    s = sobol_indices(sweep)
    if s is not None and s.readable:
        top = int(np.argmax(s.st))
        out.append(
            f"What matters most: {short.get(s.names[top], s.names[top])}, which explains about "
            f"{s.st[top]:.0%} of the variance of that chance with its interactions (total Sobol "
            f"index {s.st[top]:.2f} ± {s.st_conf[top]:.2f})."
        )
        return out
    eff = effects(sweep)
    if eff:
        e = eff[0]
        how = (
            f"first-order index S1 = {e.size:.2f} ± {e.conf:.2f}, by SALib's RBD-FAST"
            if e.conf is not None
            else "first-order index S1 = η², the variance of the mean chance across its "
            "values over the total variance"
        )
        rest = "; ".join(f"{o.short} {o.size:.2f}" for o in eff[1:4])
        out.append(
            f"What matters most: {e.short}. On its own it explains {max(e.size, 0):.0%} of the "
            f"variance of that chance across the jobs ({how}); the mean chance runs from "
            f"{e.low[1]:.0%} at {e.low[0]} to {e.high[1]:.0%} at {e.high[0]}"
            + (f" (S1 of the others: {rest})." if rest else ".")
        )
    warning = sobol_warning(s) if s is not None else None
    if warning:
        out.append(warning)
    return out


def featured(runs: Sequence[Run], limit: int = 8) -> list[Run]:
    """The runs the figures show: every lone run, and each sweep's jobs or a few of them.

    A sweep with more jobs than fit is shown by its best, middle and worst job on the
    headline outcome (the ranked table lists them all).
    """
    lone = [r for r in runs if r.sweep is None]
    sweeps: dict[str, list[Run]] = {}
    for r in runs:
        if r.sweep is not None:
            sweeps.setdefault(r.sweep, []).append(r)
    room = max(limit - len(lone), 3 * len(sweeps))
    out = list(lone)
    for jobs in sweeps.values():
        if len(jobs) <= room // max(len(sweeps), 1):
            out += jobs
            continue
        order = sorted(jobs, key=lambda r: -_headline(r))
        out += [order[0], order[len(order) // 2], order[-1]]
    return out


def _headline(run: Run) -> float:
    return float(deescalated_by(run.summary["metrics"])["estimate"])

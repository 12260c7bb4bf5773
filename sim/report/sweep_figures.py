"""Figures of a sweep: outcomes over the swept parameters, and Sobol indices.

Series are grouped and named by the swept values (``scenario = no_mediation``), and a line
joins only jobs that differ in the one parameter on the x axis: never two scenarios, nor
two settings of another parameter.
"""

from __future__ import annotations

import pandas as pd
import plotly.graph_objects as go
from plotly.subplots import make_subplots

from sim.report.figures import COLOURS
from sim.report.html import Section
from sim.report.layout import style
from sim.report.sources import Sweep, fmt_value
from sim.report.sweep_summary import (
    HEADLINE,
    HEADLINE_TEXT,
    Sobol,
    done,
    sobol_indices,
    sobol_warning,
)

#: Above this many groups of the other parameters' values, jobs are drawn as points only.
MAX_LINES = 8


def sweep_figures(sweep: Sweep) -> list[Section]:
    """Outcomes across the swept parameters, and Sobol indices for Sobol designs."""
    t = done(sweep)
    short = sweep.short
    if t.empty or not short:
        return []
    grid = not sweep.meta.get("design")
    numeric = all(pd.api.types.is_numeric_dtype(t[k]) for k in short)
    if grid and len(short) == 2 and numeric:
        out = [_heatmap(sweep, t)]
    else:
        out = [_by_parameter(sweep, t, lines=grid)]
    s = sobol_indices(sweep)
    if s is not None:
        out.append(_sobol_section(sweep, s))
    return out


def _heatmap(sweep: Sweep, t: pd.DataFrame) -> Section:
    (a, sa), (b, sb) = sweep.short.items()
    grid = t.pivot_table(index=b, columns=a, values=HEADLINE, aggfunc="mean")
    fig = go.Figure(
        go.Heatmap(
            z=grid.to_numpy(),
            x=[fmt_value(x) for x in grid.columns],
            y=[fmt_value(y) for y in grid.index],
            colorscale="Viridis",
            colorbar={"title": "P", "tickformat": ".0%"},
            hovertemplate=f"{sa} = %{{x}}<br>{sb} = %{{y}}<br>P = %{{z:.1%}}<extra></extra>",
        )
    )
    style(fig, f"{HEADLINE_TEXT} across the sweep", 460)
    fig.update_layout(
        xaxis={"title": sa, "type": "category"}, yaxis={"title": sb, "type": "category"}
    )
    return Section(
        f"Sweep {sweep.path.name}: two parameters",
        f"Each cell is one sweep point ({HEADLINE_TEXT}).",
        fig,
    )


def _by_parameter(sweep: Sweep, t: pd.DataFrame, lines: bool) -> Section:
    """One panel per swept parameter; in a grid, one line per setting of the others."""
    short = sweep.short
    keys = list(short)
    fig = make_subplots(
        rows=1, cols=len(keys), subplot_titles=list(short.values()), shared_yaxes=True
    )
    colour = 0
    for j, key in enumerate(keys, start=1):
        others = [k for k in keys if k != key]
        numeric = pd.api.types.is_numeric_dtype(t[key])
        groups = list(t.groupby(others, sort=True)) if others else [((), t)]
        # A line joins only jobs that differ in this panel's (numeric) parameter alone.
        as_lines = lines and numeric and len(groups) <= MAX_LINES
        if not (lines and len(groups) <= MAX_LINES):
            groups = [((), t)]
        for values, d in groups:
            vals = values if isinstance(values, tuple) else (values,)
            name = ", ".join(
                f"{short[k]} = {fmt_value(v)}" for k, v in zip(others, vals, strict=False)
            )
            d = d.sort_values(key)
            fig.add_trace(
                go.Scatter(
                    x=d[key] if numeric else d[key].astype(str),
                    y=d[HEADLINE],
                    mode="markers+lines" if as_lines else "markers",
                    error_y={
                        "type": "data",
                        "symmetric": False,
                        "array": d[f"{HEADLINE}_upper"] - d[HEADLINE],
                        "arrayminus": d[HEADLINE] - d[f"{HEADLINE}_lower"],
                        "thickness": 1,
                    },
                    name=name or "sweep jobs",
                    legendgroup=name,
                    showlegend=bool(name),
                    marker={"color": COLOURS[colour % len(COLOURS)], "size": 8 if name else 5},
                    opacity=1 if name else 0.6,
                    text=[f"job {r}" for r in d["job"]],
                ),
                row=1,
                col=j,
            )
            colour += 1 if name else 0
    fig.update_yaxes(title_text=HEADLINE_TEXT, tickformat=".0%", row=1, col=1)
    style(fig, f"{HEADLINE_TEXT} across the sweep", 440, legend_below=True)
    fig.update_layout(margin={"t": 85})  # room for the panel titles
    caption = "One point per sweep job, with its 95% interval"
    if lines and len(keys) > 1:
        caption += (
            "; colours name the other parameters' values, and a line joins only jobs that "
            "differ in the parameter of its panel alone"
        )
    return Section(f"Sweep {sweep.path.name}: outcome by parameter", caption + ".", fig)


def clipped(est: float, conf: float) -> tuple[float, float, float]:
    """An index and its 95% interval as shown: each clipped to [0, 1].

    A Sobol index is a share of variance, so it lies in [0, 1]; SALib's estimate and its
    bootstrap interval (estimate ± 1.96 sd) can reach past either end when N is small.
    """
    lo, hi = est - conf, est + conf
    return min(max(est, 0.0), 1.0), min(max(lo, 0.0), 1.0), min(max(hi, 0.0), 1.0)


def _bar(name: str, x: list[str], est: list[float], conf: list[float], colour: str) -> go.Bar:
    shown = [clipped(e, c) for e, c in zip(est, conf, strict=True)]
    return go.Bar(
        name=name,
        x=x,
        y=[v for v, _, _ in shown],
        error_y={
            "type": "data",
            "symmetric": False,
            "array": [hi - v for v, _, hi in shown],
            "arrayminus": [v - lo for v, lo, _ in shown],
            "thickness": 1.5,
        },
        marker_color=colour,
    )


def _sobol_section(sweep: Sweep, s: Sobol) -> Section:
    names = [sweep.short.get(n, n) for n in s.names]
    fig = go.Figure(
        [
            _bar("first order S1", names, s.s1, s.s1_conf, COLOURS[0]),
            _bar("total ST", names, s.st, s.st_conf, COLOURS[4]),
        ]
    )
    style(fig, f"Sobol sensitivity of {HEADLINE_TEXT} (95% intervals)", 420, legend_below=True)
    fig.update_layout(
        barmode="group", yaxis={"title": "index (share of variance)", "range": [0, 1.05]}
    )
    warning = sobol_warning(s)
    caption = (
        "How much of the variance of the outcome each parameter explains alone (S1) and with "
        f"its interactions (ST), by SALib from N = {s.n} base samples; the whiskers are 95% "
        "bootstrap intervals."
    )
    raw = [(e - c, e + c) for e, c in zip([*s.s1, *s.st], [*s.s1_conf, *s.st_conf], strict=True)]
    if any(lo < 0 or hi > 1 for lo, hi in raw):
        low = min(lo for lo, _ in raw)
        high = max(hi for _, hi in raw)
        caption += (
            " Bars and intervals are clipped to [0, 1] in the chart and the interval columns: "
            "an index is a share of variance, and SALib's intervals (estimate ± 1.96 bootstrap "
            f"sd) reach {_n(low)} to {_n(high)} here, past what an index can be, because N is "
            "small. The ± columns give SALib's raw values."
        )
    table = {
        "title": "Sobol indices with their 95% intervals",
        "header": ["parameter", "S1", "S1 95% interval", "ST", "ST 95% interval", "reading"],
        "rows": [
            [
                name,
                f"{_n(s1)} ± {_n(c1)}",
                _interval(s1, c1),
                f"{_n(st)} ± {_n(ct)}",
                _interval(st, ct),
                _reading(st, ct),
            ]
            for name, s1, c1, st, ct in zip(names, s.s1, s.s1_conf, s.st, s.st_conf, strict=True)
        ],
    }
    return Section(
        "Sensitivity (Sobol indices)",
        caption,
        fig,
        table=table,
        warning=warning,
    )


def _interval(est: float, conf: float) -> str:
    """The 95% interval as shown, clipped to [0, 1] (:func:`clipped`)."""
    _, lo, hi = clipped(est, conf)
    return f"{_n(lo)} to {_n(hi)}"


def _reading(st: float, conf: float) -> str:
    """What a total index with its half-width allows one to say."""
    if st - conf > 0:
        return "matters (interval above 0)"
    if st + conf < 0.05:
        return "negligible (interval below 0.05)"
    return "unclear: interval wider than the index"


def _n(x: float) -> str:
    """Two decimals, without a minus sign on a rounded zero."""
    text = f"{x:.2f}"
    return "0.00" if text == "-0.00" else text

"""Figures that compare scenarios: paths, outcomes, transitions and occupancy."""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np
import plotly.graph_objects as go
from plotly.subplots import make_subplots

from sim.report.figures import (
    COLOURS,
    _quantile_rows,
    _state_axis,
    add_band,
    channel_label,
    day_axis_title,
    observed_name,
)
from sim.report.sources import Run, run_label

#: Outcomes compared across runs: (metric key, day key or None, title, axis title, percent).
OUTCOMES: tuple[tuple[str, str | None, str, str, bool], ...] = (
    ("p_deescalated_by_day", "7", "Agreed within a week", "probability", True),
    ("p_reach_state_forces_or_worse", None, "Strikes on state forces", "probability", True),
    ("days_to_deescalation_median", None, "Days to agreement", "days (median)", False),
    ("casualties_mean", None, "Deaths", "deaths (mean)", False),
    (
        "p_ambassadors_returned_given_recalled",
        None,
        "Ambassadors back",
        "P(returned | recalled)",
        True,
    ),
)


def fan_overlay(runs: Sequence[Run], channel: int) -> go.Figure:
    """Medians and 50% bands of one directed pair for every run, observed episode on top."""
    first = runs[0].summary
    names, pos = _state_axis(first)
    fig = go.Figure()
    for i, run in enumerate(runs):
        s = run.summary
        counts = np.asarray(s["daily_rung_counts"][channel], dtype=float)
        days = np.arange(counts.shape[0])
        colour = COLOURS[i % len(COLOURS)]
        rgb = tuple(int(colour[k : k + 2], 16) for k in (1, 3, 5))
        lo = pos[_quantile_rows(counts, 0.25).astype(int)]
        hi = pos[_quantile_rows(counts, 0.75).astype(int)]
        add_band(fig, days, lo, hi, f"rgba{(*rgb, 0.15)}", f"{run_label(run, runs)}: 50% band")
        fig.add_trace(
            go.Scatter(
                x=days,
                y=pos[_quantile_rows(counts, 0.5).astype(int)],
                mode="lines",
                line_shape="hv",
                line={"color": colour, "width": 2.5},
                name=f"{run_label(run, runs)}: median",
            )
        )
    ch = first["channels"][channel]
    observed = first.get("observed", {}).get(ch)
    if observed:
        idx = [first["ladder"]["names"].index(r) for r in observed]
        fig.add_trace(
            go.Scatter(
                x=list(range(len(observed))),
                y=pos[idx],
                mode="lines+markers",
                line={"color": "black", "dash": "dot"},
                marker={"size": 10, "symbol": "diamond"},
                name=observed_name(first),
            )
        )
    ticks = list(range(len(names)))
    fig.update_layout(
        template="plotly_white",
        height=460,
        title=f"{channel_label(first, ch)}: median rung by day, per scenario",
        xaxis={"title": day_axis_title(first)},
        yaxis={
            "title": "rung of the escalation ladder",
            "tickmode": "array",
            "tickvals": ticks,
            "ticktext": names,
            "range": [-0.5, len(ticks) - 0.5],
        },
        margin={"l": 10, "r": 10, "t": 50, "b": 10},
        legend={"font": {"size": 10}},
    )
    return fig


def outcome_comparison(runs: Sequence[Run]) -> go.Figure:
    """The outcome metrics of every run with their 95% intervals."""
    fig = make_subplots(
        rows=1, cols=len(OUTCOMES), subplot_titles=[o[2] for o in OUTCOMES], horizontal_spacing=0.06
    )
    labels = [run_label(r, runs) for r in runs]
    for j, (key, day, _, axis, pct) in enumerate(OUTCOMES, start=1):
        est, lo, hi = [], [], []
        for r in runs:
            v = r.summary["metrics"][key]
            v = v[day] if day is not None else v
            est.append(v["estimate"])
            lo.append(v["estimate"] - v["lower"])
            hi.append(v["upper"] - v["estimate"])
        fig.add_trace(
            go.Scatter(
                x=est,
                y=labels,
                mode="markers",
                showlegend=False,
                marker={"size": 10, "color": COLOURS[j % len(COLOURS)]},
                error_x={"type": "data", "symmetric": False, "array": hi, "arrayminus": lo},
            ),
            row=1,
            col=j,
        )
        fig.update_xaxes(title_text=axis, row=1, col=j, tickformat=".0%" if pct else None)
        if j > 1:
            fig.update_yaxes(showticklabels=False, row=1, col=j)
    fig.update_layout(
        template="plotly_white",
        height=140 + 32 * len(runs),
        margin={"l": 10, "r": 10, "t": 60, "b": 10},
    )
    return fig


def _selector(fig: go.Figure, labels: Sequence[str], per_run: int) -> None:
    """Show one run's traces at a time, with a dropdown to switch."""
    n = len(labels)
    for k, tr in enumerate(fig.data):
        tr.visible = k < per_run
    if n > 1:
        buttons = [
            {
                "label": lab,
                "method": "update",
                "args": [{"visible": [k // per_run == i for k in range(n * per_run)]}],
            }
            for i, lab in enumerate(labels)
        ]
        fig.update_layout(updatemenus=[{"buttons": buttons, "x": 0, "y": 1.15, "xanchor": "left"}])


def transitions_sankey(runs: Sequence[Run]) -> go.Figure:
    """Rung-to-rung transitions between consecutive days (states, both directions)."""
    first = runs[0].summary
    names = first["ladder"]["names"]
    none = names.index("none") if "none" in names else -1
    fig = go.Figure()
    for run in runs:
        t = np.asarray(run.summary["transitions"], dtype=float).sum(axis=0)
        if none >= 0:
            t[none, none] = 0  # quiet days dominate and say nothing
        src, dst = np.nonzero(t)
        keep = t[src, dst] >= max(1.0, t.sum() * 0.002)
        src, dst = src[keep], dst[keep]
        fig.add_trace(
            go.Sankey(
                arrangement="snap",
                node={
                    "label": [f"{n} (day d)" for n in names] + [f"{n} (day d+1)" for n in names],
                    "pad": 8,
                    "thickness": 12,
                },
                link={
                    "source": src.tolist(),
                    "target": (dst + len(names)).tolist(),
                    "value": t[src, dst].tolist(),
                },
            )
        )
    _selector(fig, [run_label(r, runs) for r in runs], 1)
    fig.update_layout(
        height=520,
        title="From one day's rung to the next (both states, all days)",
        margin={"l": 10, "r": 10, "t": 80, "b": 10},
    )
    return fig


def occupancy_heatmap(runs: Sequence[Run]) -> go.Figure:
    """Share of replicates on each rung each day (both states summed)."""
    first = runs[0].summary
    names, _ = _state_axis(first)
    keep = [first["ladder"]["names"].index(n) for n in names]
    fig = go.Figure()
    for run in runs:
        c = np.asarray(run.summary["daily_rung_counts"], dtype=float).sum(axis=0)  # (days, rungs)
        share = c[:, keep] / c.sum(axis=1, keepdims=True)
        fig.add_trace(
            go.Heatmap(
                z=share.T,
                x=list(range(share.shape[0])),
                y=names,
                colorscale="Blues",
                zmin=0,
                zmax=1,
                colorbar={"title": "share", "tickformat": ".0%"},
            )
        )
    _selector(fig, [run_label(r, runs) for r in runs], 1)
    fig.update_layout(
        template="plotly_white",
        height=460,
        title="Where the states are, day by day",
        xaxis={"title": day_axis_title(runs[0].summary)},
        yaxis={"title": "rung"},
        margin={"l": 10, "r": 10, "t": 80, "b": 10},
    )
    return fig

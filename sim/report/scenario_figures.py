"""Figures that compare scenarios: paths, outcomes, transitions and occupancy."""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np
import plotly.graph_objects as go
from plotly.subplots import make_subplots

from sim.report.figures import (
    COLOURS,
    _state_axis,
    add_fan,
    channel_label,
    day_axis_title,
    deescalated_by,
    observed_trace,
    rung_axis,
    state_labels,
)
from sim.report.layout import (
    CROWDED_AT,
    LEGEND_BELOW,
    MEDIAN_OFFSET,
    add_day_zoom,
    add_menu,
    menu,
    quantile_rows,
    rung_labels,
    style,
)
from sim.report.sources import Run

#: Outcomes compared across runs: (metric key, day key or None, title, axis title, percent).
OUTCOMES: tuple[tuple[str, str | None, str, str, bool], ...] = (
    ("p_deescalated_by_day", "7", "De-escalated within a week", "probability", True),
    ("p_reach_state_forces_or_worse", None, "Strikes on state forces", "probability", True),
    ("days_to_deescalation_median", None, "Days to de-escalation", "days (median)", False),
    ("casualties_mean", None, "Deaths", "deaths (mean)", False),
    (
        "p_ambassadors_returned_given_recalled",
        None,
        "Ambassadors back",
        "P(returned | recalled)",
        True,
    ),
)


def fan_overlay(runs: Sequence[Run], channel: int, labels: Sequence[str]) -> go.Figure:
    """Medians and 50% bands of one directed pair for every run, observed episode on top.

    Args:
        runs: The runs to overlay.
        channel: Index into each summary's ``channels``.
        labels: Each run's name in the legend.
    """
    first = runs[0].summary
    _, pos = _state_axis(first)
    names = list(rung_labels(first).values())
    fig = go.Figure()
    for i, (run, label) in enumerate(zip(runs, labels, strict=True)):
        counts = np.asarray(run.summary["daily_rung_counts"][channel], dtype=float)
        median = quantile_rows(counts, 0.5).astype(int)
        # Medians that agree would hide one another: each run's is set a little apart.
        shift = MEDIAN_OFFSET * (i - (len(runs) - 1) / 2)
        add_fan(
            fig,
            np.arange(counts.shape[0]),
            lambda q, c=counts, d=shift: (
                pos[quantile_rows(c, q).astype(int)] + (d if q == 0.5 else 0)
            ),
            COLOURS[i % len(COLOURS)],
            prefix=label,
            widths=(50,),
            # The run's full name on hover: the legend holds only its short label.
            hover=[f"{names[r]}<br>{run.name}" for r in median],
            crowded=len(runs) > CROWDED_AT,
        )
    ch = first["channels"][channel]
    observed = observed_trace(first, ch, pos.__getitem__)
    if observed is not None:
        fig.add_trace(observed)
    style(fig, f"{channel_label(first, ch)}: median rung by day, per scenario", 520)
    fig.update_layout(
        xaxis={"title": day_axis_title(first)},
        yaxis=rung_axis(first),
        # Below the plot: long sweep labels on the right would squeeze the days.
        legend={**LEGEND_BELOW, "font": {"size": 11}},
        hoverlabel={"namelength": -1},
    )
    add_day_zoom(fig, [r.summary for r in runs], quantiles=(0.25, 0.5, 0.75))
    return fig


def outcome_comparison(runs: Sequence[Run], labels: Sequence[str]) -> go.Figure:
    """The outcome metrics of every run with their 95% intervals.

    Each run keeps its colour of the path charts; hovering a dot gives its full name.
    """
    fig = make_subplots(
        rows=1, cols=len(OUTCOMES), subplot_titles=[o[2] for o in OUTCOMES], horizontal_spacing=0.04
    )
    # Panel titles a little smaller than the page's, so that five fit side by side.
    fig.update_annotations(font={"size": 13})
    labels = [_wrap(lab) for lab in labels]
    colours = [COLOURS[i % len(COLOURS)] for i in range(len(runs))]
    full = [r.name for r in runs]
    lines = max(lab.count("<br>") + 1 for lab in labels)
    for j, (key, day, _, axis, pct) in enumerate(OUTCOMES, start=1):
        est, lo, hi = [], [], []
        for r in runs:
            metrics = r.summary["metrics"]
            if key == "p_deescalated_by_day":
                v = deescalated_by(metrics, day or "7")
            else:
                v = metrics[key] if day is None else metrics[key][day]
            est.append(v["estimate"])
            lo.append(v["estimate"] - v["lower"])
            hi.append(v["upper"] - v["estimate"])
        fig.add_trace(
            go.Scatter(
                x=est,
                y=labels,
                mode="markers",
                showlegend=False,
                marker={"size": 10, "color": colours},
                error_x={
                    "type": "data",
                    "symmetric": False,
                    "array": hi,
                    "arrayminus": lo,
                    "color": "#555",
                },
                customdata=full,
                hovertemplate="%{x}<br>%{customdata}<extra></extra>",
            ),
            row=1,
            col=j,
        )
        fig.update_xaxes(title_text=axis, row=1, col=j, tickformat=".0%" if pct else None)
        if j > 1:
            fig.update_yaxes(showticklabels=False, row=1, col=j)
    fig.update_layout(
        template="plotly_white",
        height=120 + (18 + 14 * lines) * len(runs),
        margin={"l": 10, "r": 10, "t": 40, "b": 10},
    )
    fig.update_yaxes(automargin=True, autorange="reversed")
    return fig


def _wrap(label: str, width: int = 30) -> str:
    """A long label (a sweep job's values, a run's settings) over several lines.

    Narrow, so that the labels leave the five panels most of the width; a line breaks
    between settings where it can (``a = 1, b = 2``), else between words.
    """
    import textwrap

    # Non-breaking spaces keep each ``key = value`` whole.
    parts = [p.replace(" = ", "\u00a0=\u00a0") for p in label.split(", ")]
    lines = textwrap.wrap(", ".join(parts), width, break_long_words=False)
    return "<br>".join(line.replace("\u00a0", " ") for line in lines)


def _selector(fig: go.Figure, labels: Sequence[str], per_run: int) -> None:
    """Show one run's traces at a time, with a dropdown (under the title) to switch."""
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
        add_menu(fig, menu(buttons, right=False, kind="dropdown"))


def transitions_sankey(runs: Sequence[Run], labels: Sequence[str]) -> go.Figure:
    """Rung-to-rung transitions between consecutive days (states, both directions)."""
    first = runs[0].summary
    names = first["ladder"]["names"]
    words = list(rung_labels(first).values())
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
                    "label": [f"{w} (day d)" for w in words] + [f"{w} (day d+1)" for w in words],
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
    _selector(fig, labels, 1)
    style(fig, "From one day's rung to the next (both states, all days)", 560, menus=len(runs) > 1)
    return fig


def occupancy_heatmap(runs: Sequence[Run], labels: Sequence[str]) -> go.Figure:
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
                y=state_labels(first),
                colorscale="Blues",
                zmin=0,
                zmax=1,
                colorbar={"title": "share", "tickformat": ".0%"},
            )
        )
    _selector(fig, labels, 1)
    style(fig, "Where the states are, day by day", 480, menus=len(runs) > 1)
    fig.update_layout(
        xaxis={"title": day_axis_title(runs[0].summary)},
        yaxis={"title": "rung", "automargin": True},
    )
    add_day_zoom(fig, [r.summary for r in runs])
    return fig

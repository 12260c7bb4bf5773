"""Plotly figures drawn from a run's ``summary.json``.

Every function takes the summary mapping (as :func:`sim.runner.simulate` returns
and writes it) and returns a ``plotly.graph_objects.Figure``, so notebooks can
show, restyle or export them.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

import numpy as np
import plotly.graph_objects as go

from sim.report.layout import (
    BAND_ALPHA,
    CROWDED_ALPHA,
    MEDIAN_WIDTH,
    add_day_zoom,
    quantile_rows,
    rgba,
    rung_labels,
    style,
)

BANDS = ((0.05, 0.95, 90), (0.25, 0.75, 50))
#: A qualitative palette (Tableau 10, as in matplotlib and D3): ten colours told apart at a
#: glance, so that up to ten runs or sample paths never share one. Grey comes last, as it
#: reads as "none" next to the others.
COLOURS = (
    "#1f77b4",
    "#d62728",
    "#2ca02c",
    "#9467bd",
    "#ff7f0e",
    "#8c564b",
    "#e377c2",
    "#17becf",
    "#bcbd22",
    "#7f7f7f",
)


def add_band(
    fig: go.Figure,
    x: Any,
    lower: Any,
    upper: Any,
    fill: str,
    name: str,
    group: str | None = None,
    shape: str = "hv",
    legend: bool = True,
) -> None:
    """A shaded band between two lines (lower trace, then upper with fill="tonexty").

    Daily values are drawn as steps (``shape="hv"``), like the median over them, so that a
    band and its median change on the same day.
    """
    fig.add_trace(
        go.Scatter(
            x=x,
            y=lower,
            mode="lines",
            line={"width": 0, "shape": shape},
            showlegend=False,
            hoverinfo="skip",
            legendgroup=group,
        )
    )
    fig.add_trace(
        go.Scatter(
            x=x,
            y=upper,
            mode="lines",
            line={"width": 0, "shape": shape},
            fill="tonexty",
            fillcolor=fill,
            name=name,
            legendgroup=group,
            showlegend=legend,
        )
    )


def add_fan(
    fig: go.Figure,
    days: Any,
    quantile: Any,
    colour: str,
    prefix: str = "",
    widths: tuple[int, ...] = (90, 50),
    hover: Any = None,
    crowded: bool = False,
) -> None:
    """Median and bands of daily values, drawn alike in every chart.

    Args:
        fig: The figure to draw into.
        days: The x values.
        quantile: ``q -> y values`` of the q-quantile over replicates.
        colour: Hex colour of the median; the bands are the same colour, lighter.
        prefix: Legend prefix (a run's label on charts that overlay runs).
        widths: Which bands to draw (90 and/or 50: the % of replicates they hold).
        hover: Hover text of the median (rung labels).
        crowded: Many runs overlaid: fainter bands, and each median outlined in white so
            that it stays readable where the bands of several runs overlap.
    """
    group = prefix or None
    lead = f"{prefix}: " if prefix else ""
    for lo, hi, width in BANDS:
        if width in widths:
            add_band(
                fig,
                days,
                quantile(lo),
                quantile(hi),
                rgba(colour, CROWDED_ALPHA if crowded else BAND_ALPHA[width]),
                f"{lead}{width}% of replicates",
                group,
                legend=not prefix,  # a run's band toggles with its median (one entry a run)
            )
    if crowded:
        fig.add_trace(
            go.Scatter(
                x=days,
                y=quantile(0.5),
                mode="lines",
                line={"color": "white", "width": MEDIAN_WIDTH + 1.5, "shape": "hv"},
                showlegend=False,
                hoverinfo="skip",
                legendgroup=group,
            )
        )
    fig.add_trace(
        go.Scatter(
            x=days,
            y=quantile(0.5),
            mode="lines",
            line={"color": colour, "width": MEDIAN_WIDTH, "shape": "hv"},
            name=f"{prefix} (median, 50% band)" if prefix else "median",
            legendgroup=group,
            text=hover,
            # The y value is a position on the axis (offset where runs overlay): the
            # rung's name in ``hover`` says it.
            hoverinfo="x+text+name" if hover is not None else None,
        )
    )


def _state_axis(summary: dict[str, Any]) -> tuple[list[str], np.ndarray]:
    """The rungs states can take (the y axis of paths) and each rung's position on it."""
    lad = summary["ladder"]
    used = lad.get("used_by") or [["state"]] * len(lad["names"])
    keep = [i for i, u in enumerate(used) if "state" in u]
    if "state_position" in lad:  # rungs states cannot take read as the nearest state rung
        return [lad["names"][i] for i in keep], np.asarray(lad["state_position"])
    pos = np.searchsorted(keep, np.arange(len(lad["names"])))
    return [lad["names"][i] for i in keep], np.minimum(pos, len(keep) - 1)


def state_labels(summary: dict[str, Any]) -> list[str]:
    """Human labels of the rungs states can take, bottom to top of the path charts' y axis."""
    names, _ = _state_axis(summary)
    labels = rung_labels(summary)
    return [labels[n] for n in names]


def rung_axis(summary: dict[str, Any]) -> dict[str, Any]:
    """The y axis of path charts: one tick per state rung, labelled in words."""
    labels = state_labels(summary)
    return {
        "title": "rung of the escalation ladder",
        "tickmode": "array",
        "tickvals": list(range(len(labels))),
        "ticktext": labels,
        "range": [-0.5, len(labels) - 0.5],
        "automargin": True,
    }


def deescalated_by(metrics: dict[str, Any], day: str = "7") -> dict[str, float]:
    """P(de-escalated by ``day``), or by the last day reported when the horizon is shorter."""
    by_day = metrics["p_deescalated_by_day"]
    if day in by_day:
        return dict(by_day[day])
    return dict(by_day[max(by_day, key=int)])


def observed_name(summary: dict[str, Any]) -> str:
    """Legend name of the observed path: ``observed (first date to last date)``."""
    ep = summary.get("episode") or {}
    if not ep.get("first_date"):
        # Summaries written before the episode library held only the 2024 episode.
        return "observed (16-19 Jan 2024)"
    return f"observed ({ep['first_date']} to {ep['last_date']})"


def observed_sentence(summary: dict[str, Any], channel: str) -> str:
    """``; the dotted black line is what happened (dates)`` when the channel was observed."""
    if not (summary.get("observed") or {}).get(channel):
        return ""
    return f"; the dotted black line is what happened {observed_name(summary)[len('observed ') :]}"


def day_axis_title(summary: dict[str, Any]) -> str:
    """``day (0 = Tue 16 Jan 2024)``: day 0 of the episode, or of the trigger if unobserved."""
    ep = summary.get("episode")
    if ep is None:  # summaries written before the library held only the 2024 episode
        return "day (0 = Tue 16 Jan 2024)"
    first = ep.get("first_date")
    day0 = dt.date.fromisoformat(first).strftime("%a %d %b %Y") if first else "the trigger"
    return f"day (0 = {day0})"


def channel_label(summary: dict[str, Any], channel: str) -> str:
    """'Iran toward Pakistan' for the channel 'iran->pakistan'."""
    labels = summary.get("labels", {})
    a, b = channel.split("->")
    return f"{labels.get(a, a)} toward {labels.get(b, b)}"


def observed_trace(summary: dict[str, Any], channel: str, y_of: Any) -> go.Scatter | None:
    """The observed sequence of one directed pair (``y_of``: rung indices -> y values)."""
    observed = summary.get("observed", {}).get(channel)
    if not observed:
        return None
    lad = summary["ladder"]
    labels = rung_labels(summary)
    idx = [lad["names"].index(r) for r in observed]
    return go.Scatter(
        x=list(range(len(observed))),
        y=y_of(np.asarray(idx)),
        mode="lines+markers",
        line={"color": "black", "dash": "dot"},
        marker={"size": 10, "symbol": "diamond"},
        text=[labels[r] for r in observed],
        name=observed_name(summary),
    )


def fan_chart(summary: dict[str, Any], channel: int, scale: str = "rung") -> go.Figure:
    """Escalation fan chart of one directed pair of states.

    Median and 50%/90% bands of the daily rung over replicates, with the
    episode's observed sequence drawn on top; the day axis opens on the active days.

    Args:
        summary: A run's summary.
        channel: Index into ``summary["channels"]``.
        scale: ``"rung"`` (ladder position, labelled with rung names) or
            ``"goldstein"`` (Goldstein score, -10 conflict .. +10 cooperation).
    """
    lad = summary["ladder"]
    counts = np.asarray(summary["daily_rung_counts"][channel], dtype=float)
    days = np.arange(counts.shape[0])
    gold = np.asarray(lad["goldstein"])
    name = summary["channels"][channel]
    _, pos = _state_axis(summary)
    labels = list(rung_labels(summary).values())

    def tr(q: float) -> np.ndarray:
        # Goldstein falls as rungs rise, so its q-quantile is the (1-q) rung quantile.
        if scale == "goldstein":
            return gold[quantile_rows(counts, 1 - q).astype(int)]
        return pos[quantile_rows(counts, q).astype(int)]

    fig = go.Figure()
    median = quantile_rows(counts, 0.5).astype(int)
    add_fan(fig, days, tr, COLOURS[0], hover=[labels[r] for r in median])
    observed = observed_trace(
        summary, name, gold.__getitem__ if scale == "goldstein" else pos.__getitem__
    )
    if observed is not None:
        fig.add_trace(observed)
    _axes(
        fig,
        summary,
        scale,
        f"{channel_label(summary, name)}: "
        + ("rung by day" if scale == "rung" else "Goldstein score by day"),
    )
    return fig


def _axes(fig: go.Figure, summary: dict[str, Any], scale: str, title: str) -> None:
    fig.update_xaxes(title=day_axis_title(summary))
    if scale == "goldstein":
        fig.update_yaxes(
            title="Goldstein score (-10 conflict, +10 cooperation)", range=[-10.5, 10.5]
        )
    else:
        fig.update_yaxes(**rung_axis(summary))
    style(fig, title, 420, legend_below=True)
    add_day_zoom(fig, [summary])


def sample_paths(summary: dict[str, Any], channel: int, k: int = 8) -> go.Figure:
    """A handful of individual replicates' paths for one directed pair."""
    name = summary["channels"][channel]
    _, pos = _state_axis(summary)
    labels = list(rung_labels(summary).values())
    fig = go.Figure()
    for i, (rep, paths) in enumerate(list(summary.get("sample_paths", {}).items())[:k]):
        path = paths[channel]
        fig.add_trace(
            go.Scatter(
                x=list(range(len(path))),
                y=pos[path],
                mode="lines+markers",
                line_shape="hv",
                name=f"replicate {rep}",
                text=[labels[r] for r in path],
                line={"color": COLOURS[i % len(COLOURS)], "width": 1.5},
                marker={"size": 5},
                opacity=0.8,
            )
        )
    _axes(fig, summary, "rung", f"{channel_label(summary, name)}: sample paths")
    return fig


def reach_chart(summary: dict[str, Any]) -> go.Figure:
    """P(reaching each rung) with 95% intervals."""
    reach = summary["metrics"]["p_reach_rung"]
    labels = rung_labels(summary)
    names = list(reach)
    est = np.array([reach[n]["estimate"] for n in names])
    lo = np.array([reach[n]["lower"] for n in names])
    hi = np.array([reach[n]["upper"] for n in names])
    fig = go.Figure(
        go.Bar(
            x=[labels.get(n, n) for n in names],
            y=est,
            error_y={"type": "data", "symmetric": False, "array": hi - est, "arrayminus": est - lo},
            marker_color=COLOURS[0],
        )
    )
    style(fig, "Probability that a state reaches each rung", 380)
    fig.update_layout(
        yaxis={"title": "probability", "range": [0, 1.05], "tickformat": ".0%"},
        xaxis={"title": "rung", "automargin": True},
    )
    return fig


def deescalation_chart(summary: dict[str, Any]) -> go.Figure:
    """P(de-escalated by day k) for every day k, with its 95% Wilson band.

    Drawn from the histogram of the first-agreement day (``deescalation_day_counts``,
    last bin: never), plus bars for the share of episodes agreeing on each day.
    """
    from sim.metrics import wilson

    m = summary["metrics"]
    n = m["replicates"]
    counts = np.asarray(summary["deescalation_day_counts"][:-1], dtype=float)
    days = np.arange(counts.size)
    cum = np.cumsum(counts)
    bands = np.array([wilson(c, n)[1:] for c in cum])
    fig = go.Figure()
    add_band(fig, days, bands[:, 0], bands[:, 1], rgba(COLOURS[2], BAND_ALPHA[50]), "95% interval")
    fig.add_trace(
        go.Scatter(
            x=days,
            y=cum / n,
            mode="lines",
            line={"color": COLOURS[2], "width": MEDIAN_WIDTH, "shape": "hv"},
            name="P(de-escalated by day k)",
        )
    )
    fig.add_trace(
        go.Bar(
            x=days,
            y=counts / n,
            opacity=0.4,
            name="share agreeing first on day k",
            marker_color=COLOURS[0],
        )
    )
    style(fig, "De-escalation over time", 380, legend_below=True)
    fig.update_layout(
        xaxis={"title": day_axis_title(summary)},
        yaxis={"title": "probability", "range": [0, 1.05], "tickformat": ".0%"},
    )
    add_day_zoom(fig, [summary], quantiles=(), agreements=True)
    return fig

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

BANDS = ((0.05, 0.95, "90% of replicates"), (0.25, 0.75, "50% of replicates"))
COLOURS = ("#1f77b4", "#d62728", "#2ca02c", "#9467bd", "#ff7f0e", "#8c564b")


def add_band(fig: go.Figure, x: Any, lower: Any, upper: Any, fill: str, name: str) -> None:
    """A shaded band between two lines (lower trace, then upper with fill="tonexty")."""
    fig.add_trace(
        go.Scatter(
            x=x, y=lower, mode="lines", line={"width": 0}, showlegend=False, hoverinfo="skip"
        )
    )
    fig.add_trace(
        go.Scatter(
            x=x, y=upper, mode="lines", line={"width": 0}, fill="tonexty", fillcolor=fill, name=name
        )
    )


def _quantile_rows(counts: np.ndarray, q: float) -> np.ndarray:
    """Per-day q-quantile of rung indices given per-day histograms (days, rungs)."""
    cum = np.cumsum(counts, axis=1)
    target = q * cum[:, -1:]
    return (cum < target).sum(axis=1).astype(float)


def _state_axis(summary: dict[str, Any]) -> tuple[list[str], np.ndarray]:
    """The rungs states can take (the y axis of paths) and each rung's position on it."""
    lad = summary["ladder"]
    used = lad.get("used_by") or [["state"]] * len(lad["names"])
    keep = [i for i, u in enumerate(used) if "state" in u]
    if "state_position" in lad:  # rungs states cannot take read as the nearest state rung
        return [lad["names"][i] for i in keep], np.asarray(lad["state_position"])
    pos = np.searchsorted(keep, np.arange(len(lad["names"])))
    return [lad["names"][i] for i in keep], np.minimum(pos, len(keep) - 1)


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


def fan_chart(summary: dict[str, Any], channel: int, scale: str = "rung") -> go.Figure:
    """Escalation fan chart of one directed pair of states.

    Median and 50%/90% bands of the daily rung over replicates, with the
    episode's observed sequence drawn on top.

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

    def tr(q: float) -> np.ndarray:
        # Goldstein falls as rungs rise, so its q-quantile is the (1-q) rung quantile.
        if scale == "goldstein":
            return gold[_quantile_rows(counts, 1 - q).astype(int)]
        return pos[_quantile_rows(counts, q).astype(int)]

    fig = go.Figure()
    for (lo, hi, label), alpha in zip(BANDS, (0.18, 0.35), strict=True):
        add_band(fig, days, tr(lo), tr(hi), f"rgba(31,119,180,{alpha})", label)
    fig.add_trace(
        go.Scatter(
            x=days,
            y=tr(0.5),
            mode="lines",
            line={"color": COLOURS[0], "width": 3},
            name="median",
            line_shape="hv",
        )
    )
    observed = summary.get("observed", {}).get(name)
    if observed:
        idx = [lad["names"].index(r) for r in observed]
        y = gold[idx] if scale == "goldstein" else pos[idx]
        fig.add_trace(
            go.Scatter(
                x=list(range(len(observed))),
                y=y,
                mode="lines+markers",
                line={"color": "black", "dash": "dot"},
                marker={"size": 10, "symbol": "diamond"},
                text=observed,
                name=observed_name(summary),
            )
        )
    _axes(fig, summary, scale)
    fig.update_layout(
        title=f"{channel_label(summary, name)}: "
        + ("rung by day" if scale == "rung" else "Goldstein score by day")
    )
    return fig


def _axes(fig: go.Figure, summary: dict[str, Any], scale: str) -> None:
    fig.update_xaxes(title=day_axis_title(summary))
    if scale == "goldstein":
        fig.update_yaxes(
            title="Goldstein score (-10 conflict, +10 cooperation)", range=[-10.5, 10.5]
        )
    else:
        names, _ = _state_axis(summary)
        ticks = list(range(len(names)))
        fig.update_yaxes(
            title="rung of the escalation ladder",
            tickmode="array",
            tickvals=ticks,
            ticktext=names,
            range=[-0.5, len(ticks) - 0.5],
        )
    fig.update_layout(
        template="plotly_white",
        height=420,
        margin={"l": 10, "r": 10, "t": 50, "b": 10},
        legend={"orientation": "h", "y": -0.2},
    )


def sample_paths(summary: dict[str, Any], channel: int, k: int = 8) -> go.Figure:
    """A handful of individual replicates' paths for one directed pair."""
    lad = summary["ladder"]
    name = summary["channels"][channel]
    _, pos = _state_axis(summary)
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
                text=[lad["names"][r] for r in path],
                line={"color": COLOURS[i % len(COLOURS)], "width": 1.5},
                marker={"size": 5},
                opacity=0.8,
            )
        )
    _axes(fig, summary, "rung")
    fig.update_layout(title=f"{channel_label(summary, name)}: sample paths")
    return fig


def reach_chart(summary: dict[str, Any]) -> go.Figure:
    """P(reaching each rung) with 95% intervals."""
    reach = summary["metrics"]["p_reach_rung"]
    names = list(reach)
    est = np.array([reach[n]["estimate"] for n in names])
    lo = np.array([reach[n]["lower"] for n in names])
    hi = np.array([reach[n]["upper"] for n in names])
    fig = go.Figure(
        go.Bar(
            x=names,
            y=est,
            error_y={"type": "data", "symmetric": False, "array": hi - est, "arrayminus": est - lo},
            marker_color=COLOURS[0],
        )
    )
    fig.update_layout(
        template="plotly_white",
        height=360,
        title="Probability that a state reaches each rung",
        yaxis={"title": "probability", "range": [0, 1.05]},
        xaxis={"title": "rung"},
        margin={"l": 10, "r": 10, "t": 50, "b": 10},
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
    add_band(fig, days, bands[:, 0], bands[:, 1], "rgba(44,160,44,0.25)", "95% interval")
    fig.add_trace(
        go.Scatter(
            x=days,
            y=cum / n,
            mode="lines",
            line={"color": COLOURS[2], "width": 3},
            line_shape="hv",
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
    fig.update_layout(
        template="plotly_white",
        height=360,
        title="De-escalation over time",
        xaxis={"title": "day k"},
        yaxis={"title": "probability", "range": [0, 1.05]},
        margin={"l": 10, "r": 10, "t": 50, "b": 10},
        legend={"orientation": "h", "y": -0.2},
    )
    return fig

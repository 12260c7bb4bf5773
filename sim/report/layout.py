"""What every chart shares: rung labels, the look of medians and bands, the day zoom, menus.

One place decides these so that a single-run page, a comparison and a calibration report
draw a median, a band, a title and a menu the same way.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import numpy as np
import plotly.graph_objects as go

#: The median line of every path chart.
MEDIAN_WIDTH = 2.5
#: Fill opacity of the band holding 90% and 50% of replicates (the same in every chart).
BAND_ALPHA = {90: 0.13, 50: 0.3}
#: Fill opacity of each run's band where more than :data:`CROWDED_AT` runs overlay: six
#: bands at 0.3 blend into one brown mass, at 0.1 each stays a tint of its own colour.
CROWDED_ALPHA = 0.1
CROWDED_AT = 3
#: Overlaid medians are set this far apart (in rungs), so that runs whose medians agree
#: show as parallel lines instead of one line hiding the others.
MEDIAN_OFFSET = 0.14
#: A chart zooms to its active days only when they end before this share of the horizon.
ZOOM_BELOW = 0.75
#: Room above the plot for the title (and, on charts with menus, a row of menus under it).
TOP = 50
TOP_WITH_MENU = 95


#: A legend under the plot, at the foot of the figure. In container coordinates, not the
#: plot's: placed at a fraction below the plot it kept the margin of the width it was first
#: drawn at and, in a wider window that needed fewer legend rows, slid over the axis title.
LEGEND_BELOW: dict[str, Any] = {
    "orientation": "h",
    "yref": "container",
    "y": 0,
    "yanchor": "bottom",
}


def rgba(colour: str, alpha: float) -> str:
    """``#1f77b4`` and 0.3 as ``rgba(31,119,180,0.3)``."""
    r, g, b = (int(colour[k : k + 2], 16) for k in (1, 3, 5))
    return f"rgba({r},{g},{b},{alpha})"


def rung_labels(summary: dict[str, Any]) -> dict[str, str]:
    """Rung id -> its human label (``recall_ambassador`` -> ``Recall ambassador``)."""
    lad = summary["ladder"]
    labels = lad.get("labels") or lad["names"]  # summaries written before labels were kept
    return dict(zip(lad["names"], labels, strict=True))


def style(
    fig: go.Figure,
    title: str,
    height: int,
    menus: bool = False,
    legend_below: bool = False,
) -> go.Figure:
    """Title at the top left, menus (if any) in their own row under it, never on it."""
    fig.update_layout(
        template="plotly_white",
        height=height,
        title={
            "text": title,
            "x": 0,
            "xref": "paper",
            "xanchor": "left",
            "yref": "container",
            "y": 1,
            "yanchor": "top",
            "pad": {"t": 14},
        },
        margin={"l": 10, "r": 10, "t": TOP_WITH_MENU if menus else TOP, "b": 10},
    )
    if legend_below:
        fig.update_layout(legend=LEGEND_BELOW)
    return fig


def menu(buttons: list[dict[str, Any]], right: bool, kind: str = "buttons") -> dict[str, Any]:
    """An updatemenu in the row between the title and the plot (left or right end)."""
    return {
        "type": kind,
        "direction": "right" if kind == "buttons" else "down",
        "buttons": buttons,
        "x": 1 if right else 0,
        "xanchor": "right" if right else "left",
        "y": 1.02,
        "yanchor": "bottom",
        "pad": {"r": 0, "t": 0, "b": 0, "l": 0},
        "showactive": True,
        "active": 0,
        "bgcolor": "#f4f4f4",
        "font": {"size": 11},
    }


def add_menu(fig: go.Figure, item: dict[str, Any]) -> None:
    """Add an updatemenu, keeping those already there."""
    fig.update_layout(updatemenus=[*fig.layout.updatemenus, item])


def quantile_rows(counts: np.ndarray, q: float) -> np.ndarray:
    """Per-day q-quantile of rung indices given per-day histograms (days, rungs)."""
    cum = np.cumsum(counts, axis=1)
    target = q * cum[:, -1:]
    return (cum < target).sum(axis=1).astype(float)


def _last_change(rows: np.ndarray) -> int:
    """The last index at which a row differs from the one before it (0 if none does)."""
    changed = np.flatnonzero(np.any(rows[1:] != rows[:-1], axis=tuple(range(1, rows.ndim))))
    return int(changed[-1] + 1) if changed.size else 0


def active_end(
    summaries: Sequence[dict[str, Any]],
    quantiles: Sequence[float] = (0.05, 0.25, 0.5, 0.75, 0.95),
    agreements: bool = False,
) -> int:
    """The last day on which anything a chart draws still moves, over several runs.

    That is the last change of any drawn quantile of each pair's daily rung, the last
    observed day with a coded act and, for charts of agreements, the last day on which more
    than 0.5% of episodes first agree to de-escalate.
    """
    end = 0
    for s in summaries:
        for counts in s["daily_rung_counts"] if quantiles else []:
            c = np.asarray(counts, dtype=float)
            q = np.stack([quantile_rows(c, p) for p in quantiles], axis=1)
            end = max(end, _last_change(q))
        if agreements:
            agree = np.asarray(s.get("deescalation_day_counts", [0])[:-1], dtype=float)
            n = max(float(s["metrics"]["replicates"]), 1.0)
            busy = np.flatnonzero(agree / n > 0.005)
            if busy.size:
                end = max(end, int(busy[-1]))
        for path in (s.get("observed") or {}).values():
            acted = [d for d, rung in enumerate(path) if rung != "none"]
            end = max(end, acted[-1] if acted else 0)
    return end


def add_day_zoom(
    fig: go.Figure,
    summaries: Sequence[dict[str, Any]],
    quantiles: Sequence[float] = (0.05, 0.25, 0.5, 0.75, 0.95),
    agreements: bool = False,
) -> None:
    """Zoom the day axis to the active days, with a button for the whole horizon.

    ``quantiles`` and ``agreements`` say what the chart draws (see :func:`active_end`).
    Nothing changes when the active days fill most of the horizon.
    """
    horizon = max(len(s["daily_rung_counts"][0]) for s in summaries if s["daily_rung_counts"])
    end = min(
        active_end(summaries, quantiles, agreements) + 2, horizon - 1
    )  # two settled days show it has settled
    if end >= ZOOM_BELOW * (horizon - 1):
        return
    active = [-0.5, end + 0.5]
    full = [-0.5, horizon - 0.5]
    fig.update_xaxes(range=active)
    add_menu(
        fig,
        menu(
            [
                {
                    "label": f"Active days 0–{end}",
                    "method": "relayout",
                    "args": [{"xaxis.range": active}],
                },
                {
                    "label": f"All {horizon} days",
                    "method": "relayout",
                    "args": [{"xaxis.range": full}],
                },
            ],
            right=True,
        ),
    )
    fig.update_layout(margin={"t": TOP_WITH_MENU})

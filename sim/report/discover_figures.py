"""The page of ``escalation discover``: PRIM's boxes and their peeling trajectories.

It takes the result as written to ``discover.json`` (:mod:`sim.sweep.discover`), so the page
can be rebuilt from that file alone.
"""

from __future__ import annotations

from typing import Any

import plotly.graph_objects as go

from sim.report.figures import COLOURS
from sim.report.html import Section, render_page
from sim.report.layout import style


def trajectory_section(result: dict[str, Any]) -> Section:
    """Coverage against density at each peeling step, one line per box, the chosen step ringed."""
    fig = go.Figure()
    for i, box in enumerate(result["boxes"]):
        steps = box["trajectory"]
        colour = COLOURS[i % len(COLOURS)]
        fig.add_trace(
            go.Scatter(
                x=[s["coverage"] for s in steps],
                y=[s["density"] for s in steps],
                mode="lines+markers",
                name=f"box {i + 1}: peeling",
                marker={"color": colour, "size": 5},
                text=[f"step {j}: {s['rows']} jobs" for j, s in enumerate(steps)],
                hovertemplate="%{text}<br>coverage %{x:.0%}<br>density %{y:.0%}<extra></extra>",
            )
        )
        chosen = steps[box["chosen_step"]]
        fig.add_trace(
            go.Scatter(
                x=[chosen["coverage"]],
                y=[chosen["density"]],
                mode="markers",
                name=f"box {i + 1}: chosen",
                marker={"color": colour, "size": 14, "symbol": "circle-open", "line": {"width": 2}},
                hoverinfo="skip",
            )
        )
    threshold = float(result["settings"]["threshold"])
    fig.add_hline(y=threshold, line_dash="dot", line_color="#888")
    style(fig, "Peeling trajectory: coverage against density", 440, legend_below=True)
    fig.update_layout(
        xaxis={"title": "coverage (share of the cases inside the box)", "tickformat": ".0%"},
        yaxis={"title": "density (share of the box's jobs that are cases)", "tickformat": ".0%"},
    )
    caption = (
        "Each point is one box of the peeling: from the whole sweep (right) PRIM removes "
        f"{float(result['settings']['peel_alpha']):.0%} of the jobs at a time along one "
        "parameter, trading coverage for density. The ringed box is the one chosen: the "
        f"largest coverage at a density of {threshold:.0%} or more (dotted line). Later boxes "
        "are sought among the jobs earlier boxes leave out. A restriction's quasi-p-value is "
        "the binomial chance of the box's cases at the density without it: small, it matters."
    )
    return Section(
        "Scenario discovery (PRIM)", caption, fig, table=boxes_table(result), warning=_warn(result)
    )


def boxes_table(result: dict[str, Any]) -> dict[str, Any]:
    """One row per restricted parameter of each box, with the box's coverage and density."""
    rows = []
    for i, box in enumerate(result["boxes"], start=1):
        qp = box.get("quasi_p", {})
        limits = [
            (describe(k, v), f"{qp[k]:.2g}" if k in qp else "") for k, v in box["limits"].items()
        ] or [("(none restricted)", "")]
        for j, (text, p) in enumerate(limits):
            first = j == 0
            rows.append(
                [
                    f"box {i}" if first else "",
                    f"{box['coverage']:.0%}" if first else "",
                    f"{box['density']:.0%}" if first else "",
                    f"{box['rows']}" if first else "",
                    text,
                    p,
                ]
            )
    return {
        "title": f"Boxes where {result['outcome']}",
        "header": ["box", "coverage", "density", "jobs", "limits", "quasi-p"],
        "rows": rows,
    }


def describe(key: str, limits: list[Any]) -> str:
    """One parameter's limits in a box, in words."""
    if len(limits) == 2 and all(isinstance(v, int | float) for v in limits):
        return f"{key} in [{limits[0]:.4g}, {limits[1]:.4g}]"
    return f"{key} in {{{', '.join(str(v) for v in limits)}}}"


def _warn(result: dict[str, Any]) -> str | None:
    if all(b["meets_threshold"] for b in result["boxes"]):
        return None
    return (
        "No box reaches the density threshold: the densest box is shown. The outcome may "
        "depend on parameters the sweep did not vary, or on too few jobs; try a lower "
        "threshold= or a larger sweep."
    )


def discover_page(name: str, result: dict[str, Any]) -> str:
    """The whole ``discover.html`` page."""
    intro = [
        f"Sweep {name}: {result['outcome']} holds in {result['cases']} of its {result['jobs']} "
        f"complete jobs. PRIM (Friedman and Fisher 1999) searched the swept parameters "
        f"({', '.join(result['parameters'])}) for boxes where it holds often: coverage is the "
        "share of those jobs a box holds, density the share of a box's jobs where it holds."
    ]
    return render_page(
        f"Scenario discovery: {name}", intro, [trajectory_section(result)], tables=[]
    )

"""Figures of a sweep: outcomes over the swept parameters, and Sobol indices."""

from __future__ import annotations

from typing import Any

import pandas as pd
import plotly.graph_objects as go
from plotly.subplots import make_subplots

from sim.report.figures import COLOURS
from sim.report.html import Section
from sim.report.sources import Sweep


def sweep_figures(sweep: Sweep, metric: str = "p_deescalated_by_day_7") -> list[Section]:
    """Outcomes across the swept parameters, and Sobol indices for Sobol designs."""
    t = sweep.table[sweep.table["status"] == "complete"]
    params = [p for p in sweep.meta.get("parameters", []) if p in t.columns]
    if t.empty or not params or metric not in t.columns:
        return []
    out: list[Section] = []
    nice = "P(de-escalated within a week)"
    if len(params) == 2 and not sweep.meta.get("design"):
        a, b = params
        grid = t.pivot_table(index=b, columns=a, values=metric, aggfunc="mean")
        fig = go.Figure(
            go.Heatmap(
                z=grid.to_numpy(),
                x=[str(x) for x in grid.columns],
                y=[str(y) for y in grid.index],
                colorscale="Viridis",
                colorbar={"title": "P", "tickformat": ".0%"},
            )
        )
        fig.update_layout(
            template="plotly_white",
            height=460,
            title=f"{nice} across the sweep",
            xaxis={"title": a},
            yaxis={"title": b},
        )
        out.append(
            Section(
                f"Sweep {sweep.path.name}: two parameters",
                f"Each cell is one sweep point ({nice}).",
                fig,
            )
        )
    else:
        fig = make_subplots(rows=1, cols=len(params), subplot_titles=params, shared_yaxes=True)
        for j, p in enumerate(params, start=1):
            d = t.sort_values(p)
            x = pd.to_numeric(d[p], errors="coerce")
            fig.add_trace(
                go.Scatter(
                    x=x,
                    y=d[metric],
                    mode="markers+lines" if len(params) == 1 else "markers",
                    error_y={
                        "type": "data",
                        "symmetric": False,
                        "array": d[f"{metric}_upper"] - d[metric],
                        "arrayminus": d[metric] - d[f"{metric}_lower"],
                    },
                    showlegend=False,
                    marker={"color": COLOURS[0]},
                ),
                row=1,
                col=j,
            )
        fig.update_yaxes(title_text=nice, tickformat=".0%", row=1, col=1)
        fig.update_layout(
            template="plotly_white",
            height=400,
            title=f"{nice} across the sweep",
            margin={"l": 10, "r": 10, "t": 70, "b": 10},
        )
        out.append(
            Section(
                f"Sweep {sweep.path.name}: outcome by parameter",
                "One point per sweep job, with its 95% interval.",
                fig,
            )
        )
    problem = sweep.meta.get("problem")
    if sweep.meta.get("design") and problem and len(t) == len(sweep.table):
        indices = _sobol_indices(problem, t, metric)
        if indices is not None:
            s1, st = indices
            fig = go.Figure(
                [
                    go.Bar(name="first order S1", x=problem["names"], y=s1),
                    go.Bar(name="total ST", x=problem["names"], y=st),
                ]
            )
            fig.update_layout(
                template="plotly_white",
                height=400,
                barmode="group",
                title=f"Sobol sensitivity of {nice}",
                yaxis={"title": "index"},
            )
            out.append(
                Section(
                    "Sensitivity (Sobol indices)",
                    "How much of the variance of the outcome each parameter explains "
                    "alone (S1) and with its interactions (ST), by SALib.",
                    fig,
                )
            )
    return out


def _sobol_indices(
    problem: dict[str, Any], t: pd.DataFrame, metric: str
) -> tuple[list[float], list[float]] | None:
    from SALib.analyze import sobol

    y = t.sort_values("job")[metric].to_numpy()
    d = problem["num_vars"]
    if y.size % (d + 2) != 0:
        return None  # not a Saltelli sample (e.g. an LHS design)
    res = sobol.analyze(problem, y, calc_second_order=False, seed=1)
    return [float(v) for v in res["S1"]], [float(v) for v in res["ST"]]

"""Report sections of a fit across episodes: predictive checks and the parameter table.

Kept apart from :mod:`sim.calibration.report` (the one-episode page) and reusing its
marginal and schedule figures; the functions here add what a joint fit needs: per episode,
observed against simulated features and paths, and per parameter, credible intervals and
the ratio of posterior to prior sd in plain words.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pandas as pd
import plotly.graph_objects as go
from plotly.subplots import make_subplots
from sim.calibration.features import FEATURES
from sim.calibration.identification import flag_sentences, parameter_rows

from sim.folders import write_text
from sim.report.figures import COLOURS
from sim.report.html import Section, render_page


def pct(v: dict[str, float] | None) -> str:
    """A probability with its 95% interval, or a dash."""
    if v is None:
        return "– (no well-sourced day)"
    return f"{v['estimate']:.2%} [{v['lower']:.2%}–{v['upper']:.2%}]"


def check_figure(name: str, check: dict[str, Any]) -> go.Figure:
    """One episode: P(each feature matches) under prior and posterior, and the paths."""
    fig = make_subplots(
        rows=1,
        cols=3,
        column_widths=[0.34, 0.33, 0.33],
        subplot_titles=["P(feature as observed)", "victim's path", "adversary's path"],
    )
    keys = [*FEATURES, "all"]
    for i, which in enumerate(("prior", "posterior")):
        p = check[which]
        vals = [p["p_features"][k]["estimate"] for k in FEATURES] + [p["p_pattern"]["estimate"]]
        fig.add_trace(
            go.Bar(x=keys, y=vals, name=which, marker_color=COLOURS[i], showlegend=True),
            row=1,
            col=1,
        )
    days = list(range(check["days"]))
    for j, side in enumerate(("victim", "adversary"), 2):
        b = check["posterior"]["bands"][side]
        band = {"fill": "toself", "line": {"width": 0}, "fillcolor": "rgba(31,119,180,0.2)"}
        observed_line = {"color": "black", "dash": "dot"}
        traces = (
            ("posterior 90% band", days + days[::-1], b["q95"] + b["q05"][::-1], "lines", band),
            ("posterior median", days, b["median"], "lines", {"line": {"color": COLOURS[1]}}),
            ("observed", days, b["observed"], "lines+markers", {"line": observed_line}),
        )
        for label, x, y, mode, style in traces:
            fig.add_trace(
                go.Scatter(x=x, y=y, mode=mode, name=label, showlegend=j == 2, **style),
                row=1,
                col=j,
            )
        fig.update_yaxes(title_text="position on the states' ladder", row=1, col=j)
        fig.update_xaxes(title_text="day", row=1, col=j)
    fig.update_yaxes(tickformat=".0%", row=1, col=1)
    fig.update_layout(
        template="plotly_white",
        height=380,
        title=f"Predictive check: {name}",
        barmode="group",
        margin={"l": 10, "r": 10, "t": 70, "b": 10},
    )
    return fig


def check_table(name: str, check: dict[str, Any]) -> dict[str, Any]:
    """Observed against simulated features of one episode, prior and posterior."""
    rows = []
    for k in FEATURES:
        rows.append(
            [
                k,
                str(check["observed"][k]),
                f"{check['prior']['simulated'][k]:.1f}",
                f"{check['posterior']['simulated'][k]:.1f}",
                pct(check["prior"]["p_features"][k]),
                pct(check["posterior"]["p_features"][k]),
            ]
        )
    rows.append(
        [
            "whole pattern",
            "",
            "",
            "",
            pct(check["prior"]["p_pattern"]),
            pct(check["posterior"]["p_pattern"]),
        ]
    )
    rows.append(
        [
            "exact sequence, well-sourced days",
            str(check["well_sourced_days"]),
            "",
            "",
            pct(check["prior"]["p_exact"]),
            pct(check["posterior"]["p_exact"]),
        ]
    )
    return {
        "title": f"{name} ({check['days']} days, window ±{check['window']}): observed vs "
        "simulated (mean) and P(as observed), 95% intervals",
        "header": ["feature", "observed", "prior mean", "posterior mean", "P prior", "P posterior"],
        "rows": rows,
    }


def write_joint_report(out: Path, summary: dict[str, Any]) -> Path:
    """Write ``calibration.html`` of a joint fit into ``out``."""
    from sim.calibration.report import marginals_figure, tolerance_figure

    table = pd.read_parquet(out / "posterior.parquet")
    sections = [
        Section(
            "Posterior marginals",
            "Where the episodes put each shared parameter (bars) against the prior (dashed).",
            marginals_figure(table, summary),
        ),
        Section(
            "Tolerance schedule",
            "Each generation's tolerance, the acceptance rate of its moves, and (third panel) "
            "the number of distinct particles.",
            tolerance_figure(summary),
        ),
    ]
    tables = [parameter_rows(summary["parameters"])]
    for name, check in summary["checks"].items():
        sections.append(
            Section(
                f"Predictive check: {check['title']}",
                "Left: the probability that a simulated episode shows each observed feature, "
                "under the prior and the posterior. Right: positions on the states' ladder "
                "(higher is more hostile) simulated from the posterior against the observed.",
                check_figure(name, check),
            )
        )
        tables.append(check_table(name, check))
    intro = [
        f"{summary['particles']:,} posterior particles, fitted jointly to "
        f"{len(summary['episodes'])} episodes ({', '.join(summary['episodes'])}) in "
        f"{summary['seconds']:.1f} s: {summary['simulated_in_fit']:,} episodes simulated "
        f"({summary['episodes_per_second']:,.0f} a second).",
        "Parameters are shared by role across the episodes (docs/validation.md); the "
        "predictive checks below are in-sample. The leave-one-out record is "
        "`escalation validate`.",
        *flag_sentences(summary["parameters"]),
    ]
    html = render_page("Calibration across episodes", intro, sections, tables)
    path = out / "calibration.html"
    write_text(path, html)
    return path

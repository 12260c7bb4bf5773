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
from sim.calibration.features import FEATURE_WORDS, FEATURES
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
    keys = [*(FEATURE_TICKS.get(k, k) for k in FEATURES), "whole pattern"]
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
    fig.update_xaxes(tickangle=-40, tickfont={"size": 11}, row=1, col=1)
    fig.update_layout(
        template="plotly_white",
        height=420,
        title=f"Predictive check: {name}",
        barmode="group",
        margin={"l": 10, "r": 10, "t": 70, "b": 10},
    )
    return fig


#: The same, short enough for the ticks of a third of a chart's width.
FEATURE_TICKS = {
    "first_force_victim": "victim's first force",
    "first_force_adversary": "adversary's first force",
    "answer_victim": "victim's answer",
    "answer_adversary": "adversary's answer",
    "peak": "peak rung",
    "force_days": "days with force",
    "first_conciliatory": "first conciliatory",
}
#: The kinds of a first use of force (``answer_*`` codes 0, 1, 2).
ANSWERS = ("none", "strikes on bases", "strikes on state forces")
TIMINGS = ("first_force_victim", "first_force_adversary", "first_conciliatory")


def feature_words(key: str, value: float, check: dict[str, Any], mean: bool = False) -> str:
    """A feature's value in words: a day, a rung's name, a kind of force.

    Args:
        key: The feature.
        value: Its observed value (a code), or with ``mean`` the simulated mean.
        check: The episode's check (its ``days`` and the states' ``axis`` in words).
        mean: Whether ``value`` is a mean over simulated episodes: categories are then
            named by the nearest one (``≈ strikes on bases``).
    """
    near = "≈ " if mean else ""
    horizon = int(check["days"]) - 1
    if key in TIMINGS:
        if not mean and value > horizon:
            return f"none by day {horizon}"
        return f"day {value:.1f}" if mean else f"day {int(value)}"
    if key == "force_days":
        return f"{value:.1f} days" if mean else f"{int(value)} days"
    if key.startswith("answer_"):
        return near + ANSWERS[min(max(round(value), 0), len(ANSWERS) - 1)]
    axis = check.get("axis")
    if key == "peak" and axis:  # checks written before the axis was kept show the position
        return near + axis[min(max(round(value), 0), len(axis) - 1)]
    return f"{value:.1f}" if mean else str(value)


def day_ranges(days: list[int]) -> str:
    """``[5, 6, 7, 22, 23, 30]`` as ``days 5-7, 22-23, 30``."""
    spans: list[list[int]] = []
    for d in sorted(days):
        if spans and d == spans[-1][1] + 1:
            spans[-1][1] = d
        else:
            spans.append([d, d])
    return "days " + ", ".join(f"{a}-{b}" if b > a else str(a) for a, b in spans)


def check_table(name: str, check: dict[str, Any]) -> dict[str, Any]:
    """Observed against simulated features of one episode, prior and posterior, in words."""
    rows = []
    for k in FEATURES:
        rows.append(
            [
                FEATURE_WORDS.get(k, k),
                feature_words(k, check["observed"][k], check),
                feature_words(k, check["prior"]["simulated"][k], check, mean=True),
                feature_words(k, check["posterior"]["simulated"][k], check, mean=True),
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
    sourced = check["well_sourced_days"]
    if sourced:
        rows.append(
            [
                "exact sequence on the well-sourced days",
                day_ranges(sourced),
                "",
                "",
                pct(check["prior"]["p_exact"]),
                pct(check["posterior"]["p_exact"]),
            ]
        )
    else:
        # Matching on no day at all is certain, so a probability here would say nothing.
        rows.append(
            [
                "exact sequence on the well-sourced days",
                "not scored: no day of this episode is coded as well sourced",
                "",
                "",
                "–",
                "–",
            ]
        )
    return {
        "title": f"{name} ({check['days']} days, window ±{check['window']}): observed vs "
        "simulated (mean, or the nearest kind or rung) and P(as observed), 95% intervals",
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

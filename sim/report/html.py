"""Self-contained HTML pages from Plotly figures and a Jinja2 template.

plotly.js is embedded once (in the first figure), so the page opens offline;
every figure has a fixed ``div_id`` so the same summary gives the same bytes.
All text reaches the page through Jinja2 with autoescaping on.
"""

from __future__ import annotations

import json
import os
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import plotly.graph_objects as go
from jinja2 import Environment, PackageLoader, select_autoescape

from sim.report import figures

PLOTLY_CONFIG = {"showSendToCloud": False, "displaylogo": False, "responsive": True}


@dataclass
class Section:
    """One figure with its heading and a sentence or two under it."""

    title: str
    caption: str
    figure: go.Figure


def _env() -> Environment:
    return Environment(
        loader=PackageLoader("sim.report", "templates"),
        autoescape=select_autoescape(default=True, default_for_string=True),
        trim_blocks=True,
        lstrip_blocks=True,
    )


def render_page(
    title: str, intro: list[str], sections: list[Section], tables: list[dict[str, Any]]
) -> str:
    """Render a page.

    Args:
        title: Page title.
        intro: Paragraphs of the summary in words.
        sections: Figures, in order.
        tables: Each ``{"title": str, "header": [...], "rows": [[...], ...]}``.
    """
    blocks = []
    for i, s in enumerate(sections):
        html = s.figure.to_html(
            full_html=False, include_plotlyjs=(i == 0), div_id=f"fig-{i}", config=PLOTLY_CONFIG
        )
        blocks.append({"title": s.title, "caption": s.caption, "html": html, "id": f"fig-{i}"})
    return (
        _env()
        .get_template("page.html.j2")
        .render(title=title, intro=intro, sections=blocks, tables=tables)
    )


def _fmt(p: dict[str, float], pct: bool = True) -> str:
    if pct:
        return f"{p['estimate']:.1%} [{p['lower']:.1%}–{p['upper']:.1%}]"
    return f"{p['estimate']:.1f} [{p['lower']:.1f}–{p['upper']:.1f}]"


def run_page(summary: dict[str, Any]) -> str:
    """The single-run report of one scenario."""
    m = summary["metrics"]
    scen = summary.get("scenario", {})
    name = scen.get("title") or scen.get("name", "run")
    week = m["p_deescalated_by_day"].get("7")
    ep = summary.get("episode") or {}
    episode_line = ""
    if ep.get("title"):
        episode_line = f"Episode: {ep['title']}"
        if ep.get("first_date"):
            episode_line += (
                f", observed {ep['first_date']} to {ep['last_date']} (seeds/{ep['timeline']}/)"
            )
        episode_line += "."
    intro = [
        episode_line,
        f"{m['replicates']:,} simulated episodes over {m['days']} days "
        f"(seed {summary.get('seed')}).",
        scen.get("description", ""),
    ]
    if ep.get("roles_not_cast"):
        intro.append(
            "Role-keyed values for roles this episode does not cast were not used: "
            + ", ".join(ep["roles_not_cast"])
            + "."
        )
    if summary.get("posterior"):
        intro.append(
            "Each replicate's parameters were drawn from the calibration's posterior particles "
            f"({summary['posterior']}), so the bands carry the calibration's uncertainty about "
            "the parameters as well as the model's randomness."
        )
    if week:
        intro.append(
            f"In this scenario the chance that the two states have de-escalated within a "
            f"week is {_fmt(week)}; the mean death toll is "
            f"{m['casualties_mean']['estimate']:.1f}, and a strike on state forces or worse "
            "happens "
            f"in {m['p_reach_state_forces_or_worse']['estimate']:.1%} of episodes."
        )
    sections = []
    for i, ch in enumerate(summary["channels"]):
        who = figures.channel_label(summary, ch)
        sections.append(
            Section(
                f"Escalation path: {who}",
                "Median rung per day (line) with the bands holding 50% and 90% of replicates"
                f"{figures.observed_sentence(summary, ch)}.",
                figures.fan_chart(summary, i, "rung"),
            )
        )
        sections.append(
            Section(
                f"Goldstein score: {who}",
                "The same paths on the Goldstein conflict-cooperation scale "
                "(-10 war, +10 cooperation).",
                figures.fan_chart(summary, i, "goldstein"),
            )
        )
    if summary["channels"]:
        sections.append(
            Section(
                "Sample paths",
                "A few individual replicates, to show what single episodes look like "
                "behind the bands.",
                figures.sample_paths(summary, 0),
            )
        )
    sections.append(
        Section(
            "How high it goes",
            "Share of episodes in which a state took each rung at least once, "
            "with 95% Wilson intervals.",
            figures.reach_chart(summary),
        )
    )
    sections.append(
        Section(
            "De-escalation over time",
            "Probability that the two states have de-escalated by day k (an agreement, or a "
            "unilateral gesture left unanswered; 95% intervals), and the share of episodes "
            "de-escalating on each day.",
            figures.deescalation_chart(summary),
        )
    )
    rows = [
        ["P(de-escalated by day " + k + ")", _fmt(v)] for k, v in m["p_deescalated_by_day"].items()
    ]
    rows += [
        ["P(never de-escalated)", _fmt(m["p_never_deescalated"])],
        ["Days to de-escalation (median)", _fmt(m["days_to_deescalation_median"], pct=False)],
        ["P(strike on state forces or worse)", _fmt(m["p_reach_state_forces_or_worse"])],
        ["Median peak rung", m["peak_rung_median"]],
        ["Casualties (mean)", _fmt(m["casualties_mean"], pct=False)],
        [
            "Casualties (median; 90% of episodes within)",
            f"{m['casualties_quantiles']['0.5']:.0f} ({m['casualties_quantiles']['0.05']:.0f}–"
            f"{m['casualties_quantiles']['0.95']:.0f})",
        ],
        ["P(ambassador recalled)", _fmt(m["p_ambassador_recalled"])],
        ["P(ambassadors returned | recalled)", _fmt(m["p_ambassadors_returned_given_recalled"])],
        ["P(force again after an agreement)", _fmt(m["p_relapse_after_agreement"])],
        ["P(mediation offered)", _fmt(m["p_mediation_offered"])],
    ]
    tables = [
        {
            "title": "Outcome metrics (95% intervals over replicates)",
            "header": ["metric", "value"],
            "rows": rows,
        }
    ]
    title = f"Escalation report: {name}" + (f" ({ep['name']})" if ep.get("name") else "")
    return render_page(title, [p for p in intro if p], sections, tables)


def write_run_report(run_dir: str | Path, summary: dict[str, Any] | None = None) -> Path:
    """Write ``report.html`` into a run directory (atomically) and return its path."""
    path = Path(run_dir)
    if summary is None:
        summary = json.loads((path / "summary.json").read_text(encoding="utf-8"))
    out = path / "report.html"
    tmp = out.with_name(f".{out.name}.tmp-{os.getpid()}")
    tmp.write_text(run_page(summary), encoding="utf-8")
    os.replace(tmp, out)
    return out

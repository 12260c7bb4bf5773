"""``backtest.html``: skill by cutoff, reliability, and every episode's scores in words."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import numpy as np
import plotly.graph_objects as go

from sim.folders import write_text
from sim.report.figures import COLOURS
from sim.report.html import Section, render_page
from sim.report.layout import LEGEND_BELOW

NAMES = {
    "model": "the model, conditioned",
    "persistence": "persistence",
    "base_rates": "base rates",
    "unconditioned": "the model, unconditioned",
}
REFERENCES = ("persistence", "base_rates", "unconditioned")


def _fmt(v: float | None, spec: str = "+.2f") -> str:
    return "–" if v is None or v != v else format(v, spec)


def skill_figure(summary: dict[str, Any]) -> go.Figure:
    """Brier skill of the conditioned model against each reference, by cutoff."""
    cutoffs = list(summary["cutoffs"])
    fig = go.Figure()
    for i, ref in enumerate(REFERENCES):
        ys = [summary["cutoffs"][c]["skill"][ref] for c in cutoffs]
        fig.add_scatter(
            x=[int(c) for c in cutoffs],
            y=[np.nan if y is None else y for y in ys],
            mode="lines+markers",
            name=f"against {NAMES[ref]}",
            line={"color": COLOURS[i % len(COLOURS)]},
        )
    fig.add_hline(y=0.2, line_dash="dot", annotation_text="target 0.2")
    fig.add_hline(y=0.0, line_color="grey")
    fig.update_layout(
        template="plotly_white",
        height=420,
        xaxis_title="cutoff (last observed day)",
        yaxis_title="Brier skill (1 - B / B_ref)",
        legend=LEGEND_BELOW,
        margin={"t": 30},
    )
    return fig


def reliability_figure(summary: dict[str, Any]) -> go.Figure:
    """Observed frequency against forecast probability, per forecaster."""
    fig = go.Figure()
    fig.add_scatter(
        x=[0, 1], y=[0, 1], mode="lines", line={"dash": "dot", "color": "grey"}, name="perfect"
    )
    for i, (k, rel) in enumerate(summary["reliability"].items()):
        bins = rel["bins"]
        fig.add_scatter(
            x=[b["predicted"] for b in bins],
            y=[b["observed"] for b in bins],
            mode="lines+markers",
            marker={"size": [6 + 3 * float(np.sqrt(b["count"])) ** 0.5 for b in bins]},
            name=f"{NAMES[k]} (slope {_fmt(rel['slope'], '.2f')})",
            line={"color": COLOURS[i % len(COLOURS)]},
        )
    fig.update_layout(
        template="plotly_white",
        height=460,
        xaxis_title="forecast probability",
        yaxis_title="observed frequency",
        xaxis_range=[0, 1],
        yaxis_range=[0, 1],
        legend=LEGEND_BELOW,
        margin={"t": 30},
    )
    return fig


def tables(summary: dict[str, Any]) -> list[dict[str, Any]]:
    """Mean Brier per cutoff, the targets, and skill per episode."""
    forecasters = list(NAMES)
    out = [
        {
            "title": "Mean Brier score by cutoff (lower is better; every question, every episode)",
            "header": ["cutoff", *[NAMES[k] for k in forecasters]],
            "rows": [
                [c, *[_fmt(row["mean_brier"][k], ".3f") for k in forecasters]]
                for c, row in summary["cutoffs"].items()
            ],
        },
        {
            "title": "Targets",
            "header": ["target", "reached", "met"],
            "rows": _target_rows(summary["targets"]),
        },
    ]
    cutoffs = list(summary["cutoffs"])
    episodes = list(summary["cutoffs"][cutoffs[0]]["episodes"])
    out.append(
        {
            "title": "Brier skill per episode (mean over its questions): against persistence "
            "/ against base rates / against the unconditioned model",
            "header": ["episode", *[f"cutoff {c}" for c in cutoffs]],
            "rows": [
                [
                    name,
                    *[
                        " / ".join(
                            _fmt(summary["cutoffs"][c]["episodes"][name][f"skill_vs_{r}"])
                            for r in REFERENCES
                        )
                        for c in cutoffs
                    ],
                ]
                for name in episodes
            ],
        }
    )
    return out


def _target_rows(targets: dict[str, Any]) -> list[list[str]]:
    rows = []
    for key, t in targets.items():
        if key == "reliability_slope":
            rows.append(
                ["reliability slope in [0.8, 1.2]", _fmt(t["value"], ".2f"), _yes(t["met"])]
            )
            continue
        share = t["share_of_episodes_with_skill_0.2"]
        reached = ", ".join(
            f"{NAMES.get(r, 'both at once')} {100 * v:.0f}%" for r, v in share.items()
        )
        rows.append(
            [
                f"{key.replace('_', ' ')}: skill >= 0.2 against both on >= 80% of episodes",
                reached,
                _yes(t["met"]),
            ]
        )
    return rows


def _yes(v: bool) -> str:
    return "yes" if v else "no"


def question_figure(summary: dict[str, Any]) -> go.Figure:
    """Mean Brier score per question and cutoff, model against the best baseline."""
    cutoffs = list(summary["cutoffs"])
    qids = list(summary["cutoffs"][cutoffs[0]]["questions"])
    z, text = [], []
    for q in qids:
        row = []
        for c in cutoffs:
            b = summary["cutoffs"][c]["questions"][q]["brier"]
            best = min(b[k] for k in ("persistence", "base_rates"))
            row.append(best - b["model"])
        z.append(row)
        text.append([f"{v:+.2f}" for v in row])
    lim = max(0.1, float(np.nanmax(np.abs(z))))
    fig = go.Figure(
        go.Heatmap(
            z=z,
            x=[f"cutoff {c}" for c in cutoffs],
            y=qids,
            text=text,
            texttemplate="%{text}",
            colorscale="RdBu",
            zmin=-lim,
            zmax=lim,
            colorbar={"title": "Brier gain"},
        )
    )
    fig.update_layout(
        template="plotly_white", height=80 + 40 * len(qids), margin={"t": 30, "l": 170}
    )
    return fig


def intro(summary: dict[str, Any]) -> list[str]:
    """The backtest in words."""
    eps = summary.get("episodes", [])
    lines = [
        f"A rolling-origin backtest over {len(eps)} library episodes "
        f"({', '.join(eps)}). Each was forecast by a model fitted without it, from cutoffs "
        f"{', '.join(summary['cutoffs'])} (the last observed day), with "
        f"{summary.get('particles', '?')} particles; every question was scored against what "
        "happened, and so were the baselines.",
    ]
    for c, row in summary["cutoffs"].items():
        sk = row["skill"]
        lines.append(
            f"Cutoff {c}: Brier skill {_fmt(sk['persistence'])} against persistence, "
            f"{_fmt(sk['base_rates'])} against base rates, {_fmt(sk['unconditioned'])} "
            "against the unconditioned model."
        )
    slope = summary["reliability"]["model"]["slope"]
    lines.append(f"Reliability slope of the conditioned model: {_fmt(slope, '.2f')}.")
    return lines


def write_backtest_report(out: Path, summary: dict[str, Any]) -> Path:
    """Write ``backtest.html`` into ``out``."""
    sections = [
        Section(
            "Skill by cutoff",
            "Brier skill of the conditioned model against each reference, pooled over "
            "episodes and questions. Above zero: the model's probabilities were closer to "
            "what happened.",
            skill_figure(summary),
        ),
        Section(
            "Where the model gains, question by question",
            "Each cell: the better of persistence and base rates minus the model, in mean "
            "Brier score. Positive (blue): the model was better.",
            question_figure(summary),
        ),
        Section(
            "Are the probabilities honest?",
            "Every answer of every question at every cutoff is one forecast of a yes/no "
            "event. Points on the dotted line mean that what was forecast at p happened a "
            "fraction p of the time; a slope below 1 means overconfidence.",
            reliability_figure(summary),
        ),
    ]
    html = render_page("Forecast backtest", intro(summary), sections, tables(summary))
    path = out / "backtest.html"
    write_text(path, html)
    return path

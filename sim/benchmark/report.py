"""``benchmark.html``: the ICB benchmark's scores, skill, reliability and fit in one page."""

from __future__ import annotations

import math
from pathlib import Path
from typing import Any

import numpy as np
import plotly.graph_objects as go
from plotly.subplots import make_subplots

from sim.folders import write_text
from sim.report.figures import COLOURS
from sim.report.html import Section, render_page
from sim.report.layout import LEGEND_BELOW

#: The forecasters drawn in the reliability diagrams, in this order (absent ones are skipped).
RELIABILITY = ("model", "regression", "base_rates_by_trigger")
HEADLINE = {"rps": "RPS", "brier": "Brier"}
#: Marks the best headline score of a row (the page's template escapes every cell).
BEST = "\u2605 "
OBSERVED = "#222222"


def _fmt(v: float | None, spec: str = ".3f") -> str:
    return "–" if v is None or v != v else format(v, spec)


def _nan(v: float | None) -> float:
    return math.nan if v is None else float(v)


def _who(summary: dict[str, Any], f: str) -> str:
    return str(summary.get("forecaster_words", {}).get(f, f))


def _short(name: str) -> str:
    # Figures name variables by key: the labels are sentences and crowd an axis.
    return name.replace("_", " ")


def _colour(summary: dict[str, Any], f: str) -> str:
    # One colour per forecaster on every figure, by its place in the summary's list.
    return COLOURS[summary["forecasters"].index(f) % len(COLOURS)]


def _interval(iv: list[float | None] | None) -> str:
    if not iv or iv[0] is None or iv[1] is None:
        return "[–]"
    return f"[{iv[0]:+.2f}, {iv[1]:+.2f}]"


def _style(fig: go.Figure, height: int, **layout: Any) -> go.Figure:
    fig.update_layout(template="plotly_white", height=height, legend=LEGEND_BELOW, **layout)
    return fig


def _nb(text: str) -> str:
    # Non-breaking spaces: a figure stays beside its word, an interval whole.
    return text.replace(" ", "\u00a0")


def target_words(summary: dict[str, Any]) -> str:
    """Which targets were met, with the figures behind each, in one sentence."""
    t, vs = summary["targets"], summary["variables"]
    parts = []
    for v in t["skill_variables"]:
        sk = vs[v]["skill"].get("model")
        iv = _interval(vs[v]["skill_interval"].get("model"))
        met = "met" if t["skill_met"].get(v) else "not met"
        parts.append(f"{_short(v)} {_fmt(sk, '+.2f')} {iv}, {met}")
    beats, needed = t["beats_regression"], t["beats_regression_needed"]
    beat_met = "met" if len(beats) >= needed else "not met"
    return (
        f"Targets: a skill of at least {t['skill_at_least']:.2f} against base rates on "
        + "; ".join(parts)
        + f". A lower headline score than the regression on at least {needed} variables: "
        f"{len(beats)} ({', '.join(_short(v) for v in beats) or 'none'}), {beat_met}. "
        + ("All targets met." if t["all_met"] else "Not all targets met.")
    )


def intro(summary: dict[str, Any]) -> list[str]:
    """The benchmark in words: what was fitted, what was scored, and the targets."""
    sp, data = summary["split"], summary.get("data", {})
    tr, te = sp["train"], sp["test"]
    refs = [_who(summary, f) for f in summary["forecasters"] if not f.startswith("model")]
    return [
        f"Each actor record of the {data.get('source', 'ICB')} crises is forecast as one "
        "episode built from what was known at its trigger. The model's parameters were "
        f"fitted on the {tr['crises']} crises triggered before {sp['date']} "
        f"({tr['actor_records']} actor records); the {te['crises']} crises from then on "
        f"({te['actor_records']} actor records) were forecast once and scored against what "
        f"ICB recorded, as were {', '.join(refs)}, fitted on the same training part.",
        target_words(summary),
        fit_words(summary),
        footer_words(summary),
        data.get("citation", ""),
    ]


def score_table(summary: dict[str, Any]) -> dict[str, Any]:
    """One row per variable: each forecaster's headline score, skill and log score."""
    fs = summary["forecasters"]
    rows = []
    for v in summary["variables"].values():
        head = v["headline"]
        scores = {f: v["scores"].get(f, {}).get(head) for f in fs}
        known = [s for s in scores.values() if s is not None and s == s]
        best = min(known) if known else None
        cells = []
        for f in fs:
            score = _fmt(scores[f])
            if best is not None and scores[f] == best:
                score = BEST + score
            skill = _nb(f"{score} · skill {_fmt(v['skill'].get(f), '+.2f')}")
            # In words where missing: a short cell would not wrap and widen its column.
            iv = _interval(v["skill_interval"].get(f)).replace("[–]", "(no interval)")
            iv = _nb(iv + " ·")
            log = _nb(f"log {_fmt(v['scores'].get(f, {}).get('log'), '.2f')}")
            # Five forecasters side by side fit the page only if their cells wrap, and
            # then only between these three parts.
            cells.append(f"{skill} {iv} {log}")
        rows.append([v["label"], v["n_test"], HEADLINE.get(head, head), *cells])
    return {
        "title": "Scores on the test crises: headline score (RPS: ranked probability score, "
        "Brier: multi-category Brier; lower is better, the best marked \u2605) · skill against "
        "base rates [90% interval over crises] · log score (nats)",
        "header": ["variable", "test records", "headline", *[_who(summary, f) for f in fs]],
        "rows": rows,
    }


def skill_figure(summary: dict[str, Any]) -> go.Figure:
    """Skill against base rates per variable and forecaster, with 90% intervals."""
    vs = summary["variables"].values()
    fig = go.Figure()
    for f in summary["forecasters"]:
        if f == "base_rates":  # the reference: its skill is 0 by definition
            continue
        y = np.array([_nan(v["skill"].get(f)) for v in vs])
        iv = np.array([[_nan(x) for x in v["skill_interval"].get(f) or (None, None)] for v in vs])
        fig.add_bar(
            x=[_short(n) for n in summary["variables"]],
            y=y,
            name=_who(summary, f),
            marker_color=_colour(summary, f),
            error_y={"type": "data", "array": iv[:, 1] - y, "arrayminus": y - iv[:, 0]},
        )
    target = summary["targets"]["skill_at_least"]
    fig.add_hline(y=0.0, line_color="grey")
    fig.add_hline(
        y=target, line_dash="dash", annotation_text=f"target {target:.2f}", line_color="#555"
    )
    fig.update_layout(barmode="group", yaxis_title="skill (1 - score / base rates' score)")
    return _style(fig, 440, margin={"t": 30, "b": 90})


def _reliable(summary: dict[str, Any]) -> list[str]:
    """The forecasters of :data:`RELIABILITY` that some variable has bins of."""
    vs = summary["variables"].values()
    return [f for f in RELIABILITY if any(f in v.get("reliability", {}) for v in vs)]


def reliability_figure(summary: dict[str, Any]) -> go.Figure:
    """One diagram per forecaster, a line per variable (marker area grows with count)."""
    who = _reliable(summary)
    fig = make_subplots(
        cols=max(len(who), 1),
        subplot_titles=[_who(summary, f) for f in who],
        shared_yaxes=True,
        horizontal_spacing=0.04,
    )
    line = {"dash": "dot", "color": "grey"}
    fig.add_shape(type="line", x0=0, y0=0, x1=1, y1=1, line=line, row="all", col="all")
    for c, f in enumerate(who, start=1):
        for i, (name, v) in enumerate(summary["variables"].items()):
            bins = (v.get("reliability", {}).get(f) or {}).get("bins") or []
            fig.add_scatter(
                x=[b["predicted"] for b in bins],
                y=[b["observed"] for b in bins],
                mode="lines+markers",
                name=_short(name),
                legendgroup=name,
                showlegend=c == 1,
                line={"width": 1, "color": COLOURS[i % len(COLOURS)]},
                marker={"size": [5 + 1.5 * math.sqrt(b["count"]) for b in bins]},
                hovertext=[f"{_short(name)}: {b['count']} forecasts" for b in bins],
                row=1,
                col=c,
            )
    fig.update_xaxes(range=[0, 1], title_text="forecast probability")
    fig.update_yaxes(range=[0, 1])
    fig.update_yaxes(title_text="observed frequency", row=1, col=1)
    return _style(fig, 460, margin={"t": 40, "b": 90})


def slope_table(summary: dict[str, Any]) -> dict[str, Any]:
    """Reliability slope (and the number of events) per variable and forecaster."""
    who = _reliable(summary)
    rows = []
    for v in summary["variables"].values():
        rel = v.get("reliability", {})
        rows.append(
            [v["label"]]
            + [
                f"{_fmt(rel[f]['slope'], '.2f')} ({rel[f]['events']} events)" if f in rel else "–"
                for f in who
            ]
        )
    return {
        "title": "Reliability slope (1 is honest, below 1 overconfident)",
        "header": ["variable", *[_who(summary, f) for f in who]],
        "rows": rows,
    }


def _wrap(label: str, width: int = 12) -> str:
    # Bin labels ("verbal, political or economic") over a few lines under a narrow subplot.
    lines: list[str] = []
    for word in label.split():
        if lines and len(lines[-1]) + len(word) < width:
            lines[-1] += " " + word
        else:
            lines.append(word)
    return "<br>".join(lines)


def distribution_figure(summary: dict[str, Any]) -> go.Figure:
    """Per variable, the observed test distribution against each mean forecast."""
    vs, fs = summary["variables"], summary["forecasters"]
    rows = max(math.ceil(len(vs) / 2), 1)
    fig = make_subplots(
        rows=rows,
        cols=2,
        subplot_titles=[f"{_short(n)} ({v['n_test']} test records)" for n, v in vs.items()],
        vertical_spacing=0.5 / rows,  # room for bin labels over three lines
        horizontal_spacing=0.07,
    )
    for i, v in enumerate(vs.values()):
        obs = np.asarray(v["observed_test"], dtype=float)
        bars = {"observed": obs / max(obs.sum(), 1.0)} | {
            f: [_nan(q) for q in v["mean_forecast"][f]] for f in fs if f in v["mean_forecast"]
        }
        for f, ys in bars.items():
            fig.add_bar(
                x=[_wrap(b) for b in v["bins"]],
                y=ys,
                name=_who(summary, f),
                legendgroup=f,
                showlegend=i == 0,
                marker_color=OBSERVED if f == "observed" else _colour(summary, f),
                row=i // 2 + 1,
                col=i % 2 + 1,
            )
    fig.update_yaxes(rangemode="tozero", tickformat=".0%")
    fig.update_layout(barmode="group", bargap=0.25)
    return _style(fig, 80 + 300 * rows, margin={"t": 40, "b": 70})


def worst_table(summary: dict[str, Any]) -> dict[str, Any]:
    """The crises on which the model's mean log score falls furthest below base rates'."""
    return {
        "title": "The crises where the model does worst: mean log score over the crisis's "
        "records and variables; gap, the model's minus base rates'",
        "header": ["ICB", "crisis", "records", "model log", "base-rate log", "gap"],
        "rows": [
            [
                w["crisno"],
                w["crisname"],
                "; ".join(w["records"]),
                _fmt(w["model_log"], ".2f"),
                _fmt(w["base_rates_log"], ".2f"),
                _fmt(w["gap"], "+.2f"),
            ]
            for w in summary["worst"]
        ],
    }


def fit_words(summary: dict[str, Any]) -> str:
    """The fit's draws, tolerance and distances in one sentence."""
    fit = summary["fit"]
    return (
        f"The fit: {fit['draws']:,} draws from the prior, {fit['kept']:,} kept within a "
        f"distance of {_fmt(fit['tolerance'])} of the training crises; median distance "
        f"{_fmt(fit['median_prior_distance'])} under the prior, "
        f"{_fmt(fit['median_posterior_distance'])} under the posterior."
    )


def fit_table(summary: dict[str, Any]) -> dict[str, Any]:
    """Each fitted parameter's prior and posterior median and how far the data narrowed it."""
    return {
        "title": "Fitted parameters (sd ratio: posterior sd over prior sd; below 1, the "
        "training crises narrowed it)",
        "header": ["parameter", "prior median", "posterior median", "sd ratio"],
        "rows": [
            [
                p["key"],
                _fmt(p["prior_median"], ".3g"),
                _fmt(p["posterior_median"], ".3g"),
                _fmt(p["sd_ratio"], ".2f"),
            ]
            for p in summary["fit"]["parameters"]
        ],
    }


def footer_words(summary: dict[str, Any]) -> str:
    """How long it took and where it ran."""
    s = summary.get("seconds", {})
    total = s.get("total", sum(v for v in s.values() if v is not None))
    return (
        f"Benchmark run in {_fmt(total, '.0f')} s (fit {_fmt(s.get('fit'), '.0f')} s, "
        f"forecasts {_fmt(s.get('forecast'), '.0f')} s) on {summary.get('workers', '?')} "
        f"worker(s), {summary.get('launcher', '?')} launcher. "
    )


def write_benchmark_report(out: Path, summary: dict[str, Any]) -> Path:
    """Write ``benchmark.html`` into ``out`` from ``benchmark.json``'s content.

    Args:
        out: The benchmark's folder.
        summary: The content of ``benchmark.json``.

    Returns:
        The path of the page.
    """
    sections = [
        Section(
            "Skill against base rates",
            "Skill is 1 minus the forecaster's headline score (ranked probability score for "
            "ordered bins, multi-category Brier otherwise) over base rates'; above zero it "
            "did better. Bars: 90% intervals from resampling the test crises. Dashed: the "
            f"target, for {', '.join(_short(v) for v in summary['targets']['skill_variables'])}.",
            skill_figure(summary),
        ),
        Section(
            "Are the probabilities honest?",
            "Every bin of every test record is one forecast of a yes/no event (a yes/no "
            "variable counts once, by its yes). Each line is "
            "one variable; points on the dotted diagonal mean that what was forecast at p "
            "happened a fraction p of the time. Marker size grows with the number of forecasts.",
            reliability_figure(summary),
            slope_table(summary),
        ),
        Section(
            "What happened and what was forecast",
            "Per variable, the share of test records in each bin (black) and each "
            "forecaster's mean probability for it.",
            distribution_figure(summary),
        ),
    ]
    html = render_page(
        "ICB benchmark",
        intro(summary),
        sections,
        [score_table(summary), worst_table(summary), fit_table(summary)],
    )
    path = out / "benchmark.html"
    write_text(path, html)
    return path

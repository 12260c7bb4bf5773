"""``forecast.html``: one crisis forecast in words, its fan charts and how it moved by day."""

from __future__ import annotations

import datetime as dt
from collections import Counter
from functools import partial
from pathlib import Path
from typing import Any

import plotly.graph_objects as go
from plotly.subplots import make_subplots

from sim.folders import write_text
from sim.report.figures import COLOURS
from sim.report.html import Section, render_page
from sim.report.layout import LEGEND_BELOW

SIDES = ("victim", "adversary")
YES_NO = ["no", "yes"]
DARK = "#222222"
GREY = "#b0b0b0"  # "none": the absence of an answer, not one more colour
MARGIN = {"l": 10, "r": 10, "t": 40, "b": 10}
# Subplot titles sit on top of the plots: room above them keeps the mode bar off them.
TITLED = {**MARGIN, "t": 70}


def _label(forecast: dict[str, Any], role: str) -> str:
    """The display name of the actor in ``role`` (its id, or the role, when unlabelled)."""
    actor = forecast.get("roles", {}).get(role) or role
    return str(forecast.get("labels", {}).get(actor, actor))


def _channel(forecast: dict[str, Any], channel: str) -> str:
    """``mediator->victim`` -> ``China toward Iran``; a side acts toward the other side."""
    if "->" in channel:
        src, dst = channel.split("->", 1)
    else:
        src, dst = channel, "adversary" if channel == "victim" else "victim"
    return f"{_label(forecast, src)} toward {_label(forecast, dst)}"


def _date(forecast: dict[str, Any], day: int) -> str | None:
    if not forecast.get("day0"):
        return None
    d = dt.date.fromisoformat(forecast["day0"]) + dt.timedelta(days=day)
    return f"{d.day} {d:%b %Y}"


def _pct(p: float) -> str:
    # Whole percents hide a rare answer (0.4% is not 0%), so near 0 or 1 keep one decimal.
    return f"{100 * p:.1f}%" if 0 < p < 0.01 or 0.99 < p < 1 else f"{100 * p:.0f}%"


def _acts(acts: list[str]) -> str:
    """A day's acts in words; repeats counted (``threaten ×2``), not listed twice."""
    n = Counter(acts)
    words = [a.replace("_", " ") + (f" ×{n[a]}" if n[a] > 1 else "") for a in dict.fromkeys(acts)]
    return ", ".join(words) or "–"


def intro(forecast: dict[str, Any]) -> list[str]:
    """The forecast in words: what was conditioned on, the error model, the diagnostics."""
    f, d, e = forecast, forecast["diagnostics"], forecast["error_model"]
    until, particles = f["until"], f["particles"]
    start = _date(f, 0)
    cast = f"The victim is {_label(f, 'victim')}, the adversary {_label(f, 'adversary')}" + (
        f", the mediator {_label(f, 'mediator')}." if f["roles"].get("mediator") else "."
    )
    ess = d["ess"][-1] if d["ess"] else float("nan")
    per_day = ", ".join(f"{v:.2f}" for v in d["log_evidence"])
    resampled = ", ".join(str(t) for t in d["resampled_days"]) or "none"
    lines = [
        f"{f.get('title') or f['crisis']}." + (f" Day 0 is {start}." if start else "") + f" {cast}",
        f"The forecast is conditioned on days 0..{until} (everything observed up to and "
        f"including day {until}) and runs to day {f['horizon']}, with {particles:,} particles.",
        f"Error model: an observed act is taken to be coded as another rung {e['miscoding']:.0%} "
        f"of the time (a rung one step further off {e['decay']:g} times as likely) and a real "
        f"act to go unreported {e['missed']:.0%} of the time.",
        f"Diagnostics: the effective sample size at day {until} is {ess:,.0f} of "
        f"{particles:,}; {d['distinct_parameters']:,} distinct parameter vectors are left; "
        f"resampled on day(s) {resampled}. The log evidence of the observed days is "
        f"{d['log_evidence_total']:.2f} (day by day: {per_day}; {d.get('seconds', 0.0):.1f} s).",
    ]
    if ess < 0.1 * particles:  # few particles carry the forecast: its ± understates that
        lines.append(
            "Fewer than a tenth of the particles carry the forecast: read it with care, or "
            "run it again with more particles."
        )
    lines.append(
        "How to read this: each particle is one simulated course of the crisis with its own "
        "parameters, weighted by how well its simulated days match the observed ones under "
        "the error model. Every probability is read from the weighted particles; ± is one "
        "Monte Carlo standard error, not the uncertainty of the model itself."
    )
    return lines


def observed_table(forecast: dict[str, Any]) -> dict[str, Any]:
    """One row per observed day: its date and each channel's acts in words."""
    obs = forecast["observed"]
    channels = list(obs["channels"])
    dated = bool(forecast.get("day0"))
    rows = []
    for day in range(forecast["until"] + 1):
        rows.append(
            [str(day)]
            + ([_date(forecast, day) or ""] if dated else [])
            + [_acts(obs["acts"][c][day]) for c in channels]
        )
    return {
        "title": f"The observed prefix: days 0..{forecast['until']}",
        "header": ["day", *(["date"] if dated else []), *(_channel(forecast, c) for c in channels)],
        "rows": rows,
    }


def question_table(forecast: dict[str, Any]) -> dict[str, Any]:
    """One row per question: its text, then each answer's probability ± its MC error."""
    qs = forecast["questions"]
    width = max((len(q["answers"]) for q in qs), default=0)
    rows = []
    for q in qs:
        cells = [
            f"{a} {_pct(p)} ± {_pct(e)}"
            for a, p, e in zip(q["answers"], q["p"], q["mc_error"], strict=True)
        ]
        rows.append([q["text"], *cells, *([""] * (width - len(cells)))])
    return {
        "title": f"The questions, as of day {forecast['until']}",
        "header": ["question", *(f"answer {i + 1}" for i in range(width))],
        "rows": rows,
    }


def _nearest(quantiles: list[float], want: float) -> int:
    return min(range(len(quantiles)), key=lambda i: abs(quantiles[i] - want))


def _trace(fig: go.Figure, col: int, x: list[int], y: list[float], name: str, **kw: Any) -> None:
    """A line in subplot ``col``; its legend entry once, from the first subplot."""
    kw = {"x": x, "mode": "lines", "showlegend": col == 1, "legendgroup": name, **kw}
    fig.add_scatter(y=y, name=name, row=1, col=col, **kw)


def fan_figure(forecast: dict[str, Any]) -> go.Figure:
    """Cumulative Goldstein per side: quantile bands, median and the observed days."""
    fan, until = forecast["fan"], forecast["until"]
    q = fan["quantiles"]
    fig = make_subplots(
        rows=1,
        cols=2,
        shared_yaxes=True,
        horizontal_spacing=0.04,
        subplot_titles=[f"{_label(forecast, s)} ({s})" for s in SIDES],
    )
    for col, side in enumerate(SIDES, start=1):
        cg = fan[side]["cumulative_goldstein"]
        days = list(range(len(cg[0])))
        add = partial(_trace, fig, col, days)
        for (lo, hi), alpha in (((0.05, 0.95), 0.15), ((0.25, 0.75), 0.3)):
            i, j = _nearest(q, lo), _nearest(q, hi)
            name, edge = f"{q[i]:.0%}–{q[j]:.0%} of particles", {"width": 0}
            add(cg[i], name, line=edge, showlegend=False, hoverinfo="skip")
            add(cg[j], name, line=edge, fill="tonexty", fillcolor=f"rgba(31,119,180,{alpha})")
        add(cg[_nearest(q, 0.5)], "median", line={"color": COLOURS[0]})
        seen = fan["observed"][side]
        dark = {"color": DARK, "width": 3}
        _trace(fig, col, list(range(len(seen))), seen, "observed", mode="lines+markers", line=dark)
        fig.add_vline(x=until, line_dash="dash", line_color="grey", row=1, col=col)
        fig.update_xaxes(title_text="day", row=1, col=col)
    fig.update_yaxes(title_text="cumulative Goldstein score (lower: more hostile)", row=1, col=1)
    fig.update_layout(template="plotly_white", height=500, legend=LEGEND_BELOW, margin=TITLED)
    return fig


def force_figure(forecast: dict[str, Any]) -> go.Figure:
    """The probability that each side uses force on each day after the last observed one."""
    until = forecast["until"]
    fig = go.Figure()
    for i, side in enumerate(SIDES):
        p = forecast["fan"][side]["p_force"]
        fig.add_scatter(
            x=list(range(until + 1, len(p))),
            y=p[until + 1 :],
            mode="lines+markers",  # markers also pad the autorange: no line runs off the top
            marker={"size": 4},
            name=f"{_label(forecast, side)} ({side})",
            line={"color": COLOURS[i]},
        )
    fig.add_vline(x=until, line_dash="dash", line_color="grey")
    fig.update_layout(
        template="plotly_white",
        height=320,
        xaxis={"title": "day", "range": [0, forecast["horizon"]]},
        yaxis={
            "title": "probability of force that day",
            "tickformat": ".2~%",
            "rangemode": "tozero",
        },
        legend=LEGEND_BELOW,
        margin=MARGIN,
    )
    return fig


def moves_figure(forecast: dict[str, Any]) -> go.Figure:
    """P(yes) of every yes/no question at every cutoff, with MC error bars."""
    cutoffs = [d["cutoff"] for d in forecast["by_day"]]
    binary = [q for q in forecast["questions"] if q["answers"] == YES_NO]
    fig = go.Figure()
    for i, q in enumerate(binary):
        at = [d["questions"][q["id"]] for d in forecast["by_day"]]
        fig.add_scatter(
            x=cutoffs,
            y=[a["p"][1] for a in at],
            error_y={"type": "data", "array": [a["mc_error"][1] for a in at], "visible": True},
            mode="lines+markers",
            name=q["text"],
            line={"color": COLOURS[i % len(COLOURS)]},
        )
    fig.update_layout(
        template="plotly_white",
        height=360 + 22 * len(binary),  # room for the legend, one question a line at worst
        xaxis={"title": "last observed day (cutoff)", "dtick": 1},
        yaxis={"title": "probability of yes", "range": [0, 1.02], "tickformat": ".0%"},
        legend=LEGEND_BELOW,
        margin=MARGIN,
    )
    return fig


def choice_figure(forecast: dict[str, Any], questions: list[dict[str, Any]]) -> go.Figure:
    """Questions with more than two answers: each answer's share per cutoff, stacked."""
    cutoffs = [d["cutoff"] for d in forecast["by_day"]]
    side = {f"next_answer_{s}": f"{_label(forecast, s)}'s next use of force" for s in SIDES}
    fig = make_subplots(
        rows=1,
        cols=len(questions),
        shared_yaxes=True,
        horizontal_spacing=0.05,
        subplot_titles=[side.get(q["id"], q["text"]) for q in questions],
    )
    for col, q in enumerate(questions, start=1):
        at = [d["questions"][q["id"]] for d in forecast["by_day"]]
        for k, answer in enumerate(q["answers"]):
            fig.add_bar(
                x=cutoffs,
                y=[a["p"][k] for a in at],
                customdata=[a["mc_error"][k] for a in at],
                hovertemplate="%{y:.1%} ± %{customdata:.1%}",
                name=answer,
                legendgroup=answer,
                showlegend=col == 1,
                marker_color=GREY if answer == "none" else COLOURS[k % len(COLOURS)],
                row=1,
                col=col,
            )
        fig.update_xaxes(title_text="last observed day (cutoff)", dtick=1, row=1, col=col)
    fig.update_yaxes(range=[0, 1], tickformat=".0%")
    fig.update_yaxes(title_text="share of the weighted particles", row=1, col=1)
    fig.update_layout(
        template="plotly_white", barmode="stack", height=420, legend=LEGEND_BELOW, margin=TITLED
    )
    return fig


def sections(forecast: dict[str, Any]) -> list[Section]:
    """The figures, in reading order; the fan charts only when the forecast kept them."""
    until, out = forecast["until"], []
    if forecast.get("fan"):
        out += [
            Section(
                "Fan charts of what follows",
                f"Running sum of the daily Goldstein scores of each side's acts. The bands hold "
                f"the middle 90% and 50% of the weighted particles; the dark line is what was "
                f"observed through day {until} (dashed line).",
                fan_figure(forecast),
            ),
            Section(
                "Use of force, day by day",
                f"The weighted share of particles in which each side uses force on each day "
                f"after day {until}.",
                force_figure(forecast),
            ),
        ]
    out.append(
        Section(
            "How the forecast moved day by day",
            "The probability of yes for every yes/no question, as forecast from each cutoff "
            "(the last day conditioned on); bars are ± one Monte Carlo standard error.",
            moves_figure(forecast),
        )
    )
    multi = [q for q in forecast["questions"] if q["answers"] != YES_NO]
    if multi:
        out.append(
            Section(
                "The next use of force, by cutoff",
                "The weighted share of particles giving each answer, as forecast from each "
                "cutoff (hover for the Monte Carlo error).",
                choice_figure(forecast, multi),
            )
        )
    return out


def write_forecast_report(out: Path, forecast: dict[str, Any]) -> Path:
    """Write ``forecast.html`` into ``out``.

    Args:
        out: The forecast folder.
        forecast: The forecast as ``forecast.json`` holds it.

    Returns:
        The page's path.
    """
    title = f"Forecast: {forecast.get('title') or forecast['crisis']}"
    tables = [observed_table(forecast), question_table(forecast)]
    html = render_page(title, intro(forecast), sections(forecast), tables)
    path = out / "forecast.html"
    write_text(path, html)
    return path

"""``calibration.html``: posterior marginals and pairs, tolerances, predictive check, fit."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pandas as pd
import plotly.graph_objects as go
from plotly.subplots import make_subplots
from sim.calibration.identification import flag_sentences, parameter_rows

from sim.report.figures import COLOURS, channel_label, fan_chart
from sim.report.html import (
    Section,
    check_plotly_js,
    render_page,
    shared_plotly_src,
    write_atomic_text,
    write_shared_plotly,
)
from sim.report.layout import rung_labels, style


def marginals_figure(table: pd.DataFrame, summary: dict[str, Any]) -> go.Figure:
    """Weighted posterior histograms of each parameter over its prior's support."""
    keys = list(summary["prior_spec"])
    cols = 3
    rows = -(-len(keys) // cols)
    # Spacing shrinks with the rows (plotly refuses more than 1 / (rows - 1)).
    fig = make_subplots(
        rows=rows,
        cols=cols,
        subplot_titles=[short_label(k) for k in keys],
        vertical_spacing=min(0.12, 0.6 / max(rows - 1, 1)),
    )
    for i, k in enumerate(keys):
        spec = summary["prior_spec"][k]
        r, c = divmod(i, cols)
        fig.add_trace(
            go.Histogram(
                x=table[k],
                histnorm="probability density",
                nbinsx=25,
                xbins={"start": spec["low"], "end": spec["high"]},
                marker_color=COLOURS[0],
                showlegend=False,
                name="posterior",
            ),
            row=r + 1,
            col=c + 1,
        )
        height = 1.0 / (spec["high"] - spec["low"])
        fig.add_trace(
            go.Scatter(
                x=[spec["low"], spec["high"]],
                y=[height, height],
                mode="lines",
                line={"color": "gray", "dash": "dash"},
                showlegend=i == 0,
                name="prior density",
            ),
            row=r + 1,
            col=c + 1,
        )
    fig.update_layout(
        template="plotly_white",
        height=260 * rows,
        title="Posterior marginals",
        margin={"l": 10, "r": 10, "t": 70, "b": 10},
        bargap=0.05,
    )
    return fig


#: A parameter whose posterior spread is below this share of its prior's has collapsed:
#: its pair panels would be flat lines, so it is named in a note instead.
COLLAPSED_BELOW = 0.02


def short_label(key: str) -> str:
    """``by_role.victim.policy.generosity`` -> ``victim generosity`` (axis titles stay short)."""
    parts = [p for p in key.split(".") if p not in ("by_role", "policy")]
    return " ".join(parts[-2:]) if len(parts) > 1 else parts[0]


def collapsed(table: pd.DataFrame, summary: dict[str, Any]) -> list[str]:
    """The parameters whose posterior is (nearly) one value: a flat line in any pair panel."""
    m = summary["marginals"]
    return [
        k
        for k in m
        if k in table
        and (table[k].nunique() < 2 or m[k]["sd"] < COLLAPSED_BELOW * max(m[k]["prior_sd"], 1e-12))
    ]


def pairs_figure(table: pd.DataFrame, summary: dict[str, Any]) -> go.Figure:
    """Corner plot of the four parameters the data moved most (posterior sd / prior sd).

    Weighted histograms on the diagonal, particles shaded by weight below it; collapsed
    parameters (:func:`collapsed`) are left out, as their panels would be flat lines.
    Axis titles are short and only on the outer row and column, so none overlaps another.
    """
    m = summary["marginals"]
    flat = set(collapsed(table, summary))
    order = sorted(m, key=lambda k: m[k]["sd"] / max(m[k]["prior_sd"], 1e-12))
    keys = [k for k in order if k not in flat and k in table][:4]
    n = len(keys)
    fig = make_subplots(
        rows=max(n, 1), cols=max(n, 1), horizontal_spacing=0.03, vertical_spacing=0.03
    )
    spec = summary.get("prior_spec", {})

    def span(k: str) -> list[float] | None:
        s = spec.get(k)
        return [s["low"], s["high"]] if s else None

    for i, ky in enumerate(keys, start=1):
        for j, kx in enumerate(keys, start=1):
            if j > i:
                fig.update_xaxes(visible=False, row=i, col=j)
                fig.update_yaxes(visible=False, row=i, col=j)
                continue
            if i == j:
                fig.add_trace(
                    go.Histogram(
                        x=table[kx],
                        y=table["weight"],
                        histfunc="sum",
                        histnorm="probability",
                        nbinsx=20,
                        marker_color=COLOURS[0],
                        showlegend=False,
                        name=short_label(kx),
                        hovertemplate="%{x}: %{y:.1%} of the weight<extra></extra>",
                    ),
                    row=i,
                    col=j,
                )
                fig.update_yaxes(tickformat=".0%", row=i, col=j, showticklabels=j == 1)
            else:
                fig.add_trace(
                    go.Scatter(
                        x=table[kx],
                        y=table[ky],
                        mode="markers",
                        marker={
                            "size": 4,
                            "color": table["weight"],
                            "colorscale": "Blues",
                            "cmin": 0,
                            "showscale": False,
                        },
                        showlegend=False,
                        hovertemplate=f"{short_label(kx)} %{{x:.3g}}<br>"
                        f"{short_label(ky)} %{{y:.3g}}<extra></extra>",
                    ),
                    row=i,
                    col=j,
                )
                fig.update_yaxes(range=span(ky), row=i, col=j, showticklabels=j == 1)
            fig.update_xaxes(range=span(kx), row=i, col=j, showticklabels=i == n)
            if i == n:
                fig.update_xaxes(title_text=short_label(kx), row=i, col=j)
        label = "share of weight" if i == 1 else short_label(ky)
        fig.update_yaxes(title_text=label, row=i, col=1)
    fig.update_xaxes(title_font={"size": 12}, tickfont={"size": 10})
    fig.update_yaxes(title_font={"size": 12}, tickfont={"size": 10})
    style(fig, "Posterior pairs (the four best identified)", 220 + 150 * max(n, 1))
    fig.update_layout(bargap=0.05, margin={"l": 10, "r": 10, "t": 50, "b": 10})
    return fig


def pairs_caption(table: pd.DataFrame, summary: dict[str, Any]) -> str:
    """The pair plot's caption, naming the collapsed parameters left out of it."""
    text = (
        "Particles of the final generation, shaded by weight (darker: more weight), for "
        "the four parameters whose posterior sd is smallest against their prior's; on the "
        "diagonal, each one's weighted histogram (the share of the posterior weight in each "
        "bin). Axes span each prior's range."
    )
    flat = collapsed(table, summary)
    if flat:
        values = ", ".join(f"{short_label(k)} ≈ {float(table[k].median()):.3g}" for k in flat)
        text += (
            f" Left out as collapsed to one value (sd under {COLLAPSED_BELOW:.0%} of the "
            f"prior's, so every panel would be a flat line): {values}."
        )
    return text


def tolerance_figure(summary: dict[str, Any]) -> go.Figure:
    """Tolerance, acceptance rate and effective sample size per generation."""
    g = summary["generations"]
    x = list(range(len(g)))
    fig = make_subplots(rows=1, cols=3, subplot_titles=["tolerance", "acceptance rate", "ESS"])
    for j, (key, fmt) in enumerate(
        (("tolerance", None), ("acceptance_rate", ".1%"), ("ess", None)), 1
    ):
        fig.add_trace(
            go.Scatter(
                x=x,
                y=[gen[key] for gen in g],
                mode="lines+markers",
                showlegend=False,
                marker_color=COLOURS[j],
            ),
            row=1,
            col=j,
        )
        fig.update_xaxes(title_text="generation", row=1, col=j)
        if fmt:
            fig.update_yaxes(tickformat=fmt, row=1, col=j)
    fig.update_layout(
        template="plotly_white",
        height=330,
        title="ABC-SMC schedule",
        margin={"l": 10, "r": 10, "t": 70, "b": 10},
    )
    return fig


def predictive_summary(out: Path, n: int = 20_000, days: int = 30) -> dict[str, Any]:
    """Simulate the baseline with parameters drawn from the posterior (the predictive check)."""
    from sim.config import compose_config
    from sim.runner import simulate
    from sim.settings import Settings

    cfg = compose_config(
        "baseline",
        [
            f"simulation.replicates={n}",
            f"simulation.days={days}",
            f"posterior={out / 'posterior.parquet'}",
        ],
    )
    return simulate(Settings.from_config(cfg), None, progress=False).summary


def write_calibration_report(out: Path, summary: dict[str, Any], plotly_js: str = "inline") -> Path:
    """Write ``calibration.html`` into the calibration directory.

    Args:
        out: The calibration directory.
        summary: The calibration's summary.
        plotly_js: ``inline`` or ``shared`` (``plotly.min.js`` beside the page).
    """
    shared = check_plotly_js(plotly_js) == "shared"
    table = pd.read_parquet(out / "posterior.parquet")
    pred = predictive_summary(out)
    sections = [
        Section(
            "Posterior marginals",
            "Where the data put each parameter (bars) against the prior "
            "(dashed). A flat histogram means the four observed days do not identify it.",
            marginals_figure(table, summary),
        ),
        Section(
            "Posterior pairs",
            pairs_caption(table, summary),
            pairs_figure(table, summary),
        ),
        Section(
            "Tolerance schedule",
            "Each generation's tolerance (a quantile of the last one's "
            "distances), acceptance rate and effective sample size.",
            tolerance_figure(summary),
        ),
    ]
    for i, ch in enumerate(pred["channels"]):
        sections.append(
            Section(
                f"Posterior predictive: {channel_label(pred, ch)}",
                "Paths simulated with parameters drawn from the posterior (bands over "
                "replicates and parameters); the dotted line is the observed episode.",
                fan_chart(pred, i, "rung"),
            )
        )
    p, q = summary["prior"], summary["posterior"]

    def pct(v: dict[str, float]) -> str:
        return f"{v['estimate']:.3%} [{v['lower']:.3%}–{v['upper']:.3%}]"

    rows = [
        ["P(exact day-by-day match, days 0-3)", pct(p["p_exact"]), pct(q["p_exact"])],
        ["P(within one rung every day)", pct(p["p_within_one_rung"]), pct(q["p_within_one_rung"])],
    ]
    words = rung_labels(pred)
    for name, days in q["p_day_matches"].items():
        for d, v in enumerate(days):
            rows.append(
                [
                    f"P({channel_label(pred, name)} matches on day {d}: "
                    f"{words.get(q['observed'][name][d], q['observed'][name][d])})",
                    f"{p['p_day_matches'][name][d]:.1%}",
                    f"{v:.1%}",
                ]
            )
    ratio = q["p_exact"]["estimate"] / max(p["p_exact"]["estimate"], 1e-12)
    intro = [
        f"{summary['particles']:,} posterior particles from {summary['simulated_in_fit']:,} "
        f"simulated episodes in {summary['seconds']:.1f} s "
        f"({summary['episodes_per_second']:,.0f} episodes/s).",
        "The posterior reproduces the observed sequence (every state's rung on every observed "
        f"day) exactly in "
        f"{q['p_exact']['estimate']:.2%} of simulated episodes, {ratio:.0f} times the prior's "
        f"{p['p_exact']['estimate']:.3%}; within one rung on every day: "
        f"{q['p_within_one_rung']['estimate']:.1%} against "
        f"{p['p_within_one_rung']['estimate']:.1%}.",
        *flag_sentences(summary["parameters"]),
    ]
    tables = [
        {
            "title": "Fit to the observed episode (prior vs posterior, 95% intervals)",
            "header": ["quantity", "prior", "posterior"],
            "rows": rows,
        },
        parameter_rows(summary["parameters"]),
    ]
    path = out / "calibration.html"
    html = render_page(
        f"Calibration to {(summary.get('episode') or {}).get('title', 'the episode')}",
        intro,
        sections,
        tables,
        shared_plotly_src(out, path) if shared else None,
    )
    if shared:
        write_shared_plotly(out)
    return write_atomic_text(path, html)

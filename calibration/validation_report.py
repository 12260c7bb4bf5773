"""``validation.html``: the leave-one-episode-out record, fold by fold."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import plotly.graph_objects as go
from sim.calibration.features import FEATURES
from sim.calibration.joint_report import pct

from sim.folders import write_text
from sim.report.figures import COLOURS
from sim.report.html import Section, render_page

MODELS = ("posterior", "prior", "null")


def pattern_figure(summary: dict[str, Any]) -> go.Figure:
    """P(held-out pattern) per fold under posterior, prior and null, with 95% intervals."""
    fig = go.Figure()
    names = [f["episode"] for f in summary["folds"]]
    for i, m in enumerate(MODELS):
        est = [f[f"pattern_{m}"]["estimate"] for f in summary["folds"]]
        lo = [f[f"pattern_{m}"]["lower"] for f in summary["folds"]]
        hi = [f[f"pattern_{m}"]["upper"] for f in summary["folds"]]
        fig.add_trace(
            go.Bar(
                x=names,
                y=est,
                name=m,
                marker_color=COLOURS[i],
                error_y={
                    "type": "data",
                    "symmetric": False,
                    "array": [h - e for h, e in zip(hi, est, strict=True)],
                    "arrayminus": [e - lo_ for e, lo_ in zip(est, lo, strict=True)],
                },
            )
        )
    fig.update_layout(
        template="plotly_white",
        barmode="group",
        height=420,
        title="P(the held-out episode's whole pattern), 95% intervals",
        yaxis={"tickformat": ".1%", "title": "probability"},
        margin={"l": 10, "r": 10, "t": 70, "b": 10},
    )
    return fig


def fold_table(fold: dict[str, Any]) -> dict[str, Any]:
    """One fold: each feature alone, the whole pattern and the exact sequence."""
    rows = [
        [k, str(fold["observed"][k]), *(pct(fold[f"features_{m}"][k]) for m in MODELS)]
        for k in FEATURES
    ]
    rows.append(["whole pattern", "", *(pct(fold[f"pattern_{m}"]) for m in MODELS)])
    rows.append(
        [
            "exact sequence, well-sourced days",
            str(fold["well_sourced_days"]),
            *(pct(fold[f"p_exact_{m}"]) for m in MODELS),
        ]
    )
    return {
        "title": f"Held out: {fold['episode']} ({fold['days']} days, window ±{fold['window']} "
        f"days; fitted on {', '.join(fold['trained_on'])})",
        "header": ["feature", "observed", "posterior", "prior", "null"],
        "rows": rows,
    }


def write_validation_report(out: Path, summary: dict[str, Any]) -> Path:
    """Write ``validation.html`` into ``out``."""
    folds = summary["folds"]
    overview = {
        "title": "Leave one episode out: P(whole pattern of the held-out episode)",
        "header": ["held out", "posterior", "prior", "null", "posterior / prior", "fit"],
        "rows": [
            [
                f["episode"],
                pct(f["pattern_posterior"]),
                pct(f["pattern_prior"]),
                pct(f["pattern_null"]),
                f"{f['ratio_posterior_prior']:.2f}",
                f"{f['fit']['particles']} particles, {f['fit']['generations']} generations, "
                f"tolerance {f['fit']['tolerance']:.1f}, {f['fit']['seconds']:.0f} s",
            ]
            for f in folds
        ],
    }
    beats = summary["posterior_beats_null_every_fold"]
    intro = [
        f"{len(folds)} folds in {summary['seconds']:.0f} s on {summary['workers']} worker(s) "
        f"({summary['episodes_per_second']:,.0f} episodes simulated a second).",
        "Each fold calibrates the shared parameters on the other episodes and forecasts the "
        "one left out; the pattern is each side's first use of force (within the window), "
        "the type of each side's answer, the peak rung, the days with force and the first "
        "conciliatory act (docs/validation.md).",
        f"Geometric mean over folds of P(pattern | posterior) / P(pattern | prior): "
        f"{summary['geometric_mean_ratio']:.2f} (the target is 3). The posterior "
        + ("beats" if beats else "does not beat")
        + " the null model (random policies) on every fold.",
    ]
    sections = [
        Section(
            "The held-out pattern under posterior, prior and null",
            "Bars are estimates from the fold's draws, whiskers 95% Wilson intervals.",
            pattern_figure(summary),
        )
    ]
    html = render_page(
        "Leave-one-episode-out validation",
        intro,
        sections,
        [overview, *(fold_table(f) for f in folds)],
    )
    path = out / "validation.html"
    write_text(path, html)
    return path

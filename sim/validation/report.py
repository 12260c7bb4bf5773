"""``validation.html``: the scorecard in words, skill per feature and a reliability diagram."""

from __future__ import annotations

import math
from pathlib import Path
from typing import Any

import numpy as np
import plotly.graph_objects as go

from sim.folders import write_text
from sim.report.figures import COLOURS
from sim.report.html import Section, render_page
from sim.report.layout import LEGEND_BELOW
from sim.validation.compare import BASELINES
from sim.validation.features import FEATURES, LABELS, specs
from sim.validation.folds import FORECASTERS

NAMES = {
    "posterior": "the fitted model",
    "prior": "the model with prior parameters",
    "null": "random policies (null)",
    "base_rates": "base rates",
    "analog": "the nearest analog",
    "markov": "a Markov chain",
    "persistence": "persistence",
}
RELIABILITY_EDGES = np.array([0.0, 0.1, 0.3, 0.5, 0.7, 0.9, 1.0])


def skill_figure(summary: dict[str, Any]) -> go.Figure:
    """Mean log-score gain of the fitted model over each baseline, feature by feature."""
    folds = summary["folds"]
    z, text = [], []
    for b in BASELINES:
        row = []
        for k in FEATURES:
            gains = [f["scores"]["posterior"][k]["log"] - f["scores"][b][k]["log"] for f in folds]
            row.append(float(np.mean(gains)))
        z.append(row)
        text.append([f"{v:+.2f}" for v in row])
    lim = max(1.0, float(np.nanmax(np.abs(z))))
    fig = go.Figure(
        go.Heatmap(
            z=z,
            x=[LABELS[k] for k in FEATURES],
            y=[NAMES[b] for b in BASELINES],
            text=text,
            texttemplate="%{text}",
            colorscale="RdBu",
            zmin=-lim,
            zmax=lim,
            colorbar={"title": "nats"},
        )
    )
    fig.update_layout(
        template="plotly_white",
        height=420,
        title="Log-score gain of the fitted model over each baseline (mean over folds; blue: "
        "the model is better)",
        margin={"l": 10, "r": 10, "t": 70, "b": 10},
        xaxis={"tickangle": -30},
    )
    return fig


def reliability(
    folds: list[dict[str, Any]], who: str
) -> tuple[list[float], list[float], list[int]]:
    """Mean forecast probability, observed frequency and count per probability bin.

    Every bin of every feature of every fold is one forecast of a yes/no event (the feature
    falls in that bin), with its observed outcome.
    """
    ps, ys = [], []
    for f in folds:
        for k in FEATURES:
            probs = f["bin_probabilities"][who][k]
            obs = set(f["observed_bins"][k])
            for b, p in enumerate(probs):
                ps.append(p)
                ys.append(1.0 if b in obs else 0.0)
    p, y = np.array(ps), np.array(ys)
    which = np.clip(np.searchsorted(RELIABILITY_EDGES, p, side="right") - 1, 0, 5)
    mean_p, freq, n = [], [], []
    for i in range(len(RELIABILITY_EDGES) - 1):
        m = which == i
        if m.any():
            mean_p.append(float(p[m].mean()))
            freq.append(float(y[m].mean()))
            n.append(int(m.sum()))
    return mean_p, freq, n


def reliability_figure(summary: dict[str, Any]) -> go.Figure:
    """Reliability diagram of the fitted model and the base rates."""
    fig = go.Figure()
    fig.add_trace(
        go.Scatter(
            x=[0, 1], y=[0, 1], mode="lines", name="perfect", line={"dash": "dot", "color": "grey"}
        )
    )
    for i, who in enumerate(("posterior", "base_rates", "markov")):
        x, y, n = reliability(summary["folds"], who)
        fig.add_trace(
            go.Scatter(
                x=x,
                y=y,
                mode="lines+markers",
                name=NAMES[who],
                marker={"size": [6 + 2 * np.sqrt(c) for c in n], "color": COLOURS[i]},
                text=[f"{c} forecasts" for c in n],
            )
        )
    fig.update_layout(
        template="plotly_white",
        height=420,
        title="Reliability: forecast probability against how often it happened",
        xaxis={"title": "forecast probability of a bin", "range": [0, 1]},
        yaxis={"title": "observed frequency", "range": [0, 1]},
        margin={"l": 10, "r": 10, "t": 70, "b": 10},
    )
    return fig


def _fmt(v: float | None, spec: str = ".2f") -> str:
    return "–" if v is None or v != v else format(v, spec)


def tables(summary: dict[str, Any]) -> list[dict[str, Any]]:
    """The scorecard's tables: forecasters, targets, paired comparisons, folds, hand-set."""
    s = summary["summary"]
    out = [
        {
            "title": "Forecasters, mean over folds (log scores in nats, higher is better)",
            "header": [
                "forecaster",
                "whole pattern",
                "summed features",
                "Brier, victim's answer",
                "Brier, adversary's answer",
            ],
            "rows": [
                [
                    NAMES[k],
                    _fmt(s["mean_pattern_log_score"][k]),
                    _fmt(s["mean_summed_feature_log_score"][k]),
                    _fmt(s["mean_answer_brier"][k]["victim"], ".3f"),
                    _fmt(s["mean_answer_brier"][k]["adversary"], ".3f"),
                ]
                for k in FORECASTERS
            ],
        },
        {
            "title": "Targets",
            "header": ["target", "reached", "wanted", "met"],
            "rows": [
                [
                    TARGETS[name],
                    _reached(t["reached"]),
                    str(t["target"]),
                    "yes" if t["met"] else "no",
                ]
                for name, t in s["targets"].items()
            ],
        },
        {
            "title": "Paired over folds: the fitted model minus each baseline (nats)",
            "header": [
                "baseline",
                "whole pattern: mean [95% t]",
                "sign-flip p",
                "summed features: mean [95% t] [95% bootstrap]",
                "sign-flip p",
                "power to see 0.5 nats (t, 5%)",
            ],
            "rows": [
                [
                    NAMES[b],
                    _ci(c["pattern_log"], "ci95_t"),
                    _fmt(c["pattern_log"]["p_sign_flip"], ".3f"),
                    _ci(c["sum_log"], "ci95_t") + " " + _ci(c["sum_log"])[6:],
                    _fmt(c["sum_log"]["p_sign_flip"], ".3f"),
                    _fmt(c["sum_log"]["power_t_5pct"], ".2f"),
                ]
                for b, c in s["paired_posterior_minus"].items()
            ],
        },
    ]
    out.append(
        {
            "title": "Hand-set shared values and the folds that saw them",
            "header": ["value", "set in", "from", "seen by"],
            "rows": [
                [r["value"], r["set_in"], r["from"], ", ".join(r["seen_by"]) or "none"]
                for r in summary["hand_set"]
            ],
        }
    )
    return out


def observed_words(fold: dict[str, Any], feature: str) -> str:
    """The observed bin(s) of a feature, in words."""
    labels = specs(fold["horizon_days"])[feature].labels
    return " or ".join(labels[b] for b in fold["observed_bins"][feature])


def fold_table(fold: dict[str, Any]) -> dict[str, Any]:
    """One fold: every forecaster's log score per feature and on the whole pattern."""
    rows = []
    for k in FEATURES:
        rows.append(
            [LABELS[k], observed_words(fold, k)]
            + [_fmt(fold["scores"][m][k]["log"]) for m in FORECASTERS]
        )
    rows.append(
        ["whole pattern", "all of the above"]
        + [
            _fmt(fold["scores"][m]["pattern"]["log"])
            + f" ± {_fmt(fold['mc_error'][m]['pattern']['log'])}"
            for m in FORECASTERS
        ]
    )
    return {
        "title": f"Log score per feature ({len(fold['seeds'])} fits; ± the Monte Carlo error)",
        "header": ["feature", "observed", *(NAMES[m] for m in FORECASTERS)],
        "rows": rows,
    }


def fold_figure(fold: dict[str, Any]) -> go.Figure:
    """One fold: log score per feature of the fitted model, base rates and the Markov chain."""
    fig = go.Figure()
    for i, m in enumerate(("posterior", "base_rates", "markov")):
        fig.add_trace(
            go.Bar(
                x=[LABELS[k] for k in FEATURES],
                y=[fold["scores"][m][k]["log"] for k in FEATURES],
                name=NAMES[m],
                marker_color=COLOURS[i],
            )
        )
    fig.update_layout(
        template="plotly_white",
        barmode="group",
        height=380,
        title=f"{fold['episode']}: log score per feature (0 is a sure hit, -6.9 the floor)",
        yaxis={"title": "nats", "range": [-7.2, 0.2]},
        xaxis={"tickangle": -30},
        margin={"l": 10, "r": 10, "t": 70, "b": 10},
        legend=LEGEND_BELOW,  # under the angled feature names, whatever the width
    )
    return fig


def _ci(c: dict[str, Any], key: str = "ci95") -> str:
    lo, hi = c[key]
    if not (math.isfinite(lo) and math.isfinite(hi)):
        return f"{c['mean']:+.2f} [–]"
    return f"{c['mean']:+.2f} [{lo:+.2f}, {hi:+.2f}]"


TARGETS = {
    "pattern_margin_over_best_baseline": "whole pattern: the model's lead over the best "
    "baseline (nats per episode)",
    "summed_feature_log_vs_base_rates": "summed features: the model's lead over base rates (nats)",
    "brier_skill_answers_vs_base_rates": "Brier skill against base rates on each side's answer",
}


def _reached(v: Any) -> str:
    if isinstance(v, dict):
        return ", ".join(f"{k} {_fmt(x)}" for k, x in v.items())
    return _fmt(v)


def intro(summary: dict[str, Any]) -> list[str]:
    """The scorecard in words."""
    s = summary["summary"]
    pat = s["mean_pattern_log_score"]
    best = s["best_baseline_on_pattern"]
    tied = s.get("best_baselines_tied_on_pattern") or [best]
    best_words = (
        f"the best baseline, {NAMES[best]}"
        if len(tied) == 1
        else f"the best baselines ({len(tied)} tie: {', '.join(NAMES[b] for b in tied)})"
    )
    first = next(iter(s["paired_posterior_minus"].values()))["pattern_log"]
    t = s["targets"]
    margin = t["pattern_margin_over_best_baseline"]["reached"]
    return [
        f"{len(summary['folds'])} folds, each episode held out in turn and forecast "
        f"{summary['horizon_days']} days past its trigger by a model fitted on the others, "
        f"{summary['seeds_per_fold']} fits per fold ({summary['seconds']:.0f} s on "
        f"{summary['workers']} worker(s)).",
        f"On the whole pattern the fitted model scores {pat['posterior']:.2f} nats per episode; "
        f"{best_words}, {pat[best]:.2f}: "
        + (
            f"the model is ahead by {margin:.2f} nats."
            if margin > 0
            else f"the model is behind by {-margin:.2f} nats."
            if margin < 0
            else "they tie."
        )
        + " Scores are floored at ln(0.001) = -6.91.",
        "Summed over features, the model scores "
        f"{s['mean_summed_feature_log_score']['posterior']:.2f} against base rates' "
        f"{s['mean_summed_feature_log_score']['base_rates']:.2f}. Brier skill "
        f"against base rates on the answers: victim "
        f"{_fmt(t['brier_skill_answers_vs_base_rates']['reached']['victim'])}, adversary "
        f"{_fmt(t['brier_skill_answers_vs_base_rates']['reached']['adversary'])} (target 0.1).",
        f"With {len(summary['folds'])} folds the smallest possible sign-flip p is "
        f"{first['smallest_possible_p']:.4f}"
        + (
            ": no paired difference can reach significance at 5%; read the intervals."
            if first["smallest_possible_p"] > 0.05
            else "."
        ),
    ]


def write_report(out: Path, summary: dict[str, Any]) -> Path:
    """Write ``validation.html`` into ``out``."""
    sections = [
        Section(
            "Where the model knows more than the baselines",
            "Each cell is the fitted model's log score minus the baseline's, for one feature, "
            "averaged over the held-out episodes. Positive (blue): the model put more "
            "probability on what happened.",
            skill_figure(summary),
        ),
        Section(
            "Are the probabilities honest?",
            "Every bin of every feature in every held-out episode is one forecast. Points "
            "on the dotted line mean that things forecast at p happened a fraction p of the "
            "time; marker size grows with the number of forecasts.",
            reliability_figure(summary),
        ),
    ]
    for f in summary["folds"]:
        sections.append(
            Section(
                f"Held out: {f['episode']}",
                f"Fitted on {', '.join(f['trained_on'])}; nearest analog "
                f"{', '.join(f['analog_of'])}; this episode informed hand-set values: "
                f"{'yes' if f['saw_hand_set_values'] else 'no'}.",
                fold_figure(f),
                fold_table(f),
            )
        )
    html = render_page("Validation scorecard", intro(summary), sections, tables(summary))
    path = out / "validation.html"
    write_text(path, html)
    return path

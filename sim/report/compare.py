"""Comparison reports: any set of runs and sweeps on one self-contained page.

``write_comparison(paths, out_html)`` takes run directories and sweep roots, and
``comparison_figures(...)`` returns the same figures as Plotly objects for notebooks. Runs
without a ``status.json`` marking them complete are skipped with a warning.

A sweep is told through its table, not job by job: its jobs are named by their swept values,
ranked in one table by the headline outcome, and summed up in a sentence on the parameter
that matters most; the path charts show all its jobs when few, else its best, middle and
worst (:func:`sim.report.sweep_summary.featured`).
"""

from __future__ import annotations

import json
from collections.abc import Iterable, Sequence
from pathlib import Path
from typing import Any

import plotly.graph_objects as go

from sim.report.figures import channel_label, deescalated_by, observed_sentence
from sim.report.html import (
    Section,
    check_plotly_js,
    render_page,
    shared_plotly_src,
    write_atomic_text,
    write_shared_plotly,
)
from sim.report.network import relations_network
from sim.report.scenario_figures import (
    fan_overlay,
    occupancy_heatmap,
    outcome_comparison,
    transitions_sankey,
)
from sim.report.sources import Run, Sweep, load_sources, run_label
from sim.report.sweep_figures import sweep_figures
from sim.report.sweep_summary import featured, ranked_table, sweep_sentences


def config_diff(runs: Sequence[Run]) -> dict[str, Any]:
    """A table of exactly the config values that differ between the runs."""
    keys = sorted(set().union(*(r.config for r in runs)))
    rows = []
    for k in keys:
        if k.startswith(("scenario.", "hydra.", "design.")):
            continue
        vals = [r.config.get(k, "—") for r in runs]
        if len({json.dumps(v, sort_keys=True, default=str) for v in vals}) > 1:
            rows.append([k, *[str(v) for v in vals]])
    return {
        "title": "What differs between the compared configs",
        "header": ["config key", *[run_label(r, runs) for r in runs]],
        "rows": rows,
    }


def runs_table(runs: Sequence[Run]) -> dict[str, Any]:
    """Each run's short label on the page against its full folder name."""
    return {
        "title": "Runs compared",
        "header": ["label on this page", "scenario", "folder"],
        "rows": [
            [run_label(r, runs), str(r.summary.get("scenario", {}).get("name", "")), str(r.path)]
            for r in runs
        ],
    }


def _pct(v: dict[str, float]) -> str:
    return f"{v['estimate']:.0%} [{v['lower']:.0%}–{v['upper']:.0%}]"


def summary_sentences(runs: Sequence[Run]) -> list[str]:
    """The comparison in words, each scenario against the baseline (or the first run)."""
    base = next(
        (r for r in runs if r.summary.get("scenario", {}).get("name") == "baseline"), runs[0]
    )
    b = base.summary["metrics"]
    out = [
        f"{len(runs)} runs compared; the reference is {run_label(base, runs)}, where the chance "
        f"that the two states have de-escalated within a week is "
        f"{_pct(deescalated_by(b))} and a strike on state forces or worse happens "
        f"in {_pct(b['p_reach_state_forces_or_worse'])} of episodes."
    ]
    for r in runs:
        if r is base:
            continue
        m = r.summary["metrics"]
        out.append(
            f"In {run_label(r, runs)} the chance of de-escalating within a week is "
            f"{_pct(deescalated_by(m))}, against "
            f"{deescalated_by(b)['estimate']:.0%} in the reference; strikes on "
            f"state forces or worse: {_pct(m['p_reach_state_forces_or_worse'])}; mean "
            f"deaths {m['casualties_mean']['estimate']:.1f} "
            f"(reference {b['casualties_mean']['estimate']:.1f})."
        )
    return out


def comparison_sections(runs: Sequence[Run], sweeps: Sequence[Sweep]) -> list[Section]:
    """Every figure of the comparison page, with headings and captions."""
    shown = featured(runs)
    labels = [run_label(r, runs) for r in shown]
    some = (
        ""
        if len(shown) == len(runs)
        else " Of a sweep with many jobs, its best, middle and worst job (by the chance of "
        "de-escalating within a week) are shown; the ranked table lists them all."
    )
    sections = [
        Section(
            "Outcomes compared",
            "Each dot is a scenario's estimate over its replicates, with a 95% "
            "interval (Wilson for probabilities, normal for means, order statistics "
            "for medians); hover over a dot for the run's folder." + some,
            outcome_comparison(shown, labels),
        )
    ]
    first = shown[0].summary
    for c in range(len(first["channels"])):
        sections.append(
            Section(
                f"Escalation paths: {channel_label(first, first['channels'][c])}",
                "Median rung per day for each scenario, with the band holding the "
                f"middle 50% of replicates{observed_sentence(first, first['channels'][c])}. "
                "The chart opens on the days where something happens; the button on the right "
                "shows the whole horizon. Medians that agree are drawn a little apart, side "
                "by side, so that none hides another." + some,
                fan_overlay(shown, c, labels),
            )
        )
    sections.append(
        Section(
            "Rung-to-rung transitions",
            "How episodes move from one day's rung to the next (choose the scenario "
            "in the menu); quiet days (none to none) are left out.",
            transitions_sankey(shown, labels),
        )
    )
    sections.append(
        Section(
            "Day by rung",
            "The share of state-days on each rung, day by day (choose the scenario in the menu).",
            occupancy_heatmap(shown, labels),
        )
    )
    sections.append(
        Section(
            "Relations network",
            "Who borders, hosts, attacks and holds leverage "
            "over whom; the border's thickness grows with the hostility left at the "
            "end of the run (hover for values).",
            relations_network(shown[0]),
        )
    )
    for sw in sweeps:
        sections += sweep_figures(sw)
    return sections


def comparison_figures(paths: Iterable[str | Path]) -> dict[str, go.Figure]:
    """The comparison's figures as Plotly objects, by heading."""
    runs, sweeps = load_sources(paths)
    if not runs:
        raise ValueError("no complete runs to compare")
    return {s.title: s.figure for s in comparison_sections(runs, sweeps)}


def comparison_page(paths: Iterable[str | Path], plotly_src: str | None = None) -> str:
    """The comparison page as HTML text (``plotly_src``: see :func:`render_page`)."""
    runs, sweeps = load_sources(paths)
    if not runs:
        raise ValueError("no complete runs to compare")
    lone = [r for r in runs if r.sweep is None]
    intro = summary_sentences(lone) if lone else []
    tables = [runs_table(lone), config_diff(lone)] if len(lone) > 1 else []
    for sw in sweeps:
        intro += sweep_sentences(sw)
        tables.append(ranked_table(sw))
    failed = [
        (sw.path.name, r)
        for sw in sweeps
        for _, r in sw.table.iterrows()
        if r["status"] != "complete"
    ]
    if failed:
        tables.append(
            {
                "title": "Sweep jobs that did not complete",
                "header": ["sweep", "job", "status", "error"],
                "rows": [
                    [n, str(r["run_dir"]), str(r["status"]), str(r["error"])] for n, r in failed
                ],
            }
        )
    title = "Escalation scenarios compared" if lone or len(sweeps) != 1 else "Escalation sweep"
    return render_page(title, intro, comparison_sections(runs, sweeps), tables, plotly_src)


def write_comparison(
    paths: Iterable[str | Path], out_html: str | Path, plotly_js: str = "inline"
) -> Path:
    """Write the comparison page (atomically) and return its path.

    Args:
        paths: Run directories and sweep roots.
        out_html: The page to write.
        plotly_js: ``inline`` (plotly.js inside the page) or ``shared`` (``plotly.min.js``
            written once beside the page and referenced by a relative path).
    """
    out = Path(out_html)
    shared = check_plotly_js(plotly_js) == "shared"
    html = comparison_page(paths, shared_plotly_src(out.parent, out) if shared else None)
    out.parent.mkdir(parents=True, exist_ok=True)
    if shared:
        write_shared_plotly(out.parent)
    return write_atomic_text(out, html)

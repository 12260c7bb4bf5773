"""Comparison reports: any set of runs and sweeps on one self-contained page.

``write_comparison(paths, out_html)`` takes run directories and sweep roots (a sweep
contributes its completed jobs and its table), and ``comparison_figures(...)`` returns the
same figures as Plotly objects for notebooks. Runs without a ``status.json`` marking them
complete are skipped with a warning.
"""

from __future__ import annotations

import json
import logging
import os
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import networkx as nx
import numpy as np
import pandas as pd
import plotly.graph_objects as go
import yaml
from plotly.subplots import make_subplots

from sim.report.figures import COLOURS, _quantile_rows, _state_axis, add_band, channel_label
from sim.report.html import Section, render_page

log = logging.getLogger(__name__)

#: Outcomes compared across runs: (metric key, day key or None, title, axis title, percent).
OUTCOMES: tuple[tuple[str, str | None, str, str, bool], ...] = (
    ("p_deescalated_by_day", "7", "Agreed within a week", "probability", True),
    ("p_reach_state_forces_or_worse", None, "Strikes on state forces", "probability", True),
    ("days_to_deescalation_median", None, "Days to agreement", "days (median)", False),
    ("casualties_mean", None, "Deaths", "deaths (mean)", False),
    (
        "p_ambassadors_returned_given_recalled",
        None,
        "Ambassadors back",
        "P(returned | recalled)",
        True,
    ),
)


@dataclass
class Run:
    """One completed run: its name, summary and flattened config."""

    name: str
    path: Path
    summary: dict[str, Any]
    config: dict[str, Any]

    @property
    def title(self) -> str:
        """The scenario's title (as written in its file: escaped on the page)."""
        scen = self.summary.get("scenario", {})
        return str(scen.get("title") or scen.get("name") or self.name)


@dataclass
class Sweep:
    """A sweep root: its table and metadata."""

    path: Path
    table: pd.DataFrame
    meta: dict[str, Any] = field(default_factory=dict)


def _flatten(d: Any, prefix: str = "") -> dict[str, Any]:
    out: dict[str, Any] = {}
    if isinstance(d, dict):
        for k, v in d.items():
            out.update(_flatten(v, f"{prefix}.{k}" if prefix else str(k)))
    elif isinstance(d, list) and d and all(isinstance(x, dict) for x in d):
        for i, v in enumerate(d):
            out.update(_flatten(v, f"{prefix}[{i}]"))
    else:
        out[prefix] = d
    return out


def _complete(path: Path) -> bool:
    try:
        return json.loads((path / "status.json").read_text())["status"] == "complete"
    except (OSError, ValueError, KeyError):
        return False


def load_run(path: Path, name: str | None = None) -> Run | None:
    """A completed run directory, or None (with a warning) if it is incomplete."""
    if not _complete(path):
        log.warning("%s: no complete status.json, skipped", path)
        return None
    summary = json.loads((path / "summary.json").read_text(encoding="utf-8"))
    config = yaml.safe_load((path / "config.yaml").read_text(encoding="utf-8")) or {}
    return Run(name or path.name, path, summary, _flatten(config))


def load_sources(paths: Iterable[str | Path]) -> tuple[list[Run], list[Sweep]]:
    """Runs and sweeps from run directories and sweep roots."""
    runs: list[Run] = []
    sweeps: list[Sweep] = []
    for raw in paths:
        p = Path(raw)
        if (p / "sweep.parquet").is_file():
            table = pd.read_parquet(p / "sweep.parquet")
            meta = json.loads((p / "sweep.json").read_text()) if (p / "sweep.json").exists() else {}
            sweeps.append(Sweep(p, table, meta))
            for _, row in table[table["status"] == "complete"].iterrows():
                run = load_run(p / str(row["run_dir"]), name=f"{p.name}/{row['run_dir']}")
                if run is not None:
                    runs.append(run)
        elif p.is_dir():
            run = load_run(p)
            if run is not None:
                runs.append(run)
        else:
            raise FileNotFoundError(f"{p}: not a run directory or a sweep root")
    return runs, sweeps


def _label(run: Run, runs: Sequence[Run]) -> str:
    titles = [r.title for r in runs]
    return run.title if titles.count(run.title) == 1 else f"{run.title} ({run.name})"


def fan_overlay(runs: Sequence[Run], channel: int) -> go.Figure:
    """Medians and 50% bands of one directed pair for every run, observed episode on top."""
    first = runs[0].summary
    names, pos = _state_axis(first)
    fig = go.Figure()
    for i, run in enumerate(runs):
        s = run.summary
        counts = np.asarray(s["daily_rung_counts"][channel], dtype=float)
        days = np.arange(counts.shape[0])
        colour = COLOURS[i % len(COLOURS)]
        rgb = tuple(int(colour[k : k + 2], 16) for k in (1, 3, 5))
        lo = pos[_quantile_rows(counts, 0.25).astype(int)]
        hi = pos[_quantile_rows(counts, 0.75).astype(int)]
        add_band(fig, days, lo, hi, f"rgba{(*rgb, 0.15)}", f"{_label(run, runs)}: 50% band")
        fig.add_trace(
            go.Scatter(
                x=days,
                y=pos[_quantile_rows(counts, 0.5).astype(int)],
                mode="lines",
                line_shape="hv",
                line={"color": colour, "width": 2.5},
                name=f"{_label(run, runs)}: median",
            )
        )
    ch = first["channels"][channel]
    observed = first.get("observed", {}).get(ch)
    if observed:
        idx = [first["ladder"]["names"].index(r) for r in observed]
        fig.add_trace(
            go.Scatter(
                x=list(range(len(observed))),
                y=pos[idx],
                mode="lines+markers",
                line={"color": "black", "dash": "dot"},
                marker={"size": 10, "symbol": "diamond"},
                name="observed (16-19 Jan 2024)",
            )
        )
    ticks = list(range(len(names)))
    fig.update_layout(
        template="plotly_white",
        height=460,
        title=f"{channel_label(first, ch)}: median rung by day, per scenario",
        xaxis={"title": "day (0 = Tue 16 Jan 2024)"},
        yaxis={
            "title": "rung of the escalation ladder",
            "tickmode": "array",
            "tickvals": ticks,
            "ticktext": names,
            "range": [-0.5, len(ticks) - 0.5],
        },
        margin={"l": 10, "r": 10, "t": 50, "b": 10},
        legend={"font": {"size": 10}},
    )
    return fig


def outcome_comparison(runs: Sequence[Run]) -> go.Figure:
    """The outcome metrics of every run with their 95% intervals."""
    fig = make_subplots(
        rows=1, cols=len(OUTCOMES), subplot_titles=[o[2] for o in OUTCOMES], horizontal_spacing=0.06
    )
    labels = [_label(r, runs) for r in runs]
    for j, (key, day, _, axis, pct) in enumerate(OUTCOMES, start=1):
        est, lo, hi = [], [], []
        for r in runs:
            v = r.summary["metrics"][key]
            v = v[day] if day is not None else v
            est.append(v["estimate"])
            lo.append(v["estimate"] - v["lower"])
            hi.append(v["upper"] - v["estimate"])
        fig.add_trace(
            go.Scatter(
                x=est,
                y=labels,
                mode="markers",
                showlegend=False,
                marker={"size": 10, "color": COLOURS[j % len(COLOURS)]},
                error_x={"type": "data", "symmetric": False, "array": hi, "arrayminus": lo},
            ),
            row=1,
            col=j,
        )
        fig.update_xaxes(title_text=axis, row=1, col=j, tickformat=".0%" if pct else None)
        if j > 1:
            fig.update_yaxes(showticklabels=False, row=1, col=j)
    fig.update_layout(
        template="plotly_white",
        height=140 + 32 * len(runs),
        margin={"l": 10, "r": 10, "t": 60, "b": 10},
    )
    return fig


def _selector(fig: go.Figure, labels: Sequence[str], per_run: int) -> None:
    """Show one run's traces at a time, with a dropdown to switch."""
    n = len(labels)
    for k, tr in enumerate(fig.data):
        tr.visible = k < per_run
    if n > 1:
        buttons = [
            {
                "label": lab,
                "method": "update",
                "args": [{"visible": [k // per_run == i for k in range(n * per_run)]}],
            }
            for i, lab in enumerate(labels)
        ]
        fig.update_layout(updatemenus=[{"buttons": buttons, "x": 0, "y": 1.15, "xanchor": "left"}])


def transitions_sankey(runs: Sequence[Run]) -> go.Figure:
    """Rung-to-rung transitions between consecutive days (states, both directions)."""
    first = runs[0].summary
    names = first["ladder"]["names"]
    none = names.index("none") if "none" in names else -1
    fig = go.Figure()
    for run in runs:
        t = np.asarray(run.summary["transitions"], dtype=float).sum(axis=0)
        if none >= 0:
            t[none, none] = 0  # quiet days dominate and say nothing
        src, dst = np.nonzero(t)
        keep = t[src, dst] >= max(1.0, t.sum() * 0.002)
        src, dst = src[keep], dst[keep]
        fig.add_trace(
            go.Sankey(
                arrangement="snap",
                node={
                    "label": [f"{n} (day d)" for n in names] + [f"{n} (day d+1)" for n in names],
                    "pad": 8,
                    "thickness": 12,
                },
                link={
                    "source": src.tolist(),
                    "target": (dst + len(names)).tolist(),
                    "value": t[src, dst].tolist(),
                },
            )
        )
    _selector(fig, [_label(r, runs) for r in runs], 1)
    fig.update_layout(
        height=520,
        title="From one day's rung to the next (both states, all days)",
        margin={"l": 10, "r": 10, "t": 80, "b": 10},
    )
    return fig


def occupancy_heatmap(runs: Sequence[Run]) -> go.Figure:
    """Share of replicates on each rung each day (both states summed)."""
    first = runs[0].summary
    names, _ = _state_axis(first)
    keep = [first["ladder"]["names"].index(n) for n in names]
    fig = go.Figure()
    for run in runs:
        c = np.asarray(run.summary["daily_rung_counts"], dtype=float).sum(axis=0)  # (days, rungs)
        share = c[:, keep] / c.sum(axis=1, keepdims=True)
        fig.add_trace(
            go.Heatmap(
                z=share.T,
                x=list(range(share.shape[0])),
                y=names,
                colorscale="Blues",
                zmin=0,
                zmax=1,
                colorbar={"title": "share", "tickformat": ".0%"},
            )
        )
    _selector(fig, [_label(r, runs) for r in runs], 1)
    fig.update_layout(
        template="plotly_white",
        height=460,
        title="Where the states are, day by day",
        xaxis={"title": "day (0 = Tue 16 Jan 2024)"},
        yaxis={"title": "rung"},
        margin={"l": 10, "r": 10, "t": 80, "b": 10},
    )
    return fig


def relations_network(run: Run) -> go.Figure:
    """The actor relations graph; border edges weighted by end-of-run hostility."""
    s = run.summary
    g = nx.MultiDiGraph()
    for e in s.get("relations", []):
        g.add_edge(
            e["source"],
            e["target"],
            **{k: v for k, v in e.items() if k not in ("source", "target")},
        )
    if g.number_of_nodes() == 0:
        return go.Figure()
    hostility = dict(
        zip(
            (tuple(d) for d in s.get("dyads", [])),
            s["metrics"].get("mean_end_hostility", []),
            strict=False,
        )
    )
    layout = nx.spring_layout(nx.Graph(g), seed=7)
    labels = s.get("labels", {})
    fig = go.Figure()
    styles = {
        "border": "#d62728",
        "rivalry": "#d62728",
        "hosts": "#7f7f7f",
        "attacks": "#ff7f0e",
        "leverage": "#2ca02c",
    }
    for rtype, colour in styles.items():
        xs: list[float | None] = []
        ys: list[float | None] = []
        for u, v, d in g.edges(data=True):
            if d.get("type") == rtype:
                xs += [layout[u][0], layout[v][0], None]
                ys += [layout[u][1], layout[v][1], None]
        if xs:
            width = 1.5
            if rtype in ("border", "rivalry") and hostility:
                width = 1.5 + 10 * max(hostility.values())
            fig.add_trace(
                go.Scatter(
                    x=xs,
                    y=ys,
                    mode="lines",
                    name=rtype,
                    line={"color": colour, "width": width},
                    hoverinfo="name",
                )
            )
    hover = []
    for n in g.nodes:
        h = [f"{a}-{b}: {v:.2f}" for (a, b), v in hostility.items() if n in (a, b)]
        hover.append(f"{labels.get(n, n)}" + (f"<br>end hostility {', '.join(h)}" if h else ""))
    fig.add_trace(
        go.Scatter(
            x=[layout[n][0] for n in g.nodes],
            y=[layout[n][1] for n in g.nodes],
            mode="markers+text",
            text=[labels.get(n, n) for n in g.nodes],
            textposition="top center",
            hovertext=hover,
            hoverinfo="text",
            marker={"size": 18, "color": "#1f77b4"},
            name="actors",
        )
    )
    fig.update_layout(
        template="plotly_white",
        height=440,
        title=f"Relations ({_short(run)})",
        xaxis={"visible": False},
        yaxis={"visible": False},
        margin={"l": 10, "r": 10, "t": 50, "b": 10},
    )
    return fig


def _short(run: Run) -> str:
    return run.title


def sweep_figures(sweep: Sweep, metric: str = "p_deescalated_by_day_7") -> list[Section]:
    """Outcomes across the swept parameters, and Sobol indices for Sobol designs."""
    t = sweep.table[sweep.table["status"] == "complete"]
    params = [p for p in sweep.meta.get("parameters", []) if p in t.columns]
    if t.empty or not params or metric not in t.columns:
        return []
    out: list[Section] = []
    nice = "P(de-escalated within a week)"
    if len(params) == 2 and not sweep.meta.get("design"):
        a, b = params
        grid = t.pivot_table(index=b, columns=a, values=metric, aggfunc="mean")
        fig = go.Figure(
            go.Heatmap(
                z=grid.to_numpy(),
                x=[str(x) for x in grid.columns],
                y=[str(y) for y in grid.index],
                colorscale="Viridis",
                colorbar={"title": "P", "tickformat": ".0%"},
            )
        )
        fig.update_layout(
            template="plotly_white",
            height=460,
            title=f"{nice} across the sweep",
            xaxis={"title": a},
            yaxis={"title": b},
        )
        out.append(
            Section(
                f"Sweep {sweep.path.name}: two parameters",
                f"Each cell is one sweep point ({nice}).",
                fig,
            )
        )
    else:
        fig = make_subplots(rows=1, cols=len(params), subplot_titles=params, shared_yaxes=True)
        for j, p in enumerate(params, start=1):
            d = t.sort_values(p)
            x = pd.to_numeric(d[p], errors="coerce")
            fig.add_trace(
                go.Scatter(
                    x=x,
                    y=d[metric],
                    mode="markers+lines" if len(params) == 1 else "markers",
                    error_y={
                        "type": "data",
                        "symmetric": False,
                        "array": d[f"{metric}_upper"] - d[metric],
                        "arrayminus": d[metric] - d[f"{metric}_lower"],
                    },
                    showlegend=False,
                    marker={"color": COLOURS[0]},
                ),
                row=1,
                col=j,
            )
        fig.update_yaxes(title_text=nice, tickformat=".0%", row=1, col=1)
        fig.update_layout(
            template="plotly_white",
            height=400,
            title=f"{nice} across the sweep",
            margin={"l": 10, "r": 10, "t": 70, "b": 10},
        )
        out.append(
            Section(
                f"Sweep {sweep.path.name}: outcome by parameter",
                "One point per sweep job, with its 95% interval.",
                fig,
            )
        )
    problem = sweep.meta.get("problem")
    if sweep.meta.get("design") and problem and len(t) == len(sweep.table):
        indices = _sobol_indices(problem, t, metric)
        if indices is not None:
            s1, st = indices
            fig = go.Figure(
                [
                    go.Bar(name="first order S1", x=problem["names"], y=s1),
                    go.Bar(name="total ST", x=problem["names"], y=st),
                ]
            )
            fig.update_layout(
                template="plotly_white",
                height=400,
                barmode="group",
                title=f"Sobol sensitivity of {nice}",
                yaxis={"title": "index"},
            )
            out.append(
                Section(
                    "Sensitivity (Sobol indices)",
                    "How much of the variance of the outcome each parameter explains "
                    "alone (S1) and with its interactions (ST), by SALib.",
                    fig,
                )
            )
    return out


def _sobol_indices(
    problem: dict[str, Any], t: pd.DataFrame, metric: str
) -> tuple[list[float], list[float]] | None:
    from SALib.analyze import sobol

    y = t.sort_values("job")[metric].to_numpy()
    d = problem["num_vars"]
    if y.size % (d + 2) != 0:
        return None  # not a Saltelli sample (e.g. an LHS design)
    res = sobol.analyze(problem, y, calc_second_order=False, seed=1)
    return [float(v) for v in res["S1"]], [float(v) for v in res["ST"]]


def config_diff(runs: Sequence[Run]) -> dict[str, Any]:
    """A table of exactly the config values that differ between the runs."""
    keys = sorted(set().union(*(r.config for r in runs)))
    rows = []
    for k in keys:
        if k.startswith(("scenario.", "hydra.")):
            continue
        vals = [r.config.get(k, "—") for r in runs]
        if len({json.dumps(v, sort_keys=True, default=str) for v in vals}) > 1:
            rows.append([k, *[str(v) for v in vals]])
    return {
        "title": "What differs between the compared configs",
        "header": ["config key", *[_label(r, runs) for r in runs]],
        "rows": rows,
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
        f"{len(runs)} runs compared; the reference is {_label(base, runs)}, where the chance "
        f"that both states have agreed to de-escalate within a week is "
        f"{_pct(b['p_deescalated_by_day']['7'])} and a strike on state forces or worse happens "
        f"in {_pct(b['p_reach_state_forces_or_worse'])} of episodes."
    ]
    for r in runs:
        if r is base:
            continue
        m = r.summary["metrics"]
        out.append(
            f"In {_label(r, runs)} the chance of de-escalating within a week is "
            f"{_pct(m['p_deescalated_by_day']['7'])}, against "
            f"{b['p_deescalated_by_day']['7']['estimate']:.0%} in the reference; strikes on "
            f"state forces or worse: {_pct(m['p_reach_state_forces_or_worse'])}; mean "
            f"deaths {m['casualties_mean']['estimate']:.1f} "
            f"(reference {b['casualties_mean']['estimate']:.1f})."
        )
    return out


def comparison_sections(runs: Sequence[Run], sweeps: Sequence[Sweep]) -> list[Section]:
    """Every figure of the comparison page, with headings and captions."""
    sections = [
        Section(
            "Outcomes compared",
            "Each dot is a scenario's estimate over its replicates, with a 95% "
            "interval (Wilson for probabilities, normal for means, order statistics "
            "for medians).",
            outcome_comparison(runs),
        )
    ]
    for c in range(len(runs[0].summary["channels"])):
        ch = runs[0].summary["channels"][c]
        sections.append(
            Section(
                f"Escalation paths: {channel_label(runs[0].summary, ch)}",
                "Median rung per day for each scenario, with the band holding the "
                "middle 50% of replicates; the dotted black line is what happened "
                "on 16-19 January 2024.",
                fan_overlay(runs, c),
            )
        )
    sections.append(
        Section(
            "Rung-to-rung transitions",
            "How episodes move from one day's rung to the next (choose the scenario "
            "in the menu); quiet days (none to none) are left out.",
            transitions_sankey(runs),
        )
    )
    sections.append(
        Section(
            "Day by rung",
            "The share of state-days on each rung, day by day (choose the scenario in the menu).",
            occupancy_heatmap(runs),
        )
    )
    sections.append(
        Section(
            "Relations network",
            "Who borders, hosts, attacks and holds leverage "
            "over whom; the border's thickness grows with the hostility left at the "
            "end of the run (hover for values).",
            relations_network(runs[0]),
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


def comparison_page(paths: Iterable[str | Path]) -> str:
    """The comparison page as HTML text."""
    runs, sweeps = load_sources(paths)
    if not runs:
        raise ValueError("no complete runs to compare")
    tables = [config_diff(runs)]
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
    return render_page(
        "Escalation scenarios compared",
        summary_sentences(runs),
        comparison_sections(runs, sweeps),
        tables,
    )


def write_comparison(paths: Iterable[str | Path], out_html: str | Path) -> Path:
    """Write the comparison page (atomically) and return its path."""
    out = Path(out_html)
    html = comparison_page(paths)
    out.parent.mkdir(parents=True, exist_ok=True)
    tmp = out.with_name(f".{out.name}.tmp-{os.getpid()}")
    tmp.write_text(html, encoding="utf-8")
    os.replace(tmp, out)
    return out

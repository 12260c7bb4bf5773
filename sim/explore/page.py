"""The explore page: Solara components in Mesa's visualisation idiom.

Controls are Mesa's user-parameter dictionaries rendered by Mesa's own ``UserInputs``
component (the one ``SolaraViz`` uses); views are Solara components around Plotly figures.
Every move of a control sets a new :class:`~sim.explore.controls.PageState`, which starts
a redraw task: the task waits :data:`DEBOUNCE` seconds first, and a newer move cancels the
one in flight (Solara's task cancels the previous call; the simulation checks between
chunks), so a quick series of moves simulates for the last of them, not once per move.
"""

from __future__ import annotations

import subprocess
import sys
import time
import warnings
from dataclasses import replace
from typing import Any

import solara
import solara.lab

from sim.errors import ConfigError
from sim.explore import START, compute
from sim.explore.controls import (
    PageState,
    command,
    overrides,
    posteriors,
)
from sim.report.html import PLOTLY_CONFIG
from sim.runner import run_digest
from sim.store import group_options
from sim.timeline import library

with warnings.catch_warnings():  # Mesa's module trips one of Solara's hook lint warnings
    warnings.simplefilter("ignore")
    from mesa.visualization.solara_viz import UserInputs

#: Seconds a redraw waits for the next move before it simulates.
DEBOUNCE = 0.15
#: Finished baseline summaries, by the digest of their composed config (an edited config or
#: episode file gives a new digest, so the column is never stale).
_BASELINES: dict[str, dict[str, Any]] = {}
state = solara.reactive(START.get("state") or PageState(episode="iran_pakistan_2024"))
written = solara.reactive("")


def _baseline(st: PageState, cancelled: Any) -> dict[str, Any]:
    settings = compute.validate(overrides(st.baseline()))
    key = run_digest(settings.raw)
    if key not in _BASELINES:
        if len(_BASELINES) > 32:
            _BASELINES.clear()
        _BASELINES[key] = compute.run_summary(settings, cancelled)
    return _BASELINES[key]


@solara.lab.task(prefer_threaded=True)
def redraw(st: PageState) -> dict[str, Any]:
    """Debounce, validate, simulate; a result dict with ``view`` or one ``error`` line."""
    time.sleep(DEBOUNCE)
    if not redraw.is_current():
        return {"cancelled": True}

    def cancelled() -> bool:
        return not redraw.is_current()

    try:
        ov = overrides(st)
        # With nothing moved the run is its own baseline: one simulation, not two.
        base = None if not st.changed else _baseline(st, cancelled)
        view = compute.redraw(ov, base, cancelled=cancelled)
        if base is None:
            view.outcomes = compute.outcome_table(view.summary, view.summary)
    except ConfigError as exc:
        return {"error": str(exc).splitlines()[0]}
    except compute.Cancelled:
        return {"cancelled": True}
    except Exception as exc:  # anything else: one line on the page, never stale numbers
        return {"error": f"{type(exc).__name__}: {str(exc).splitlines()[0] if str(exc) else ''}"}
    roster = (st.episode, st.scenario, st.posterior)
    return {"view": view, "controls": view.controls, "drawn": view.drawn, "roster": roster}


def _set(key: str, value: Any) -> None:
    written.set("")
    state.set(state.value.with_value(key, value))


def _field(name: str) -> Any:
    def setter(value: Any) -> None:
        written.set("")
        st = replace(state.value, **{name: value})
        if name in ("episode", "scenario", "posterior"):
            # Another roster, or a posterior that draws some of the moved values: start from
            # this choice's own values.
            st = st.baseline()
        state.set(st)

    return setter


@solara.lab.task(prefer_threaded=True)
def write_run(ov: list[str]) -> None:
    """Run the shown command as a child process: the normal run folder and report."""
    try:
        done = subprocess.run(
            [sys.executable, "-m", "sim.cli", "run", *ov],  # the shown command, no shell
            capture_output=True,
            text=True,
            check=False,
            timeout=600,
        )
    except subprocess.TimeoutExpired:
        written.set("error: the run took over 600 s and was stopped")
        return
    out = (done.stdout + done.stderr).strip().splitlines()
    lines = [line for line in out if line.startswith(("Run directory", "Report", "error"))]
    written.set("\n".join(lines) or (out[-1] if out else f"exit status {done.returncode}"))


@solara.component
def Controls(groups: dict[str, dict[str, dict[str, Any]]], drawn: frozenset[str]) -> None:
    """The left column: what to simulate, then each actor's and the mechanisms' controls."""
    st = state.value
    solara.Select("episode", value=st.episode, values=library(), on_value=_field("episode"))
    solara.Select(
        "scenario", value=st.scenario, values=group_options("scenario"), on_value=_field("scenario")
    )
    solara.Select(
        "posterior", value=st.posterior, values=posteriors(), on_value=_field("posterior")
    )
    solara.InputText(
        "replicates", value=st.replicates, on_value=_field("replicates"), continuous_update=False
    )
    solara.InputText("seed", value=st.seed, on_value=_field("seed"), continuous_update=False)
    for title, specs in groups.items():
        # Labels come from config files: plain text, never Markdown (which passes HTML on).
        solara.Text(title, style={"font-weight": "bold"})
        # The state's value, not the last redraw's: a control moved twice before the redraw
        # came back must not jump back to the value the redraw started from.
        current = {k: _current(v, st.changed.get(k, v["value"])) for k, v in specs.items()}
        UserInputs(current, on_change=_set)
        prefix = next(iter(specs), "").rsplit(".", 1)[0].removesuffix(".policy") + "."
        mine = sorted(k.rsplit(".", 1)[1] for k in drawn if k.startswith(prefix))
        if mine:
            solara.Text(f"drawn from the posterior: {', '.join(mine)}", classes=["drawn"])


def _current(spec: dict[str, Any], value: Any) -> dict[str, Any]:
    """A control's spec at the state's value; a slider's label shows the value."""
    out = {**spec, "value": value}
    if spec["type"] in ("SliderFloat", "SliderInt"):
        out["label"] = f"{spec['label']} {value:g}"
    return out


#: Where the page's frames load plotly.js from: the plotly package's own copy, which
#: ``sim.explore.server`` adds to Solara's static assets (nothing is fetched from a CDN).
PLOTLY_JS = "/static/assets/plotly.min.js"


@solara.component
def Figure(fig: Any) -> None:
    """A Plotly figure as a page of its own in a frame, drawn once by plotly.js.

    Solara's ``FigurePlotly`` syncs a widget trace by trace, and the browser took about 4 s
    to apply a redraw of two fan charts that way; a frame replaced whole takes a fraction.
    The figure's JSON is Plotly's own (its HTML writer escapes ``<`` in what it embeds), and
    the frame is sandboxed.
    """
    html = fig.to_html(full_html=True, include_plotlyjs=PLOTLY_JS, config=PLOTLY_CONFIG)
    height = int(fig.layout.height or 450) + 16
    solara.HTML(
        tag="iframe",
        # Scripts run, but in an origin of their own: nothing in the frame reaches the page.
        attributes={
            "srcdoc": html,
            "sandbox": "allow-scripts",
            "title": str(fig.layout.title.text or "figure"),
        },
        style=f"width: 100%; height: {height}px; border: 0",
    )


@solara.component
def Views(result: dict[str, Any]) -> None:
    """The outcome table beside the baseline's, a fan chart per pair, one replicate's acts."""
    view: compute.View = result["view"]
    with solara.Card("Outcomes (95% intervals), beside the baseline"):
        solara.HTML(
            tag="div",
            unsafe_innerHTML=view.outcomes.to_html(index=False, escape=True, table_id="outcomes"),
        )
        solara.Text(f"redrawn in {view.seconds:.2f} s", classes=["redraw-time"])
    for title, fig in view.fans:
        with solara.Card(title):
            Figure(fig)
    with solara.Card("One sampled replicate (replicate 0): its acts"):
        solara.HTML(
            tag="div",
            unsafe_innerHTML=view.events.head(60).to_html(
                index=False, escape=True, table_id="events"
            ),
        )


@solara.component
def Page() -> None:
    """The page: a redraw starts whenever the state changes."""
    st = state.value

    def start() -> None:
        redraw(st)

    solara.use_effect(start, [st])
    last: Any = solara.use_ref(({}, frozenset(), None))
    shown: Any = solara.use_ref({})
    solara.Title("escalation explore")
    result = redraw.value if redraw.finished else None
    if result and "controls" in result:
        last.current = (result["controls"], result["drawn"], result["roster"])
    if result and "cancelled" not in result:
        # While the next redraw runs, the last one stays on the page (no flicker).
        shown.current = result
    with solara.Columns([1, 3]):
        with solara.Column():
            groups, drawn, roster = last.current
            # Another episode's controls would add that roster's keys: none until it is drawn.
            same = roster == (st.episode, st.scenario, st.posterior)
            Controls(groups if same else {}, drawn)
        with solara.Column():
            Main(st, shown.current)


@solara.component
def Main(st: PageState, result: dict[str, Any]) -> None:
    """The right column: the command, its run button, the last redraw or its one-line error."""
    solara.Markdown("## What if: the whole ensemble, redrawn on every move")
    try:
        ov = overrides(st)
    except ConfigError as exc:
        solara.Error(str(exc).splitlines()[0], classes=["input-error"])
        return
    wrap = "white-space: pre-wrap; word-break: break-all; font-size: 14px; margin: 8px 0"
    solara.Preformatted(command(ov), class_="command", style_=wrap)
    solara.Button(
        "Write the run folder and report",
        on_click=lambda: write_run(ov),
        disabled=write_run.pending,
    )
    if write_run.pending:
        solara.Text("running...")
    if written.value:
        solara.Preformatted(written.value, style_=wrap)
    if redraw.pending:
        solara.ProgressLinear(True)
        solara.Text("redrawing...", classes=["redraw-pending"])
    if "error" in result:
        solara.Error(result["error"], classes=["input-error"])
    elif "view" in result:
        Views(result)

"""The explore page: Solara components in Mesa's visualisation idiom.

Controls are Mesa's user-parameter dictionaries rendered by Mesa's own ``UserInputs``
component (the one ``SolaraViz`` uses); views are Solara components around Plotly figures.
Every move of a control sets a new :class:`~sim.explore.controls.PageState`, which starts
a redraw task: the task waits :data:`DEBOUNCE` seconds first, and a newer move cancels the
one in flight (Solara's task cancels the previous call; the simulation checks between
chunks), so dragging a slider runs one simulation, not one per pixel.
"""

from __future__ import annotations

import functools
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
from sim.store import group_options
from sim.timeline import library

with warnings.catch_warnings():  # Mesa's module trips one of Solara's hook lint warnings
    warnings.simplefilter("ignore")
    from mesa.visualization.solara_viz import UserInputs

#: Seconds a redraw waits for the next move before it simulates.
DEBOUNCE = 0.15
state = solara.reactive(START.get("state") or PageState(episode="iran_pakistan_2024"))
written = solara.reactive("")


@functools.lru_cache(maxsize=32)
def _baseline(ov: tuple[str, ...]) -> dict[str, Any]:
    return compute.run_summary(compute.validate(ov))


@solara.lab.task(prefer_threaded=True)
def redraw(st: PageState) -> dict[str, Any]:
    """Debounce, validate, simulate; a result dict with ``view`` or one ``error`` line."""
    time.sleep(DEBOUNCE)
    if not redraw.is_current():
        return {"cancelled": True}
    try:
        ov = overrides(st)
        base = _baseline(tuple(overrides(st.baseline())))
        view = compute.redraw(ov, base, cancelled=lambda: not redraw.is_current())
    except ConfigError as exc:
        return {"error": str(exc).splitlines()[0]}
    except compute.Cancelled:
        return {"cancelled": True}
    return {"view": view, "controls": view.controls, "drawn": view.drawn}


def _set(key: str, value: Any) -> None:
    written.set("")
    state.set(state.value.with_value(key, value))


def _field(name: str) -> Any:
    def setter(value: Any) -> None:
        written.set("")
        st = replace(state.value, **{name: value})
        if name in ("episode", "scenario"):  # another roster: the moved values may not apply
            st = st.baseline()
        state.set(st)

    return setter


def _write_run(ov: list[str]) -> None:
    """Run the shown command as a child process: the normal run folder and report."""
    done = subprocess.run(
        [sys.executable, "-m", "sim.cli", "run", *ov],  # the shown command, no shell
        capture_output=True,
        text=True,
        check=False,
        timeout=600,
    )
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
        solara.Markdown(f"**{title}**")
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
    last: Any = solara.use_ref(({}, frozenset()))
    shown: Any = solara.use_ref({})
    solara.Title("escalation explore")
    result = redraw.value if redraw.finished else None
    if result and "controls" in result:
        last.current = (result["controls"], result["drawn"])
    if result and "cancelled" not in result:
        # While the next redraw runs, the last one stays on the page (no flicker).
        shown.current = result
    with solara.Columns([1, 3]):
        with solara.Column():
            Controls(*last.current)
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
    solara.Markdown(f"```\n{command(ov)}\n```")
    solara.Button("Write the run folder and report", on_click=lambda: _write_run(ov))
    if written.value:
        solara.Markdown(f"```\n{written.value}\n```")
    if redraw.pending:
        solara.ProgressLinear(True)
        solara.Text("redrawing...", classes=["redraw-pending"])
    if "error" in result:
        solara.Error(result["error"], classes=["input-error"])
    elif "view" in result:
        Views(result)

"""What one redraw of the explore page computes, with no user interface.

A redraw validates the page's overrides by the command line's own path
(:func:`sim.preflight.prepare`, so a value ``escalation run`` refuses is refused here with
the same one line), simulates every replicate in memory (:func:`sim.runner.simulate`, the
function ``escalation run`` calls, so the numbers are the command line's for the same
overrides and seed), and builds the views: a fan chart per directed pair of states with the
observed path where the episode has one, the outcome table beside the baseline's, and one
sampled replicate's event log. A redraw that a newer one replaces stops at its next chunk
(:class:`Cancelled`).
"""

from __future__ import annotations

import threading
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from typing import Any

import numpy as np
import pandas as pd
import plotly.graph_objects as go

from sim.errors import ConfigError
from sim.explore.controls import controls
from sim.model import EscalationModel
from sim.posterior import cast_drawn
from sim.preflight import prepare
from sim.report import figures
from sim.runner import ChunkResult, simulate
from sim.settings import Settings
from sim.sweep.launch import prepare as expand_keys

#: The outcomes of the page's table: metric key (and day), and how the table names it.
OUTCOMES: tuple[tuple[str, str | None, str], ...] = (
    ("p_deescalated_by_day", "3", "de-escalated by day 3"),
    ("p_deescalated_by_day", "7", "de-escalated by day 7"),
    ("p_deescalated_by_day", "14", "de-escalated by day 14"),
    ("p_deescalated_by_day", "30", "de-escalated by day 30"),
    ("p_never_deescalated", None, "never de-escalated"),
    ("p_reach_state_forces_or_worse", None, "a strike on state forces or worse"),
    ("p_ambassador_recalled", None, "an ambassador recalled"),
    ("p_mediation_offered", None, "mediation offered"),
    ("p_relapse_after_agreement", None, "force after an agreement"),
)

# Hydra's composition keeps global state: one composition at a time, whatever the threads.
_COMPOSE = threading.Lock()


class Cancelled(Exception):
    """A newer redraw replaced this one."""


@dataclass
class View:
    """Everything one redraw shows.

    Attributes:
        overrides: The overrides simulated (those of ``escalation run``).
        summary: The run's summary (as ``summary.json``).
        outcomes: One row per outcome: estimate and 95% interval, and the baseline's.
        fans: (title, figure) per directed pair of states.
        events: One sampled replicate's actions (replicate 0).
        controls: The page's controls for this config (:func:`sim.explore.controls.controls`),
            less those a posterior draws.
        drawn: Override keys whose values the posterior draws per replicate (a control for
            them would change nothing).
        seconds: Wall time of the redraw.
    """

    overrides: list[str]
    summary: dict[str, Any]
    outcomes: pd.DataFrame
    fans: list[tuple[str, go.Figure]] = field(default_factory=list)
    events: pd.DataFrame = field(default_factory=pd.DataFrame)
    controls: dict[str, dict[str, dict[str, Any]]] = field(default_factory=dict)
    drawn: frozenset[str] = frozenset()
    seconds: float = 0.0


def validate(overrides: Sequence[str]) -> Settings:
    """Settings of these overrides, checked exactly as ``escalation run`` checks them.

    Raises:
        ConfigError: Naming the first invalid field (nothing runs).
    """
    return _plan(overrides)[1]


def _plan(overrides: Sequence[str]) -> tuple[Any, Settings]:
    with _COMPOSE:
        plan = prepare(list(overrides), rewrite=expand_keys)
    if plan.settings is None or plan.cfg is None or plan.multirun:
        raise ConfigError("explore: one run at a time (no sweeps, no flags)")
    return plan.cfg, plan.settings


def drawn_keys(settings: Settings) -> frozenset[str]:
    """The actor keys a posterior sets in every replicate, role keys cast to actors."""
    return frozenset(
        k for k in cast_drawn(settings.drawn, settings.episode.roles) if k.startswith("actors.")
    )


def run_summary(
    settings: Settings, cancelled: Callable[[], bool] = lambda: False
) -> dict[str, Any]:
    """Simulate in memory; stop with :class:`Cancelled` once ``cancelled()`` is true."""

    def check(_: ChunkResult) -> None:
        if cancelled():
            raise Cancelled

    if cancelled():
        raise Cancelled
    return simulate(settings, None, progress=False, on_chunk=check).summary


def outcome_table(summary: dict[str, Any], baseline: dict[str, Any] | None) -> pd.DataFrame:
    """The outcome probabilities with their 95% intervals, beside the baseline's."""
    rows = []
    for key, day, label in OUTCOMES:
        row: dict[str, Any] = {"outcome": label}
        for name, s in (("this", summary), ("baseline", baseline)):
            if s is None:
                continue
            v = s["metrics"].get(key)
            v = v.get(day) if (day is not None and v is not None) else v
            if v is None:
                continue
            row[f"{name}"] = f"{v['estimate']:.1%}"
            row[f"{name} 95% interval"] = f"{v['lower']:.1%} to {v['upper']:.1%}"
        if "this" in row:  # an outcome past the horizon has no value
            rows.append(row)
    return pd.DataFrame(rows)


def replicate_events(settings: Settings, replicate: int = 0) -> pd.DataFrame:
    """One replicate's actions, re-simulated alone (its draws depend on its index only)."""
    model = EscalationModel(settings, replicates=np.array([replicate], dtype=np.int64)).run()
    df = model.paths()
    df = df[df["act"]]
    return df[["day", "actor", "target", "action", "goldstein", "casualties"]].reset_index(
        drop=True
    )


def redraw(
    overrides: Sequence[str],
    baseline: dict[str, Any] | None = None,
    cancelled: Callable[[], bool] = lambda: False,
) -> View:
    """One redraw of the page.

    Args:
        overrides: The page state's overrides (:func:`sim.explore.controls.overrides`).
        baseline: The baseline's summary, for the table's second column.
        cancelled: True once a newer redraw replaced this one.

    Raises:
        ConfigError: On a value ``escalation run`` would refuse.
        Cancelled: When replaced.
    """
    start = time.perf_counter()
    cfg, settings = _plan(overrides)
    summary = run_summary(settings, cancelled)
    if cancelled():  # the figures and the replicate's events are not worth drawing either
        raise Cancelled
    drawn = drawn_keys(settings)
    groups = {
        title: {k: v for k, v in specs.items() if k not in drawn}
        for title, specs in controls(cfg, settings.ladder).items()
    }
    fans = [
        (figures.channel_label(summary, ch), figures.fan_chart(summary, i, "rung"))
        for i, ch in enumerate(summary["channels"])
    ]
    return View(
        overrides=list(overrides),
        summary=summary,
        outcomes=outcome_table(summary, baseline),
        fans=fans,
        events=replicate_events(settings),
        controls=groups,
        drawn=drawn,
        seconds=time.perf_counter() - start,
    )

"""The Python API for notebooks and research code.

Example:
    >>> from sim import api
    >>> result = api.run_scenario("baseline", ["simulation.replicates=1000"], progress=False)
    >>> result.summary["metrics"]["p_deescalated_by_day"]["7"]["estimate"]  # doctest: +SKIP
    >>> model = api.build_model("baseline", replicates=1)  # a plain Mesa model
    >>> model.step()                       # day 0: Iran's strike
    >>> model.paths()                      # doctest: +SKIP
"""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
import plotly.graph_objects as go

from sim.config import compose_config
from sim.eventlog import event_table, read_events
from sim.metrics import replicate_outcomes
from sim.model import EscalationModel
from sim.report import figures, write_run_report
from sim.runner import RunResult, mark_complete, simulate
from sim.settings import Settings


def load_settings(scenario: str = "baseline", overrides: Sequence[str] = ()) -> Settings:
    """Compose a scenario's config with Hydra overrides and validate it.

    Args:
        scenario: Name of a scenario in ``scenarios/``.
        overrides: Hydra overrides, e.g. ``["actors.pakistan.policy.name=graduated"]``.

    Raises:
        ConfigError: If the scenario or an override is invalid.
    """
    return Settings.from_config(compose_config(scenario, list(overrides)))


def build_model(
    scenario: str = "baseline",
    overrides: Sequence[str] = (),
    replicates: int | Sequence[int] | None = None,
) -> EscalationModel:
    """A model at day 0, ready to ``step()`` or ``run()``.

    Args:
        scenario: Scenario name.
        overrides: Hydra overrides.
        replicates: How many replicates (an int) or which global indices (a sequence);
            default: the config's ``simulation.replicates``.
    """
    settings = load_settings(scenario, overrides)
    if replicates is None:
        return EscalationModel(settings)
    if isinstance(replicates, int):
        return EscalationModel(settings, replicates=np.arange(replicates))
    return EscalationModel(settings, replicates=np.asarray(replicates))


def run_scenario(
    scenario: str = "baseline",
    overrides: Sequence[str] = (),
    out_dir: str | Path | None = None,
    progress: bool = True,
) -> RunResult:
    """Simulate a scenario (chunked, bounded memory) and optionally write its run directory.

    Args:
        scenario: Scenario name.
        overrides: Hydra overrides.
        out_dir: Where to write a complete run, as ``escalation run`` does: the event log,
            outcomes, summary, report and the completion marker, so that ``escalation
            report`` and ``replay`` accept it (None: nothing written).
        progress: Show a progress bar.
    """
    result = simulate(load_settings(scenario, overrides), out_dir, progress=progress)
    if result.run_dir is not None:
        write_run_report(result.run_dir, result.summary)
        mark_complete(result.run_dir, result.settings.raw, seconds=result.seconds)
    return result


def outcomes(source: str | Path | EscalationModel) -> pd.DataFrame:
    """One row of outcomes per replicate, from a run directory or a finished model.

    Columns: replicate, peak rung and level, de-escalation day (-1: never), casualties,
    ambassador recalled, relations restored, relapse and days with force
    (``docs/model.md``, outcome metrics).
    """
    if isinstance(source, EscalationModel):
        return replicate_outcomes(source)
    return pd.read_parquet(Path(source) / "outcomes")


def events(source: str | Path | EscalationModel) -> pd.DataFrame:
    """The event log as a DataFrame, from a run directory or a model in memory."""
    if isinstance(source, EscalationModel):
        return event_table(source).to_pandas()
    return read_events(source)


def run_figures(summary: dict[str, Any]) -> dict[str, go.Figure]:
    """The single-run report's figures as Plotly objects, by name."""
    out: dict[str, go.Figure] = {}
    for i, ch in enumerate(summary["channels"]):
        out[f"fan:{ch}"] = figures.fan_chart(summary, i, "rung")
        out[f"goldstein:{ch}"] = figures.fan_chart(summary, i, "goldstein")
        out[f"samples:{ch}"] = figures.sample_paths(summary, i)
    out["reach"] = figures.reach_chart(summary)
    out["deescalation"] = figures.deescalation_chart(summary)
    return out

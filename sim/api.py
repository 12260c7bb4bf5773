"""The Python API for notebooks and research code.

Example:
    >>> from sim import api
    >>> result = api.run_scenario("baseline", ["simulation.replicates=1000"], progress=False)
    >>> result.summary["metrics"]["p_deescalated_by_day"]["7"]["estimate"]  # doctest: +SKIP
    >>> model = api.build_model("baseline", replicates=1)  # a plain Mesa model
    >>> model.step()                       # day 0: Iran's strike
    >>> model.paths()                      # doctest: +SKIP
    >>> table = api.sweep(["actors.iran.policy.generosity=0.1,0.9", "replicates=1000"])
    >>> table = api.run_design("lhs_policies", ["design.n=20", "replicates=1000"])

Sweeps and designs go through the same code as ``escalation run -m`` (``sim.sweep.launch``):
the same checks before any job runs, the same Hydra launcher and job folders, the same
``sweep.parquet``, returned as a DataFrame. The model also takes keyword parameters
(``EscalationModel(scenario=..., replicates=..., seed=...)``), so Mesa's ``batch_run`` and
visualisation drive it directly.
"""

from __future__ import annotations

import os
import time
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
from sim.safeparquet import read_parquet, read_parquet_parts
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
    (``docs/model.md``, outcome metrics); with ``posterior=``, each parameter drawn for the
    replicate, named by its key.
    """
    if isinstance(source, EscalationModel):
        return replicate_outcomes(source)
    return read_parquet_parts(Path(source) / "outcomes", root=source)  # bounded: sim/safeparquet.py


def events(source: str | Path | EscalationModel) -> pd.DataFrame:
    """The event log as a DataFrame, from a run directory or a model in memory."""
    if isinstance(source, EscalationModel):
        return event_table(source).to_pandas()
    return read_events(source)


def sweep(
    overrides: Sequence[str],
    sweep_dir: str | Path | None = None,
    n_jobs: int = 1,
) -> pd.DataFrame:
    """Run a sweep as ``escalation run -m OVERRIDES`` does and return its table.

    Args:
        overrides: Overrides with comma-separated values to sweep (``range()``, ``choice()``
            and ``design=NAME`` work as on the command line); short keys (``replicates=``)
            too.
        sweep_dir: The sweep's root folder (default: ``multirun/<time>`` in the current
            folder).
        n_jobs: Worker processes of the launcher (results do not depend on it).

    Returns:
        ``sweep.parquet`` as a DataFrame: one row per job, its status, the swept values
        and the outcome metrics (``docs/sweeps.md``).

    Raises:
        ConfigError: Before any job runs, on a bad override or a parameter that some job's
            policy, actor kind or mechanism does not take.
    """
    from sim.sweep import launch

    given = launch.prepare(list(overrides))
    if any(o.startswith("design=") for o in given):
        given = launch.expand_design(given)
    launch.check_sweep(given)
    root = Path(sweep_dir or Path("multirun") / time.strftime("%Y-%m-%d_%H-%M-%S")).resolve()
    if sweep_dir is None and root.exists():
        root = root.with_name(f"{root.name}_{os.getpid()}_{time.monotonic_ns()}")
    extra = [f"hydra.launcher.n_jobs={int(n_jobs)}", f"hydra.sweep.dir={root}"]
    launch.hydra_main(["-m"], [*given, *extra])
    table = root / "sweep.parquet"
    if not table.is_file():
        raise RuntimeError(f"{root}: the sweep wrote no sweep.parquet (see the messages above)")
    return read_parquet(table, root=root)


def run_design(
    design: str,
    overrides: Sequence[str] = (),
    sweep_dir: str | Path | None = None,
    n_jobs: int = 1,
) -> pd.DataFrame:
    """Run an experimental design (``configs/design/NAME.yaml``), one job per point.

    Args:
        design: The design's name (``lhs_policies``, ``sobol_policies``).
        overrides: More overrides (``design.n=20``, ``replicates=1000``, ...).
        sweep_dir: The sweep's root folder.
        n_jobs: Worker processes of the launcher.

    Returns:
        The sweep table, with the design's parameter values of each point as columns.
    """
    return sweep([f"design={design}", *overrides], sweep_dir, n_jobs)


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

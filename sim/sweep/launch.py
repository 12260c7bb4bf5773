"""Runs and sweeps through Hydra: the one path the command line and the Python API share.

``escalation run ...`` (:mod:`sim.commands`) and :func:`sim.api.sweep` both

1. :func:`prepare` the overrides: short keys expanded, policy parameters opened
   (``sim.overrides``), conflicting overrides refused;
2. check them before anything is written: a single run is validated as it will run
   (:func:`check_run`); a sweep has one job validated per group of jobs that take the same
   parameters (:func:`check_sweep`), so that a parameter no job's policy, actor kind or
   mechanism takes stops the sweep before any job runs, while a bad value fails only its
   own job;
3. hand them to Hydra (:func:`hydra_main`), whose launcher runs :func:`sim.app.run` per job
   and whose callback aggregates a sweep into ``sweep.parquet``.
"""

from __future__ import annotations

import sys
from collections.abc import Sequence
from typing import Any

from hydra._internal.core_plugins.basic_sweeper import BasicSweeper
from hydra.core.global_hydra import GlobalHydra
from hydra.core.override_parser.types import Glob

from sim.composed import MAX_JOBS, PlacementError, parse_overrides, sweep_size
from sim.config import (
    compose_config,
    config_groups,
    group_options,
    opened_keys,
    register_configs,
)
from sim.episode import check_role_overrides
from sim.errors import ConfigError, UnknownParameter
from sim.overrides import check_conflicts, expand_short, open_policy_keys
from sim.settings import Settings

#: Config groups and keys whose value decides which parameters a job takes.
STRUCTURAL = ("scenario", "episode", "design", "posterior")
#: Jobs of a group tried at most when earlier ones fail on a value (not on a parameter).
MAX_TRIES = 20


def prepare(given: Sequence[str]) -> list[str]:
    """The user's overrides as Hydra gets them.

    Raises:
        ConfigError: On a key given twice with different values.
    """
    overrides = open_policy_keys(expand_short(list(given)))
    check_conflicts(overrides)
    opened = opened_keys(overrides)
    # (Code-naming keys are not matched here: configs are validated against the schema,
    # and files are checked by structure; docs/security.md.)
    return [f"++{o}" if o.split("=", 1)[0] in opened else o for o in overrides]


def _scenario_split(overrides: Sequence[str]) -> tuple[str, list[str]]:
    scen = [o.split("=", 1)[1] for o in overrides if o.startswith("scenario=")]
    rest = [o for o in overrides if not o.startswith("scenario=")]
    return (scen[-1] if scen else "baseline"), rest


def check_run(overrides: Sequence[str]) -> Settings:
    """Validate one run's overrides as the run will (nothing is written).

    Raises:
        ConfigError: Naming the first invalid field.
    """
    from sim.app import validate

    scenario, rest = _scenario_split([o for o in overrides if not _is_hydra(o)])
    cfg = compose_config(scenario, rest)
    try:
        check_role_overrides(rest, cfg)
    except ConfigError as exc:  # a role value would overwrite it: it would change nothing
        raise UnknownParameter(str(exc)) from None
    return validate(cfg)


def _is_hydra(line: str) -> bool:
    return line.lstrip("+~").startswith(("hydra.", "hydra/"))


def _structural(line: str) -> bool:
    key = line.split("=", 1)[0].lstrip("+~")
    # Every config group's choice counts: each option is a file, and each file's effect on
    # the composed config (Hydra's node included) is checked by composing a job with it.
    return (
        key in STRUCTURAL
        or key in config_groups()
        or "@" in key
        or key.endswith((".policy.name", ".kind"))
    )


def sweep_jobs(overrides: Sequence[str], limit: int = MAX_JOBS) -> list[list[str]]:
    """Every job's overrides of a sweep, in Hydra's order (its basic sweeper's expansion).

    Raises:
        ConfigError: If the sweep has more than ``limit`` jobs (counted before expanding).
    """
    lines = [o for o in overrides if not _is_hydra(o)]
    parsed = parse_overrides(lines)
    sweep_size(parsed, limit, group_options)
    # A glob is matched against the group's options as Hydra's sweeper would (the basic
    # sweeper's expansion alone has no config loader to ask).
    lines = [
        f"{o.get_key_element()}={','.join(sorted(o.value().filter(group_options(o.key_or_group))))}"
        if isinstance(o.value(), Glob)
        else line
        for line, o in zip(lines, parsed, strict=True)
    ]
    parsed = parse_overrides(lines)
    return [job for batch in BasicSweeper.split_arguments(parsed, None) for job in batch]


def sweep_limit(overrides: Sequence[str]) -> int:
    """``simulation.max_jobs`` of a sweep's first job (the limit on its number of jobs)."""
    from sim.preflight import compose_job, first_job

    cfg, _ = compose_job(first_job(overrides))
    return int(cfg.simulation.get("max_jobs", MAX_JOBS))


def check_sweep(overrides: Sequence[str], limit: int | None = None) -> int:
    """Refuse a sweep that sets a parameter some of its jobs do not take; count its jobs.

    Jobs are grouped by the values that decide which parameters they take (scenario,
    episode, design, policy names, actor kinds, any config group's option); the first job
    of each group that does not fail on a bad value is validated.

    Args:
        overrides: The sweep's overrides.
        limit: The most jobs allowed (None: the first job's ``simulation.max_jobs``).

    Raises:
        UnknownParameter: Naming the parameter and what the job's policy or kind takes.
        ConfigError: If the sweep has too many jobs, or a file's option changes Hydra's node.
    """
    jobs = sweep_jobs(overrides, sweep_limit(overrides) if limit is None else limit)
    groups: dict[tuple[str, ...], list[list[str]]] = {}
    for job in jobs:
        groups.setdefault(tuple(o for o in job if _structural(o)), []).append(job)
    for key, members in groups.items():
        for job in members[:MAX_TRIES]:
            try:
                check_run(job)
                break
            except UnknownParameter as exc:
                where = f" (in the jobs with {' '.join(key)})" if key else ""
                raise UnknownParameter(f"{exc}{where}") from None
            except PlacementError:
                raise  # a file reached Hydra's node: nothing of the sweep may run
            except ConfigError:
                continue  # a bad value: that job fails on its own, the others run
    return len(jobs)


def expand_design(overrides: list[str]) -> list[str]:
    """Add ``design.point=range(0,N)`` so a design runs one job per point."""
    if any(o.startswith("design.point=") for o in overrides):
        return overrides
    from sim.designs import design_from_config

    scen = [o.split("=", 1)[1] for o in overrides if o.startswith("scenario=")]
    # The design's own settings (design=NAME, design.n=..., not sweeps) decide its size.
    own = [o for o in overrides if o.startswith("design") and "," not in o]
    cfg = compose_config(scen[-1] if scen and "," not in scen[-1] else "baseline", own)
    design = design_from_config(cfg.design, int(cfg.simulation.get("max_jobs", MAX_JOBS)))
    return [*overrides, f"design.point=range(0,{len(design)})"]


def hydra_main(flags: Sequence[str], overrides: Sequence[str]) -> dict[str, Any]:
    """Run ``@hydra.main(sim.app.task)`` on these flags and overrides, in this process.

    Returns:
        For a sweep, ``{"dir": sweep root, "table": sweep.parquet}``; else empty.
    """
    import hydra

    from sim import app
    from sim.sweep.callbacks import LAST_SWEEP
    from sim.sweep.launcher import register

    register_configs()
    # Configs come from the ConfigStore (registered above), not from a search-path folder.
    main_fn: Any = hydra.main(
        config_path="pkg://sim.hydra_root", config_name="config", version_base="1.3"
    )(app.task)
    register()
    LAST_SWEEP.clear()
    argv = sys.argv
    sys.argv = ["escalation", *flags, *overrides]
    GlobalHydra.instance().clear()
    try:
        main_fn()
    finally:
        sys.argv = argv
        GlobalHydra.instance().clear()
    return dict(LAST_SWEEP)

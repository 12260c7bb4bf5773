"""What each subcommand of ``escalation`` does, given its parsed arguments.

:mod:`sim.cli` only parses the command line and dispatches here. Each function takes the
subcommand's remaining arguments and returns an exit status: 0 done, 1 some jobs of a
sweep failed, 2 bad input (one line on stderr naming the field, nothing written).
"""

from __future__ import annotations

import sys
from pathlib import Path
from typing import Any

import numpy as np

from sim.errors import ConfigError


def run(argv: list[str]) -> int:
    """``escalation run [OVERRIDES...] [-m]``: a scenario, or a sweep, through Hydra."""
    import hydra

    from sim import app
    from sim.config import (
        check_conflicts,
        compose_config,
        expand_short,
        register_configs,
        split_hydra_args,
    )
    from sim.episode import check_role_overrides
    from sim.model import EscalationModel
    from sim.runner import plan_chunks
    from sim.settings import Settings
    from sim.sweep.callbacks import LAST_SWEEP
    from sim.sweep.launcher import register

    register_configs()
    flags, given = split_hydra_args(argv)
    overrides = expand_short(given)
    try:
        check_conflicts(overrides)
    except ConfigError as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 2
    for o in overrides:
        if "_target_" in o:
            key = o.split("=", 1)[0]
            print(
                f"error: {key}: '_target_' is not allowed (configs cannot name code)",
                file=sys.stderr,
            )
            return 2
    if not flags:
        # Validate before Hydra creates a run directory: a typo costs no files.
        try:
            scen = [o.split("=", 1)[1] for o in overrides if o.startswith("scenario=")]
            rest = [o for o in overrides if not o.startswith("scenario=")]
            cfg = compose_config(scen[-1] if scen else "baseline", rest)
            check_role_overrides(rest, cfg)
            settings = Settings.from_config(cfg)
            plan_chunks(settings)
            # Building a one-replicate model checks the roster, relations and events too.
            EscalationModel(settings, replicates=np.zeros(1, dtype=np.int64))
        except ConfigError as exc:
            print(f"error: {exc}", file=sys.stderr)
            return 2
    if flags and any(o.startswith("design=") for o in overrides):
        try:
            overrides = _expand_design(overrides)
        except ConfigError as exc:
            print(f"error: {exc}", file=sys.stderr)
            return 2
    # Configs come from the ConfigStore (registered above), not from a search-path folder.
    main_fn: Any = hydra.main(
        config_path="pkg://sim.hydra_root", config_name="config", version_base="1.3"
    )(app.task)
    sys.argv = ["escalation", *flags, *overrides]
    register()
    LAST_SWEEP.clear()
    main_fn()
    if "table" in LAST_SWEEP:
        import pandas as pd

        table = pd.read_parquet(LAST_SWEEP["table"], columns=["status"])
        bad = int((table["status"] != "complete").sum())
        print(f"Sweep directory: {Path(LAST_SWEEP['dir']).resolve()}")
        if bad:
            print(
                f"{bad} of {len(table)} job(s) did not complete: see sweep.parquet", file=sys.stderr
            )
            return 1
    return 0


def _expand_design(overrides: list[str]) -> list[str]:
    """Add ``design.point=range(0,N)`` so a design runs one job per point."""
    if any(o.startswith("design.point=") for o in overrides):
        return overrides
    from sim.config import compose_config
    from sim.designs import design_from_config

    scen = [o.split("=", 1)[1] for o in overrides if o.startswith("scenario=")]
    # The design's own settings (design=NAME, design.n=..., not sweeps) decide its size.
    own = [o for o in overrides if o.startswith("design") and "," not in o]
    cfg = compose_config(scen[-1] if scen and "," not in scen[-1] else "baseline", own)
    design = design_from_config(cfg.design)
    return [*overrides, f"design.point=range(0,{len(design)})"]


def report(dirs: list[str], output: str) -> int:
    """``escalation report DIR... [-o FILE]``: compare runs and sweeps in one page."""
    from sim.report.compare import write_comparison

    try:
        out = write_comparison(dirs, output)
    except (FileNotFoundError, ValueError) as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 2
    print(f"Report: {out.resolve()} ({out.stat().st_size / 1e6:.1f} MB)")
    return 0


def aggregate(sweep_dir: str) -> int:
    """``escalation aggregate SWEEP_DIR``: rebuild a sweep's table and report."""
    from sim.sweep.aggregate import aggregate as aggregate_sweep

    try:
        table = aggregate_sweep(sweep_dir)
    except FileNotFoundError as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 2
    print(f"Sweep table: {table}")
    report_html = table.parent / "report.html"
    if report_html.exists():
        print(f"Report: {report_html}")
    return 0


def scenarios() -> int:
    """``escalation scenarios``: list the scenario library."""
    from sim.config import load_yaml, scenario_files

    for name, path in scenario_files().items():
        scen = load_yaml(path).get("scenario", {}) or {}
        title = str(scen.get("title", ""))
        if scen.get("episode"):
            title = f"{title} [{scen['episode']}]"
        desc = " ".join(str(scen.get("description", "")).split())
        line = f"{title}: {desc}" if title else desc
        print(f"{name:24s} {line if len(line) <= 96 else line[:95] + '…'}")
    return 0


def episodes() -> int:
    """``escalation episodes``: the episode library, with dates, actors and observed days."""
    from sim.timeline import library, load_timeline

    try:
        timelines = [load_timeline(name) for name in library()]
    except ConfigError as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 2
    for t in timelines:
        states = [t.labels[a] for a, k in t.actor_kinds.items() if k == "state"]
        others = [f"{t.labels[a]} ({k})" for a, k in t.actor_kinds.items() if k != "state"]
        print(f"{t.name}  {t.title}")
        print(
            f"    {t.day0.isoformat()} to {t.last_date.isoformat()}: {t.observed_days} observed "
            f"days, {len(t.events)} events, {len(t.sources)} sources"
        )
        print(
            f"    states: {', '.join(states)}" + (f"; also {', '.join(others)}" if others else "")
        )
        roles = ", ".join(f"{r} = {t.labels.get(a, a)}" for r, a in t.roles.items() if a)
        print(f"    roles: {roles}")
        print(f"    run it: escalation run episode={t.name}")
    return 0


def replay(run_dir: str, replicate: int) -> int:
    """``escalation replay RUN_DIR REPLICATE``: one replicate's path, re-simulated alone."""
    from sim.runner import replay as replay_one

    try:
        model = replay_one(run_dir, replicate)
    except (ConfigError, ValueError, FileNotFoundError) as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 2
    df = model.paths()
    df = df[df["action"] != "none"]
    print(df.to_string(index=False))
    return 0


def policies() -> int:
    """``escalation policies``: every registered policy, its traits and parameters."""
    from sim.policies import registered_policies

    for name, cls in registered_policies().items():
        t = cls.traits
        days = t.memory_depth
        memory = "unbounded" if days == float("inf") else f"{days:g} day" + ("s" * (days != 1))
        kind = "stochastic" if t.stochastic else "deterministic"
        print(f"{name}  ({t.role} policy; {kind}; memory {memory})")
        print(f"    {_first_line(cls.__doc__)}")
        _print_params(cls.params)
    return 0


def actors() -> int:
    """``escalation actors``: every actor kind, what it links and its parameters."""
    from sim.kinds import kind_family, kinds

    for name, kind in kinds().items():
        role = f"takes a {kind.policy_role} policy" if kind.policy_role else "takes no policy"
        bits = [role]
        bases = kind_family(name)[1:]
        if bases:
            bits.append("a variant of " + ", ".join(bases))
        if kind.relations:
            bits.append("relations: " + ", ".join(f"{r} -> {t}" for r, t in kind.relations.items()))
        if kind.rungs:
            bits.append("rungs: " + ", ".join(kind.rungs))
        print(f"{name}  ({'; '.join(bits)})")
        if kind.impl is not None:
            print(f"    {_first_line(kind.impl.__doc__)}")
        _print_params(kind.params)
    return 0


def _first_line(doc: str | None) -> str:
    return (doc or "").strip().splitlines()[0] if (doc or "").strip() else ""


def _print_params(params: Any) -> None:
    if not params:
        print("    (no parameters)")
    for key, p in params.items():
        rng = "a rung name" if p.rung else f"in [{p.low:g}, {p.high:g}]"
        default = f"{p.default:.4g}" if isinstance(p.default, float) else str(p.default)
        print(f"    {key} = {default}  {rng}  {p.doc}")


def calibrate(argv: list[str]) -> int:
    """``escalation calibrate [OVERRIDES...]``: fit the model by ABC-SMC."""
    from sim.calibration.command import main

    return main(argv)


def validate(argv: list[str]) -> int:
    """``escalation validate [OVERRIDES...]``: leave one episode out, fit, forecast it."""
    from sim.calibration.validate import main

    return main(argv)

"""What each subcommand of ``escalation`` does, given its parsed arguments.

:mod:`sim.cli` only parses the command line and dispatches here. Each function takes the
subcommand's remaining arguments and returns an exit status: 0 done, 1 some jobs of a
sweep failed, 2 bad input (one line on stderr naming the field, nothing written).
"""

from __future__ import annotations

import sys
from pathlib import Path
from typing import Any

from sim.errors import ConfigError, exit_status


@exit_status
def run(argv: list[str]) -> int:
    """``escalation run [OVERRIDES...] [-m] [--overwrite]``: a scenario, or a sweep."""
    import hydra

    from sim import app
    from sim.preflight import claim_folder, prepare, printed_job_config
    from sim.sweep import launch
    from sim.sweep.callbacks import LAST_SWEEP
    from sim.sweep.launcher import register

    def expand(overrides: list[str]) -> list[str]:
        return (
            launch.expand_design(overrides)
            if any(o.startswith("design=") for o in overrides)
            else overrides
        )

    # Everything is checked and the config validated before Hydra sees any of it: short keys
    # expanded and policy parameters opened (launch.prepare), the flags and hydra overrides
    # allowed, the config (a sweep's first job) validated.
    plan = prepare(argv, rewrite=launch.prepare, expand=expand)
    if printed_job_config(plan):
        return 0
    if plan.multirun and not plan.printing:
        # A parameter that some jobs' policy, kind or mechanism does not take stops the
        # sweep before any job runs (one job per group of jobs is validated).
        assert plan.settings is not None
        launch.check_sweep(plan.overrides, plan.settings.simulation.max_jobs)
    with claim_folder(plan, "sweep folder" if plan.multirun else "run folder") as done:
        if done:
            print(f"Run directory: {plan.out_dir} (complete with the same config)")
            return 0
        # Configs come from the ConfigStore (registered and checked), not from a folder.
        main_fn: Any = hydra.main(
            config_path="pkg://sim.hydra_root", config_name="config", version_base="1.3"
        )(app.task)
        sys.argv = ["escalation", *plan.flags, *plan.overrides]
        register()
        LAST_SWEEP.clear()
        app.OVERWRITE["run"] = plan.overwrite
        main_fn()
    if "error" in LAST_SWEEP:
        print(f"error: {LAST_SWEEP['error']}", file=sys.stderr)
        return 1
    if "table" in LAST_SWEEP:
        from sim.safeparquet import read_parquet

        table = read_parquet(LAST_SWEEP["table"], columns=["status"])
        bad = int((table["status"] != "complete").sum())
        print(f"Sweep directory: {Path(LAST_SWEEP['dir']).resolve()}")
        report_html = Path(LAST_SWEEP["dir"]).resolve() / "report.html"
        if report_html.exists():
            print(f"Report: {report_html}")
        if bad:
            print(
                f"{bad} of {len(table)} job(s) did not complete: see sweep.parquet", file=sys.stderr
            )
            return 1
    return 0


@exit_status
def report(dirs: list[str], output: str | None = None, plotly_js: str = "inline") -> int:
    """``escalation report DIR... [-o FILE] [--plotly-js shared]``: runs and sweeps compared.

    The folders are untrusted input: each must be a complete run (its marker vouching for its
    config) or a sweep root, and what the page reads is checked before the page is written.
    The page goes to ``FILE`` (an ``.html`` name), by default ``comparison.html`` in the first
    folder; inside a folder this tool wrote it never replaces one of that folder's own files
    (:func:`_report_target`).
    """
    import contextlib

    from sim.folders import lock, note_page
    from sim.report.compare import write_comparison
    from sim.report.sources import is_complete_run, read_summary

    try:
        for d in dirs:
            p = Path(d)
            if not p.is_dir():
                raise ConfigError(f"{d}: not a folder")
            if not (p / "sweep.parquet").exists():  # a FIFO too: the reader refuses it
                if not is_complete_run(p):
                    raise ConfigError(
                        f"{d}: not a complete run (no status.json for its config.yaml) "
                        "nor a sweep root (no sweep.parquet)"
                    )
                read_summary(p)
        target, owner = _report_target(dirs, output)
        with contextlib.ExitStack() as stack:
            if owner is not None:  # no run or sweep writes the folder while the page goes in
                stack.enter_context(lock(owner, "folder"))
            out = write_comparison(dirs, target, plotly_js)
            if owner is not None:
                note_page(owner, target.resolve())
    except OSError as exc:
        exc.filename = exc.filename or output or dirs[0]  # a failed write names the page
        raise
    except ConfigError:
        raise  # a ValueError too, but one line of its own
    except (KeyError, TypeError, ValueError, IndexError) as exc:  # data the checks missed
        print(
            f"error: {' '.join(dirs)}: malformed run data ({type(exc).__name__}: {exc})"[:300],
            file=sys.stderr,
        )
        return 2
    print(f"Report: {out.resolve()} ({out.stat().st_size / 1e6:.1f} MB)")
    return 0


def _report_target(dirs: list[str], output: str | None) -> tuple[Path, Path | None]:
    """Where ``report`` writes its page, and the folder of this tool that holds it, if any.

    Raises:
        ConfigError: If the page would replace a file a run, sweep, calibration or
            validation wrote (anything in its folder but the pages ``report`` wrote there),
            or its name does not end in ``.html``.
    """
    from sim.folders import own_file, tool_folder

    target = Path(output) if output else Path(dirs[0]) / "comparison.html"
    owner = tool_folder(target.parent.resolve())
    where = f"-o: {output}" if output else f"report: {target}"
    if target.is_dir():
        raise ConfigError(f"{where}: is a folder; name the page to write (e.g. compare.html)")
    if owner is not None and own_file(owner, target.resolve()):
        raise ConfigError(
            f"{where}: is one of the files escalation wrote in {owner}; write the page "
            "elsewhere or under a new name"
        )
    if target.suffix.lower() != ".html":
        raise ConfigError(f"{where}: the report is an HTML page; give a name ending in .html")
    return target, owner


@exit_status
def aggregate(sweep_dir: str) -> int:
    """``escalation aggregate SWEEP_DIR``: rebuild a sweep's table and report."""
    from sim.folders import lock
    from sim.sweep.aggregate import aggregate as aggregate_sweep

    if not Path(sweep_dir).is_dir():
        raise ConfigError(f"{sweep_dir}: not a folder")
    try:
        with lock(sweep_dir, "sweep folder"):
            table = aggregate_sweep(sweep_dir)
    except FileNotFoundError as exc:  # a file the sweep folder should hold: bad input
        raise ConfigError(str(exc)) from None
    print(f"Sweep table: {table}")
    report_html = table.parent / "report.html"
    if report_html.exists():
        print(f"Report: {report_html}")
    return 0


@exit_status
def discover(sweep_dir: str, settings: list[str]) -> int:
    """``escalation discover SWEEP_DIR outcome=COLUMN>VALUE``: PRIM's boxes over a sweep."""
    from sim.sweep.discover import main

    return main(sweep_dir, settings)


def scenarios() -> int:
    """``escalation scenarios``: list the scenario library."""
    from sim.config import scenario_files
    from sim.yamlfiles import load_yaml

    for name, path in scenario_files().items():
        scen = load_yaml(path).get("scenario", {}) or {}
        title = str(scen.get("title", ""))
        if scen.get("episode"):
            title = f"{title} [{scen['episode']}]"
        desc = " ".join(str(scen.get("description", "")).split())
        line = f"{title}: {desc}" if title else desc
        print(f"{name:24s} {line if len(line) <= 96 else line[:95] + '…'}")
    return 0


@exit_status
def episodes() -> int:
    """``escalation episodes``: the episode library, with dates, actors and observed days."""
    from sim.timeline import library, load_timeline

    timelines = [load_timeline(name) for name in library()]
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


@exit_status
def replay(run_dir: str, replicate: int) -> int:
    """``escalation replay RUN_DIR REPLICATE``: one replicate's path, re-simulated alone."""
    from sim.runner import replay as replay_one

    try:
        model = replay_one(run_dir, replicate)
    except (ValueError, FileNotFoundError) as exc:  # a replicate or a run that is not there
        raise ConfigError(str(exc)) from None
    df = model.paths()
    df = df[df["action"] != "none"]
    print(df.to_string(index=False))
    return 0


@exit_status
def events(run_dir: str, replicate: int, output: str | None, day0: str | None) -> int:
    """``escalation events RUN_DIR REPLICATE``: one replicate's acts as an event table.

    The columns of CAMEO and PLOVER event data (date, source, target, code, intensity) plus
    the rung, so the table reads back exactly (docs/event-tables.md). Written as CSV or
    Parquet by the output's suffix; an existing file is never overwritten.
    """
    import datetime as dt

    from sim.eventtable import write_event_table
    from sim.runner import replay as replay_one

    path = Path(output or f"replicate-{replicate}-events.csv")
    if path.exists() or path.is_symlink():
        raise ConfigError(f"-o: {path} exists; choose another name")
    try:
        start = dt.date.fromisoformat(day0) if day0 else None
    except ValueError:
        raise ConfigError(f"--day0: expected YYYY-MM-DD, got {day0!r}") from None
    try:
        model = replay_one(run_dir, replicate)
    except (ValueError, FileNotFoundError) as exc:
        raise ConfigError(str(exc)) from None
    written = write_event_table(model, path, replicate=0, day0=start)
    print(f"Event table: {written.resolve()}")
    return 0


@exit_status
def explore(arguments: list[str], port: int) -> int:
    """``escalation explore [KEY=VALUE ...]``: the interactive page, until Ctrl-C."""
    import importlib.util

    if importlib.util.find_spec("solara") is None:
        raise ConfigError(
            "escalation explore needs the explore extra: pip install 'escalation-sim[explore]'"
        )
    if not 1024 <= port <= 65535:
        raise ConfigError(f"--port: {port} outside 1024..65535")
    from sim.explore.server import serve, start_state

    serve(start_state(arguments), port)
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


def forecast(argv: list[str]) -> int:
    """``escalation forecast episode=NAME until=DAY [...]`` (docs/forecast.md)."""
    from sim.forecast.command import forecast_main

    return forecast_main(argv)


def backtest(argv: list[str]) -> int:
    """``escalation backtest [...]``: the rolling-origin backtest (docs/forecast.md)."""
    from sim.forecast.command import backtest_main

    return backtest_main(argv)


def benchmark(argv: list[str]) -> int:
    """``escalation benchmark icb [...]``: the ICB benchmark (docs/benchmark.md)."""
    from sim.benchmark.command import main

    return main(argv)


def validate(argv: list[str]) -> int:
    """``escalation validate [OVERRIDES...] [launcher=local|slurm]``: the scorecard.

    ``launcher=slurm`` runs each fold as a task of one SLURM job array (the package's
    ``hydra/launcher=slurm`` preset, docs/cluster.md); ``local`` (default) on local workers.
    """
    from sim.validation.command import main

    rest = [a for a in argv if not a.startswith("launcher=")]
    chosen = [a.split("=", 1)[1] for a in argv if a.startswith("launcher=")]
    if not chosen or chosen[-1] == "local":
        return main(rest)
    if chosen[-1] != "slurm":
        print(f"error: launcher: {chosen[-1]!r} is not one of local, slurm", file=sys.stderr)
        return 2
    return main(rest, runner=_slurm_folds)


def _slurm_folds(jobs: list[Any], folders: list[Path]) -> list[Any]:
    """Run validation folds as one SLURM job array (the package's slurm preset)."""
    from importlib import resources

    from sim.parallel import Submission, pool_from_config
    from sim.validation.folds import run_fold
    from sim.yamlfiles import load_yaml

    preset = load_yaml(
        Path(str(resources.files("sim.configs").joinpath("hydra/launcher/slurm.yaml")))
    )
    root = folders[0].parent if folders else Path(".")
    preset["submitit_folder"] = str(root / ".submitit" / "%j")
    pool = pool_from_config(preset)
    subs = [Submission(run_fold, job, folder) for job, folder in zip(jobs, folders, strict=True)]
    results: dict[int, Any] = {}
    for sub, result in pool.run(subs):
        if result is None:
            raise ConfigError(
                f"validation fold {sub.folder.name}: its SLURM job ended without a result "
                f"(see {sub.folder / 'slurm.json'})"
            )
        results[subs.index(sub)] = result
    return [results[i] for i in range(len(subs))]

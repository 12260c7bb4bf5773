"""The ``escalation`` command line: it parses and dispatches, nothing else.

Each subcommand is implemented in :mod:`sim.commands`. ``run`` and ``calibrate`` hand
their arguments (config overrides and Hydra's flags) to Hydra; the others are parsed here.
Bad input prints one line naming the field and exits with status 2, before any file is
written.
"""

# PYTHON_ARGCOMPLETE_OK: argcomplete's global completion may complete this command (it
# looks for this marker in the first 1024 bytes); sim/completion.py answers.

from __future__ import annotations

import argparse
import os
import sys
from collections.abc import Callable
from typing import Any

from sim import commands

EXAMPLES = """examples:
  escalation run scenario=baseline replicates=10000 days=30 seed=1
  escalation run episode=india_pakistan_2016 posterior=baseline
  escalation run actors.pakistan.policy.name=graduated hydra.run.dir=outputs/graduated
  escalation run -m actors.iran.policy.generosity=0.1,0.5,0.9     # a sweep
  escalation calibrate workers=2
  escalation calibrate episode=us_iran_2020
  escalation report outputs/iran_pakistan_2024/baseline/<run> multirun/<sweep> -o compare.html
  escalation report multirun/<sweep>    # writes multirun/<sweep>/comparison.html
  escalation discover multirun/<sweep> 'outcome=p_deescalated_by_day_7<0.3'   # PRIM's boxes

Tab completion (bash, zsh): escalation completion bash >> ~/.bashrc
"""

RUN_HELP = """Run a scenario through Hydra: validate, simulate, write the run folder and its report.

Arguments are config overrides (key=value) and Hydra's flags, in any order:
  episode=NAME             a real crisis of the library (escalation episodes)
  scenario=NAME            a scenario of the library (escalation scenarios)
  replicates=N days=N seed=N workers=N chunk_size=N
                           short for simulation.replicates=... and the like
  actors.ID.KEY=VALUE      an actor's parameter (escalation actors lists them)
  actors.ID.policy.name=P  a policy (escalation policies lists them and their parameters)
  by_role.ROLE.KEY=VALUE   a parameter of the actor in a role (victim, adversary, mediator)
  posterior=PATH|baseline  draw each replicate's parameters from a calibration
  design=NAME              an experimental design (with -m: one job per point)
  hydra.run.dir=DIR        where to write (hydra.sweep.dir=DIR for sweeps); a folder that
                           holds another run is refused, the same config is said done
  --overwrite              clear such a folder first (only a folder escalation wrote)
  --config-dir DIR         your own configs: DIR/scenario/NAME.yaml, DIR/episode/NAME.yaml...
                           (checked like ours: docs/security.md)
  -m, --multirun           a sweep: one job per combination of comma-separated values
  --cfg job|hydra|all      print the composed config instead of running
                           (with --package KEY: only that part)
  --info [TOPIC]           Hydra's information on the config (defaults, searchpath...)
  --hydra-help             Hydra's own help
"""

FORECAST_HELP = """Condition a crisis on its days 0..DAY and forecast the rest (docs/forecast.md).

Writes forecast.json and forecast.html into out=DIR. Settings (key=value; defaults in
configs/forecast/default.yaml):
  episode=NAME             the crisis (a library episode: its config and coded days)
  until=DAY                the last observed day conditioned on
  events=FILE              read the observed days from an event table instead (CSV or
                           Parquet: date, source, target, code, intensity;
                           docs/event-tables.md), cast by episode=NAME's config;
                           day0=YYYY-MM-DD (default: the table's first date)
  particles=N seed=N horizon=DAYS
  miscoding=P missed=P decay=P threshold=P
                           the error model and the resampling threshold
  scenario=NAME posterior=NAME|none
                           the particles' prior (default: the joint fit and its posterior)
  out=DIR [--overwrite]    where to write (default outputs/forecast/<time>)

Example: escalation forecast episode=iran_pakistan_2024 until=2
"""

BACKTEST_HELP = """Rolling-origin backtest over the library (docs/forecast.md): for each episode,
fit without it, forecast it from cutoffs 0, 1, 3, 7 and 14 days, score every question against what
happened and against persistence, base rates and the unconditioned model.

Writes backtest.json and backtest.html into out=DIR. Settings (key=value):
  particles=N seed=N workers=N folds=[a,b]   out=DIR [--overwrite]
"""

BENCHMARK_HELP = """The field's own test (docs/benchmark.md): every International Crisis Behavior
crisis the selection keeps becomes an episode generated from what was known at its trigger; the
model is fitted on the crises triggered before 1990 and scored once on those from 1990 on,
against base rates, base rates by trigger type and a multinomial logistic regression.

Writes benchmark.json, benchmark.html, posterior.parquet, forecasts.csv and the generated
episodes into out=DIR. Settings (key=value), defaults in configs/benchmark/icb.yaml:
  draws=N keep=F forecast_draws=N bootstrap=N seed=N jobs=N
  workers=N launcher=local|slurm   out=DIR [--overwrite]
  limit=N   (the first N crises of each part only: a smoke run, not the benchmark)
"""

CALIBRATE_HELP = """Fit the model to an observed episode by ABC-SMC (docs/calibration.md) and
write the posterior, the fit numbers, a calibrated scenario and a report.

Arguments are overrides of the calibration (population=N generations=N batch=N budget=N
seed=N quantile=Q min_tolerance=T fit_draws=N, or calibration.priors.KEY={...}), of the
episode and scenario it fits (episode=NAME, default iran_pakistan_2024; scenario=NAME,
actors..., simulation...), workers=N (processes; the posterior is the same for any N),
hydra.run.dir=DIR, and Hydra's flags (--cfg job ...). Priors are keyed by role
(by_role.victim..., by_role.adversary..., by_role.mediator...), so the posterior and the
calibrated scenario apply to any episode.
"""

VALIDATE_HELP = """Leave one episode out (docs/validation.md): for each episode of the library,
calibrate the shared parameters on the others and simulate the one left out from that
posterior, from the prior and from a null model (random policies); write validation.json
and validation.html.

Arguments are the overrides of a joint calibration (population=N seed=N ...), draws=N
(simulations of each held-out episode), folds=[a,b] (a subset), out=DIR, workers=N (folds
run at once, default 2), launcher=slurm (each fold a task of one SLURM job array, with the
package's SLURM preset; docs/cluster.md).

The out folder is locked while it is written and marked complete last; a folder that holds
anything else is refused (--overwrite clears it first), and one that holds a complete
validation of the same config is kept as it is.
"""

COMPLETION_HELP = """Print the shell code that completes escalation's commands, flags, config
groups and override keys on Tab (argcomplete). Install it with one command:
  escalation completion bash >> ~/.bashrc     # then open a new shell
  escalation completion zsh >> ~/.zshrc       # after compinit in ~/.zshrc
"""

#: Subcommands that pass their arguments to Hydra, with their help text.
PASS_THROUGH: dict[str, tuple[Callable[[list[str]], int], str, str]] = {
    "run": (commands.run, "run a scenario (Hydra overrides; -m for sweeps)", RUN_HELP),
    "calibrate": (
        commands.calibrate,
        "fit the model to an observed episode (ABC-SMC)",
        CALIBRATE_HELP,
    ),
    "validate": (
        commands.validate,
        "leave one episode out: fit on the others, forecast it (docs/validation.md)",
        VALIDATE_HELP,
    ),
}


class _Version(argparse.Action):
    """``--version``: the installed package's version, read only when asked for."""

    def __call__(self, parser: argparse.ArgumentParser, *_: Any) -> None:
        import sim

        print(f"{parser.prog} {sim.__version__}")
        parser.exit()


def build_parser() -> tuple[argparse.ArgumentParser, dict[str, argparse.ArgumentParser]]:
    """The command line's parser, and its subparsers by command."""
    parser = argparse.ArgumentParser(
        prog="escalation",
        description="Escalation-scenario engine: simulate, sweep, calibrate and compare crises.",
        epilog=EXAMPLES,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    parser.add_argument("--version", action=_Version, nargs=0, help="show the version and exit")
    sub = parser.add_subparsers(dest="command", metavar="COMMAND", title="commands")
    for name, (_, summary, text) in PASS_THROUGH.items():
        p = sub.add_parser(
            name,
            help=summary,
            description=text,
            add_help=False,
            formatter_class=argparse.RawDescriptionHelpFormatter,
        )
        p.add_argument("arguments", nargs="*", help="overrides and Hydra flags")
    sub.add_parser("scenarios", help="list the scenario library")
    sub.add_parser("episodes", help="list the episode library (real crises with their sources)")
    sub.add_parser("policies", help="list the policies, their traits and parameters")
    sub.add_parser("actors", help="list the actor kinds and their parameters")
    p = sub.add_parser(
        "completion",
        help="print the shell code of Tab completion: escalation completion bash >> ~/.bashrc",
        description=COMPLETION_HELP,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    p.add_argument("shell", choices=("bash", "zsh"), help="the shell to complete in")
    p = sub.add_parser("replay", help="re-simulate one replicate of a run alone")
    p.add_argument("run_dir", help="a run folder")
    p.add_argument("replicate", type=int, help="the replicate's index")
    p = sub.add_parser(
        "events",
        help="one replicate's acts as an event table (CAMEO/PLOVER columns; docs/event-tables.md)",
    )
    p.add_argument("run_dir", help="a run folder")
    p.add_argument("replicate", type=int, help="the replicate's index")
    p.add_argument("-o", "--output", default=None, help="a .csv or .parquet file to write")
    p.add_argument("--day0", default=None, help="the date of day 0 (default: the episode's)")
    p = sub.add_parser("aggregate", help="rebuild a sweep's table and report")
    p.add_argument("sweep_dir", help="a sweep folder (hydra.sweep.dir)")
    p = sub.add_parser(
        "discover",
        help="scenario discovery: PRIM's boxes of parameters where an outcome holds",
        description="Run PRIM over a sweep's table (docs/sweeps.md, 'Scenario discovery') and "
        "write discover.json and discover.html into the sweep folder.",
    )
    p.add_argument("sweep_dir", help="a sweep folder (holding sweep.parquet)")
    p.add_argument(
        "settings",
        nargs="+",
        metavar="KEY=VALUE",
        help="outcome=COLUMN>VALUE (or >=, <, <=; a column of sweep.parquet), and optionally "
        "threshold=0.8 (density a box must reach), peel_alpha=0.05, mass_min=0.05, boxes=3",
    )
    p = sub.add_parser(
        "explore",
        help="an interactive what-if page on 127.0.0.1 (pip install 'escalation-sim[explore]')",
        description="Start the explore page (docs/explore.md): move a control and the whole "
        "ensemble is redrawn. Needs the explore extra.",
    )
    p.add_argument(
        "arguments",
        nargs="*",
        metavar="KEY=VALUE",
        help="what the page opens with: episode=, scenario=, posterior=, replicates=, seed=, days=",
    )
    p.add_argument("--port", type=int, default=8765, help="the local port (default 8765)")
    p = sub.add_parser(
        "forecast",
        help="forecast a crisis under way from its first days (particle filter; docs/forecast.md)",
        description=FORECAST_HELP,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    p.add_argument("arguments", nargs="*", metavar="KEY=VALUE", help="settings (above)")
    p.add_argument("--overwrite", action="store_true", help="clear an output folder it wrote")
    p = sub.add_parser(
        "backtest",
        help="rolling-origin backtest of the forecasts over the library (docs/forecast.md)",
        description=BACKTEST_HELP,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    p.add_argument("arguments", nargs="*", metavar="KEY=VALUE", help="settings (above)")
    p.add_argument("--overwrite", action="store_true", help="clear an output folder it wrote")
    p = sub.add_parser(
        "benchmark",
        help="score the model on International Crisis Behavior crises (docs/benchmark.md)",
        description=BENCHMARK_HELP,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    p.add_argument("name", choices=["icb"], help="the benchmark (icb)")
    p.add_argument("arguments", nargs="*", metavar="KEY=VALUE", help="settings (above)")
    p.add_argument("--overwrite", action="store_true", help="clear an output folder it wrote")
    p = sub.add_parser("report", help="compare runs and sweeps in one HTML page")
    p.add_argument("dirs", nargs="+", help="run folders and sweep folders")
    p.add_argument(
        "-o",
        "--output",
        default=None,
        help="the page to write, a name ending in .html (default: comparison.html in the first "
        "folder); never one of the files a run, sweep or calibration wrote",
    )
    p.add_argument(
        "--plotly-js",
        choices=("inline", "shared"),
        default="inline",
        help="inline: plotly.js inside the page (default); shared: written once as "
        "plotly.min.js beside the page, for several reports in one folder",
    )
    return parser, dict(sub.choices)


def dispatch(args: list[str]) -> int:
    """Parse ``args`` and run the command; returns its exit status."""
    parser, subparsers = build_parser()
    if args and args[0] in PASS_THROUGH:
        # Overrides and Hydra's flags go to Hydra as they are; only our help is ours.
        fn, _, _ = PASS_THROUGH[args[0]]
        rest = args[1:]
        if "-h" in rest or "--help" in rest:
            subparsers[args[0]].print_help()
            return 0
        return fn(["--help" if a == "--hydra-help" else a for a in rest])
    try:
        ns = parser.parse_args(args)
    except SystemExit as exc:  # --help, --version and usage errors (status 2)
        return int(exc.code or 0)
    if ns.command is None:
        parser.print_help()
        return 2
    if ns.command == "completion":
        from sim.completion import shellcode

        print(shellcode(ns.shell))
        return 0
    if ns.command == "replay":
        return commands.replay(ns.run_dir, ns.replicate)
    if ns.command == "events":
        return commands.events(ns.run_dir, ns.replicate, ns.output, ns.day0)
    if ns.command == "aggregate":
        return commands.aggregate(ns.sweep_dir)
    if ns.command == "discover":
        return commands.discover(ns.sweep_dir, ns.settings)
    if ns.command == "explore":
        return commands.explore(ns.arguments, ns.port)
    if ns.command == "report":
        return commands.report(ns.dirs, ns.output, ns.plotly_js)
    if ns.command == "forecast":
        return commands.forecast(ns.arguments + ["--overwrite"] * ns.overwrite)
    if ns.command == "backtest":
        return commands.backtest(ns.arguments + ["--overwrite"] * ns.overwrite)
    if ns.command == "benchmark":
        return commands.benchmark([ns.name, *ns.arguments] + ["--overwrite"] * ns.overwrite)
    listing: dict[str, Callable[[], int]] = {
        "scenarios": commands.scenarios,
        "episodes": commands.episodes,
        "policies": commands.policies,
        "actors": commands.actors,
    }
    return listing[ns.command]()


def main(argv: list[str] | None = None) -> int:
    """Entry point of the ``escalation`` command."""
    if argv is None and "_ARGCOMPLETE" in os.environ:  # the shell asks what Tab completes
        from sim.completion import complete

        complete(build_parser()[0])  # answers on the shell's channel and exits
    args = list(sys.argv[1:] if argv is None else argv)
    try:
        result = dispatch(args)
        sys.stdout.flush()  # inside the try: a buffered stdout meets a closed pipe here
    except BrokenPipeError:
        # The reader went away (`escalation scenarios | head`): stop quietly, as Python's
        # docs advise, pointing stdout at devnull so the interpreter's final flush is silent.
        os.dup2(os.open(os.devnull, os.O_WRONLY), sys.stdout.fileno())
        return 1
    except KeyboardInterrupt:
        return interrupted()
    return result


def interrupted() -> int:
    """Ctrl-C: end the worker processes, say so in one line, exit status 130 (128 + SIGINT).

    Every writer removes a folder's completion marker before it writes and puts it back
    last, and the locks went with the ``with`` blocks the interrupt left: the folder reads
    as unfinished, and the same command redoes it.
    """
    from sim import parallel

    parallel.shutdown(kill=True)  # else the exit would wait for the workers' current jobs
    print(
        "interrupted (Ctrl-C): stopped; an output folder it was writing is left unfinished "
        "(not marked complete), and the same command redoes it",
        file=sys.stderr,
    )
    return 130


if __name__ == "__main__":  # pragma: no cover
    raise SystemExit(main())

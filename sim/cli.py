"""The ``escalation`` command line: it parses and dispatches, nothing else.

Subcommands (each implemented in :mod:`sim.commands`):

- ``escalation run [OVERRIDES...]``: run a scenario through Hydra, e.g.
  ``escalation run scenario=baseline replicates=10000 days=30 seed=1``
  (``replicates``, ``days``, ``seed``, ``workers`` and ``chunk_size`` are short for
  ``simulation.*``); any Hydra override and flag (``-m`` for sweeps) works;
- ``escalation scenarios``: list the scenario library;
- ``escalation replay RUN_DIR REPLICATE``: print one replicate's path, re-simulated alone;
- ``escalation aggregate SWEEP_DIR``, ``escalation report DIR...``,
  ``escalation calibrate [OVERRIDES...]``.

Bad input prints one line naming the field and exits with status 2, before any
file is written.
"""

from __future__ import annotations

import os
import sys
from collections.abc import Callable

from sim import commands
from sim.errors import suggest

#: Subcommands: name -> (function, one-line help). Each function takes the remaining
#: arguments and returns an exit status. Add a command by adding a line here.
COMMANDS: dict[str, tuple[Callable[[list[str]], int], str]] = {
    "run": (commands.run, "run a scenario (Hydra overrides; -m for sweeps)"),
    "scenarios": (commands.scenarios, "list the scenario library"),
    "replay": (commands.replay, "re-simulate one replicate of a run alone: RUN_DIR REPLICATE"),
    "aggregate": (commands.aggregate, "rebuild a sweep's table and report: SWEEP_DIR"),
    "report": (commands.report, "compare runs and sweeps: DIR... -o report.html"),
    "calibrate": (commands.calibrate, "fit the model to 16-19 Jan 2024 (ABC-SMC)"),
}


def usage() -> str:
    """The command overview."""
    lines = ["usage: escalation COMMAND [ARGS...]", "", "commands:"]
    lines += [f"  {name:12s} {help_}" for name, (_, help_) in COMMANDS.items()]
    lines += [
        "",
        "examples:",
        "  escalation run scenario=baseline replicates=10000 days=30 seed=1",
        "  escalation run actors.pakistan.policy.name=graduated hydra.run.dir=outputs/graduated",
    ]
    return "\n".join(lines)


def main(argv: list[str] | None = None) -> int:
    """Entry point of the ``escalation`` command."""
    args = list(sys.argv[1:] if argv is None else argv)
    if not args or args[0] in ("-h", "--help", "help"):
        print(usage())
        return 0 if args else 2
    cmd, rest = args[0], args[1:]
    if cmd not in COMMANDS:
        print(f"error: unknown command {cmd!r}{suggest(cmd, list(COMMANDS))}\n", file=sys.stderr)
        print(usage(), file=sys.stderr)
        return 2
    try:
        result = COMMANDS[cmd][0](rest)
        sys.stdout.flush()  # inside the try: a buffered stdout meets a closed pipe here
    except BrokenPipeError:
        # The reader went away (`escalation scenarios | head`): stop quietly, as Python's
        # docs advise, pointing stdout at devnull so the interpreter's final flush is silent.
        os.dup2(os.open(os.devnull, os.O_WRONLY), sys.stdout.fileno())
        return 1
    return result


if __name__ == "__main__":  # pragma: no cover
    raise SystemExit(main())

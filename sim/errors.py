"""Errors the engine raises for bad input."""

from __future__ import annotations

import difflib
import functools
import sys
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import ParamSpec

P = ParamSpec("P")


class ConfigError(ValueError):
    """A config, scenario or seeds file is invalid.

    The message is one line that names the field and the bad value, e.g.
    ``actors.pakistan.policy.name: unknown policy 'tit_for_tatt' (did you mean
    'tit_for_tat'?)``. The command line prints it and exits with status 2.
    """


def suggest(name: str, valid: Sequence[str]) -> str:
    """A ' (did you mean ...?)' hint for a misspelt name, or ''."""
    close = difflib.get_close_matches(name, list(valid), n=3, cutoff=0.5)
    return f" (did you mean {', '.join(repr(c) for c in close)}?)" if close else ""


class UnknownParameter(ConfigError):
    """A parameter that would change nothing.

    One the chosen policy, actor kind or mechanism does not take, or an actor's own value that
    a role-keyed value (``by_role``) overwrites.

    Unlike a bad value, which fails only its own job of a sweep, it would make every job of a
    sweep over it identical, so a sweep that sets one is refused before any job runs.
    """


def write_error(exc: OSError, path: Path | str | None = None) -> str:
    """One line for a failed write: the file and the system's reason."""
    where = exc.filename or path or "output"
    return f"{where}: cannot write: {exc.strerror or type(exc).__name__}"


def exit_status(command: Callable[P, int]) -> Callable[P, int]:
    """A subcommand's exit status for the errors every subcommand reports alike.

    Bad input (:class:`ConfigError`) prints its one line and gives 2; a failed read or
    write (:class:`OSError`: a full disk, an unwritable folder, a file it may not read)
    prints one line naming the file and the system's reason and gives 1. Anything else is a
    bug and keeps its traceback.
    """

    @functools.wraps(command)
    def wrapper(*args: P.args, **kwargs: P.kwargs) -> int:
        try:
            return command(*args, **kwargs)
        except ConfigError as exc:
            print(f"error: {exc}", file=sys.stderr)
            return 2
        except OSError as exc:
            where = exc.filename or "a file"
            print(f"error: {where}: {exc.strerror or type(exc).__name__}", file=sys.stderr)
            return 1

    return wrapper

"""Errors the engine raises for bad input."""

from __future__ import annotations

import difflib
from collections.abc import Sequence


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

"""Errors the engine raises for bad input."""

from __future__ import annotations


class ConfigError(ValueError):
    """A config, scenario or seeds file is invalid.

    The message is one line that names the field and the bad value, e.g.
    ``actors.pakistan.policy.name: unknown policy 'tit_for_tatt' (did you mean
    'tit_for_tat'?)``. The command line prints it and exits with status 2.
    """

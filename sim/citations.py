"""An episode's ``sources.yaml``: the reports it cites and the roster they support.

Schema in ``seeds/README.md``: ``sources`` lists every report (outlet, title, date, address,
a description in our words); ``roster`` lists, for each relation of the episode config, the
reports dated before day 0 that put it in. Read by :mod:`sim.timeline`.
"""

from __future__ import annotations

from typing import Any

from sim.errors import ConfigError, suggest


def parse_sources(raw: dict[str, Any], where: str) -> dict[str, dict[str, Any]]:
    """``sources``: every report an episode cites, by id.

    Public reports need outlet, title, date and a web address; the reference episode's
    documents are cited by ``file``.

    Raises:
        ConfigError: On a malformed or repeated entry.
    """
    items = raw.get("sources")
    if not isinstance(items, list) or not items:
        raise ConfigError(f"{where}: sources must be a non-empty list")
    out: dict[str, dict[str, Any]] = {}
    for i, s in enumerate(items):
        if not isinstance(s, dict):
            raise ConfigError(f"{where}: sources[{i}]: expected a mapping")
        sid = s.get("id") or s.get("file")
        if not sid:
            raise ConfigError(f"{where}: sources[{i}]: needs an id (or a file name)")
        if sid in out:
            raise ConfigError(f"{where}: sources[{i}].id: duplicate id {sid!r}")
        if "file" not in s:
            # A public report: cited by outlet, title, date and address.
            for key in ("outlet", "title", "date", "url"):
                if not s.get(key):
                    raise ConfigError(f"{where}: sources[{i}] ({sid}).{key}: missing")
            if not str(s["url"]).startswith(("https://", "http://")):
                raise ConfigError(f"{where}: sources[{i}] ({sid}).url: not a web address")
        out[str(sid)] = s
    return out


def parse_roster(value: Any, sources: dict[str, Any], where: str) -> dict[str, tuple[str, ...]]:
    """``roster``: which sources put each relation of the episode config in (may be absent).

    Raises:
        ConfigError: On a malformed entry, a repeated relation or an unknown source.
    """
    if value is None:
        return {}
    if not isinstance(value, list):
        raise ConfigError(f"{where}: roster must be a list of {{relation, sources, note}}")
    out: dict[str, tuple[str, ...]] = {}
    for i, r in enumerate(value):
        if not isinstance(r, dict) or not r.get("relation"):
            raise ConfigError(f"{where}: roster[{i}]: expected a mapping with a relation")
        cited = tuple(str(x) for x in r.get("sources") or ())
        if not cited:
            raise ConfigError(f"{where}: roster[{i}].sources: cite at least one source")
        for c in cited:
            if c not in sources:
                raise ConfigError(
                    f"{where}: roster[{i}].sources: unknown source {c!r}{suggest(c, list(sources))}"
                )
        key = str(r["relation"])
        if key in out:
            raise ConfigError(f"{where}: roster[{i}].relation: {key!r} given twice")
        out[key] = cited
    return out

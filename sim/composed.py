"""The composed config's structure, checked before anything runs (docs/security.md).

Files and command lines are untrusted. Instead of reading their text for dangerous
spellings, these checks look at what composing them produced:

- **Hydra's node.** Hydra acts on its own ``hydra`` node (callbacks, launchers, logging
  factories, the job's environment). After composing a job, its ``hydra`` node must equal
  the one our package alone composes (:func:`check_hydra_node`), apart from the record of the
  command line itself (the overrides, the choices, the folder-name form of the overrides).
  A package header, an ``@package`` override or a defaults list that placed anything there,
  however spelt, shows up as a difference and is refused.
- **Where a file lands.** A config group's file lands in its own node (``design/x.yaml``
  in ``design``); only episodes and scenarios are overlays of the whole config
  (:data:`GLOBAL_GROUPS`). :func:`check_package` judges a file's package header by the node
  it resolves to; :func:`check_overrides` refuses ``group@package`` overrides outright.
- **Sizes before allocation.** :func:`sweep_size` counts a sweep's jobs from the parsed
  overrides (a ``range`` is never expanded), so ``seed=range(0,1000000000)`` is refused
  with one line instead of filling the memory.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Iterable, Mapping, Sequence
from typing import Any

from sim.errors import ConfigError

#: Groups whose files are overlays of the whole config (``@package _global_``).
GLOBAL_GROUPS = frozenset({"episode", "scenario"})

#: The parts of the ``hydra`` node that record the command line and the process rather
#: than configure Hydra: Hydra writes them itself after composing (``runtime``: the
#: choices, the working folder, the version; the primary config's name), and they differ
#: from job to job.
VOLATILE = (
    ("overrides", "task"),
    ("runtime",),
    ("job", "override_dirname"),
    ("job", "config_name"),
)

#: Jobs a sweep or a design may have unless ``simulation.max_jobs`` is raised.
MAX_JOBS = 100_000


class PlacementError(ConfigError):
    """A file or an override placed something where it may not go.

    Hydra's node or another group's node: the whole command is refused, not one job of a
    sweep.
    """


def _without(node: Mapping[str, Any], paths: Iterable[tuple[str, ...]]) -> dict[str, Any]:
    out = {str(k): v for k, v in node.items()}
    for path in paths:
        parent: Any = out
        for part in path[:-1]:
            parent = parent.get(part) if isinstance(parent, dict) else None
            if isinstance(parent, dict):
                continue
            break
        if isinstance(parent, dict):
            parent.pop(path[-1], None)
    return out


def _first_difference(mine: Any, ours: Any, path: str) -> str | None:
    """The dotted path of the first place where two plain containers differ."""
    if isinstance(mine, dict) and isinstance(ours, dict):
        for key in sorted(set(mine) | set(ours), key=str):
            where = f"{path}.{key}"
            if key not in ours or key not in mine:
                return where
            found = _first_difference(mine[key], ours[key], where)
            if found is not None:
                return found
        return None
    if isinstance(mine, list) and isinstance(ours, list) and len(mine) == len(ours):
        for i, (a, b) in enumerate(zip(mine, ours, strict=True)):
            found = _first_difference(a, b, f"{path}[{i}]")
            if found is not None:
                return found
        return None
    return None if mine == ours else path


def check_hydra_node(composed: Mapping[str, Any], reference: Mapping[str, Any]) -> None:
    """Refuse a composed ``hydra`` node that differs from the package's own.

    Args:
        composed: The job's ``hydra`` node, as a plain container (not resolved).
        reference: The node our package composes with no user input, likewise.

    Raises:
        ConfigError: Naming the first key that a file or an override placed or changed.
    """
    mine = _without(_deep_copy(composed), [("overrides",), *VOLATILE])
    ours = _without(_deep_copy(reference), [("overrides",), *VOLATILE])
    where = _first_difference(mine, ours, "hydra")
    if where is not None:
        raise PlacementError(
            f"{where}: set by a config file or an override; only the command line's "
            "hydra.* allow-list may configure Hydra (docs/security.md)"
        )


def _deep_copy(node: Any) -> Any:
    if isinstance(node, Mapping):
        return {str(k): _deep_copy(v) for k, v in node.items()}
    if isinstance(node, list | tuple):
        return [_deep_copy(v) for v in node]
    return node


def resolved_package(header: str | None, group: str) -> str:
    """The node a group file's content lands in, from its ``# @package`` header.

    Hydra's forms: no header or ``_group_`` (the group's own node), ``_global_`` (the top),
    ``_global_.a.b`` and ``a.b`` (that node; a group file's parent is the primary config,
    whose package is the top). ``""`` stands for the top.

    Raises:
        ConfigError: For a form Hydra reads relative to something we do not compose
            (``_here_``, ``_name_``) or an empty part.
    """
    if header is None or header == "_group_":
        return group.replace("/", ".")
    if header == "_global_":
        return ""
    text = header.removeprefix("_global_.")
    parts = text.split(".")
    if any(not p or p.startswith("_") for p in parts):
        raise ConfigError(f"'@package {header}': not a package a file may name")
    return text


def check_package(group: str, header: str | None, where: str) -> None:
    """Refuse a file whose content would land outside its group's own node.

    Raises:
        ConfigError: Naming the file and the node it would reach.
    """
    try:
        lands = resolved_package(header, group)
    except ConfigError as exc:
        raise ConfigError(f"{where}: {exc}") from None
    allowed = {group.replace("/", ".")} | ({""} if group in GLOBAL_GROUPS else set())
    if lands not in allowed:
        node = lands or "the top of the config"
        raise PlacementError(
            f"{where}: '@package {header}' would place it in {node}; a {group} file "
            f"stays in its own node ({' or '.join(sorted(a or '_global_' for a in allowed))})"
        )


def parse_overrides(overrides: Sequence[str]) -> list[Any]:
    """Hydra's parse of the overrides, each refused with one line on a grammar error.

    Raises:
        ConfigError: Naming the override's key.
    """
    from hydra.core.override_parser.overrides_parser import OverridesParser

    parser = OverridesParser.create()
    out = []
    for line in overrides:
        try:
            out.append(parser.parse_override(line))
        except Exception as exc:  # Hydra's grammar errors: several types
            first = str(exc).splitlines()[0] if str(exc) else type(exc).__name__
            raise ConfigError(f"{line.split('=', 1)[0]}: {first}") from None
    return out


def check_overrides(overrides: Sequence[str]) -> list[Any]:
    """Refuse ``group@package`` overrides: a group's files stay in their own node.

    Returns:
        The parsed overrides.

    Raises:
        ConfigError: Naming the override.
    """
    parsed = parse_overrides(overrides)
    for o in parsed:
        if o.package is not None:
            raise PlacementError(
                f"{o.key_or_group}@{o.package}: package overrides are not allowed "
                "(a config group's files stay in their own node)"
            )
    return parsed


def _count(o: Any, options: Callable[[str], list[str]]) -> int:
    """How many values a parsed sweep override takes, without expanding a range."""
    from hydra.core.override_parser.types import ChoiceSweep, Glob, RangeSweep

    value = o.value()
    if isinstance(value, RangeSweep):
        start, stop, step = value.start, value.stop, value.step
        if not (
            isinstance(start, int | float)
            and isinstance(stop, int | float)
            and isinstance(step, int | float)
            and all(math.isfinite(x) for x in (start, stop, step))
        ):
            raise ConfigError(f"{o.get_key_element()}: a range needs finite numbers")
        if step == 0:
            raise ConfigError(f"{o.get_key_element()}: a range's step cannot be 0")
        return max(0, math.ceil((stop - start) / step))
    if isinstance(value, ChoiceSweep):
        return len(value.list)
    if isinstance(value, Glob):
        return len(value.filter(options(o.key_or_group)))
    raise ConfigError(f"{o.get_key_element()}: this kind of sweep is not supported here")


def sweep_size(
    parsed: Sequence[Any], limit: int, options: Callable[[str], list[str]] = lambda g: []
) -> int:
    """The number of jobs of a sweep, counted without expanding it.

    Args:
        parsed: The parsed overrides (:func:`parse_overrides`).
        limit: The most jobs allowed (``simulation.max_jobs``).
        options: A config group's options (for ``glob(...)`` sweeps).

    Raises:
        ConfigError: Naming the count and the limit, if it is over the limit.
    """
    total = 1
    for o in parsed:
        if o.is_sweep_override():
            total *= _count(o, options)
            if total > limit:
                raise ConfigError(
                    f"{o.get_key_element()}: the sweep would have over {limit:,} jobs "
                    f"(limit simulation.max_jobs={limit:,}; raise it to run more)"
                )
    return total

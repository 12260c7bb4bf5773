"""Reading config, scenario and episode files: safely, and checked before they are used.

Files are untrusted input (docs/security.md). They are read by the bounded reader
(:mod:`sim.safeio`: regular files inside the folder given, a size cap, a node and alias
budget) with a safe loader (tags such as ``!!python/object`` are refused, so a file cannot
construct Python objects), and
:func:`check_file` keeps every file away from Hydra's own node and limits interpolations
to references to the config's own keys. :mod:`sim.config` registers what passes.
"""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any

from sim import safeio
from sim.composed import check_package
from sim.errors import ConfigError


def parse_yaml(text: str, where: str) -> dict[str, Any]:
    """Parse YAML text that must hold a mapping (empty text is an empty mapping).

    Loaded by :func:`sim.safeio.parse_yaml`: the safe loader, within a node and alias budget.

    Raises:
        ConfigError: Naming ``where``, if the text is not valid YAML, expands past the budget
            or is not a mapping.
    """
    data = safeio.parse_yaml(text, where)
    if data is None:
        data = {}
    if not isinstance(data, dict):
        raise ConfigError(f"{where}: expected a mapping at the top, got {type(data).__name__}")
    return data


def load_yaml(
    path: Path, *, root: str | Path | None = None, where: str | None = None
) -> dict[str, Any]:
    """Read a YAML mapping safely, a bounded read (:func:`sim.safeio.read_text`).

    Args:
        path: The file.
        root: The folder the user gave, which the file must resolve inside.
        where: How messages name the file (default: its name).

    Raises:
        ConfigError: If the file is refused by the reader, not valid YAML or not a mapping.
    """
    where = where or path.name
    return parse_yaml(safeio.read_text(path, root=root, where=where), where)


def read_config_file(
    path: Path, where: str, root: str | Path | None = None
) -> tuple[dict[str, Any], str | None]:
    """A config group file's node and its ``# @package`` header (not yet checked).

    Args:
        path: The file.
        where: How messages name it.
        root: The folder the user gave, which the file must resolve inside.

    Raises:
        ConfigError: Naming ``where``, on a file the reader refuses (:mod:`sim.safeio`),
            malformed YAML or a top level that is no mapping.
    """
    text = safeio.read_text(path, root=root, where=where)
    return parse_yaml(text, where), package_header(text)


def package_header(text: str) -> str | None:
    """The ``# @package X`` directive among a file's leading comment lines, if any."""
    for line in text.splitlines():
        stripped = line.strip()
        if not stripped.startswith("#"):
            break
        match = re.match(r"#\s*@package\s+(\S+)", stripped)
        if match:
            return match.group(1)
    return None


#: Resolvers a config file may use: reading another key of the config, nothing else. No
#: ``oc.env`` (a file must not copy the environment into reports), no ``oc.create`` or
#: ``oc.decode`` (they build nodes from text), no resolver a plugin registered.
SAFE_RESOLVERS = frozenset({"oc.select"})


def _interpolations(text: str) -> list[tuple[str, str]]:
    """The resolvers and node references of a config string, by OmegaConf's own grammar."""
    from antlr4 import ParserRuleContext
    from omegaconf.grammar.gen.OmegaConfGrammarParser import OmegaConfGrammarParser as P
    from omegaconf.grammar_parser import parse

    out: list[tuple[str, str]] = []

    def walk(tree: Any) -> None:
        if isinstance(tree, P.InterpolationResolverContext):
            name = tree.resolverName().getText()
            out.append(("resolver", name))
            args = tree.sequence()
            if name == "oc.select" and args is not None and args.element(0) is not None:
                out.append(("select", args.element(0).getText()))
        elif isinstance(tree, P.InterpolationNodeContext):
            out.append(("node", tree.getText()[2:-1]))
        if isinstance(tree, ParserRuleContext):
            for child in tree.getChildren():
                walk(child)

    walk(parse(text, parser_rule="configValue"))
    return out


#: Characters a config may hold once its interpolations are resolved: far above any real
#: config (the largest episode is ~50 kB), far below what a few nested ``${a}${a}`` reach.
MAX_RESOLVED = 5_000_000


def check_resolved_size(root: Any, limit: int = MAX_RESOLVED) -> int:
    """Refuse a config whose interpolations would resolve to more than ``limit`` characters.

    Each interpolated string's size is the sum of its text and of what it references, each
    node's size computed once (memoised by its path), so ``b: ${a}${a}``, ``c: ${b}${b}``...
    is measured in linear time and refused before OmegaConf expands it.

    Args:
        root: The config as a plain container, not resolved.
        limit: The most characters allowed.

    Returns:
        The resolved size (an upper bound).

    Raises:
        ConfigError: Naming the size and the limit, or an interpolation cycle.
    """
    memo: dict[tuple[Any, ...], int] = {}
    active: set[tuple[Any, ...]] = set()

    def lookup(path: tuple[Any, ...]) -> Any:
        node = root
        for part in path:
            found = isinstance(node, dict) and part in node
            found = found or (
                isinstance(node, list) and isinstance(part, int) and 0 <= part < len(node)
            )
            if not found:
                return None
            node = node[part]
        return node

    def target(ref: str, here: tuple[Any, ...]) -> tuple[Any, ...]:
        dots = len(ref) - len(ref.lstrip("."))
        base = here[:-1] if dots else ()
        base = base[: max(0, len(base) - max(0, dots - 1))]
        parts: list[Any] = []
        for piece in ref.lstrip(".").replace("[", ".").replace("]", "").split("."):
            if piece:
                parts.append(int(piece) if piece.isdigit() else piece)
        return (*base, *parts)

    def size(node: Any, path: tuple[Any, ...]) -> int:
        if path in memo:
            return memo[path]
        if path in active:
            raise ConfigError(f"{'.'.join(map(str, path))}: an interpolation refers to itself")
        active.add(path)
        if isinstance(node, dict):
            total = sum(len(str(k)) + size(v, (*path, k)) for k, v in node.items())
        elif isinstance(node, list):
            total = sum(size(v, (*path, i)) for i, v in enumerate(node))
        elif isinstance(node, str) and "${" in node:
            total = len(node)
            for ref in _references(node, ".".join(map(str, path)) or "?"):
                where = target(ref, path)
                total += size(lookup(where), where)
                if total > limit:
                    break
        else:
            total = len(str(node))
        active.discard(path)
        if total > limit:
            raise ConfigError(
                f"{'.'.join(map(str, path)) or 'config'}: its interpolations would resolve to "
                f"over {limit:,} characters"
            )
        memo[path] = total
        return total

    return size(root, ())


def _references(text: str, where: str) -> list[str]:
    """The keys a config string's interpolations read (``oc.select``'s key among them)."""
    try:
        found = _interpolations(text)
    except Exception:  # OmegaConf's grammar error types vary between versions
        raise ConfigError(f"{where}: malformed interpolation {text!r}") from None
    return [name for kind, name in found if kind in ("node", "select")]


def check_file(node: Any, where: str, group: str | None = None, header: str | None = None) -> None:
    """Check a config, scenario or episode file before it joins the config tree.

    Files are untrusted (docs/security.md). Hydra acts on its own ``hydra`` node only
    (callbacks, launchers, logging, the job's environment). A file's content must land in its
    group's own node (:func:`sim.composed.check_package`, judged by the node its ``# @package``
    header resolves to, not by its spelling); it may not select other configs (a
    ``defaults`` list); a top-level ``hydra`` key is refused here with a plain message. The
    composed ``hydra`` node is compared with the package's own after composing
    (:func:`sim.composed.check_hydra_node`), whatever a file did to reach it. Interpolations
    are limited to :data:`SAFE_RESOLVERS` and references to the config's own keys outside
    ``hydra``. Everything else in a file is data, checked by the schema (:mod:`sim.settings`).

    Args:
        node: The file's parsed content.
        where: The file, for messages.
        group: Its config group, when it is a group file (its header is then judged).
        header: Its ``# @package`` header, if any.

    Raises:
        ConfigError: Naming the file and the key.
    """
    if group is not None:
        check_package(group, header, where)
    if not isinstance(node, dict):
        return
    if "hydra" in node:
        raise ConfigError(f"{where}: hydra: files cannot configure Hydra (only the command line)")
    if "defaults" in node:
        raise ConfigError(f"{where}: defaults: a file cannot select other configs")
    _check_values(node, where, [])


def _check_values(node: Any, where: str, path: list[str]) -> None:
    if isinstance(node, dict):
        for k, v in node.items():
            _check_values(v, where, [*path, str(k)])
    elif isinstance(node, list):
        for i, v in enumerate(node):
            _check_values(v, where, [*path, f"[{i}]"])
    elif isinstance(node, str) and "${" in node:
        key = ".".join(path).replace(".[", "[") or "?"
        try:
            found = _interpolations(node)
        except Exception:  # OmegaConf's grammar error types vary between versions
            raise ConfigError(f"{where}: {key}: malformed interpolation {node!r}") from None
        for kind, name in found:
            if kind == "resolver" and name not in SAFE_RESOLVERS:
                raise ConfigError(
                    f"{where}: {key}: the interpolation ${{{name}:...}} is not allowed in "
                    f"files (allowed: references to other keys, {', '.join(SAFE_RESOLVERS)})"
                )
            if kind == "node" and (name == "hydra" or name.startswith("hydra.")):
                raise ConfigError(f"{where}: {key}: files cannot read Hydra's settings")


def scenario_node(
    path: Path, named: bool = True, *, root: str | Path | None = None, where: str | None = None
) -> dict[str, Any]:
    """A scenario overlay file, read safely and checked (:func:`check_file`).

    Args:
        path: The file.
        named: Name the scenario after the file unless it names itself.
        root: The folder the user gave, which the file must resolve inside.
        where: How messages name the file (default: its name).

    Raises:
        ConfigError: On a file the reader refuses, malformed YAML, a ``hydra`` or
            ``defaults`` node, or an unsafe interpolation.
    """
    where = where or path.name
    node = load_yaml(path, root=root, where=where)
    if "defaults" in node:
        raise ConfigError(f"{where}: defaults: a scenario is an overlay, it cannot select")
    check_file(node, where)
    if named:
        scen = node.setdefault("scenario", {})
        if isinstance(scen, dict):
            scen.setdefault("name", path.stem)
    return node

"""Reading config, scenario and episode files: safely, and checked before they are used.

Files are untrusted input (docs/security.md). YAML is read with a safe loader (tags such
as ``!!python/object`` are refused, so a file cannot construct Python objects), and
:func:`check_file` keeps every file away from Hydra's own node and limits interpolations
to references to the config's own keys. :mod:`sim.config` registers what passes.
"""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any

import yaml

from sim.errors import ConfigError

#: libyaml's loader when present: the same result, several times faster.
_SAFE_LOADER = getattr(yaml, "CSafeLoader", yaml.SafeLoader)


def parse_yaml(text: str, where: str) -> dict[str, Any]:
    """Parse YAML text that must hold a mapping (empty text is an empty mapping).

    Raises:
        ConfigError: Naming ``where``, if the text is not valid YAML or not a mapping.
    """
    try:
        data = yaml.load(text, Loader=_SAFE_LOADER)
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None)
        at = f"line {mark.line + 1}" if mark is not None else "?"
        problem = getattr(exc, "problem", None) or str(exc).splitlines()[0]
        raise ConfigError(f"{where}: malformed YAML at {at}: {problem}") from None
    if data is None:
        data = {}
    if not isinstance(data, dict):
        raise ConfigError(f"{where}: expected a mapping at the top, got {type(data).__name__}")
    return data


def load_yaml(path: Path) -> dict[str, Any]:
    """Read a YAML mapping safely.

    Raises:
        ConfigError: If the file is not valid YAML or not a mapping.
    """
    return parse_yaml(path.read_text(encoding="utf-8"), path.name)


def read_config_file(path: Path, where: str) -> tuple[dict[str, Any], str | None]:
    """A config group file's node and its ``# @package`` header (not yet checked).

    Raises:
        ConfigError: Naming ``where``, on malformed YAML or a top level that is no mapping.
    """
    text = path.read_text(encoding="utf-8")
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
            out.append(("resolver", tree.resolverName().getText()))
        elif isinstance(tree, P.InterpolationNodeContext):
            out.append(("node", tree.getText()[2:-1]))
        if isinstance(tree, ParserRuleContext):
            for child in tree.getChildren():
                walk(child)

    walk(parse(text, parser_rule="configValue"))
    return out


def check_file(node: Any, where: str, package: str | None = None) -> None:
    """Check a config, scenario or episode file before it joins the config tree.

    Files are untrusted (docs/security.md). Hydra acts on its own ``hydra`` node only
    (callbacks, launchers, logging, the job's environment), so no file may reach it: not by a
    top-level ``hydra`` key, a ``# @package hydra...`` header, or a ``defaults`` entry naming
    a hydra group. Interpolations are limited to :data:`SAFE_RESOLVERS` and references to
    the config's own keys outside ``hydra``. Everything else in a file is data, checked by
    the schema (:mod:`sim.settings`) like any other value.

    Raises:
        ConfigError: Naming the file and the key.
    """
    if package is not None and (package == "hydra" or package.startswith("hydra.")):
        raise ConfigError(f"{where}: '@package {package}': files cannot configure Hydra")
    if not isinstance(node, dict):
        return
    if "hydra" in node:
        raise ConfigError(f"{where}: hydra: files cannot configure Hydra (only the command line)")
    for entry in node.get("defaults") or []:
        text = yaml.safe_dump(entry) if isinstance(entry, dict) else str(entry)
        if "hydra" in text:
            raise ConfigError(f"{where}: defaults: {text.strip()!r} selects a Hydra config")
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


def scenario_node(path: Path, named: bool = True) -> dict[str, Any]:
    """A scenario overlay file, read safely and checked (:func:`check_file`).

    Args:
        path: The file.
        named: Name the scenario after the file unless it names itself.

    Raises:
        ConfigError: On malformed YAML, a ``hydra`` or ``defaults`` node, or an unsafe
            interpolation.
    """
    node = load_yaml(path)
    if "defaults" in node:
        raise ConfigError(f"{path.name}: defaults: a scenario is an overlay, it cannot select")
    check_file(node, path.name)
    if named:
        scen = node.setdefault("scenario", {})
        if isinstance(scen, dict):
            scen.setdefault("name", path.stem)
    return node

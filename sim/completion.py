"""Tab completion of ``escalation`` in bash and zsh, through argcomplete.

The shell runs ``escalation`` with ``_ARGCOMPLETE=1`` on each Tab: :func:`complete` answers
from our own parser and from the package's config files, read as text (no Hydra, no
OmegaConf, no model), so that an answer comes at once. It offers subcommands, flags, config
groups and their options (``scenario=``, ``episode=``...) and override keys one part at a time
(``actors.pak`` -> ``actors.pakistan.``). Flags come from the allow-list of
:mod:`sim.hydra_args`: completion never offers one that a run would refuse.

``escalation completion bash`` (or ``zsh``) prints the shell code to install
(``escalation completion bash >> ~/.bashrc``).
"""

from __future__ import annotations

import argparse
import functools
import os
import shlex
import sys
from importlib import resources
from pathlib import Path
from typing import Any

from sim.hydra_args import ALLOWED_FLAGS, HYDRA_CHOICES, HYDRA_KEYS, OWN_FLAGS
from sim.yamlfiles import read_config_file

#: ``replicates=...`` and friends, short for ``simulation.replicates=...`` (as
#: ``sim.overrides.SHORT_KEYS``, which imports Hydra; a test keeps the two alike).
SHORT_KEYS = ("replicates", "days", "seed", "workers", "chunk_size", "max_hours")
#: Config nodes not offered as ``KEY.``: a scenario's and an episode's descriptions.
META_NODES = frozenset({"scenario", "episode", "hydra", "defaults"})
#: Extra ``KEY=`` words each pass-through command reads itself.
EXTRA_KEYS = {
    "run": ("posterior=", "design="),
    "calibrate": ("workers=",),
    "validate": ("draws=", "folds=", "out=", "workers=", "launcher="),
}
#: The flags each pass-through command takes: Hydra's that the allow-list lets through, ours.
FLAGS = {
    "run": ALLOWED_FLAGS | OWN_FLAGS | {"--hydra-help"},
    "calibrate": ALLOWED_FLAGS | OWN_FLAGS | {"--hydra-help"},
    "validate": frozenset({"--overwrite", "--help", "-h"}),
}
#: Values of the extra keys that have a fixed set.
EXTRA_VALUES = {"launcher": ("local", "slurm"), "posterior": ("baseline",)}


def shellcode(shell: str) -> str:
    """The shell code that makes bash or zsh complete ``escalation`` on Tab."""
    import argcomplete

    return str(argcomplete.shellcode(["escalation"], shell=shell))


def complete(parser: argparse.ArgumentParser) -> None:
    """Answer the shell's completion request (``_ARGCOMPLETE`` set) and exit."""
    import argcomplete

    completers = {}
    for command, sub in _subparsers(parser).items():
        for action in sub._actions:
            if action.dest == "arguments":  # a pass-through command's overrides and flags
                completers[id(sub)] = action.completer = Overrides(command)  # type: ignore[attr-defined]

    class Finder(argcomplete.CompletionFinder):
        def collect_completions(
            self,
            active_parsers: list[argparse.ArgumentParser],
            parsed_args: argparse.Namespace,
            cword_prefix: str,
        ) -> list[str]:
            found = super().collect_completions(active_parsers, parsed_args, cword_prefix)
            # argcomplete runs no completer on a word that starts with '-': the flags of a
            # pass-through command (Hydra's, allowed ones only, and ours) are added here.
            completer = completers.get(id(active_parsers[-1]))
            if completer is not None and cword_prefix.startswith("-"):
                found += [f for f in completer(cword_prefix) if f not in found]
            return found

    Finder()(parser)  # writes the answer to the shell and exits
    sys.exit(0)  # only when the shell's request was malformed


def _subparsers(parser: argparse.ArgumentParser) -> dict[str, argparse.ArgumentParser]:
    for action in parser._actions:
        if isinstance(action, argparse._SubParsersAction):
            return dict(action.choices)
    return {}


class Overrides:
    """Completes a pass-through command's words: flags, groups, override keys and values."""

    def __init__(self, command: str) -> None:
        self.command = command

    def __call__(self, prefix: str, **_: Any) -> list[str]:
        """The words that may follow ``prefix`` (argcomplete keeps those it starts)."""
        words = _typed_words()
        if words and words[-1] in ("--config-dir", "-cd"):
            return []  # a folder: the shell's own file completion (complete -o default)
        if prefix.startswith("-"):
            return sorted(f for f in FLAGS.get(self.command, FLAGS["run"]) if f.startswith(prefix))
        key, eq, _value = prefix.partition("=")
        if eq:
            return [f"{key}={v}" for v in values(key)]
        return keys(self.command, prefix, words)


def _typed_words() -> list[str]:
    """The words before the one being completed, as the shell gave them."""
    line = os.environ.get("COMP_LINE", "")[: int(os.environ.get("COMP_POINT", "0") or 0)]
    try:
        words = shlex.split(line)
    except ValueError:  # an open quote
        words = line.split()
    if line and not line[-1].isspace() and words:
        words = words[:-1]
    return words


def values(key: str) -> list[str]:
    """The values offered after ``key=``."""
    if key in EXTRA_VALUES:
        return list(EXTRA_VALUES[key])
    if key in HYDRA_CHOICES:
        return list(HYDRA_CHOICES[key])
    if key in group_options():
        return group_options()[key]
    if key.endswith(".policy.name"):
        from sim.policies import registered_policies

        return sorted(registered_policies())
    return []


def keys(command: str, prefix: str, words: list[str]) -> list[str]:
    """Override keys that start with ``prefix``, completed to their next part.

    A node is offered as ``KEY.`` and a setting as ``KEY=``. When a single node matches, its
    parts are offered too, so that the shell inserts the node and shows what it holds
    instead of closing the word with a space.
    """
    found = [w for w in _level(command, prefix, words) if w.startswith(prefix)]
    if len(found) == 1 and found[0].endswith("."):
        found += _level(command, found[0], words)
    return found


def _level(command: str, prefix: str, words: list[str]) -> list[str]:
    head, dot, _ = prefix.rpartition(".")
    if not dot:  # the first part: groups, short keys and the config's top-level nodes
        tree = config_tree(_chosen(words), command)
        groups = [f"{g}=" for g, opts in group_options().items() if len(opts) > 1]
        short = [f"{k}=" for k in _short_keys(command)]
        nodes = [f"{k}." if isinstance(v, dict) else f"{k}=" for k, v in tree.items()]
        hydra = ["hydra.", *(f"{k}=" for k in HYDRA_CHOICES)] if command != "validate" else []
        nodes = [n for n in nodes if n[:-1] not in META_NODES]
        extra = list(EXTRA_KEYS.get(command, ()))
        return sorted({*groups, *short, *nodes, *extra, *hydra, "by_role."})
    parts = head.split(".")
    if parts[0] == "hydra":  # only the hydra.* keys a command line may give
        below = {k.split(".")[len(parts)] for k in HYDRA_KEYS if k.startswith(f"{head}.")}
        return sorted(_word(head, p, f"{head}.{p}" in HYDRA_KEYS) for p in below)
    node: Any = config_tree(_chosen(words), command)
    if parts[0] == "by_role":  # by_role.ROLE.KEY: the parameters of the actor in that role
        roles = node.get("episode", {}).get("roles", {}) or {}
        if len(parts) == 1:
            return sorted(f"by_role.{r}." for r in roles)
        node = {"by_role": {parts[1]: node.get("actors", {}).get(roles.get(parts[1]), {})}}
    for part in parts:
        node = node.get(part) if isinstance(node, dict) else None
    if not isinstance(node, dict):
        return []
    found = {_word(head, str(k), not isinstance(v, dict)) for k, v in node.items()}
    if parts[-1] == "policy":  # the chosen policy's parameters, beside those the file sets
        found |= {f"{head}.{p}=" for p in _policy_params(node.get("name"))}
    return sorted(found)


def _word(head: str, part: str, leaf: bool) -> str:
    return f"{head}.{part}" + ("=" if leaf else ".")


def _policy_params(name: Any) -> list[str]:
    from sim.policies import registered_policies

    cls = registered_policies().get(str(name))
    return list(cls.params) if cls is not None else []


def _chosen(words: list[str]) -> tuple[tuple[str, str], ...]:
    """The group choices already typed (``episode=...``, ``scenario=...``)."""
    options = group_options()
    picked = {}
    for w in words:
        key, eq, value = w.partition("=")
        if eq and key in options and value in options[key]:
            picked[key] = value
    return tuple(sorted(picked.items()))


def _short_keys(command: str) -> tuple[str, ...]:
    if command == "run":
        return SHORT_KEYS
    node, _ = read_config_file(_group_file("calibration", "default"), "calibration/default")
    return tuple(k for k, v in node.items() if not isinstance(v, dict))


@functools.cache
def group_options() -> dict[str, list[str]]:
    """Each config group (``hydra`` aside) and its options, from the package's files."""
    root = Path(str(resources.files("sim.configs")))
    groups = {
        p.name: sorted(f.stem for f in p.glob("*.yaml"))
        for p in root.iterdir()
        if p.is_dir() and p.name != "hydra" and not p.name.startswith(("_", "."))
    }
    scenarios = Path(str(resources.files("sim.scenarios")))
    groups["scenario"] = sorted(f.stem for f in scenarios.glob("*.yaml") if f.stem[0] != "_")
    return dict(sorted(groups.items()))


def _group_file(group: str, option: str) -> Path:
    module = "sim.scenarios" if group == "scenario" else f"sim.configs.{group}"
    return Path(str(resources.files(module).joinpath(f"{option}.yaml")))


@functools.cache
def config_tree(chosen: tuple[tuple[str, str], ...], command: str) -> dict[str, Any]:
    """The default config's keys, as a nested mapping, with the ``chosen`` group options.

    Each file of the primary config's defaults list is read (bounded, safe loader) and put
    under its package; Hydra is not needed to know the keys a user may set.
    """
    root = Path(str(resources.files("sim.configs")))
    primary, _ = read_config_file(root / "config.yaml", "config.yaml")
    picks = dict(chosen)
    tree: dict[str, Any] = {k: v for k, v in primary.items() if k not in ("defaults", "hydra")}
    entries = [e for e in primary.get("defaults", []) if isinstance(e, dict)]
    if command != "run":
        entries.append({"calibration": "default"})
    for entry in entries:
        for group, option in entry.items():
            option = picks.get(group, option)
            if option is None or " " in group or "/" in group:  # `override hydra/...`
                continue
            node, package = read_config_file(_group_file(group, option), f"{group}/{option}")
            _merge(tree, node if package == "_global_" else {package or group: node})
    return tree


def _merge(into: dict[str, Any], node: dict[str, Any]) -> None:
    for k, v in node.items():
        if isinstance(v, dict) and isinstance(into.get(k), dict):
            _merge(into[k], v)
        else:
            into[k] = v

"""Overrides as the user gives them: short keys, Hydra's flags, conflicts, policy switches.

The command line's helpers (:func:`expand_short`, :func:`split_hydra_args`,
:func:`check_conflicts`) live here with the rule for policy switches.

A composed config stacks three layers: the episode's roster (``configs/episode/``), the
scenario overlay (``scenarios/``) and the user's overrides (command line, sweep, Python). The
parameters of an actor's policy belong to the policy they were written for, so a layer that
names another policy starts it afresh::

    policy node = {name: NEW} + the parameters set in that layer or above

Parameters of the replaced policy that came from a layer below are dropped (the roster's
``generosity`` of a generous tit-for-tat was never the user's choice for grim trigger); any
parameter set in the switching layer or above is kept, and the settings refuse it if the new
policy does not take it (``sim.policies.base.resolve_params``). Naming the policy a node
already has is no switch: its parameters stay.

Hydra cannot tell the layers apart once it has merged them, so :func:`settle_policies` is
given the episode and scenario nodes and the overrides, and is called wherever a config is
composed (``sim.config.compose_config``, the Hydra tasks, the sweep launcher).
"""

from __future__ import annotations

import functools
from collections.abc import Mapping, Sequence
from typing import Any

from hydra.core.override_parser.overrides_parser import OverridesParser
from hydra.core.override_parser.types import Override
from omegaconf import DictConfig, OmegaConf, open_dict

from sim.errors import ConfigError


@functools.cache
def _parser() -> OverridesParser:
    return OverridesParser.create()


def _policy_path(key: str) -> tuple[str, str | None] | None:
    """(actor, parameter) of ``actors.ID.policy[.PARAM]``, else None."""
    parts = key.split(".")
    if len(parts) in (3, 4) and parts[0] == "actors" and parts[2] == "policy":
        return parts[1], parts[3] if len(parts) == 4 else None
    return None


def open_policy_keys(overrides: Sequence[str]) -> list[str]:
    """Let ``actors.ID.policy.PARAM=V`` add a parameter the composed node lacks.

    ``actors.pakistan.policy.name=graduated actors.pakistan.policy.calm_days=3`` must work
    without ``+``: the roster's node has no ``calm_days``. Such overrides become Hydra's
    add-or-override (``++``); a parameter the policy does not take is then refused by the
    settings, with the policy's parameters listed, instead of by Hydra.
    """
    out = []
    for o in overrides:
        key, sep, _ = o.partition("=")
        path = _policy_path(key) if sep and not key.startswith(("+", "~")) else None
        out.append(f"++{o}" if path is not None and path[1] not in (None, "name") else o)
    return out


def user_policies(overrides: Sequence[str]) -> dict[str, tuple[str | None, set[str]]]:
    """Per actor: the policy name the overrides set (or None) and the parameters they set."""
    out: dict[str, tuple[str | None, set[str]]] = {}
    parsed: list[Override] = _parser().parse_overrides(
        [o for o in overrides if _policy_path(o.partition("=")[0].lstrip("+~"))]
    )
    for o in parsed:
        path = _policy_path(o.key_or_group)
        if path is None or o.is_delete():
            continue
        actor, param = path
        name, keys = out.get(actor, (None, set()))
        value = o.value()
        if param == "name":
            name = str(value)
        elif param is not None:
            keys.add(param)
        elif isinstance(value, Mapping):  # actors.ID.policy={name: ..., ...}
            name = str(value["name"]) if "name" in value else name
            keys |= {str(k) for k in value if k != "name"}
        out[actor] = (name, keys)
    return out


def _policy_of(node: Any, actor: str) -> dict[str, Any]:
    actors = node.get("actors") if isinstance(node, Mapping) else None
    body = actors.get(actor) if isinstance(actors, Mapping) else None
    policy = body.get("policy") if isinstance(body, Mapping) else None
    return dict(policy) if isinstance(policy, Mapping) else {}


def settle_policies(
    cfg: DictConfig,
    episode: Mapping[str, Any] | None,
    scenario: Mapping[str, Any] | None,
    overrides: Sequence[str],
) -> None:
    """Drop the parameters of replaced policies that came from a lower layer (in place).

    Args:
        cfg: The composed config (episode, scenario and overrides merged).
        episode: The episode file's node (None: unknown, nothing is dropped for it).
        scenario: The scenario file's node (None: no scenario).
        overrides: The user's overrides, as given to Hydra.
    """
    actors = cfg.get("actors")
    if not isinstance(actors, DictConfig):
        return
    user = user_policies(overrides)
    for actor in list(actors.keys()):
        body = actors[actor]
        if not isinstance(body, DictConfig) or not isinstance(body.get("policy"), DictConfig):
            continue
        base = _policy_of(episode, str(actor))
        scen = _policy_of(scenario, str(actor))
        name_below = base.get("name")
        keep: set[str] | None = None  # None: every key stays
        if "name" in scen and name_below is not None and scen["name"] != name_below:
            keep = set(scen) - {"name"}
        if "name" in scen:
            name_below = scen["name"]
        name, keys = user.get(str(actor), (None, set()))
        if name is not None and name_below is not None and name != name_below:
            keep = set()
        if keep is None:
            continue
        keep |= keys
        policy = body.policy
        kept = {
            k: v
            for k, v in OmegaConf.to_container(policy, resolve=False).items()  # type: ignore[union-attr]
            if k == "name" or k in keep
        }
        with open_dict(body):
            body.policy = kept


#: Short override keys accepted on the command line.
SHORT_KEYS = ("replicates", "days", "seed", "workers", "chunk_size", "max_hours")


def expand_short(overrides: Sequence[str]) -> list[str]:
    """Turn ``replicates=...`` and friends into ``simulation.replicates=...``."""
    out = []
    for o in overrides:
        key = o.split("=", 1)[0]
        out.append(f"simulation.{o}" if key in SHORT_KEYS and "=" in o else o)
    return out


#: Hydra's command-line flags that take a value (the next token, or ``--flag=value``).
HYDRA_VALUE_FLAGS = frozenset(
    {
        "--cfg",
        "-c",
        "--package",
        "-p",
        "--config-path",
        "-cp",
        "--config-name",
        "-cn",
        "--config-dir",
        "-cd",
        "--experimental-rerun",
        "--shell-completion",
        "-sc",
    }
)
#: ``--info`` takes an optional topic.
HYDRA_INFO_TOPICS = frozenset(
    {"all", "config", "defaults", "defaults-tree", "plugins", "searchpath"}
)


def split_hydra_args(argv: Sequence[str]) -> tuple[list[str], list[str]]:
    """Split a command line into Hydra's flags (with their values) and overrides.

    ``--cfg job --package simulation x=1`` gives ``(["--cfg", "job", "--package",
    "simulation"], ["x=1"])``: a flag's value is never taken for an override.
    """
    flags: list[str] = []
    overrides: list[str] = []
    tokens = list(argv)
    i = 0
    while i < len(tokens):
        tok = tokens[i]
        if not tok.startswith("-"):
            overrides.append(tok)
        else:
            flags.append(tok)
            takes = tok in HYDRA_VALUE_FLAGS or (
                tok in ("--info", "-i")
                and i + 1 < len(tokens)
                and tokens[i + 1] in HYDRA_INFO_TOPICS
            )
            if takes and i + 1 < len(tokens):
                flags.append(tokens[i + 1])
                i += 1
        i += 1
    return flags, overrides


def check_conflicts(overrides: Sequence[str]) -> None:
    """Refuse the same key given twice with different values (which one did the user mean?).

    Raises:
        ConfigError: Naming the key and both values.
    """
    seen: dict[str, str] = {}
    for o in overrides:
        if "=" not in o:
            continue
        key, value = o.split("=", 1)
        key = key.lstrip("+~")
        if key in seen and seen[key] != value:
            raise ConfigError(f"{key}: given twice, as {seen[key]!r} and {value!r}")
        seen[key] = value

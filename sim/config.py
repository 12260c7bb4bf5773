"""Composing configs: the Hydra config tree plus the scenario library.

The config tree ships inside the package as ``sim.configs`` (the top-level
``configs/`` folder); scenarios live in ``scenarios/`` (``sim.scenarios``), one YAML
overlay per file. Every file is parsed once per process and registered in Hydra's
ConfigStore (group = folder, ``scenario`` for the scenario library), so:

- ``scenario=NAME`` and every group work from a clone (editable install) and from an
  installed wheel alike;
- composing a job's config is fast (~10 ms instead of ~0.25 s: Hydra would otherwise
  re-read every YAML file with the pure-Python parser for every job of a sweep, twice);
- files are read and checked by :mod:`sim.yamlfiles` (a safe loader: tags such as
  ``!!python/object`` are refused; nothing of a file reaches Hydra's own node).

Registering lives in :mod:`sim.store`; this module composes, and checks what composing
produced (:mod:`sim.composed`).
"""

from __future__ import annotations

import functools
import re
from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import Any

from hydra import compose, initialize
from hydra.core.config_store import ConfigStore
from hydra.core.global_hydra import GlobalHydra
from omegaconf import DictConfig, OmegaConf, open_dict

from sim.composed import check_hydra_node
from sim.errors import ConfigError, suggest
from sim.overrides import (
    SHORT_KEYS,
    check_conflicts,
    expand_short,
    open_policy_keys,
    settle_policies,
)
from sim.store import (
    CONFIG_MODULE,
    JOB_NAME,
    LAYERS,
    SCENARIO_GROUP,
    config_groups,
    group_options,
    reference_hydra,
    register_configs,
    register_resolvers,
    register_scenarios,
    register_user_dir,
    run_name,
    scenario_files,
)
from sim.yamlfiles import check_resolved_size, scenario_node

__all__ = [
    "CONFIG_MODULE",
    "SCENARIO_GROUP",
    "apply_overlay",
    "compose_config",
    "config_groups",
    "group_options",
    "opened_keys",
    "reference_hydra",
    "register_configs",
    "register_resolvers",
    "register_scenarios",
    "register_user_dir",
    "run_config",
    "run_name",
    "scenario_files",
    "settle",
    "settle_from_hydra",
    "to_yaml",
]


def compose_config(scenario: str = "baseline", overrides: Sequence[str] = ()) -> DictConfig:
    """Compose the config of a scenario with Hydra overrides, outside of ``@hydra.main``.

    Args:
        scenario: Name of a file in ``scenarios/``.
        overrides: Hydra overrides such as ``"simulation.replicates=1000"``.

    Returns:
        The composed config.

    Raises:
        ConfigError: If the scenario is unknown or an override does not compose.
    """
    names = register_configs()
    check_conflicts(overrides)
    if scenario not in names:
        raise ConfigError(f"scenario: unknown scenario {scenario!r}{suggest(scenario, names)}")
    given = [f"scenario={scenario}", *open_policy_keys(overrides)]
    for _ in range(len(given) + 1):
        GlobalHydra.instance().clear()
        try:
            with initialize(config_path=None, version_base="1.3", job_name=JOB_NAME):
                cfg = compose("config", overrides=given, return_hydra_config=True)
            # The result, not the text: whatever a file or an override did, Hydra's node
            # must be the package's own (docs/security.md).
            node = OmegaConf.to_container(cfg.hydra)
            assert isinstance(node, dict)
            check_hydra_node({str(k): v for k, v in node.items()}, reference_hydra())
            choices = dict(cfg.hydra.runtime.choices)
            with open_dict(cfg):
                del cfg["hydra"]
            check_resolved_size(OmegaConf.to_container(cfg))
            settle(cfg, choices, given)
            return cfg
        except ConfigError:
            raise
        except Exception as exc:  # Hydra raises several types for bad overrides
            first = str(exc).splitlines()[0]
            match = re.match(r"Could not override '([^']+)'", first)
            missing = re.search(r"Could not find '([\w/]+)/([^'/]+)'", first)
            if not match and missing:
                group, name = missing.groups()
                known = [str(n)[: -len(".yaml")] for n in ConfigStore.instance().list(group)]
                raise ConfigError(
                    f"{group}: unknown {group} {name!r}{suggest(name, known)}"
                ) from None
            if not match:
                raise ConfigError(f"overrides: {first}") from None
            groups = group_choices(overrides)
            key = match.group(1)
            if not _declared(key, scenario, groups):
                raise ConfigError(_unknown_key(key, scenario, groups)) from None
            # A parameter the actor's kind declares but its roster entry leaves at the
            # default: set it as Hydra's add-or-override (the settings check its value).
            given = [f"++{o}" if o.split("=", 1)[0] == key else o for o in given]
        finally:
            GlobalHydra.instance().clear()
    raise ConfigError("overrides: could not compose")  # pragma: no cover - bounded above


def opened_keys(overrides: Sequence[str]) -> set[str]:
    """Keys of ``actors.ID.PARAM=`` overrides that need Hydra's ``++`` to compose.

    A parameter that the actor's kind declares but its roster entry does not list (it takes
    the declared default) is not in the composed config; :func:`compose_config` opens it, and
    the command line hands Hydra the same ``++`` form.
    """
    scen = [o.split("=", 1)[1] for o in overrides if o.startswith("scenario=")]
    scenario = scen[-1] if scen and "," not in scen[-1] else "baseline"
    groups = [o for o in group_choices(overrides) if "," not in o]
    keys = [o.split("=", 1)[0] for o in overrides if "=" in o]
    return {k for k in keys if not k.startswith(("+", "~")) and _declared(k, scenario, groups)}


def group_choices(overrides: Sequence[str]) -> list[str]:
    """The overrides that choose a config group's option (``design=x``), scenario aside.

    Only these decide the base a key is looked up in; a mistyped key (``replicate=100``)
    is not one of them, so looking it up never composes it again.
    """
    groups = set(config_groups()) - {SCENARIO_GROUP}
    return [o for o in overrides if "=" in o and o.split("=", 1)[0].lstrip("+~") in groups]


def _declared(key: str, scenario: str, groups: Sequence[str]) -> bool:
    """Whether ``actors.ID.PARAM`` names a parameter ID's kind declares but its node lacks."""
    parts = key.split(".")
    if len(parts) != 3 or parts[0] != "actors":
        return False
    base: Any = _base(scenario, tuple(groups))
    node = base.actors.get(parts[1]) if "actors" in base else None
    if not isinstance(node, DictConfig) or parts[2] in node:
        return False
    owner = _owner(parts[:2], node)
    return owner is not None and parts[2] in owner[1]


@functools.lru_cache(maxsize=32)
def _base(scenario: str, groups: tuple[str, ...]) -> DictConfig:
    return compose_config(scenario, list(groups))


def run_config(
    scenario: str = "baseline",
    episode: str | None = None,
    replicates: int | None = None,
    seed: int | None = None,
    days: int | None = None,
    overrides: str | Sequence[str] = (),
) -> DictConfig:
    """A run's config from keyword parameters, as the Python API and Mesa's tools give them.

    Args:
        scenario: Scenario name.
        episode: Episode name (None: the default episode).
        replicates: ``simulation.replicates`` (None: the config's).
        seed: ``simulation.seed`` (None: the config's).
        days: ``simulation.days`` (None: the config's, or the episode's).
        overrides: More Hydra overrides (one string or several).

    Raises:
        ConfigError: On an unknown scenario or episode, or a bad override.
    """
    given = [f"episode={episode}"] if episode is not None else []
    for key, value in (("replicates", replicates), ("seed", seed), ("days", days)):
        if value is not None:
            given.append(f"simulation.{key}={value}")
    more = [overrides] if isinstance(overrides, str) else list(overrides)
    return compose_config(scenario, [*given, *expand_short(more)])


def settle(cfg: DictConfig, choices: Mapping[str, Any], overrides: Sequence[str]) -> None:
    """Drop replaced policies' parameters that a lower layer set (``sim.overrides``), in place.

    Args:
        cfg: A composed config.
        choices: The config groups chosen (Hydra's ``hydra.runtime.choices``).
        overrides: The overrides it was composed with.
    """
    register_configs()
    episode = LAYERS.get(f"episode/{choices.get('episode')}")
    scenario = LAYERS.get(f"{SCENARIO_GROUP}/{choices.get(SCENARIO_GROUP)}")
    settle_policies(cfg, episode, scenario, overrides)


def settle_from_hydra(cfg: DictConfig) -> None:
    """:func:`settle` for the config of the running Hydra job (no-op outside Hydra)."""
    from hydra.core.hydra_config import HydraConfig

    if HydraConfig.initialized():
        hc = HydraConfig.get()
        settle(cfg, dict(hc.runtime.choices), list(hc.overrides.task))


def _unknown_key(key: str, scenario: str, groups: Sequence[str] = ()) -> str:
    """A one-line message for an override of a key that does not exist, with suggestions."""
    base: Any = compose_config(scenario, groups)
    parts = key.split(".")
    node = base
    for i, part in enumerate(parts):
        keys = [str(k) for k in node] if isinstance(node, DictConfig) else []
        if part not in keys:
            if i == 0 and part in SHORT_KEYS:  # the short form, where it is not expanded
                return f"{part}: unknown key here; write simulation.{part}=..."
            # At the top, the short keys (replicates=, days=...) are what a typo is near.
            hint = suggest(part, [*SHORT_KEYS, *keys] if i == 0 else keys)
            where = ".".join(parts[: i + 1])
            owner = _owner(parts[:i], node)
            if owner is not None and i == len(parts) - 1 and part not in owner[1]:
                # A parameter: name what it belongs to and what that takes.
                takes = ", ".join(owner[1]) or "none"
                return (
                    f"{where}: {owner[0]} has no parameter {part!r}{hint} (its parameters: {takes})"
                )
            return (
                f"{where}: unknown key{hint}; to add a new key on purpose, write +{key}=..."
                if hint
                else f"{where}: unknown key; to add a new key on purpose, write +{key}=..."
            )
        node = node[part]
    return f"{key}: cannot be overridden"


def _owner(parents: list[str], node: Any) -> tuple[str, list[str]] | None:
    """What a key's parent is (an actor of a kind, the mechanisms) and the parameters it takes."""
    if parents == ["mechanisms"]:
        return "the mechanisms node", [str(k) for k in node]
    if len(parents) == 2 and parents[0] == "actors" and isinstance(node, DictConfig):
        from sim.kinds import kinds

        decl = kinds().get(str(node.get("kind")))
        if decl is not None:
            return f"a {decl.name}", list(decl.params)
    return None


def apply_overlay(cfg: DictConfig, path: str | Path) -> DictConfig:
    """Merge a scenario overlay file that lives outside the library onto a composed config.

    Research code keeps its own scenarios next to its notebooks; the file is read safely and
    refused if it names code, like the library's.

    Args:
        cfg: A composed config (e.g. from :func:`compose_config`).
        path: A YAML overlay with the same shape as the files in ``scenarios/``.

    Returns:
        A new config; ``cfg`` is left unchanged.

    Raises:
        ConfigError: On malformed YAML or code-naming keys.
    """
    node = scenario_node(Path(path), named=False)
    below = OmegaConf.to_container(cfg, resolve=True)
    merged = OmegaConf.merge(OmegaConf.create(below), OmegaConf.create(node))
    assert isinstance(merged, DictConfig) and isinstance(below, dict)
    # The overlay is a layer over the composed config: a policy it names afresh starts clean.
    settle_policies(merged, {str(k): v for k, v in below.items()}, node, ())
    return merged


def to_yaml(cfg: DictConfig) -> str:
    """The resolved config as YAML text."""
    return OmegaConf.to_yaml(cfg, resolve=True)

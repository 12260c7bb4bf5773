"""Composing configs: the Hydra config tree plus the scenario library.

The config tree ships inside the package as ``sim.configs`` (the top-level
``configs/`` folder). Scenarios live in ``scenarios/`` (``sim.scenarios``), one
YAML overlay per file, and are registered into Hydra's ``scenario`` config group
through the ConfigStore, so ``scenario=NAME`` works from a clone (editable
install) and from an installed wheel alike.

YAML is read with a safe loader: tags such as ``!!python/object`` are refused,
so a scenario file cannot construct Python objects.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from importlib import resources
from pathlib import Path
from typing import Any

import yaml
from hydra import compose, initialize_config_module
from hydra.core.config_store import ConfigStore
from hydra.core.global_hydra import GlobalHydra
from omegaconf import DictConfig, OmegaConf

from sim.errors import ConfigError

CONFIG_MODULE = "sim.configs"
SCENARIO_GROUP = "scenario"


def scenario_files() -> dict[str, Path]:
    """The scenario library: name -> YAML file, sorted by name."""
    root = resources.files("sim.scenarios")
    out = {}
    for entry in root.iterdir():
        if entry.name.endswith(".yaml") and not entry.name.startswith("_"):
            out[entry.name[: -len(".yaml")]] = Path(str(entry))
    return dict(sorted(out.items()))


def load_yaml(path: Path) -> dict[str, Any]:
    """Read a YAML mapping safely.

    Raises:
        ConfigError: If the file is not valid YAML or not a mapping.
    """
    try:
        data = yaml.safe_load(path.read_text(encoding="utf-8"))
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None)
        where = f"line {mark.line + 1}" if mark is not None else "?"
        problem = getattr(exc, "problem", None) or str(exc).splitlines()[0]
        raise ConfigError(f"{path.name}: malformed YAML at {where}: {problem}") from None
    if data is None:
        data = {}
    if not isinstance(data, dict):
        raise ConfigError(f"{path.name}: expected a mapping at the top, got {type(data).__name__}")
    return data


def register_scenarios() -> list[str]:
    """Register every scenario file into the ``scenario`` group (idempotent).

    Returns:
        The scenario names.
    """
    cs = ConfigStore.instance()
    names = []
    for name, path in scenario_files().items():
        node = load_yaml(path)
        scen = node.setdefault("scenario", {})
        if isinstance(scen, dict):
            scen.setdefault("name", name)
        cs.store(group=SCENARIO_GROUP, name=name, node=node, package="_global_")
        names.append(name)
    return names


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
    names = register_scenarios()
    if scenario not in names:
        from sim.ladder import suggest

        raise ConfigError(f"scenario: unknown scenario {scenario!r}{suggest(scenario, names)}")
    GlobalHydra.instance().clear()
    try:
        with initialize_config_module(CONFIG_MODULE, version_base="1.3"):
            return compose("config", overrides=[f"scenario={scenario}", *overrides])
    except ConfigError:
        raise
    except Exception as exc:  # Hydra raises several types for bad overrides
        first = str(exc).splitlines()[0]
        match = re.match(r"Could not override '([^']+)'", first)
        if match:
            raise ConfigError(_unknown_key(match.group(1), scenario)) from None
        raise ConfigError(f"overrides: {first}") from None
    finally:
        GlobalHydra.instance().clear()


def _unknown_key(key: str, scenario: str) -> str:
    """A one-line message for an override of a key that does not exist, with suggestions."""
    from sim.ladder import suggest

    base: Any = compose_config(scenario)
    parts = key.split(".")
    node = base
    for i, part in enumerate(parts):
        keys = [str(k) for k in node] if isinstance(node, DictConfig) else []
        if part not in keys:
            hint = suggest(part, keys)
            where = ".".join(parts[: i + 1])
            return (
                f"{where}: unknown key{hint}; to add a new key on purpose, write +{key}=..."
                if hint
                else f"{where}: unknown key; to add a new key on purpose, write +{key}=..."
            )
        node = node[part]
    return f"{key}: cannot be overridden"


def to_yaml(cfg: DictConfig) -> str:
    """The resolved config as YAML text."""
    return OmegaConf.to_yaml(cfg, resolve=True)

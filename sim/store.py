"""The config tree in Hydra's ConfigStore, and the ``hydra`` node our package composes.

Our package's files, the scenario library and a user's config folder are registered here.
Every file is parsed once per process and registered (group = folder, ``scenario`` for the
scenario library), so ``scenario=NAME`` and every group work from a clone and from an
installed wheel alike, and composing a job's config is fast. Files are read and checked by
:mod:`sim.yamlfiles` and :mod:`sim.safeio` (bounded reads, a safe loader; a file's content
lands in its own group's node). :mod:`sim.config` composes from what is registered here.
"""

from __future__ import annotations

import functools
import hashlib
import os
import re
import secrets
from importlib import resources
from pathlib import Path
from typing import Any

from hydra import compose, initialize
from hydra.core.config_store import ConfigStore
from hydra.core.global_hydra import GlobalHydra
from omegaconf import OmegaConf

from sim.errors import ConfigError
from sim.safeio import files_under
from sim.yamlfiles import check_file, read_config_file, scenario_node

CONFIG_MODULE = "sim.configs"
SCENARIO_GROUP = "scenario"
#: The job name every composition outside ``@hydra.main`` uses: the reference ``hydra`` node
#: and a job's must not differ by the module that happened to compose them.
JOB_NAME = "escalation"
#: The primary config's Hydra part, registered alone (:func:`reference_hydra`).
REFERENCE_CONFIG = "_hydra_reference"


def scenario_files() -> dict[str, Path]:
    """The scenario library: name -> YAML file, sorted by name."""
    root = resources.files("sim.scenarios")
    files = [e for e in root.iterdir() if e.name.endswith(".yaml") and e.name[0] != "_"]
    return dict(sorted((e.name.removesuffix(".yaml"), Path(str(e))) for e in files))


_REGISTERED: list[str] = []
#: The parsed episode and scenario files ("episode/NAME", "scenario/NAME"): the layers a
#: policy switch is judged by (sim/overrides.py).
LAYERS: dict[str, dict[str, Any]] = {}


def run_name(overrides: str) -> str:
    """A short, file-name-safe form of a run's overrides (``hydra.job.override_dirname``).

    Each ``key=value`` keeps the last two parts of its key (less a trailing ``.name``), an
    actor's keys their actor too, and run settings their name alone:
    ``actors.pakistan.policy.name=graduated,simulation.days=60`` gives
    ``pakistan.policy=graduated,days=60``. Longer than 60 characters, it is cut and ends with
    a hash of the whole, so that different overrides stay apart.
    """
    items = []
    for item in overrides.split(","):
        key, sep, value = item.partition("=")
        bare = key.lstrip("+~")
        parts = bare.removeprefix("simulation.").removesuffix(".name").split(".")
        # Two actors' same setting must not read alike: the actor is what tells them apart.
        kept = parts[1:2] + parts[2:][-2:] if parts[0] == "actors" else parts[-2:]
        items.append(key[: len(key) - len(bare)] + ".".join(kept) + sep + value)
    short = re.sub(r"[^A-Za-z0-9._=,+-]", "-", ",".join(items)).strip(",")
    if len(short) > 60:
        digest = hashlib.sha256(overrides.encode()).hexdigest()[:8]
        short = f"{short[:50]}~{digest}"
    return short


def _unique() -> str:
    # The process id and fresh random bits: two runs started in the same second, on one
    # machine or on several sharing a disk, never pick the same folder.
    return f"{os.getpid()}{secrets.token_hex(3)}"


def _shared(store: ConfigStore, memo: dict[int, Any]) -> ConfigStore:
    return store


# Every composition deep-copies Hydra's config repository (CachingConfigRepository), and with
# it the whole ConfigStore: every file registered here, a quarter to a third of a
# composition's time, four times per `escalation run`. The copy is never needed: the store
# hands out a deep copy of a node each time one is loaded (ConfigStore.load), so nothing
# composed can change what is stored. The store is a singleton and stays one: a copy of it is
# the store itself.
ConfigStore.__deepcopy__ = _shared  # type: ignore[attr-defined]


def register_resolvers() -> None:
    """Our interpolations for folder names (``${run_name:...}``, ``${unique:}``), once."""
    if not OmegaConf.has_resolver("run_name"):
        OmegaConf.register_new_resolver("run_name", run_name)
    if not OmegaConf.has_resolver("unique"):
        OmegaConf.register_new_resolver("unique", _unique, use_cache=True)


def register_configs() -> list[str]:
    """Register the config tree and the scenario library in the ConfigStore (once).

    Returns:
        The scenario names.
    """
    register_resolvers()
    if _REGISTERED:
        return list(_REGISTERED)
    root = Path(str(resources.files(CONFIG_MODULE)))
    for path in sorted(root.rglob("*.yaml")):
        rel = path.relative_to(root)
        node, package = read_config_file(path, f"configs/{rel}")
        group = None if rel.parent == Path(".") else rel.parent.as_posix()
        if group is None or not group.startswith("hydra"):
            # Only our own presets under configs/hydra/ and the primary config's hydra node
            # and defaults list speak to Hydra; every other file is checked like a user's.
            check_file(
                {k: v for k, v in node.items() if group or k not in ("hydra", "defaults")},
                f"configs/{rel}",
                group,
                package,
            )
        _store(group, rel.stem, node, package)
        if group is None and rel.stem == "config":
            # The primary config's Hydra part alone: composing it gives the hydra node our
            # package composes (reference_hydra), at a third less than the whole config.
            hydra_defaults = [
                d
                for d in node.get("defaults") or []
                if isinstance(d, dict) and any(str(k).startswith("override hydra/") for k in d)
            ]
            ConfigStore.instance().store(
                name=REFERENCE_CONFIG,
                node={"defaults": [*hydra_defaults, "_self_"], "hydra": node.get("hydra") or {}},
            )
    _REGISTERED.extend(register_scenarios())
    return list(_REGISTERED)


def register_scenarios() -> list[str]:
    """Register every scenario file into the ``scenario`` group.

    Returns:
        The scenario names.
    """
    names = []
    for name, path in scenario_files().items():
        _store(SCENARIO_GROUP, name, scenario_node(path), "_global_")
        names.append(name)
    return names


def _store(group: str | None, name: str, node: dict[str, Any], package: str | None) -> None:
    """Register a checked file in the ConfigStore, remembering episode and scenario layers."""
    ConfigStore.instance().store(group=group, name=name, node=node, package=package)
    if group in ("episode", SCENARIO_GROUP):
        # The layers a policy switch is judged by (sim/overrides.py).
        LAYERS[f"{group}/{name}"] = node


@functools.cache
def config_groups() -> tuple[str, ...]:
    """The config groups a user's config folder may add files to (never ``hydra``).

    Read once: the package's folders do not change while it runs, and every override of
    every job of a sweep asks.
    """
    root = Path(str(resources.files(CONFIG_MODULE)))
    groups = {p.name for p in root.iterdir() if p.is_dir() and not p.name.startswith(("_", "."))}
    return tuple(sorted((groups - {"hydra"}) | {SCENARIO_GROUP}))


def group_options(group: str) -> list[str]:
    """The options of a config group (none when ``group`` is not one)."""
    register_configs()
    try:
        return [str(n).removesuffix(".yaml") for n in ConfigStore.instance().list(group)]
    except OSError:  # Hydra's answer for a group that does not exist
        return []


def register_user_dir(folder: str | Path) -> list[str]:
    """Register a user's config folder (``--config-dir DIR``): ``GROUP/NAME.yaml`` files.

    Hydra would read such a folder itself, ``hydra/`` groups, ``config.yaml`` and all. We read
    it instead, with the same safe loader and checks as our own files: groups are ours
    (``episode``, ``scenario``, ``design``...), never ``hydra``, and names are plain.

    Returns:
        The ``group/name`` entries registered.

    Raises:
        ConfigError: On a missing folder, a file outside a known group, or a bad file.
    """
    register_configs()
    reference_hydra()  # the package's own, before any file of the folder can shadow ours
    root = Path(folder)
    if not root.is_dir():
        raise ConfigError(f"--config-dir: {root} is not a folder")
    groups = config_groups()
    added = []
    # Bounded reads (sim/safeio.py): links that leave the folder are refused, and so are
    # FIFOs, devices and oversized files, before they are read.
    for path in files_under(root, (".yaml", ".yml"), "--config-dir"):
        rel = path.relative_to(root)
        where = f"--config-dir: {rel.as_posix()}"
        group = rel.parent.as_posix()
        if len(rel.parts) != 2 or group not in groups:
            raise ConfigError(
                f"{where}: not in a config group (put files in one of {', '.join(groups)}/)"
            )
        name = path.stem
        if not re.fullmatch(r"[A-Za-z0-9][A-Za-z0-9_-]*", name):
            raise ConfigError(f"{where}: the name {name!r} must be letters, digits, '_' or '-'")
        if group == SCENARIO_GROUP:
            _store(group, name, scenario_node(path, root=root, where=where), "_global_")
            if name not in _REGISTERED:
                _REGISTERED.append(name)
        else:
            node, package = read_config_file(path, where, root)
            check_file(node, where, group, package)
            _store(group, name, node, package)
        added.append(f"{group}/{name}")
    return added


_REFERENCE: list[dict[str, Any]] = []


def reference_hydra() -> dict[str, Any]:
    """The ``hydra`` node our package composes with no user input (once per process)."""
    if not _REFERENCE:
        register_configs()
        GlobalHydra.instance().clear()
        try:
            with initialize(config_path=None, version_base="1.3", job_name=JOB_NAME):
                cfg = compose(REFERENCE_CONFIG, return_hydra_config=True)
        finally:
            GlobalHydra.instance().clear()
        node = OmegaConf.to_container(cfg.hydra)
        assert isinstance(node, dict)
        _REFERENCE.append({str(k): v for k, v in node.items()})
    return _REFERENCE[0]

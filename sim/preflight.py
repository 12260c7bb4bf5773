"""One validation path, before Hydra sees anything, for ``run``, ``-m`` and ``calibrate``.

:func:`prepare` reads the command line, registers a ``--config-dir`` folder through our own
checked loader (:func:`sim.config.register_user_dir`), refuses Hydra flags and ``hydra.*``
overrides outside a short allow-list, composes the config (a sweep's first job) and
validates it against the schema (:class:`~sim.settings.Settings`, the run's size, a probe
model). Only then does the caller start Hydra, with the same arguments. The ``hydra`` node
Hydra acts on therefore comes from our package and the allow-listed overrides alone
(docs/security.md).

:func:`claim_folder` then locks an explicitly named output folder and decides what to do
with what it holds, before Hydra writes its ``.hydra/`` record into it.
"""

from __future__ import annotations

import contextlib
import re
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np
import yaml
from omegaconf import DictConfig, ListConfig, OmegaConf

from sim.app import HYDRA_FILES, already_done
from sim.config import (
    compose_config,
    register_configs,
    register_user_dir,
)
from sim.episode import check_role_overrides
from sim.errors import ConfigError, suggest
from sim.folders import FolderError, clear, config_digest, holds_output, lock
from sim.model import EscalationModel
from sim.overrides import check_conflicts, expand_short, split_hydra_args
from sim.runner import plan_chunks
from sim.settings import Settings

#: Hydra flags a user may give (with their value when they take one). Not ``--config-path``
#: or ``--config-name`` (the primary config is ours), not ``--experimental-rerun`` (it loads
#: a pickle), not ``--shell-completion``.
ALLOWED_FLAGS = frozenset(
    {"-m", "--multirun", "--cfg", "-c", "--package", "-p", "--info", "-i", "--resolve"}
    | {"--help", "-h", "--run", "-r"}
)
#: Flags of ours, read here and not passed on to Hydra.
OWN_FLAGS = frozenset({"--overwrite", "--config-dir", "-cd"})
#: Flags that print instead of running: nothing is written, nothing to validate.
PRINT_FLAGS = frozenset({"--cfg", "-c", "--info", "-i", "--help", "-h"})

#: SLURM launcher settings a command line may give, each checked: sbatch names (letters,
#: digits and ``._-:,+``, no spaces or line breaks: they become lines of a job script) and
#: positive numbers. Setup lines, the Python on the nodes and other sbatch options stay in
#: the preset file: they run commands (docs/cluster.md).
LAUNCHER_NAMES = ("partition", "account", "qos")
LAUNCHER_NUMBERS = ("timeout_min", "cpus_per_task", "mem_gb", "array_parallelism", "n_jobs")
SBATCH_NAME_RE = re.compile(r"[A-Za-z0-9_.:,+-]{1,100}")

#: The ``hydra.*`` overrides a command line may give: where to write, which of our launchers
#: and sweepers, how many jobs at once (and a SLURM launcher's place and size), verbosity.
HYDRA_KEYS = frozenset(
    {"hydra.run.dir", "hydra.sweep.dir", "hydra.verbose"}
    | {f"hydra.launcher.{k}" for k in (*LAUNCHER_NAMES, *LAUNCHER_NUMBERS)}
)
HYDRA_CHOICES = {
    # submitit_local: the SLURM launcher's local executor, to try a cluster sweep at home.
    "hydra/launcher": ("grouped", "local", "slurm", "basic", "submitit_local"),
    "hydra/sweeper": ("grouped", "basic"),
}


@dataclass
class Plan:
    """A command line checked by :func:`prepare`.

    Attributes:
        flags: Hydra's flags, to pass on (ours removed).
        overrides: The overrides, to pass on.
        multirun: A sweep (``-m``).
        printing: ``--cfg``, ``--info`` or ``--help``: Hydra prints, nothing runs (but
            ``--cfg job``, which :func:`prepare` composes into ``cfg`` for us to print).
        overwrite: ``--overwrite``: clear an output folder that holds another run.
        out_dir: The output folder named on the command line (``hydra.run.dir`` or
            ``hydra.sweep.dir``), if any.
        cfg: The validated config (a sweep's first job); when printing, None, or the
            composed config for `--cfg job`.
        settings: Its validated settings.
    """

    flags: list[str]
    overrides: list[str]
    multirun: bool = False
    printing: bool = False
    overwrite: bool = False
    out_dir: Path | None = None
    cfg: DictConfig | None = None
    settings: Settings | None = field(default=None, repr=False)


def split_own_flags(argv: Sequence[str]) -> tuple[list[str], str | None, bool]:
    """Take ``--config-dir DIR`` and ``--overwrite`` out of a command line."""
    rest: list[str] = []
    config_dir, overwrite = None, False
    tokens = list(argv)
    i = 0
    while i < len(tokens):
        tok = tokens[i]
        name, eq, value = tok.partition("=")
        if tok == "--overwrite":
            overwrite = True
        elif name in ("--config-dir", "-cd"):
            if not eq:
                if i + 1 >= len(tokens):
                    raise ConfigError(f"{name}: expected a folder after it")
                value = tokens[i + 1]
                i += 1
            config_dir = value
        else:
            rest.append(tok)
        i += 1
    return rest, config_dir, overwrite


def check_flags(flags: Sequence[str]) -> None:
    """Refuse Hydra flags outside :data:`ALLOWED_FLAGS`.

    Raises:
        ConfigError: Naming the flag.
    """
    known = sorted(ALLOWED_FLAGS | OWN_FLAGS)
    for flag in flags:
        if not flag.startswith("-"):
            continue  # a flag's value
        name = flag.split("=", 1)[0]
        if name not in ALLOWED_FLAGS:
            raise ConfigError(f"{name}: flag not allowed{suggest(name, known)}")


def check_hydra_overrides(overrides: Sequence[str]) -> None:
    """Refuse ``hydra`` overrides outside :data:`HYDRA_KEYS` and :data:`HYDRA_CHOICES`.

    Raises:
        ConfigError: Naming the key and what is allowed.
    """
    for o in overrides:
        key, _, value = o.partition("=")
        bare = key.lstrip("+~")
        if not bare.startswith("hydra"):
            continue
        if bare in HYDRA_CHOICES and not key.startswith(("+", "~")):
            if value not in HYDRA_CHOICES[bare]:
                raise ConfigError(
                    f"{bare}: {value!r} is not one of ours ({', '.join(HYDRA_CHOICES[bare])})"
                )
            continue
        if bare in HYDRA_KEYS and not key.startswith(("+", "~")):
            _check_launcher_value(bare, value)
            continue
        allowed = sorted([*HYDRA_KEYS, *HYDRA_CHOICES])
        raise ConfigError(
            f"{bare}: not allowed (Hydra settings on the command line: {', '.join(allowed)})"
        )


def _check_launcher_value(key: str, value: str) -> None:
    """A launcher setting's value: an sbatch name, or a positive number (``null``: unset).

    Raises:
        ConfigError: Naming the key, for anything else (a space, a line break, ``0``).
    """
    name = key.removeprefix("hydra.launcher.")
    if value == "null" or name not in (*LAUNCHER_NAMES, *LAUNCHER_NUMBERS):
        return
    if name in LAUNCHER_NAMES:
        if not SBATCH_NAME_RE.fullmatch(value):
            raise ConfigError(
                f"{key}: {value!r} is not an sbatch name (letters, digits and ._-:,+ only)"
            )
        return
    try:
        number = float(value)
    except ValueError:
        number = float("nan")
    if name == "n_jobs" and number == -1:
        return  # one worker per core
    if not (number > 0 and number < 1e9):
        raise ConfigError(f"{key}: expected a positive number, got {value!r}")
    if name != "mem_gb" and number != int(number):
        raise ConfigError(f"{key}: expected a whole number, got {value!r}")


def _first_job(overrides: Sequence[str]) -> list[str]:
    """A sweep's first job: each swept value replaced by its first value."""
    from hydra.core.override_parser.overrides_parser import OverridesParser

    out = []
    parser = OverridesParser.create()
    for line in overrides:
        try:
            o = parser.parse_override(line)
        except Exception as exc:  # Hydra's grammar errors: one line
            raise ConfigError(f"{line.split('=', 1)[0]}: {str(exc).splitlines()[0]}") from None
        if o.is_sweep_override():
            first = next(iter(o.sweep_string_iterator()), None)
            if first is None:
                raise ConfigError(f"{o.get_key_element()}: the sweep has no values")
            out.append(f"{o.get_key_element()}={first}")
        else:
            out.append(line)
    return out


def validate(
    overrides: Sequence[str],
    check: Callable[[DictConfig], None] | None = None,
) -> tuple[DictConfig, Settings]:
    """Compose the config and check it entirely: schema, size, a one-replicate probe model.

    Args:
        overrides: Task overrides (``hydra.*`` ones are left out here).
        check: A further check of the composed config (the calibration settings).

    Raises:
        ConfigError: Naming the first invalid field.
    """
    cfg, rest = compose_job(overrides)
    check_role_overrides(rest, cfg)
    if check is not None:
        check(cfg)
    settings = Settings.from_config(cfg)
    plan_chunks(settings)
    # A one-replicate model checks the roster, relations and events too.
    EscalationModel(settings, replicates=np.zeros(1, dtype=np.int64))
    return cfg, settings


def compose_job(overrides: Sequence[str]) -> tuple[DictConfig, list[str]]:
    """The job's config as a run composes it (settled), and its task overrides.

    ``hydra.*`` overrides are left out; ``scenario=`` picks the scenario.
    """
    task = [o for o in overrides if not o.lstrip("+~").startswith("hydra")]
    scen = [o.split("=", 1)[1] for o in task if o.startswith("scenario=")]
    rest = [o for o in task if not o.startswith("scenario=")]
    return compose_config(scen[-1] if scen else "baseline", rest), rest


def job_config_request(flags: Sequence[str]) -> tuple[str | None, bool] | None:
    """``--cfg job`` [``--package KEY``] [``--resolve``]: (the package or None, resolved).

    None for any other printing flags (Hydra prints those itself).
    """
    rest: list[str] = []
    for f in flags:  # --cfg=job and --package=KEY are the same flags
        name, eq, value = f.partition("=")
        rest += [name, value] if eq and name in ("--cfg", "-c", "--package", "-p") else [f]
    resolve = "--resolve" in rest
    rest = [f for f in rest if f != "--resolve"]
    package = None
    for name in ("--package", "-p"):
        if name in rest[:-1]:
            i = rest.index(name)
            package = rest[i + 1]
            rest = rest[:i] + rest[i + 2 :]
    if rest not in (["--cfg", "job"], ["-c", "job"]):
        return None
    return package, resolve


def prepare(
    argv: Sequence[str],
    *,
    rewrite: Callable[[list[str]], list[str]] = expand_short,
    check: Callable[[DictConfig], None] | None = None,
    expand: Callable[[list[str]], list[str]] | None = None,
) -> Plan:
    """Check a command line and validate its config before Hydra sees either.

    Args:
        argv: The subcommand's arguments (overrides and flags).
        rewrite: Turns short keys into full ones (``days=`` -> ``simulation.days=``).
        check: A further check of the composed config.
        expand: Adds overrides a sweep needs (a design's points).

    Raises:
        ConfigError: On anything invalid (nothing is written).
    """
    register_configs()
    rest, config_dir, overwrite = split_own_flags(argv)
    if config_dir is not None:
        register_user_dir(config_dir)
    flags, given = split_hydra_args(rest)
    check_flags(flags)
    overrides = rewrite(given)
    check_conflicts(overrides)
    check_hydra_overrides(overrides)
    plan = Plan(flags=flags, overrides=overrides, overwrite=overwrite)
    plan.multirun = any(f in ("-m", "--multirun") for f in flags)
    plan.printing = any(f.split("=", 1)[0] in PRINT_FLAGS for f in flags)
    if plan.printing:
        if not plan.multirun and job_config_request(flags) is not None:
            # Hydra would print the config before a policy switch drops the replaced
            # policy's parameters (sim/overrides.py); print the one the run uses instead.
            plan.cfg = compose_job(plan.overrides)[0]
        return plan
    if plan.multirun and expand is not None:
        plan.overrides = expand(plan.overrides)
    job = _first_job(plan.overrides) if plan.multirun else plan.overrides
    plan.cfg, plan.settings = validate(job, check)
    key = "hydra.sweep.dir" if plan.multirun else "hydra.run.dir"
    dirs = [o.split("=", 1)[1] for o in plan.overrides if o.split("=", 1)[0] == key]
    if dirs and "${" not in dirs[-1]:
        plan.out_dir = Path(dirs[-1])
    return plan


def printed_job_config(plan: Plan) -> bool:
    """Print the job's config for ``--cfg job`` (the one a run uses); whether it did."""
    request = job_config_request(plan.flags)
    if not (plan.printing and plan.cfg is not None and request is not None):
        return False
    package, resolve = request
    missing = object()
    node = plan.cfg if package is None else OmegaConf.select(plan.cfg, package, default=missing)
    if node is missing:
        raise ConfigError(f"--package: no key {package!r} in the config")
    if package is not None:
        print(f"# @package {package}")
    if isinstance(node, DictConfig | ListConfig):
        print(OmegaConf.to_yaml(node, resolve=resolve), end="")
    else:
        print(node)
    return True


@contextlib.contextmanager
def claim_folder(plan: Plan, what: str = "run folder") -> Iterator[bool]:
    """Lock the plan's output folder (if named) and decide what to do with its contents.

    Yields:
        True if it already holds a complete run of exactly this config (nothing to do).

    Raises:
        FolderError: If another process writes it, or it holds another run or sweep and
            ``--overwrite`` was not given.
    """
    if plan.out_dir is None:
        yield False
        return
    with lock(plan.out_dir, what):
        yield _decide(plan, what)


def _decide(plan: Plan, what: str) -> bool:
    path = plan.out_dir
    assert path is not None
    if plan.multirun:
        if holds_output(path) and not _same_sweep(path, plan.overrides):
            if not plan.overwrite:
                raise FolderError(
                    f"hydra.sweep.dir: {path} holds another sweep (other overrides) or other "
                    "files; choose another folder, or add --overwrite to clear it first"
                )
            clear(path)
        return False
    if plan.settings is None:
        return False
    raw = plan.settings.raw
    if what == "run folder" and already_done(path, raw):
        return True
    if not holds_output(path, ignore=HYDRA_FILES):
        return False
    saved = _read_yaml(path / "config.yaml")
    if what == "run folder" and isinstance(saved, dict) and _digest_of(raw) == _digest_of(saved):
        return False  # an unfinished run of this config: it is recomputed
    if not plan.overwrite:
        raise FolderError(
            f"hydra.run.dir: {path} holds another run (a different config or other files); "
            "choose another folder, or add --overwrite to clear it first"
        )
    clear(path)
    return False


def _digest_of(raw: dict[str, Any]) -> str:
    from sim.runner import _jsonable

    return config_digest(_jsonable(raw))


def _read_yaml(path: Path) -> Any:
    try:
        return yaml.safe_load(path.read_text(encoding="utf-8"))
    except (OSError, ValueError, yaml.YAMLError):
        return None


def _same_sweep(path: Path, overrides: Sequence[str]) -> bool:
    """Whether the sweep folder was written by a sweep with these task overrides (a resume)."""
    saved = _read_yaml(path / "multirun.yaml")
    try:
        task = list(saved["hydra"]["overrides"]["task"])
    except (TypeError, KeyError):
        return False
    mine = [o for o in overrides if not o.lstrip("+~").startswith("hydra")]
    return [str(t) for t in task] == mine

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
import copy
import dataclasses
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from hydra.core.override_parser.types import Glob
from omegaconf import DictConfig, ListConfig, OmegaConf

from sim.app import HYDRA_FILES, already_done
from sim.app import validate as validate_as_run
from sim.composed import check_overrides, parse_overrides, sweep_size
from sim.config import (
    compose_config,
    group_options,
    register_configs,
    register_user_dir,
)
from sim.episode import check_role_overrides
from sim.errors import ConfigError
from sim.folders import (
    FolderError,
    clear,
    holds_output,
    is_complete,
    lock,
    read_marker,
    write_marker,
)
from sim.hydra_args import (
    PRINT_FLAGS,
    check_flags,
    check_hydra_overrides,
    job_config_request,
    split_own_flags,
)
from sim.overrides import check_conflicts, expand_short, split_hydra_args
from sim.posterior import cast_drawn
from sim.runner import run_digest
from sim.safeio import read_run_yaml
from sim.settings import Settings


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


def first_job(overrides: Sequence[str]) -> list[str]:
    """A sweep's first job: each swept value replaced by its first value.

    A shuffled sweep (``shuffle(range(...))``) gives its first value unshuffled: Hydra would
    expand the whole range to shuffle it, before the sweep's size is checked.
    """
    out = []
    for line, o in zip(overrides, parse_overrides(overrides), strict=True):
        if o.is_sweep_override():
            if getattr(o.value(), "shuffle", False):
                o = copy.copy(o)
                o._value = dataclasses.replace(o.value(), shuffle=False)
            value = o.value()
            if isinstance(value, Glob):  # Hydra matches it against the group's options
                first = next(iter(sorted(value.filter(group_options(o.key_or_group)))), None)
            else:
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
    # As the run will: its design point applied, the settings, the run's size, and a
    # one-replicate model that checks the roster, relations and events.
    settings = validate_as_run(cfg)
    check_not_drawn(rest, settings)
    return cfg, settings


def check_not_drawn(overrides: Sequence[str], settings: Settings) -> None:
    """Refuse an override of a parameter that ``posterior=`` draws for every replicate.

    The posterior's draws are set after the overrides, so such a value would change nothing.

    Raises:
        ConfigError: Naming the override.
    """
    if not settings.drawn:
        return
    drawn = cast_drawn(settings.drawn, settings.episode.roles)
    for o in overrides:
        key = o.split("=", 1)[0].lstrip("+~")
        if key in drawn:
            raise ConfigError(
                f"{key}: posterior= draws this parameter for every replicate, so the value"
                " given would change nothing (drop the override, or the posterior)"
            )


def compose_job(overrides: Sequence[str]) -> tuple[DictConfig, list[str]]:
    """The job's config as a run composes it (settled), and its task overrides.

    ``hydra.*`` overrides are left out; ``scenario=`` picks the scenario.
    """
    task = [o for o in overrides if not o.lstrip("+~").startswith("hydra")]
    scen = [o.split("=", 1)[1] for o in task if o.startswith("scenario=")]
    rest = [o for o in task if not o.startswith("scenario=")]
    return compose_config(scen[-1] if scen else "baseline", rest), rest


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
    # Each sweep's shape is checked (finite ranges, a step) before any value is drawn.
    sweep_size(check_overrides(overrides), 10**18, group_options)
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
    job = first_job(plan.overrides) if plan.multirun else plan.overrides
    plan.cfg, plan.settings = validate(job, check)
    if plan.multirun:
        # Counted from the parsed overrides: a range is never expanded to be counted.
        sweep_size(
            check_overrides(plan.overrides), plan.settings.simulation.max_jobs, group_options
        )
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
def claim_folder(plan: Plan, what: str = "run folder", digest: str | None = None) -> Iterator[bool]:
    """Lock the plan's output folder (if named) and decide what to do with its contents.

    A folder it goes on to write gets the ownership marker (:func:`sim.folders.write_marker`),
    with the config's digest; a refused one is left as it was.

    Args:
        plan: The checked command line.
        what: The kind of folder, for messages and the marker.
        digest: The digest of the config a calibration folder's marker records: a folder
            whose marker has it holds an unfinished calibration of this config, restarted
            there; with a complete one, there is nothing to do.

    Yields:
        True if it already holds a complete run (or calibration) of exactly this config.

    Raises:
        FolderError: If another process writes it, or it holds another run or sweep and
            ``--overwrite`` was not given, or ``--overwrite`` was given for a folder this
            tool did not write.
    """
    if plan.out_dir is None:
        yield False
        return
    with lock(plan.out_dir, what):
        done = _decide(plan, what, digest)
        if not done:
            if digest is None and what == "run folder" and plan.settings is not None:
                digest = run_digest(plan.settings.raw)
            write_marker(plan.out_dir, what, digest)
        yield done


def _decide(plan: Plan, what: str, digest: str | None = None) -> bool:
    path = plan.out_dir
    assert path is not None
    if digest is not None and what == "calibration folder":
        if is_complete(path, digest):
            return True
        if read_marker(path).get("config_sha256") == digest:
            clear(path)  # a killed calibration of this config: restarted in its folder
            return False
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
    if what == "run folder" and isinstance(saved, dict) and run_digest(raw) == run_digest(saved):
        return False  # an unfinished run of this config: it is recomputed
    if not plan.overwrite:
        raise FolderError(
            f"hydra.run.dir: {path} holds another run (a different config or other files); "
            "choose another folder, or add --overwrite to clear it first"
        )
    clear(path)
    return False


def _read_yaml(path: Path) -> Any:
    # Bounded (sim/safeio.py): a FIFO or an alias bomb left in the folder reads as nothing.
    try:
        return read_run_yaml(path, root=path.parent)
    except (OSError, ValueError):  # ValueError: ConfigError, a file the reader refuses
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

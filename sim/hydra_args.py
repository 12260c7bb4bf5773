"""The command line's Hydra flags and ``hydra.*`` overrides: the allow-lists and their checks.

:mod:`sim.preflight` runs these before Hydra sees a command line (docs/security.md): flags
outside :data:`ALLOWED_FLAGS` and ``hydra.*`` overrides outside :data:`HYDRA_KEYS` and
:data:`HYDRA_CHOICES` are refused with one line, and the SLURM launcher's values that become
lines of a job script are checked.
"""

from __future__ import annotations

import re
from collections.abc import Sequence

from sim.errors import ConfigError, suggest

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
    if name == "mem_gb" and int(number * 1024) < 1:
        # submitit writes --mem in whole MB, and SLURM reads --mem=0 as the whole node.
        raise ConfigError(
            f"{key}: {value} GB is under 1 MB (--mem=0 would ask SLURM for the whole node)"
        )


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

"""Bounded reads of untrusted files: the one reader for every file a user may hand us.

Config folders, run and sweep folders, posteriors and calibration folders come from users,
so every read of them goes through here and is bounded before it costs anything
(docs/security.md, "Bounded reads"): regular files only, opened without blocking, and inside
the folder the user gave (:func:`open_regular`); a size cap (:func:`read_bytes`); UTF-8
(:func:`decode`); a YAML node and alias budget counted before anything is built
(:func:`check_yaml_budget`); Parquet rows and columns checked from the footer
(:mod:`sim.safeparquet`). Every refusal is a one-line :class:`~sim.errors.ConfigError` naming
the file; failures of the system itself (a missing file, no permission) stay
:class:`OSError`.
"""

from __future__ import annotations

import json
import os
import stat
from collections.abc import Sequence
from pathlib import Path
from typing import Any

import yaml

from sim.errors import ConfigError

MiB = 2**20

#: Largest YAML or JSON file read: config, scenario, episode and seed files, summaries,
#: markers. The largest shipped file is a few kB.
MAX_TEXT_BYTES = 16 * MiB
#: Largest ``config.yaml`` of a run folder read back (``replay``, ``report``, resuming). It
#: holds a posterior run's per-replicate draws, about 450 bytes a replicate with the shipped
#: posterior: this allows some 140,000 replicates.
MAX_RUN_CONFIG_BYTES = 64 * MiB
#: Most YAML nodes a file may expand to, aliases expanded (a scenario holds a few hundred).
MAX_YAML_NODES = 100_000
#: The same for a run folder's ``config.yaml`` (a default posterior run holds 200,000).
MAX_RUN_CONFIG_NODES = 3_000_000
#: Most nodes that aliases may add to any YAML file, a run's ``config.yaml`` included (this
#: tool never writes aliases; a person may, to repeat a block).
MAX_YAML_ALIAS_NODES = 100_000
#: Most aliases (``*name``) in a YAML file.
MAX_YAML_ALIASES = 1_000
#: Deepest nesting of YAML collections (the config tree is about 6 deep).
MAX_YAML_DEPTH = 100

#: libyaml's loader and parser when present: the same result, several times faster.
_SAFE_LOADER = getattr(yaml, "CSafeLoader", yaml.SafeLoader)


def human_size(n: int) -> str:
    """A size limit in words for messages (``16 MiB``, ``4,096 bytes``)."""
    return f"{n // MiB} MiB" if n >= MiB and n % MiB == 0 else f"{n:,} bytes"


def inside(path: str | Path, root: str | Path, where: str) -> Path:
    """The real path of ``path``, refused unless it resolves inside the folder ``root``.

    Raises:
        ConfigError: If ``path`` (or a symbolic link on its way) leads out of ``root``.
    """
    target = Path(os.path.realpath(path))
    base = Path(os.path.realpath(root))
    if not target.is_relative_to(base):
        raise ConfigError(
            f"{where}: leads to {target}, outside {root} (only files inside it are read)"
        )
    return target


def files_under(
    root: str | Path, suffixes: Sequence[str], where: str, max_depth: int = 4
) -> list[Path]:
    """The files of a folder the user gave with these suffixes, sorted; hidden names skipped.

    A symbolically linked folder is followed only if it resolves inside ``root`` (and never
    deeper than ``max_depth`` levels, so a link loop ends); one that leads out is refused.
    The files themselves are checked when read (:func:`open_regular`).

    Raises:
        ConfigError: Naming ``where`` and the entry, on a link that leads out of ``root``.
    """
    base = Path(root)
    out: list[Path] = []

    def walk(folder: Path, depth: int) -> None:
        for entry in os.scandir(folder):
            path = Path(entry.path)
            if entry.name.startswith("."):
                continue
            if entry.is_dir():  # a link to a folder counts: it is followed if inside
                if entry.is_symlink():
                    inside(path, base, f"{where}: {path.relative_to(base).as_posix()}")
                if depth < max_depth:
                    walk(path, depth + 1)
            elif path.suffix in suffixes:  # links to files are checked when read
                out.append(path)

    walk(base, 1)
    return sorted(out)


_KINDS = {stat.S_IFDIR: "a folder", stat.S_IFIFO: "a FIFO", stat.S_IFCHR: "a character device"}
_KINDS |= {stat.S_IFBLK: "a block device", stat.S_IFSOCK: "a socket"}


def open_regular(
    path: str | Path, *, root: str | Path | None = None, where: str | None = None
) -> tuple[int, os.stat_result]:
    """Open a regular file for reading, never blocking: its descriptor and ``fstat``.

    Args:
        path: The file.
        root: The folder the user gave; the file must resolve inside it.
        where: How messages name the file (default: the path).

    Raises:
        ConfigError: If the file leads out of ``root`` or is not a regular file.
        OSError: If it cannot be opened (missing, no permission).
    """
    where = where or str(path)
    target = inside(path, root, where) if root is not None else Path(os.path.realpath(path))
    # O_NONBLOCK: opening a FIFO returns at once instead of waiting for a writer.
    # O_NOFOLLOW: the path is resolved above; a link swapped in since is not followed.
    flags = os.O_RDONLY | os.O_NONBLOCK | os.O_CLOEXEC | os.O_NOFOLLOW
    try:
        fd = os.open(target, flags)
    except OSError as exc:
        exc.filename = str(path)
        raise
    st = os.fstat(fd)
    if not stat.S_ISREG(st.st_mode):
        os.close(fd)
        kind = _KINDS.get(stat.S_IFMT(st.st_mode), "a special file")
        raise ConfigError(f"{where}: {kind}, not a regular file (refused)")
    return fd, st


def read_bytes(
    path: str | Path,
    *,
    root: str | Path | None = None,
    limit: int = MAX_TEXT_BYTES,
    where: str | None = None,
) -> bytes:
    """A regular file's bytes, at most ``limit`` of them.

    Raises:
        ConfigError: On a file that is not regular, leads out of ``root`` or holds more than
            ``limit`` bytes.
        OSError: If it cannot be read.
    """
    where = where or str(path)
    fd, st = open_regular(path, root=root, where=where)
    try:
        if st.st_size > limit:
            raise ConfigError(f"{where}: larger than the {human_size(limit)} limit for such files")
        chunks: list[bytes] = []
        total = 0
        # Read to the limit and one byte more, whatever fstat said: the file may be growing.
        while total <= limit:
            chunk = os.read(fd, min(limit + 1 - total, 4 * MiB))
            if not chunk:
                break
            chunks.append(chunk)
            total += len(chunk)
    finally:
        os.close(fd)
    if total > limit:
        raise ConfigError(f"{where}: larger than the {human_size(limit)} limit for such files")
    return b"".join(chunks)


def decode(data: bytes, where: str) -> str:
    """UTF-8 text of a file's bytes.

    Raises:
        ConfigError: Naming the first byte that is not UTF-8, its offset and line.
    """
    try:
        return data.decode("utf-8")
    except UnicodeDecodeError as exc:
        line = data.count(b"\n", 0, exc.start) + 1
        raise ConfigError(
            f"{where}: not UTF-8 text: byte 0x{data[exc.start]:02x} at offset {exc.start} "
            f"(line {line})"
        ) from None


def read_text(
    path: str | Path,
    *,
    root: str | Path | None = None,
    limit: int = MAX_TEXT_BYTES,
    where: str | None = None,
) -> str:
    """A regular file's UTF-8 text, bounded as :func:`read_bytes`.

    Raises:
        ConfigError: As :func:`read_bytes`, or on a byte that is not UTF-8.
        OSError: If it cannot be read.
    """
    where = where or str(path)
    return decode(read_bytes(path, root=root, limit=limit, where=where), where)


def check_yaml_budget(
    text: str,
    where: str,
    *,
    max_nodes: int = MAX_YAML_NODES,
    max_alias_nodes: int = MAX_YAML_ALIAS_NODES,
    max_aliases: int = MAX_YAML_ALIASES,
    max_depth: int = MAX_YAML_DEPTH,
) -> None:
    """Refuse YAML that would expand past the budget, before any node is built.

    Walks the parser's events (constant memory), counting the nodes the document expands to:
    an alias counts as the whole node it names, whose expanded size is known once that node
    has ended. An alias to a node that has not ended is recursive.

    Raises:
        ConfigError: Past ``max_nodes`` nodes in all, ``max_alias_nodes`` of them added by
            aliases, ``max_aliases`` aliases or ``max_depth`` levels, or on a recursive alias.
        yaml.YAMLError: On malformed YAML (the loader reports it the same way).
    """
    sizes: dict[str, int] = {}  # anchor -> expanded size of its node
    stack: list[tuple[str | None, int]] = []  # open collections: (anchor, count at start)
    count = aliases = alias_nodes = 0
    for event in yaml.parse(text, Loader=_SAFE_LOADER):
        if isinstance(event, yaml.AliasEvent):
            aliases += 1
            if aliases > max_aliases:
                raise ConfigError(f"{where}: more than {max_aliases:,} YAML aliases (refused)")
            if any(anchor == event.anchor for anchor, _ in stack):
                raise ConfigError(f"{where}: the YAML alias *{event.anchor} is recursive")
            size = sizes.get(str(event.anchor), 1)
            count += size
            alias_nodes += size
            if alias_nodes > max_alias_nodes:
                raise ConfigError(
                    f"{where}: YAML aliases expand to more than {max_alias_nodes:,} nodes (refused)"
                )
        elif isinstance(event, yaml.ScalarEvent):
            count += 1
            if event.anchor is not None:
                sizes[event.anchor] = 1
        elif isinstance(event, yaml.CollectionStartEvent):
            stack.append((event.anchor, count))
            count += 1
            if len(stack) > max_depth:
                raise ConfigError(f"{where}: YAML nested deeper than {max_depth} levels")
        elif isinstance(event, yaml.CollectionEndEvent):
            anchor, start = stack.pop()
            if anchor is not None:
                sizes[anchor] = count - start
        elif isinstance(event, yaml.DocumentStartEvent):
            sizes.clear()  # anchors belong to their document
        if count > max_nodes:
            raise ConfigError(f"{where}: YAML of more than {max_nodes:,} nodes (refused)")


def parse_yaml(text: str, where: str, *, max_nodes: int = MAX_YAML_NODES) -> Any:
    """Load YAML text safely, within the budget of :func:`check_yaml_budget`.

    Tags such as ``!!python/object`` are refused (the safe loader builds plain data only).

    Raises:
        ConfigError: Naming ``where``, on malformed YAML or YAML past the budget.
    """
    try:
        check_yaml_budget(text, where, max_nodes=max_nodes)
        return yaml.load(text, Loader=_SAFE_LOADER)
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None)
        at = f"line {mark.line + 1}" if mark is not None else "?"
        problem = getattr(exc, "problem", None) or (str(exc).splitlines() or [""])[0]
        raise ConfigError(f"{where}: malformed YAML at {at}: {problem}") from None


def read_yaml(
    path: str | Path,
    *,
    root: str | Path | None = None,
    limit: int = MAX_TEXT_BYTES,
    max_nodes: int = MAX_YAML_NODES,
    where: str | None = None,
) -> Any:
    """A YAML file, read (:func:`read_text`) and loaded (:func:`parse_yaml`) within bounds.

    Raises:
        ConfigError: On a refused file, bad UTF-8, malformed YAML or YAML past the budget.
        OSError: If it cannot be read.
    """
    where = where or str(path)
    text = read_text(path, root=root, limit=limit, where=where)
    return parse_yaml(text, where, max_nodes=max_nodes)


def read_run_yaml(path: str | Path, *, root: str | Path | None = None) -> Any:
    """A run folder's ``config.yaml``, with the larger bounds its per-replicate draws need.

    Raises:
        ConfigError, OSError: As :func:`read_yaml`.
    """
    return read_yaml(path, root=root, limit=MAX_RUN_CONFIG_BYTES, max_nodes=MAX_RUN_CONFIG_NODES)


def read_json(
    path: str | Path,
    *,
    root: str | Path | None = None,
    limit: int = MAX_TEXT_BYTES,
    where: str | None = None,
) -> Any:
    """A JSON file, read within bounds.

    Raises:
        ConfigError: On a refused file, bad UTF-8 or text that is not JSON.
        OSError: If it cannot be read.
    """
    where = where or str(path)
    text = read_text(path, root=root, limit=limit, where=where)
    try:
        return json.loads(text)
    except (ValueError, RecursionError):  # RecursionError: nesting past the interpreter's
        raise ConfigError(f"{where}: not readable JSON") from None

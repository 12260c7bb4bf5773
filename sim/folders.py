"""Output folders: one writer at a time, atomic files, a completion marker written last.

Every run, sweep and calibration folder follows the same rules (docs/security.md):

- a writer holds the folder's lock (:func:`lock`) while it writes; a second writer is refused
  with one line instead of mixing its files into the first one's;
- every file is written through a temporary name and renamed (:func:`write_text`,
  :func:`atomic`); a failed write (a full disk, say) removes its temporary file;
- ``status.json`` is the completion marker: removed first when a folder is (re)written,
  written last, and it records the digest of the config it vouches for
  (:func:`config_digest`), so that a marker never vouches for another config's files.

Only :mod:`sim.errors` is imported: every layer that writes can use this module.
"""

from __future__ import annotations

import contextlib
import errno
import fcntl
import hashlib
import json
import os
import re
import shutil
from collections.abc import Iterator
from pathlib import Path
from typing import Any

from sim.errors import ConfigError

STATUS = "status.json"

#: Names that end up in folder names (scenarios, episodes, config files): no separators,
#: no leading dot, so no name can climb out of the output folder.
NAME_RE = re.compile(r"[A-Za-z0-9][A-Za-z0-9_-]{0,99}")


class FolderError(ConfigError):
    """An output folder cannot be written as asked (locked, holds another run, unwritable).

    A :class:`~sim.errors.ConfigError`: the command line prints its one line and exits 2.
    """


def check_name(value: Any, where: str) -> str:
    """A name that becomes part of a path: letters, digits, ``_`` and ``-`` only.

    Raises:
        ConfigError: Naming the field, for anything else (``../../x``, ``a/b``, ``.x``).
    """
    text = str(value)
    if not NAME_RE.fullmatch(text):
        raise ConfigError(
            f"{where}: {text!r} must be 1-100 letters, digits, '_' or '-' "
            "(it names an output folder)"
        )
    return text


# Locks this process holds: folder -> (fd, depth). A process re-entering its own folder (the
# command line locks before Hydra, the run locks again inside it) is not a second writer.
_HELD: dict[str, list[int]] = {}


@contextlib.contextmanager
def lock(folder: str | Path, what: str = "folder") -> Iterator[Path]:
    """Hold ``folder``'s lock (creating the folder) while the block writes into it.

    The lock is an advisory ``flock`` on the folder itself: nothing is written for it, and the
    kernel drops it when the process dies, so a killed writer never leaves a stale lock.

    Raises:
        FolderError: If another process holds it, or the folder cannot be created.
    """
    path = Path(folder)
    try:
        path.mkdir(parents=True, exist_ok=True)
    except OSError as exc:
        raise FolderError(f"{path}: cannot create the {what}: {_reason(exc)}") from None
    key = str(path.resolve())
    if key in _HELD:
        _HELD[key][1] += 1
        try:
            yield path
        finally:
            _HELD[key][1] -= 1
        return
    fd = os.open(path, os.O_RDONLY)
    try:
        fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
    except OSError as exc:
        os.close(fd)
        if exc.errno in (errno.EWOULDBLOCK, errno.EAGAIN, errno.EACCES):
            raise FolderError(
                f"{path}: another escalation process is writing this {what}; "
                "wait for it or choose another folder"
            ) from None
        raise
    _HELD[key] = [fd, 1]
    try:
        yield path
    finally:
        _HELD[key][1] -= 1
        if _HELD[key][1] == 0:
            del _HELD[key]
            os.close(fd)  # closing the descriptor releases the lock


def held_here(folder: str | Path) -> bool:
    """Whether this process holds ``folder``'s lock (it is the folder's writer)."""
    return str(Path(folder).resolve()) in _HELD


def _reason(exc: OSError) -> str:
    return exc.strerror or type(exc).__name__


@contextlib.contextmanager
def atomic(path: Path) -> Iterator[Path]:
    """A temporary path next to ``path``, renamed onto it if the block succeeds.

    If the block raises (a full disk, an unwritable folder), the temporary file is removed.
    """
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = path.with_name(f".{path.name}.tmp-{os.getpid()}")
    try:
        yield tmp
        os.replace(tmp, path)
    except BaseException:
        with contextlib.suppress(OSError):
            tmp.unlink()
        raise


def write_text(path: Path, text: str) -> None:
    """Write a text file through a temporary name, then rename it (atomic)."""
    with atomic(path) as tmp:
        tmp.write_text(text, encoding="utf-8")


def config_digest(config: Any) -> str:
    """SHA-256 of a config (a JSON-able structure), independent of key order."""
    text = json.dumps(config, sort_keys=True, separators=(",", ":"), default=str)
    return hashlib.sha256(text.encode()).hexdigest()


def read_status(folder: Path) -> dict[str, Any]:
    """The folder's ``status.json``, or ``{}`` when missing or unreadable."""
    try:
        data = json.loads((folder / STATUS).read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return {}
    return data if isinstance(data, dict) else {}


def is_complete(folder: Path, digest: str | None = None) -> bool:
    """Whether ``folder`` holds a complete output (of the config with ``digest``, if given)."""
    status = read_status(folder)
    if status.get("status") != "complete":
        return False
    return digest is None or status.get("config_sha256") == digest


def mark_complete(folder: Path, digest: str, **info: Any) -> None:
    """Write the completion marker: last, and naming the config it vouches for."""
    status = {"status": "complete", "config_sha256": digest, **info}
    write_text(folder / STATUS, json.dumps(status, indent=1))


def invalidate(folder: Path) -> None:
    """Remove the completion marker before anything else in the folder is rewritten."""
    with contextlib.suppress(FileNotFoundError):
        (folder / STATUS).unlink()


def holds_output(folder: Path, ignore: tuple[str, ...] = (".hydra",)) -> bool:
    """Whether ``folder`` holds anything besides ``ignore`` (Hydra's own record)."""
    try:
        return any(p.name not in ignore for p in folder.iterdir())
    except OSError:
        return False


def clear(folder: Path, keep: tuple[str, ...] = ()) -> None:
    """Remove everything in ``folder`` but ``keep`` (the folder itself stays, and its lock)."""
    invalidate(folder)
    for p in folder.iterdir():
        if p.name in keep:
            continue
        if p.is_dir() and not p.is_symlink():
            shutil.rmtree(p)
        else:
            p.unlink()

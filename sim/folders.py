"""Output folders: one writer at a time, atomic files, a completion marker written last.

Every run, sweep and calibration folder follows the same rules (docs/security.md):

- a writer holds the folder's lock (:func:`lock`) while it writes; a second writer is refused
  with one line instead of mixing its files into the first one's;
- every file is written through a temporary name and renamed (:func:`write_text`,
  :func:`atomic`); a failed write (a full disk, say) removes its temporary file;
- ``status.json`` is the completion marker: removed first when a folder is (re)written,
  written last, and it records the digest of the config it vouches for
  (:func:`config_digest`), so that a marker never vouches for another config's files;
- ``.escalation.json`` is the ownership marker (:func:`write_marker`), written when a
  command claims a folder: only a folder that carries it (or the records of an older
  version, :func:`is_ours`) is ever cleared (:func:`clear`), so ``--overwrite`` cannot empty a
  folder of someone else's files.

Only :mod:`sim.errors` and :mod:`sim.safeio` are imported: every layer that writes can use
this module.
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
from sim.safeio import read_json

STATUS = "status.json"
#: The ownership marker: which command claimed the folder, by which process, for which config.
MARKER = ".escalation.json"

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
    kernel drops it when the last descriptor of it is closed. A forked worker inherits that
    descriptor, so every worker closes it first and dies with its parent
    (:func:`sim.parallel.worker_start`): a killed writer leaves no lock behind.

    Raises:
        FolderError: If another process holds it (saying whether that process is alive, or
            a leftover of a dead one), or the folder cannot be created.
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
            raise _busy(path, what) from None
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


def release_inherited() -> None:
    """Close the lock descriptors a forked child inherited (the first thing a worker does).

    A ``flock`` belongs to the open file description, which a fork shares: while a child keeps
    its copy, the lock outlives the parent. Closing the child's copy leaves the parent's lock
    held (the parent's descriptor still refers to it).
    """
    for fd, _ in _HELD.values():
        with contextlib.suppress(OSError):
            os.close(fd)
    _HELD.clear()


def _busy(path: Path, what: str) -> FolderError:
    """The one line for a lock another process holds: who holds it, alive or not."""
    pid = _flock_owner(path)
    if pid is None:
        marked = read_marker(path).get("pid")
        pid = marked if isinstance(marked, int) and marked > 0 else None
    if pid is None or _alive(pid):
        who = f" (process {pid}, alive)" if pid else ""
        return FolderError(
            f"{path}: another escalation process is writing this {what}{who}; wait for it or "
            "choose another folder"
        )
    return FolderError(
        f"{path}: the {what} is locked by a leftover process of dead process {pid} "
        f"(a stale lock); end it (`fuser -v {path}` names it) or choose another folder"
    )


def _flock_owner(path: Path) -> int | None:
    """The pid that took the ``flock`` on ``path``, from ``/proc/locks`` (Linux), or None.

    The kernel records the process that took the lock, which stays its owner while a forked
    child keeps it: a dead pid here is a lock a leftover child still holds.
    """
    try:
        st = path.stat()
        with open("/proc/locks", encoding="ascii", errors="replace") as f:
            text = f.read(1 << 20)  # bounded: one line per lock on the machine
    except OSError:
        return None
    where = f"{os.major(st.st_dev):02x}:{os.minor(st.st_dev):02x}:{st.st_ino}"
    for line in text.splitlines():
        fields = line.split()
        # "1: FLOCK  ADVISORY  WRITE 31426 fe:00:2238724 0 EOF"; "->" marks a waiter.
        if len(fields) >= 6 and fields[1] == "FLOCK" and fields[5] == where:
            return int(fields[4]) if fields[4].isdigit() and int(fields[4]) > 0 else None
    return None


def _alive(pid: int) -> bool:
    """Whether process ``pid`` exists and is not a zombie (dead, waiting to be reaped)."""
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except OSError:  # EPERM: it exists, under another user
        return True
    try:
        stat = Path(f"/proc/{pid}/stat").read_text(encoding="ascii", errors="replace")
    except OSError:
        return True  # no /proc (not Linux): kill(0) has said it exists
    return stat.rpartition(")")[2].split()[:1] != ["Z"]


def write_marker(folder: Path, what: str, digest: str | None = None) -> None:
    """Mark ``folder`` as claimed by this tool (its lock held): the kind, the pid, the config.

    Written once a command has decided to write the folder, never before, so that a refused
    command leaves a folder as it found it.
    """
    info: dict[str, Any] = {"tool": "escalation", "folder": what, "pid": os.getpid()}
    if digest is not None:
        info["config_sha256"] = digest
    pages = read_marker(folder).get("pages")
    if pages:  # pages `escalation report` wrote here are still not the folder's own files
        info["pages"] = pages
    write_text(folder / MARKER, json.dumps(info, indent=1))


#: Pages the commands write into their own folders: never a target of ``report -o``.
OWN_PAGES = ("report.html", "calibration.html", "validation.html", "discover.html")


def own_file(folder: Path, path: Path) -> bool:
    """Whether ``path`` in ``folder`` (a folder this tool wrote) is one of the folder's files.

    Anything there is, but a page that ``escalation report`` wrote there (recorded by
    :func:`note_page`): only those may be written over by ``report -o``.
    """
    name = path.relative_to(folder).as_posix()
    if name in OWN_PAGES or name == MARKER:
        return True
    if not (path.exists() or path.is_symlink()):
        return False
    return name not in read_marker(folder).get("pages", [])


def note_page(folder: Path, path: Path) -> None:
    """Record in ``folder``'s marker that ``escalation report`` wrote the page ``path`` there."""
    info = read_marker(folder) or {"tool": "escalation", "folder": "output folder"}
    pages = [p for p in info.get("pages", []) if isinstance(p, str)]
    name = path.relative_to(folder).as_posix()
    info["pages"] = [*pages, name] if name not in pages else pages
    write_text(folder / MARKER, json.dumps(info, indent=1))


def read_marker(folder: Path) -> dict[str, Any]:
    """The folder's ownership marker, or ``{}`` when missing or unreadable."""
    try:
        # Bounded and never blocking: the marker of a foreign folder is untrusted too.
        data = read_json(folder / MARKER, root=folder, limit=65536)
    except (OSError, ValueError):
        return {}
    return data if isinstance(data, dict) and data.get("tool") == "escalation" else {}


def is_ours(folder: Path) -> bool:
    """Whether this tool wrote ``folder``: it carries the marker, or an older version's records.

    Folders written before the marker existed count by what every one of them holds: a
    ``status.json`` with a status (runs, sweep jobs, calibrations, validations), Hydra's
    ``.hydra/config.yaml`` (runs and calibrations, finished or not) or a sweep's
    ``multirun.yaml``.
    """
    if read_marker(folder):
        return True
    if "status" in read_status(folder):
        return True
    return (folder / ".hydra" / "config.yaml").is_file() or (folder / "multirun.yaml").is_file()


def tool_folder(path: Path) -> Path | None:
    """The folder this tool wrote that holds ``path`` (``path`` itself or its nearest parent)."""
    for folder in (path, *path.parents):
        if folder.is_dir() and is_ours(folder):
            return folder
    return None


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
        data = read_json(folder / STATUS, root=folder)
    except (OSError, ValueError):  # ValueError: ConfigError, a file the reader refuses
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


def mark_failed(folder: Path, error: str) -> None:
    """Mark a job's folder failed (``status.json``) with a one-line reason.

    A failure to write even that (a full disk) is left for the caller's report: the folder
    then has no marker and reads as incomplete.
    """
    with contextlib.suppress(OSError):
        folder.mkdir(parents=True, exist_ok=True)
        write_text(folder / STATUS, json.dumps({"status": "failed", "error": error}))


def invalidate(folder: Path) -> None:
    """Remove the completion marker before anything else in the folder is rewritten."""
    with contextlib.suppress(FileNotFoundError):
        (folder / STATUS).unlink()


def holds_output(folder: Path, ignore: tuple[str, ...] = (".hydra",)) -> bool:
    """Whether ``folder`` holds anything besides ``ignore`` (Hydra's own record) and the marker."""
    try:
        return any(p.name not in ignore and p.name != MARKER for p in folder.iterdir())
    except OSError:
        return False


def clear(folder: Path, keep: tuple[str, ...] = ()) -> None:
    """Remove everything in ``folder`` but ``keep`` and the marker (the folder and its lock stay).

    Raises:
        FolderError: If this tool did not write the folder (:func:`is_ours`); nothing is
            removed then.
    """
    if not is_ours(folder):
        names = sorted(p.name for p in folder.iterdir() if p.name not in keep)
        raise FolderError(
            f"{folder}: not cleared: escalation did not write this folder (it has no {MARKER}) "
            f"and it holds other files ({', '.join(names[:3])}{', ...' if len(names) > 3 else ''})"
            "; --overwrite clears only folders escalation wrote: choose another folder"
        )
    invalidate(folder)
    for p in folder.iterdir():
        if p.name in keep or p.name == MARKER:
            continue
        if p.is_dir() and not p.is_symlink():
            shutil.rmtree(p)
        else:
            p.unlink()


def claim(folder: Path, digest: str, overwrite: bool, what: str) -> None:
    """Take ``folder`` for a new output (call it inside :func:`lock`).

    A folder holding anything else is refused unless ``overwrite`` clears it (only folders
    this tool wrote are cleared); then the completion marker goes, and the folder marker
    comes back with the config's digest, so a folder without a completion marker is an
    unfinished output.

    Raises:
        FolderError: If the folder holds other files and ``overwrite`` is false, or it is
            not ours to clear.
    """
    if holds_output(folder, ignore=()):
        if not overwrite:
            raise FolderError(
                f"out: {folder} holds other files; choose another folder, or add --overwrite "
                "to clear it first"
            )
        clear(folder)
    invalidate(folder)
    write_marker(folder, what, digest)

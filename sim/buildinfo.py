"""What produced a run, recorded in its ``summary.json``: the package, commit and versions."""

from __future__ import annotations

import functools
import re
from pathlib import Path


@functools.cache
def provenance() -> dict[str, str | None]:
    """What produced a run, for its metadata: package, git commit, Python and numpy versions.

    Computed once per process. The commit is read from the checkout's ``.git`` files (no
    ``git`` process, so a machine without git, or an installed package, gives None).
    """
    import platform

    import numpy as np

    import sim

    return {
        "package": sim.__version__,
        "git_commit": git_commit(Path(__file__).resolve().parent.parent),
        "python": platform.python_version(),
        "numpy": np.__version__,
    }


def git_commit(root: Path) -> str | None:
    """The commit checked out at ``root``, read from ``.git`` (None where there is none)."""
    try:
        git = root / ".git"
        if git.is_file():  # a worktree or submodule: "gitdir: <path>"
            git = (root / git.read_text().partition("gitdir:")[2].strip()).resolve()
        head = (git / "HEAD").read_text().strip()
        if not head.startswith("ref: "):
            return head if re.fullmatch(r"[0-9a-f]{40,64}", head) else None
        ref = head[5:]
        common = git / "commondir"  # worktrees keep their branches in the main .git
        base = (git / common.read_text().strip()).resolve() if common.is_file() else git
        loose = base / ref
        if loose.is_file():
            return loose.read_text().strip() or None
        for line in (base / "packed-refs").read_text().splitlines():
            sha, _, name = line.partition(" ")
            if name == ref:
                return sha
    except (OSError, UnicodeDecodeError):
        pass  # never fail a run over its provenance
    return None

"""Issue 29's probes through the installed command: one line, nothing written, bounded cost.

Each probe is a case of ``tests/bad_inputs.py`` (which runs every case in-process); here the
ones an attacker with a folder of files would try first run as a user would, in a process of
their own, whose wall time and peak memory are measured (``os.wait4``): exit 2 (or 1 for a
failed read or write), one line on stderr, no file written or changed, within 5 seconds and
300 MB.
"""

from __future__ import annotations

import subprocess
import sys
import time
from pathlib import Path

import pytest
from bad_inputs import BAD_INPUTS, expand, make_files, snapshot

BIN = Path(sys.executable).with_name("escalation")

#: The probes of issue 29, found among the cases by what their command line holds.
PROBES = [
    "cd_pkg_callbacks",
    "cd_pkg_env_set",
    "design@hydra.callbacks",
    "{tmp}/cd_bomb",
    "{tmp}/cd_fifo",
    "{tmp}/cd_link_out",
    "{tmp}/cd_dev_zero",
    "{tmp}/run_bomb",
    "post_300m_rows",
    "cd_string_bomb",
    "replicate=100",
    "seed=range(0,1000000000)",
    "design.n=1000000000",
    "summary.json",
    "--overwrite",
]


def _cases() -> list[list[str]]:
    out = []
    for probe in PROBES:
        found = [args for args, _ in BAD_INPUTS if any(probe in a for a in args)]
        assert found, f"no bad-input case holds {probe!r}"
        out.append(found[0])
    return out


#: Runs the command in a small process of its own and writes its peak memory to a file. The
#: memory of a child forked from pytest itself would count pytest's pages from before exec.
WRAP = (
    "import os, sys; pid = os.posix_spawn(sys.argv[2], sys.argv[2:], os.environ); "
    "_, status, usage = os.wait4(pid, 0); "
    "open(sys.argv[1], 'w').write(str(usage.ru_maxrss)); "
    "sys.exit(os.waitstatus_to_exitcode(status))"
)


@pytest.mark.parametrize("args", _cases(), ids=PROBES)
def test_probe_costs_one_line_within_five_seconds_and_300_mb(tmp_path: Path, args) -> None:
    make_files(tmp_path, args)
    before = snapshot(tmp_path)
    rss = tmp_path.parent / f"{tmp_path.name}.rss"
    start = time.perf_counter()
    p = subprocess.run(
        [sys.executable, "-c", WRAP, str(rss), str(BIN), *expand(args, tmp_path)],
        cwd=tmp_path,
        capture_output=True,
        text=True,
        timeout=60,
    )
    seconds = time.perf_counter() - start
    assert p.returncode in (1, 2), p.stderr
    lines = p.stderr.strip().splitlines()
    assert len(lines) == 1 and lines[0].startswith("error: "), p.stderr
    assert snapshot(tmp_path) == before, "no partial output"
    assert seconds < 5, f"{seconds:.1f} s"
    peak_mb = int(rss.read_text()) / 1024  # ru_maxrss is in kB on Linux
    assert peak_mb < 300, f"{peak_mb:.0f} MB"

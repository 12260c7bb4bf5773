"""Output folders keep their integrity: one writer, no mixed or stale folders, no temp files."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import pandas as pd
import pytest
import yaml

from sim.folders import lock

BIN = Path(sys.executable).with_name("escalation")
SMALL = ["replicates=300", "days=5"]


def cli(tmp: Path, *args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run([str(BIN), *args], capture_output=True, text=True, cwd=tmp, timeout=300)


def one_line(p: subprocess.CompletedProcess[str]) -> str:
    lines = p.stderr.strip().splitlines()
    assert len(lines) == 1 and lines[0].startswith("error: "), p.stderr
    return lines[0]


@pytest.mark.parametrize("kind", ["run", "sweep"])
def test_a_second_writer_is_refused(tmp_path: Path, kind: str) -> None:
    out = tmp_path / "out"
    args = (
        ["-m", "seed=1,2", f"hydra.sweep.dir={out}"]
        if kind == "sweep"
        else [f"hydra.run.dir={out}"]
    )
    with lock(out):  # another process writing the folder
        p = cli(tmp_path, "run", *SMALL, *args)
    assert p.returncode == 2 and "another escalation process is writing" in one_line(p)
    assert list(out.iterdir()) == []


def test_a_folder_holding_another_run(tmp_path: Path) -> None:
    out = tmp_path / "r"
    assert cli(tmp_path, "run", *SMALL, "chunk_size=100", f"hydra.run.dir={out}").returncode == 0
    first = (out / "summary.json").read_text()
    # Another config: refused, the folder untouched.
    p = cli(tmp_path, "run", *SMALL, "chunk_size=64", f"hydra.run.dir={out}")
    assert p.returncode == 2 and "holds another run" in one_line(p)
    assert (out / "summary.json").read_text() == first
    # The same config: said done, nothing recomputed.
    p = cli(tmp_path, "run", *SMALL, "chunk_size=100", f"hydra.run.dir={out}")
    assert p.returncode == 0 and "complete with the same config" in p.stdout
    # --overwrite clears it first: no event rows of the old chunking stay behind.
    p = cli(tmp_path, "run", *SMALL, "chunk_size=64", "--overwrite", f"hydra.run.dir={out}")
    assert p.returncode == 0, p.stderr
    fresh = tmp_path / "fresh"
    assert cli(tmp_path, "run", *SMALL, "chunk_size=64", f"hydra.run.dir={fresh}").returncode == 0
    assert len(pd.read_parquet(out / "events")) == len(pd.read_parquet(fresh / "events"))
    assert json.loads((out / "status.json").read_text())["status"] == "complete"


def test_a_killed_run_in_a_used_folder_is_not_marked_complete(tmp_path: Path) -> None:
    out = tmp_path / "r"
    assert cli(tmp_path, "run", *SMALL, f"hydra.run.dir={out}").returncode == 0
    proc = subprocess.Popen(
        [
            str(BIN),
            "run",
            "replicates=2000000",
            "chunk_size=65536",
            "--overwrite",
            f"hydra.run.dir={out}",
        ],
        cwd=tmp_path,
        start_new_session=True,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    deadline = time.time() + 120
    while not list((out / "events").glob("part-00001.parquet")) and time.time() < deadline:
        time.sleep(0.05)
    os.killpg(proc.pid, signal.SIGKILL)
    proc.wait()
    assert not (out / "status.json").exists()


def test_a_stale_marker_never_vouches_for_another_config(tmp_path: Path) -> None:
    """A sweep job killed after writing its config over another sweep's finished job."""
    from sim.app import already_done
    from sim.config import compose_config
    from sim.runner import mark_complete, simulate
    from sim.settings import Settings

    a = Settings.from_config(
        compose_config("baseline", ["simulation.replicates=50", "simulation.days=3"])
    )
    b = Settings.from_config(
        compose_config("baseline", ["simulation.replicates=50", "simulation.days=4"])
    )
    job = tmp_path / "0"
    simulate(a, job, progress=False)
    mark_complete(job, a.raw)
    assert already_done(job, a.raw)
    # The old code compared config.yaml alone: B's config over A's marker looked done.
    (job / "config.yaml").write_text(yaml.safe_dump(b.raw))
    assert not already_done(job, b.raw) and not already_done(job, a.raw)


def test_a_sweep_into_another_sweeps_folder(tmp_path: Path) -> None:
    out = tmp_path / "s"
    base = ["run", "-m", *SMALL, f"hydra.sweep.dir={out}"]
    assert cli(tmp_path, *base, "seed=1,2").returncode == 0
    table = pd.read_parquet(out / "sweep.parquet")
    p = cli(tmp_path, *base, "seed=3,4")
    assert p.returncode == 2 and "holds another sweep" in one_line(p)
    assert pd.read_parquet(out / "sweep.parquet").equals(table)
    # The same sweep resumes; --overwrite replaces it.
    assert cli(tmp_path, *base, "seed=1,2").returncode == 0
    assert cli(tmp_path, *base, "seed=3,4", "--overwrite").returncode == 0
    assert sorted(pd.read_parquet(out / "sweep.parquet")["simulation.seed"]) == [3, 4]


def test_an_incomplete_calibration_is_refused(tmp_path: Path) -> None:
    from sim.errors import ConfigError
    from sim.posterior import posterior_arrays, shipped

    cal = tmp_path / "cal"
    cal.mkdir()
    (cal / "posterior.parquet").write_bytes(shipped("baseline").read_bytes())
    (cal / "calibration.json").write_text("{}")  # killed before its report and marker
    with pytest.raises(ConfigError, match="not a complete calibration"):
        posterior_arrays(cal, 10, seed=1)
    (cal / "status.json").write_text('{"status": "complete"}')
    assert len(posterior_arrays(cal, 10, seed=1)) > 0


def _tmpfs(path: Path, size: str) -> bool:
    if os.geteuid() != 0:
        return False
    path.mkdir()
    r = subprocess.run(
        ["mount", "-t", "tmpfs", "-o", f"size={size}", "tmpfs", str(path)], capture_output=True
    )
    return r.returncode == 0


def test_a_full_disk_gives_one_line_and_no_temp_files(tmp_path: Path) -> None:
    disk = tmp_path / "disk"
    if not _tmpfs(disk, "2m"):
        pytest.skip("needs root and mount to make a small tmpfs (disk full)")
    try:
        p = cli(tmp_path, "run", "replicates=200000", "days=30", f"hydra.run.dir={disk}/r")
        assert p.returncode == 1, p.stderr
        line = p.stderr.strip().splitlines()[-1]
        assert line.startswith("error: ") and "No space left on device" in line, p.stderr
        assert "Traceback" not in p.stderr
        assert not [q for q in disk.rglob("*") if ".tmp-" in q.name]
        assert not (disk / "r" / "status.json").exists()
    finally:
        subprocess.run(["umount", str(disk)], check=False)

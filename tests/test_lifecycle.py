"""Processes end cleanly: workers die with their parent, Ctrl-C stops in one line (issue 29).

Also what a command may do to a folder: a killed calibration restarts in its folder,
``--overwrite`` clears only folders this tool wrote, ``report`` writes beside a run's files
and never over them.
"""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest

from sim.folders import MARKER, lock

BIN = Path(sys.executable).with_name("escalation")
#: A run long enough to be killed mid-way (it writes its first chunk within a second).
LONG = ["replicates=5000000", "chunk_size=65536", "workers=2"]
#: The smallest calibration the tests use (tests/test_calibration.py).
CALIBRATION = [
    "episode=us_iran_2020",
    "population=60",
    "generations=2",
    "batch=2000",
    "fit_draws=2000",
]


def cli(tmp: Path, *args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run([str(BIN), *args], capture_output=True, text=True, cwd=tmp, timeout=120)


def start_long_run(tmp: Path, out: Path) -> tuple[subprocess.Popen[str], list[int]]:
    """A ``workers=2`` run, once it is writing chunks; with its worker processes."""
    proc = subprocess.Popen(
        [str(BIN), "run", *LONG, f"hydra.run.dir={out}"],
        cwd=tmp,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.PIPE,
        text=True,
    )
    deadline = time.time() + 60
    while not list((out / "events").glob("part-*.parquet")) and time.time() < deadline:
        time.sleep(0.02)
    assert list((out / "events").glob("part-*.parquet")), "the run should be mid-way"
    return proc, [pid for pid in children(proc.pid) if "escalation" in cmdline(pid)]


def children(pid: int) -> list[int]:
    out = subprocess.run(["ps", "-o", "pid=", "--ppid", str(pid)], capture_output=True, text=True)
    return [int(p) for p in out.stdout.split()]


def cmdline(pid: int) -> str:
    try:
        return Path(f"/proc/{pid}/cmdline").read_bytes().replace(b"\0", b" ").decode()
    except OSError:
        return ""


def alive(pid: int) -> bool:
    try:
        state = Path(f"/proc/{pid}/stat").read_text().rpartition(")")[2].split()[0]
    except OSError:
        return False
    return state != "Z"


def gone_within(pids: list[int], seconds: float) -> bool:
    deadline = time.time() + seconds
    while any(alive(p) for p in pids) and time.time() < deadline:
        time.sleep(0.01)
    return not any(alive(p) for p in pids)


@pytest.mark.skipif(not sys.platform.startswith("linux"), reason="reads /proc")
def test_workers_die_with_a_killed_parent_and_release_the_lock(tmp_path: Path) -> None:
    out = tmp_path / "run"
    proc, workers = start_long_run(tmp_path, out)
    assert workers, "workers=2 forks a worker"
    proc.kill()
    proc.wait()
    # Before: a forked worker lived on for minutes, holding the folder's lock.
    assert gone_within(workers, 5.0), "a worker outlived its parent"
    with lock(out):  # the lock went with the processes
        pass
    p = cli(tmp_path, "run", "replicates=300", "days=5", f"hydra.run.dir={out}", "--overwrite")
    assert p.returncode == 0, p.stderr
    assert json.loads((out / "status.json").read_text())["status"] == "complete"


@pytest.mark.skipif(not sys.platform.startswith("linux"), reason="reads /proc")
def test_ctrl_c_stops_in_one_line_with_status_130(tmp_path: Path) -> None:
    out = tmp_path / "run"
    proc, workers = start_long_run(tmp_path, out)
    start = time.time()
    proc.send_signal(signal.SIGINT)
    _, err = proc.communicate(timeout=30)
    assert proc.returncode == 130, err
    assert time.time() - start < 10, "the workers' chunks are not waited for"
    assert "Traceback" not in err
    assert err.strip().splitlines()[-1].startswith("interrupted (Ctrl-C)")
    assert not (out / "status.json").exists()  # nothing marked complete
    assert gone_within(workers, 5.0)
    with lock(out):
        pass


def test_a_killed_calibration_restarts_in_its_folder(tmp_path: Path) -> None:
    out = tmp_path / "cal"
    proc = subprocess.Popen(
        [str(BIN), "calibrate", *CALIBRATION, f"hydra.run.dir={out}"],
        cwd=tmp_path,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    deadline = time.time() + 60
    while not (out / MARKER).exists() and time.time() < deadline:  # it has claimed the folder
        time.sleep(0.005)
    proc.kill()
    proc.wait()
    assert (out / MARKER).exists() and not (out / "status.json").exists()
    (out / "calibration.json").write_text("{partial")  # as a kill mid-way may leave
    # The same config restarts there (before: refused without --overwrite) ...
    p = cli(tmp_path, "calibrate", *CALIBRATION, f"hydra.run.dir={out}")
    assert p.returncode == 0, p.stderr
    assert json.loads((out / "status.json").read_text())["status"] == "complete"
    assert json.loads((out / "calibration.json").read_text())["particles"] == 60
    # ... and is then said done (another config is refused: tests/bad_inputs.py).
    p = cli(tmp_path, "calibrate", *CALIBRATION, f"hydra.run.dir={out}")
    assert p.returncode == 0 and "complete with the same config" in p.stdout


def test_overwrite_spares_a_foreign_folder_and_clears_our_own(tmp_path: Path) -> None:
    thesis = tmp_path / "thesis"
    thesis.mkdir()
    (thesis / "thesis.tex").write_text("\\begin{document}")
    p = cli(tmp_path, "run", "replicates=300", "days=5", f"hydra.run.dir={thesis}", "--overwrite")
    assert p.returncode == 2 and "escalation did not write this folder" in p.stderr
    assert [f.name for f in thesis.iterdir()] == ["thesis.tex"]
    # A run folder of an older version (no marker, a status.json) is still ours to clear.
    run = tmp_path / "run"
    assert cli(tmp_path, "run", "replicates=300", "days=5", f"hydra.run.dir={run}").returncode == 0
    (run / MARKER).unlink()
    p = cli(tmp_path, "run", "replicates=200", "days=5", f"hydra.run.dir={run}", "--overwrite")
    assert p.returncode == 0, p.stderr
    assert json.loads((run / MARKER).read_text())["folder"] == "run folder"


def test_report_goes_into_the_run_folder_beside_its_files(tmp_path: Path) -> None:
    run = tmp_path / "run"
    assert cli(tmp_path, "run", "replicates=300", "days=5", f"hydra.run.dir={run}").returncode == 0
    summary = (run / "summary.json").read_bytes()
    p = cli(tmp_path, "report", str(run))
    assert p.returncode == 0, p.stderr
    assert (run / "comparison.html").is_file() and not (tmp_path / "report.html").exists()
    # Written again (a page report wrote), and under a new name; never over the run's files.
    assert cli(tmp_path, "report", str(run)).returncode == 0
    assert cli(tmp_path, "report", str(run), "-o", str(run / "mine.html")).returncode == 0
    for name in ("summary.json", "report.html"):
        p = cli(tmp_path, "report", str(run), "-o", str(run / name))
        assert p.returncode == 2 and len(p.stderr.strip().splitlines()) == 1, p.stderr
    assert (run / "summary.json").read_bytes() == summary
    assert json.loads((run / MARKER).read_text())["pages"] == ["comparison.html", "mine.html"]


@pytest.mark.skipif(not sys.platform.startswith("linux"), reason="reads /proc")
def test_sweep_workers_die_with_a_killed_parent(tmp_path: Path) -> None:
    """The sweep's spawned workers (sim.parallel.jobs) die with it too."""
    out = tmp_path / "sweep"
    proc = subprocess.Popen(
        [str(BIN), "run", "-m", "seed=1,2", *LONG[:2], f"hydra.sweep.dir={out}"],
        cwd=tmp_path,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    deadline = time.time() + 60
    while not list(out.glob("*/events/part-*.parquet")) and time.time() < deadline:
        time.sleep(0.02)
    workers = [p for p in children(proc.pid) if "multiprocessing" in cmdline(p)]
    workers = [p for p in workers if "resource_tracker" not in cmdline(p)]
    assert workers, "the sweep runs its jobs in worker processes"
    os.kill(proc.pid, signal.SIGKILL)
    proc.wait()
    assert gone_within(workers, 5.0)
    with lock(out):
        pass


@pytest.mark.skipif(not sys.platform.startswith("linux"), reason="reads /proc")
def test_ctrl_c_stops_a_sweep_in_one_line(tmp_path: Path) -> None:
    """Its spawned workers end at once, and leave nothing for the resource tracker to warn of."""
    out = tmp_path / "sweep"
    proc = subprocess.Popen(
        [str(BIN), "run", "-m", "seed=1,2,3", *LONG[:2], f"hydra.sweep.dir={out}"],
        cwd=tmp_path,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.PIPE,
        text=True,
    )
    deadline = time.time() + 60
    while not list(out.glob("*/events/part-*.parquet")) and time.time() < deadline:
        time.sleep(0.02)
    workers = [p for p in children(proc.pid) if "resource_tracker" not in cmdline(p)]
    proc.send_signal(signal.SIGINT)
    _, err = proc.communicate(timeout=30)
    assert proc.returncode == 130, err
    assert err.strip().splitlines()[-1].startswith("interrupted (Ctrl-C)"), err
    assert "Traceback" not in err and "Warning" not in err
    assert not list(out.glob("*/status.json"))
    assert gone_within(workers, 5.0)

"""Sweeps on a live SLURM cluster (hydra/launcher=slurm): same table, cancel, resume, logs.

They need a running cluster with accounting (sacct): `tests/slurm/start.sh` brings up a
one-node one as root, and `.ci/run` calls it first. Elsewhere they are skipped with the
reason, except where ESCALATION_SLURM_TESTS=required (set by .ci/run once the cluster is
up), where a missing cluster fails them.
"""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
import time
from pathlib import Path

import pandas as pd
import pytest

BIN = Path(sys.executable).with_name("escalation")
START = Path(__file__).parent / "slurm" / "start.sh"

pytestmark = pytest.mark.slurm

#: Small jobs for the test cluster (one CPU each, so two run at once on two cores).
SLURM = ["hydra/launcher=slurm", "hydra.launcher.cpus_per_task=1", "hydra.launcher.mem_gb=1"]


def cluster_problem() -> str | None:
    """Why the SLURM tests cannot run here (None: a cluster answers)."""
    for tool in ("sinfo", "sbatch", "sacct", "scancel"):
        if shutil.which(tool) is None:
            return f"{tool} not found"
    try:
        info = subprocess.run(
            ["sinfo", "-h", "-o", "%t"], capture_output=True, text=True, timeout=20
        )
        acct = subprocess.run(
            ["sacct", "-n", "-X", "-S", "now"], capture_output=True, text=True, timeout=20
        )
    except subprocess.TimeoutExpired:
        return "sinfo/sacct did not answer in 20 s"
    if info.returncode != 0 or not {"idle", "mix", "alloc"} & set(info.stdout.split()):
        return f"no idle SLURM node ({(info.stderr or info.stdout).strip()[:100]})"
    if acct.returncode != 0:
        return f"sacct does not work ({acct.stderr.strip()[:100]}); submitit needs accounting"
    return None


@pytest.fixture(scope="module")
def cluster() -> None:
    problem = cluster_problem()
    if problem is None:
        return
    message = f"no SLURM cluster: {problem} (as root: {START.relative_to(Path.cwd())})"
    if os.environ.get("ESCALATION_SLURM_TESTS") == "required":
        pytest.fail(message)
    pytest.skip(message)


def sweep(tmp: Path, name: str, *args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [str(BIN), "run", "-m", *args, f"hydra.sweep.dir={tmp / name}"],
        capture_output=True,
        text=True,
        cwd=tmp,
        timeout=600,
    )


def table(tmp: Path, name: str) -> pd.DataFrame:
    return pd.read_parquet(tmp / name / "sweep.parquet")


def slurm_job(folder: Path) -> str:
    return str(json.loads((folder / "slurm.json").read_text())["job_id"])


def test_grid_on_slurm_gives_the_local_table_and_links_the_logs(
    cluster: None, tmp_path: Path
) -> None:
    grid = [
        "scenario=baseline,no_mediation",
        "actors.iran.policy.generosity=0.1,0.7",
        "replicates=300",
        "days=10",
    ]
    on_slurm = sweep(tmp_path, "slurm", *grid, *SLURM)
    local = sweep(tmp_path, "local", *grid)
    assert on_slurm.returncode == 0 and local.returncode == 0, on_slurm.stderr + local.stderr
    assert "submitted as array" in on_slurm.stdout
    pd.testing.assert_frame_equal(table(tmp_path, "slurm"), table(tmp_path, "local"))
    assert len(table(tmp_path, "slurm")) == 4
    arrays = set()
    for job in range(4):
        folder = tmp_path / "slurm" / str(job)
        for name in ("config.yaml", ".hydra/overrides.yaml", ".hydra/config.yaml"):
            assert (folder / name).read_text() == (tmp_path / "local" / str(job) / name).read_text()
        # The job's logs, from its folder: relative links into the sweep's .submitit/.
        out, err = folder / "slurm.out", folder / "slurm.err"
        assert out.is_symlink() and not os.path.isabs(os.readlink(out))
        assert out.resolve().is_relative_to((tmp_path / "slurm" / ".submitit").resolve())
        assert f"[job] {job}: 300 replicates" in out.read_text()
        assert "Job completed successfully" in out.read_text() and err.is_file()
        info = json.loads((folder / "slurm.json").read_text())
        assert info["state"] == "COMPLETED" and info["job_id"].endswith(f"_{job}")
        arrays.add(info["job_id"].split("_")[0])
    # One array for the sweep, and SLURM's accounting has each of its tasks completed.
    (array,) = arrays
    acct = subprocess.run(
        ["sacct", "-n", "-X", "-P", "-o", "JobID,State", "-j", array],
        capture_output=True,
        text=True,
        check=True,
    ).stdout.split()
    assert sorted(acct) == [f"{array}_{j}|COMPLETED" for j in range(4)]


def test_cancelled_job_fails_alone_and_a_rerun_recomputes_only_it(
    cluster: None, tmp_path: Path
) -> None:
    # Job 0 runs long enough (800,000 replicates, about 5 s at 150,000 a second) to be
    # cancelled mid-way and not finish within KillWait (2 s) of the cancel; job 1 is short.
    args = ["replicates=800000,20000", "days=30", *SLURM]
    root = tmp_path / "sweep"
    proc = subprocess.Popen(
        [str(BIN), "run", "-m", *args, f"hydra.sweep.dir={root}"],
        cwd=tmp_path,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )
    # Job 0 has started simulating (its config is written first) but has not finished.
    victim = root / "0"
    deadline = time.time() + 300
    while not (victim / "config.yaml").exists() and time.time() < deadline:
        time.sleep(0.1)
    assert not (victim / "status.json").exists(), "the cancel should land mid-job"
    cancelled = slurm_job(victim)
    subprocess.run(["scancel", cancelled], check=True)
    _, err = proc.communicate(timeout=600)
    assert proc.returncode == 1, err  # a job failed: the sweep says so
    t = table(tmp_path, "sweep")
    assert list(t["status"]) == ["failed", "complete"]
    assert f"SLURM job {cancelled} ended CANCELLED" in t.loc[0, "error"]
    assert "0/slurm.err" in t.loc[0, "error"]
    survivor = root / "1" / "status.json"
    mtime, first_job = survivor.stat().st_mtime_ns, slurm_job(root / "1")

    again = sweep(tmp_path, "sweep", *args)
    assert again.returncode == 0, again.stderr
    assert "[job] 1: complete with the same config, not recomputed" in again.stdout
    assert "SLURM: 1 job(s) submitted" in again.stdout
    assert survivor.stat().st_mtime_ns == mtime and slurm_job(root / "1") == first_job
    assert slurm_job(victim) != cancelled
    t = table(tmp_path, "sweep")
    assert list(t["status"]) == ["complete", "complete"]
    assert t["p_mediation_offered"].notna().all()


@pytest.mark.slurm
def test_validation_folds_run_as_slurm_jobs(cluster: None, tmp_path: Path) -> None:
    """``escalation validate launcher=slurm``: each fold is a task of one SLURM job array."""
    out = tmp_path / "v"
    args = [
        "episodes=[iran_pakistan_2024,us_iran_2020]",
        "population=40",
        "generations=2",
        "max_moves=2",
        "batch=1000",
        "fit_draws=300",
        "draws=300",
        f"out={out}",
    ]
    p = subprocess.run(
        [str(BIN), "validate", *args, "launcher=slurm"],
        capture_output=True,
        text=True,
        timeout=600,
    )
    assert p.returncode == 0, p.stderr
    doc = json.loads((out / "validation.json").read_text())
    assert [f["episode"] for f in doc["folds"]] == ["iran_pakistan_2024", "us_iran_2020"]
    for fold in ("iran_pakistan_2024", "us_iran_2020"):
        info = json.loads((out / "folds" / fold / "slurm.json").read_text())
        assert info["state"] == "COMPLETED" and "_" in info["job_id"]  # an array task
    # The same folds on local workers give the same numbers.
    local = tmp_path / "local"
    q = subprocess.run(
        [str(BIN), "validate", *args[:-1], f"out={local}"],
        capture_output=True,
        text=True,
        timeout=600,
    )
    assert q.returncode == 0, q.stderr
    here = json.loads((local / "validation.json").read_text())
    for a, b in zip(doc["folds"], here["folds"], strict=True):
        assert a["p_pattern_posterior"] == b["p_pattern_posterior"]
        assert a["p_pattern_prior"] == b["p_pattern_prior"]


@pytest.mark.slurm
def test_benchmark_crisis_jobs_run_as_slurm_jobs(cluster: None, tmp_path: Path) -> None:
    """``escalation benchmark icb launcher=slurm``: the crisis jobs are SLURM array tasks."""
    args = ["limit=1", "draws=40", "keep=0.25", "forecast_draws=30", "bootstrap=10", "jobs=2"]
    out = tmp_path / "b"
    p = subprocess.run(
        [str(BIN), "benchmark", "icb", *args, f"out={out}", "launcher=slurm"],
        capture_output=True,
        text=True,
        timeout=600,
    )
    assert p.returncode == 0, p.stderr
    # One job per share of records: with one training record the fit is a single job.
    for folder in sorted((out / "jobs").glob("*_0*")):
        assert json.loads((folder / "slurm.json").read_text())["state"] == "COMPLETED"
    local = tmp_path / "local"
    q = subprocess.run(
        [str(BIN), "benchmark", "icb", *args, f"out={local}", "workers=2"],
        capture_output=True,
        text=True,
        timeout=600,
    )
    assert q.returncode == 0, q.stderr
    there = json.loads((out / "benchmark.json").read_text())
    here = json.loads((local / "benchmark.json").read_text())
    for name, v in there["variables"].items():
        assert v["scores"] == here["variables"][name]["scores"]

"""Sweeps through the CLI: aggregation, failures, designs, the SLURM path, kill and resume."""

from __future__ import annotations

import json
import os
import re
import signal
import subprocess
import sys
import time
from pathlib import Path

import pandas as pd
import pytest

from sim.designs import design_from_config
from sim.sweep.aggregate import aggregate
from sim.sweep.launcher import split_overrides

BIN = Path(sys.executable).with_name("escalation")


def sweep(tmp: Path, *args: str, name: str = "sweep") -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [str(BIN), "run", "-m", *args, f"hydra.sweep.dir={tmp / name}"],
        capture_output=True,
        text=True,
        cwd=tmp,
        timeout=600,
    )


def table(tmp: Path, name: str = "sweep") -> pd.DataFrame:
    return pd.read_parquet(tmp / name / "sweep.parquet")


def test_grid_sweep_with_a_failing_job(tmp_path: Path) -> None:
    p = sweep(
        tmp_path,
        "scenario=baseline,no_mediation",
        "actors.iran.willingness=0.05,2",
        "replicates=300",
        "days=10",
    )
    assert p.returncode == 1, p.stderr  # some jobs failed: the sweep says so
    t = table(tmp_path)
    assert len(t) == 4
    assert sorted(t["status"]) == ["complete", "complete", "failed", "failed"]
    failed = t[t.status == "failed"]
    assert failed["error"].str.contains("actors.iran.willingness: 2 outside").all()
    done = t[t.status == "complete"].set_index("scenario")
    assert done.loc["no_mediation", "p_mediation_offered"] == 0.0
    assert done.loc["baseline", "p_mediation_offered"] > 0.5
    meta = json.loads((tmp_path / "sweep" / "sweep.json").read_text())
    assert meta["parameters"] == ["actors.iran.willingness"] and meta["failed"] == 2
    assert "[sweep]" in p.stderr and "Sweep directory" in p.stdout
    assert f"Report: {(tmp_path / 'sweep' / 'report.html').resolve()}" in p.stdout


def test_aggregate_runs_on_its_own(tmp_path: Path) -> None:
    assert (
        sweep(
            tmp_path, "actors.iran.policy.generosity=0.1,0.9", "replicates=200", "days=8"
        ).returncode
        == 0
    )
    (tmp_path / "sweep" / "sweep.parquet").unlink()
    p = subprocess.run(
        [str(BIN), "aggregate", str(tmp_path / "sweep")], capture_output=True, text=True
    )
    assert p.returncode == 0, p.stderr
    t = table(tmp_path)
    assert len(t) == 2
    # The run's size once, under its config key.
    assert "replicates" not in t.columns and "days" not in t.columns
    assert list(t["simulation.replicates"]) == [200, 200] and list(t["simulation.days"]) == [8, 8]
    assert subprocess.run([str(BIN), "aggregate", str(tmp_path)]).returncode == 2


def test_latin_hypercube_design(tmp_path: Path) -> None:
    p = sweep(tmp_path, "design=lhs_policies", "design.n=4", "replicates=200", "days=8")
    assert p.returncode == 0, p.stderr
    t = table(tmp_path)
    assert len(t) == 4 and (t.status == "complete").all()
    meta = json.loads((tmp_path / "sweep" / "sweep.json").read_text())
    assert meta["design"] == "lhs_policies" and len(meta["parameters"]) == 5
    col = "actors.iran.policy.generosity"
    assert t[col].between(0, 1).all() and t[col].nunique() == 4
    assert (t["actors.pakistan.max_step"] % 1 == 0).all()


def test_sobol_design_size() -> None:
    d = design_from_config(
        {"method": "sobol", "n": 8, "parameters": {"a.b": [0.0, 1.0], "c.d": [1, 9]}}
    )
    pts = d.points()
    assert pts.shape == (len(d), 2) == (8 * (2 + 2), 2)
    assert set(pts[:, 1]) <= set(range(1, 10))
    assert d.values(3) == d.values(3)  # regenerated identically from the seed


def test_submitit_local_launcher(tmp_path: Path) -> None:
    """The SLURM path (submitit), exercised through submitit's local executor."""
    p = sweep(
        tmp_path,
        "hydra/launcher=submitit_local",
        "actors.iran.policy.generosity=0.2,0.8",
        "replicates=200",
        "days=8",
        "hydra.launcher.timeout_min=5",
    )
    assert p.returncode == 0, p.stderr
    t = table(tmp_path)
    assert (t.status == "complete").all() and len(t) == 2
    assert (tmp_path / "sweep" / ".submitit").is_dir()


@pytest.mark.parametrize("launcher", ["basic", "grouped"])
def test_killed_sweep_resumes_without_recomputing(tmp_path: Path, launcher: str) -> None:
    args = [
        "actors.iran.policy.generosity=0.0,0.2,0.4,0.6,0.8,1.0",
        "replicates=30000",
        "days=30",
        f"hydra/launcher={launcher}",
    ]
    proc = subprocess.Popen(
        [str(BIN), "run", "-m", *args, f"hydra.sweep.dir={tmp_path / 'sweep'}"],
        cwd=tmp_path,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
        start_new_session=True,
    )
    status = [tmp_path / "sweep" / str(i) / "status.json" for i in range(6)]
    deadline = time.time() + 300
    while sum(s.exists() for s in status) < 2 and time.time() < deadline:
        time.sleep(0.05)
    os.killpg(proc.pid, signal.SIGKILL)
    proc.wait()
    finished = {s.parent.name: s.stat().st_mtime_ns for s in status if s.exists()}
    assert 2 <= len(finished) < 6, "the kill should land mid-sweep"
    assert not (tmp_path / "sweep" / "sweep.parquet").exists()
    again = sweep(tmp_path, *args)
    assert again.returncode == 0, again.stderr
    for job, mtime in finished.items():
        assert (tmp_path / "sweep" / job / "status.json").stat().st_mtime_ns == mtime
        assert f"[job] {job}: complete with the same config, not recomputed" in again.stdout
    clean = sweep(tmp_path, *args, name="clean")
    assert clean.returncode == 0
    metrics = [c for c in table(tmp_path).columns if c.startswith(("p_", "casualties"))]
    pd.testing.assert_frame_equal(table(tmp_path)[metrics], table(tmp_path, "clean")[metrics])


def test_incomplete_jobs_are_reported(tmp_path: Path) -> None:
    assert (
        sweep(
            tmp_path, "actors.iran.policy.generosity=0.1,0.9", "replicates=200", "days=8"
        ).returncode
        == 0
    )
    (tmp_path / "sweep" / "1" / "status.json").unlink()
    t = pd.read_parquet(aggregate(tmp_path / "sweep", report=False))
    assert list(t["status"]) == ["complete", "incomplete"]


@pytest.mark.parametrize("bad", ["design.method=grid", "design.n=0"])
def test_bad_design_is_refused_up_front(tmp_path: Path, bad: str) -> None:
    p = sweep(tmp_path, "design=lhs_policies", bad, "replicates=100")
    assert p.returncode == 2 and "design." in p.stderr
    assert not (tmp_path / "sweep").exists()


def test_sobol_design_report_has_sensitivity_indices(tmp_path: Path) -> None:
    p = sweep(tmp_path, "design=sobol_policies", "design.n=4", "replicates=200", "days=8")
    assert p.returncode == 0, p.stderr
    t = table(tmp_path)
    assert len(t) == 4 * (5 + 2) and (t.status == "complete").all()
    assert "Sobol sensitivity" in (tmp_path / "sweep" / "report.html").read_text()


@pytest.mark.parametrize("n_jobs", [1, 2])
def test_grouped_launcher_gives_hydras_results(tmp_path: Path, n_jobs: int) -> None:
    """Our launcher and sweeper (the default) write what Hydra's basic ones write."""
    args = [
        "scenario=baseline,no_mediation",
        "actors.iran.policy.generosity=0.1,0.7",
        "mechanisms.hostility_gain=0.4",
        "replicates=300",
        "days=10",
    ]
    ours = sweep(tmp_path, *args, f"hydra.launcher.n_jobs={n_jobs}", name="grouped")
    hydras = sweep(tmp_path, *args, "hydra/launcher=basic", "hydra/sweeper=basic", name="basic")
    assert ours.returncode == 0 and hydras.returncode == 0, ours.stderr + hydras.stderr
    pd.testing.assert_frame_equal(table(tmp_path, "grouped"), table(tmp_path, "basic"))
    assert len(table(tmp_path, "grouped")) == 4
    for job in range(4):
        for name in ("config.yaml", ".hydra/overrides.yaml", ".hydra/config.yaml"):
            a = (tmp_path / "grouped" / str(job) / name).read_text()
            assert a == (tmp_path / "basic" / str(job) / name).read_text(), (job, name)
    # One closing line (the bar itself is drawn on terminals only), not a line per job.
    assert ours.stderr.count("job(s) done") == 1 and "4 job(s) done" in ours.stderr


def test_sweep_with_an_unknown_key_stops_before_any_job(tmp_path: Path) -> None:
    p = sweep(tmp_path, "actors.iran.willingnes=0.1,0.2", "replicates=100")
    assert p.returncode != 0 and "willingnes" in p.stderr
    assert not list((tmp_path / "sweep").glob("*/status.json"))


def test_split_overrides_keeps_config_groups_and_hydra_together() -> None:
    from hydra.core.override_parser.overrides_parser import OverridesParser

    lines = ["scenario=x", "a.b=1", "hydra.verbose=true", "+c.d=2", "design=lhs", "~e"]
    parsed = OverridesParser.create().parse_overrides(lines)
    structural, values = split_overrides(parsed, lambda g: g in ("scenario", "design"))
    assert structural == ["scenario=x", "hydra.verbose=true", "design=lhs"]
    assert values == ["a.b=1", "+c.d=2", "~e"]


def test_progress_lines_count_the_sweep_with_joblib(tmp_path: Path) -> None:
    """Joblib runs the callback in its workers; the count still covers the whole sweep."""
    p = sweep(
        tmp_path,
        "hydra/launcher=local",
        "hydra/sweeper=basic",
        "actors.iran.policy.generosity=0.1,0.5,0.9",
        "replicates=200",
        "days=8",
    )
    assert p.returncode == 0, p.stderr
    counts = [int(m) for m in re.findall(r"\[sweep\] (\d+) job\(s\) done", p.stderr)]
    assert len(counts) == 3 and max(counts) == 3


def test_a_rerun_drops_the_folders_old_complete_marker(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A run that dies in a folder an earlier config completed must not pass for complete."""
    import sim.runner
    from sim.app import already_done, done_before, run
    from sim.config import compose_config
    from sim.settings import Settings

    first = compose_config("baseline", ["simulation.replicates=100", "simulation.days=5"])
    other = compose_config("baseline", ["simulation.replicates=120", "simulation.days=5"])
    run(first, tmp_path, progress=False, sweep=True)
    assert done_before(first, tmp_path) and not done_before(other, tmp_path)

    def boom(*args: object, **kwargs: object) -> None:
        raise RuntimeError("killed mid-run")

    monkeypatch.setattr(sim.runner, "build_summary", boom)
    with pytest.raises(RuntimeError):
        run(other, tmp_path, progress=False, sweep=True)
    assert not (tmp_path / "status.json").exists()
    assert not already_done(tmp_path, Settings.from_config(other).raw)


def test_pool_from_the_launcher_config() -> None:
    from sim.parallel import LocalPool, SlurmPool, pool_from_config

    slurm = pool_from_config(
        {
            "_target_": "hydra_plugins.escalation_sim.slurm_launcher.SlurmLauncher",
            "submitit_folder": "x/%j",
            "partition": "short",
            "account": None,
            "mem_gb": 2,
        }
    )
    assert isinstance(slurm, SlurmPool) and slurm.folder == "x/%j"
    assert slurm.params == {"partition": "short", "mem_gb": 2}  # None: left to the cluster
    local = pool_from_config({"_target_": "x.GroupedLauncher", "n_jobs": 3})
    assert isinstance(local, LocalPool) and local.n_jobs == 3


def test_a_sweep_shorter_than_a_week_aggregates_and_reports(tmp_path: Path) -> None:
    """The headline (P(de-escalated within a week)) falls back to the last day reported."""
    import subprocess
    import sys

    out = tmp_path / "short"
    p = subprocess.run(
        [
            str(Path(sys.executable).with_name("escalation")),
            "run",
            "-m",
            "days=5",
            "replicates=60",
            "actors.iran.policy.generosity=0.2,0.8",
            f"hydra.sweep.dir={out}",
        ],
        capture_output=True,
        text=True,
        timeout=300,
    )
    assert p.returncode == 0, p.stderr
    assert (out / "sweep.parquet").is_file() and (out / "report.html").is_file()
    page = (out / "report.html").read_text()
    assert "no job completed" not in page and "generosity = 0.8" in page

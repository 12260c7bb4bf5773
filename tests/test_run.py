"""Runs end to end: the run directory, determinism across workers and chunks, replay, the CLI."""

from __future__ import annotations

import hashlib
import json
import os
import platform
import subprocess
import sys
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from sim.app import run
from sim.config import compose_config
from sim.eventlog import read_events
from sim.runner import replay, simulate
from sim.settings import Settings

BIN = Path(sys.executable).parent


def settings(*overrides: str, replicates: int = 600, days: int = 20) -> Settings:
    cfg = compose_config(
        "baseline", [f"simulation.replicates={replicates}", f"simulation.days={days}", *overrides]
    )
    return Settings.from_config(cfg)


@pytest.fixture(scope="module")
def run_dir(tmp_path_factory: pytest.TempPathFactory) -> Path:
    cfg = compose_config("baseline", ["simulation.replicates=1500", "simulation.days=30"])
    return run(cfg, tmp_path_factory.mktemp("run") / "baseline", progress=False)


def test_run_directory(run_dir: Path) -> None:
    for name in ("config.yaml", "summary.json", "report.html", "status.json"):
        assert (run_dir / name).is_file(), name
    assert json.loads((run_dir / "status.json").read_text())["status"] == "complete"
    s = json.loads((run_dir / "summary.json").read_text())
    m = s["metrics"]
    assert m["replicates"] == 1500
    for k in ("3", "7", "14", "29"):
        p = m["p_deescalated_by_day"][k]
        assert 0 <= p["lower"] <= p["estimate"] <= p["upper"] <= 1
    assert m["p_reach_rung"]["strike_militants"]["estimate"] == 1.0  # the trigger
    assert s["observed"]["iran->pakistan"][0] == "strike_militants"
    ev = read_events(run_dir)
    assert list(ev.columns) == [
        "replicate",
        "day",
        "actor",
        "target",
        "action",
        "rung",
        "goldstein",
        "casualties",
        "act",
    ]
    assert ev["replicate"].nunique() == 1500
    first = ev[(ev.day == 0)]
    assert set(first["action"]) == {"strike_militants"} and set(first["target"]) == {"jaish_al_adl"}
    assert (first["casualties"] == 2).all()
    out = pd.read_parquet(run_dir / "outcomes")
    assert len(out) == 1500 and out["casualties"].min() >= 2
    html = (run_dir / "report.html").read_text()
    assert (
        html.count('class="plotly-graph-div"') >= 4
        and "observed (2024-01-16 to 2024-02-15)" in html
    )


def test_same_results_whatever_workers_and_chunks(tmp_path: Path) -> None:
    a = simulate(settings("simulation.chunk_size=600"), tmp_path / "a", progress=False)
    b = simulate(
        settings("simulation.chunk_size=97", "simulation.workers=2"), tmp_path / "b", progress=False
    )
    ea, eb = read_events(tmp_path / "a"), read_events(tmp_path / "b")
    pd.testing.assert_frame_equal(
        ea.astype({c: str for c in ("actor", "target", "action")}),
        eb.astype({c: str for c in ("actor", "target", "action")}),
    )
    a.summary.pop("timing"), b.summary.pop("timing")
    assert a.summary == b.summary


def test_replay_matches_the_event_log(run_dir: Path) -> None:
    ev = read_events(run_dir)
    for i in (0, 777, 1499):
        model = replay(run_dir, i)
        got = model.paths()
        got = got[got["action"] != "none"].reset_index(drop=True)
        want = ev[ev.replicate == i].reset_index(drop=True)
        assert got["action"].tolist() == want["action"].astype(str).tolist()
        assert got["day"].tolist() == want["day"].tolist()
        assert got["casualties"].tolist() == want["casualties"].tolist()
    with pytest.raises(ValueError):
        replay(run_dir, 1500)


PINNED_CASES = {
    "baseline": [],
    "stochastic": [
        "actors.pakistan.policy.name=random",
        "actors.jaish_al_adl.attack_rate=0.2",
        "actors.iran.policy.name=graduated",
        "simulation.seed=5",
    ],
}


@pytest.mark.parametrize("case", sorted(PINNED_CASES))
def test_pinned_event_log(case: str) -> None:
    """A fixed seed gives a fixed event log, bit for bit, on any machine.

    Speed-ups must not change results: this pins a hash of the whole event log. After an
    intended change of the model's behaviour, refresh it with UPDATE_PINNED=1.
    """
    import hashlib

    from sim.eventlog import event_table
    from sim.model import EscalationModel

    s = settings(*PINNED_CASES[case], replicates=300, days=30)
    table = event_table(EscalationModel(s).run())
    h = hashlib.sha256()
    for name in table.column_names:
        col = table.column(name).combine_chunks()
        values = col.cast("string") if name in ("actor", "target", "action") else col
        h.update(name.encode())
        h.update(str(values.to_pylist()).encode())
    check_pinned("pinned_event_logs.json", case, h.hexdigest())


def check_pinned(file: str, case: str, digest: str) -> None:
    """Compare with the digest pinned in ``file`` (UPDATE_PINNED=1 writes it instead)."""
    pinned = Path(__file__).with_name(file)
    known = json.loads(pinned.read_text()) if pinned.exists() else {}
    if os.environ.get("UPDATE_PINNED") == "1":
        known[case] = digest
        pinned.write_text(json.dumps(known, indent=1, sort_keys=True) + "\n")
    assert known.get(case) == digest, f"{file}: {case!r} changed"


@pytest.mark.parametrize("case", sorted(PINNED_CASES))
def test_pinned_summary(case: str) -> None:
    """A fixed seed gives a fixed summary (every outcome metric and report table).

    The event log's pin does not see outcomes computed from the model's state (relations
    restored, mediation offered): this one does. Refresh with UPDATE_PINNED=1.
    """
    s = settings(*PINNED_CASES[case], replicates=3000, days=30)
    summary = simulate(s, None, progress=False).summary
    kept = {k: v for k, v in summary.items() if k not in ("timing", "provenance")}
    digest = hashlib.sha256(json.dumps(kept, sort_keys=True).encode()).hexdigest()
    check_pinned("pinned_summaries.json", case, digest)


def test_a_run_records_what_produced_it(run_dir: Path, tmp_path: Path) -> None:
    import sim
    from sim.buildinfo import git_commit as _git_commit

    made = json.loads((run_dir / "summary.json").read_text())["provenance"]
    assert made["package"] == sim.__version__
    assert made["python"] == platform.python_version() and made["numpy"] == np.__version__
    assert made["git_commit"] is None or len(made["git_commit"]) == 40
    # Read from .git's files: a loose ref, a packed one, a detached HEAD; none without git.
    git = tmp_path / "co" / ".git"
    (git / "refs" / "heads").mkdir(parents=True)
    (git / "HEAD").write_text("ref: refs/heads/main\n")
    (git / "refs" / "heads" / "main").write_text("a" * 40 + "\n")
    assert _git_commit(tmp_path / "co") == "a" * 40
    (git / "refs" / "heads" / "main").unlink()
    (git / "packed-refs").write_text(f"# pack-refs\n{'b' * 40} refs/heads/main\n")
    assert _git_commit(tmp_path / "co") == "b" * 40
    (git / "HEAD").write_text("c" * 40)
    assert _git_commit(tmp_path / "co") == "c" * 40
    assert _git_commit(tmp_path / "none") is None


def _cli(*args: str, cwd: Path) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [str(BIN / "escalation"), *args], capture_output=True, text=True, cwd=cwd, timeout=300
    )


def test_cli_run_prints_run_directory(tmp_path: Path) -> None:
    p = _cli(
        "run", "replicates=300", "days=10", "seed=3", f"hydra.run.dir={tmp_path}/r", cwd=tmp_path
    )
    assert p.returncode == 0, p.stderr
    assert f"Run directory: {tmp_path}/r" in p.stdout
    assert (tmp_path / "r" / "report.html").is_file()
    assert (tmp_path / "r" / ".hydra" / "config.yaml").is_file()


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["actors.pakistan.policy.name=tit_for_tatt"], "did you mean 'tit_for_tat'"),
        (["scenario=basline"], "did you mean 'baseline'"),
        (["replicates=0"], "simulation.replicates: 0 outside"),
        (["days=-3"], "simulation.days"),
        (["actors.iran.willingness=1.5"], "actors.iran.willingness: 1.5 outside [0.0, 1.0]"),
        (["actors.iran.policy.generosity=nan"], "NaN"),
        (["actors.iran.max_stepp=2"], "did you mean 'max_step'"),
    ],
)
def test_cli_bad_input_exits_2_and_writes_nothing(
    tmp_path: Path, args: list[str], message: str
) -> None:
    p = _cli("run", *args, f"hydra.run.dir={tmp_path}/bad", cwd=tmp_path)
    assert p.returncode == 2, (p.stdout, p.stderr)
    assert message in p.stderr
    assert len(p.stderr.strip().splitlines()) == 1
    assert not (tmp_path / "bad").exists()


def test_cli_scenarios_and_replay(tmp_path: Path, run_dir: Path) -> None:
    p = _cli("scenarios", cwd=tmp_path)
    assert p.returncode == 0 and "baseline" in p.stdout
    p = _cli("replay", str(run_dir), "5", cwd=tmp_path)
    assert p.returncode == 0 and "strike_militants" in p.stdout
    assert _cli("nonsense", cwd=tmp_path).returncode == 2


def test_numpy_global_rng_untouched() -> None:
    state = np.random.get_state()[1].copy()  # type: ignore[index]  # noqa: NPY002
    simulate(settings(replicates=50, days=5), None, progress=False)
    assert np.array_equal(np.random.get_state()[1], state)  # type: ignore[index]  # noqa: NPY002


@pytest.mark.parametrize("unbuffered", ["1", ""])
def test_listing_into_a_closed_pipe_is_quiet(unbuffered: str) -> None:
    """`escalation scenarios | head -1` ends without a traceback, buffered or not."""
    env = {k: v for k, v in os.environ.items() if k != "PYTHONUNBUFFERED"}
    if unbuffered:
        env["PYTHONUNBUFFERED"] = unbuffered
    p = subprocess.Popen(
        [str(BIN / "escalation"), "scenarios"],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        env=env,
    )
    assert p.stdout is not None and p.stderr is not None
    p.stdout.close()  # the reader goes away before the first line
    err = p.stderr.read().decode()
    p.wait(timeout=60)
    assert "Traceback" not in err and "Exception ignored" not in err, err


def test_api_writes_a_complete_run_that_report_and_replay_accept(tmp_path: Path) -> None:
    from sim import api
    from sim.report.compare import load_sources

    result = api.run_scenario("baseline", ["simulation.replicates=300"], tmp_path / "r", False)
    run_dir = tmp_path / "r"
    assert json.loads((run_dir / "status.json").read_text())["status"] == "complete"
    assert (run_dir / "report.html").is_file()
    runs, _ = load_sources([run_dir])
    assert len(runs) == 1
    table = api.outcomes(run_dir)
    assert len(table) == 300 and {"peak_rung", "casualties"} <= set(table.columns)
    model = api.build_model("baseline", replicates=[7]).run()
    row = api.outcomes(model)
    assert row["casualties"].tolist() == table.loc[table.replicate == 7, "casualties"].tolist()
    assert replay(run_dir, 7).history.tolist() == model.history.tolist()
    assert result.summary["metrics"]["casualties_mean"]["estimate"] >= 2


def test_wilson_is_scipys_interval() -> None:
    import math

    from scipy.stats import binomtest

    from sim.metrics import wilson

    for k, n in ((0, 1), (1, 1), (0, 10), (5, 10), (3, 3000), (2999, 3000), (12, 40)):
        est, lo, hi = wilson(k, n)
        ci = binomtest(k, n).proportion_ci(0.95, method="wilson")
        assert est == k / n
        assert lo == pytest.approx(ci.low, abs=1e-12)
        assert hi == pytest.approx(ci.high, abs=1e-12)
    assert all(math.isnan(v) for v in wilson(0, 0))

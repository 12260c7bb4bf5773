"""Scenario discovery: PRIM over a sweep's table (`escalation discover`, sim/sweep/prim.py)."""

from __future__ import annotations

import itertools
import json
import subprocess
import sys
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

BIN = Path(sys.executable).parent / "escalation"
#: The planted box: the outcome holds (mostly) where x0 in [0.2, 0.6] and x1 in [0.5, 1].
BOX = {"a.x0": (0.2, 0.6), "a.x1": (0.5, 1.0)}


def planted_sweep(root: Path, n: int = 2000, seed: int = 1) -> Path:
    """A sweep table over four parameters whose outcome is high inside :data:`BOX` only."""
    rng = np.random.default_rng(seed)
    t = pd.DataFrame(
        {
            "a.x0": rng.random(n),
            "a.x1": rng.random(n),
            "a.x2": rng.random(n),
            "b.steps": rng.integers(1, 6, n),
        }
    )
    inside = t["a.x0"].between(*BOX["a.x0"]) & t["a.x1"].between(*BOX["a.x1"])
    t["p_sustained"] = np.where(inside, 0.85, 0.15) + 0.1 * rng.standard_normal(n)
    t["job"] = range(n)
    t["status"] = "complete"
    t["run_dir"] = t["job"].astype(str)
    t["scenario"] = "baseline"
    root.mkdir(parents=True)
    t.to_parquet(root / "sweep.parquet")
    meta = {"parameters": ["a.x0", "a.x1", "a.x2", "b.steps"], "design": None}
    (root / "sweep.json").write_text(json.dumps(meta))
    return root


def test_prim_finds_a_planted_box(tmp_path: Path) -> None:
    from sim.sweep.discover import discover, load, parse_settings

    _, table, meta = load(planted_sweep(tmp_path / "sw"))
    result = discover(table, meta, parse_settings(["outcome=p_sustained>0.5", "threshold=0.9"]))
    box = result["boxes"][0]
    assert set(box["limits"]) == set(BOX)  # the inert parameters stay unrestricted
    for key, (low, high) in BOX.items():
        assert box["limits"][key] == pytest.approx([low, high], abs=0.05), key
    assert box["density"] >= 0.9 and box["coverage"] >= 0.9
    steps = box["trajectory"]
    assert steps[0]["coverage"] == 1.0 and steps[0]["mass"] == 1.0
    assert steps[-1]["density"] >= steps[0]["density"] + 0.5  # peeling concentrates the cases
    assert all(a["mass"] > b["mass"] for a, b in itertools.pairwise(steps))


def test_prim_peels_grids_and_categories() -> None:
    """Tied values (a grid) and a categorical parameter are peeled a value at a time."""
    from sim.sweep.prim import prim

    grid = [(g, s) for g in (0.1, 0.3, 0.5, 0.7, 0.9) for s in ("a", "b", "c")] * 20
    x = pd.DataFrame(grid, columns=["generosity", "scenario"])
    y = ((x["generosity"] >= 0.5) & (x["scenario"] != "b")).to_numpy()
    box = prim(x, y, threshold=1.0)[0]
    assert box.final.density == 1.0 and box.final.coverage == 1.0
    assert box.restricted == {"generosity": (0.5, 0.9), "scenario": ["a", "c"]}


def test_discover_command_writes_its_files_and_prints_a_summary(tmp_path: Path) -> None:
    root = planted_sweep(tmp_path / "sw", n=600)
    p = subprocess.run(
        [str(BIN), "discover", str(root), "outcome=p_sustained>0.5"],
        capture_output=True,
        text=True,
    )
    assert p.returncode == 0, p.stderr
    assert "Box 1: coverage" in p.stdout and "a.x0 in [" in p.stdout
    assert f"Report: {(root / 'discover.html').resolve()}" in p.stdout
    result = json.loads((root / "discover.json").read_text())
    assert result["outcome"] == "p_sustained > 0.5" and result["jobs"] == 600
    html = (root / "discover.html").read_text()
    assert "Peeling trajectory" in html and "Boxes where p_sustained &gt; 0.5" in html
    assert not list(root.glob(".*.tmp-*"))  # atomic writes leave no temporary file


def test_discover_refuses_a_folder_another_process_writes(tmp_path: Path) -> None:
    from sim.cli import main
    from sim.folders import lock

    root = planted_sweep(tmp_path / "sw", n=200)
    with lock(root, "sweep folder"):
        # The same process re-enters its own lock; a second process is refused.
        p = subprocess.run(
            [str(BIN), "discover", str(root), "outcome=p_sustained>0.5"],
            capture_output=True,
            text=True,
        )
    assert p.returncode == 2 and "another escalation process" in p.stderr
    assert not (root / "discover.json").exists()
    assert main(["discover", str(root), "outcome=p_sustained>0.5"]) == 0


def _effects_sweep(tmp_path: Path, x: pd.DataFrame, y: np.ndarray, design: str | None):  # type: ignore[no-untyped-def]
    from sim.report.sources import Sweep

    t = x.copy()
    t["job"] = range(len(t))
    t["status"] = "complete"
    t["run_dir"] = t["job"].astype(str)
    for m in ("p_deescalated_by_day_7", "p_reach_state_forces_or_worse"):
        t[m], t[f"{m}_lower"], t[f"{m}_upper"] = y, y - 0.01, y + 0.01
    t["casualties_mean"] = 1.0
    return Sweep(tmp_path / "sw", t, {"parameters": list(x.columns), "design": design})


def test_what_matters_most_is_rbd_fast_on_designs_and_eta2_on_grids(tmp_path: Path) -> None:
    from sim.report.sweep_summary import effects, sweep_sentences

    rng = np.random.default_rng(2)
    x = pd.DataFrame(rng.random((300, 3)), columns=["a.x0", "a.x1", "a.x2"])
    y = (0.8 * x["a.x0"] + 0.3 * x["a.x1"]).to_numpy()
    design = _effects_sweep(tmp_path, x, y, "lhs")
    eff = effects(design)
    assert [e.short for e in eff] == ["x0", "x1", "x2"]
    assert all(e.method == "rbd_fast" and e.conf is not None for e in eff)
    assert eff[0].size > 0.7 and eff[2].size < 0.1  # S1 of x0: 0.64 / 0.72 = 0.88
    assert any("by SALib's RBD-FAST" in s for s in sweep_sentences(design))

    # A 3 x 2 grid: S1 is the variance of the group means over the total variance, exactly.
    grid = pd.DataFrame([(a, b) for a in (0.0, 0.5, 1.0) for b in (1, 2)], columns=["g.a", "g.b"])
    yg = (0.5 * grid["g.a"] + 0.1 * grid["g.b"]).to_numpy()
    eff = effects(_effects_sweep(tmp_path, grid, yg, None))
    assert [e.short for e in eff] == ["a", "b"] and eff[0].method == "correlation_ratio"
    share = {"a": 0.25**2 * 2 / 3, "b": 0.05**2}  # Var(E[Y|a]), Var(E[Y|b])
    for e in eff:
        assert e.size == pytest.approx(share[e.short] / yg.var(), rel=1e-9)

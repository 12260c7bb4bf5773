"""The engine benchmark runs and reports what docs/performance.md quotes (tiny sizes)."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]


def test_bench_engine_alternates_scenarios_and_gives_medians() -> None:
    p = subprocess.run(
        [
            sys.executable,
            "-m",
            "benchmarks.bench_engine",
            "--sizes",
            "50,100",
            "--repeat",
            "1",
            "--days",
            "5",
            "--scenario",
            "baseline,crisis_mechanisms",
            "--rounds",
            "2",
        ],
        capture_output=True,
        text=True,
        cwd=ROOT,
        timeout=300,
    )
    assert p.returncode == 0, p.stderr
    lines = p.stdout.splitlines()
    rows = [x.split() for x in lines if x.strip().startswith(("baseline", "crisis_mechanisms"))]
    # 2 rounds x 2 scenarios x 2 sizes measured, then a median per scenario and size.
    assert len(rows) == 2 * 2 * 2 + 2 * 2
    medians = rows[-4:]
    assert [r[0] for r in medians] == ["baseline", "crisis_mechanisms"] * 2
    assert all(float(r[-1]) > 0 for r in medians) and medians[0][-1] == "1.00"

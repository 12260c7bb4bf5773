"""Run the worked example against the baseline and write the comparison report.

Usage: ``.venv/bin/python examples/face_saving/run_example.py [OUT_DIR] [REPLICATES]``
"""

from __future__ import annotations

import sys
from pathlib import Path

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE))

import policy  # noqa: E402,F401  (registers face_saving_retaliation)

from sim.config import apply_overlay, compose_config  # noqa: E402
from sim.report.compare import write_comparison  # noqa: E402
from sim.runner import mark_complete, simulate  # noqa: E402
from sim.settings import Settings  # noqa: E402


def main(out: Path, replicates: int = 10_000) -> Path:
    """Simulate the baseline and the example scenario, then compare them."""
    base = compose_config("baseline", [f"simulation.replicates={replicates}"])
    example = apply_overlay(base, HERE / "scenario.yaml")
    for name, cfg in (("baseline", base), ("saudi_face_saving", example)):
        result = simulate(Settings.from_config(cfg), out / name, progress=False)
        mark_complete(out / name, result.settings.raw, seconds=result.seconds)
    return write_comparison([out / "baseline", out / "saudi_face_saving"], out / "report.html")


if __name__ == "__main__":
    target = Path(sys.argv[1]) if len(sys.argv) > 1 else Path("outputs/example")
    reps = int(sys.argv[2]) if len(sys.argv) > 2 else 10_000
    print(f"Report: {main(target, reps)}")

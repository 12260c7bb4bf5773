"""Command-line start-up and a small run's wall time, as a user sees them.

Run: ``.venv/bin/python -m benchmarks.bench_startup [--rounds 7] [--bin A,B]``

Each round runs, through the installed command, ``escalation --help``, ``escalation run
--help`` and ``escalation run replicates=10000 days=30 seed=1`` (into a fresh temporary
folder), and prints the median wall time of each over the rounds. With ``--bin`` naming
several ``escalation`` executables (another checkout's virtual environment, say), they are
measured in alternation, round after round, so that a machine's changing load falls on each
alike, and the last lines give each one's ratio to the first.
"""

from __future__ import annotations

import argparse
import os
import platform
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

COMMANDS = {
    "--help": ["--help"],
    "run --help": ["run", "--help"],
    "run 10,000 x 30 days": ["run", "replicates=10000", "days=30", "seed=1"],
}


def wall(exe: str, args: list[str], folder: Path) -> float:
    """Seconds one command takes, start to exit (it must succeed)."""
    if args[0] == "run" and "--help" not in args:
        args = [*args, f"hydra.run.dir={folder}/{time.monotonic_ns()}"]
    start = time.perf_counter()
    p = subprocess.run([exe, *args], capture_output=True, text=True, cwd=folder)
    seconds = time.perf_counter() - start
    if p.returncode != 0:
        raise SystemExit(f"{exe} {' '.join(args)} failed: {p.stderr.strip()[-300:]}")
    return seconds


def main() -> None:
    here = Path(sys.executable).with_name("escalation")
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rounds", type=int, default=7)
    parser.add_argument("--bin", default=str(here), help="escalation executables, comma-separated")
    args = parser.parse_args()
    exes = args.bin.split(",")
    print(
        f"# {platform.processor() or platform.machine()}, {os.cpu_count()} cores, "
        f"Python {platform.python_version()}, {args.rounds} rounds"
    )
    times: dict[tuple[str, str], list[float]] = {}
    with tempfile.TemporaryDirectory() as t:
        for exe in exes:  # warm the file cache once, unmeasured
            wall(exe, ["--help"], Path(t))
        for _ in range(args.rounds):
            for exe in exes:
                for name, cmd in COMMANDS.items():
                    times.setdefault((exe, name), []).append(wall(exe, cmd, Path(t)))
    print(f"{'command':<24}" + "".join(f"{Path(e).parent.parent.name[:18]:>20}" for e in exes))
    for name in COMMANDS:
        meds = [statistics.median(times[(e, name)]) for e in exes]
        cells = "".join(f"{m:>18.3f} s" for m in meds)
        ratio = "".join(f"  x{m / meds[0]:.3f}" for m in meds[1:])
        print(f"{name:<24}{cells}{ratio}")


if __name__ == "__main__":
    main()

"""The installed wheel carries its configs, scenarios and seeds and runs from anywhere."""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
import zipfile
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]


def expected_files() -> set[str]:
    """Every file the wheel must carry, at its installed path (pyproject's package-dir)."""
    out = set()
    plugin = ROOT / "sim" / "sweep" / "hydra_plugin"
    for folder, prefix, patterns in (
        ("sim", "sim", ("*.py", "*.j2", "py.typed")),
        ("calibration", "sim/calibration", ("*.py", "*.parquet")),
        ("configs", "sim/configs", ("*.py", "*.yaml")),
        ("scenarios", "sim/scenarios", ("*.yaml",)),
        ("seeds", "sim/seeds", ("*.yaml", "*.md")),
    ):
        for pattern in patterns:
            for f in (ROOT / folder).rglob(pattern):
                if "__pycache__" in f.parts or plugin in f.parents:
                    continue
                out.add(f"{prefix}/{f.relative_to(ROOT / folder).as_posix()}")
    out |= {f"hydra_plugins/escalation_sim/{f.name}" for f in plugin.glob("*.py")}
    return out


def assert_wheel_holds_the_sources(wheel: Path) -> None:
    # An editable install in the same interpreter can mask a package missing from the wheel
    # (its finder maps every submodule of sim/): compare the files themselves.
    with zipfile.ZipFile(wheel) as z:
        held = set(z.namelist())
    missing = sorted(expected_files() - held)
    assert not missing, f"the wheel lacks {missing[:10]}"


def test_wheel_runs_a_scenario(tmp_path: Path) -> None:
    # Built from a copy of the sources: leftovers of local builds (build/, *.egg-info) make
    # setuptools add files the packaging itself would leave out.
    src = tmp_path / "src"
    shutil.copytree(
        ROOT,
        src,
        ignore=shutil.ignore_patterns(
            ".git",
            ".venv",
            "build",
            "dist",
            "*.egg-info",
            "outputs",
            "multirun",
            "__pycache__",
            ".*_cache",
            ".hypothesis",
            ".devwheels",
        ),
    )
    wheels = tmp_path / "wheels"
    subprocess.run(
        [
            sys.executable,
            "-m",
            "pip",
            "wheel",
            "-q",
            "--no-deps",
            str(src),
            "-w",
            str(wheels),
        ],
        check=True,
        capture_output=True,
        timeout=300,
    )
    (wheel,) = wheels.glob("escalation_sim-*.whl")
    assert_wheel_holds_the_sources(wheel)
    site = tmp_path / "site"
    subprocess.run(
        [
            sys.executable,
            "-m",
            "pip",
            "install",
            "-q",
            "--no-deps",
            "--target",
            str(site),
            str(wheel),
        ],
        check=True,
        capture_output=True,
        timeout=300,
    )
    env = {**os.environ, "PYTHONPATH": str(site)}
    where = subprocess.run(
        [
            sys.executable,
            "-c",
            "import sim, sim.configs, sim.scenarios, sim.seeds; print(sim.__file__)",
        ],
        check=True,
        capture_output=True,
        text=True,
        cwd=tmp_path,
        env=env,
    )
    assert where.stdout.strip().startswith(str(site))
    run = subprocess.run(
        [
            sys.executable,
            "-m",
            "sim.cli",
            "run",
            "replicates=200",
            "days=10",
            f"hydra.run.dir={tmp_path}/run",
        ],
        capture_output=True,
        text=True,
        cwd=tmp_path,
        env=env,
        timeout=300,
    )
    assert run.returncode == 0, run.stderr
    assert (tmp_path / "run" / "report.html").is_file()
    listed = subprocess.run(
        [sys.executable, "-m", "sim.cli", "scenarios"],
        capture_output=True,
        text=True,
        cwd=tmp_path,
        env=env,
        check=True,
    )
    assert "baseline" in listed.stdout

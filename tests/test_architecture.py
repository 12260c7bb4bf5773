"""The layers of docs/architecture.md hold: imports go one way, and there is no cycle.

import-linter checks the contracts in pyproject.toml ([tool.importlinter]). ``sim.calibration``
lives in ``calibration/`` (pyproject's package-dir), which import-linter cannot follow in an
editable install, so the check runs on a copy of the sources laid out as a wheel installs
them. Annotation-only imports (``if TYPE_CHECKING:``) never run and are left out.
"""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
import tomllib
from pathlib import Path

import networkx as nx
import pytest

ROOT = Path(__file__).resolve().parents[1]
LINT = Path(sys.executable).with_name("lint-imports")


def stage(dest: Path) -> Path:
    """Copy the ``sim`` package's Python files into ``dest`` as a wheel lays them out."""
    mapping = tomllib.loads((ROOT / "pyproject.toml").read_text())["tool"]["setuptools"][
        "package-dir"
    ]
    for package, folder in sorted(mapping.items()):
        if package != "sim" and not package.startswith("sim."):
            continue
        target = dest.joinpath(*package.split("."))
        for src in (ROOT / folder).rglob("*.py"):
            out = target / src.relative_to(ROOT / folder)
            out.parent.mkdir(parents=True, exist_ok=True)
            shutil.copyfile(src, out)
    return dest


def lint(tree: Path) -> subprocess.CompletedProcess[str]:
    env = {**os.environ, "PYTHONPATH": str(tree)}
    return subprocess.run(
        [str(LINT), str(ROOT / "pyproject.toml"), "--no-cache"],
        capture_output=True,
        text=True,
        cwd=tree,
        env=env,
        timeout=300,
    )


@pytest.fixture(scope="module")
def tree(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return stage(tmp_path_factory.mktemp("staged"))


def test_the_staged_tree_holds_the_calibration_code(tree: Path) -> None:
    assert (tree / "sim" / "calibration" / "abc_smc.py").is_file()
    assert (tree / "sim" / "model.py").is_file()


def test_layers_and_no_cycles_between_siblings(tree: Path) -> None:
    result = lint(tree)
    assert result.returncode == 0, result.stdout + result.stderr
    assert "0 broken" in result.stdout


def test_no_import_cycle_between_any_two_modules(tree: Path) -> None:
    code = (
        "import grimp, json; g = grimp.build_graph('sim', exclude_type_checking_imports=True);"
        "print(json.dumps([[m, i] for m in g.modules "
        "for i in g.find_modules_directly_imported_by(m)]))"
    )
    out = subprocess.run(
        [sys.executable, "-c", code],
        capture_output=True,
        text=True,
        cwd=tree,
        env={**os.environ, "PYTHONPATH": str(tree)},
        check=True,
        timeout=300,
    )
    graph = nx.DiGraph(__import__("json").loads(out.stdout))
    assert any(m.startswith("sim.calibration.") for m in graph), "calibration not analysed"
    try:
        cycle = nx.find_cycle(graph)
    except nx.NetworkXNoCycle:
        cycle = []
    assert not cycle, f"import cycle: {cycle}"


@pytest.mark.parametrize(
    ("module", "upward"),
    [
        ("sim/errors.py", "import sim.cli"),  # the bottom layer reaching the top
        ("sim/settings.py", "from sim.model import EscalationModel"),
        ("sim/calibration/targets.py", "from sim.sweep import aggregate"),
    ],
)
def test_an_upward_import_breaks_the_check(tmp_path: Path, module: str, upward: str) -> None:
    tree = stage(tmp_path)
    path = tree / module
    # At function level: the check sees imports wherever they are written.
    path.write_text(path.read_text() + f"\n\ndef _upward() -> None:\n    {upward}  # noqa\n")
    result = lint(tree)
    assert result.returncode != 0
    assert "BROKEN" in result.stdout or "broken" in result.stdout

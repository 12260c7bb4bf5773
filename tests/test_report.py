"""Comparison reports: contents, escaping, size and build time (the browser test is separate)."""

from __future__ import annotations

import time
from pathlib import Path

import pytest

from sim.app import run
from sim.config import compose_config, scenario_files
from sim.report.compare import comparison_figures, config_diff, load_sources, write_comparison

SCRIPT = "<script>alert(1)</script>"


def make_run(root: Path, name: str, *overrides: str, replicates: int = 800) -> Path:
    cfg = compose_config("baseline", [f"simulation.replicates={replicates}", *overrides])
    return run(cfg, root / name, progress=False)


@pytest.fixture(scope="module")
def runs(tmp_path_factory: pytest.TempPathFactory) -> list[Path]:
    root = tmp_path_factory.mktemp("runs")
    return [
        make_run(root, "base"),
        make_run(
            root,
            "nomed",
            "actors.china.policy.name=passive",
            "scenario.name=no_mediation",
            "scenario.title=No mediation",
        ),
        make_run(
            root,
            "evil",
            f"scenario.title='{SCRIPT}'",
            "scenario.name=evil",
            "actors.pakistan.max_step=9",
        ),
    ]


def test_comparison_page(runs: list[Path], tmp_path: Path) -> None:
    out = write_comparison(runs, tmp_path / "cmp.html")
    html = out.read_text()
    assert html.count("<script") == html.count("</script>")
    assert SCRIPT not in html  # escaped everywhere it appears
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in html
    assert "within a week is" in html and "against" in html
    assert html.count('class="plotly-graph-div"') >= 6
    assert "What differs between the compared configs" in html


def test_config_diff_lists_exactly_what_differs(runs: list[Path]) -> None:
    loaded, _ = load_sources(runs)
    keys = [row[0] for row in config_diff(loaded)["rows"]]
    # Naming 'passive' drops threshold_mediator's roster parameters (sim/overrides.py): they
    # differ too, as present in one config and absent in the other.
    assert keys == [
        "actors.china.policy.leverage_after",
        "actors.china.policy.name",
        "actors.china.policy.p_act",
        "actors.china.policy.threshold",
        "actors.pakistan.max_step",
    ]


def test_figures_as_plotly_objects(runs: list[Path]) -> None:
    figs = comparison_figures(runs)
    assert "Outcomes compared" in figs and any("Escalation paths" in k for k in figs)


def test_incomplete_runs_are_skipped(runs: list[Path], tmp_path: Path, caplog) -> None:
    broken = make_run(tmp_path, "broken")
    (broken / "status.json").unlink()
    loaded, _ = load_sources([runs[0], broken])
    assert len(loaded) == 1 and "skipped" in caplog.text


def test_ten_scenarios_build_fast_and_small(tmp_path: Path) -> None:
    names = [n for n in scenario_files() if n != "calibrated"][:8]
    assert len(names) == 8
    dirs = []
    for i, name in enumerate([*names, "baseline", "no_mediation"]):
        cfg = compose_config(name, ["simulation.replicates=1000", f"simulation.seed={i + 1}"])
        dirs.append(run(cfg, tmp_path / f"r{i}", progress=False))
    start = time.perf_counter()
    out = write_comparison(dirs, tmp_path / "ten.html")
    seconds = time.perf_counter() - start
    size = out.stat().st_size
    assert seconds < 10, seconds
    assert size < 10e6, size

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


# --- Reports that tell the story (issue 16, item 4) ---------------------------------------


def make_sweep(root: Path, grid: dict[str, list[str]], replicates: int = 300) -> Path:
    """A sweep root as Hydra leaves it (job folders with .hydra/overrides.yaml), aggregated."""
    import itertools

    import yaml

    from sim.sweep.aggregate import aggregate

    keys = list(grid)
    for i, values in enumerate(itertools.product(*grid.values())):
        over = [f"{k}={v}" for k, v in zip(keys, values, strict=True)]
        scen = next((v for k, v in zip(keys, values, strict=True) if k == "scenario"), "baseline")
        rest = [o for o in over if not o.startswith("scenario=")]
        cfg = compose_config(scen, [f"simulation.replicates={replicates}", *rest])
        job = root / str(i)
        run(cfg, job, progress=False, sweep=True)
        (job / ".hydra").mkdir()
        (job / ".hydra" / "overrides.yaml").write_text(yaml.safe_dump(over))
    aggregate(root, report=False)
    return root


@pytest.fixture(scope="module")
def grid_sweep(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return make_sweep(
        tmp_path_factory.mktemp("sw") / "grid",
        {"scenario": ["baseline", "no_mediation"], "actors.iran.policy.generosity": ["0.0", "1.0"]},
    )


def test_sweep_jobs_are_named_by_their_swept_values(grid_sweep: Path) -> None:
    from sim.report.sources import run_label

    runs, _ = load_sources([grid_sweep])
    labels = sorted(run_label(r, runs) for r in runs)
    assert labels == [
        "generosity = 0, scenario = baseline",
        "generosity = 0, scenario = no_mediation",
        "generosity = 1, scenario = baseline",
        "generosity = 1, scenario = no_mediation",
    ]
    figs = comparison_figures([grid_sweep])
    names = {t.name for f in figs.values() for t in f.data if t.name}
    assert not any("grid/" in n for n in names)  # never a job folder as a series name


def test_sweep_lines_never_join_two_settings_of_another_parameter(grid_sweep: Path) -> None:
    import pandas as pd

    table = pd.read_parquet(grid_sweep / "sweep.parquet").set_index("job")
    fig = comparison_figures([grid_sweep])["Sweep grid: outcome by parameter"]
    lines = [t for t in fig.data if "lines" in (t.mode or "")]
    assert lines  # generosity is numeric: one line per scenario
    for t in lines:
        jobs = [int(s.split()[1]) for s in t.text]
        assert table.loc[jobs, "scenario"].nunique() == 1, t.name
        assert t.name == f"scenario = {table.loc[jobs[0], 'scenario']}"
    # The scenario panel is categorical: its points are never joined.
    assert all(t.mode == "markers" for t in fig.data if t.xaxis == "x2")


def test_sweep_report_ranks_jobs_and_names_what_matters_most(grid_sweep: Path) -> None:
    import pandas as pd

    from sim.report.compare import comparison_page

    html = comparison_page([grid_sweep])
    table = pd.read_parquet(grid_sweep / "sweep.parquet")
    # One ranked table instead of a paragraph per job.
    assert "jobs ranked by P(de-escalated within a week)" in html
    assert "the chance of de-escalating within a week is" not in html
    ranked = table.sort_values("p_deescalated_by_day_7", ascending=False)
    cells = [f"{v:.0%} [" for v in ranked["p_deescalated_by_day_7"]]
    positions = [html.index(c) for c in cells]
    assert positions == sorted(positions)
    # The parameter with the largest effect, computed here from the table.
    effect = {
        k: table.groupby(k)["p_deescalated_by_day_7"].mean().pipe(lambda m: m.max() - m.min())
        for k in ("scenario", "actors.iran.policy.generosity")
    }
    top = max(effect, key=effect.__getitem__).rsplit(".", 1)[-1]
    assert f"What matters most: {top}." in html


def _synthetic_sobol(tmp_path: Path, n: int, noise: float):  # type: ignore[no-untyped-def]
    """A Sobol sweep whose outcome is known: y = 0.6 x0 + 0.1 x1 (+ noise), x2 inert."""
    import numpy as np
    import pandas as pd
    from SALib.sample import sobol as sample

    from sim.report.sources import Sweep

    problem = {"num_vars": 3, "names": ["a.x0", "a.x1", "a.x2"], "bounds": [[0, 1]] * 3}
    x = sample.sample(problem, n, calc_second_order=False, seed=1)
    y = 0.6 * x[:, 0] + 0.1 * x[:, 1] + noise * np.random.default_rng(1).random(len(x))
    t = pd.DataFrame(x, columns=problem["names"])
    t["job"] = range(len(t))
    t["status"] = "complete"
    t["run_dir"] = t["job"].astype(str)
    for m in ("p_deescalated_by_day_7", "p_reach_state_forces_or_worse"):
        t[m], t[f"{m}_lower"], t[f"{m}_upper"] = y, y - 0.01, y + 0.01
    t["casualties_mean"] = 1.0
    meta = {"parameters": problem["names"], "design": "d", "problem": problem}
    return Sweep(tmp_path / "sobol", t, meta)


def test_sobol_shows_intervals_and_warns_when_n_is_too_small(tmp_path: Path) -> None:
    from sim.report.sweep_figures import sweep_figures
    from sim.report.sweep_summary import sobol_indices, sweep_sentences

    small = _synthetic_sobol(tmp_path, 8, noise=0.5)
    s = sobol_indices(small)
    assert s is not None and s.n == 8
    sec = next(x for x in sweep_figures(small) if x.title.startswith("Sensitivity"))
    bars = {b.name: b for b in sec.figure.data}
    # Shown clipped to [0, 1] (an index is a share of variance), with a note saying so.
    for bar, est, conf in (
        (bars["first order S1"], s.s1, s.s1_conf),
        (bars["total ST"], s.st, s.st_conf),
    ):
        for y, up, down, e, c in zip(
            bar.y, bar.error_y.array, bar.error_y.arrayminus, est, conf, strict=True
        ):
            assert y - down >= 0 and y + up <= 1
            assert y + up == pytest.approx(min(max(e + c, 0), 1))
            assert y - down == pytest.approx(min(max(e - c, 0), 1))
    assert (
        any(e - c < 0 for e, c in zip(s.s1, s.s1_conf, strict=True))
        and "clipped to [0, 1]" in sec.caption
    )
    assert all(0 <= float(v) <= 1 for row in sec.table["rows"] for v in row[2].split(" to "))
    assert sec.table is not None and all("±" in row[1] for row in sec.table["rows"])
    assert sec.warning and "Too few points" in sec.warning and "design.n=" in sec.warning
    assert any("Too few points" in x for x in sweep_sentences(small))

    big = _synthetic_sobol(tmp_path, 1024, noise=0.0)
    s = sobol_indices(big)
    assert s is not None and s.readable
    sec = next(x for x in sweep_figures(big) if x.title.startswith("Sensitivity"))
    assert sec.warning is None
    assert any(x.startswith("What matters most: x0,") for x in sweep_sentences(big))


def test_charts_label_rungs_in_words_and_draw_bands_alike(runs: list[Path]) -> None:
    import json

    from sim.report import fan_chart, reach_chart
    from sim.report.compare import comparison_figures

    summary = json.loads((runs[0] / "summary.json").read_text())
    figs = comparison_figures(runs)
    single = fan_chart(summary, 0)
    overlay = figs["Escalation paths: Iran toward Pakistan"]
    for fig in (single, overlay):
        assert "Recall ambassador" in fig.layout.yaxis.ticktext
        assert "recall_ambassador" not in fig.layout.yaxis.ticktext
    assert "Recall ambassador" in list(reach_chart(summary).data[0].x)
    sankey = figs["Rung-to-rung transitions"].data[0]
    assert "Recall ambassador (day d)" in sankey.node.label
    assert "Recall ambassador" in figs["Day by rung"].data[0].y

    def look(fig):  # type: ignore[no-untyped-def]
        median = next(t for t in fig.data if "median" in (t.name or ""))
        band = next(t for t in fig.data if t.fill == "tonexty" and "50%" in (t.name or ""))
        return median.line.width, median.line.shape, band.line.shape, band.fillcolor

    (w1, s1, b1, f1), (w2, s2, b2, f2) = look(single), look(overlay)
    assert (w1, s1, b1) == (w2, s2, b2) == (w1, "hv", "hv")
    assert f1 == "rgba(31,119,180,0.3)" == f2  # the first run's 50% band, same colour and alpha


def test_day_axis_opens_on_the_active_days(runs: list[Path]) -> None:
    import json

    from sim.report import fan_chart

    summary = json.loads((runs[0] / "summary.json").read_text())
    days = len(summary["daily_rung_counts"][0])
    fig = fan_chart(summary, 0)
    lo, hi = fig.layout.xaxis.range
    assert lo == -0.5 and hi < days - 1  # zoomed in
    (menu,) = fig.layout.updatemenus
    ranges = [b.args[0]["xaxis.range"] for b in menu.buttons]
    assert ranges == [[lo, hi], [-0.5, days - 0.5]]  # the full horizon is one click away
    # The menu sits between the title and the plot, not on the title.
    assert menu.yanchor == "bottom" and menu.y >= 1 and fig.layout.title.yref == "container"


def test_shared_plotly_js_is_written_once_beside_the_pages(
    runs: list[Path], tmp_path: Path
) -> None:
    from sim.errors import ConfigError

    inline = write_comparison(runs[:2], tmp_path / "inline.html")
    a = write_comparison(runs[:2], tmp_path / "out" / "a.html", plotly_js="shared")
    b = write_comparison(runs[1:], tmp_path / "out" / "b.html", plotly_js="shared")
    js = tmp_path / "out" / "plotly.min.js"
    assert js.is_file() and js.stat().st_size > 3e6
    assert sorted(p.name for p in (tmp_path / "out").iterdir()) == ["a.html", "b.html", js.name]
    for page in (a, b):
        html = page.read_text()
        assert '<script src="plotly.min.js"' in html
        assert page.stat().st_size < inline.stat().st_size - 3e6
    assert "plotly.min.js" not in inline.read_text().split("<body>")[0]
    with pytest.raises(ConfigError, match=r"report\.plotly_js"):
        write_comparison(runs[:1], tmp_path / "bad" / "c.html", plotly_js="cdn")
    assert not (tmp_path / "bad").exists()


def test_sweep_jobs_share_the_sweeps_plotly_js(tmp_path: Path) -> None:
    from sim.report.html import write_run_report

    job = make_run(tmp_path / "sweep", "0")
    page = write_run_report(job, plotly_js="shared", shared_dir=tmp_path / "sweep")
    assert '<script src="../plotly.min.js"' in page.read_text()
    assert (tmp_path / "sweep" / "plotly.min.js").is_file()
    assert not (job / "plotly.min.js").exists()


# --- Reports that fit their page (issue 30) -------------------------------------------------


def test_runs_under_default_folder_names_get_short_labels(tmp_path: Path) -> None:
    from sim.report.sources import run_label

    long = "2026-12-07_18-01-22_policy.name=passive,policy.name=graduated,scenario~4c5af0d7_1742"
    dirs = [
        make_run(tmp_path, f"{long}{i}", *over, replicates=200)
        for i, over in enumerate(
            (
                [],
                ["actors.china.policy.name=passive"],
                ["actors.pakistan.max_step=9", "actors.pakistan.policy.name=graduated"],
            )
        )
    ]
    runs, _ = load_sources(dirs)
    labels = [run_label(r, runs) for r in runs]
    title = runs[0].title
    assert labels == [
        f"{title} · common settings",
        f"{title} · china.policy = passive",  # its policy's parameters follow from the name
        f"{title} · pakistan.max_step = 9, pakistan.policy = graduated",
    ]
    html = write_comparison(dirs, tmp_path / "c.html").read_text()
    assert "Runs compared" in html and long in html  # the full name is still on the page
    fig = comparison_figures(dirs)["Outcomes compared"]
    assert not any(long in str(y) for t in fig.data for y in t.y)  # never a row label
    assert long in fig.data[0].customdata[0]  # but on hover
    assert len({c for c in fig.data[0].marker.color}) == 3  # one colour a run


def test_pair_plot_has_histograms_and_leaves_collapsed_parameters_out() -> None:
    import numpy as np
    import pandas as pd
    from sim.calibration.report import pairs_caption, pairs_figure

    rng = np.random.default_rng(1)
    keys = [f"by_role.victim.p{i}" for i in range(4)] + ["by_role.adversary.max_step"]
    table = pd.DataFrame({k: rng.random(200) for k in keys[:4]})
    table["by_role.adversary.max_step"] = 4.0  # collapsed to one value
    table["weight"] = 1 / 200
    summary = {
        "marginals": {
            k: {"sd": float(table[k].std()), "prior_sd": 0.29, "mean": 0.5} for k in keys
        },
        "prior_spec": {k: {"low": 0.0, "high": 1.0} for k in keys},
    }
    fig = pairs_figure(table, summary)
    hists = [t for t in fig.data if t.type == "histogram"]
    assert len(hists) == 4 and all(t.histfunc == "sum" for t in hists)
    titles = [a.title.text for a in fig.select_xaxes() if a.title.text]
    assert sorted(titles) == ["victim p0", "victim p1", "victim p2", "victim p3"]  # bottom row
    assert not any("max_step" in (t.name or "") for t in fig.data)
    assert "adversary max_step ≈ 4" in pairs_caption(table, summary)


def test_joint_check_table_speaks_in_words() -> None:
    from sim.calibration.joint_report import check_table

    p = {"estimate": 0.1, "lower": 0.05, "upper": 0.2}
    side = {
        "simulated": {
            "first_force_victim": 16.2,
            "first_force_adversary": 28.5,
            "answer_victim": 0.79,
            "answer_adversary": 1.6,
            "peak": 1.4,
            "force_days": 1.6,
            "first_conciliatory": 17.7,
        },
        "p_features": dict.fromkeys(
            [
                "first_force_victim",
                "first_force_adversary",
                "answer_victim",
                "answer_adversary",
                "peak",
                "force_days",
                "first_conciliatory",
            ],
            p,
        ),
        "p_pattern": p,
        "p_exact": p,
    }
    check = {
        "days": 31,
        "window": 3,
        "well_sourced_days": [],
        "axis": ["No action", "Statement", "Strike state forces"],
        "observed": {
            "first_force_victim": 31,
            "first_force_adversary": 2,
            "answer_victim": 0,
            "answer_adversary": 2,
            "peak": 2,
            "force_days": 1,
            "first_conciliatory": 1,
        },
        "prior": side,
        "posterior": side,
    }
    rows = {r[0]: r for r in check_table("ep", check)["rows"]}
    assert rows["the victim's first use of force"][1] == "none by day 30"
    assert rows["the kind of the adversary's first force"][1:4] == [
        "strikes on state forces",
        "≈ strikes on state forces",  # a mean of 1.6 is nearest the state-forces kind
        "≈ strikes on state forces",
    ]
    assert rows["the kind of the victim's first force"][1:3] == ["none", "≈ strikes on bases"]
    assert rows["the highest rung either side reached"][1:3] == [
        "Strike state forces",
        "≈ Statement",
    ]
    exact = rows["exact sequence on the well-sourced days"]
    assert "not scored" in exact[1] and "[]" not in str(exact)

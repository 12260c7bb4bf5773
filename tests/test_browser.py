"""The comparison report in a real browser: headless Debian chromium driven by Playwright.

Runs wherever /usr/bin/chromium exists; skipped with a reason elsewhere, except in CI
(CI=true), where a missing browser fails the test (.ci/run installs it).
"""

from __future__ import annotations

from pathlib import Path

import pytest

from sim.app import run
from sim.config import compose_config
from sim.report.compare import write_comparison

SCRIPT = "<script>alert(1)</script>"

pytestmark = pytest.mark.browser


def test_comparison_report_renders_offline_and_escapes(browser, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    dirs = []
    for name, over in (
        ("base", []),
        (
            "evil",
            [
                f"scenario.title='{SCRIPT}'",
                "scenario.name=evil",
                "actors.china.policy.name=passive",
            ],
        ),
    ):
        cfg = compose_config("baseline", ["simulation.replicates=600", *over])
        dirs.append(run(cfg, tmp_path / name, progress=False))
    page_file = write_comparison(dirs, tmp_path / "cmp.html")

    dialogs: list[str] = []
    page, errors, requests = _open(browser, page_file, dialogs=dialogs)

    plots = page.eval_on_selector_all(
        ".plotly-graph-div",
        "els => els.map(e => ({id: e.id, rendered: e.classList.contains('js-plotly-plot') "
        "&& !!e.querySelector('.main-svg'), traces: (e.data || []).length}))",
    )
    assert len(plots) >= 6
    for p in plots:
        assert p["rendered"] and p["traces"] > 0, p
    assert not errors, errors
    assert not dialogs, "a script from a scenario title ran"
    assert not requests, f"the page tried to reach the network: {requests[:3]}"
    assert SCRIPT in page.inner_text("body")  # shown as text
    page.close()


def _open(browser, page_file: Path, dialogs: list[str] | None = None, width: int = 1400):  # type: ignore[no-untyped-def]
    """Open a page offline; returns the page and its console errors and network requests.

    Dialogs (a script that ran) are dismissed and recorded in ``dialogs`` when given.
    """
    page = browser.new_page(viewport={"width": width, "height": 1000})
    errors: list[str] = []
    requests: list[str] = []
    page.on("console", lambda m: errors.append(m.text) if m.type == "error" else None)
    page.on("pageerror", lambda e: errors.append(str(e)))
    if dialogs is not None:
        page.on("dialog", lambda d: (dialogs.append(d.message), d.dismiss()))

    def block(route):  # type: ignore[no-untyped-def]
        if route.request.url.startswith("file://"):
            route.continue_()
        else:
            requests.append(route.request.url)
            route.abort()

    page.route("**/*", block)
    page.goto(page_file.as_uri())
    page.wait_for_function("document.querySelectorAll('.js-plotly-plot').length > 0")
    page.wait_for_timeout(1500)
    return page, errors, requests


def test_menus_stay_off_titles_and_the_full_horizon_is_one_click_away(
    browser, tmp_path: Path
) -> None:  # type: ignore[no-untyped-def]
    dirs = []
    for name, over in (("base", []), ("nomed", ["actors.china.policy.name=passive"])):
        cfg = compose_config("baseline", ["simulation.replicates=600", *over])
        dirs.append(run(cfg, tmp_path / name, progress=False))
    page, errors, _ = _open(browser, write_comparison(dirs, tmp_path / "cmp.html"))
    overlaps = page.evaluate(
        """() => {
        const hit = (a, b) => !(a.right <= b.left || b.right <= a.left ||
                                a.bottom <= b.top || b.bottom <= a.top);
        const out = [];
        for (const sec of document.querySelectorAll('section.figure')) {
          const heads = [sec.querySelector('h2'), ...sec.querySelectorAll('.gtitle')];
          const menus = '.updatemenu-header-group, .updatemenu-button';
          for (const m of sec.querySelectorAll(menus)) {
            const r = m.getBoundingClientRect();
            if (r.width === 0) continue;
            for (const h of heads) {
              if (h && hit(r, h.getBoundingClientRect())) out.push(sec.id + ': ' + h.textContent);
            }
          }
        }
        return out;
      }"""
    )
    assert not overlaps, overlaps
    ticks = page.inner_text("#section-fig-1")
    assert "Recall ambassador" in ticks and "recall_ambassador" not in ticks
    # The single-run page: zoomed on the active days, the whole horizon one click away.
    report = dirs[0] / "report.html"
    page2, errors2, _ = _open(browser, report)
    before = page2.evaluate("document.getElementById('fig-0').layout.xaxis.range")
    page2.locator("#fig-0 .updatemenu-button", has_text="All 30 days").click()
    page2.wait_for_timeout(300)
    after = page2.evaluate("document.getElementById('fig-0').layout.xaxis.range")
    assert before[1] < 29 and after == [-0.5, 29.5]
    assert not errors and not errors2, errors + errors2
    page.close()
    page2.close()


def test_shared_plotly_js_renders_offline(browser, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    cfg = compose_config("baseline", ["simulation.replicates=400"])
    d = run(cfg, tmp_path / "r", progress=False)
    page_file = write_comparison([d], tmp_path / "out" / "one.html", plotly_js="shared")
    assert page_file.stat().st_size < 1e6
    page, errors, requests = _open(browser, page_file)
    plots = page.eval_on_selector_all(
        ".plotly-graph-div", "els => els.map(e => !!e.querySelector('.main-svg'))"
    )
    assert plots and all(plots)
    assert not errors and not requests, (errors, requests)
    page.close()


def _small_validation(out: Path) -> Path:
    """A two-episode scorecard, small enough for a test; its page."""
    from sim.calibration.joint import load_episodes

    from sim.validation.command import validate

    cfg = compose_config(
        "crisis_mechanisms",
        [
            "+calibration=joint",
            "calibration.population=40",
            "calibration.generations=2",
            "calibration.max_moves=2",
            "calibration.batch=1000",
        ],
    )
    calib = dict(cfg.calibration)
    calib["priors"] = dict(calib["priors"])
    calib["validation"] = {"draws": 300, "seeds": 2}
    episodes = load_episodes(["iran_pakistan_2024", "us_iran_2020"], "crisis_mechanisms")
    validate(calib, episodes, out, progress=False)
    return out / "validation.html"


def test_validation_report_renders_offline_in_words(browser, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    """The scorecard's page: every plot drawn, no console error, features named in words."""
    from sim.validation.features import FEATURES, LABELS

    page, errors, requests = _open(browser, _small_validation(tmp_path / "v"))
    plots = page.eval_on_selector_all(
        ".plotly-graph-div",
        "els => els.map(e => ({rendered: e.classList.contains('js-plotly-plot') "
        "&& !!e.querySelector('.main-svg'), traces: (e.data || []).length}))",
    )
    assert len(plots) == 2 + 2  # skill heatmap, reliability, one per fold
    assert all(p["rendered"] and p["traces"] > 0 for p in plots), plots
    assert not errors, errors
    assert not requests, requests[:3]
    text = page.inner_text("body")
    assert all(LABELS[k] in text for k in FEATURES)
    assert not any(k in text for k in FEATURES), "a feature shown by its code"
    page.close()


# --- Reports that fit their page (issue 30) -------------------------------------------------

#: Long folder names as `escalation run` writes them by default (issue 30: they once
#: became row labels and squeezed the outcome panels to a third of the width).
DEFAULT_NAMES = (
    ("2026-12-07_18-01-18_scenario=baseline,replicates=600_172620c424c", []),
    (
        "2026-12-07_18-01-22_policy.name=passive,policy.name=graduated,scenario~4c5af0d7_17426",
        ["actors.pakistan.policy.name=graduated", "actors.china.policy.name=passive"],
    ),
    (
        "2026-12-07_18-01-28_policy.name=passive,scenario=baseline,replicates=600_17575f2c734",
        ["actors.china.policy.name=passive"],
    ),
    (
        "2026-12-07_18-01-33_pakistan.max_step=9,scenario=baseline,replicates=600_176388cd4fd",
        ["actors.pakistan.max_step=9"],
    ),
    (
        "2026-12-07_18-01-37_policy.generosity=0.9,scenario=baseline,replicates=600_176915c13",
        ["actors.iran.policy.generosity=0.9"],
    ),
    (
        "2026-12-07_18-02-05_scenario=no_mediation,replicates=600_180783f547d",
        ["scenario.name=no_mediation", "scenario.title=No mediation"],
    ),
)

#: Measured in the page: every box that should fit inside its container, and every pair of
#: titles (plot and axis titles, panel titles, legend entries) that must not overlap.
FIT_JS = """() => {
  const out = [];
  const page = document.documentElement.clientWidth;
  if (document.documentElement.scrollWidth > page + 1)
    out.push('page scrolls sideways: ' + document.documentElement.scrollWidth + ' > ' + page);
  const boxes = 'h1, h2, h3, p, .table-wrap, section.figure, .plotly-graph-div';
  for (const el of document.querySelectorAll(boxes)) {
    const r = el.getBoundingClientRect();
    const name = el.tagName + (el.id ? '#' + el.id : '') + ' ' +
                 (el.textContent || '').trim().slice(0, 50);
    if (el.scrollWidth > el.clientWidth + 1)
      out.push('overflows its box: ' + name + ' ' + el.scrollWidth + ' > ' + el.clientWidth);
    if (r.right > page + 1) out.push('past the page: ' + name);
  }
  const hit = (a, b) => Math.min(a.right, b.right) - Math.max(a.left, b.left) > 1 &&
                        Math.min(a.bottom, b.bottom) - Math.max(a.top, b.top) > 1;
  for (const plot of document.querySelectorAll('.js-plotly-plot')) {
    const frame = plot.getBoundingClientRect();
    const titles = [...plot.querySelectorAll(
      "text.gtitle, text.annotation-text, text[class$='title'], text.legendtext")]
      .filter(t => (t.textContent || '').trim() && t.getBoundingClientRect().width > 0);
    for (const t of [...titles, ...plot.querySelectorAll('text.textpoint, .textpoint text')]) {
      const r = t.getBoundingClientRect();
      if (r.width === 0) continue;
      if (r.left < frame.left - 2 || r.right > frame.right + 2 ||
          r.top < frame.top - 2 || r.bottom > frame.bottom + 2)
        out.push(plot.id + ': cut off: ' + t.textContent.slice(0, 60));
    }
    for (let i = 0; i < titles.length; i++) {
      for (let j = i + 1; j < titles.length; j++) {
        const a = titles[i], b = titles[j];
        if (a.classList.contains('legendtext') && b.classList.contains('legendtext')) continue;
        if (hit(a.getBoundingClientRect(), b.getBoundingClientRect()))
          out.push(plot.id + ': overlap: ' + a.textContent.slice(0, 40) + ' / ' +
                   b.textContent.slice(0, 40));
      }
    }
  }
  return out;
}"""


@pytest.fixture(scope="module")
def report_pages(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Path]:
    """The run, comparison, sweep, Sobol, calibration and validation pages, built small."""
    import itertools

    import yaml
    from sim.calibration.command import run_calibration

    from sim.report.html import render_page
    from sim.report.sweep_figures import sweep_figures
    from sim.report.sweep_summary import ranked_table
    from sim.sweep.aggregate import aggregate

    root = tmp_path_factory.mktemp("pages")
    runs = []
    for name, over in DEFAULT_NAMES:
        cfg = compose_config("baseline", ["simulation.replicates=300", *over])
        runs.append(run(cfg, root / "outputs" / name, progress=False))
    pages = {"run": runs[1] / "report.html", "comparison": write_comparison(runs, root / "c.html")}

    grid = {"scenario": ["baseline", "no_mediation"], "actors.iran.policy.generosity": ["0", "1"]}
    sweep = root / "multirun" / "2026-12-07_18-02-09-564117"
    for i, values in enumerate(itertools.product(*grid.values())):
        over = [f"{k}={v}" for k, v in zip(grid, values, strict=True)]
        cfg = compose_config(values[0], ["simulation.replicates=200", over[1]])
        job = run(cfg, sweep / str(i), progress=False, sweep=True)
        (job / ".hydra").mkdir()
        (job / ".hydra" / "overrides.yaml").write_text(yaml.safe_dump(over))
    aggregate(sweep, report=False)
    pages["sweep"] = write_comparison([sweep], root / "sweep.html")

    # A Sobol design of 8 base samples (56 points) with a known outcome and wide intervals.
    pages["sobol"] = root / "sobol.html"
    s = _sobol_sweep(root / "multirun" / "2026-12-07_18-02-18-182390")
    pages["sobol"].write_text(
        render_page("Escalation sweep", [], sweep_figures(s), [ranked_table(s)])
    )

    cal = compose_config(
        "baseline",
        [
            "+calibration=default",
            "calibration.population=60",
            "calibration.generations=2",
            "calibration.batch=2000",
            "calibration.fit_draws=2000",
        ],
    )
    pages["calibration"] = run_calibration(cal, root / "cal", progress=False) / "calibration.html"

    pages["validation"] = _small_validation(root / "v")
    return pages


def _sobol_sweep(path: Path):  # type: ignore[no-untyped-def]
    """A Sobol design's table (5 parameters, N = 8) whose intervals reach past [0, 1]."""
    import numpy as np
    import pandas as pd
    from SALib.sample import sobol as sample

    from sim.report.sources import Sweep

    names = [
        "actors.iran.policy.generosity",
        "actors.pakistan.max_step",
        "actors.pakistan.pressure_sensitivity",
        "actors.china.restraint_effect",
        "actors.pakistan.settled_bonus",
    ]
    problem = {"num_vars": 5, "names": names, "bounds": [[0, 1]] * 5}
    x = sample.sample(problem, 8, calc_second_order=False, seed=1)
    y = np.clip(0.6 * x[:, 0] + 0.3 * x[:, 1] + 0.3 * np.random.default_rng(1).random(len(x)), 0, 1)
    t = pd.DataFrame(x, columns=names)
    t["job"] = range(len(t))
    t["status"] = "complete"
    t["run_dir"] = t["job"].astype(str)
    for m in ("p_deescalated_by_day_7", "p_reach_state_forces_or_worse"):
        t[m], t[f"{m}_lower"], t[f"{m}_upper"] = y, y * 0.9, np.minimum(y * 1.1, 1)
    t["casualties_mean"] = 100 * y
    return Sweep(path, t, {"parameters": names, "design": "sobol_policies", "problem": problem})


#: The widths every report must fit: a laptop's and a desktop's.
WIDTHS = (1280, 1920)
#: True once every plot has been redrawn at its container's new width.
RESIZED_JS = """() => [...document.querySelectorAll('.js-plotly-plot')].every(d => {
  const svg = d.querySelector('.main-svg');
  return svg && Math.abs(svg.getBoundingClientRect().width - d.getBoundingClientRect().width) < 2;
})"""


def test_every_report_fits_its_page(browser, report_pages) -> None:  # type: ignore[no-untyped-def]
    """At 1280 and 1920 px: nothing overflows its box or the page, no text is cut off, and
    no two titles overlap (plot, panel and axis titles, legend entries)."""
    problems = {}
    for name, page_file in report_pages.items():
        page, errors, requests = _open(browser, page_file, width=WIDTHS[0])
        for width in WIDTHS:
            if width != WIDTHS[0]:
                page.set_viewport_size({"width": width, "height": 1000})
                page.wait_for_function(RESIZED_JS)  # Plotly redraws responsive plots
            found = page.evaluate(FIT_JS)
            if found:
                problems[f"{name} at {width} px"] = found
        assert not errors and not requests, (name, errors, requests[:3])
        page.close()
    assert not problems, problems

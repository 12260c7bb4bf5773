"""The comparison report in a real browser: headless Debian chromium driven by Playwright.

Runs wherever /usr/bin/chromium exists; skipped with a reason elsewhere, except in CI
(CI=true), where a missing browser fails the test (.ci/run installs it).
"""

from __future__ import annotations

import os
import shutil
from pathlib import Path

import pytest

from sim.app import run
from sim.config import compose_config
from sim.report.compare import write_comparison

CHROMIUM = shutil.which("chromium") or "/usr/bin/chromium"
SCRIPT = "<script>alert(1)</script>"

pytestmark = pytest.mark.browser


@pytest.fixture(scope="module")
def browser():  # type: ignore[no-untyped-def]
    if not Path(CHROMIUM).exists():
        if os.environ.get("CI") == "true":
            pytest.fail("chromium is missing in CI (.ci/run should install Debian's chromium)")
        pytest.skip("chromium not installed (apt-get install chromium); runs in CI")
    from playwright.sync_api import sync_playwright

    with sync_playwright() as p:
        b = p.chromium.launch(
            executable_path=CHROMIUM,
            args=[
                "--no-sandbox",
                "--disable-gpu",
                "--disable-background-networking",
                "--disable-component-update",
                "--disable-sync",
                "--no-first-run",
            ],
        )
        yield b
        b.close()


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


def _open(browser, page_file: Path, dialogs: list[str] | None = None):  # type: ignore[no-untyped-def]
    """Open a page offline; returns the page and its console errors and network requests.

    Dialogs (a script that ran) are dismissed and recorded in ``dialogs`` when given.
    """
    page = browser.new_page(viewport={"width": 1400, "height": 1000})
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


def test_validation_report_renders_offline_in_words(browser, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    """The scorecard's page: every plot drawn, no console error, features named in words."""
    from sim.calibration.joint import load_episodes

    from sim.validation.command import validate
    from sim.validation.features import FEATURES, LABELS

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
    validate(calib, episodes, tmp_path / "v", progress=False)
    page, errors, requests = _open(browser, tmp_path / "v" / "validation.html")
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

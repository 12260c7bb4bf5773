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

    page = browser.new_page()
    errors: list[str] = []
    dialogs: list[str] = []
    requests: list[str] = []
    page.on("console", lambda m: errors.append(m.text) if m.type == "error" else None)
    page.on("pageerror", lambda e: errors.append(str(e)))
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

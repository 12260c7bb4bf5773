"""The explore page: its state as overrides, its numbers as the CLI's, and the page in Chromium."""

from __future__ import annotations

import json
import re
import shlex
import socket
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path

import pytest

from sim.config import compose_config
from sim.errors import ConfigError
from sim.explore import compute
from sim.explore.controls import PageState, command, controls, overrides, posteriors
from sim.ladder import Ladder

EPISODE = "us_iran_2020"


def test_a_state_is_a_set_of_overrides() -> None:
    st = PageState(episode=EPISODE, replicates="2_000", seed="7")
    st = st.with_value("actors.united_states.policy.generosity", 0.25)
    assert overrides(st) == [
        f"episode={EPISODE}",
        "replicates=2000",
        "days=30",
        "seed=7",
        "actors.united_states.policy.generosity=0.25",
    ]
    # A new policy drops the old one's parameters; the command quotes for a shell.
    st = st.with_value("actors.united_states.policy.name", "graduated")
    assert "actors.united_states.policy.generosity=0.25" not in overrides(st)
    assert command(overrides(st)).startswith(f"escalation run episode={EPISODE} ")
    assert st.baseline().changed == {}


@pytest.mark.parametrize("field", ["replicates", "seed"])
@pytest.mark.parametrize("text", ["abc", "1.5", "1,2", "", "1 2"])
def test_typed_numbers_that_are_not_whole_are_one_line(field: str, text: str) -> None:
    st = PageState(episode=EPISODE, **{field: text})  # type: ignore[arg-type]
    with pytest.raises(ConfigError, match=rf"^{field}: expected a whole number") as exc:
        overrides(st)
    assert "\n" not in str(exc.value)


@pytest.mark.parametrize(
    ("key", "value", "field"),
    [
        ("actors.united_states.policy.generosity", 1.5, "generosity"),
        ("mechanisms.proxy_balance", 2, "proxy_balance"),
        ("actors.iran.policy.name", "no_such_policy", "policy"),
    ],
)
def test_out_of_range_values_run_nothing(
    key: str, value: object, field: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    ran = []
    monkeypatch.setattr(compute, "simulate", lambda *a, **k: ran.append(1))
    st = PageState(episode=EPISODE, replicates="100").with_value(key, value)
    with pytest.raises(ConfigError, match=field) as exc:
        compute.redraw(overrides(st))
    assert not ran and "\n" not in str(exc.value).strip()
    with pytest.raises(ConfigError, match="replicates"):
        compute.redraw(overrides(PageState(episode=EPISODE, replicates="0")))
    assert not ran


def test_controls_come_from_declared_parameters() -> None:
    cfg = compose_config("baseline", [f"episode={EPISODE}"])
    groups = controls(cfg, Ladder.from_config(cfg.ladder))
    us = next(g for t, g in groups.items() if "(united_states)" in t)
    assert us["actors.united_states.policy.name"]["type"] == "Select"
    gen = us["actors.united_states.policy.generosity"]
    assert (gen["type"], gen["min"], gen["max"], gen["value"]) == ("SliderFloat", 0.0, 1.0, 0.5)
    un = next(g for t, g in groups.items() if "(united_nations)" in t)
    assert "strike_state" in un["actors.united_nations.policy.threshold"]["values"]
    mech = groups["mechanisms"]
    assert mech["mechanisms.proxy_balance"]["type"] == "Checkbox"
    assert "joint" in posteriors() and posteriors()[0] == "none"


def test_controls_a_posterior_draws_are_left_out() -> None:
    st = PageState(episode=EPISODE, posterior="joint", replicates="200")
    view = compute.redraw(overrides(st))
    assert "actors.united_states.policy.generosity" in view.drawn
    us = next(g for t, g in view.controls.items() if "(united_states)" in t)
    assert "actors.united_states.policy.generosity" not in us
    # A value moved before the posterior was chosen is refused, not silently replaced.
    moved = st.with_value("actors.united_states.policy.generosity", 0.1)
    with pytest.raises(ConfigError, match="posterior= draws this parameter"):
        compute.redraw(overrides(moved))


def test_a_cancelled_redraw_stops_between_chunks() -> None:
    st = PageState(episode=EPISODE, replicates="1000").with_value("simulation.chunk_size", 100)
    asked: list[int] = []

    def cancelled() -> bool:  # false before the run and after its first chunk, then true
        asked.append(1)
        return len(asked) > 2

    with pytest.raises(compute.Cancelled):
        compute.redraw(overrides(st), cancelled=cancelled)
    assert len(asked) == 3  # stopped after the second of ten chunks


def test_the_page_numbers_are_the_clis(tmp_path: Path) -> None:
    """The same overrides and seed give the same outcome table as `escalation run`."""
    st = PageState(episode=EPISODE, replicates="3000", seed="5").with_value(
        "actors.iran.policy.name", "graduated"
    )
    ov = overrides(st)
    view = compute.redraw(ov)
    summary = _cli_summary(ov, tmp_path / "run")
    assert compute.outcome_table(summary, None).equals(view.outcomes)
    assert summary["metrics"] == view.summary["metrics"]


def _cli_summary(ov: list[str], out: Path) -> dict:  # type: ignore[type-arg]
    done = subprocess.run(
        [sys.executable, "-m", "sim.cli", "run", *ov, f"hydra.run.dir={out}"],
        capture_output=True,
        text=True,
        timeout=300,
        check=False,
    )
    assert done.returncode == 0, done.stderr[-2000:]
    return json.loads((out / "summary.json").read_text())


# -- the page in a browser -----------------------------------------------------------------


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


@pytest.fixture(scope="module")
def page_url(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    port = _free_port()
    cwd = tmp_path_factory.mktemp("explore")  # where the page's run button writes
    argv = ["explore", f"episode={EPISODE}", "replicates=2000", "--port", str(port)]
    proc = subprocess.Popen(
        [sys.executable, "-m", "sim.cli", *argv],
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
        cwd=cwd,
    )
    url = f"http://127.0.0.1:{port}/"
    try:
        deadline = time.monotonic() + 60
        while time.monotonic() < deadline:
            with socket.socket() as s:
                if s.connect_ex(("127.0.0.1", port)) == 0:
                    break
            assert proc.poll() is None, proc.stdout.read() if proc.stdout else ""
            time.sleep(0.2)
        yield url
    finally:
        proc.terminate()
        proc.wait(timeout=20)


def _outcomes(page) -> list[list[str]]:  # type: ignore[no-untyped-def]
    rows = page.locator("#outcomes tbody tr")
    return [rows.nth(i).locator("td").all_inner_texts() for i in range(rows.count())]


@pytest.mark.browser
def test_moving_a_slider_redraws_as_the_cli_would(browser, page_url: str, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    page = browser.new_page(viewport={"width": 1280, "height": 900})
    failed: list[str] = []
    page.on("requestfailed", lambda r: failed.append(r.url))
    page.goto(page_url)
    page.wait_for_selector("#outcomes", timeout=90_000)
    before = _outcomes(page)
    assert before and before[0][1] == before[0][3]  # at the start, this is the baseline

    # The first slider is the victim's generosity: End moves it to its maximum, 1.0.
    page.locator("[role=slider]").first.focus()
    page.keyboard.press("End")
    page.wait_for_function(
        "() => document.body.innerText.includes('policy.generosity=1')", timeout=30_000
    )
    deadline = time.monotonic() + 60
    while _outcomes(page) in ([], before) or page.locator(".redraw-pending").count():
        assert time.monotonic() < deadline, "the outcome table did not change"
        page.wait_for_timeout(200)
    after = _outcomes(page)
    assert after != before and [r[3] for r in after] == [r[3] for r in before]

    # The command shown is the one to run; its summary gives the page's numbers.
    shown = page.locator("code, pre").filter(has_text="escalation run").first.inner_text()
    argv = shlex.split(shown.strip())
    assert argv[:2] == ["escalation", "run"]
    summary = _cli_summary(argv[2:], tmp_path / "cli")
    expected = compute.outcome_table(summary, None)
    assert [r[1] for r in after] == list(expected["this"])
    assert [r[2] for r in after] == list(expected["this 95% interval"])

    # The button writes the normal run folder and report of that command.
    page.get_by_role("button", name="Write the run folder and report").click()
    page.wait_for_function("() => document.body.innerText.includes('Report: ')", timeout=120_000)
    report = re.search(r"Report: (\S+)", page.locator("body").inner_text())
    assert report and Path(report.group(1)).is_file()
    assert (Path(report.group(1)).parent / "summary.json").is_file()

    # An out-of-range value shows one line and runs nothing.
    box = page.get_by_label("replicates")
    box.fill("0")
    box.press("Enter")
    error = page.locator(".input-error").first
    error.wait_for(timeout=30_000)
    assert re.search(r"replicates.*0", error.inner_text())
    assert "\n" not in error.inner_text().strip()
    assert page.locator("#outcomes").count() == 0
    assert not [u for u in failed if "/_solara/cdn/" in u and "katex" not in u]
    page.close()

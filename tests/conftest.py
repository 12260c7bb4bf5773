"""Shared fixtures: composed configs and small validated settings."""

from __future__ import annotations

import logging
import os
import shutil
from collections.abc import Callable
from pathlib import Path

import pytest
from omegaconf import DictConfig

from sim.config import compose_config
from sim.settings import Settings

CHROMIUM = shutil.which("chromium") or "/usr/bin/chromium"

logging.getLogger("MESA").setLevel(logging.WARNING)


@pytest.fixture(scope="session")
def baseline_cfg() -> DictConfig:
    return compose_config("baseline", ["simulation.replicates=2000", "simulation.days=30"])


@pytest.fixture
def make_settings() -> Callable[..., Settings]:
    def make(
        scenario: str = "baseline", *overrides: str, replicates: int = 500, days: int = 30
    ) -> Settings:
        cfg = compose_config(
            scenario, [f"simulation.replicates={replicates}", f"simulation.days={days}", *overrides]
        )
        return Settings.from_config(cfg)

    return make


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

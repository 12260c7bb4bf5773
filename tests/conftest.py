"""Shared fixtures: composed configs and small validated settings."""

from __future__ import annotations

import logging
from collections.abc import Callable

import pytest
from omegaconf import DictConfig

from sim.config import compose_config
from sim.settings import Settings

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

"""Start-up: the command line imports heavy libraries only where a command uses them.

Timings are the benchmark's (benchmarks/bench_startup.py, docs/performance.md); these tests
check what they rest on, which does not depend on the machine's load.
"""

from __future__ import annotations

import subprocess
import sys

import pytest

import sim

HEAVY = ("hydra", "omegaconf", "mesa", "pandas", "numpy", "pyarrow", "plotly", "scipy", "SALib")


def imported_by(*args: str, code: str | None = None) -> set[str]:
    """The modules a fresh interpreter imports to run ``escalation ARGS`` (or ``code``)."""
    cmd = ["-c", code] if code else ["-m", "sim.cli", *args]
    p = subprocess.run(
        [sys.executable, "-X", "importtime", *cmd], capture_output=True, text=True, timeout=60
    )
    assert p.returncode == 0, p.stderr[-2000:]
    return {line.split("|")[-1].strip() for line in p.stderr.splitlines() if "|" in line}


@pytest.mark.parametrize(
    "args", [("--help",), ("run", "--help"), ("calibrate", "--help"), ("--version",)], ids=" ".join
)
def test_help_imports_nothing_heavy(args: tuple[str, ...]) -> None:
    imported = imported_by(*args)
    assert not {m for m in imported if m.split(".")[0] in HEAVY}


def test_import_sim_is_light_and_the_api_loads_on_use() -> None:
    imported = imported_by(code="import sim, sim.cli")
    assert not {m for m in imported if m.split(".")[0] in HEAVY}
    for name in sim.__all__:
        assert getattr(sim, name) is not None, name
    assert set(sim.__all__) <= set(dir(sim))
    from sim.model import EscalationModel

    assert sim.EscalationModel is EscalationModel
    with pytest.raises(AttributeError):
        _ = sim.no_such_name


def test_mesa_experimental_loads_on_first_use() -> None:
    """``import mesa`` under ``sim`` leaves SciPy out until ``mesa.experimental`` is used."""
    imported = imported_by(code="import sim.model, mesa")
    assert "scipy.spatial" not in imported and "mesa.experimental.devs" not in imported
    code = (
        "import sim.model, mesa, sys\n"
        "from mesa.experimental.continuous_space import ContinuousSpace\n"
        "from mesa.experimental import devs\n"
        "assert mesa.experimental.__all__ and devs.ABMSimulator and ContinuousSpace\n"
    )
    assert "scipy.spatial" in imported_by(code=code)


def test_compositions_share_the_config_store_and_cannot_change_it() -> None:
    """Hydra's per-composition copy of the ConfigStore is skipped: loads still hand out copies."""
    import copy

    from hydra.core.config_store import ConfigStore

    from sim.config import compose_config
    from sim.store import register_configs

    register_configs()
    store = ConfigStore.instance()
    assert copy.deepcopy(store) is store
    loaded = store.load("simulation/default.yaml")
    loaded.node.replicates = 7
    assert store.load("simulation/default.yaml").node.replicates != 7
    assert compose_config("baseline").simulation.replicates != 7

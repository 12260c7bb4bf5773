"""A plugin package outside the repo registers a policy and an actor kind through entry points."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pandas as pd
import pytest

PLUGIN = Path(__file__).with_name("plugin_pkg")
BIN = Path(sys.executable).with_name("escalation")


@pytest.fixture(scope="module")
def installed():  # type: ignore[no-untyped-def]
    pip = [sys.executable, "-m", "pip", "-q"]
    subprocess.run(
        [*pip, "install", "--no-deps", str(PLUGIN)], check=True, capture_output=True, timeout=300
    )
    yield
    subprocess.run([*pip, "uninstall", "-y", "escalation-plugin-demo"], capture_output=True)


def run_events(tmp_path: Path, *overrides: str) -> pd.DataFrame:
    """Run the CLI with the overrides (200 replicates, 10 days) and read its event log."""
    p = subprocess.run(
        [str(BIN), "run", *overrides, "replicates=200", "days=10", f"hydra.run.dir={tmp_path}/r"],
        capture_output=True,
        text=True,
        cwd=tmp_path,
        timeout=300,
    )
    assert p.returncode == 0, p.stderr
    return pd.read_parquet(tmp_path / "r" / "events")


def test_plugin_policy_from_the_command_line(installed, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    ev = run_events(tmp_path, "actors.pakistan.policy.name=always_posture")
    pak = ev[(ev.actor == "pakistan") & (ev.day > 0)]
    # The state's own mechanisms (inertia, pressure, mediation) still act on the policy's
    # choice, but holding posture is what Pakistan does most.
    assert pak["action"].astype(str).value_counts().index[0] == "posture"


def test_plugin_policy_passes_the_contract(installed) -> None:  # type: ignore[no-untyped-def]
    code = (
        "import sys; sys.path.insert(0, 'tests'); "
        "from test_policies import test_contract; "
        "from sim.config import compose_config; from sim.ladder import Ladder; "
        "test_contract('always_posture', Ladder.from_config(compose_config('baseline').ladder)); "
        "print('ok')"
    )
    p = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, cwd=Path(__file__).parents[1]
    )
    assert p.returncode == 0 and "ok" in p.stdout, p.stderr


def test_plugin_actor_from_the_command_line(installed, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    """A kind defined outside the repo joins the roster from the command line."""
    ev = run_events(
        tmp_path,
        "+actors.un={kind: monitor, label: UN monitor, p_condemn: 1.0}",
        "+relations.un_pakistan={source: un, target: pakistan, type: monitors}",
        # Spawned workers find the kind through its entry point.
        "simulation.workers=2",
        "simulation.chunk_size=100",
    )
    un = ev[ev.actor == "un"]
    assert set(un["action"].astype(str)) == {"condemn"}
    assert set(un["target"].astype(str)) == {"pakistan"}
    # Iran's strike on day 0 (the episode's opening) is condemned on day 1 in every replicate.
    assert (un.day == 1).sum() == 200


def test_plugin_actor_passes_the_contract(installed) -> None:  # type: ignore[no-untyped-def]
    code = "from sim.contracts import check_actor_type; check_actor_type('monitor'); print('ok')"
    p = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, cwd=Path(__file__).parents[1]
    )
    assert p.returncode == 0 and "ok" in p.stdout, p.stderr


def test_a_broken_plugin_is_skipped_with_a_warning(monkeypatch: pytest.MonkeyPatch) -> None:
    from importlib.metadata import EntryPoint

    from sim import plugins
    from sim.policies import Policy

    eps = [
        EntryPoint("gone", "no_such_module:Thing", "test.group"),
        EntryPoint("wrong", "sim.errors:ConfigError", "test.group"),
    ]
    monkeypatch.setattr(plugins, "entry_points", lambda group: eps)
    got: list[type] = []
    with pytest.warns(UserWarning) as warned:
        plugins.load_plugins("test.group", Policy, got.append)
    assert got == []
    messages = [str(w.message) for w in warned]
    assert "failed to import" in messages[0] and "not a subclass of Policy" in messages[1]
    plugins._LOADED.discard("test.group")

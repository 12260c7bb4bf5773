"""A plugin package outside the repo registers a policy through an entry point."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

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


def test_plugin_policy_from_the_command_line(installed, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    p = subprocess.run(
        [
            str(BIN),
            "run",
            "actors.pakistan.policy.name=always_posture",
            "replicates=200",
            "days=10",
            f"hydra.run.dir={tmp_path}/r",
        ],
        capture_output=True,
        text=True,
        cwd=tmp_path,
        timeout=300,
    )
    assert p.returncode == 0, p.stderr
    import pandas as pd

    ev = pd.read_parquet(tmp_path / "r" / "events")
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
    p = subprocess.run(
        [
            str(BIN),
            "run",
            "+actors.un={kind: monitor, label: UN monitor, p_condemn: 1.0}",
            "+relations.un_pakistan={source: un, target: pakistan, type: monitors}",
            # Spawned workers find the kind through its entry point.
            "simulation.workers=2",
            "simulation.chunk_size=100",
            "replicates=200",
            "days=10",
            f"hydra.run.dir={tmp_path}/r",
        ],
        capture_output=True,
        text=True,
        cwd=tmp_path,
        timeout=300,
    )
    assert p.returncode == 0, p.stderr
    import pandas as pd

    ev = pd.read_parquet(tmp_path / "r" / "events")
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

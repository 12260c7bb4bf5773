"""Configs and scenario files cannot run code; bad input costs a line, not a traceback."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest
import yaml

from sim.config import load_yaml, refuse_code
from sim.errors import ConfigError

BIN = Path(sys.executable).with_name("escalation")


def cli(tmp: Path, *args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run([str(BIN), *args], capture_output=True, text=True, cwd=tmp, timeout=300)


@pytest.mark.parametrize(
    "override",
    [
        "+hydra.callbacks.evil._target_=os.system",
        "+actors.iran._target_=subprocess.call",
        "+evil._target_=builtins.eval",
        "+x._target_=builtins.__import__",
    ],
)
def test_target_overrides_are_refused(tmp_path: Path, override: str) -> None:
    marker = tmp_path / "pwned"
    p = cli(
        tmp_path,
        "run",
        override.replace("=", f"=touch {marker} #", 0),
        f"hydra.run.dir={tmp_path}/r",
    )
    assert p.returncode == 2 and "'_target_' is not allowed" in p.stderr
    assert not marker.exists() and not (tmp_path / "r").exists()


@pytest.mark.parametrize(
    "node",
    [
        {"actors": {"iran": {"_target_": "os.system"}}},
        {"relations": [{"_target_": "subprocess.Popen"}]},
        {"a": {"b": {"_partial_": True}}},
    ],
)
def test_refuse_code_walks_the_whole_file(node: dict) -> None:
    with pytest.raises(ConfigError, match="not allowed"):
        refuse_code(node, "evil.yaml")


def test_yaml_tags_cannot_build_objects(tmp_path: Path) -> None:
    marker = tmp_path / "pwned"
    f = tmp_path / "evil.yaml"
    f.write_text(f"x: !!python/object/apply:os.system ['touch {marker}']\n")
    with pytest.raises(ConfigError, match="malformed YAML"):
        load_yaml(f)
    assert not marker.exists()


def test_a_scenario_that_sets_hydra_is_refused(tmp_path: Path, monkeypatch) -> None:
    import sim.config as config

    lib = tmp_path / "lib"
    lib.mkdir()
    (lib / "evil.yaml").write_text(
        yaml.safe_dump(
            {
                "scenario": {"name": "evil"},
                "hydra": {"callbacks": {"x": {"_target_": "os.system", "command": "touch pwned"}}},
            }
        )
    )
    monkeypatch.setattr(config, "scenario_files", lambda: {"evil": lib / "evil.yaml"})
    with pytest.raises(ConfigError, match="cannot set 'hydra'"):
        config.register_scenarios()


def test_resolvers_in_overrides_do_not_execute(tmp_path: Path) -> None:
    marker = tmp_path / "pwned"
    p = cli(
        tmp_path,
        "run",
        "actors.iran.label=${oc.env:HOME}",
        "replicates=10",
        "days=2",
        f"hydra.run.dir={tmp_path}/r",
    )
    assert p.returncode == 0, p.stderr  # reading an environment variable is not code
    p = cli(
        tmp_path,
        "run",
        f'actors.iran.label=${{eval:\'__import__("os").system("touch {marker}")\'}}',
        f"hydra.run.dir={tmp_path}/r2",
    )
    assert p.returncode == 2 and not marker.exists()

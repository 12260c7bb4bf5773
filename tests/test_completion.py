"""Tab completion: the shell's protocol answered from our parser and the package's configs."""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from sim import completion
from sim.hydra_args import ALLOWED_FLAGS, OWN_FLAGS

BIN = Path(sys.executable).with_name("escalation")


def complete(line: str, tmp_path: Path) -> list[str]:
    """What ``escalation`` answers when the shell asks for the completions of ``line``.

    argcomplete's protocol: the shell sets ``_ARGCOMPLETE``, ``COMP_LINE`` and ``COMP_POINT``
    and reads the answer, separated by vertical tabs, from fd 8 (here a file instead).
    """
    out = tmp_path / "completions"
    env = {
        **os.environ,
        "_ARGCOMPLETE": "1",
        "COMP_LINE": line,
        "COMP_POINT": str(len(line)),
        "_ARGCOMPLETE_STDOUT_FILENAME": str(out),
    }
    p = subprocess.run([str(BIN)], env=env, capture_output=True, text=True, timeout=60)
    assert p.returncode == 0, p.stderr
    return [c.strip() for c in out.read_text().split("\013") if c.strip()]


def test_actor_keys_complete_part_by_part(tmp_path: Path) -> None:
    found = complete("escalation run actors.pak", tmp_path)
    assert "actors.pakistan." in found
    # The only match: its parameters come too, so the shell inserts the node, no space.
    assert "actors.pakistan.willingness=" in found
    assert "actors.pakistan.policy." in found
    assert all(c.startswith("actors.pakistan.") for c in found)


def test_groups_and_their_options(tmp_path: Path) -> None:
    from sim.store import group_options, scenario_files

    assert "scenario=" in complete("escalation run scen", tmp_path)
    found = complete("escalation run scenario=", tmp_path)
    assert found == [f"scenario={name}" for name in scenario_files()]
    episodes = complete("escalation run episode=", tmp_path)
    assert episodes == [f"episode={name}" for name in group_options("episode")]


def test_subcommands_and_allowed_flags_only(tmp_path: Path) -> None:
    assert "run" in complete("escalation ru", tmp_path)
    assert {"bash", "zsh"} <= set(complete("escalation completion ", tmp_path))
    flags = complete("escalation run -", tmp_path)
    assert "--overwrite" in flags and "--multirun" in flags
    # Only what the allow-list lets through: never Hydra's own completion nor a config path.
    assert set(flags) <= ALLOWED_FLAGS | OWN_FLAGS | {"--hydra-help"}
    assert "--shell-completion" not in flags and "--config-path" not in flags


def test_values_follow_the_episode_typed(tmp_path: Path) -> None:
    # The roster of the episode on the line, not the default's.
    found = complete("escalation run episode=us_iran_2020 actors.", tmp_path)
    assert "actors.pakistan." not in found
    assert "actors.iran." in found


def test_offered_keys_are_keys_of_the_composed_config() -> None:
    from sim.config import compose_config

    cfg = compose_config("baseline")
    words = ["escalation", "run"]
    offered = completion.keys("run", "actors.pakistan.", words)
    assert offered
    for word in offered:
        key = word.removeprefix("actors.pakistan.").rstrip("=.")
        assert key in cfg.actors.pakistan, word
    for word in completion.keys("run", "simulation.", words):
        assert word.removeprefix("simulation.").rstrip("=.") in cfg.simulation, word


def test_short_keys_and_groups_match_the_config_store() -> None:
    from sim.overrides import SHORT_KEYS
    from sim.store import config_groups, group_options

    assert completion.SHORT_KEYS == SHORT_KEYS
    options = completion.group_options()
    assert set(options) == set(config_groups())
    for group in config_groups():
        assert options[group] == sorted(group_options(group)), group


def test_completion_imports_nothing_heavy() -> None:
    """Each Tab runs the program: it must not import Hydra, the model or the data stack."""
    env = {**os.environ, "_ARGCOMPLETE": "1", "COMP_LINE": "escalation run actors.pak"}
    env |= {"COMP_POINT": str(len(env["COMP_LINE"])), "_ARGCOMPLETE_STDOUT_FILENAME": os.devnull}
    p = subprocess.run(
        [sys.executable, "-X", "importtime", "-m", "sim.cli"],
        env=env,
        capture_output=True,
        text=True,
        timeout=60,
    )
    imported = {line.split("|")[-1].strip() for line in p.stderr.splitlines()}
    for heavy in ("hydra", "omegaconf", "mesa", "pandas", "numpy", "plotly", "scipy"):
        assert heavy not in imported, heavy


@pytest.mark.skipif(shutil.which("bash") is None, reason="needs bash")
def test_installed_bash_code_completes(tmp_path: Path) -> None:
    """The one documented install command's code, sourced in bash, completes a word."""
    code = subprocess.run(
        [str(BIN), "completion", "bash"], capture_output=True, text=True, check=True
    ).stdout
    script = tmp_path / "complete.bash"
    script.write_text(
        code
        + 'COMP_LINE="escalation run actors.pak"; COMP_POINT=${#COMP_LINE}\n'
        + "COMP_WORDS=(escalation run actors.pak); COMP_CWORD=2\n"
        + '_python_argcomplete escalation; printf "%s\\n" "${COMPREPLY[@]}"\n'
    )
    env = {**os.environ, "PATH": f"{BIN.parent}{os.pathsep}{os.environ['PATH']}"}
    p = subprocess.run(["bash", str(script)], env=env, capture_output=True, text=True)
    assert "actors.pakistan." in p.stdout.split("\n"), p.stderr

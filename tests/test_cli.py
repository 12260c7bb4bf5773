"""The command line: every subcommand explains itself, Hydra's flags keep their values."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest
import yaml

import sim
from sim.cli import build_parser, main
from sim.overrides import split_hydra_args

BIN = Path(sys.executable).with_name("escalation")


@pytest.mark.parametrize("command", sorted(build_parser()[1]))
def test_every_subcommand_has_help(command: str, capsys: pytest.CaptureFixture[str]) -> None:
    assert main([command, "--help"]) == 0
    out = capsys.readouterr().out
    assert out.startswith(f"usage: escalation {command}")


def test_top_level_help_lists_every_command(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["--help"]) == 0
    out = capsys.readouterr().out
    for command in build_parser()[1]:
        assert command in out


def test_version(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["--version"]) == 0
    assert capsys.readouterr().out.strip() == f"escalation {sim.__version__}"
    assert sim.__version__ and sim.__version__ != "0+unknown"


def test_bad_commands_and_arguments_exit_2(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["rnu"]) == 2
    assert "invalid choice: 'rnu'" in capsys.readouterr().err
    assert main(["replay", "some_dir"]) == 2
    assert main(["replay", "some_dir", "not-a-number"]) == 2
    assert main([]) == 2


def test_listings_name_every_policy_and_kind(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["policies"]) == 0
    out = capsys.readouterr().out
    assert "generous_tit_for_tat  (state policy; stochastic; memory 1 day)" in out
    assert "generosity = 0.3333  in [0, 1]" in out
    assert "trigger = statement  a rung name" in out
    assert main(["actors"]) == 0
    out = capsys.readouterr().out
    for kind in ("state", "mediator", "militant"):
        assert f"\n{kind}  (" in f"\n{out}"
    assert "max_step = 4  in [0, 100]" in out


def test_hydra_flags_keep_their_values() -> None:
    assert split_hydra_args(["--cfg", "job", "--package", "simulation", "days=3"]) == (
        ["--cfg", "job", "--package", "simulation"],
        ["days=3"],
    )
    assert split_hydra_args(["-m", "a=1,2", "--info", "defaults", "b=2"]) == (
        ["-m", "--info", "defaults"],
        ["a=1,2", "b=2"],
    )
    assert split_hydra_args(["--info", "b=2"]) == (["--info"], ["b=2"])


def test_print_one_package_of_the_config(tmp_path: Path) -> None:
    out = subprocess.run(
        [str(BIN), "run", "--cfg", "job", "--package", "simulation", "days=7"],
        capture_output=True,
        text=True,
        cwd=tmp_path,
        timeout=120,
    )
    assert out.returncode == 0, out.stderr
    assert "# @package simulation" in out.stdout and "days: 7" in out.stdout
    assert not any(tmp_path.iterdir())  # nothing written


def test_printed_job_config_is_the_one_the_run_uses(tmp_path: Path) -> None:
    """``--cfg job`` shows the config after a policy switch dropped the old policy's values."""
    out = subprocess.run(
        [str(BIN), "run", "--cfg", "job", "actors.iran.policy.name=grim_trigger", "days=7"],
        capture_output=True,
        text=True,
        cwd=tmp_path,
        timeout=120,
    )
    assert out.returncode == 0, out.stderr
    printed = yaml.safe_load(out.stdout)
    assert printed["actors"]["iran"]["policy"] == {"name": "grim_trigger"}  # no generosity
    assert printed["simulation"]["days"] == 7 and "hydra" not in printed
    switch = "actors.iran.policy.name=grim_trigger"
    part = subprocess.run(
        [str(BIN), "run", "--cfg", "job", "-p", "actors.iran.policy", switch],
        capture_output=True,
        text=True,
        cwd=tmp_path,
        timeout=120,
    )
    assert part.returncode == 0, part.stderr
    assert part.stdout.startswith("# @package actors.iran.policy\n")
    assert yaml.safe_load(part.stdout) == {"name": "grim_trigger"}
    assert not any(tmp_path.iterdir())  # nothing written


def test_run_names_are_short_and_distinct() -> None:
    from sim.config import run_name

    assert run_name("actors.pakistan.policy.name=graduated,simulation.days=60") == (
        "pakistan.policy=graduated,days=60"
    )
    assert run_name("actors.pakistan.policy.name=graduated,actors.china.policy.name=passive") == (
        "pakistan.policy=graduated,china.policy=passive"
    )
    assert run_name("actors.iran.policy.generosity=0.1,+actors.b.x.y.z=2") == (
        "iran.policy.generosity=0.1,+b.y.z=2"
    )
    long_a = run_name(",".join(f"actors.a{i}.willingness=0.{i}" for i in range(20)))
    long_b = run_name(",".join(f"actors.b{i}.willingness=0.{i}" for i in range(20)))
    assert len(long_a) <= 60 and long_a != long_b
    assert run_name("events.x.target=../../etc") == "x.target=..-..-etc"  # no separators


def test_two_runs_started_together_get_folders_of_their_own(tmp_path: Path) -> None:
    cmd = [str(BIN), "run", "replicates=200", "days=5", "actors.iran.policy.name=tit_for_tat"]
    procs = [
        subprocess.Popen(cmd, cwd=tmp_path, stdout=subprocess.PIPE, stderr=subprocess.PIPE)
        for _ in range(2)
    ]
    for p in procs:
        assert p.wait(timeout=120) == 0
    runs = sorted((tmp_path / "outputs" / "iran_pakistan_2024" / "baseline").iterdir())
    assert len(runs) == 2
    for run in runs:
        assert "iran.policy=tit_for_tat,days=5,replicates=200" in run.name
        assert (run / "status.json").is_file() and (run / "report.html").is_file()


def test_episodes_lists_the_library(capsys: pytest.CaptureFixture[str]) -> None:
    from sim.timeline import library

    assert main(["episodes"]) == 0
    out = capsys.readouterr().out
    assert len(library()) == 11
    for name in library():
        assert f"\n{name}  " in f"\n{out}" and f"escalation run episode={name}" in out
    assert "2024-01-16 to 2024-02-15: 31 observed days" in out
    assert "roles: victim = Iran, adversary = Pakistan, mediator = China" in out

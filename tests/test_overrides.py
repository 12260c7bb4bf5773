"""No silent wrong results: parameters nothing reads are refused; policy switches start clean."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest

from sim.config import apply_overlay, compose_config
from sim.errors import ConfigError, UnknownParameter
from sim.overrides import open_policy_keys, user_policies
from sim.settings import Settings

BIN = Path(sys.executable).with_name("escalation")


def settings(scenario: str = "baseline", *overrides: str) -> Settings:
    return Settings.from_config(
        compose_config(scenario, ["simulation.replicates=50", "simulation.days=10", *overrides])
    )


def test_a_parameter_the_chosen_policy_does_not_take_is_refused() -> None:
    """It used to be skipped: generosity 0 and 1 gave identical grim-trigger runs."""
    with pytest.raises(UnknownParameter) as err:
        settings(
            "baseline", "actors.iran.policy.name=grim_trigger", "actors.iran.policy.generosity=0"
        )
    msg = str(err.value)
    assert msg.startswith("actors.iran.policy.generosity: policy 'grim_trigger'")
    assert "(its parameters: trigger)" in msg and "\n" not in msg


def test_choosing_a_policy_and_its_parameter_needs_no_plus() -> None:
    s = settings(
        "baseline", "actors.pakistan.policy.name=graduated", "actors.pakistan.policy.calm_days=3"
    )
    assert s.actors["pakistan"].policy == "graduated"
    assert s.actors["pakistan"].policy_params["calm_days"] == 3


def test_a_switch_drops_the_rosters_parameters_of_the_old_policy() -> None:
    cfg = compose_config("baseline", ["actors.iran.policy.name=grim_trigger"])
    assert dict(cfg.actors.iran.policy) == {"name": "grim_trigger"}
    assert settings("baseline", "actors.iran.policy.name=grim_trigger").actors["iran"].policy_params
    # Naming the policy it already has is no switch: the roster's values stay.
    same = compose_config("baseline", ["actors.iran.policy.name=generous_tit_for_tat"])
    assert same.actors.iran.policy.generosity == 0.5


def test_a_scenario_that_switches_a_policy_drops_the_rosters_parameters() -> None:
    """no_mediation names China's 'passive' policy, which takes none of threshold_mediator's."""
    assert dict(compose_config("no_mediation").actors.china.policy) == {"name": "passive"}
    assert dict(compose_config("iran_counter_retaliates").actors.iran.policy) == {
        "name": "tit_for_tat"
    }
    settings("no_mediation")
    # A parameter the user sets over the scenario's switch is the user's: refused, not dropped.
    with pytest.raises(UnknownParameter, match=r"actors\.iran\.policy\.generosity"):
        settings("iran_counter_retaliates", "actors.iran.policy.generosity=0.2")


def test_an_external_overlay_that_switches_a_policy_starts_it_clean(tmp_path: Path) -> None:
    overlay = tmp_path / "mine.yaml"
    overlay.write_text("actors:\n  iran:\n    policy:\n      name: graduated\n      calm_days: 4\n")
    cfg = apply_overlay(compose_config("baseline"), overlay)
    assert dict(cfg.actors.iran.policy) == {"name": "graduated", "calm_days": 4}


@pytest.mark.parametrize(
    ("override", "message"),
    [
        ("+actors.iran.max_stepp=2", "a state has no parameter 'max_stepp'"),
        ("actors.iran.max_stepp=2", "(its parameters: max_step, willingness"),
        ("mechanisms.hostility_gian=0.2", "(its parameters: hostility_decay, hostility_gain,"),
    ],
)
def test_kind_and_mechanism_parameters_are_refused_with_the_valid_ones(
    override: str, message: str
) -> None:
    with pytest.raises(ConfigError, match=message.replace("(", r"\(").replace(")", r"\)")):
        settings("baseline", override)


def test_policy_overrides_are_opened_and_read_per_actor() -> None:
    given = ["actors.a.policy.name=x", "actors.a.policy.k=1", "+actors.b.policy.j=2", "days=3"]
    assert open_policy_keys(given) == [
        "actors.a.policy.name=x",
        "++actors.a.policy.k=1",
        "+actors.b.policy.j=2",
        "days=3",
    ]
    assert user_policies(given) == {"a": ("x", {"k"}), "b": (None, {"j"})}


def _sweep(tmp: Path, *args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [str(BIN), "run", "-m", *args, "replicates=100", "days=8", f"hydra.sweep.dir={tmp / 's'}"],
        capture_output=True,
        text=True,
        cwd=tmp,
        timeout=600,
    )


@pytest.mark.parametrize(
    "args",
    [
        ("actors.iran.policy.name=grim_trigger", "actors.iran.policy.generosity=0.0,1.0"),
        # Only the tit_for_tat jobs lack calm_days: still no job runs.
        ("actors.pakistan.policy.name=graduated,tit_for_tat", "actors.pakistan.policy.calm_days=3"),
    ],
)
def test_a_sweep_over_an_unused_parameter_is_refused_before_any_job(
    tmp_path: Path, args: tuple[str, ...]
) -> None:
    p = _sweep(tmp_path, *args)
    assert p.returncode == 2, p.stderr
    assert p.stderr.startswith("error: actors.") and "has no parameter" in p.stderr
    assert not (tmp_path / "s").exists()


def test_a_sweep_over_a_switched_policys_parameter_runs(tmp_path: Path) -> None:
    import pandas as pd

    p = _sweep(
        tmp_path, "actors.pakistan.policy.name=graduated", "actors.pakistan.policy.calm_days=1,6"
    )
    assert p.returncode == 0, p.stderr
    table = pd.read_parquet(tmp_path / "s" / "sweep.parquet")
    assert list(table["status"]) == ["complete", "complete"]
    assert sorted(table["actors.pakistan.policy.calm_days"]) == [1, 6]
    for job in (0, 1):
        saved = (tmp_path / "s" / str(job) / "config.yaml").read_text()
        assert "calm_days" in saved and "generosity: 0.5" in saved  # Iran's is untouched


def test_a_declared_parameter_the_roster_leaves_out_needs_no_plus() -> None:
    from sim.config import opened_keys
    from sim.kinds import kinds

    roster = compose_config("baseline").actors.iran
    missing = [k for k in kinds()["state"].params if k not in roster]
    if not missing:
        pytest.skip("the roster lists every state parameter")
    key = f"actors.iran.{missing[0]}"
    assert opened_keys([f"{key}=1"]) == {key}
    assert key.split(".")[-1] in compose_config("baseline", [f"{key}=1"]).actors.iran

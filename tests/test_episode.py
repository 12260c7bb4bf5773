"""Episodes and role-keyed parameters: roles carry values between rosters, never silently."""

from __future__ import annotations

import pytest

from sim.cli import main
from sim.config import compose_config
from sim.errors import ConfigError
from sim.settings import Settings


def settings(scenario: str, *overrides: str) -> Settings:
    return Settings.from_config(compose_config(scenario, list(overrides)))


def test_role_values_go_to_the_cast_actor() -> None:
    s = settings("baseline", "+by_role.victim.max_step=7", "+by_role.adversary.willingness=0.2")
    assert s.actors["iran"].params["max_step"] == 7
    assert s.actors["pakistan"].params["willingness"] == 0.2
    # The same values on another roster go to that episode's victim and adversary.
    s = settings(
        "baseline",
        "episode=us_iran_2020",
        "+by_role.victim.max_step=7",
        "+by_role.adversary.willingness=0.2",
    )
    assert s.actors["united_states"].params["max_step"] == 7
    assert s.actors["iran"].params["willingness"] == 0.2


def test_a_role_the_episode_does_not_cast_is_skipped_and_reported() -> None:
    s = settings("calibrated", "episode.roles.mediator=null")
    assert s.episode.skipped_roles == ("mediator",)
    assert s.actors["china"].params["restraint_effect"] == 0.3  # the roster's own value


@pytest.mark.parametrize(
    ("overrides", "message"),
    [
        (["actors.iran.policy.name=grim_trigger"], "iran plays 'grim_trigger', which has no"),
        (["+by_role.hero.max_step=2"], "by_role.hero: unknown role"),
        (["+by_role.victim.max_stepp=2"], r"by_role.victim.max_stepp: iran \(a state\) has no"),
        (["+by_role.victim.policy.name=random"], "a role sets parameters, not policies"),
        (["episode.roles.victim=china"], "china is a mediator; a victim must be a state"),
        (["episode.roles.victim=narnia"], "episode.roles.victim: unknown actor 'narnia'"),
        (["episode.timeline=atlantis_2030"], "episode.timeline: unknown episode 'atlantis_2030'"),
    ],
)
def test_bad_roles_are_refused(overrides: list[str], message: str) -> None:
    with pytest.raises(ConfigError, match=message):
        settings("calibrated", *overrides)


def test_a_command_line_override_a_role_value_would_overwrite_is_refused(
    capsys: pytest.CaptureFixture[str],
) -> None:
    assert main(["run", "scenario=calibrated", "actors.iran.max_step=2", "replicates=10"]) == 2
    err = capsys.readouterr().err
    assert "override by_role.victim.max_step instead" in err and err.count("\n") == 1


def test_a_scenario_written_for_another_episode_is_refused() -> None:
    with pytest.raises(ConfigError, match="written for episode 'iran_pakistan_2024'"):
        settings("hawkish_pakistan", "episode=india_pakistan_2016")
    settings("hawkish_pakistan")  # its own episode: fine

"""Actor types: the contract over every registered kind, and kinds added by research code."""

from __future__ import annotations

from collections.abc import Iterator, Mapping

import numpy as np
import pytest

from sim.agents import Actor, StateActor, actor_types, register_actor, unregister_actor
from sim.config import compose_config
from sim.contracts import ContractError, check_actor_type
from sim.errors import ConfigError
from sim.model import EscalationModel
from sim.policies import Param
from sim.settings import Settings


@pytest.mark.parametrize("kind", sorted(actor_types()))
def test_contract(kind: str) -> None:
    check_actor_type(kind)


class Envoy(Actor):
    """Test kind: sends a statement to its state every other day."""

    kind = "envoy"
    params = {"p_speak": Param(0.5, 0.0, 1.0, "P(a statement on a speaking day)")}
    relations = {"advises": "state"}
    rungs = ("statement",)

    def decide(self) -> None:
        m = self.model
        self.plan = {
            c.index: np.where(
                (m.day % 2 == 0) & (self.draws(c, "speak").uniform(0) < self.p("p_speak")),
                self.rung_index("statement"),
                self.rung_index("none"),
            ).astype(np.int8)
            for c in self.channels
        }

    def act(self) -> Mapping[int, np.ndarray]:
        return self.plan


class Meddler(Envoy):
    """Broken on purpose: changes its state's pressure while deciding (order-dependent)."""

    kind = "meddler"
    relations = {"meddles": "state"}

    def decide(self) -> None:
        super().decide()
        for c in self.channels:
            state = self.model.actors[c.target]
            state.pressure = np.full(self.model.n, float(self.model.day % 2))


class Shouter(Envoy):
    """Broken on purpose: strikes, a rung it never declared."""

    kind = "shouter"
    relations = {"shouts_at": "state"}

    def act(self) -> Mapping[int, np.ndarray]:
        return {
            i: np.full(self.model.n, self.rung_index("strike_state"), np.int8) for i in self.plan
        }


class LoudEnvoy(Envoy):
    """A variant of a kind added by research code: inherits its relation types."""

    kind = "loud_envoy"
    params = {"p_speak": Param(0.9, 0.0, 1.0, "P(a statement on a speaking day)")}


class Hawk(StateActor):
    """A state that never agrees: a subclass of a built-in kind with its own ``decide``."""

    kind = "hawk_state"

    def decide(self) -> None:
        super().decide()
        self.plan = {i: (lv, np.zeros_like(w), r) for i, (lv, w, r) in self.plan.items()}


@pytest.fixture
def registered() -> Iterator[None]:
    for cls in (Envoy, Meddler, Shouter, Hawk, LoudEnvoy):
        register_actor(cls)
    yield
    for cls in (Envoy, Meddler, Shouter, Hawk, LoudEnvoy):
        unregister_actor(cls.kind)


def test_a_new_kind_passes_and_broken_ones_fail(registered: None) -> None:
    check_actor_type(Envoy)
    check_actor_type(LoudEnvoy)
    check_actor_type("hawk_state")
    with pytest.raises(ContractError, match="order"):
        check_actor_type(Meddler)
    with pytest.raises(ContractError, match="strike_state"):
        check_actor_type(Shouter)

    class Unregistered(Envoy):
        """Same kind as Envoy, never registered."""

    with pytest.raises(ContractError, match="another class is registered"):
        check_actor_type(Unregistered)


def envoy_model(*extra: str) -> EscalationModel:
    return EscalationModel(envoy_settings(*extra), replicates=np.arange(3))


def envoy_settings(*extra: str) -> Settings:
    return Settings.from_config(
        compose_config(
            "baseline",
            [
                "simulation.replicates=300",
                "simulation.days=10",
                "+actors.envoy={kind: envoy, p_speak: 1.0}",
                "+relations.advice={source: envoy, target: iran, type: advises}",
                *extra,
            ],
        )
    )


def test_a_new_kind_acts_without_changing_the_others(registered: None) -> None:
    base = EscalationModel(
        Settings.from_config(
            compose_config("baseline", ["simulation.replicates=300", "simulation.days=10"])
        )
    ).run()
    m = EscalationModel(envoy_settings()).run()
    (ch,) = m.actors["envoy"].channels
    assert (ch.actor, ch.target, ch.kind) == ("envoy", "iran", "envoy")
    speaks = m.history[:, ch.index] == m.ladder.index["statement"]
    assert speaks[2::2].all() and not speaks[1::2].any()
    # A statement has no built-in effect, and the other channels' draws are keyed by name.
    assert np.array_equal(m.history[:, : ch.index], base.history)


def test_a_variant_shares_its_bases_relation_types(registered: None) -> None:
    m = envoy_model(
        "+actors.loud={kind: loud_envoy}",
        "+relations.loud_advice={source: loud, target: pakistan, type: advises}",
    )
    assert [(c.actor, c.target) for c in m.channels[-2:]] == [
        ("envoy", "iran"),
        ("loud", "pakistan"),
    ]


def test_a_subclass_of_a_built_in_kind_takes_its_place(registered: None) -> None:
    s = Settings.from_config(
        compose_config("baseline", ["simulation.replicates=300", "actors.iran.kind=hawk_state"])
    )
    m = EscalationModel(s).run()
    assert isinstance(m.actors["iran"], Hawk)
    assert m.agreed_day.max() < 0  # Iran is never willing, so there is never an agreement


def test_kind_errors_name_the_field(registered: None) -> None:
    with pytest.raises(ConfigError, match="unknown actor kind 'envoi' \\(did you mean 'envoy'"):
        envoy_settings("actors.envoy.kind=envoi")
    with pytest.raises(ConfigError, match="a 'advises' relation links a envoy to a state"):
        envoy_model("relations.advice.target=jaish_al_adl")
    with pytest.raises(ConfigError, match=r"actors\.envoy\.p_speak: 2\.0 outside"):
        envoy_settings("actors.envoy.p_speak=2.0")
    with pytest.raises(ConfigError, match="a envoy cannot take 'strike_state'"):
        envoy_settings(
            "+events.shot={day: 1, actor: envoy, target: iran, rung: strike_state}",
        )
    with pytest.raises(ConfigError, match="takes no policy"):
        envoy_settings("+actors.envoy.policy={name: tit_for_tat}")


def test_registering_checks_the_declaration() -> None:
    class Nameless(Actor):
        """No kind."""

    with pytest.raises(ValueError, match="no kind"):
        register_actor(Nameless)

    class Clash(Actor):
        """Reuses a built-in relation type."""

        kind = "clash"
        relations = {"leverage": "state"}

    with pytest.raises(ValueError, match="'leverage' is already defined"):
        register_actor(Clash)

    class Impostor(Actor):
        """Takes a built-in kind's name."""

        kind = "state"

    with pytest.raises(ValueError, match="already registered"):
        register_actor(Impostor)


class Drill(Envoy):
    """Takes a force-level rung on a drill day, but declares that its acts never harm."""

    kind = "drill"
    relations = {"drills_near": "state"}
    rungs = ("strike_state",)

    def act(self) -> Mapping[int, np.ndarray]:
        return {
            i: np.full(self.model.n, self.rung_index("strike_state"), np.int8) for i in self.plan
        }

    def harms(self, channel: object, today: object) -> None:
        return None

    def violates(self, channel: object, today: object) -> None:
        return None


def test_effects_ask_the_acting_kind_what_its_acts_do() -> None:
    """The casualty submodel dispatches through the kind's own methods, built-in or not."""
    register_actor(Drill)
    try:
        extra = [
            "simulation.replicates=50",
            "simulation.days=6",
            "+actors.drill={kind: drill}",
            "+relations.drill={source: drill, target: iran, type: drills_near}",
        ]
        m = EscalationModel(Settings.from_config(compose_config("baseline", extra))).run()
        (ch,) = m.actors["drill"].channels
        assert (m.history[1:, ch.index] == m.ladder.index["strike_state"]).all()
        assert not m.deaths[:, ch.index].any()  # its own harms() says it never kills

        class LiveDrill(Drill):
            """The same acts with the default effects: force kills and violates soil."""

            kind = "live_drill"
            harms = Actor.harms
            violates = Actor.violates

        register_actor(LiveDrill)
        live = EscalationModel(
            Settings.from_config(
                compose_config("baseline", [*extra, "actors.drill.kind=live_drill"])
            )
        ).run()
        (ch,) = live.actors["drill"].channels
        assert live.deaths[:, ch.index].sum() > 0
    finally:
        unregister_actor("drill")
        unregister_actor("live_drill")


class Lobbyist(StateActor):
    """A state variant that also lobbies its opponent along a relation type of its own."""

    kind = "lobbyist_state"
    relations = {"lobbies_rival": "state"}


class Puppeteer(Envoy):
    """Broken on purpose: acts on a channel that is not its own."""

    kind = "puppeteer"
    relations = {"pulls": "state"}

    def act(self) -> Mapping[int, np.ndarray]:
        return {0: np.full(self.model.n, self.rung_index("statement"), np.int8)}


def test_a_state_variant_with_its_own_relation_keeps_its_dyad() -> None:
    register_actor(Lobbyist)
    try:
        base = EscalationModel(
            Settings.from_config(compose_config("baseline", ["simulation.replicates=200"]))
        ).run()
        m = EscalationModel(
            Settings.from_config(
                compose_config(
                    "baseline",
                    [
                        "simulation.replicates=200",
                        "actors.iran.kind=lobbyist_state",
                        "+relations.lobby={source: iran, target: pakistan, type: lobbies_rival}",
                    ],
                )
            )
        ).run()
        assert m.dyad_channels(0) == base.dyad_channels(0)
        assert np.array_equal(m.history[:, : len(base.channels)], base.history)
    finally:
        unregister_actor("lobbyist_state")


def test_acting_on_another_actors_channel_is_refused() -> None:
    register_actor(Puppeteer)
    try:
        with pytest.raises(RuntimeError, match="not one of its own"):
            EscalationModel(
                Settings.from_config(
                    compose_config(
                        "baseline",
                        [
                            "simulation.replicates=20",
                            "+actors.p={kind: puppeteer}",
                            "+relations.p={source: p, target: iran, type: pulls}",
                        ],
                    )
                )
            ).run()
    finally:
        unregister_actor("puppeteer")


def test_a_variant_registered_before_its_base_still_counts_as_one() -> None:
    from sim.kinds import kind_family

    class Base(Envoy):
        """A base registered second."""

        kind = "late_base"
        relations = {"advises_late": "state"}

    class Variant(Base):
        """Registered first."""

        kind = "early_variant"

    register_actor(Variant)
    register_actor(Base)
    try:
        assert kind_family("early_variant") == ("early_variant", "late_base")
    finally:
        unregister_actor("early_variant")
        unregister_actor("late_base")


def test_the_kind_listing_names_a_variants_base(
    registered: None, capsys: pytest.CaptureFixture[str]
) -> None:
    from sim.commands import actors

    assert actors() == 0
    assert "hawk_state  (takes a state policy; a variant of state)" in capsys.readouterr().out

"""Fuzz: generated overrides either run or give a ConfigError — never another exception."""

from __future__ import annotations

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from sim.config import compose_config
from sim.errors import ConfigError
from sim.runner import plan_chunks, simulate
from sim.settings import Settings

KEYS = [
    "actors.iran.willingness",
    "actors.pakistan.max_step",
    "actors.iran.policy.generosity",
    "actors.pakistan.policy.name",
    "actors.china.policy.p_act",
    "actors.china.policy.threshold",
    "actors.jaish_al_adl.attack_rate",
    "mechanisms.hostility_gain",
    "simulation.replicates",
    "simulation.days",
    "simulation.seed",
    "simulation.chunk_size",
    "relations.border.weight",
    "events.iran_strikes_jaish_al_adl.day",
    "events.iran_strikes_jaish_al_adl.rung",
    "actors.irn.willingness",
    "actors.iran.willingnes",
    "scenario.title",
    "ladder.rungs",
]
VALUES = st.one_of(
    st.integers(-5, 50).map(str),
    st.floats(-2, 2, allow_nan=False).map(lambda x: f"{x:.3f}"),
    st.sampled_from(
        [
            "nan",
            "inf",
            "-inf",
            "tit_for_tat",
            "grim_trigger",
            "passive",
            "nonsense",
            "strike_state",
            "[0.1,0.2]",
            "[]",
            "{a: 1}",
            "null",
            "true",
            "''",
            "'x y'",
        ]
    ),
)


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.lists(st.tuples(st.sampled_from(KEYS), VALUES), min_size=1, max_size=4))
def test_overrides_run_or_fail_cleanly(pairs: list[tuple[str, str]]) -> None:
    overrides = [f"{k}={v}" for k, v in pairs]
    small = ["simulation.replicates=20", "simulation.days=5"]
    try:
        s = Settings.from_config(compose_config("baseline", [*small, *overrides]))
        if s.simulation.replicates > 2000 or s.simulation.days > 60:
            return  # valid but too big for a unit test
        plan_chunks(s)
        simulate(s, None, progress=False)
    except ConfigError as exc:
        msg = str(exc)
        assert msg and "\n" not in msg and ":" in msg

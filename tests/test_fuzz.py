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


# --- every subcommand, driven with generated overrides and files ----------------------------

SUB_KEYS = [*KEYS[:15], "scenario.name", "episode.name", "hydra.launcher.n_jobs", "+hydra.x"]
CAL_KEYS = ["population", "generations", "quantile", "batch", "budget", "min_tolerance"]
WEIGHTS = st.lists(
    st.sampled_from([0.0, 1.0, 2.5, -1.0, float("nan"), float("inf")]), min_size=0, max_size=3
)
SUMMARIES = st.dictionaries(
    st.sampled_from(["metrics", "ladder", "channels", "daily_rung_counts", "transitions"]),
    st.one_of(st.none(), st.integers(), st.just({}), st.just([]), st.just({"names": []})),
)


def _posterior(path, weights: list[float]) -> None:
    import pandas as pd

    n = len(weights)
    pd.DataFrame(
        {"by_role.victim.max_step": [2.0] * n, "weight": weights, "distance": [0.0] * n}
    ).to_parquet(path)


@settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(
    command=st.sampled_from(["run", "run -m", "calibrate", "report", "aggregate", "replay"]),
    pairs=st.lists(st.tuples(st.sampled_from(SUB_KEYS), VALUES), max_size=3),
    cal=st.lists(st.tuples(st.sampled_from(CAL_KEYS), VALUES), min_size=1, max_size=2),
    weights=WEIGHTS,
    summary=SUMMARIES,
)
def test_subcommands_never_crash_nor_write_partially(
    command: str, pairs: list, cal: list, weights: list[float], summary: dict
) -> None:
    import json
    import tempfile
    from pathlib import Path

    from bad_inputs import run_case, snapshot

    with tempfile.TemporaryDirectory() as t:
        tmp = Path(t)
        _posterior(tmp / "post.parquet", weights)
        (tmp / "run").mkdir()
        (tmp / "run" / "config.yaml").write_text("a: 1\n")
        (tmp / "run" / "summary.json").write_text(json.dumps(summary))
        small = ["replicates=20", "days=3"]
        overrides = [f"{k}={v}" for k, v in pairs]
        if command.startswith("run"):
            args = [*command.split(), *small, *overrides, f"posterior={tmp}/post.parquet"]
        elif command == "calibrate":
            args = ["calibrate", *small, *[f"{k}={v}" for k, v in cal], "generations=0"]
        elif command == "replay":
            args = ["replay", f"{tmp}/run", "0"]
        else:
            args = [command, f"{tmp}/run"]
        before = snapshot(tmp)
        rc, _, err = run_case(args, tmp)
        assert "Traceback" not in err
        assert rc in (0, 1, 2)
        if rc != 0:
            assert len(err.strip().splitlines()) == 1 and err.startswith("error: "), err
            assert snapshot(tmp) == before, "a refused command wrote files"

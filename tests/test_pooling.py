"""Crisis-level time scales: pooled parameters drawn per crisis around a population value."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from sim.errors import ConfigError
from sim.posterior import pool, posterior_arrays

KEYS = ["by_role.victim.prep_days", "by_role.victim.prep_days@spread", "by_role.victim.willingness"]


def rows(mu: float, sigma: float, n: int = 20_000) -> np.ndarray:
    return np.column_stack([np.full(n, mu), np.full(n, sigma), np.full(n, 0.3)])


def test_without_spreads_nothing_changes() -> None:
    values = rows(7, 0.5)[:, [0, 2]]
    keys, out = pool([KEYS[0], KEYS[2]], values, np.random.default_rng(0))
    assert keys == [KEYS[0], KEYS[2]] and out is values


def test_a_zero_spread_gives_the_population_value() -> None:
    keys, out = pool(KEYS, rows(7, 0.0), np.random.default_rng(0))
    assert keys == [KEYS[0], KEYS[2]]
    assert (out[:, 0] == 7).all() and (out[:, 1] == 0.3).all()


def test_crises_spread_around_the_population_value_in_whole_days() -> None:
    _, out = pool(KEYS, rows(11, 0.6), np.random.default_rng(1))
    days = out[:, 0]
    assert (days == np.round(days)).all() and (days >= 0).all() and (days <= 365).all()
    assert abs(np.median(days) - 11) <= 1  # the population value is the crises' median
    assert (days >= 25).mean() > 0.05  # a 25-day build-up is no longer out of reach
    assert (days <= 5).mean() > 0.05
    assert (out[:, 1] == 0.3).all()  # unpooled parameters are left alone


@pytest.mark.parametrize(
    ("keys", "values", "message"),
    [
        (["by_role.victim.prep_days@spread"], np.ones((3, 1)), "without its parameter"),
        (KEYS, rows(5, -0.1, 3), "negative"),
    ],
)
def test_bad_spreads_are_refused(keys, values, message) -> None:
    with pytest.raises(ConfigError, match=message):
        pool(keys, values, np.random.default_rng(0))


def test_a_fit_refuses_a_spread_without_its_parameter() -> None:
    from sim.calibration.joint import cast_keys

    class Ep:
        roles = frozenset({"victim"})

    with pytest.raises(ConfigError, match="needs a prior"):
        cast_keys({"by_role.victim.prep_days@spread": {"dist": "uniform"}}, [Ep()])  # type: ignore[list-item]


def test_each_episode_of_a_fit_draws_its_own_time_scale() -> None:
    from sim.calibration.joint import JointSimulator, load_episodes

    eps = load_episodes(["korea_2010", "us_iran_2020"], "crisis_mechanisms")
    keys = ["by_role.victim.prep_days", "by_role.victim.prep_days@spread"]
    theta = np.column_stack([np.full(300, 10.0), np.full(300, 0.8)])
    sim = JointSimulator(eps, keys, seed=4)
    got = []
    for e, ep in enumerate(eps):
        m = sim.model(e, theta, call=1)
        got.append(m.actors[ep.base["episode"]["roles"]["victim"]].values["prep_days"].copy())
        m.dispose()
    assert len(np.unique(got[0])) > 5  # particles differ within an episode ...
    assert not np.array_equal(got[0], got[1])  # ... and one particle across episodes
    flat = JointSimulator(eps, keys[:1], seed=4).model(0, theta[:, :1], call=1)
    assert (flat.actors[eps[0].base["episode"]["roles"]["victim"]].values["prep_days"] == 10).all()


def test_a_new_crisis_draws_its_time_scale_per_replicate(tmp_path: Path) -> None:
    path = tmp_path / "posterior.parquet"
    pd.DataFrame(
        {
            "by_role.victim.prep_days": [8.0, 14.0],
            "by_role.victim.prep_days@spread": [0.5, 0.5],
            "weight": [0.5, 0.5],
            "distance": [0.0, 0.0],
        }
    ).to_parquet(path)
    drawn = posterior_arrays(path, 4000, seed=3)
    assert set(drawn) == {"by_role.victim.prep_days"}
    days = drawn["by_role.victim.prep_days"]
    assert len(np.unique(days)) > 10 and 8 <= np.median(days) <= 14
    again = posterior_arrays(path, 4000, seed=3)["by_role.victim.prep_days"]
    assert np.array_equal(days, again)  # seeded: the same run draws the same crises

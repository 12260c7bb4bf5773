"""Policies: a scripted match per policy, and one contract run over every registered policy."""

from __future__ import annotations

import math
import pickle
from collections.abc import Sequence

import numpy as np
import pytest

from sim.config import compose_config
from sim.ladder import Ladder
from sim.policies import (
    M_APPEAL,
    M_LEVERAGE,
    M_MEDIATE,
    M_NONE,
    MediatorObservation,
    OneReplicatePolicy,
    Policy,
    StateObservation,
    Traits,
    get_policy,
    per_replicate,
    registered_policies,
)
from sim.rng import CounterRNG, Draws, stream_key


@pytest.fixture(scope="module")
def ladder() -> Ladder:
    cfg = compose_config("baseline")
    return Ladder.from_config(cfg.ladder)


def state_obs(received: np.ndarray, day: int, top: int) -> StateObservation:
    n = received.size
    return StateObservation(
        day=day,
        received=received.astype(np.int8),
        own_last=np.zeros(n, np.int8),
        casualties=np.zeros(n, np.int32),
        violated=np.zeros(n, bool),
        pressure=np.zeros(n),
        mediation=np.zeros(n, bool),
        top_level=top,
    )


def play(policy: Policy, received: Sequence[int], seed: int = 1, reps: int = 1) -> list[list[int]]:
    """Feed the same received sequence to every replicate; return responses per day."""
    rng = CounterRNG(seed, np.arange(reps))
    out = []
    for day, r in enumerate(received, start=1):
        obs = state_obs(np.full(reps, r), day, policy.ladder.top_level)
        out.append(policy.decide(obs, Draws(rng, day, stream_key("test/policy"))).tolist())
    return out


def mediator_obs(n: int, **kw: np.ndarray) -> MediatorObservation:
    base = dict(
        day=1,
        max_level=np.zeros(n, np.int16),
        crisis_days=np.zeros(n, np.int32),
        crisis_peak=np.zeros(n, np.int16),
        offered=np.zeros(n, bool),
        hostility=np.zeros(n),
    )
    base.update(kw)
    return MediatorObservation(**base)  # type: ignore[arg-type]


# --------------------------------------------------------------- scripted matches
OPP = [0, 3, 0, 7, 7, 0, 0, 2, 0, 0]


def col(resp: list[list[int]]) -> list[int]:
    return [r[0] for r in resp]


def test_tit_for_tat(ladder: Ladder) -> None:
    p = get_policy("tit_for_tat")(ladder, 1)
    assert col(play(p, OPP)) == OPP


def test_tit_for_two_tats(ladder: Ladder) -> None:
    p = get_policy("tit_for_two_tats")(ladder, 1)
    # Retaliates only on the second hostile day in a row, at the lower level.
    assert col(play(p, OPP)) == [0, 0, 0, 0, 7, 0, 0, 0, 0, 0]
    p = get_policy("tit_for_two_tats")(ladder, 1)
    assert col(play(p, [4, 7, 2, 0])) == [0, 4, 2, 0]


def test_grim_trigger(ladder: Ladder) -> None:
    p = get_policy("grim_trigger")(ladder, 1)
    assert col(play(p, OPP)) == [0, 3, 3, 7, 7, 7, 7, 7, 7, 7]
    p = get_policy("grim_trigger")(ladder, 1, trigger="strike_militants")
    assert col(play(p, OPP)) == [0, 0, 0, 7, 7, 7, 7, 7, 7, 7]


def test_graduated(ladder: Ladder) -> None:
    p = get_policy("graduated")(ladder, 1)
    # 1st provocation (day 2): punish 1 day, calm 2 (day 4's provocation falls in the calm
    # but is counted). Day 5 is the 3rd provocation: 3 days at its level, then calm again,
    # which swallows day 8's provocation.
    got = col(play(p, [*OPP, 0, 0, 0, 0]))
    assert got[:4] == [0, 3, 0, 0]
    assert got[4] == 7 and got[5:7] == [7, 7]  # count 3 -> three days at 7
    assert got[7:9] == [0, 0]  # calm
    assert got[9:] == [0] * 5
    p = get_policy("graduated")(ladder, 1)
    got = col(play(p, [2, 0, 0, 0, 5, 0, 0, 0, 0]))
    assert got == [2, 0, 0, 0, 5, 5, 0, 0, 0]


def test_always_restrain(ladder: Ladder) -> None:
    p = get_policy("always_restrain")(ladder, 1)
    assert col(play(p, OPP)) == [0] * len(OPP)


def test_generous_tit_for_tat_extremes_and_rate(ladder: Ladder) -> None:
    never = get_policy("generous_tit_for_tat")(ladder, 1, generosity=0.0)
    assert col(play(never, OPP)) == OPP
    always = get_policy("generous_tit_for_tat")(ladder, 1, generosity=1.0)
    assert col(play(always, OPP)) == [0] * len(OPP)
    p = get_policy("generous_tit_for_tat")(ladder, 20_000, generosity=0.25)
    resp = np.array(play(p, [7], reps=20_000)[0])
    assert set(np.unique(resp)) <= {0, 7}
    assert abs((resp == 0).mean() - 0.25) < 0.02


def test_random_policy(ladder: Ladder) -> None:
    p = get_policy("random")(ladder, 20_000, p_restrain=0.5, max_level="recall_ambassador")
    resp = np.array(play(p, [0], reps=20_000)[0])
    top = ladder.level_of("recall_ambassador")
    assert resp.min() == 0 and resp.max() == top
    assert abs((resp == 0).mean() - 0.5) < 0.02
    counts = np.bincount(resp[resp > 0], minlength=top + 1)[1:]
    assert counts.min() > 0.8 * counts.mean()


def test_threshold_mediator(ladder: Ladder) -> None:
    sm = ladder.level_of("strike_militants")
    p = get_policy("threshold_mediator")(ladder, 4, p_act=1.0, leverage_after=3)
    rng = CounterRNG(1, np.arange(4))
    obs = mediator_obs(
        4,
        crisis_days=np.array([0, 1, 1, 5]),
        crisis_peak=np.array([sm, sm - 1, sm, sm]),
        max_level=np.array([0, 0, 0, sm]),
        offered=np.array([False, False, False, True]),
    )
    got = p.decide(obs, Draws(rng, 1, stream_key("m"))).tolist()
    # no crisis; crisis below threshold; engaged first time -> offer; long crisis -> leverage
    assert got == [M_NONE, M_NONE, M_MEDIATE, M_LEVERAGE]
    obs.max_level = np.zeros(4, np.int16)
    assert p.decide(obs, Draws(rng, 1, stream_key("m"))).tolist()[3] == M_APPEAL


def test_passive_mediator(ladder: Ladder) -> None:
    p = get_policy("passive")(ladder, 3)
    obs = mediator_obs(3, crisis_days=np.ones(3, np.int32), crisis_peak=np.full(3, 9, np.int16))
    assert p.decide(obs, Draws(CounterRNG(1, np.arange(3)), 1, 0)).tolist() == [M_NONE] * 3


# ------------------------------------------------------------------- the adapter
class PlainTitForTat(OneReplicatePolicy):
    name = "plain_tit_for_tat"
    traits = Traits(role="state", stochastic=False, memory_depth=1)

    def respond(self, obs, uniform):  # type: ignore[no-untyped-def]
        return obs.received


class PlainGenerous(OneReplicatePolicy):
    name = "plain_generous"
    traits = Traits(role="state", stochastic=True, memory_depth=1)
    params = get_policy("generous_tit_for_tat").params

    def respond(self, obs, uniform):  # type: ignore[no-untyped-def]
        if obs.received > 0 and uniform(0) < self.values["generosity"]:
            return 0
        return obs.received


def test_adapter_matches_vectorised(ladder: Ladder) -> None:
    seq = [0, 7, 3, 7, 0, 9, 1]
    plain = per_replicate(PlainTitForTat)(ladder, 50)
    fast = get_policy("tit_for_tat")(ladder, 50)
    assert play(plain, seq, reps=50) == play(fast, seq, reps=50)
    g = np.linspace(0, 1, 64)
    plain = per_replicate(PlainGenerous)(ladder, 64, generosity=g)
    fast = get_policy("generous_tit_for_tat")(ladder, 64, generosity=g)
    assert play(plain, seq, seed=9, reps=64) == play(fast, seq, seed=9, reps=64)


# ---------------------------------------------------------------- the contract
ALL = sorted(registered_policies())


@pytest.mark.parametrize("name", ALL)
def test_contract(name: str, ladder: Ladder) -> None:
    cls = registered_policies()[name]
    assert cls.name == name and cls.__doc__, "a policy has a name and a docstring"
    t = cls.traits
    assert t.role in ("state", "mediator")
    assert t.memory_depth >= 0
    n = 300
    rng = CounterRNG(5, np.arange(n))
    rs = np.random.default_rng(0)  # test data only; the model never uses it
    seq = [rs.integers(0, ladder.top_level + 1, n) for _ in range(8)]

    def run(seed: int) -> list[list[int]]:
        p = cls(ladder, n)
        r = CounterRNG(seed, np.arange(n))
        out = []
        for day, received in enumerate(seq, start=1):
            if t.role == "state":
                obs = state_obs(received, day, ladder.top_level)
            else:
                obs = mediator_obs(
                    n,
                    max_level=received,
                    crisis_days=np.full(n, day),
                    crisis_peak=received,
                    offered=received % 2 == 0,
                )
            a = p.decide(obs, Draws(r, day, stream_key("c")))
            assert a.shape == (n,) and a.dtype == np.int8
            if t.role == "state":
                assert a.min() >= 0 and a.max() <= ladder.top_level
            else:
                assert a.min() >= M_NONE and a.max() <= M_LEVERAGE
            out.append(a.tolist())
        return out

    first = run(1)
    assert run(1) == first, "deterministic under a seed"
    if not t.stochastic:
        assert run(2) == first, "declared deterministic: the seed must not matter"
    if t.memory_depth == 0 and t.role == "state":
        # Memoryless: the answer to a day's observation does not depend on the past.
        p = cls(ladder, n)
        last = p.decide(
            state_obs(seq[-1], len(seq), ladder.top_level), Draws(rng, len(seq), stream_key("c"))
        )
        q = cls(ladder, n)
        for day, received in enumerate(seq[:-1], start=1):
            q.decide(state_obs(received, day, ladder.top_level), Draws(rng, day, stream_key("c")))
        again = q.decide(
            state_obs(seq[-1], len(seq), ladder.top_level), Draws(rng, len(seq), stream_key("c"))
        )
        assert np.array_equal(last, again)
    # Picklable (worker processes receive policies through settings).
    p = cls(ladder, n)
    assert pickle.loads(pickle.dumps(p)).values == p.values
    if math.isinf(t.memory_depth):
        # Unbounded memory must be kept in the policy's own state, reset per model.
        assert "reset" in vars(cls), "a policy with memory resets it"


def test_unknown_policy_suggests() -> None:
    from sim.errors import ConfigError

    with pytest.raises(ConfigError, match="did you mean 'tit_for_tat'"):
        get_policy("tit_for_tatt", "state", where="actors.iran.policy.name")

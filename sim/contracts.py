"""The actor-type contract: checks every registered actor type must pass.

The test suite runs :func:`check_actor_type` over every registered kind (built-in, the
examples' and plugins'); research code runs it on its own kinds the same way::

    from sim.contracts import check_actor_type
    check_actor_type("faction")

The checks put one actor of the kind into the baseline roster (a subclass of a built-in
kind replaces the first actor of that kind; another kind is added with one relation of
each type it declares) and simulate a small batch.
"""

from __future__ import annotations

import math
import pickle

import numpy as np
from omegaconf import DictConfig, open_dict

from sim.agents import Actor, get_actor_type
from sim.config import compose_config
from sim.kinds import BUILT_IN, kind_family
from sim.model import EscalationModel
from sim.policies import registered_policies
from sim.settings import Settings


class ContractError(AssertionError):
    """An actor type breaks the contract (the message says which part)."""


def _require(ok: bool, kind: str, what: str) -> None:
    if not ok:
        raise ContractError(f"actor kind {kind!r}: {what}")


def contract_config(
    kind: str, replicates: int = 64, days: int = 12, seed: int = 3
) -> tuple[DictConfig, str]:
    """The baseline config with one actor of ``kind`` in its roster.

    Returns:
        The composed config and the id of the actor of that kind.
    """
    cls = get_actor_type(kind)
    cfg = compose_config(
        "baseline",
        [
            f"simulation.replicates={replicates}",
            f"simulation.days={days}",
            f"simulation.seed={seed}",
        ],
    )
    roster = {str(k): str(v.kind) for k, v in cfg.actors.items() if v is not None}
    family = kind_family(kind)
    built_in = next((k for k in family if k in {b.name for b in BUILT_IN}), None)
    if built_in is not None:
        actor_id = next(a for a, k in roster.items() if k == built_in)
        with open_dict(cfg):
            cfg.actors[actor_id].kind = kind
        return cfg, actor_id
    actor_id = f"contract_{kind}"
    body: dict[str, object] = {"kind": kind, "label": f"{kind} (contract)"}
    if cls.policy_role is not None:
        body["policy"] = {"name": next(iter(registered_policies(cls.policy_role)))}
    relations = dict(cfg.relations)
    for rtype, target_kind in cls.relations.items():
        targets = [a for a, k in roster.items() if target_kind in kind_family(k)]
        _require(bool(targets), kind, f"no {target_kind!r} in the baseline roster for {rtype!r}")
        relations[f"contract_{rtype}"] = {"source": actor_id, "target": targets[0], "type": rtype}
    with open_dict(cfg):
        cfg.actors[actor_id] = body
        cfg.relations = relations
    return cfg, actor_id


class _Shuffled(EscalationModel):
    """Agents decide in a random order each day (Mesa's ``shuffle_do``)."""

    def _decide(self) -> None:
        self.agents.shuffle_do("decide")


def check_actor_type(kind: str | type[Actor], replicates: int = 64, days: int = 12) -> None:
    """Check an actor type against the contract.

    Checks: a docstring and a registered kind; parameter defaults within their ranges;
    declared rungs on the baseline ladder; a run that is deterministic under a seed,
    replays any subset of replicates exactly, does not depend on the order in which
    agents decide, and takes only rungs the kind may take; settings that pickle (worker
    processes receive them).

    Args:
        kind: The kind, or its class (registered).
        replicates: Batch size of the check runs.
        days: Horizon of the check runs.

    Raises:
        ContractError: Naming the broken part.
        ConfigError: If the kind is unknown, or its config is refused (say a declared rung
            the ladder lacks).
    """
    given = kind if isinstance(kind, type) else None
    name = given.kind if given is not None else str(kind)
    cls = get_actor_type(name)
    _require(given in (None, cls), name, "another class is registered under its kind")
    _require(bool(cls.__doc__ and cls.__doc__.strip()), name, "has no docstring")
    for key, p in cls.params.items():
        ok = not (isinstance(p.default, float) and math.isnan(p.default))
        _require(ok and p.low <= p.default <= p.high, name, f"default of {key!r} out of range")

    cfg, actor_id = contract_config(name, replicates, days)
    settings = Settings.from_config(cfg)  # refuses declared rungs the ladder lacks
    pickle.loads(pickle.dumps(settings))

    first = EscalationModel(settings).run()
    again = EscalationModel(settings).run()
    _require(np.array_equal(first.history, again.history), name, "not deterministic")
    _require(
        np.array_equal(first.total_deaths, again.total_deaths), name, "deaths not deterministic"
    )
    subset = np.array([replicates - 1, 0, replicates // 2])
    part = EscalationModel(settings, replicates=subset).run()
    _require(
        np.array_equal(part.history, first.history[:, :, subset]),
        name,
        "a subset of replicates does not replay the full run",
    )
    shuffled = _Shuffled(settings).run()
    _require(
        np.array_equal(shuffled.history, first.history),
        name,
        "results depend on the order in which agents decide (mutate shared state in "
        "apply, not decide)",
    )
    allowed = settings.ladder.allowed(name)
    agent = first.actors[actor_id]
    _require(isinstance(agent, cls), name, "the model built another class for it")
    for ch in agent.channels:
        taken = {settings.ladder.names[r] for r in np.unique(first.history[:, ch.index])}
        _require(taken <= allowed, name, f"took rungs it may not take: {sorted(taken - allowed)}")
    if cls.relations:
        _require(bool(agent.channels), name, "declares relations but opened no channel")

"""A model's replicates as particles: take (resample), save and restore their whole state.

Every piece of a replicate's dynamic state is an array whose last axis is the replicate
axis (``docs/architecture.md``), held by the model, its agents and their policies, or in
containers (dicts, lists, tuples) they hold. :func:`take` walks those objects and replaces
each such array ``a`` by ``a[..., idx]``, so that replicate ``j`` continues from the state of
replicate ``idx[j]``: its path so far, its parameters (per-replicate values are arrays of the
same shape), its policies' memory, its intents. The model's sparse records (deaths, held
states) are rewritten the same way. Arrays shared by several holders stay shared.

Random numbers are keyed by the replicate's global index (:mod:`sim.rng`). By default a
replicate keeps its own key when it takes another's state, so two copies of one particle
draw different futures, which is what a particle filter's resampling needs. With
``streams=True`` the keys travel with the state too: the copy then draws exactly what its
source would have drawn, which is how ``tests/test_forecast.py`` shows that nothing of a
replicate's state is left behind (a model permuted mid-run matches the permuted full run).

What is walked, and why it is enough: the model's own attributes, every agent's and every
policy's (an object of a class that subclasses :class:`~sim.agents.Actor` or
:class:`~sim.policies.Policy`); settings, the ladder, the relations graph and the random
number generator hold no per-replicate state that changes. A policy that keeps Python
objects per replicate names the lists that hold them in ``per_replicate_objects`` (the
one-replicate adapter does); they are taken element by element, copies deep-copied.
"""

from __future__ import annotations

import copy
from collections.abc import Callable
from typing import Any

import numpy as np

from sim.agents import Actor
from sim.model import EscalationModel
from sim.params import Param
from sim.policies import Policy
from sim.rng import CounterRNG

#: The model's attributes that hold no per-replicate state that changes during a run.
STATIC = frozenset(
    {
        "settings",
        "ladder",
        "graph",
        "counter",
        "replicates",
        "channels",
        "dyads",
        "datacollector",
        "actors",
        "rung_to_level",
        "r_mediator",
        "events_by_day",
        "_members",
        "_index",
        "_own",
        "_dyad_rows",
        "_hostile",
        "_attributed",
        "_mediators",
        "_state_channels",
        "_death_records",
        "_held_records",
    }
)
#: An agent's or policy's attributes that are not its state.
AGENT_STATIC = frozenset({"model", "spec", "channels", "ladder", "pos", "unique_id", "label"})

#: Fewest particles: below it an array of ladder or roster size could pass for one over
#: replicates.
MIN_PARTICLES = 100


def _holders(model: EscalationModel) -> list[tuple[Any, frozenset[str]]]:
    """The objects whose attributes hold per-replicate state, with what to skip in each."""
    out: list[tuple[Any, frozenset[str]]] = [(model, STATIC)]
    for agent in model.actors.values():
        out.append((agent, AGENT_STATIC))
        for value in vars(agent).values():
            for p in value.values() if isinstance(value, dict) else (value,):
                if isinstance(p, Policy):
                    out.append((p, AGENT_STATIC))
    return out


def _is_state(value: Any) -> bool:
    """Whether ``value`` is plain state: arrays, scalars, and containers of nothing else."""
    if isinstance(value, (np.ndarray, np.generic, int, float, bool, str)) or value is None:
        return True
    if isinstance(value, dict):
        return all(isinstance(k, (int, str)) and _is_state(v) for k, v in value.items())
    if isinstance(value, (list, tuple)):
        return all(_is_state(v) for v in value)
    return False


def _map(value: Any, fn: Callable[[np.ndarray], np.ndarray], n: int, memo: dict[int, Any]) -> Any:
    """``value`` with every per-replicate array ``a`` replaced by ``fn(a)`` (containers too)."""
    if isinstance(value, np.ndarray):
        if value.ndim == 0 or value.shape[-1] != n:
            return value
        if id(value) not in memo:
            memo[id(value)] = fn(value)
        return memo[id(value)]
    if isinstance(value, dict):
        return {k: _map(v, fn, n, memo) for k, v in value.items()}
    if isinstance(value, list):
        return [_map(v, fn, n, memo) for v in value]
    if isinstance(value, tuple):
        return tuple(_map(v, fn, n, memo) for v in value)
    return value


def _state_keys(obj: Any, skip: frozenset[str]) -> list[str]:
    """The attributes of ``obj`` that hold its plain state (:func:`_is_state`)."""
    return [k for k, v in vars(obj).items() if k not in skip and _is_state(v)]


def parameter_arrays(model: EscalationModel) -> list[tuple[np.ndarray, Param | None]]:
    """Every per-replicate parameter array of the agents and their policies, once each.

    Each comes with its declaration (its range, whether it takes integers), where the
    agent's or policy's class declares it.
    """
    out: list[tuple[np.ndarray, Param | None]] = []
    seen: set[int] = set()
    for obj, _ in _holders(model):
        if obj is model:
            continue
        declared = getattr(type(obj), "params", {}) or {}
        for key, v in (getattr(obj, "values", None) or {}).items():
            if (
                isinstance(v, np.ndarray)
                and v.shape == (model.n,)
                and v.dtype.kind == "f"
                and id(v) not in seen
            ):
                seen.add(id(v))
                out.append((v, declared.get(key)))
    return out


def parameter_rows(model: EscalationModel) -> np.ndarray:
    """(k, R) every per-replicate parameter value of the agents and their policies."""
    rows = [a.astype(float) for a, _ in parameter_arrays(model)]
    return np.array(rows).reshape(len(rows), model.n)


def check_particles(model: EscalationModel) -> None:
    """Refuse a model whose replicates cannot be resampled safely.

    Raises:
        ValueError: With fewer than :data:`MIN_PARTICLES` replicates, or an agent that is
            not an :class:`~sim.agents.Actor`.
    """
    if model.n < MIN_PARTICLES:
        raise ValueError(f"particles: {model.n} is too few (at least {MIN_PARTICLES})")
    for agent in model.actors.values():
        if not isinstance(agent, Actor):
            raise ValueError(f"{agent!r} is not an Actor: its state cannot be resampled")
    # Anything an agent or policy holds that is neither plain state nor a known part would
    # be left behind by a resampling: refuse it rather than filter wrongly.
    for obj, skip in _holders(model)[1:]:
        lists = set(getattr(obj, "per_replicate_objects", ()))
        for key, value in vars(obj).items():
            if key in skip or key in lists or _is_state(value) or _is_part(value):
                continue
            raise ValueError(
                f"{type(obj).__name__}.{key}: a {type(value).__name__} is not plain state "
                "(arrays, numbers, containers of them): a particle filter cannot resample it; "
                "name per-replicate Python objects in per_replicate_objects"
            )


def _is_part(value: Any) -> bool:
    """A policy, or a dict of them: walked as holders of their own."""
    if isinstance(value, dict):
        return bool(value) and all(isinstance(v, Policy) for v in value.values())
    return isinstance(value, Policy)


def take(model: EscalationModel, idx: np.ndarray, streams: bool = False) -> None:
    """Let replicate ``j`` continue from replicate ``idx[j]``'s state (in place).

    ``idx`` may be shorter than the batch: the model then holds ``len(idx)`` replicates
    (a subsample), keeping the random-number keys of its first ``len(idx)`` replicates.

    Args:
        model: The model, between two steps.
        idx: int array of source replicates (positions 0..R-1).
        streams: Move the random-number keys with the state (see the module docstring).
    """
    n = model.n
    idx = np.asarray(idx, dtype=np.int64)
    if idx.ndim != 1 or idx.size == 0 or idx.min() < 0 or idx.max() >= n:
        raise ValueError(f"idx: expected positions in 0..{n - 1}")
    m = int(idx.size)
    memo: dict[int, Any] = {}

    def pick(a: np.ndarray) -> np.ndarray:
        return a[..., idx]

    for obj, skip in _holders(model):
        state = vars(obj)
        for key in _state_keys(obj, skip):
            state[key] = _map(state[key], pick, n, memo)
        if state.get("n") == n:  # the batch size policies and the model keep
            state["n"] = m
        for key in getattr(obj, "per_replicate_objects", ()):
            items = state[key]
            seen: set[int] = set()
            out = []
            for i in idx.tolist():
                out.append(items[i] if i not in seen else copy.deepcopy(items[i]))
                seen.add(i)
            state[key] = out
    _take_records(model, idx, n)
    keys = model.replicates[idx] if streams else model.replicates[:m]
    if streams or m != n:
        model.replicates = keys
        model.counter = CounterRNG(model.counter.seed, keys)


def _take_records(model: EscalationModel, idx: np.ndarray, n: int) -> None:
    """Rewrite the sparse records (positions among ``n`` replicates) for the taken ones."""
    deaths = []
    for t, ch, hit, toll in model._death_records:
        dense = np.zeros(n, dtype=np.int64)
        has = np.zeros(n, dtype=bool)
        dense[hit], has[hit] = toll, True
        at = np.flatnonzero(has[idx])
        if at.size:
            deaths.append((t, ch, at, dense[idx][at].astype(np.asarray(toll).dtype)))
    held = []
    for t, ch, hit in model._held_records:
        has = np.zeros(n, dtype=bool)
        has[hit] = True
        at = np.flatnonzero(has[idx])
        if at.size:
            held.append((t, ch, at))
    model._death_records, model._held_records = deaths, held


#: What :func:`save` keeps of one object: the object, its state, the attributes it had.
Saved = list[tuple[Any, dict[str, Any], frozenset[str]]]


def save(model: EscalationModel) -> Saved:
    """A copy of the model's whole dynamic state, to :func:`restore` after running ahead.

    Every attribute of plain state of the walked objects is kept (scalars such as the day
    too, Mesa's step counter among them), deep-copied, so running the model on cannot change
    the copy; so is the list of attributes each object had, since mechanisms allocate some
    of their state on first use.
    """
    memo: dict[int, Any] = {}
    out: Saved = []
    for obj, skip in _holders(model):
        keys = _state_keys(obj, skip) + list(getattr(obj, "per_replicate_objects", ()))
        state = copy.deepcopy({k: vars(obj)[k] for k in keys}, memo)
        out.append((obj, state, frozenset(vars(obj))))
    records: dict[str, Any] = {
        "_death_records": list(model._death_records),
        "_held_records": list(model._held_records),
        "replicates": model.replicates,
        "counter": model.counter,
    }
    out.append((model, records, frozenset(vars(model))))
    return out


def restore(saved: Saved) -> None:
    """Put back a state kept by :func:`save` (each saved state restores once).

    Attributes created after the save (state a mechanism allocated while running ahead) are
    removed, so that the model is as it was, not as it was plus what the future left.
    """
    for obj, state, present in saved:
        for key in [k for k in vars(obj) if k not in present]:
            delattr(obj, key)
        obj.__dict__.update(state)

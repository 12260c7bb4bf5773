"""The policy contract: observations, traits, parameters and the registry.

A policy maps what an actor observed at the end of yesterday to today's choice,
for every replicate at once. State policies return an escalation *level* per
replicate (0 = restraint, see :class:`sim.ladder.Ladder`); mediation policies
return one of :data:`MEDIATOR_ACTIONS`.

Policies are registered by name so that configs can name them; a config never
names a Python object. Research code registers its own with
:func:`register_policy` or through the ``escalation.policies`` entry point.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any, ClassVar, TypeVar

import numpy as np

from sim.errors import ConfigError, UnknownParameter, suggest
from sim.kinds import ROLES
from sim.ladder import Ladder
from sim.params import Param, check_value
from sim.plugins import changed, load_plugins
from sim.rng import Draws

#: Mediator action codes, in the order of their rungs' roles.
MEDIATOR_ACTIONS = ("none", "appeal", "mediate", "leverage")
M_NONE, M_APPEAL, M_MEDIATE, M_LEVERAGE = range(4)


@dataclass(frozen=True)
class Traits:
    """Declared properties of a policy, checked by the contract tests.

    Attributes:
        role: ``"state"`` or ``"mediator"``.
        stochastic: Whether the policy uses random draws.
        memory_depth: How many past days of observations it uses
            (``math.inf`` for unbounded memory such as grim trigger).
    """

    role: str
    stochastic: bool
    memory_depth: float


@dataclass
class StateObservation:
    """What a state sees of yesterday, for every replicate (arrays of shape (R,)).

    Attributes:
        day: Today's day index.
        received: Highest provocation level attributable to the opponent yesterday
            (its own action, or an attack by a militant group it hosts, which
            counts at the level of a strike on militants). 0 = nothing hostile.
        own_last: This state's own level yesterday.
        casualties: Deaths this state suffered yesterday.
        violated: Whether its territory was struck yesterday.
        pressure: Domestic pressure in [0, 1].
        mediation: Whether a mediator has offered mediation.
        top_level: Highest level on the ladder.
    """

    day: int
    received: np.ndarray
    own_last: np.ndarray
    casualties: np.ndarray
    violated: np.ndarray
    pressure: np.ndarray
    mediation: np.ndarray
    top_level: int


@dataclass
class MediatorObservation:
    """What a mediator sees of yesterday (arrays of shape (R,)).

    Attributes:
        day: Today's day index.
        max_level: Highest level any watched state used yesterday.
        crisis_days: Days since the current crisis opened (0 = no crisis).
        crisis_peak: Highest level reached since the current crisis opened.
        offered: Whether this mediator has already offered mediation.
        hostility: The dyad's hostility weight in [0, 1].
    """

    day: int
    max_level: np.ndarray
    crisis_days: np.ndarray
    crisis_peak: np.ndarray
    offered: np.ndarray
    hostility: np.ndarray


class Policy:
    """Base class of all policies.

    Subclasses set ``name``, ``traits`` and ``params`` and implement
    :meth:`decide` (and :meth:`reset` when they keep memory). Parameter values
    are scalars or arrays of shape (R,); read them with :meth:`p`.

    Args:
        ladder: The escalation ladder.
        n_replicates: Number of replicates in the batch.
        **params: Parameter values overriding the declared defaults.
    """

    name: ClassVar[str] = ""
    traits: ClassVar[Traits]
    params: ClassVar[Mapping[str, Param]] = {}

    def __init__(self, ladder: Ladder, n_replicates: int, **params: Any) -> None:
        self.ladder = ladder
        self.n = n_replicates
        self.values = resolve_params(type(self), params, ladder, n_replicates)
        self.reset()

    def p(self, key: str) -> Any:
        """A parameter's value: a scalar or an array of shape (R,)."""
        return self.values[key]

    def reset(self) -> None:
        """Allocate or clear per-replicate memory."""

    def decide(self, obs: Any, draws: Draws) -> np.ndarray:
        """Today's choice for every replicate.

        Args:
            obs: A :class:`StateObservation` or :class:`MediatorObservation`.
            draws: This channel's random draws for today.

        Returns:
            int8 array of shape (R,): a level (state policies) or a mediator
            action code (mediation policies).
        """
        raise NotImplementedError

    def __getstate__(self) -> dict[str, Any]:
        return self.__dict__.copy()


P = TypeVar("P", bound=type[Policy])

_REGISTRY: dict[str, type[Policy]] = {}
ENTRY_POINT_GROUP = "escalation.policies"


def register_policy(cls: P) -> P:
    """Class decorator that registers a policy under ``cls.name``.

    Raises:
        ValueError: If the name is empty or taken, or the traits are malformed.
    """
    if not cls.name:
        raise ValueError(f"{cls.__qualname__} has no name")
    if cls.name in _REGISTRY and _REGISTRY[cls.name] is not cls:
        raise ValueError(f"policy name {cls.name!r} is already registered")
    if cls.traits.role not in ROLES:
        raise ValueError(f"{cls.name}: traits.role must be one of {ROLES}")
    if _REGISTRY.get(cls.name) is not cls:
        changed()
    _REGISTRY[cls.name] = cls
    return cls


def _load_entry_points() -> None:
    load_plugins(ENTRY_POINT_GROUP, Policy, register_policy)


def registered_policies(role: str | None = None) -> dict[str, type[Policy]]:
    """All registered policies (built-in, research code and plugins), by name.

    Args:
        role: Keep only ``"state"`` or ``"mediator"`` policies.
    """
    _load_entry_points()
    return {n: c for n, c in sorted(_REGISTRY.items()) if role is None or c.traits.role == role}


def get_policy(name: str, role: str | None = None, where: str = "policy.name") -> type[Policy]:
    """Look a policy up by name.

    Raises:
        ConfigError: Naming the field, if the name is unknown or of the wrong role.
    """
    known = registered_policies()
    if name not in known:
        valid = list(registered_policies(role))
        raise ConfigError(f"{where}: unknown policy {name!r}{suggest(name, valid)}")
    cls = known[name]
    if role is not None and cls.traits.role != role:
        raise ConfigError(
            f"{where}: policy {name!r} is a {cls.traits.role} policy, expected a {role} policy"
        )
    return cls


def resolve_params(
    cls: type[Policy], given: Mapping[str, Any], ladder: Ladder, n: int, where: str = ""
) -> dict[str, Any]:
    """Check given parameter values against the declaration and fill defaults.

    Rung-valued parameters are turned into state levels. Array values must have
    shape (n,).

    Raises:
        ConfigError: On an unknown name, a value out of range, NaN, or an array of
            the wrong length.
    """
    prefix = where or f"policy {cls.name}"
    out: dict[str, Any] = {}
    for key in given:
        if key not in cls.params:
            # Never skipped: a parameter the policy does not read would change nothing, and a
            # sweep over it would run identical jobs (sim/overrides.py: policy switches).
            takes = f"its parameters: {', '.join(cls.params)}" if cls.params else "it takes none"
            raise UnknownParameter(
                f"{prefix}.{key}: policy {cls.name!r} has no parameter {key!r}"
                f"{suggest(key, list(cls.params))} ({takes})"
            )
    for key, spec in cls.params.items():
        value = given.get(key, spec.default)
        if spec.rung:
            if not isinstance(value, str | int) or isinstance(value, bool):
                raise ConfigError(f"{prefix}.{key}: expected a rung name, got {value!r}")
            try:
                out[key] = ladder.level_of(value) if isinstance(value, str) else int(value)
            except ConfigError as exc:
                raise ConfigError(f"{prefix}.{key}: {exc}") from None
            continue
        out[key] = check_value(f"{prefix}.{key}", value, spec.low, spec.high, n)
    return out

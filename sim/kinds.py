"""Actor kinds and relation types: their declarations, and nothing else.

A *kind* is what ``actors.X.kind`` names in a config. Its declaration (:class:`Kind`)
says what a config may write about such an actor and what the actor may do: its
parameters (default, range, meaning), the policy role it takes, the relation types it
is the source of, the rungs it may take beyond the ladder's ``used_by``, and the kinds
it derives from. The behaviour lives in the kind's Mesa agent class (:mod:`sim.agents`),
which :func:`sim.agents.register_actor` records here with its declaration.

This module sits at the bottom of the layers: the settings, the ladder and the
relations graph validate a config against these declarations without importing any
agent. Kinds from installed packages (entry point group ``escalation.actors``) are
loaded the first time the registry is read.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

from sim.errors import ConfigError, suggest
from sim.params import Param
from sim.plugins import changed, load_group

#: Entry point group of actor kinds from installed packages.
ACTOR_ENTRY_POINT_GROUP = "escalation.actors"

#: Policy roles: an actor of a kind with a role takes a policy of that role.
ROLES = ("state", "mediator")

#: Built-in relation types, each with the actor kinds it links (source kind, target kind).
#: Kinds add their own (:attr:`Kind.relations`; see :func:`relation_types`).
RELATION_TYPES: dict[str, tuple[str, str]] = {
    "border": ("state", "state"),
    "rivalry": ("state", "state"),
    "hosts": ("state", "militant"),
    "sponsors": ("state", "militant"),
    "attacks": ("militant", "state"),
    "leverage": ("mediator", "state"),
}


@dataclass(frozen=True)
class Kind:
    """The declaration of an actor kind.

    Attributes:
        name: The name configs use (``actors.X.kind``).
        params: Declared parameters (default and range); values may be per-replicate
            arrays.
        policy_role: ``"state"`` or ``"mediator"`` if the actor takes a policy of that
            role (``actors.X.policy.name``), else None.
        relations: Relation types this kind is the source of, each with the kind of actor
            it points to (e.g. ``{"lobbies": "state"}``).
        rungs: Rung names this kind may take besides those whose ``used_by`` lists it.
        bases: Kinds this one derives from, for a kind declared without a class; a registered
            class's bases are read off its class hierarchy (:func:`kind_family`).
        impl: The agent class that implements the kind (None until it is registered).
    """

    name: str
    params: Mapping[str, Param] = field(default_factory=dict)
    policy_role: str | None = None
    relations: Mapping[str, str] = field(default_factory=dict)
    rungs: tuple[str, ...] = ()
    bases: tuple[str, ...] = ()
    impl: Any = field(default=None, compare=False, repr=False)


#: A state: answers its opponents along the ladder and may agree to de-escalate.
STATE = Kind(
    "state",
    policy_role="state",
    params={
        "max_step": Param(4, 0, 100, "rungs a state can climb above yesterday's level in a day"),
        "willingness": Param(0.05, 0.0, 1.0, "daily base probability of agreeing to de-escalate"),
        "settled_bonus": Param(0.6, 0.0, 1.0, "added willingness once every strike is answered"),
        "mediation_receptiveness": Param(
            0.3, 0.0, 1.0, "added willingness once mediation is offered"
        ),
        "pressure_on_willingness": Param(0.5, 0.0, 1.0, "willingness lost per unit of pressure"),
        "pressure0": Param(0.2, 0.0, 1.0, "baseline domestic pressure"),
        "pressure_sensitivity": Param(0.3, 0.0, 1.0, "P(one rung more) per unit of pressure"),
        "pressure_decay": Param(0.15, 0.0, 1.0, "daily decay of pressure toward its baseline"),
        "casualty_pressure": Param(0.03, 0.0, 1.0, "pressure per citizen killed"),
        "violation_pressure": Param(0.3, 0.0, 1.0, "pressure per day its territory is struck"),
        "citizen_share": Param(1.0, 0.0, 1.0, "share of deaths on its soil that are its citizens"),
        "return_rate": Param(
            0.3, 0.0, 1.0, "daily P(returning a recalled ambassador) after agreement"
        ),
        # The crisis mechanisms (sim/submodels/; docs/model.md). Defaults switch them off.
        "climb_prob": Param(
            0.0, 0.0, 1.0, "daily P(one rung more than max_step): fractional speed"
        ),
        "prep_days": Param(0, 0, 365, "days preparing force between a decision and a strike"),
        "prep_hazard": Param(1.0, 0.0, 1.0, "daily P(preparation ends) once prep_days are over"),
        "grievance_half_life": Param(
            0.0, 0.0, 365.0, "half-life (days) of the grievance provocations leave; 0 = none"
        ),
        "state_answer": Param(
            0.0, 0.0, 1.0, "P(a strike on its soil is answered at the striker's state forces)"
        ),
        "gesture_rate": Param(
            0.0, 0.0, 1.0, "daily P(a unilateral gesture) in a crisis once it is not provoked"
        ),
        "hostility_on_willingness": Param(
            0.0, 0.0, 1.0, "willingness to agree lost per unit of the dyad's hostility"
        ),
        "hostility_escalation": Param(
            0.0, 0.0, 1.0, "P(one rung more) per unit of the dyad's hostility"
        ),
        "same_day_rate": Param(
            0.0, 0.0, 1.0, "P(a diplomatic reaction the same day it is struck, if idle)"
        ),
        # Absorbing a strike and strike sizes (sim/submodels/absorption.py, strike_size.py).
        "absorb_base": Param(
            0.0, 0.0, 1.0, "P(playing down a strike it means to answer with force), base odds"
        ),
        "absorb_casualties": Param(
            0.1, 0.0, 10.0, "odds of absorbing divided by 1 + this x deaths suffered"
        ),
        "absorb_grievance": Param(
            0.1, 0.0, 10.0, "odds of absorbing divided by 1 + this x grievance (levels)"
        ),
        "absorb_achieved": Param(
            1.0, 0.0, 10.0, "odds of absorbing times 1 + this once it has struck the opponent"
        ),
        "closure_bonus": Param(
            0.0, 0.0, 1.0, "P(absorbing) added when a proportionate answer settles the score"
        ),
        "limited_share": Param(0.0, 0.0, 1.0, "P(a strike it makes is limited, not major)"),
        "proportionate": Param(
            0.0, 0.0, 1.0, "P(an answer takes the size of the strike it answers)"
        ),
        "level0": Param(0, 0, 100, "standing level toward its opponents on day 0"),
        "recalled0": Param(0, 0, 1, "1: its ambassador is already recalled on day 0"),
        "grievance0": Param(0.0, 0.0, 100.0, "standing grievance toward its opponents on day 0"),
    },
)

#: A mediator: watches the states it holds leverage over and acts by its policy.
MEDIATOR = Kind(
    "mediator",
    policy_role="mediator",
    rungs=("sanction",),  # it sanctions the side it blames (sanction_blamed)
    params={
        "restraint_effect": Param(0.3, 0.0, 1.0, "P(a state steps down one rung) after an appeal"),
        "leverage_effect": Param(
            0.5, 0.0, 1.0, "P(leverage caps a state's level), times the edge weight"
        ),
        "partisan": Param(
            0, 0, 1, "1: its appeals also weigh by the leverage edge (it presses one side more)"
        ),
        # Its acts (sim/submodels/mediator_acts.py; docs/model.md). Defaults switch them off.
        "engage_hazard": Param(
            1.0, 0.0, 1.0, "daily P(it engages) once a crisis is open; 1 = from the first day"
        ),
        "restrain_targets": Param(
            0.0, 0.0, 1.0, "P(a strike on state forces falls on bases instead) while engaged"
        ),
        "reassure": Param(0.0, 0.0, 1.0, "daily P(a defensive deployment for the threatened side)"),
        "reassure_effect": Param(0.5, 0.0, 1.0, "share of its pressure a reassured state loses"),
        "sanction_blamed": Param(0.0, 0.0, 1.0, "daily P(sanctioning the side it blames)"),
        "sanction_effect": Param(0.5, 0.0, 1.0, "P(a sanctioned state steps down one rung)"),
    },
)

#: A militant group: attacks its victim states at a rate set by capacity and provocation.
MILITANT = Kind(
    "militant",
    params={
        "attack_rate": Param(0.01, 0.0, 1.0, "daily attack probability at full capacity"),
        "capacity0": Param(1.0, 0.0, 1.0, "initial (and long-run) capacity"),
        "degrade": Param(0.4, 0.0, 1.0, "share of capacity a strike on its bases destroys"),
        "recovery": Param(0.03, 0.0, 1.0, "daily recovery of capacity toward capacity0"),
        "provocation": Param(
            1.0, 0.0, 100.0, "relative rise of the attack rate right after a strike"
        ),
        "provocation_decay": Param(0.2, 0.0, 1.0, "daily decay of that provocation"),
    },
)

BUILT_IN = (STATE, MEDIATOR, MILITANT)
_KINDS: dict[str, Kind] = {k.name: k for k in BUILT_IN}


def declare(kind: Kind) -> Kind:
    """Record a kind's declaration (with its agent class in ``kind.impl``).

    A built-in kind declared here without a class takes its class when that class is
    registered with the same declaration.

    Raises:
        ValueError: If the name is empty or taken by another class, the policy role is
            unknown, a parameter is not a :class:`~sim.params.Param`, a relation type is
            already defined by a kind this one does not derive from, or a rung is not a
            name.
    """
    if not kind.name:
        raise ValueError(f"{kind.impl!r} has no kind")
    old = _KINDS.get(kind.name)
    if old is not None and old.impl is not kind.impl:
        same = old.impl is None and (old.params, old.policy_role, old.relations, old.rungs) == (
            kind.params,
            kind.policy_role,
            kind.relations,
            kind.rungs,
        )
        if not same:
            raise ValueError(f"actor kind {kind.name!r} is already registered")
    if kind.policy_role is not None and kind.policy_role not in ROLES:
        raise ValueError(f"{kind.name}: policy_role must be None or one of {ROLES}")
    for key, p in kind.params.items():
        if not isinstance(p, Param):
            raise ValueError(f"{kind.name}.params[{key!r}]: expected a Param")
    owners = _relation_owners(_KINDS.values())
    family = (kind.name, *_bases(kind, _KINDS))
    for rtype in kind.relations:
        owner = owners.get(rtype)
        if owner is None or owner[0] in family:
            continue
        # A variant registered before this kind, its base, holds the relation type it
        # inherited from it: this kind is its true owner.
        held_by = _KINDS[owner[0]].impl if owner[0] in _KINDS else None
        if not (
            isinstance(held_by, type) and kind.impl is not None and issubclass(held_by, kind.impl)
        ):
            raise ValueError(f"{kind.name}: relation type {rtype!r} is already defined")
    if not all(isinstance(r, str) for r in kind.rungs):
        raise ValueError(f"{kind.name}: rungs must be rung names")
    if _KINDS.get(kind.name) != kind or _KINDS[kind.name].impl is not kind.impl:
        changed()
    _KINDS[kind.name] = kind
    return kind


def undeclare(name: str) -> None:
    """Forget a kind added by research code (built-in kinds stay)."""
    if name not in {k.name for k in BUILT_IN} and _KINDS.pop(name, None) is not None:
        changed()


def kinds() -> dict[str, Kind]:
    """Every declared kind (built-in, research code and plugins), by name.

    The kinds of installed packages are loaded first, once.
    """
    load_group(ACTOR_ENTRY_POINT_GROUP)
    return dict(sorted(_KINDS.items()))


def get_kind(name: str, where: str = "kind") -> Kind:
    """Look a kind up by name.

    Raises:
        ConfigError: Naming the field, if the kind is unknown.
    """
    known = kinds()
    if name not in known:
        raise ConfigError(f"{where}: unknown actor kind {name!r}{suggest(name, list(known))}")
    return known[name]


def kind_family(name: str) -> tuple[str, ...]:
    """The kind and the kinds it derives from.

    A state variant registered as ``"hardline_state"`` gives ``("hardline_state",
    "state")``: it may stand wherever a state may.
    """
    known = kinds()
    kind = known.get(name)
    return (name,) if kind is None else (name, *_bases(kind, known))


def _bases(kind: Kind, known: Mapping[str, Kind]) -> tuple[str, ...]:
    """The registered kinds ``kind`` derives from, nearest first, as registered now.

    Read off its class's method resolution order at each call, so a variant registered
    before its base (entry points load in any order) still counts as one.
    """
    if kind.impl is None:
        return kind.bases
    out: list[str] = []
    for base in kind.impl.__mro__[1:]:
        k = getattr(base, "kind", "")
        if k and k not in out and k in known and known[k].impl is base:
            out.append(k)
    return tuple(out)


def _relation_owners(declared: Any) -> dict[str, tuple[str, str]]:
    """Relation types with the kinds they link: the built-in ones and the declared ones.

    An inherited relation type belongs to the base that declared it, so that actors of
    the base kind (and of every variant) may take part in it.
    """
    declared = list(declared)
    by_name = {k.name: k for k in declared}
    out = dict(RELATION_TYPES)
    for kind in declared:
        bases = [by_name[b] for b in _bases(kind, by_name)]
        for r, target in kind.relations.items():
            if not any(r in b.relations for b in bases):
                out[r] = (kind.name, target)
    return out


def relation_types() -> dict[str, tuple[str, str]]:
    """Relation types with the kinds they link: built-in and declared by kinds."""
    return _relation_owners(kinds().values())

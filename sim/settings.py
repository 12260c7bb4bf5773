"""Validated settings: the composed config checked and typed before any work.

:func:`Settings.from_config` turns a composed Hydra/OmegaConf config (or a plain
mapping) into typed, validated objects. Every problem raises
:class:`~sim.errors.ConfigError` with a one-line message naming the field and
the bad value; nothing is written before validation passes.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

import numpy as np

from sim.episode import (
    EpisodeSpec,
    apply_roles,
    check_scenario_episode,
    episode_spec,
    set_role_key,
)
from sim.errors import ConfigError, UnknownParameter, suggest
from sim.folders import check_name
from sim.kinds import get_kind
from sim.ladder import Ladder
from sim.params import Param, check_value
from sim.policies import get_policy
from sim.policies.base import resolve_params
from sim.posterior import posterior_arrays, set_key
from sim.runspec import SimulationSpec, check_report, int_value, mapping, simulation_spec
from sim.submodels import MECHANISM_PARAMS
from sim.yamlfiles import check_resolved_size

#: The config's top-level sections.
TOP_LEVEL_KEYS = (
    "ladder",
    "actors",
    "relations",
    "events",
    "mechanisms",
    "simulation",
    "report",
    "scenario",
    "design",
    "posterior",
    "calibration",
    "episode",
    "by_role",
)


@dataclass
class ActorSpec:
    """One actor of the roster.

    Attributes:
        id: Identifier used in configs and the event log.
        kind: A registered actor kind (``state``, ``mediator``, ``militant`` or one added by
            research code or a plugin).
        label: Display name.
        policy: Registered policy name (None for militant groups).
        policy_params: Validated policy parameter values.
        params: Validated actor parameter values (scalars or arrays of shape (R,)).
    """

    id: str
    kind: str
    label: str
    policy: str | None
    policy_params: dict[str, Any]
    params: dict[str, Any]


@dataclass
class EventSpec:
    """A scheduled (forced) action: the episode's trigger or a scenario's shock.

    Attributes:
        id: Identifier.
        day: Day on which it happens.
        actor: Acting actor id.
        target: Target actor id (a state, or a group on a state's soil).
        rung: Rung name.
        casualties: Fixed death toll, or None to draw it from the rung's distribution.
    """

    id: str
    day: int
    actor: str
    target: str
    rung: str
    casualties: int | None


@dataclass
class Settings:
    """Everything a run needs, validated.

    Attributes:
        ladder: The escalation ladder.
        actors: Roster, by id, in config order.
        relations: Relation items (source, target, type, weight, hostility).
        events: Scheduled events.
        mechanisms: Dyad-level mechanism parameter values.
        simulation: Run size and seeding.
        scenario: Scenario name and description.
        episode: The episode: name, observed timeline, roles.
        raw: The composed config as a plain dict (written to the run directory).
        drawn: Parameters drawn from a posterior (``posterior=``): key -> array of shape
            (R,), each replicate's value (stored beside its outcomes).
    """

    ladder: Ladder
    actors: dict[str, ActorSpec]
    relations: list[dict[str, Any]]
    events: list[EventSpec]
    mechanisms: dict[str, Any]
    simulation: SimulationSpec
    scenario: dict[str, str] = field(default_factory=dict)
    episode: EpisodeSpec = field(default_factory=lambda: EpisodeSpec("custom", "custom", None))
    raw: dict[str, Any] = field(default_factory=dict)
    drawn: dict[str, np.ndarray] = field(default_factory=dict)

    @classmethod
    def from_config(cls, cfg: Any) -> Settings:
        """Validate a composed config.

        Args:
            cfg: A DictConfig or a plain mapping with ``ladder``, ``actors``,
                ``relations``, ``events``, ``mechanisms``, ``simulation`` and
                optionally ``scenario``.

        Raises:
            ConfigError: Naming the first invalid field.
        """
        raw = _to_plain(cfg)
        for key in raw:
            if key not in TOP_LEVEL_KEYS:
                raise ConfigError(f"{key}: unknown top-level key{suggest(key, TOP_LEVEL_KEYS)}")
        for key in ("ladder", "actors", "simulation"):
            if key not in raw or raw[key] is None:
                raise ConfigError(f"{key}: missing from the config")
        check_scenario_episode(raw)
        sim = simulation_spec(raw["simulation"])
        drawn: dict[str, np.ndarray] = {}
        if raw.get("posterior"):
            # Forecasts that carry the calibration's uncertainty: each replicate's
            # parameters are drawn (by weight, seeded by the run's seed) from the particles.
            drawn = posterior_arrays(raw["posterior"], sim.replicates, sim.seed, sim.memory_mb)
            for key, values in drawn.items():
                (set_role_key if key.startswith("by_role.") else set_key)(raw, key, values)
        mapping(raw["actors"], "actors")
        # Role-keyed values (a calibrated scenario, a posterior) go to the actors the
        # episode casts in those roles, so they carry over to any episode's roster.
        episode = apply_roles(raw, episode_spec(raw))
        ladder = Ladder.from_config(mapping(raw["ladder"], "ladder"))
        actors = _actors(mapping(raw["actors"], "actors"), ladder, sim.replicates)
        relations = _items(raw.get("relations") or {}, "relations")
        events = _events(_items(raw.get("events") or {}, "events"), actors, ladder, sim.days)
        mech = _params(
            mapping(raw.get("mechanisms") or {}, "mechanisms"),
            MECHANISM_PARAMS,
            "mechanisms",
            sim.replicates,
            "the mechanisms node",
        )
        check_report(raw.get("report"))
        scenario = mapping(raw.get("scenario") or {}, "scenario")
        if "name" in scenario:
            check_name(scenario["name"], "scenario.name")  # it names the run's folder
        return cls(
            ladder=ladder,
            actors=actors,
            relations=relations,
            events=events,
            mechanisms=mech,
            simulation=sim,
            scenario={k: str(v) for k, v in scenario.items() if isinstance(v, str | int | float)},
            episode=episode,
            raw=raw,
            drawn=drawn,
        )


def _to_plain(cfg: Any) -> dict[str, Any]:
    try:
        from omegaconf import DictConfig, OmegaConf

        if isinstance(cfg, DictConfig):
            from omegaconf.errors import OmegaConfBaseException

            # Measured before resolving: nested interpolations can grow without bound.
            check_resolved_size(OmegaConf.to_container(cfg))
            try:
                plain = OmegaConf.to_container(cfg, resolve=True)
            except OmegaConfBaseException as exc:
                key = getattr(exc, "full_key", None) or "config"
                msg = str(exc).splitlines()[0]
                raise ConfigError(f"{key}: {msg}") from None
            assert isinstance(plain, dict)
            return {str(k): v for k, v in plain.items()}
    except ImportError:  # pragma: no cover - omegaconf is a dependency
        pass
    if not isinstance(cfg, Mapping):
        raise ConfigError(f"config: expected a mapping, got {type(cfg).__name__}")
    return dict(cfg)


def _items(value: Any, where: str) -> list[dict[str, Any]]:
    """Items of a list or of an id-keyed mapping (mappings let overlays add items)."""
    if isinstance(value, Mapping):
        out = []
        for k, v in value.items():
            if v is None:  # an overlay removes an item by setting it to null
                continue
            item = mapping(v, f"{where}.{k}")
            item.setdefault("id", str(k))
            out.append(item)
        return out
    if isinstance(value, list):
        return [mapping(v, f"{where}[{i}]") for i, v in enumerate(value)]
    raise ConfigError(f"{where}: expected a list or mapping, got {value!r}")


def _params(
    given: dict[str, Any], spec: Mapping[str, Param], where: str, n: int, owner: str
) -> dict[str, Any]:
    out: dict[str, Any] = {}
    for k in given:
        if k not in spec:
            raise UnknownParameter(
                f"{where}.{k}: {owner} has no parameter {k!r}{suggest(k, list(spec))} "
                f"(its parameters: {', '.join(spec) or 'none'})"
            )
    for k, p in spec.items():
        v = check_value(f"{where}.{k}", given.get(k, p.default), p.low, p.high, n)
        if isinstance(p.default, int) and not isinstance(v, np.ndarray) and v != int(v):
            raise ConfigError(f"{where}.{k}: expected an integer, got {v!r}")
        out[k] = v
    return out


def _actors(cfg: dict[str, Any], ladder: Ladder, n: int) -> dict[str, ActorSpec]:
    actors: dict[str, ActorSpec] = {}
    for actor_id, body in cfg.items():
        if body is None:  # removed by an overlay
            continue
        where = f"actors.{actor_id}"
        a = mapping(body, where)
        kind = str(a.pop("kind", ""))
        decl = get_kind(kind, f"{where}.kind")
        for name in decl.rungs:
            if name not in ladder.index:
                raise ConfigError(
                    f"{where}.kind: a {kind} takes the rung {name!r}, which the ladder "
                    f"{ladder.name!r} does not have{suggest(name, ladder.names)}"
                )
        label = str(a.pop("label", actor_id))
        policy_cfg = a.pop("policy", None)
        role = decl.policy_role
        policy, policy_params = None, {}
        if role is not None:
            pc = mapping(policy_cfg, f"{where}.policy") if policy_cfg is not None else {}
            if "name" not in pc:
                raise ConfigError(f"{where}.policy.name: missing (a {kind} needs a policy)")
            policy = str(pc.pop("name"))
            pcls = get_policy(policy, role, where=f"{where}.policy.name")
            policy_params = resolve_params(pcls, pc, ladder, n, where=f"{where}.policy")
        elif policy_cfg is not None:
            raise ConfigError(f"{where}.policy: a {kind} takes no policy")
        params = _params(a, decl.params, where, n, f"a {kind}")
        actors[actor_id] = ActorSpec(actor_id, kind, label, policy, policy_params, params)
    if not actors:
        raise ConfigError("actors: the roster is empty")
    return actors


def _events(
    items: list[dict[str, Any]], actors: dict[str, ActorSpec], ladder: Ladder, days: int
) -> list[EventSpec]:
    out = []
    for e in items:
        where = f"events.{e.get('id', '?')}"
        for k in e:
            if k not in ("id", "day", "actor", "target", "rung", "casualties", "note"):
                raise ConfigError(f"{where}.{k}: unknown field")
        for k in ("actor", "target", "rung"):
            if k not in e:
                raise ConfigError(f"{where}.{k}: missing")
        actor, target, rung = str(e["actor"]), str(e["target"]), str(e["rung"])
        for k, name in (("actor", actor), ("target", target)):
            if name not in actors:
                raise ConfigError(
                    f"{where}.{k}: unknown actor {name!r}{suggest(name, list(actors))}"
                )
        if rung not in ladder.index:
            raise ConfigError(f"{where}.rung: unknown rung {rung!r}{suggest(rung, ladder.names)}")
        kind = actors[actor].kind
        if rung not in ladder.allowed(kind):
            raise ConfigError(f"{where}.rung: a {kind} cannot take {rung!r}")
        day = int_value(e.get("day", 0), f"{where}.day", 0, 10**6)
        if day >= days:
            # Silently dropping it would remove the trigger of the episode, say.
            raise ConfigError(
                f"{where}.day: {day} is beyond the horizon (simulation.days={days}: days "
                f"0..{days - 1}); lengthen the run or remove the event (events.{e.get('id')}=null)"
            )
        cas = e.get("casualties")
        out.append(
            EventSpec(
                id=str(e["id"]),
                day=day,
                actor=actor,
                target=target,
                rung=rung,
                casualties=None if cas is None else int_value(cas, f"{where}.casualties", 0, 10**7),
            )
        )
    return out

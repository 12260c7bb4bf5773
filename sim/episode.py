"""The episode a config simulates, and parameters addressed by role.

An episode config (``configs/episode/NAME.yaml``) brings its roster, relations, starting
tension and trigger, plus an ``episode`` node::

    episode:
      name: india_pakistan_2016
      title: ...
      timeline: india_pakistan_2016     # seeds/<name>: the observed path (or null)
      roles: {victim: india, adversary: pakistan, mediator: null}

Behavioural parameters that must carry over between episodes (a calibrated scenario, a
posterior) are addressed by role, never by one episode's actor ids::

    by_role:
      victim: {max_step: 3, policy: {generosity: 0.29}}
      adversary: {willingness: 0.29}

:func:`apply_roles` writes them into the cast actors before the roster is validated. A
role the episode does not cast (no mediator, say) is skipped and reported; a parameter
the role's actor does not have is refused.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

from sim.errors import ConfigError, UnknownParameter, suggest
from sim.kinds import get_kind, kind_family
from sim.timeline import DEFAULT_EPISODE, ROLES, library

#: The kind family each role must belong to.
ROLE_KINDS = {"victim": "state", "adversary": "state", "mediator": "mediator"}
EPISODE_KEYS = ("name", "title", "timeline", "roles", "description")


@dataclass(frozen=True)
class EpisodeSpec:
    """What the config says about its episode.

    Attributes:
        name: Episode name (used in run folder names and reports).
        title: One-line title.
        timeline: Name of the packaged episode whose observations the run is compared
            with, or None (an invented episode).
        roles: Role -> actor id (None where the episode casts no one).
        skipped_roles: Roles that ``by_role`` set but the episode does not cast.
    """

    name: str
    title: str
    timeline: str | None
    roles: dict[str, str | None] = field(default_factory=dict)
    skipped_roles: tuple[str, ...] = ()


def episode_spec(raw: dict[str, Any]) -> EpisodeSpec:
    """Read and check the ``episode`` node against the roster (``raw['actors']``).

    A config without one is the reference episode with its default roles.

    Raises:
        ConfigError: On an unknown key, episode, role or actor.
    """
    node = raw.get("episode")
    actors = raw.get("actors") or {}
    if node is None:
        node = {"name": "custom", "timeline": None, "roles": {}}
    if not isinstance(node, Mapping):
        raise ConfigError(f"episode: expected a mapping, got {node!r}")
    for key in node:
        if key not in EPISODE_KEYS:
            raise ConfigError(f"episode.{key}: unknown key{suggest(str(key), EPISODE_KEYS)}")
    name = str(node.get("name") or "custom")
    if not name.replace("_", "").replace("-", "").isalnum():
        raise ConfigError(f"episode.name: {name!r} must be letters, digits, '_' or '-'")
    timeline = node.get("timeline")
    if timeline is not None:
        timeline = str(timeline)
        names = library()
        if timeline not in names:
            raise ConfigError(
                f"episode.timeline: unknown episode {timeline!r}{suggest(timeline, names)}"
                f" (the library: {', '.join(names)})"
            )
    roles_raw = node.get("roles") or {}
    if not isinstance(roles_raw, Mapping):
        raise ConfigError("episode.roles: expected a mapping of role -> actor id")
    roles: dict[str, str | None] = {r: None for r in ROLES}
    for role, actor in roles_raw.items():
        where = f"episode.roles.{role}"
        if role not in ROLES:
            raise ConfigError(f"{where}: unknown role{suggest(str(role), ROLES)}")
        if actor is None:
            continue
        actor = str(actor)
        body = actors.get(actor)
        if not isinstance(body, Mapping):
            raise ConfigError(f"{where}: unknown actor {actor!r}{suggest(actor, list(actors))}")
        kind = str(body.get("kind", ""))
        get_kind(kind, f"actors.{actor}.kind")
        if ROLE_KINDS[role] not in kind_family(kind):
            raise ConfigError(
                f"{where}: {actor} is a {kind}; a {role} must be a {ROLE_KINDS[role]}"
            )
        roles[str(role)] = actor
    return EpisodeSpec(
        name=name, title=str(node.get("title") or name), timeline=timeline, roles=roles
    )


def check_scenario_episode(raw: dict[str, Any]) -> None:
    """Refuse a scenario written for another episode's actors (before its keys mislead).

    Raises:
        ConfigError: Naming the scenario, its episode and the one selected.
    """
    scen = raw.get("scenario") or {}
    written_for = scen.get("episode") if isinstance(scen, Mapping) else None
    if written_for is None:
        return
    episode = raw.get("episode") or {}
    name = episode.get("name") if isinstance(episode, Mapping) else None
    if name != written_for:
        raise ConfigError(
            f"scenario.episode: scenario {scen.get('name')!r} is written for episode "
            f"{written_for!r} (its actors), not {name!r}; select episode={written_for} or a "
            "scenario for any episode (baseline, calibrated)"
        )


def set_role_key(raw: dict[str, Any], key: str, value: Any) -> None:
    """Set ``by_role.ROLE.PATH`` in ``raw``, creating the nodes on the way.

    A plain dict, not ``OmegaConf.update``: posterior values are numpy arrays of shape (R,).

    Raises:
        ConfigError: If the role is unknown.
    """
    parts = key.split(".")
    if len(parts) < 3 or parts[0] != "by_role" or parts[1] not in ROLES:
        raise ConfigError(f"{key}: expected by_role.<{'|'.join(ROLES)}>.<parameter>")
    node = raw.setdefault("by_role", {}) or {}
    raw["by_role"] = node
    for part in parts[1:-1]:
        child = node.get(part)
        if not isinstance(child, dict):
            child = node[part] = {}
        node = child
    node[parts[-1]] = value


def apply_roles(raw: dict[str, Any], spec: EpisodeSpec) -> EpisodeSpec:
    """Write ``raw['by_role']`` into the actors the episode casts (in place).

    Returns:
        The spec with the roles that were set but not cast.

    Raises:
        ConfigError: On an unknown role, or a parameter the role's actor does not have.
    """
    by_role = raw.get("by_role") or {}
    if not isinstance(by_role, Mapping):
        raise ConfigError("by_role: expected a mapping of role -> parameters")
    skipped = []
    for role, values in by_role.items():
        where = f"by_role.{role}"
        if role not in ROLES:
            raise ConfigError(f"{where}: unknown role{suggest(str(role), ROLES)}")
        if values is None:
            continue
        if not isinstance(values, Mapping):
            raise ConfigError(f"{where}: expected a mapping of parameters")
        actor = spec.roles.get(role)
        if actor is None:
            skipped.append(str(role))
            continue
        _merge_into_actor(raw["actors"][actor], dict(values), where, actor)
    return EpisodeSpec(spec.name, spec.title, spec.timeline, spec.roles, tuple(skipped))


def _merge_into_actor(body: dict[str, Any], values: dict[str, Any], where: str, actor: str) -> None:
    from sim.policies import get_policy  # the registry: policies may come from plugins

    kind = get_kind(str(body.get("kind", "")), f"actors.{actor}.kind")
    for key, value in values.items():
        if key == "policy":
            if not isinstance(value, Mapping):
                raise ConfigError(f"{where}.policy: expected a mapping of policy parameters")
            policy = body.get("policy") or {}
            name = str(policy.get("name", ""))
            pcls = get_policy(
                name, kind.policy_role or "state", where=f"actors.{actor}.policy.name"
            )
            for pkey, pvalue in value.items():
                if pkey == "name":
                    raise ConfigError(f"{where}.policy.name: a role sets parameters, not policies")
                if pkey not in pcls.params:
                    raise UnknownParameter(
                        f"{where}.policy.{pkey}: {actor} plays {name!r}, which has no parameter "
                        f"{pkey!r}"
                        + (f" (it has: {', '.join(pcls.params)})" if pcls.params else "")
                    )
                policy[pkey] = pvalue
            body["policy"] = policy
            continue
        if key not in kind.params:
            raise UnknownParameter(
                f"{where}.{key}: {actor} (a {kind.name}) has no parameter {key!r}"
                f"{suggest(str(key), list(kind.params))}"
            )
        body[key] = value


def check_role_overrides(overrides: list[str], cfg: Any) -> None:
    """Refuse a command-line ``actors.ID.KEY=`` that a role-keyed value would overwrite.

    Role values (``by_role``, from a calibrated scenario) are written over the actors' own,
    so such an override would be dropped without a word; the user is pointed at the role key.

    Raises:
        ConfigError: Naming the override and the role key to use instead.
    """
    node = cfg.get("episode") if hasattr(cfg, "get") else None
    roles = dict(node.get("roles") or {}) if node is not None else {}
    by_role = cfg.get("by_role") if hasattr(cfg, "get") else None
    if not by_role:
        return
    role_of = {str(actor): str(role) for role, actor in roles.items() if actor}
    for o in overrides:
        key = o.split("=", 1)[0].lstrip("+~")
        parts = key.split(".")
        if len(parts) < 3 or parts[0] != "actors" or parts[1] not in role_of:
            continue
        role = role_of[parts[1]]
        value: Any = by_role.get(role)
        for part in parts[2:]:
            value = value.get(part) if hasattr(value, "get") else None
        if value is not None:
            raise ConfigError(
                f"{key}: the scenario sets this by role (by_role.{role}.{'.'.join(parts[2:])}), "
                f"which would overwrite it; override by_role.{role}.{'.'.join(parts[2:])} instead"
            )


__all__ = [
    "DEFAULT_EPISODE",
    "EpisodeSpec",
    "apply_roles",
    "check_role_overrides",
    "check_scenario_episode",
    "episode_spec",
    "set_role_key",
]

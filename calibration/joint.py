"""Several episodes at once: the episodes of a joint fit and the simulator that scores them.

Every particle is simulated on every episode, one vectorised model call per episode and
batch (particle i is replicate i), each over the horizon fixed in advance (days 0..H,
:data:`features.HORIZON`), never over the coded length. Parameters are
keyed by role (``by_role.victim.prep_days``...), so one particle means the same behaviour in
every episode: the victim of the Uri attack and the victim of the Damascus strike share it. A
role an episode does not cast is left out of that episode's run.

The distance of a particle is the sum over episodes of :func:`features.episode_distance`
(each episode counts once, whatever its length). The episodes run in order of length, the
shortest first; after each, particles whose partial sum already passes the generation's
tolerance are dropped, so the long episodes simulate only the particles still in the running
(``early_reject``). Random numbers are keyed by the particle's row in the batch, not by its
position among the survivors, so dropping others never changes a particle's simulation.
"""

from __future__ import annotations

import copy
import math
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any

import numpy as np
from omegaconf import OmegaConf
from sim.calibration.features import (
    HORIZON,
    Coding,
    EpisodeTarget,
    act_features,
    episode_distance,
    features,
    target_from_paths,
    well_sourced_days,
)

from sim import relations as rel
from sim.config import compose_config
from sim.episode import set_role_key
from sim.errors import ConfigError, suggest
from sim.model import EscalationModel
from sim.posterior import SPREAD, pool
from sim.settings import Settings
from sim.timeline import library, load_timeline


@dataclass
class Episode:
    """One episode of a joint fit.

    Attributes:
        name: Episode name (``seeds/<name>/``).
        title: Its title.
        base: The composed config (scenario, episode, overrides) as a plain dict.
        target: The observed pattern.
        channels: Model channels of the victim toward the adversary and back.
        roles: The roles the episode casts.
    """

    name: str
    title: str
    base: dict[str, Any]
    target: EpisodeTarget
    channels: tuple[int, int]
    roles: frozenset[str]

    @property
    def days(self) -> int:
        """Days simulated: day 0 and the horizon's days."""
        return self.target.days


def episode_names(value: Any) -> list[str]:
    """Validate ``calibration.episodes`` (a list of names, or ``all``/None for the library).

    Raises:
        ConfigError: On an unknown or repeated episode, or fewer than one.
    """
    names = library()
    if value is None or value == "all":
        return names
    if isinstance(value, str):
        value = [value]
    out: list[str] = []
    for v in value:
        v = str(v)
        if v not in names:
            raise ConfigError(f"calibration.episodes: unknown episode {v!r}{suggest(v, names)}")
        if v in out:
            raise ConfigError(f"calibration.episodes: {v!r} given twice")
        out.append(v)
    if not out:
        raise ConfigError("calibration.episodes: no episode given")
    return out


def side_groups(graph: Any, state: str) -> list[str]:
    """Militant groups on ``state``'s side: those it hosts and those it sponsors."""
    return sorted({*rel.hosted_by(graph, state), *rel.sponsored_by(graph, state)})


def load_episode(
    name: str, scenario: str, overrides: Sequence[str] = (), horizon: int = HORIZON
) -> Episode:
    """Compose episode ``name`` under ``scenario`` and read its observed pattern.

    The episode is simulated for days 0..``horizon`` whatever its coded length; the observed
    pattern is read from every act of each actor-day over the same days.

    Raises:
        ConfigError: If the config does not compose or is invalid.
    """
    cfg = compose_config(scenario, [*overrides, f"episode={name}"])
    raw = OmegaConf.to_container(cfg, resolve=True)
    assert isinstance(raw, dict)
    base = {str(k): v for k, v in raw.items()}
    base.pop("calibration", None)
    t = load_timeline(name)
    base["simulation"] = {
        **base["simulation"],
        "days": horizon + 1,
        "replicates": 1,
        "write_events": False,
    }
    model = EscalationModel(Settings.from_config(copy.deepcopy(base)))
    victim, adversary = t.roles.get("victim"), t.roles.get("adversary")
    if not victim or not adversary:
        raise ConfigError(f"episode {name}: a joint fit needs a victim and an adversary")
    v = model.channel_for(victim, adversary)
    a = model.channel_for(adversary, victim)
    lad = model.ladder
    sides = ((victim, adversary), (adversary, victim))
    groups = {y: side_groups(model.graph, y) for _, y in sides}
    rows = [
        [lad.index[r] for r in t.path(lad, x, y, groups[y], days=horizon + 1)] for x, y in sides
    ]
    coding = Coding.of(lad)
    acts = tuple(t.acts(lad, x, y, groups[y], days=horizon + 1) for x, y in sides)
    target = target_from_paths(
        name,
        np.array(rows),
        well_sourced_days(t, (victim, adversary), horizon + 1),
        coding,
        act_features((acts[0], acts[1]), coding),
    )
    roles = (base.get("episode") or {}).get("roles") or {}
    model.dispose()
    return Episode(
        name=name,
        title=t.title,
        base=base,
        target=target,
        channels=(v.index, a.index),
        roles=frozenset(r for r, who in roles.items() if who),
    )


def load_episodes(
    names: Sequence[str], scenario: str, overrides: Sequence[str] = (), horizon: int = HORIZON
) -> list[Episode]:
    """The episodes of a joint fit, in name order (all are simulated over the same days)."""
    eps = [load_episode(n, scenario, overrides, horizon) for n in names]
    return sorted(eps, key=lambda e: e.name)


@dataclass
class JointSimulator:
    """Scores batches of parameter vectors on every episode (module docstring).

    Args:
        episodes: The episodes, in the order they are simulated.
        keys: Parameter keys, one per column of the particles (role-keyed).
        seed: Base seed.
    """

    episodes: list[Episode]
    keys: list[str]
    seed: int
    simulated: int = 0
    per_episode: dict[str, int] = field(default_factory=dict)
    early_reject: bool = True

    def model(
        self,
        e: int,
        thetas: np.ndarray,
        call: int,
        rows: np.ndarray | None = None,
        policy: dict[str, Any] | None = None,
    ) -> EscalationModel:
        """Episode ``e`` simulated for the particles ``rows`` of a batch (all by default).

        Args:
            e: Index of the episode.
            thetas: (n, D) the batch's particles.
            call: Batch number (the model's seed derives from it and ``e``).
            rows: Rows of ``thetas`` to simulate (replicate indices of the model).
            policy: If given, the states' policy (the null model) instead of theirs.
        """
        ep = self.episodes[e]
        raw = copy.deepcopy(ep.base)
        n = int(thetas.shape[0])
        raw["simulation"] = {
            **raw["simulation"],
            "replicates": n,
            "seed": (self.seed * 1_000_003 + call) * 16 + e,
        }
        # Pooled parameters: each episode draws its own crisis-level value per particle.
        keys, values = pool(list(self.keys), thetas, np.random.default_rng([self.seed, call, e]))
        for j, key in enumerate(keys):
            # The null model's policy takes none of the fitted policies' parameters.
            if key.split(".")[1] in ep.roles and (policy is None or ".policy." not in key):
                set_role_key(raw, key, values[:, j])
        if policy is not None:
            for role in ("victim", "adversary"):
                raw["actors"][raw["episode"]["roles"][role]]["policy"] = dict(policy)
        rows = np.arange(n) if rows is None else rows
        self.simulated += int(rows.size)
        self.per_episode[ep.name] = self.per_episode.get(ep.name, 0) + int(rows.size)
        return EscalationModel(Settings.from_config(raw), replicates=rows).run()

    def paths(self, e: int, model: EscalationModel) -> np.ndarray:
        """(2, D, R) simulated ladder indices of the victim and the adversary."""
        return model.history[:, list(self.episodes[e].channels), :].transpose(1, 0, 2)

    def __call__(self, thetas: np.ndarray, call: int, tolerance: float = math.inf) -> np.ndarray:
        """Distances (n,) of a batch; particles past ``tolerance`` stop early (partial sums)."""
        d = np.zeros(thetas.shape[0])
        alive = np.arange(thetas.shape[0])
        for e, ep in enumerate(self.episodes):
            m = self.model(e, thetas, call, alive)
            rungs = self.paths(e, m)
            d[alive] += episode_distance(features(rungs, ep.target.coding), rungs, ep.target)
            m.dispose()
            alive = alive[d[alive] <= tolerance]
            if alive.size == 0:
                break
        return d

    def features(
        self, e: int, thetas: np.ndarray, call: int, policy: dict[str, Any] | None = None
    ) -> tuple[dict[str, np.ndarray], np.ndarray]:
        """Features and paths of episode ``e`` for every particle of ``thetas``."""
        m = self.model(e, thetas, call, policy=policy)
        rungs = self.paths(e, m).copy()
        m.dispose()
        return features(rungs, self.episodes[e].target.coding), rungs


def cast_keys(priors: dict[str, Any], episodes: Sequence[Episode]) -> dict[str, Any]:
    """Prior entries whose role at least one episode casts.

    Raises:
        ConfigError: If no entry applies, or an entry is not role-keyed.
    """
    out = {}
    roles = set().union(*(e.roles for e in episodes))
    for key, spec in priors.items():
        parts = str(key).split(".")
        if parts[0] != "by_role" or len(parts) < 3:
            raise ConfigError(
                f"calibration.priors.{key}: a joint fit takes role-keyed parameters only "
                "(by_role.<victim|adversary|mediator>.<parameter>)"
            )
        if parts[1] in roles:
            out[str(key)] = spec
    if not out:
        raise ConfigError("calibration.priors: no parameter applies to these episodes' roles")
    for key in out:
        # A pooled parameter's spread (sim.posterior.pool) needs the parameter itself.
        if key.endswith(SPREAD) and key[: -len(SPREAD)] not in out:
            raise ConfigError(
                f"calibration.priors.{key}: a spread needs a prior on {key[: -len(SPREAD)]!r}"
            )
    return out

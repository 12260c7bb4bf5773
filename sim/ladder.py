"""The escalation ladder: ordered rungs with CAMEO codes and Goldstein scores.

The ladder is data (``configs/ladder/*.yaml``). Rungs run from the most
cooperative to the most conflictual, with Goldstein scores non-increasing.
States' policies work on *levels*: level 0 is ``none`` (restraint) and level k
is the k-th rung above ``none`` that states may use. Mechanisms refer to rungs
by *role* (``roles:`` in the ladder config) so that renaming a rung needs no code
change.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field, replace
from typing import Any

import numpy as np

from sim.errors import ConfigError, suggest
from sim.kinds import kind_family, kinds

#: Roles the engine's mechanisms need, with what each means.
REQUIRED_ROLES: dict[str, str] = {
    "none": "no action",
    "agreement": "both states agree to de-escalate",
    "talks": "a state proposes talks its opponent does not take up",
    "restore": "a state returns its recalled ambassador",
    "recall": "recalling an ambassador (sets diplomatic status)",
    "force": "the lowest rung that uses force across a border",
    "strike_militants": "a strike on militant bases on the opponent's soil",
    "militant_attack": "a militant group's attack",
    "appeal": "the mediator calls for restraint",
    "mediate": "the mediator offers mediation",
    "leverage": "the mediator applies leverage",
    "leverage_cap": "the highest rung a state keeps to when leverage binds",
    "crisis": "the lowest rung that opens a crisis a state may agree to end",
}


#: The rung each role uses when a ladder config does not say (the default ladder's names).
DEFAULT_ROLES: dict[str, str] = {
    "none": "none",
    "agreement": "de_escalate",
    "talks": "talks",
    "restore": "restore_relations",
    "recall": "recall_ambassador",
    "force": "strike_militants",
    "strike_militants": "strike_militants",
    "militant_attack": "militant_attack",
    "appeal": "appeal",
    "mediate": "mediate",
    "leverage": "leverage",
    "leverage_cap": "posture",
    "crisis": "condemn",
}


@dataclass(frozen=True)
class Rung:
    """One rung of the ladder.

    Attributes:
        name: Identifier used in configs and the event log.
        label: Human-readable label.
        cameo: CAMEO event code (a string, leading zeros kept).
        cameo_label: The CAMEO code's label.
        goldstein: Goldstein (1992) conflict-cooperation score in [-10, 10].
        used_by: Actor kinds that may take this action (empty: a rung for coding observed
            events and reading paths, which no built-in kind takes yet).
        casualties_mean: Mean deaths one such action causes (0 for none).
        plover: PLOVER event category (and mode), a second reading of the rung.
        repertoire: A named set of rungs states may be given (``coercion``): the ladder's
            ``state_repertoire`` lists the sets states take besides their ``used_by``.
    """

    name: str
    label: str
    cameo: str
    cameo_label: str
    goldstein: float
    used_by: tuple[str, ...]
    casualties_mean: float = 0.0
    plover: str = ""
    repertoire: str = ""


@dataclass
class Ladder:
    """An ordered escalation ladder.

    Args:
        rungs: The rungs, most cooperative first.
        roles: Mapping of mechanism role -> rung name.
        name: Name of the ladder.
    """

    rungs: tuple[Rung, ...]
    roles: dict[str, str]
    name: str = "ladder"
    index: dict[str, int] = field(init=False)
    state_position: np.ndarray = field(init=False, repr=False)
    goldstein: np.ndarray = field(init=False)
    state_levels: np.ndarray = field(init=False)
    _casualty_cdf: dict[int, np.ndarray] = field(init=False, repr=False)

    def __post_init__(self) -> None:
        names = [r.name for r in self.rungs]
        dupes = sorted({n for n in names if names.count(n) > 1})
        if dupes:
            raise ConfigError(f"ladder.rungs: duplicate rung names {dupes}")
        self.index = {n: i for i, n in enumerate(names)}
        scores = [r.goldstein for r in self.rungs]
        for i in range(1, len(scores)):
            if scores[i] > scores[i - 1]:
                raise ConfigError(
                    f"ladder.rungs[{i}].goldstein: {scores[i]} for {names[i]!r} is higher than "
                    f"{scores[i - 1]} for {names[i - 1]!r}; rungs must run from cooperation to "
                    "conflict"
                )
        known = list(kinds())
        for i, r in enumerate(self.rungs):
            if not -10.0 <= r.goldstein <= 10.0:
                raise ConfigError(f"ladder.rungs[{i}].goldstein: {r.goldstein} outside [-10, 10]")
            bad = [k for k in r.used_by if k not in known]
            if bad:
                raise ConfigError(
                    f"ladder.rungs[{i}].used_by: unknown actor kind {bad[0]!r}"
                    f"{suggest(bad[0], known)}"
                )
            if not (r.casualties_mean >= 0.0 and np.isfinite(r.casualties_mean)):
                raise ConfigError(
                    f"ladder.rungs[{i}].casualties_mean: {r.casualties_mean} must be >= 0"
                )
        for role in REQUIRED_ROLES:
            if role not in self.roles:
                raise ConfigError(f"ladder.roles.{role}: missing ({REQUIRED_ROLES[role]})")
        for role, rung in self.roles.items():
            if rung not in self.index:
                raise ConfigError(
                    f"ladder.roles.{role}: unknown rung {rung!r}{suggest(rung, names)}"
                )
        self.goldstein = np.array(scores, dtype=np.float64)
        none = self.index[self.roles["none"]]
        levels = [none] + [
            i for i in range(none + 1, len(self.rungs)) if "state" in self.rungs[i].used_by
        ]
        self.state_levels = np.array(levels, dtype=np.int8)
        # Every rung's place on the states' axis (cooperative rungs below ``none``, as the
        # ladder runs): a rung states cannot take (a coding rung, a mediator's or a group's)
        # reads as the state rung nearest in Goldstein score, the less extreme on a tie.
        axis = [i for i, r in enumerate(self.rungs) if "state" in r.used_by]
        gs = np.array(scores, dtype=np.float64)
        nearest = [
            min(range(len(axis)), key=lambda k: (abs(gs[axis[k]] - gs[i]), abs(gs[axis[k]])))
            for i in range(len(self.rungs))
        ]
        self.state_position = np.array(
            [axis.index(i) if i in axis else nearest[i] for i in range(len(self.rungs))],
            dtype=np.int64,
        )
        for role in ("force", "strike_militants", "leverage_cap", "crisis", "recall"):
            if self.index[self.roles[role]] not in levels:
                raise ConfigError(
                    f"ladder.roles.{role}: rung {self.roles[role]!r} is not a state rung above none"
                )
        self._casualty_cdf = {
            i: _geometric_cdf(r.casualties_mean)
            for i, r in enumerate(self.rungs)
            if r.casualties_mean > 0
        }

    @classmethod
    def from_config(cls, cfg: Mapping[str, Any]) -> Ladder:
        """Build a ladder from its config mapping (``rungs``, ``roles``, ``name``).

        Roles not given take :data:`DEFAULT_ROLES`.

        Raises:
            ConfigError: If a field is missing or invalid.
        """
        rungs_cfg = cfg.get("rungs")
        if not rungs_cfg or isinstance(rungs_cfg, str) or not isinstance(rungs_cfg, Sequence):
            raise ConfigError(
                f"ladder.rungs: expected a non-empty list of rungs, got {rungs_cfg!r}"
            )
        rungs = []
        for i, r in enumerate(rungs_cfg):
            if not isinstance(r, Mapping):
                raise ConfigError(f"ladder.rungs[{i}]: expected a mapping, got {r!r}")
            try:
                rungs.append(
                    Rung(
                        name=str(r["name"]),
                        label=str(r.get("label", r["name"])),
                        cameo=str(r.get("cameo", "")),
                        cameo_label=str(r.get("cameo_label", "")),
                        goldstein=float(r["goldstein"]),
                        used_by=tuple(str(k) for k in r.get("used_by", ())),
                        casualties_mean=float(r.get("casualties_mean", 0.0)),
                        plover=str(r.get("plover", "")),
                        repertoire=str(r.get("repertoire", "")),
                    )
                )
            except KeyError as exc:
                raise ConfigError(f"ladder.rungs[{i}]: missing field {exc.args[0]!r}") from None
            except (TypeError, ValueError) as exc:
                raise ConfigError(f"ladder.rungs[{i}]: {exc}") from None
        extra = cfg.get("state_repertoire") or []
        if isinstance(extra, str) or not isinstance(extra, Sequence):
            raise ConfigError(f"ladder.state_repertoire: expected a list of names, got {extra!r}")
        offered = {r.repertoire for r in rungs if r.repertoire}
        for name in extra:
            if name not in offered:
                raise ConfigError(
                    f"ladder.state_repertoire: no rung belongs to repertoire {name!r}"
                    f"{suggest(str(name), sorted(offered))}"
                )
        # States take the rungs of the repertoires asked for: coercion becomes state levels.
        rungs = [
            replace(r, used_by=(*r.used_by, "state"))
            if r.repertoire in extra and "state" not in r.used_by
            else r
            for r in rungs
        ]
        roles = {
            **DEFAULT_ROLES,
            **{str(k): str(v) for k, v in dict(cfg.get("roles") or {}).items()},
        }
        return cls(
            rungs=tuple(rungs),
            roles=roles,
            name=str(cfg.get("name", "ladder")),
        )

    def __len__(self) -> int:
        return len(self.rungs)

    @property
    def names(self) -> list[str]:
        """Rung names in ladder order."""
        return [r.name for r in self.rungs]

    def rung_of(self, role: str) -> int:
        """Ladder index of the rung that plays ``role``."""
        return self.index[self.roles[role]]

    def level_of(self, name_or_role: str) -> int:
        """State level (0 = none) of a rung given by name or role.

        Raises:
            ConfigError: If the rung is not a state rung at or above ``none``.
        """
        name = self.roles.get(name_or_role, name_or_role)
        if name not in self.index:
            raise ConfigError(f"unknown rung {name!r}{suggest(name, self.names)}")
        hits = np.flatnonzero(self.state_levels == self.index[name])
        if hits.size == 0:
            raise ConfigError(f"rung {name!r} is not a state escalation level")
        return int(hits[0])

    def allowed(self, kind: str) -> set[str]:
        """Names of the rungs an actor of ``kind`` may take (``none`` included).

        Those whose ``used_by`` lists the kind or a kind it derives from, plus the rungs
        the kinds declare (:attr:`sim.kinds.Kind.rungs`), plus for states the ``gesture``
        rung (``declare_ceasefire`` by default) when the ladder has it.
        """
        family = kind_family(kind)
        out = {r.name for r in self.rungs if any(k in r.used_by for k in family)}
        out.add(self.roles.get("none", "none"))
        gesture = self.roles.get("gesture", "declare_ceasefire")
        if "state" in family and gesture in self.index:
            out.add(gesture)  # a state's unilateral gesture (sim/submodels/gestures.py)
        known = kinds()
        for k in family:
            if k in known:
                out.update(known[k].rungs)
        return out

    @property
    def top_level(self) -> int:
        """Highest state level."""
        return len(self.state_levels) - 1

    def casualties(self, rung: np.ndarray, u: np.ndarray) -> np.ndarray:
        """Deaths caused by actions on ``rung`` given uniform draws ``u``.

        Geometric counts with the rung's mean, drawn by inversion against a
        table computed once in Python floats, so results are identical on every
        platform (no SIMD-dependent ``log``).

        Args:
            rung: int array of ladder indices, shape (R,).
            u: Uniform draws, shape (R,).

        Returns:
            int32 array of deaths, shape (R,).
        """
        out = np.zeros(rung.shape, dtype=np.int32)
        for i, cdf in self._casualty_cdf.items():
            hit = rung == i
            if hit.any():
                out[hit] = np.searchsorted(cdf, u[hit], side="right").astype(np.int32)
        return out


def _geometric_cdf(mean: float) -> np.ndarray:
    """CDF of a geometric count on {0, 1, ...} with the given mean, truncated at 1 - 1e-12."""
    p = 1.0 / (1.0 + mean)
    q = 1.0 - p
    cdf: list[float] = []
    acc, term = 0.0, p
    while acc < 1.0 - 1e-12 and len(cdf) < 100_000:
        acc += term
        cdf.append(acc)
        term *= q
    return np.array(cdf, dtype=np.float64)

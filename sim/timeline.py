"""The episode library: loading and checking ``seeds/<episode>/timeline.yaml``.

Each episode of the library is a folder of structured facts paraphrased from public
reporting (``seeds/README.md`` has the schema and the coding rules): ``timeline.yaml``
(dated events, actors, roles) and ``sources.yaml`` (what each event cites). This module
validates both and derives what the model is compared with: the observed rung per day for
each directed pair of states and for the mediator.

Episodes are addressed by name (a folder of the packaged library), never by a path from
a config file, so a config cannot make the engine read an arbitrary file.
"""

from __future__ import annotations

import datetime as dt
import functools
from collections.abc import Iterable
from dataclasses import dataclass, field
from importlib import resources
from pathlib import Path
from typing import Any

from sim.citations import parse_roster, parse_sources
from sim.errors import ConfigError, suggest
from sim.ladder import Ladder
from sim.yamlfiles import load_yaml

#: The episode a config without ``episode.timeline`` is compared with.
DEFAULT_EPISODE = "iran_pakistan_2024"
#: Roles an episode casts (``roles:`` in its timeline and ``episode.roles`` in its config).
ROLES = ("victim", "adversary", "mediator")
KINDS = ("state", "mediator", "militant")
CONFIDENCE = ("high", "medium", "low")


@dataclass(frozen=True)
class ObservedEvent:
    """One dated event of an episode.

    Attributes:
        id: Identifier.
        day: Best-estimate day index (0 = the trigger's date).
        day_alternatives: Other days some source supports.
        actor: Acting actor id.
        target: Target actor id.
        territory: State on whose soil it happened, if any.
        action: Rung name.
        casualties: (min, max) deaths, or None.
        sources: Source ids (keys of the episode's ``sources.yaml``).
        domestic: True for a state's internal step (not directed at anyone).
        confidence: ``high``, ``medium`` or ``low``.
        measure: The concrete measure of a coercive or conciliatory act, if recorded.
    """

    id: str
    day: int
    day_alternatives: tuple[int, ...]
    actor: str
    target: str
    territory: str | None
    action: str
    casualties: tuple[int, int] | None
    sources: tuple[str, ...]
    domestic: bool = False
    confidence: str = "high"
    measure: str | None = None


@dataclass
class Timeline:
    """One observed episode.

    Attributes:
        name: Episode name (its folder in ``seeds/``).
        title: One-line title.
        day0: Calendar date of day 0.
        observed_days: Number of coded days (days 0 .. observed_days-1).
        events: The events, in file order.
        actor_kinds: Actor id -> kind (``state``, ``mediator``, ``militant``).
        labels: Actor id -> display name.
        roles: Role -> actor id (or None where the episode casts no one).
        sources: Source id -> its entry in ``sources.yaml``.
        roster: Relation key of the episode config -> the sources, dated before day 0,
            that put it in (``sources.yaml``'s ``roster``; ``seeds/README.md``).
        raw: The parsed timeline file.
    """

    name: str
    title: str
    day0: dt.date
    observed_days: int
    events: list[ObservedEvent]
    actor_kinds: dict[str, str] = field(default_factory=dict)
    labels: dict[str, str] = field(default_factory=dict)
    roles: dict[str, str | None] = field(default_factory=dict)
    sources: dict[str, dict[str, Any]] = field(default_factory=dict)
    roster: dict[str, tuple[str, ...]] = field(default_factory=dict)
    raw: dict[str, Any] = field(default_factory=dict)

    @property
    def last_date(self) -> dt.date:
        """Calendar date of the last coded day."""
        return self.day0 + dt.timedelta(days=self.observed_days - 1)

    def actors(self) -> set[str]:
        """Every actor id the events name (as actor, target or territory)."""
        out: set[str] = set()
        for e in self.events:
            out |= {e.actor, e.target} | ({e.territory} if e.territory else set())
        return out

    def actions(self) -> set[str]:
        """Every rung name the timeline uses."""
        return {e.action for e in self.events}

    def check(self, ladder: Ladder, actors: Iterable[str] | None = None) -> None:
        """Check that every actor and rung the timeline names exists.

        Args:
            ladder: The ladder the actions must be rungs of.
            actors: Known actor ids (default: the timeline's own ``actors``).

        Raises:
            ConfigError: Naming the event and the unknown name.
        """
        known = list(self.actor_kinds if actors is None else actors)
        where = f"seeds/{self.name}/timeline.yaml"
        for e in self.events:
            for what, name in (
                ("actor", e.actor),
                ("target", e.target),
                ("territory", e.territory),
            ):
                if name is not None and name not in known:
                    raise ConfigError(
                        f"{where}: event {e.id!r}.{what}: unknown actor {name!r}"
                        f"{suggest(name, known)}"
                    )
            if e.action not in ladder.index:
                raise ConfigError(
                    f"{where}: event {e.id!r}.action: unknown rung {e.action!r}"
                    f"{suggest(e.action, ladder.names)}"
                )

    def acts(
        self,
        ladder: Ladder,
        actor: str,
        opponent: str,
        groups: Iterable[str] = (),
        include_low_confidence: bool = False,
        days: int | None = None,
    ) -> list[list[int]]:
        """Every act of ``actor`` toward ``opponent``'s side, per day, in file order.

        An act counts toward the opponent's side when it targets the opponent, one of
        ``groups`` (the militant groups the opponent hosts or sponsors) or anything on the
        opponent's territory. Domestic steps are left out, and so are low-confidence events
        unless asked for.

        Args:
            ladder: The ladder (rung names to indices).
            actor: Acting actor id.
            opponent: The other state (or, for a mediator, a watched state).
            groups: Militant groups on the opponent's side.
            include_low_confidence: Also count events marked ``confidence: low``.
            days: Days to read (default the coded ones); days past the coding are empty.

        Returns:
            One list per day 0..days-1 of ladder indices, in the order of the file (the
            coding rules list a day's acts in the order they happened).
        """
        targets = {opponent, *groups}
        out: list[list[int]] = [[] for _ in range(self.observed_days if days is None else days)]
        for e in self.events:
            if (
                e.day < min(len(out), self.observed_days)
                and e.actor == actor
                and not e.domestic
                and (include_low_confidence or e.confidence != "low")
                and (e.target in targets or e.territory == opponent)
            ):
                out[e.day].append(ladder.index[e.action])
        return out

    def path(
        self,
        ladder: Ladder,
        actor: str,
        opponent: str,
        hosted: Iterable[str] = (),
        include_low_confidence: bool = False,
        days: int | None = None,
    ) -> list[str]:
        """Observed rung per day of ``actor`` toward ``opponent`` (or groups on its side).

        On a day with several acts the most escalatory one counts; on a day with only
        cooperative ones, the most cooperative; else ``none``. Arguments as :meth:`acts`.
        """
        none = ladder.rung_of("none")
        out = []
        for rungs in self.acts(ladder, actor, opponent, hosted, include_low_confidence, days):
            hostile = [r for r in rungs if r > none]
            friendly = [r for r in rungs if r < none]
            pick = max(hostile) if hostile else (min(friendly) if friendly else none)
            out.append(ladder.names[pick])
        return out

    def casualty_range(self, actor: str) -> tuple[int, int] | None:
        """Summed (min, max) deaths of the events by ``actor``, or None if none reported."""
        ranges = [
            e.casualties
            for e in self.events
            if e.actor == actor and e.casualties and e.day < self.observed_days
        ]
        if not ranges:
            return None
        return (sum(r[0] for r in ranges), sum(r[1] for r in ranges))


def library() -> list[str]:
    """The names of the packaged episodes, sorted."""
    root = resources.files("sim.seeds")
    return sorted(
        p.name for p in root.iterdir() if p.is_dir() and p.joinpath("timeline.yaml").is_file()
    )


def episode_dir(name: str) -> Path:
    """The folder of a packaged episode.

    Raises:
        ConfigError: If ``name`` is not an episode of the library.
    """
    names = library()
    if name not in names:
        raise ConfigError(
            f"episode.timeline: unknown episode {name!r}{suggest(str(name), names)}"
            f" (the library: {', '.join(names)})"
        )
    return Path(str(resources.files("sim.seeds").joinpath(name)))


def load_timeline(episode: str | Path | None = None, sources: Path | None = None) -> Timeline:
    """Load and validate an episode (packaged episodes are read once).

    Args:
        episode: The name of a packaged episode (default :data:`DEFAULT_EPISODE`), or the
            path of a ``timeline.yaml`` whose ``sources.yaml``, if any, lies beside it.
        sources: With a path: the ``sources.yaml`` its events cite, when it lies elsewhere
            in the same episode folder (a coder's raw timeline under ``coding/`` cites the
            episode's list).

    Raises:
        ConfigError: On an unknown episode, malformed YAML or a malformed event or source.
    """
    if episode is None or (isinstance(episode, str) and "/" not in episode and episode):
        return _packaged(str(episode or DEFAULT_EPISODE))
    return _load(Path(episode), sources_file=sources)


@functools.cache
def _packaged(name: str) -> Timeline:
    return _load(episode_dir(name) / "timeline.yaml", name)


def _load(path: Path, name: str | None = None, sources_file: Path | None = None) -> Timeline:
    if not path.is_file():
        raise ConfigError(f"seeds: timeline file {path} not found")
    raw = load_yaml(path)
    name = name or str(raw.get("episode") or path.parent.name)
    where = f"seeds/{name}/timeline.yaml"
    root = path.parent if sources_file is None else sources_file.parent
    sources_file = sources_file or path.with_name("sources.yaml")
    # The sources next to the timeline (or the episode's), never through a link out of it.
    sources_raw = load_yaml(sources_file, root=root) if sources_file.exists() else {}
    sources = parse_sources(sources_raw, f"seeds/{name}/sources.yaml") if sources_raw else {}
    roster = parse_roster(sources_raw.get("roster"), sources, f"seeds/{name}/sources.yaml")
    try:
        day0 = raw["day0"]
        day0 = day0 if isinstance(day0, dt.date) else dt.date.fromisoformat(str(day0))
        observed = int(raw.get("observed_days", 4))
        events_raw = raw["events"]
    except (KeyError, ValueError, TypeError) as exc:
        raise ConfigError(f"{where}: missing or bad field {exc}") from None
    if observed < 1:
        raise ConfigError(f"{where}: observed_days must be at least 1, got {observed}")
    if not isinstance(events_raw, list) or not events_raw:
        raise ConfigError(f"{where}: events must be a non-empty list")
    kinds, labels = _actors(raw.get("actors"), where)
    roles = _roles(raw.get("roles"), kinds, where)
    events, seen = [], set()
    for i, e in enumerate(events_raw):
        ev = _event(e, f"{where}: events[{i}]", day0, sources)
        if ev.id in seen:
            raise ConfigError(f"{where}: events[{i}].id: duplicate id {ev.id!r}")
        seen.add(ev.id)
        events.append(ev)
    timeline = Timeline(
        name=name,
        title=str(raw.get("title") or name),
        day0=day0,
        observed_days=observed,
        events=events,
        actor_kinds=kinds,
        labels=labels,
        roles=roles,
        sources=sources,
        roster=roster,
        raw=raw,
    )
    if kinds:
        unknown = sorted(timeline.actors() - set(kinds))
        if unknown:
            raise ConfigError(f"{where}: actors: {unknown[0]!r} is used by an event, not listed")
    return timeline


def _actors(value: Any, where: str) -> tuple[dict[str, str], dict[str, str]]:
    if value is None:
        return {}, {}
    if not isinstance(value, dict):
        raise ConfigError(f"{where}: actors: expected a mapping of id -> {{kind, label}}")
    kinds, labels = {}, {}
    for aid, spec in value.items():
        if not isinstance(spec, dict) or spec.get("kind") not in KINDS:
            raise ConfigError(f"{where}: actors.{aid}.kind: expected one of {', '.join(KINDS)}")
        kinds[str(aid)] = str(spec["kind"])
        labels[str(aid)] = str(spec.get("label") or aid)
    return kinds, labels


def _roles(value: Any, kinds: dict[str, str], where: str) -> dict[str, str | None]:
    if value is None:
        return {}
    if not isinstance(value, dict):
        raise ConfigError(f"{where}: roles: expected a mapping of role -> actor id")
    out: dict[str, str | None] = {}
    for role, actor in value.items():
        if role not in ROLES:
            raise ConfigError(f"{where}: roles.{role}: unknown role{suggest(str(role), ROLES)}")
        if actor is not None and kinds and actor not in kinds:
            raise ConfigError(f"{where}: roles.{role}: unknown actor {actor!r}")
        out[str(role)] = None if actor is None else str(actor)
    return out


def _event(e: Any, where: str, day0: dt.date, sources: dict[str, Any]) -> ObservedEvent:
    if not isinstance(e, dict):
        raise ConfigError(f"{where}: expected a mapping")
    for k in ("id", "day", "actor", "target", "action", "sources"):
        if k not in e:
            raise ConfigError(f"{where}.{k}: missing")
    day = e["day"]
    if not isinstance(day, int) or isinstance(day, bool) or day < 0:
        raise ConfigError(f"{where}.day: expected a non-negative integer, got {day!r}")
    if e.get("date") is not None:
        date = e["date"] if isinstance(e["date"], dt.date) else None
        if date is None or date != day0 + dt.timedelta(days=day):
            raise ConfigError(f"{where}.date: {e['date']} is not day0 + {day} days")
    cited = tuple(str(s) for s in e["sources"] or ())
    if not cited:
        raise ConfigError(f"{where}.sources: every event needs at least one source")
    for s in cited:
        if s not in sources:
            raise ConfigError(f"{where}.sources: unknown source {s!r}{suggest(s, list(sources))}")
    confidence = str(e.get("confidence", "high"))
    if confidence not in CONFIDENCE:
        raise ConfigError(f"{where}.confidence: expected one of {', '.join(CONFIDENCE)}")
    cas = e.get("casualties")
    cas_range = None
    if cas is not None:
        try:
            lo, hi = int(cas.get("min", 0)), int(cas.get("max", cas.get("min", 0)))
        except (AttributeError, TypeError, ValueError):
            raise ConfigError(f"{where}.casualties: expected {{min, max}}") from None
        if not 0 <= lo <= hi:
            raise ConfigError(f"{where}.casualties: need 0 <= min <= max, got {lo}..{hi}")
        cas_range = (lo, hi)
    return ObservedEvent(
        id=str(e["id"]),
        day=day,
        day_alternatives=tuple(int(d) for d in e.get("day_alternatives") or ()),
        actor=str(e["actor"]),
        target=str(e["target"]),
        territory=str(e["territory"]) if e.get("territory") else None,
        action=str(e["action"]),
        casualties=cas_range,
        sources=cited,
        domestic=bool(e.get("domestic", False)),
        confidence=confidence,
        measure=str(e["measure"]) if e.get("measure") else None,
    )

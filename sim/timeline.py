"""The observed episode: loading and checking ``seeds/timeline.yaml``.

The timeline is structured data paraphrased from the two source documents in
``shared/seeds/`` (see ``seeds/README.md``). This module validates it against the
ladder and the roster and derives what the model is compared with: the observed
rung per day for each directed pair of states and for the mediator.
"""

from __future__ import annotations

import datetime as dt
import functools
from collections.abc import Iterable
from dataclasses import dataclass, field
from importlib import resources
from pathlib import Path
from typing import Any

from sim.config import load_yaml
from sim.errors import ConfigError, suggest
from sim.ladder import Ladder

SOURCE_FILES = ("000_35208569d043b585.txt", "003_bede1a2adb19394d.txt")


@dataclass(frozen=True)
class ObservedEvent:
    """One dated event of the episode.

    Attributes:
        id: Identifier.
        day: Best-estimate day index (0 = Tuesday 16 January 2024).
        day_alternatives: Other days some source supports.
        actor: Acting actor id.
        target: Target actor id.
        territory: State on whose soil it happened, if any.
        action: Rung name.
        casualties: (min, max) deaths, or None.
        sources: Source file names.
        domestic: True for a state's internal step (not directed at anyone).
        confidence: ``"high"`` unless the file says ``low`` (e.g. a headline only).
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


@dataclass
class Timeline:
    """The observed episode.

    Attributes:
        day0: Calendar date of day 0.
        observed_days: Number of days the sources cover (days 0 .. observed_days-1).
        events: The events, in file order.
        raw: The parsed file.
    """

    day0: dt.date
    observed_days: int
    events: list[ObservedEvent]
    raw: dict[str, Any] = field(default_factory=dict)

    def actors(self) -> set[str]:
        """Every actor id the timeline names (as actor, target or territory)."""
        out: set[str] = set()
        for e in self.events:
            out |= {e.actor, e.target} | ({e.territory} if e.territory else set())
        return out

    def actions(self) -> set[str]:
        """Every rung name the timeline uses."""
        return {e.action for e in self.events}

    def check(self, ladder: Ladder, actors: Iterable[str]) -> None:
        """Check that every actor and rung the timeline names exists.

        Raises:
            ConfigError: Naming the event and the unknown name.
        """
        known = list(actors)
        for e in self.events:
            for what, name in (
                ("actor", e.actor),
                ("target", e.target),
                ("territory", e.territory),
            ):
                if name is not None and name not in known:
                    raise ConfigError(
                        f"seeds/timeline.yaml: event {e.id!r}.{what}: unknown actor {name!r}"
                        f"{suggest(name, known)}"
                    )
            if e.action not in ladder.index:
                raise ConfigError(
                    f"seeds/timeline.yaml: event {e.id!r}.action: unknown rung {e.action!r}"
                    f"{suggest(e.action, ladder.names)}"
                )

    def path(
        self,
        ladder: Ladder,
        actor: str,
        opponent: str,
        hosted: Iterable[str] = (),
        include_low_confidence: bool = False,
    ) -> list[str]:
        """Observed rung per day of ``actor`` toward ``opponent`` (or groups on its soil).

        On a day with several actions the most escalatory one counts; on a day
        with only cooperative ones, the most cooperative; else ``none``.

        Args:
            ladder: The ladder (to order rungs).
            actor: Acting actor id.
            opponent: The other state (or, for a mediator, any watched state).
            hosted: Militant groups on the opponent's soil.
            include_low_confidence: Also count events marked ``confidence: low``.
        """
        none = ladder.rung_of("none")
        targets = {opponent, *hosted}
        out = []
        for day in range(self.observed_days):
            rungs = [
                ladder.index[e.action]
                for e in self.events
                if e.day == day
                and e.actor == actor
                and not e.domestic
                and (include_low_confidence or e.confidence != "low")
                and (e.target in targets or e.territory == opponent)
            ]
            hostile = [r for r in rungs if r > none]
            friendly = [r for r in rungs if r < none]
            pick = max(hostile) if hostile else (min(friendly) if friendly else none)
            out.append(ladder.names[pick])
        return out

    def casualty_range(self, actor: str) -> tuple[int, int] | None:
        """Summed (min, max) deaths of the events by ``actor``, or None if none reported."""
        ranges = [e.casualties for e in self.events if e.actor == actor and e.casualties]
        if not ranges:
            return None
        return (sum(r[0] for r in ranges), sum(r[1] for r in ranges))


def default_path() -> Path:
    """Where the packaged timeline lives."""
    return Path(str(resources.files("sim.seeds").joinpath("timeline.yaml")))


def load_timeline(path: str | Path | None = None) -> Timeline:
    """Load and validate the structure of the timeline (the packaged one is read once).

    Args:
        path: A timeline YAML file (default: the packaged ``seeds/timeline.yaml``).

    Raises:
        ConfigError: On a missing file, malformed YAML or a malformed event.
    """
    if path is None:
        return _packaged_timeline()
    return _load_timeline(Path(path))


@functools.cache
def _packaged_timeline() -> Timeline:
    return _load_timeline(default_path())


def _load_timeline(path: Path) -> Timeline:
    p = path
    if not p.is_file():
        raise ConfigError(f"seeds: timeline file {p} not found")
    raw = load_yaml(p)
    try:
        day0 = raw["day0"]
        day0 = day0 if isinstance(day0, dt.date) else dt.date.fromisoformat(str(day0))
        observed = int(raw.get("observed_days", 4))
        events_raw = raw["events"]
    except (KeyError, ValueError) as exc:
        raise ConfigError(f"seeds/timeline.yaml: missing or bad field {exc}") from None
    if not isinstance(events_raw, list) or not events_raw:
        raise ConfigError("seeds/timeline.yaml: events must be a non-empty list")
    events, seen = [], set()
    for i, e in enumerate(events_raw):
        where = f"seeds/timeline.yaml: events[{i}]"
        if not isinstance(e, dict):
            raise ConfigError(f"{where}: expected a mapping")
        for k in ("id", "day", "actor", "target", "action", "sources"):
            if k not in e:
                raise ConfigError(f"{where}.{k}: missing")
        if e["id"] in seen:
            raise ConfigError(f"{where}.id: duplicate id {e['id']!r}")
        seen.add(e["id"])
        day = e["day"]
        if not isinstance(day, int) or isinstance(day, bool) or day < 0:
            raise ConfigError(f"{where}.day: expected a non-negative integer, got {day!r}")
        sources = tuple(str(s) for s in e["sources"] or ())
        if not sources:
            raise ConfigError(f"{where}.sources: every event needs at least one source")
        for s in sources:
            if s not in SOURCE_FILES:
                raise ConfigError(
                    f"{where}.sources: unknown source {s!r}{suggest(s, SOURCE_FILES)}"
                )
        cas = e.get("casualties")
        cas_range = None
        if cas is not None:
            lo, hi = int(cas.get("min", 0)), int(cas.get("max", cas.get("min", 0)))
            if not 0 <= lo <= hi:
                raise ConfigError(f"{where}.casualties: need 0 <= min <= max, got {lo}..{hi}")
            cas_range = (lo, hi)
        events.append(
            ObservedEvent(
                id=str(e["id"]),
                day=day,
                day_alternatives=tuple(int(d) for d in e.get("day_alternatives") or ()),
                actor=str(e["actor"]),
                target=str(e["target"]),
                territory=str(e["territory"]) if e.get("territory") else None,
                action=str(e["action"]),
                casualties=cas_range,
                sources=sources,
                domestic=bool(e.get("domestic", False)),
                confidence=str(e.get("confidence", "high")),
            )
        )
    return Timeline(day0=day0, observed_days=observed, events=events, raw=raw)

"""A crisis to forecast: its composed config, its cast and what has been observed of it.

A library episode gives all three (its config in ``configs/episode/``, its coded timeline in
``seeds/``). A crisis outside the library takes its config (roster, relations, trigger) from
an episode config and its observed days from an event table (:mod:`sim.eventtable`).

Observed channels follow the scorecard: the victim's acts toward the adversary's side (the
adversary, the militant groups it hosts or sponsors, anything on its soil) and back, and the
mediator's acts toward each state, where the episode casts a mediator with a line toward it.
"""

from __future__ import annotations

import copy
import datetime as dt
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from omegaconf import OmegaConf

from sim.calibration.joint import side_groups
from sim.config import compose_config
from sim.errors import ConfigError
from sim.forecast.observe import Observed
from sim.model import EscalationModel
from sim.settings import Settings
from sim.timeline import ObservedEvent, Timeline, load_timeline

#: The scenario forecasts run under by default: the joint fit's, with its posterior draws.
SCENARIO = "calibrated_joint"


@dataclass(frozen=True)
class Crisis:
    """A crisis to forecast.

    Attributes:
        name: Episode name (or the event table's file name).
        title: One line.
        raw: The composed config as a plain dict.
        roles: ``victim``, ``adversary`` and ``mediator`` (or None) actor ids.
        labels: Actor id -> display name.
        observed: Every observed day the source holds.
        day0: Calendar date of day 0, where known.
        source: Where the observed days come from (``seeds/<name>`` or the table's path).
    """

    name: str
    title: str
    raw: dict[str, Any]
    roles: dict[str, str | None]
    labels: dict[str, str]
    observed: Observed
    day0: dt.date | None
    source: str


def compose(episode: str, scenario: str = SCENARIO, overrides: list[str] | None = None) -> dict:
    """The composed config of ``episode`` under ``scenario`` as a plain dict."""
    cfg = compose_config(scenario, [*(overrides or []), f"episode={episode}"])
    raw = OmegaConf.to_container(cfg, resolve=True)
    assert isinstance(raw, dict)
    out = {str(k): v for k, v in raw.items()}
    out.pop("calibration", None)
    return out


def probe(raw: dict[str, Any]) -> EscalationModel:
    """A one-replicate model of the config, to read its channels and ladder."""
    probe = copy.deepcopy(raw)
    probe["simulation"] = {**probe["simulation"], "replicates": 1, "write_events": False}
    return EscalationModel(Settings.from_config(probe))


def _roles(raw: dict[str, Any]) -> dict[str, str | None]:
    roles = dict((raw.get("episode") or {}).get("roles") or {})
    if not roles.get("victim") or not roles.get("adversary"):
        raise ConfigError("episode.roles: a forecast needs a victim and an adversary")
    return {k: roles.get(k) for k in ("victim", "adversary", "mediator")}


def observe(raw: dict[str, Any], timeline: Timeline, days: int) -> Observed:
    """The observed channels of ``timeline``'s days 0..days-1 under config ``raw``."""
    roles = _roles(raw)
    model = probe(raw)
    lad = model.ladder
    v, a, m = roles["victim"], roles["adversary"], roles["mediator"]
    names, rows, acts = [], [], []
    for name, x, y in (("victim", v, a), ("adversary", a, v)):
        assert x is not None and y is not None
        names.append(name)
        rows.append(model.channel_for(x, y).index)
        acts.append(timeline.acts(lad, x, y, side_groups(model.graph, y), days=days))
    if m:
        for name, y in (("mediator->victim", v), ("mediator->adversary", a)):
            assert y is not None
            try:
                row = model.channel_for(m, y).index
            except ConfigError:  # a mediator with no line toward this state
                continue
            names.append(name)
            rows.append(row)
            acts.append(timeline.acts(lad, m, y, days=days))
    none = lad.rung_of("none")
    model.dispose()
    return Observed(
        tuple(names),
        tuple(rows),
        tuple(tuple(tuple(d) for d in ch) for ch in acts),
        none,
    )


def from_episode(name: str, scenario: str = SCENARIO, overrides: list[str] | None = None) -> Crisis:
    """A library episode, observed on every coded day."""
    raw = compose(name, scenario, overrides)
    t = load_timeline(name)
    return Crisis(
        name=name,
        title=t.title,
        raw=raw,
        roles=_roles(raw),
        labels=dict(t.labels),
        observed=observe(raw, t, t.observed_days),
        day0=t.day0,
        source=f"seeds/{name}",
    )


def from_events(
    path: str | Path,
    episode: str,
    scenario: str = SCENARIO,
    overrides: list[str] | None = None,
    day0: dt.date | None = None,
    days: int = 0,
) -> Crisis:
    """A crisis observed in an event table, cast by the config of ``episode``.

    Args:
        path: The event table (``docs/event-tables.md``).
        episode: The episode config that gives the roster, relations and trigger.
        scenario: The scenario.
        overrides: More overrides.
        day0: Calendar date of day 0 (default: the table's earliest date).
        days: Days observed (at least through the table's last date): days without a row
            are days on which nothing was reported.

    Raises:
        ConfigError: On a table that does not read, or names actors outside the roster.
    """
    from sim.eventtable import read_event_table

    raw = compose(episode, scenario, overrides)
    model = probe(raw)
    labels = {a.actor_id: a.label for a in model.actors.values()}
    lad = model.ladder
    model.dispose()
    table = read_event_table(path, lad, labels, day0)
    events = [
        ObservedEvent(
            id=f"row{i + 1}",
            day=r.day,
            day_alternatives=(),
            actor=r.actor,
            target=r.target,
            territory=None,
            action=lad.names[r.rung],
            casualties=None,
            sources=(),
        )
        for i, r in enumerate(table.rows)
    ]
    days = max(days, 1 + max((r.day for r in table.rows), default=0))
    timeline = Timeline(
        name=Path(path).stem,
        title=f"{Path(path).name} (cast as {episode})",
        day0=table.day0,
        observed_days=days,
        events=events,
        labels=labels,
    )
    return Crisis(
        name=Path(path).stem,
        title=timeline.title,
        raw=raw,
        roles=_roles(raw),
        labels=labels,
        observed=observe(raw, timeline, days),
        day0=table.day0,
        source=str(path),
    )

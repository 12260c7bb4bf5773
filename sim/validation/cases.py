"""The scorecard's view of an episode: what was observed, and what was known before day 0.

A :class:`Case` wraps a loaded episode (:class:`sim.calibration.joint.Episode`, simulated
over days 0..H whatever its coded length) with

- its observed features (every act of an actor-day; :mod:`sim.validation.features`) and the
  bins they fall in;
- its daily paths as coarse categories (:func:`category`), which the Markov baseline learns,
  and its day-0 categories from the trigger alone, where the baselines start;
- descriptors known before day 0 (:func:`descriptors`), which the analog baseline matches on:
  who triggered the crisis (a group or a state), the adversary's tie to the group (hosts,
  sponsors, none), whether the two states share a border, and the starting hostility.
"""

from __future__ import annotations

import copy
from dataclasses import dataclass
from typing import Any

import numpy as np

from sim.calibration.features import act_features
from sim.calibration.joint import Episode, side_groups
from sim.model import EscalationModel
from sim.settings import Settings
from sim.timeline import load_timeline
from sim.validation.features import Reading, observed_bins, observed_mediator

#: Coarse daily categories of the Markov baseline.
CATEGORIES = ("conciliatory", "none", "words", "coercion", "bases", "state forces", "war")


@dataclass(frozen=True)
class Case:
    """One episode as the scorecard reads it (module docstring).

    Attributes:
        episode: The loaded episode.
        horizon: H.
        values: Feature -> observed value.
        bins: Feature -> observed bin(s).
        categories: (2, H+1) daily categories of the victim and the adversary.
        start: (2,) their categories on day 0 from the trigger alone (what a forecaster
            knows on day 0; the observed day 0 may hold other acts, which it does not).
        descriptors: What was known before day 0.
        coded_through: Last coded day.
        reading: The ladder's reading.
        mediator: The mediator's actor id, or None.
    """

    episode: Episode
    horizon: int
    values: dict[str, int]
    bins: dict[str, tuple[int, ...]]
    categories: np.ndarray
    start: np.ndarray
    descriptors: dict[str, Any]
    coded_through: int
    reading: Reading
    mediator: str | None

    @property
    def name(self) -> str:
        """The episode's name."""
        return self.episode.name


def category(rungs: np.ndarray, reading: Reading) -> np.ndarray:
    """Coarse category (index into :data:`CATEGORIES`) of ladder indices."""
    rungs = np.asarray(rungs, dtype=np.int64)
    none = reading.coding.none
    hostile = 2 + reading.peak_category(reading.coding.position[rungs])
    return np.where(rungs < none, 0, np.where(rungs == none, 1, hostile))


def representative(reading: Reading) -> np.ndarray:
    """A ladder index standing for each category (to read simulated categories as rungs)."""
    names: tuple[str, ...] = ("de_escalate", "none", "statement", "threaten")
    names += ("strike_militants", "strike_state", "sustained_conflict")
    return np.array([reading.names.index(n) for n in names], dtype=np.int64)


def descriptors(ep: Episode) -> dict[str, Any]:
    """What was known before day 0 (module docstring), from the episode's config."""
    base = ep.base
    roles = base["episode"]["roles"]
    victim, adversary = roles["victim"], roles["adversary"]
    kinds = {a: spec.get("kind") for a, spec in base["actors"].items()}
    events: dict[str, dict[str, Any]] = base.get("events") or {}
    trigger: dict[str, Any] = next((e for e in events.values() if int(e.get("day", 0)) == 0), {})
    by = str(trigger.get("actor", adversary))
    tie = "state"
    if kinds.get(by) == "militant":
        ties = {
            r.get("type")
            for r in (base.get("relations") or {}).values()
            if r.get("source") == adversary and r.get("target") == by
        }
        tie = "hosts" if "hosts" in ties else ("sponsors" if "sponsors" in ties else "none")
    border, hostility = False, 0.0
    for r in (base.get("relations") or {}).values():
        if {r.get("source"), r.get("target")} == {victim, adversary}:
            border = border or r.get("type") == "border"
            hostility = max(hostility, float(r.get("hostility", 0.0) or 0.0))
    return {"trigger": tie, "border": border, "hostility": hostility}


def make_case(ep: Episode, horizon: int) -> Case:
    """Read episode ``ep`` at ``horizon`` days (module docstring)."""
    t = load_timeline(ep.name)
    raw = copy.deepcopy(ep.base)
    raw["simulation"] = {**raw["simulation"], "days": horizon + 1, "replicates": 1}
    model = EscalationModel(Settings.from_config(raw))
    lad, graph = model.ladder, model.graph
    model.dispose()
    reading = Reading.of(lad)
    roles = ep.base["episode"]["roles"]
    victim, adversary, mediator = roles["victim"], roles["adversary"], roles.get("mediator")
    sides = ((victim, adversary), (adversary, victim))
    acts = tuple(t.acts(lad, x, y, side_groups(graph, y), days=horizon + 1) for x, y in sides)
    values = act_features((acts[0], acts[1]), reading.coding)
    values["peak"] = int(reading.peak_category(np.array([values["peak"]]))[0])
    med: list[tuple[int, int]] = []
    if mediator:
        toward = [t.acts(lad, mediator, s, days=horizon + 1) for s in (victim, adversary)]
        med = [(d, r) for d in range(horizon + 1) for side in toward for r in side[d]]
    values.update(observed_mediator(med, horizon, reading))
    coded = t.observed_days - 1
    paths = np.asarray(ep.target.rungs)[:, : horizon + 1]
    if paths.shape[1] != horizon + 1:
        raise ValueError(f"{ep.name}: loaded for {paths.shape[1] - 1} days, not {horizon}")
    start = np.ones(2, dtype=np.int64)  # none, but for the trigger's own actor
    for e in (ep.base.get("events") or {}).values():
        if int(e.get("day", 0)) == 0 and e.get("actor") in (victim, adversary):
            side = 0 if e["actor"] == victim else 1
            cat = int(category(np.array([lad.index[e["rung"]]]), reading)[0])
            start[side] = max(start[side], cat)
    return Case(
        episode=ep,
        horizon=horizon,
        values=values,
        bins=observed_bins(values, coded, horizon),
        categories=category(paths, reading),
        start=start,
        descriptors=descriptors(ep),
        coded_through=coded,
        reading=reading,
        mediator=mediator,
    )

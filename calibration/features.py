"""Pattern features of an episode: what a crisis looked like, comparable across episodes.

Episodes differ in who struck first and in how well each day is sourced, so a fit across
episodes compares *patterns*, computed the same way from the observed episodes (``seeds/``)
and from simulated ones, over a horizon fixed in advance: days 1..H after the trigger, H =
:data:`HORIZON` = 30, never the coded length (where a coder judged a crisis over is an
outcome). With V the victim's acts toward the adversary's side and A the adversary's toward
the victim's (day 0 is the forced trigger):

- ``first_force_victim`` / ``first_force_adversary``: the first day the side used force
  (a strike on militants or on state forces, or sustained conflict); H + 1 if not by day H;
- ``answer_victim`` / ``answer_adversary``: the type of that first force, 0 none, 1 bases
  (``strike_militants``), 2 state forces (``strike_state`` or ``sustained_conflict``); read
  from the day's first act of force;
- ``peak``: the highest position on the states' axis reached by either side;
- ``force_days``: days on which either side used force;
- ``first_conciliatory``: the first day either side made a conciliatory act (a rung below
  ``none``: an agreement, a ceasefire declaration, easing a measure...), H + 1 if none.

Observed episodes are read from *every act* of an actor-day (:func:`act_features`), so a
conciliatory act made on a day of force counts; the model takes one rung per channel and day,
so simulated episodes are read from their paths (:func:`features`).

Timing is compared within a fixed window of :data:`WINDOW` days: the sources' own
uncertainty about dates (``day_alternatives``) is a day or two.

The definitions, the weights of :func:`episode_distance` and the pattern of
:func:`pattern_match` were fixed before any leave-one-out fold was run
(``docs/validation.md``) and are not tuned to any fold.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from sim.ladder import Ladder
from sim.timeline import Timeline

FEATURES = (
    "first_force_victim",
    "first_force_adversary",
    "answer_victim",
    "answer_adversary",
    "peak",
    "force_days",
    "first_conciliatory",
)
#: Each feature in words (the joint report's check table and the validation scorecard).
FEATURE_WORDS = {
    "first_force_victim": "the victim's first use of force",
    "first_force_adversary": "the adversary's first use of force",
    "answer_victim": "the kind of the victim's first force",
    "answer_adversary": "the kind of the adversary's first force",
    "peak": "the highest rung either side reached",
    "force_days": "days with force",
    "first_conciliatory": "the first conciliatory act",
}
#: Features compared as times (within the window); the others are compared exactly.
TIMING = ("first_force_victim", "first_force_adversary", "force_days", "first_conciliatory")

#: Days after the trigger every feature is read at, fixed in advance (docs/validation.md).
HORIZON = 30
#: Timing window (days), fixed in advance.
WINDOW = 3

#: Weights of the distance terms: each term is about 1 for a clear miss (a timing off by one
#: window, the wrong kind of answer, a peak two positions off), and capped at CAP so one
#: wildly wrong feature cannot outweigh all the others. Conciliatory acts weigh half: their
#: dating is the least certain, and the model's only ways down are agreement and gestures.
WEIGHTS = {
    "first_force_victim": 1.0,
    "first_force_adversary": 1.0,
    "answer_victim": 1.0,
    "answer_adversary": 1.0,
    "peak": 1.0,
    "force_days": 1.0,
    "first_conciliatory": 0.5,
    "daily": 1.0,
}
CAP = 3.0
#: Positions on the states' axis that count as one unit of the peak and daily terms.
PEAK_SCALE, DAILY_SCALE = 2.0, 4.0


def window(days: int) -> int:
    """Timing window (days): :data:`WINDOW`, whatever the length (``days`` is not read)."""
    del days
    return WINDOW


@dataclass(frozen=True)
class Coding:
    """How rungs read as features on one ladder (indices, positions)."""

    position: np.ndarray
    force: int
    state_force: int
    none: int

    @classmethod
    def of(cls, ladder: Ladder) -> Coding:
        """The coding of ``ladder``."""
        return cls(
            position=np.asarray(ladder.state_position, dtype=np.int64),
            force=ladder.index["strike_militants"],
            state_force=ladder.index["strike_state"],
            none=ladder.rung_of("none"),
        )


def features(rungs: np.ndarray, coding: Coding) -> dict[str, np.ndarray]:
    """Pattern features of paths.

    Args:
        rungs: (2, D, R) ladder indices: V's path then A's, days 0..D-1, R episodes.
        coding: The ladder's coding.

    Returns:
        Feature name -> (R,) int64 values.
    """
    rungs = np.asarray(rungs, dtype=np.int64)[:, 1:, :]
    days = rungs.shape[1] + 1
    force = rungs >= coding.force
    out: dict[str, np.ndarray] = {}
    for side, name in enumerate(("victim", "adversary")):
        f = force[side]
        any_f = f.any(axis=0)
        first = np.where(any_f, f.argmax(axis=0) + 1, days)
        out[f"first_force_{name}"] = first
        at = np.take_along_axis(rungs[side], np.minimum(first - 1, days - 2)[None, :], 0)[0]
        out[f"answer_{name}"] = np.where(any_f, np.where(at >= coding.state_force, 2, 1), 0)
    out["peak"] = coding.position[rungs].max(axis=(0, 1))
    out["force_days"] = force.any(axis=0).sum(axis=0)
    calm = (rungs < coding.none).any(axis=0)
    out["first_conciliatory"] = np.where(calm.any(axis=0), calm.argmax(axis=0) + 1, days)
    return {k: out[k].astype(np.int64) for k in FEATURES}


def act_features(acts: tuple[list[list[int]], list[list[int]]], coding: Coding) -> dict[str, int]:
    """Pattern features of an observed episode from every act of each actor-day.

    Args:
        acts: V's then A's acts per day 0..D-1 (:meth:`sim.timeline.Timeline.acts`), D - 1
            being the horizon.
        coding: The ladder's coding.

    Returns:
        Feature name -> value, defined as :func:`features` but reading all acts of a day: a
        conciliatory act on a day of force counts, and an answer's type is that of the day's
        first act of force.
    """
    days = len(acts[0])
    out: dict[str, int] = {}
    force_any = [False] * days
    calm = days
    peak = int(coding.position[coding.none])
    for side, name in enumerate(("victim", "adversary")):
        first, answer = days, 0
        for d in range(1, days):
            today = acts[side][d]
            force = [r for r in today if r >= coding.force]
            if force:
                force_any[d] = True
                if first == days:
                    first, answer = d, 2 if force[0] >= coding.state_force else 1
            if any(r < coding.none for r in today):
                calm = min(calm, d)
            peak = max([peak, *(int(coding.position[r]) for r in today)])
        out[f"first_force_{name}"], out[f"answer_{name}"] = first, answer
    out["peak"] = peak
    out["force_days"] = sum(force_any)
    out["first_conciliatory"] = calm
    return {k: out[k] for k in FEATURES}


@dataclass(frozen=True)
class EpisodeTarget:
    """One episode's observed pattern, in model terms.

    Attributes:
        name: Episode name.
        days: Coded days D.
        rungs: (2, D) observed ladder indices of V and A.
        observed: Feature -> observed value (read from every act where the episode gives
            them, :func:`act_features`).
        sourced: (D,) days whose timing is well sourced (day 0 excluded).
        coding: The ladder's coding.
    """

    name: str
    days: int
    rungs: np.ndarray
    observed: dict[str, int]
    sourced: np.ndarray
    coding: Coding

    @property
    def window(self) -> int:
        """The episode's timing window."""
        return window(self.days)


def target_from_paths(
    name: str,
    rungs: np.ndarray,
    sourced: np.ndarray,
    coding: Coding,
    observed: dict[str, int] | None = None,
) -> EpisodeTarget:
    """A target from observed (or synthetic) paths, shape (2, D).

    ``observed`` gives the features where they were read from the acts; by default they are
    read from the paths.
    """
    rungs = np.asarray(rungs, dtype=np.int64)
    obs = observed or {k: int(v[0]) for k, v in features(rungs[:, :, None], coding).items()}
    return EpisodeTarget(name, rungs.shape[1], rungs, obs, np.asarray(sourced, bool), coding)


def well_sourced_days(t: Timeline, sides: tuple[str, str], days: int | None = None) -> np.ndarray:
    """Days 1..days-1 on which neither side's dating is in doubt.

    A day is in doubt when an act of one side toward the other (not a domestic step) on it is
    of medium or low confidence or has alternative days, or when such an act of another day
    gives it as an alternative. Days without events count as sourced: the coding covers every
    day, and an empty day was read as one without acts. Days past the coding are not sourced.
    """
    n = t.observed_days if days is None else days
    coded = min(n, t.observed_days)
    ok = np.zeros(n, dtype=bool)
    ok[1:coded] = True
    for e in t.events:
        if e.domestic or e.actor not in sides or e.day >= coded:
            continue
        if e.confidence != "high" or e.day_alternatives:
            for d in (e.day, *e.day_alternatives):
                if 0 <= d < coded:
                    ok[d] = False
    return ok


def episode_distance(sim: dict[str, np.ndarray], rungs: np.ndarray, t: EpisodeTarget) -> np.ndarray:
    """Distance (R,) of simulated episodes to the observed one (module docstring, WEIGHTS).

    Args:
        sim: Simulated features (:func:`features`).
        rungs: (2, D, R) simulated ladder indices (for the daily term).
        t: The observed episode.
    """
    w = t.window
    d = np.zeros(rungs.shape[2])
    for k in FEATURES:
        gap = np.abs(sim[k] - t.observed[k]).astype(np.float64)
        if k in TIMING:
            term = np.minimum(gap / w, CAP)
        elif k == "peak":
            term = np.minimum(gap / PEAK_SCALE, CAP)
        else:
            term = (gap > 0).astype(np.float64)
        d += WEIGHTS[k] * term
    days = np.flatnonzero(t.sourced)
    if days.size:
        pos = t.coding.position
        gaps = np.abs(pos[rungs[:, days, :]] - pos[t.rungs[:, days]][:, :, None])
        d += WEIGHTS["daily"] * np.minimum(gaps.mean(axis=(0, 1)) / DAILY_SCALE, CAP)
    return d


def pattern_match(sim: dict[str, np.ndarray], t: EpisodeTarget) -> dict[str, np.ndarray]:
    """Per feature, (R,) whether the simulated episode shows the observed pattern.

    Timing features match within the episode's window, the others exactly; ``all`` is every
    feature together.
    """
    out = {}
    for k in FEATURES:
        gap = np.abs(sim[k] - t.observed[k])
        out[k] = gap <= t.window if k in TIMING else gap == 0
    out["all"] = np.logical_and.reduce([out[k] for k in FEATURES])
    return out


def exact_days(rungs: np.ndarray, t: EpisodeTarget) -> np.ndarray:
    """(R,) whether both sides' rungs equal the observed ones on every well-sourced day.

    Compared as positions on the states' axis, as the observed coding rungs that no state can
    take read as the nearest state rung.
    """
    days = np.flatnonzero(t.sourced)
    pos = t.coding.position
    same = pos[rungs[:, days, :]] == pos[t.rungs[:, days]][:, :, None]
    return np.asarray(same.all(axis=(0, 1)))

"""The questions a forecast answers, with definitions fixed before any was scored.

Each question is read after a cutoff day ``D`` (the last observed day) and up to the horizon
``H`` (``docs/forecast.md``). "Within k days" means on days ``D+1 .. min(D+k, H)``. "Force"
is any act at or above striking militant bases; its type is ``bases`` for strikes on
militants or their bases and ``state forces`` for strikes on the other state (an attack on
either counts toward the opponent's side, as in the scorecard). A conciliatory act is any
act below ``none`` on the ladder (talks, agreement, a returned envoy, a gesture).

| id | question | answers |
|---|---|---|
| ``force_victim_7`` | does the victim use force within 7 days? | no, yes |
| ``force_victim_14`` | ... within 14 days? | no, yes |
| ``force_adversary_7`` | does the adversary use force within 7 days? | no, yes |
| ``force_adversary_14`` | ... within 14 days? | no, yes |
| ``next_answer_victim`` | the type of the victim's next force by the horizon | none, bases, state |
| ``next_answer_adversary`` | the same for the adversary | none, bases, state |
| ``sustained_conflict`` | does either state reach sustained conflict by the horizon? | no, yes |
| ``conciliatory_14`` | does either state make a conciliatory act within 14 days? | no, yes |
| ``mediator_14`` | does the mediator act toward either state within 14 days? | no, yes |

The mediator's question is asked only of crises that cast a mediator.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass

import numpy as np

from sim.calibration.features import Coding
from sim.ladder import Ladder


@dataclass(frozen=True)
class Daily:
    """What the questions read of each day (arrays (days, R)).

    Attributes:
        force: (2, days, R) whether the victim (0) and the adversary (1) used force.
        kind: (2, days, R) the type of that day's first force: 0 none, 1 bases, 2 state.
        calm: (days, R) whether either state made a conciliatory act.
        sustained: (days, R) whether either state reached sustained conflict.
        engaged: (days, R) whether the mediator acted toward either state, or None.
    """

    force: np.ndarray
    kind: np.ndarray
    calm: np.ndarray
    sustained: np.ndarray
    engaged: np.ndarray | None

    @property
    def days(self) -> int:
        """Days read (0 .. days - 1)."""
        return int(self.calm.shape[0])


@dataclass(frozen=True)
class Codes:
    """The ladder indices the questions compare against."""

    none: int
    force: int
    state_force: int
    sustained: int

    @classmethod
    def of(cls, ladder: Ladder) -> Codes:
        """The codes of ``ladder``: the scorecard's coding, and the top state rung."""
        c = Coding.of(ladder)
        return cls(c.none, c.force, c.state_force, sustained=int(ladder.state_levels[-1]))


def daily_from_rungs(states: np.ndarray, mediator: np.ndarray | None, codes: Codes) -> Daily:
    """:class:`Daily` of simulated paths: one rung per channel and day.

    Args:
        states: (2, days, R) the victim's and the adversary's rungs toward each other.
        mediator: (k, days, R) the mediator's rungs toward the states, or None.
        codes: The ladder's codes.
    """
    s = np.asarray(states, dtype=np.int64)
    force = s >= codes.force
    kind = np.where(force, np.where(s >= codes.state_force, 2, 1), 0)
    engaged = None if mediator is None else (np.asarray(mediator) != codes.none).any(axis=0)
    return Daily(
        force=force,
        kind=kind,
        calm=np.asarray((s < codes.none).any(axis=0)),
        sustained=np.asarray((s >= codes.sustained).any(axis=0)),
        engaged=engaged,
    )


def daily_from_acts(
    states: Sequence[Sequence[Sequence[int]]],
    mediator: Sequence[Sequence[Sequence[int]]] | None,
    codes: Codes,
) -> Daily:
    """:class:`Daily` of an observed crisis (R = 1): every act of each day counts.

    A day's force type is that of its first act of force (the coding rules list a day's acts
    in the order they happened), as in the scorecard.
    """
    days = len(states[0])
    force = np.zeros((2, days, 1), dtype=bool)
    kind = np.zeros((2, days, 1), dtype=np.int64)
    calm = np.zeros((days, 1), dtype=bool)
    sustained = np.zeros((days, 1), dtype=bool)
    for side in range(2):
        for d, acts in enumerate(states[side]):
            hits = [r for r in acts if r >= codes.force]
            if hits:
                force[side, d, 0] = True
                kind[side, d, 0] = 2 if hits[0] >= codes.state_force else 1
            calm[d, 0] |= any(r < codes.none for r in acts)
            sustained[d, 0] |= any(r >= codes.sustained for r in acts)
    engaged = None
    if mediator is not None:
        engaged = np.array(
            [[any(r != codes.none for ch in mediator for r in ch[d])] for d in range(days)]
        )
    return Daily(force, kind, calm, sustained, engaged)


@dataclass(frozen=True)
class Question:
    """One question (module docstring).

    Attributes:
        id: Its name.
        text: The question in words.
        answers: Its answers, in order; binary questions are (``no``, ``yes``).
        read: (daily, cutoff, horizon) -> (R,) index of the answer of each replicate.
        needs_mediator: Asked only of crises with a mediator.
    """

    id: str
    text: str
    answers: tuple[str, ...]
    read: Callable[[Daily, int, int], np.ndarray]
    needs_mediator: bool = False

    @property
    def binary(self) -> bool:
        """Whether the answers are no and yes."""
        return self.answers == ("no", "yes")


def _window(daily: Daily, cutoff: int, horizon: int, days: int | None) -> slice:
    end = horizon if days is None else min(cutoff + days, horizon)
    if end >= daily.days:
        raise ValueError(f"day {end} is past the {daily.days} days read")
    return slice(cutoff + 1, end + 1)


def _force(side: int, days: int) -> Callable[[Daily, int, int], np.ndarray]:
    def read(d: Daily, cutoff: int, horizon: int) -> np.ndarray:
        return np.asarray(d.force[side, _window(d, cutoff, horizon, days)].any(axis=0), np.int64)

    return read


def _next(side: int) -> Callable[[Daily, int, int], np.ndarray]:
    def read(d: Daily, cutoff: int, horizon: int) -> np.ndarray:
        f = d.force[side, _window(d, cutoff, horizon, None)]
        k = d.kind[side, _window(d, cutoff, horizon, None)]
        if f.shape[0] == 0:
            return np.zeros(f.shape[1], dtype=np.int64)
        first = f.argmax(axis=0)
        at = np.take_along_axis(k, first[None, :], axis=0)[0]
        return np.where(f.any(axis=0), at, 0).astype(np.int64)

    return read


def _any(field: str, days: int | None) -> Callable[[Daily, int, int], np.ndarray]:
    def read(d: Daily, cutoff: int, horizon: int) -> np.ndarray:
        values = getattr(d, field)
        assert values is not None
        return np.asarray(values[_window(d, cutoff, horizon, days)].any(axis=0), dtype=np.int64)

    return read


YES_NO = ("no", "yes")
ANSWERS = ("none", "bases", "state forces")

QUESTIONS: tuple[Question, ...] = (
    Question("force_victim_7", "Does the victim use force within 7 days?", YES_NO, _force(0, 7)),
    Question("force_victim_14", "Does the victim use force within 14 days?", YES_NO, _force(0, 14)),
    Question(
        "force_adversary_7", "Does the adversary use force within 7 days?", YES_NO, _force(1, 7)
    ),
    Question(
        "force_adversary_14", "Does the adversary use force within 14 days?", YES_NO, _force(1, 14)
    ),
    Question(
        "next_answer_victim",
        "The type of the victim's next use of force by the horizon",
        ANSWERS,
        _next(0),
    ),
    Question(
        "next_answer_adversary",
        "The type of the adversary's next use of force by the horizon",
        ANSWERS,
        _next(1),
    ),
    Question(
        "sustained_conflict",
        "Does either state reach sustained conflict by the horizon?",
        YES_NO,
        _any("sustained", None),
    ),
    Question(
        "conciliatory_14",
        "Does either state make a conciliatory act within 14 days?",
        YES_NO,
        _any("calm", 14),
    ),
    Question(
        "mediator_14",
        "Does the mediator act toward either state within 14 days?",
        YES_NO,
        _any("engaged", 14),
        needs_mediator=True,
    ),
)


def asked(has_mediator: bool) -> tuple[Question, ...]:
    """The questions asked of a crisis with or without a mediator."""
    return tuple(q for q in QUESTIONS if has_mediator or not q.needs_mediator)


def probabilities(answers: np.ndarray, weights: np.ndarray, k: int) -> tuple[np.ndarray, float]:
    """Weighted answer probabilities (k,) and the effective sample size behind them."""
    w = np.asarray(weights, dtype=float)
    total = w.sum()
    p = np.bincount(answers, weights=w, minlength=k)[:k] / total
    ess = float(total**2 / np.square(w).sum())
    return p, ess


def effective_size(weights: np.ndarray, lineage: np.ndarray | None) -> float:
    """The sample size behind weighted estimates, counting copies of a particle as one.

    The smaller of the weights' effective sample size and that of the weights summed by
    lineage (the particle each was copied from at the last resampling): right after a
    resampling the weights are equal, but copies share their past.
    """
    w = np.asarray(weights, dtype=float)
    ess = float(w.sum() ** 2 / np.square(w).sum())
    if lineage is None:
        return ess
    by = np.bincount(np.asarray(lineage), weights=w)
    return min(ess, float(by.sum() ** 2 / np.square(by).sum()))


def mc_error(p: np.ndarray, ess: float) -> np.ndarray:
    """Monte Carlo standard error of weighted probabilities, sqrt(p (1 - p) / ESS)."""
    return np.sqrt(np.clip(p * (1 - p), 0.0, None) / max(ess, 1.0))

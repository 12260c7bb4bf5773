"""The mapping from ICB's outcome variables, and from simulated runs, to the same bins.

One table (:data:`VARIABLES`, printed in ``docs/benchmark.md``) says, for each scored
variable, which ICB codes fall in each bin (:func:`observed`) and how a simulated crisis is
read into the same bins (:func:`simulated`). With V the victim's (the ICB actor's) acts
toward the adversary each day (both tracks where a state acts on two), A the adversary's
acts back, over days 0..H (day 0 the trigger, ICB's day 1; H = the benchmark's horizon):

- *force* is a strike (``strike_militants`` and above); *posture* is ``posture``; an *act*
  is any rung but ``none`` and ``statement``; *coercive* is ``threaten`` and above
  (threats, posture, sanctions, force);
- *measures* are the diplomatic and economic ones: ``recall_ambassador`` to ``leverage``,
  ``threaten`` and ``sanction``;
- the crisis *lasts* to the last day L >= 1 on which V or A was coercive (L = 0 if never),
  so ICB's count, with the trigger day as day 1, is L + 1; a crisis still coercive within
  the last ``quiet_days`` of the horizon falls in the longest bin (it has not ended).

The bins and readings were fixed before the test part was scored. Two readings were
corrected after it had been scored once (``docs/benchmark.md``, "Corrections"): the
victim's same-day reactions on day 0 and its second-track acts had been left out.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np
import pandas as pd

from sim.benchmark.episodes import Record
from sim.ladder import Ladder


@dataclass(frozen=True)
class Variable:
    """One scored variable.

    Attributes:
        name: Key in ``benchmark.json``.
        label: In words.
        icb: The ICB column (and file) it reads.
        bins: Bin labels, in order.
        codes: ICB codes of each bin (empty where ``edges`` are used).
        edges: Upper day counts of each bin but the last (day-count variables).
        ordinal: Whether the bins are ordered (scored by the ranked probability score).
        model: How a simulated crisis falls in each bin (docs).
    """

    name: str
    label: str
    icb: str
    bins: tuple[str, ...]
    codes: tuple[tuple[int, ...], ...] = ()
    edges: tuple[int, ...] = ()
    ordinal: bool = True
    model: tuple[str, ...] = ()

    @property
    def k(self) -> int:
        """Number of bins."""
        return len(self.bins)


VARIABLES: tuple[Variable, ...] = (
    Variable(
        "major_response",
        "major response to the trigger",
        "majres (icb2)",
        ("none", "verbal, political or economic", "non-violent military", "violent"),
        codes=((1,), (2, 3, 4, 5), (6, 7), (8, 9)),
        model=("no act by V", "an act, no posture, no force", "posture, no force", "force"),
    ),
    Variable(
        "response_days",
        "days from trigger to major response (actors that responded)",
        "trgresra (icb2), majres 2-9",
        ("1-2", "3-7", "8-30", "over 30"),
        edges=(2, 7, 30),
        model=("1 + the first day V took an act of its major-response bin",) * 4,
    ),
    Variable(
        "violence",
        "severity of violence (the actor's)",
        "sevvio (icb2)",
        ("none", "minor clashes", "serious clashes", "full-scale war"),
        codes=((1,), (2,), (3,), (4,)),
        model=(
            "no force by V",
            "force by V on 1-2 days",
            "force by V on 3 days or more",
            "V reached sustained_conflict",
        ),
    ),
    Variable(
        "technique",
        "primary crisis-management technique",
        "crismg (icb2)",
        (
            "negotiation or mediation",
            "non-military pressure, or several means without violence",
            "non-violent military",
            "violence",
        ),
        codes=((1, 2, 3), (4, 5), (6,), (7, 8)),
        model=("none of the below", "measures, no posture, no force", "posture, no force", "force"),
    ),
    Variable(
        "outcome_form",
        "form of outcome",
        "outfor (icb2)",
        ("agreement", "tacit", "unilateral", "imposed", "faded or other"),
        codes=((1, 2), (3,), (4, 5, 6, 7), (8, 9), (10, 11, 12, 13, 14, 15)),
        ordinal=False,
        model=(
            "both states took the agreement rung on one day",
            "ended, no agreement or gesture, a conciliatory act by either",
            "closed by a unilateral gesture",
            "never (the model has no imposed settlement)",
            "not ended within the horizon, or ended without any conciliatory act",
        ),
    ),
    Variable(
        "duration",
        "duration from trigger to termination (days)",
        "trgterra (icb2)",
        ("1-7", "8-30", "31-60", "over 60"),
        edges=(7, 30, 60),
        model=("L + 1, binned; coercive within the last quiet_days: the last bin",) * 4,
    ),
    Variable(
        "mediation",
        "a third party mediated",
        "mediate (icb1)",
        ("no", "yes"),
        codes=((1, 2, 3), (4,)),
        ordinal=False,
        model=("the mediator never took the mediate rung", "it did, on some day"),
    ),
)
BY_NAME = {v.name: v for v in VARIABLES}


def _bin_codes(values: pd.Series, var: Variable) -> np.ndarray:
    out = np.full(len(values), -1, dtype=np.int64)
    for b, codes in enumerate(var.codes):
        out[values.isin(codes).to_numpy()] = b
    return out


def _bin_days(days: np.ndarray, var: Variable) -> np.ndarray:
    """Bins of day counts (trigger day = 1); -1 where missing or below 1."""
    d = np.asarray(days, dtype=float)
    out = np.searchsorted(np.asarray(var.edges, dtype=float), d, side="left").astype(np.int64)
    out[~np.isfinite(d) | (d < 1)] = -1
    return out


def observed(
    records: Sequence[Record], actors: pd.DataFrame, crises: pd.DataFrame
) -> dict[str, np.ndarray]:
    """Each variable's ICB bin per record (-1 where ICB has no usable code)."""
    rows = actors.set_index("cracno").loc[[r.cracno for r in records]]
    mediate = crises.set_index("crisno")["mediate"]
    out: dict[str, np.ndarray] = {}
    for var in VARIABLES:
        if var.name == "mediation":
            out[var.name] = _bin_codes(pd.Series([mediate[r.crisno] for r in records]), var)
        elif var.name == "response_days":
            days = rows["trgresra"].to_numpy(dtype=float, copy=True)
            days[~rows["majres"].between(2, 9).to_numpy()] = np.nan
            out[var.name] = _bin_days(days, var)
        elif var.name == "duration":
            out[var.name] = _bin_days(rows["trgterra"].to_numpy(dtype=float), var)
        else:
            column = var.icb.split()[0]
            out[var.name] = _bin_codes(rows[column].reset_index(drop=True), var)
    return out


@dataclass(frozen=True)
class Rungs:
    """Ladder indices the mapping reads."""

    none: int
    statement: int
    posture: int
    threaten: int
    force: int
    war: int
    mediate: int
    measures: tuple[int, ...]

    @classmethod
    def of(cls, ladder: Ladder) -> Rungs:
        """The indices on ``ladder`` (the CAMEO ladder's rung names)."""
        i = ladder.index
        names = ("recall_ambassador", "expel_diplomats", "suspend_treaty", "close_border")
        return cls(
            none=i["none"],
            statement=i["statement"],
            posture=i["posture"],
            threaten=i["threaten"],
            force=i["strike_militants"],
            war=i["sustained_conflict"],
            mediate=i["mediate"],
            measures=tuple(i[n] for n in (*names, "leverage", "threaten", "sanction")),
        )


def _first(mask: np.ndarray) -> np.ndarray:
    """ICB's day (row + 1) on which each column is first true; 0 where never."""
    anyt = mask.any(axis=0)
    return np.where(anyt, mask.argmax(axis=0) + 1, 0)


def simulated(
    v: np.ndarray,
    a: np.ndarray,
    mediator: np.ndarray,
    formal: np.ndarray,
    closed: np.ndarray,
    r: Rungs,
    quiet_days: int,
    second: tuple[np.ndarray, np.ndarray] | None = None,
) -> dict[str, np.ndarray]:
    """Each variable's bin per simulated crisis (the module docstring's reading).

    Day d of the arrays is the model's day d (day 0 the trigger), ICB's day d + 1. The
    victim's day 0 counts: a same-day reaction to the trigger is a response on ICB's day 1.

    Args:
        v: (D, n) the victim's rungs toward the adversary, days 0..H.
        a: (D, n) the adversary's toward the victim (day 0: the trigger).
        mediator: (D, n) ``mediate`` where the mediator mediated with either state that day.
        formal: (n,) whether the dyad reached a formal agreement.
        closed: (n,) whether its crisis was closed (by agreement or gesture).
        r: Rung indices.
        quiet_days: The last days of the horizon in which coercion means the crisis has
            not ended.
        second: The victim's and the adversary's second acts of each day (two tracks,
            ``none`` where there was none), read like their first acts.

    Returns:
        Variable name -> (n,) bins; ``response_days`` is -1 where V never acted.
    """
    horizon = v.shape[0] - 1
    v2, a2 = second if second is not None else (v, a)

    def either(x: np.ndarray, x2: np.ndarray, test: Any) -> np.ndarray:
        return np.asarray(test(x) | test(x2))

    force = either(v, v2, lambda x: x >= r.force)
    posture = either(v, v2, lambda x: x == r.posture)
    act = either(v, v2, lambda x: (x != r.none) & (x != r.statement))
    any_force, any_posture, any_act = force.any(0), posture.any(0), act.any(0)
    major = np.where(any_force, 3, np.where(any_posture, 2, np.where(any_act, 1, 0)))
    first = np.where(major == 3, _first(force), np.where(major == 2, _first(posture), _first(act)))
    response = _bin_days(np.where(major > 0, first, np.nan), BY_NAME["response_days"])
    force_days = force.sum(0)
    violence = np.where(
        (v == r.war).any(0), 3, np.where(force_days >= 3, 2, np.where(any_force, 1, 0))
    )
    measures = either(v, v2, lambda x: np.isin(x, r.measures)).any(0)
    technique = np.where(any_force, 3, np.where(any_posture, 2, np.where(measures, 1, 0)))
    coercive = either(v, v2, lambda x: x >= r.threaten) | either(a, a2, lambda x: x >= r.threaten)
    coercive[0] = False  # the trigger is day 0 of every crisis, not its length
    last = np.where(coercive.any(0), horizon - coercive[::-1].argmax(0), 0)
    ended = last <= horizon - quiet_days
    dur = BY_NAME["duration"]
    duration = np.where(ended, _bin_days(last + 1, dur), dur.k - 1)
    conciliatory = ((v < r.none) | (a < r.none)).any(0)
    form = np.where(
        formal,
        0,
        np.where(closed, 2, np.where(ended & conciliatory, 1, 4)),
    )
    mediated = (mediator == r.mediate).any(0).astype(np.int64)
    out = {
        "major_response": major,
        "response_days": response,
        "violence": violence,
        "technique": technique,
        "outcome_form": form,
        "duration": duration,
        "mediation": mediated,
    }
    return {k: np.asarray(x, dtype=np.int64) for k, x in out.items()}

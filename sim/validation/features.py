"""The scorecard's features and their bins, fixed before any fold was run.

The seven pattern features of :mod:`sim.calibration.features` (the fit and the referee read
the same ones) plus the mediator's, each read at a horizon H of days after the trigger fixed
in advance (:data:`HORIZONS`; 30 everywhere, 60 where an episode is coded that far), never at
the coded length:

- ``mediator_first``: the first day the episode's mediator acted toward either state; H + 1
  if not by day H;
- ``mediator_act``: the type of that first act: 0 none, 1 an appeal, 2 mediation or another
  conciliatory act (talks, an offer), 3 pressure (leverage or any hostile act).

Each feature has a *fine* support (days 1..H+1 for timings, counts 0..H for ``force_days``,
categories otherwise) and *bins* on it, ordered, that the scores read:

- timings: day 1, day 2, days 3-4, 5-7, 8-14, 15-30 (then 31-60 at H = 60), none by day H;
- ``force_days``: 0, 1, 2-3, 4-7, 8-14, 15 or more;
- ``peak``: words and protests (up to recalling an ambassador), threats and coercion
  (expulsions to sanctions), strikes on bases, strikes on state forces, sustained conflict;
- answers: none, bases, state forces; ``mediator_act``: none, appeal, mediation, pressure.

A timing that falls after the last coded day of an episode coded short of H is *censored*:
its observed value is only known to be past the coding, and it is scored on the bins that
hold days after the coding (:func:`observed_bins`).
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from sim.calibration.features import FEATURE_WORDS, Coding
from sim.calibration.features import FEATURES as PATTERN_FEATURES
from sim.ladder import Ladder

#: Horizons (days after the trigger) every feature is read at, fixed in advance.
HORIZONS = (30, 60)
#: The horizon of the headline figures.
HORIZON = 30

FEATURES = (*PATTERN_FEATURES, "mediator_first", "mediator_act")
TIMING = ("first_force_victim", "first_force_adversary", "first_conciliatory", "mediator_first")
#: The kind read from each timing (censored with it).
KIND_OF = {
    "first_force_victim": "answer_victim",
    "first_force_adversary": "answer_adversary",
    "mediator_first": "mediator_act",
}
#: Features read as unordered categories (Brier score); the others are ordered (RPS too).
NOMINAL = ("answer_victim", "answer_adversary", "mediator_act")

LABELS = {
    **FEATURE_WORDS,
    "mediator_first": "the mediator's first act",
    "mediator_act": "the kind of the mediator's first act",
}
PEAK_BINS = ("words", "threats, coercion", "strikes on bases", "strikes on state", "war")
ANSWER_BINS = ("none", "bases", "state forces")
MEDIATOR_BINS = ("none", "appeal", "mediation", "pressure")
FORCE_DAY_STARTS = (0, 1, 2, 4, 8, 15)


@dataclass(frozen=True)
class Spec:
    """One feature at one horizon: its fine support and its bins.

    Attributes:
        name: Feature name.
        fine: Size of the fine support.
        starts: Fine index where each bin starts (ordered, the first is 0).
        labels: Bin labels.
        offset: Value of fine index 0 (1 for timings, 0 otherwise).
    """

    name: str
    fine: int
    starts: tuple[int, ...]
    labels: tuple[str, ...]
    offset: int

    @property
    def bins(self) -> int:
        """Number of bins."""
        return len(self.starts)

    def bin_of(self, values: np.ndarray) -> np.ndarray:
        """Bin index of each value."""
        idx = np.clip(np.asarray(values, dtype=np.int64) - self.offset, 0, self.fine - 1)
        return np.searchsorted(np.asarray(self.starts), idx, side="right") - 1

    def to_bins(self, fine: np.ndarray) -> np.ndarray:
        """Bin probabilities of a fine probability vector."""
        return np.add.reduceat(np.asarray(fine, dtype=np.float64), np.asarray(self.starts))

    def spread(self, bins: np.ndarray) -> np.ndarray:
        """A fine vector spreading each bin's probability evenly over its values."""
        ends = (*self.starts[1:], self.fine)
        widths = np.diff(np.asarray((*self.starts, self.fine)))
        out = np.zeros(self.fine)
        for b, (s, e) in enumerate(zip(self.starts, ends, strict=True)):
            out[s:e] = bins[b] / widths[b]
        return out


def specs(horizon: int) -> dict[str, Spec]:
    """Every feature's spec at ``horizon`` days (module docstring)."""
    if horizon not in HORIZONS:
        raise ValueError(f"horizon {horizon} is not one of {HORIZONS}")
    day_starts = [1, 2, 3, 5, 8, 15, *([31] if horizon >= 60 else []), horizon + 1]
    day_labels = ["day 1", "day 2", "days 3-4", "days 5-7", "days 8-14"]
    day_labels += ["days 15-30", *(["days 31-60"] if horizon >= 60 else [])]
    day_labels.append(f"none by day {horizon}")
    timing = (tuple(s - 1 for s in day_starts), tuple(day_labels))
    out = {}
    for name in FEATURES:
        if name in TIMING:
            out[name] = Spec(name, horizon + 1, *timing, offset=1)
        elif name == "force_days":
            counts = ("0", "1", "2-3", "4-7", "8-14", "15+")
            out[name] = Spec(name, horizon + 1, FORCE_DAY_STARTS, counts, 0)
        else:
            labels: tuple[str, ...] = {
                "peak": PEAK_BINS,
                "answer_victim": ANSWER_BINS,
                "answer_adversary": ANSWER_BINS,
                "mediator_act": MEDIATOR_BINS,
            }[name]
            out[name] = Spec(name, len(labels), tuple(range(len(labels))), labels, 0)
    return out


@dataclass(frozen=True)
class Reading:
    """How ladder rungs read as scorecard categories (computed once per ladder).

    Attributes:
        coding: The pattern features' coding.
        peak_from: State-axis positions where peak categories 1..4 start.
        mediator_type: Ladder index -> mediator act type (1 appeal, 2 mediation, 3 pressure;
            0 for ``none``).
        names: The ladder's rung names.
    """

    coding: Coding
    peak_from: tuple[int, ...]
    mediator_type: np.ndarray
    names: tuple[str, ...]

    @classmethod
    def of(cls, ladder: Ladder) -> Reading:
        """The reading of ``ladder``."""
        pos = ladder.state_position
        starts = ("expel_diplomats", "strike_militants", "strike_state", "sustained_conflict")
        none = ladder.rung_of("none")
        kinds = np.zeros(len(ladder.names), dtype=np.int64)
        for i, name in enumerate(ladder.names):
            if name == "appeal":
                kinds[i] = 1
            elif i < none:
                kinds[i] = 2
            elif i > none:
                kinds[i] = 3
        peak_from = tuple(int(pos[ladder.index[s]]) for s in starts)
        return cls(Coding.of(ladder), peak_from, kinds, tuple(ladder.names))

    def peak_category(self, position: np.ndarray) -> np.ndarray:
        """Peak category (0..4) of state-axis positions."""
        return np.searchsorted(np.asarray(self.peak_from), np.asarray(position), side="right")


def mediator_features(med: np.ndarray, reading: Reading) -> dict[str, np.ndarray]:
    """The mediator's features from its rungs.

    Args:
        med: (2, H+1, R) the mediator's ladder indices toward the victim and the adversary
            (``none`` throughout where the episode casts no mediator).
        reading: The ladder's reading.
    """
    med = np.asarray(med, dtype=np.int64)[:, 1:, :]
    days = med.shape[1] + 1
    acts = med != reading.coding.none
    any_day = acts.any(axis=0)  # (H, R)
    acted = any_day.any(axis=0)
    first = np.where(acted, any_day.argmax(axis=0) + 1, days)
    idx = np.minimum(first - 1, days - 2)
    # Toward the victim first on a day it acted toward both (the model's channel order).
    at = np.take_along_axis(med, idx[None, None, :].repeat(2, 0), 1)[:, 0, :]
    rung = np.where(at[0] != reading.coding.none, at[0], at[1])
    kind = np.where(acted, reading.mediator_type[rung], 0)
    return {"mediator_first": first.astype(np.int64), "mediator_act": kind.astype(np.int64)}


def observed_mediator(
    acts: list[tuple[int, int]], horizon: int, reading: Reading
) -> dict[str, int]:
    """The mediator's features from its observed acts.

    Args:
        acts: ``(day, ladder index)`` of every act of the mediator toward either state; on a
            day it acted toward both, its acts toward the victim first (the order
            :func:`mediator_features` reads simulated days in), each in the order of the file.
        horizon: H.
        reading: The ladder's reading.
    """
    days = [(d, r) for d, r in acts if 1 <= d <= horizon]
    if not days:
        return {"mediator_first": horizon + 1, "mediator_act": 0}
    first = min(d for d, _ in days)
    rung = next(r for d, r in days if d == first)
    return {"mediator_first": first, "mediator_act": int(reading.mediator_type[rung])}


def observed_bins(
    observed: dict[str, int], coded_through: int, horizon: int
) -> dict[str, tuple[int, ...]]:
    """The bins each observed feature may be in: one, or several where it is censored.

    A timing observed as "none" while the coding stops before day H is only known to fall
    after the coding: every bin holding a day past ``coded_through`` is possible, and the kind
    read from that timing (the answer's, the mediator act's) may then be any. Counts and the
    peak read from a short coding are taken as observed; :mod:`sim.validation.command`
    refuses a horizon past an episode's coding, so at the default horizon nothing is
    censored.
    """
    sp = specs(horizon)
    out: dict[str, tuple[int, ...]] = {}
    for k, s in sp.items():
        b = int(s.bin_of(np.array([observed[k]]))[0])
        if k in TIMING and observed[k] > horizon and coded_through < horizon:
            first = int(s.bin_of(np.array([coded_through + 1]))[0])
            out[k] = tuple(range(first, s.bins))
            kind = KIND_OF.get(k)
            if kind is not None:
                out[kind] = tuple(range(sp[kind].bins))
        elif k not in out:
            out[k] = (b,)
    return out

"""What was observed of a crisis so far, and how likely a simulated day makes it.

The observed prefix (:class:`Observed`) holds, for each observed channel of a crisis (the
victim toward the adversary's side and back; the mediator toward each of them where the
episode casts one), every act of each day 0..``until`` as ladder indices. A day is read as
one rung per channel by the rule the library's paths use (:meth:`sim.timeline.Timeline.path`):
the most escalatory hostile act, else the most cooperative act, else ``none``.

The error model (:class:`ErrorModel`), stated before any forecast was scored, links a
simulated rung ``s`` to an observed rung ``o``:

- a missed act: an act (``s`` not ``none``) goes unreported with probability ``missed``
  and reads as ``none``;
- miscoding: otherwise the act reads as another rung with probability ``miscoding``, the
  other rungs weighted by ``decay ** |position(o) - position(s)|`` (a near rung is a likelier
  slip than a far one), and as itself with probability ``1 - miscoding``.

So ``P(o | s) = missed [s != none][o = none] + (1 - missed [s != none]) ((1 - miscoding)
[o = s] + miscoding K(o | s))``, with ``K`` the decay kernel normalised over ``o != s``. No
simulated day gives an observed day probability zero, so one unexpected act lowers a
particle's weight without killing every particle. The defaults (``configs/forecast/``) come
from the library's two-coder agreement: the coders gave different rungs on 10-19% of
actor-days (``seeds/README.md``), hence ``miscoding = 0.15``.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np

from sim.ladder import Ladder


@dataclass(frozen=True)
class ErrorModel:
    """How observed acts relate to simulated ones (module docstring).

    Attributes:
        miscoding: Probability that an act reads as another rung.
        missed: Probability that an act goes unreported.
        decay: Weight ratio of a rung one step further from the true one.
    """

    miscoding: float = 0.15
    missed: float = 0.2
    decay: float = 0.5

    def __post_init__(self) -> None:
        for name in ("miscoding", "missed"):
            v = getattr(self, name)
            if not 0.0 < v < 1.0:
                raise ValueError(f"{name}: {v} is not strictly between 0 and 1")
        if not 0.0 < self.decay <= 1.0:
            raise ValueError(f"decay: {self.decay} is not in (0, 1]")

    def log_table(self, ladder: Ladder) -> np.ndarray:
        """(L, L) log P(observed rung | simulated rung), simulated rung first."""
        pos = np.asarray(ladder.state_position, dtype=float)
        n = len(pos)
        none = ladder.rung_of("none")
        kernel = self.decay ** np.abs(pos[None, :] - pos[:, None])
        np.fill_diagonal(kernel, 0.0)
        kernel /= kernel.sum(axis=1, keepdims=True)
        read = (1 - self.miscoding) * np.eye(n) + self.miscoding * kernel
        act = np.arange(n) != none
        p = (1 - self.missed * act)[:, None] * read
        p[act, none] += self.missed
        return np.log(p)


def day_rung(acts: Sequence[int], none: int) -> int:
    """One day's acts read as one rung (module docstring)."""
    hostile = [r for r in acts if r > none]
    friendly = [r for r in acts if r < none]
    return max(hostile) if hostile else (min(friendly) if friendly else none)


@dataclass(frozen=True)
class Observed:
    """The observed days 0..``until`` of a crisis, channel by channel.

    Attributes:
        names: Observed channels: ``victim``, ``adversary``, then ``mediator->victim`` and
            ``mediator->adversary`` where the crisis has a mediator.
        rows: The model's channel row of each.
        acts: Per channel, per day 0..until, the acts as ladder indices.
        none: The ladder index of ``none``.
    """

    names: tuple[str, ...]
    rows: tuple[int, ...]
    acts: tuple[tuple[tuple[int, ...], ...], ...]
    none: int

    @property
    def until(self) -> int:
        """The last observed day."""
        return len(self.acts[0]) - 1 if self.acts else -1

    def rungs(self) -> np.ndarray:
        """(channels, until + 1) the rung each channel's day reads as."""
        return np.array([[day_rung(d, self.none) for d in ch] for ch in self.acts], dtype=np.int64)

    def cut(self, until: int) -> Observed:
        """The same crisis observed through day ``until`` only."""
        if not 0 <= until <= self.until:
            raise ValueError(f"until: {until} is outside the observed days 0..{self.until}")
        return Observed(self.names, self.rows, tuple(c[: until + 1] for c in self.acts), self.none)


def log_likelihood(table: np.ndarray, simulated: np.ndarray, observed: np.ndarray) -> np.ndarray:
    """Log P(observed day | simulated day), summed over channels.

    Args:
        table: :meth:`ErrorModel.log_table`.
        simulated: (channels, R) simulated rungs of the day.
        observed: (channels,) or (channels, R) observed rungs (the latter when particles
            follow different crises).

    Returns:
        (R,) log-likelihoods.
    """
    obs = np.asarray(observed)
    if obs.ndim == 1:
        obs = obs[:, None]
    return table[simulated.astype(np.int64), obs].sum(axis=0)

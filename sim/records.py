"""What a model records beside its arrays: deaths, held states, and the paths table.

:class:`Records` is a mixin of :class:`sim.model.EscalationModel`: sparse records that the
submodels append to during a day (deaths are rare; so are held states) and the tidy table of
the simulated days.
"""

from __future__ import annotations

from typing import Any

import numpy as np
import pandas as pd


class Records:
    """Sparse records of deaths and held states, and the paths table (a model mixin).

    The model sets ``day``, ``history``, ``channels``, ``replicates``, ``ladder``, ``n``,
    ``r_none``, ``total_deaths`` and calls :meth:`_init_records` while it is built.
    """

    day: int
    history: np.ndarray
    channels: list[Any]
    replicates: np.ndarray
    ladder: Any
    n: int
    r_none: int
    total_deaths: np.ndarray

    def _init_records(self) -> None:
        # Deaths are rare: kept sparse as (day, channel, replicate positions, counts).
        self._death_records: list[tuple[int, int, np.ndarray, np.ndarray]] = []
        # Rungs that restate a standing state (a recall while recalled): (day, channel, hit).
        self._held_records: list[tuple[int, int, np.ndarray]] = []

    def record_deaths(self, t: int, channel: int, hit: np.ndarray, toll: np.ndarray) -> None:
        """Record deaths caused on ``channel`` on day ``t`` at replicate positions ``hit``."""
        self._death_records.append((t, channel, hit, toll))
        self.total_deaths[hit] += toll

    def record_held(self, t: int, channel: int, hit: np.ndarray) -> None:
        """Record that ``channel``'s rung on day ``t`` restates a standing state at ``hit``.

        Such a rung is no new act (an ambassador already recalled); the event log keeps
        the row with ``act = false``.
        """
        self._held_records.append((t, channel, hit))

    def held_records(self) -> list[tuple[int, int, np.ndarray]]:
        """Held rungs as sparse records: (day, channel, replicate positions)."""
        return [rec for rec in self._held_records if rec[0] < self.day]

    def death_records(self) -> list[tuple[int, int, np.ndarray, np.ndarray]]:
        """Deaths as sparse records: (day, channel, replicate positions, deaths)."""
        return [rec for rec in self._death_records if rec[0] < self.day]

    @property
    def deaths(self) -> np.ndarray:
        """int32 array (days, channels, R): deaths each action caused (built on demand)."""
        out = np.zeros(self.history.shape, dtype=np.int32)
        for t, i, hit, toll in self._death_records:
            out[t, i, hit] = toll
        return out

    def paths(self) -> pd.DataFrame:
        """The simulated days as a tidy table (one row per replicate, day and channel).

        Handy at small R in a notebook; large runs use :mod:`sim.eventlog`. ``act`` is false
        for ``none`` and for a rung that restates a standing state (a recall while recalled).
        """
        t = self.day
        c, n = len(self.channels), self.n
        rung = self.history[:t]
        names = np.array(self.ladder.names)
        act = rung != self.r_none
        for day, i, hit in self.held_records():
            act[day, i, hit] = False
        return pd.DataFrame(
            {
                "replicate": np.tile(self.replicates, t * c),
                "day": np.repeat(np.arange(t), c * n),
                "actor": np.tile(np.repeat([ch.actor for ch in self.channels], n), t),
                "target": np.tile(np.repeat([ch.target for ch in self.channels], n), t),
                "action": names[rung.ravel()],
                "rung": rung.ravel().astype(np.int16),
                "goldstein": self.ladder.goldstein[rung.ravel()],
                "casualties": self.deaths[:t].ravel(),
                "act": act.ravel(),
            }
        )

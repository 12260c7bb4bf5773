"""Targets and distance: what the model is fitted to, built from ``seeds/`` (not retyped).

Targets (``build_targets``): for the episode's observed days, the observed rung of each
directed pair of states (for 2024: Iran toward Pakistan, Pakistan toward Iran) and of the
mediator, and the death toll of the answering state's strikes as a range (2024: 9-11, the
sources disagree).

Distance of one simulated episode (``distances``), documented in docs/calibration.md:

- rungs: for each directed pair and each observed day after day 0 (the forced trigger), the absolute
  difference of positions on the states' ladder (cooperative rungs below ``none``), weight 1 —
  a summons instead of a recall costs 1, a strike instead of nothing 7;
- mediator: 0.5 for each such day on which the mediator's action differs — it matters less
  than the states' moves and its date is uncertain in the sources (day 2 or 3);
- casualties: 0.25 when the death toll of the answering state over the observed days falls
  outside the reported range (the range is kept, not a single number).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import numpy as np

from sim import relations as rel
from sim.model import EscalationModel
from sim.timeline import Timeline

W_RUNG, W_MEDIATOR, W_CASUALTIES = 1.0, 0.5, 0.25


@dataclass(frozen=True)
class Targets:
    """The observed episode in model terms.

    Attributes:
        channels: State channel indices (in the model) of the directed pairs.
        names: Their names, ``"iran->pakistan"``...
        rungs: (pairs, days) observed ladder indices.
        mediator_channel: Channel index of the mediator (toward the first state), or -1.
        mediator: (days,) observed mediator ladder indices.
        casualty_channel: Channel whose deaths are compared with ``casualty_range``.
        casualty_range: (low, high) deaths.
        position: Ladder index -> position on the states' axis.
        days: Observed days.
    """

    channels: tuple[int, ...]
    names: tuple[str, ...]
    rungs: np.ndarray
    mediator_channel: int
    mediator: np.ndarray
    casualty_channel: int
    casualty_range: tuple[int, int]
    position: np.ndarray
    days: int


def build_targets(model: EscalationModel, t: Timeline) -> Targets:
    """Targets for a model's roster from an episode's timeline."""
    lad = model.ladder
    # Observed rungs no state can take (coding rungs) read as the nearest state rung.
    position = lad.state_position
    chans, names, rows = [], [], []
    for c in dyad_channels(model, t):
        path = t.path(lad, c.actor, c.target, rel.hosted_by(model.graph, c.target))
        chans.append(c.index)
        names.append(f"{c.actor}->{c.target}")
        rows.append([lad.index[r] for r in path])
    meds = [c for c in model.channels if c.kind == "mediator"]
    med_ch = meds[0] if meds else None
    mediator = (
        np.array([lad.index[r] for r in t.path(lad, med_ch.actor, med_ch.target)])
        if med_ch
        else np.full(t.observed_days, lad.rung_of("none"))
    )
    # The answering state: a reported toll and no forced (trigger) event on day 0.
    forced = {ci for ci, _, _ in model.events_by_day.get(0, [])}
    answering = [
        c for c in model.state_channels() if c.index not in forced and t.casualty_range(c.actor)
    ]
    cas_ch = answering[0] if answering else model.state_channels()[-1]
    cas = t.casualty_range(cas_ch.actor) or (0, 0)
    return Targets(
        channels=tuple(chans),
        names=tuple(names),
        rungs=np.array(rows, dtype=np.int64),
        mediator_channel=med_ch.index if med_ch else -1,
        mediator=mediator,
        casualty_channel=cas_ch.index,
        casualty_range=cas,
        position=position,
        days=t.observed_days,
    )


def dyad_channels(model: EscalationModel, t: Timeline) -> list[Any]:
    """The state channels between the episode's victim and adversary (all, without roles).

    Third states of a roster are context: their acts are coded but not fitted.
    """
    dyad = {t.roles.get("victim"), t.roles.get("adversary")}
    chans = model.state_channels()
    if None in dyad:
        return chans
    return [c for c in chans if {c.actor, c.target} == dyad]


def rung_gaps(model: EscalationModel, targets: Targets) -> np.ndarray:
    """(pairs, days, R) absolute position gaps between simulated and observed rungs."""
    sim = model.history[: targets.days, list(targets.channels), :].transpose(1, 0, 2)
    pos = targets.position
    return np.abs(pos[sim.astype(np.int64)] - pos[targets.rungs][:, :, None])


def distances(model: EscalationModel, targets: Targets) -> np.ndarray:
    """Distance of every simulated episode (R,) to the observed one (module docstring)."""
    gaps = rung_gaps(model, targets)[:, 1:, :].sum(axis=(0, 1)).astype(np.float64)
    d = W_RUNG * gaps
    if targets.mediator_channel >= 0:
        med = model.history[1 : targets.days, targets.mediator_channel, :]
        d += W_MEDIATOR * (med != targets.mediator[1:, None]).sum(axis=0)
    deaths = np.zeros(model.n, dtype=np.int64)
    for day, ch, hit, toll in model.death_records():
        if ch == targets.casualty_channel and day < targets.days:
            deaths[hit] += toll
    lo, hi = targets.casualty_range
    d += W_CASUALTIES * ((deaths < lo) | (deaths > hi))
    return d


def fit_flags(model: EscalationModel, targets: Targets) -> tuple[np.ndarray, np.ndarray]:
    """Per episode: exact match of every pair's rung on days 0..3, and within one rung."""
    gaps = rung_gaps(model, targets)
    return np.asarray((gaps == 0).all(axis=(0, 1))), np.asarray((gaps <= 1).all(axis=(0, 1)))

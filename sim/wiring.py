"""Wiring the model: channels, dyads and the static lookups the day's processes read.

Called once while :class:`sim.model.EscalationModel` is built: every actor opens its
channels (kinds in their declared order, which fixes the rows of the action arrays), the
states' channels pair into dyads, and the graph queries that never change during a run are
cached (groups whose attacks count against a state, mediators over each actor).
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from sim import relations as rel

if TYPE_CHECKING:  # annotations only
    from sim.model import EscalationModel


def connect(model: EscalationModel) -> None:
    """Open every actor's channels, pair states' channels into dyads, cache lookups."""
    model.channels = []
    model.dyads = []
    # Kinds' own channels open in their declared order (it fixes the channels' rows),
    # then channels along declared relation types, for every kind alike.
    for a in sorted(model.actors.values(), key=lambda a: a.connect_order):
        a.connect()
    by_pair = {
        (c.actor, c.target): c
        for a in model.actors.values()
        if a.faces_opponents
        for c in a.channels
    }
    for c in sorted(by_pair.values(), key=lambda c: c.index):
        c.reverse = by_pair[(c.target, c.actor)].index
        pair = (c.actor, c.target) if c.actor < c.target else (c.target, c.actor)
        if pair not in model.dyads:
            model.dyads.append(pair)
        c.dyad = model.dyads.index(pair)
    for a in model.actors.values():
        a.connect_declared()
    model._state_channels = [c for c in model.channels if c.dyad >= 0]
    # A kind's own channel comes before one along a relation type it declares toward
    # the same actor: the first is the one events, dyads and mediators mean.
    model._index = {}
    for c in model.channels:
        model._index.setdefault((c.actor, c.target), c)
    model._own = {a.actor_id: {c.index for c in a.channels} for a in model.actors.values()}
    model._dyad_rows = [
        (model._index[(a, b)].index, model._index[(b, a)].index) for a, b in model.dyads
    ]
    # Static graph queries, cached: groups on a channel's target's soil that attack its
    # actor, with the group channel along which they do; mediators over each actor.
    model._hostile = {}
    model._attributed = {}
    for c in model._state_channels:
        pairs = []
        for grp in rel.hostile_groups(model.graph, c.target, c.actor):
            if grp in model.actors:
                group = model.actors[grp]
                pairs += [(group, gc.index) for gc in group.channels if gc.target == c.actor]
        model._hostile[c.index] = pairs
        # Groups whose attacks count against the target: hosted or sponsored by it.
        model._attributed[c.index] = [
            (model.actors[g], gc.index, w)
            for g, w in rel.attributed_groups(model.graph, c.target, c.actor).items()
            if g in model.actors
            for gc in model.actors[g].channels
            if gc.target == c.actor
        ]
    model._mediators = {
        target: [
            (a, w, model._index[(a.actor_id, target)].index)
            for a in model.actors.values()
            for t, w in rel.leverage(model.graph, a.actor_id).items()
            if t == target
        ]
        for target in model.actors
    }

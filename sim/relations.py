"""Relations between actors as a networkx graph.

Static structure lives in the graph: who borders whom, which state's soil hosts
which militant group, which group attacks which state, who holds leverage over
whom, and the initial hostility of each pair of states. Dynamic, per-replicate
weights (hostility over time) live in the model's arrays and are written back
onto a copy of the graph for reports (:func:`with_weights`).
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from typing import Any

import networkx as nx

from sim.errors import ConfigError, suggest
from sim.kinds import kind_family, relation_types


def build_graph(
    actors: Mapping[str, str], relations: Iterable[Mapping[str, Any]]
) -> nx.MultiDiGraph:
    """Build the relations graph.

    Args:
        actors: Actor id -> kind.
        relations: Items with ``source``, ``target``, ``type`` and optional ``weight``
            (and ``hostility`` for border/rivalry edges).

    Returns:
        A MultiDiGraph with one node per actor (attribute ``kind``) and one edge per
        relation (attributes ``type`` and ``weight``); border and rivalry edges are
        added in both directions.

    Raises:
        ConfigError: On unknown actors or relation types, or kinds that do not fit.
    """
    types = relation_types()
    g = nx.MultiDiGraph()
    for actor_id, kind in actors.items():
        g.add_node(actor_id, kind=kind)
    for i, rel in enumerate(relations):
        where = f"relations[{rel.get('id', i)}]"
        rtype = str(rel.get("type", ""))
        if rtype not in types:
            raise ConfigError(
                f"{where}.type: unknown relation type {rtype!r}{suggest(rtype, list(types))}"
            )
        src, dst = str(rel.get("source", "")), str(rel.get("target", ""))
        for end, name in (("source", src), ("target", dst)):
            if name not in actors:
                raise ConfigError(
                    f"{where}.{end}: unknown actor {name!r}{suggest(name, list(actors))}"
                )
        want = types[rtype]
        if want[0] not in kind_family(actors[src]) or want[1] not in kind_family(actors[dst]):
            raise ConfigError(
                f"{where}: a {rtype!r} relation links a {want[0]} to a {want[1]}, "
                f"got {src!r} ({actors[src]}) -> {dst!r} ({actors[dst]})"
            )
        if src == dst:
            raise ConfigError(f"{where}: an actor cannot relate to itself ({src!r})")
        try:
            weight = float(rel.get("weight", 1.0))
            hostility = float(rel.get("hostility", 0.0))
        except (TypeError, ValueError):
            raise ConfigError(f"{where}: weight and hostility must be numbers") from None
        if not 0.0 <= weight <= 1.0:
            raise ConfigError(f"{where}.weight: {weight} outside [0, 1]")
        attrs = {"type": rtype, "weight": weight}
        if rtype in ("border", "rivalry"):
            if not 0.0 <= hostility <= 1.0:
                raise ConfigError(f"{where}.hostility: {hostility} outside [0, 1]")
            attrs["hostility"] = hostility
            g.add_edge(src, dst, **attrs)
            g.add_edge(dst, src, **attrs)
        else:
            g.add_edge(src, dst, **attrs)
    return g


def targets_of(g: nx.MultiDiGraph, node: str, rtype: str) -> list[str]:
    """Actors that ``node`` relates to by relation type ``rtype``, sorted."""
    return sorted({v for _, v, d in g.out_edges(node, data=True) if d["type"] == rtype})


def opponents(g: nx.MultiDiGraph, state: str) -> list[str]:
    """States that ``state`` is in a dyad with (border or rivalry)."""
    return sorted(set(targets_of(g, state, "border")) | set(targets_of(g, state, "rivalry")))


def hosted_by(g: nx.MultiDiGraph, state: str) -> list[str]:
    """Militant groups based on ``state``'s soil."""
    return targets_of(g, state, "hosts")


def host_of(g: nx.MultiDiGraph, group: str) -> str | None:
    """The state whose soil hosts ``group`` (None if it has no base)."""
    hosts = sorted(u for u, _, d in g.in_edges(group, data=True) if d["type"] == "hosts")
    return hosts[0] if hosts else None


def victims_of(g: nx.MultiDiGraph, group: str) -> list[str]:
    """States that ``group`` attacks."""
    return targets_of(g, group, "attacks")


def hostile_groups(g: nx.MultiDiGraph, host: str, victim: str) -> list[str]:
    """Groups based on ``host``'s soil that attack ``victim``."""
    return [grp for grp in hosted_by(g, host) if victim in victims_of(g, grp)]


def sponsored_by(g: nx.MultiDiGraph, state: str) -> list[str]:
    """Militant groups ``state`` sponsors (wherever they are based)."""
    return targets_of(g, state, "sponsors")


def attributed_groups(g: nx.MultiDiGraph, state: str, victim: str) -> dict[str, float]:
    """Groups attacking ``victim`` whose attacks count against ``state``, with the weight.

    A group counts against the state that hosts it and against one that sponsors it; the
    weight is the larger of those edges' weights (1 unless the relation says otherwise).
    """
    out: dict[str, float] = {}
    for _, grp, d in g.out_edges(state, data=True):
        if d["type"] in ("hosts", "sponsors") and victim in victims_of(g, grp):
            out[grp] = max(out.get(grp, 0.0), float(d["weight"]))
    return dict(sorted(out.items()))


def leverage(g: nx.MultiDiGraph, mediator: str) -> dict[str, float]:
    """States a mediator holds leverage over, with the edge weight."""
    return {
        v: float(d["weight"])
        for _, v, d in g.out_edges(mediator, data=True)
        if d["type"] == "leverage"
    }


def initial_hostility(g: nx.MultiDiGraph, a: str, b: str) -> float:
    """Initial hostility of the dyad (a, b): the largest over its border/rivalry edges."""
    data = g.get_edge_data(a, b) or {}
    values = [d.get("hostility", 0.0) for d in data.values() if d["type"] in ("border", "rivalry")]
    return max(values, default=0.0)


def with_weights(g: nx.MultiDiGraph, hostility: Mapping[tuple[str, str], float]) -> nx.MultiDiGraph:
    """A copy of the graph with border/rivalry hostility set from end-of-run values."""
    h = g.copy()
    for (a, b), value in hostility.items():
        for u, v in ((a, b), (b, a)):
            for _, d in (h.get_edge_data(u, v) or {}).items():
                if d["type"] in ("border", "rivalry"):
                    d["hostility"] = float(value)
    return h

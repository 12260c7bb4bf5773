"""The relations network of a run, with end-of-run hostility on the borders."""

from __future__ import annotations

import networkx as nx
import plotly.graph_objects as go

from sim.report.sources import Run


def relations_network(run: Run) -> go.Figure:
    """The actor relations graph; border edges weighted by end-of-run hostility."""
    s = run.summary
    g = nx.MultiDiGraph()
    for e in s.get("relations", []):
        g.add_edge(
            e["source"],
            e["target"],
            **{k: v for k, v in e.items() if k not in ("source", "target")},
        )
    if g.number_of_nodes() == 0:
        return go.Figure()
    hostility = dict(
        zip(
            (tuple(d) for d in s.get("dyads", [])),
            s["metrics"].get("mean_end_hostility", []),
            strict=False,
        )
    )
    layout = nx.spring_layout(nx.Graph(g), seed=7)
    labels = s.get("labels", {})
    fig = go.Figure()
    styles = {
        "border": "#d62728",
        "rivalry": "#d62728",
        "hosts": "#7f7f7f",
        "attacks": "#ff7f0e",
        "leverage": "#2ca02c",
    }
    for rtype, colour in styles.items():
        xs: list[float | None] = []
        ys: list[float | None] = []
        for u, v, d in g.edges(data=True):
            if d.get("type") == rtype:
                xs += [layout[u][0], layout[v][0], None]
                ys += [layout[u][1], layout[v][1], None]
        if xs:
            width = 1.5
            if rtype in ("border", "rivalry") and hostility:
                width = 1.5 + 10 * max(hostility.values())
            fig.add_trace(
                go.Scatter(
                    x=xs,
                    y=ys,
                    mode="lines",
                    name=rtype,
                    line={"color": colour, "width": width},
                    hoverinfo="name",
                )
            )
    hover = []
    for n in g.nodes:
        h = [f"{a}-{b}: {v:.2f}" for (a, b), v in hostility.items() if n in (a, b)]
        hover.append(f"{labels.get(n, n)}" + (f"<br>end hostility {', '.join(h)}" if h else ""))
    fig.add_trace(
        go.Scatter(
            x=[layout[n][0] for n in g.nodes],
            y=[layout[n][1] for n in g.nodes],
            mode="markers+text",
            text=[labels.get(n, n) for n in g.nodes],
            textposition="top center",
            hovertext=hover,
            hoverinfo="text",
            marker={"size": 18, "color": "#1f77b4"},
            name="actors",
            cliponaxis=False,
        )
    )
    # Labels are centred on their node and run up to ~30 characters: pad the axes so that
    # a node at the edge keeps its whole label inside the plot.
    node_x = [float(layout[n][0]) for n in g.nodes]
    node_y = [float(layout[n][1]) for n in g.nodes]
    longest = max(len(str(labels.get(n, n))) for n in g.nodes)
    xpad = (max(node_x) - min(node_x) or 1.0) * min(0.45, 0.05 + 0.012 * longest)
    ypad = (max(node_y) - min(node_y) or 1.0) * 0.12
    fig.update_layout(
        template="plotly_white",
        height=440,
        title=f"Relations ({run.title})",
        xaxis={"visible": False, "range": [min(node_x) - xpad, max(node_x) + xpad]},
        yaxis={"visible": False, "range": [min(node_y) - ypad, max(node_y) + 2 * ypad]},
        margin={"l": 10, "r": 10, "t": 50, "b": 10},
    )
    return fig

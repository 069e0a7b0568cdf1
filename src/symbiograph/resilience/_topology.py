"""Topological measures of the exchange graph, as the resilience literature uses them: degree
and betweenness centrality (Brandes' algorithm on the undirected, unweighted graph), for
nodes (organisations or facilities) and for edges (exchanges). Plain Python over adjacency
sets: park graphs have tens to hundreds of nodes."""

from __future__ import annotations

from collections import deque
from collections.abc import Hashable, Iterable

__all__ = ["betweenness", "degree"]


def _adjacency(edges: Iterable[tuple[Hashable, Hashable]]) -> dict[Hashable, set[Hashable]]:
    adjacency: dict[Hashable, set[Hashable]] = {}
    for a, b in edges:
        adjacency.setdefault(a, set())
        adjacency.setdefault(b, set())
        if a != b:
            adjacency[a].add(b)
            adjacency[b].add(a)
    return adjacency


def degree(edges: Iterable[tuple[Hashable, Hashable]]) -> dict[Hashable, int]:
    """Number of distinct partners of each node of the undirected graph of ``edges``."""
    return {node: len(near) for node, near in _adjacency(edges).items()}


def betweenness(
    edges: Iterable[tuple[Hashable, Hashable]], normalized: bool = True
) -> tuple[dict[Hashable, float], dict[frozenset[Hashable], float]]:
    """Node and edge betweenness centrality of the undirected, unweighted graph of ``edges``
    (Brandes 2001): the share of shortest paths between other pairs through each node (and
    over each edge). Normalised as networkx does: nodes by 2/((n-1)(n-2)), edges by
    2/(n(n-1)) of the pairs counted once. Edge keys are frozensets of their two ends."""
    adjacency = _adjacency(edges)
    nodes = list(adjacency)
    node_score = dict.fromkeys(nodes, 0.0)
    edge_score: dict[frozenset[Hashable], float] = {
        frozenset((a, b)): 0.0 for a in nodes for b in adjacency[a]
    }
    for source in nodes:
        stack: list[Hashable] = []
        preds: dict[Hashable, list[Hashable]] = {v: [] for v in nodes}
        sigma = dict.fromkeys(nodes, 0.0)
        dist = dict.fromkeys(nodes, -1)
        sigma[source], dist[source] = 1.0, 0
        queue = deque([source])
        while queue:
            v = queue.popleft()
            stack.append(v)
            for w in adjacency[v]:
                if dist[w] < 0:
                    dist[w] = dist[v] + 1
                    queue.append(w)
                if dist[w] == dist[v] + 1:
                    sigma[w] += sigma[v]
                    preds[w].append(v)
        delta = dict.fromkeys(nodes, 0.0)
        while stack:
            w = stack.pop()
            for v in preds[w]:
                share = sigma[v] / sigma[w] * (1.0 + delta[w])
                edge_score[frozenset((v, w))] += share
                delta[v] += share
            if w != source:
                node_score[w] += delta[w]
    n = len(nodes)
    # each unordered pair was counted from both of its ends
    node_scale = (1.0 / ((n - 1) * (n - 2)) if n > 2 else 0.0) if normalized else 0.5
    edge_scale = (1.0 / (n * (n - 1)) if n > 1 else 0.0) if normalized else 0.5
    return (
        {v: s * node_scale for v, s in node_score.items()},
        {e: s * edge_scale for e, s in edge_score.items()},
    )

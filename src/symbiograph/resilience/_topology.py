"""Topological measures of the exchange graph, as the resilience literature uses them: degree
and betweenness centrality (Brandes' algorithm on the undirected, unweighted graph), for
nodes (organisations or facilities) and for edges (exchanges), and a diversity-based
resilience index (after Fraccascia, Giannoccaro and Albino 2017). Plain Python over
adjacency sets: park graphs have tens to hundreds of nodes."""

from __future__ import annotations

from collections import deque
from collections.abc import Hashable, Iterable, Mapping
from typing import Any

__all__ = ["betweenness", "degree", "diversity_resilience"]


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


def diversity_resilience(
    exchanges: Iterable[tuple[Hashable, Hashable, Hashable, Hashable]],
    producers: Mapping[Any, Iterable[Any]],
    users: Mapping[Any, Iterable[Any]],
) -> tuple[dict[Hashable, float], dict[Hashable, float]]:
    """Diversity-based resilience of the exchange network to the removal of each node and
    of each exchange, in [0, 1] (1: nothing lost that cannot be replaced; lower is more
    critical).

    Source: Fraccascia, L., Giannoccaro, I., Albino, V. (2017), "Rethinking resilience in
    industrial symbiosis: conceptualization and measurements", Ecological Economics 137,
    148-162. They measure an industrial symbiosis network's resilience as how critical the
    removal of a firm is for the network's survival, from two antecedents: the diversity of
    the firms' partners and the ubiquity of the wastes (how many firms produce and use
    each). The formula here is our reading of that idea on the design's exchanges (written
    from the paper's definitions, not copied from its equations; see docs):

    ``exchanges`` are (giver, taker, resource, key) and E their number. When exchange e =
    (g, t, r) is lost, the partner left behind may find another firm: for the taker, the
    other producers of r, a_t(e) = |producers[r] - {g, t}|; for the giver, the other users,
    a_g(e) = |users[r] - {g, t}|. The share of e that cannot be replaced is
    s(e) = (1/(1 + a_t(e)) + 1/(1 + a_g(e))) / 2 (1 with no alternative on either side,
    1/2 with one on each). Removing node i loses every exchange it takes part in (the
    partner's side of each counts: the removed firm's own loss is not the network's):

        R_i = 1 - (1/E) sum_{e: i gives} 1/(1 + a_t(e)) - (1/E) sum_{e: i takes} 1/(1 + a_g(e))

    and removing exchange e alone gives R_e = 1 - s(e) / E. ``producers`` and ``users``: per
    resource, every node of the network that supplies or demands it (exchanging or not).
    Returns (node -> R_i, exchange key -> R_e); nodes are the givers and takers.
    """
    rows = list(exchanges)
    total = len(rows)
    node_loss: dict[Hashable, float] = {}
    edge_index: dict[Hashable, float] = {}
    made = {r: set(v) for r, v in producers.items()}
    used = {r: set(v) for r, v in users.items()}
    for giver, taker, resource, key in rows:
        node_loss.setdefault(giver, 0.0)
        node_loss.setdefault(taker, 0.0)
        other_makers = len(made.get(resource, set()) - {giver, taker})
        other_users = len(used.get(resource, set()) - {giver, taker})
        to_taker = 1.0 / (1.0 + other_makers)  # the taker's unreplaced input
        to_giver = 1.0 / (1.0 + other_users)  # the giver's unreplaced outlet
        node_loss[giver] += to_taker
        node_loss[taker] += to_giver
        edge_index[key] = 1.0 - (to_taker + to_giver) / 2.0 / total
    nodes = {n: (1.0 - loss / total if total else 1.0) for n, loss in node_loss.items()}
    return nodes, edge_index

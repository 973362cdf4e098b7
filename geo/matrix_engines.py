"""Shortest-path engines over packed integer weights (see `geo.travel_weights`).

Both answer the same two node-level questions; `geo.road_network` turns snapped points into
"options" (a node plus the packed cost of the partial edge between point and node):

- ``rows(src_nodes, src_offsets, targets)``: for each source point (up to two start options),
  the packed cost to every target node -> int64 (n_sources, n_targets).
- ``column(sources, tgt_nodes, tgt_offsets)``: packed cost from every source node to one target
  point (up to two arrival options) -> int64 (n_sources,).

Options are padded to two columns; a missing option has node -1. Unreachable = ENGINE_INFINITY.

`CCHEngine` (RoutingKit customizable contraction hierarchy) is the production engine: Porto's
1000 x 1000 in about 0.3 s. `ScipyDijkstraEngine` is the exact reference and the fallback.
"""

from __future__ import annotations

from typing import Protocol

import numpy as np

from geo.road_graph import RoadGraph
from geo.travel_weights import ENGINE_INFINITY, PackedWeights


class MatrixEngine(Protocol):
    name: str

    def rows(
        self, src_nodes: np.ndarray, src_offsets: np.ndarray, targets: np.ndarray
    ) -> np.ndarray: ...

    def column(
        self, sources: np.ndarray, tgt_nodes: np.ndarray, tgt_offsets: np.ndarray
    ) -> np.ndarray: ...

    def path_edges(
        self, src_nodes: np.ndarray, src_offsets: np.ndarray, tgt_nodes: np.ndarray,
        tgt_offsets: np.ndarray,
    ) -> tuple[int, list[int], int, int]: ...


def compute_cch_order(graph: RoadGraph) -> np.ndarray:
    """Nested-dissection node order (inertial flow on coordinates) for the CCH."""
    import routingkit_cch

    order = routingkit_cch.compute_order_inertial(
        graph.node_count,
        graph.edge_tail.tolist(),
        graph.edge_head.tolist(),
        graph.node_lat_deg.tolist(),
        graph.node_lng_deg.tolist(),
    )
    return np.asarray(order, dtype=np.int32)


def _options(nodes: np.ndarray, offsets: np.ndarray) -> list[tuple[int, int]]:
    return [(int(v), int(o)) for v, o in zip(nodes, offsets) if v >= 0]


class CCHEngine:
    """RoutingKit CCH (package `routingkit-cch`); queries release the GIL."""

    name = "routingkit-cch"

    def __init__(self, graph: RoadGraph, weights: PackedWeights):
        import routingkit_cch

        self._rk = routingkit_cch
        order = graph.cch_order if graph.cch_order.size else compute_cch_order(graph)
        self._cch = routingkit_cch.CCH(
            order.tolist(), graph.edge_tail.tolist(), graph.edge_head.tolist(), False
        )
        self._metric = routingkit_cch.CCHMetric(self._cch, weights.edge_packed.tolist())

    def rows(self, src_nodes, src_offsets, targets) -> np.ndarray:
        # One pinned query object per call: pinning costs well under a millisecond, and callers
        # run calls on several threads (the query releases the GIL).
        query = self._rk.CCHOneToMany(self._metric, [int(t) for t in targets])
        out = np.empty((src_nodes.shape[0], len(targets)), dtype=np.int64)
        for i in range(src_nodes.shape[0]):
            row = query.distances_from_multi(_options(src_nodes[i], src_offsets[i]))
            try:
                out[i] = row
            except TypeError:  # None marks unreachable; the graph is strongly connected, so rare
                out[i] = [ENGINE_INFINITY if d is None else d for d in row]
        return out

    def column(self, sources, tgt_nodes, tgt_offsets) -> np.ndarray:
        query = self._rk.CCHManyToOne(self._metric, [int(s) for s in sources])
        col = query.distances_to_multi(_options(tgt_nodes, tgt_offsets))
        return np.array([ENGINE_INFINITY if d is None else d for d in col], dtype=np.int64)

    def path_edges(self, src_nodes, src_offsets, tgt_nodes, tgt_offsets):
        """(packed cost, edge ids, start node, end node) of the best option pair."""
        result = self._rk.CCHQuery(self._metric).run_multi(
            _options(src_nodes, src_offsets), _options(tgt_nodes, tgt_offsets)
        )
        if result.distance is None:
            return ENGINE_INFINITY, [], -1, -1
        nodes = list(result.node_path)
        return int(result.distance), list(result.arc_path), nodes[0], nodes[-1]


class ScipyDijkstraEngine:
    """`scipy.sparse.csgraph.dijkstra` from each distinct option node; exact (packed values
    stay far below 2**53). Slow on big graphs: the reference and the fallback."""

    name = "scipy-dijkstra"

    def __init__(self, graph: RoadGraph, weights: PackedWeights):
        from scipy.sparse import csr_matrix

        n = graph.node_count
        # Edges are unique per (tail, head) and weigh >= 1, so neither of csgraph's pitfalls
        # (summed duplicates, vanishing zeros) applies.
        self._adj = csr_matrix(
            (weights.edge_packed.astype(np.float64), (graph.edge_tail, graph.edge_head)),
            shape=(n, n),
        )
        self._adj_t = self._adj.T.tocsr()
        self._edge_of = {(int(u), int(v)): e for e, (u, v) in enumerate(zip(graph.edge_tail, graph.edge_head))}

    @staticmethod
    def _dijkstra(adj, starts: np.ndarray, **kw):
        from scipy.sparse.csgraph import dijkstra

        return dijkstra(adj, directed=True, indices=starts, **kw)

    def rows(self, src_nodes, src_offsets, targets) -> np.ndarray:
        starts, inverse = np.unique(src_nodes[src_nodes >= 0], return_inverse=True)
        dist = self._dijkstra(self._adj, starts)[:, targets]
        dist = np.where(np.isfinite(dist), dist, ENGINE_INFINITY).astype(np.int64)
        slot = np.full(src_nodes.shape, -1, dtype=np.int64)
        slot[src_nodes >= 0] = inverse
        out = np.full((src_nodes.shape[0], len(targets)), np.iinfo(np.int64).max, dtype=np.int64)
        for k in range(src_nodes.shape[1]):
            has = slot[:, k] >= 0
            out[has] = np.minimum(out[has], dist[slot[has, k]] + src_offsets[has, k, None])
        return out

    def column(self, sources, tgt_nodes, tgt_offsets) -> np.ndarray:
        keep = tgt_nodes >= 0
        dist = self._dijkstra(self._adj_t, tgt_nodes[keep])[:, sources]
        dist = np.where(np.isfinite(dist), dist, ENGINE_INFINITY).astype(np.int64)
        return (dist + tgt_offsets[keep, None]).min(axis=0)

    def path_edges(self, src_nodes, src_offsets, tgt_nodes, tgt_offsets):
        best = (ENGINE_INFINITY, -1, -1, None)
        for s, so in zip(src_nodes, src_offsets):
            if s < 0:
                continue
            dist, pred = self._dijkstra(self._adj, np.array([s]), return_predecessors=True)
            for t, to in zip(tgt_nodes, tgt_offsets):
                if t >= 0 and np.isfinite(dist[0, t]) and so + dist[0, t] + to < best[0]:
                    best = (int(so + dist[0, t] + to), int(s), int(t), pred[0])
        cost, s, t, pred = best
        if pred is None:
            return ENGINE_INFINITY, [], -1, -1
        nodes = [t]
        while nodes[-1] != s:
            nodes.append(int(pred[nodes[-1]]))
        nodes.reverse()
        edges = [self._edge_of[(a, b)] for a, b in zip(nodes[:-1], nodes[1:])]
        return cost, edges, s, t


ENGINES = {"cch": CCHEngine, "scipy": ScipyDijkstraEngine}

"""Integer edge weights that carry time *and* the distance of the time-shortest path.

Contraction-hierarchy engines return one number per pair, but we need the distance along the
fastest path (not the shortest-distance path). So each edge weighs
``packed = time_units * radix + length_m``: the minimum packed sum is the minimum time, ties
broken by distance, and ``packed // radix`` / ``packed % radix`` give both back — exact as long
as the distance of every fastest path stays below ``radix``.

RoutingKit weights are 32-bit (infinity = 2**31 - 1), so ``radix`` and the time unit are chosen
per map from a proven bound: through any node c, T(s, t) <= T(s, c) + T(c, t), and a path's
length is at most its time times the largest length/time ratio of any edge. The finest time unit
(0.1 s up to 5 s) and distance unit (1, 2 or 5 m) whose bound fits are taken; scipy's float64 would allow more, but one packing
for all engines keeps them exactly comparable.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from geo.road_graph import RoadGraph

ENGINE_INFINITY = 2**31 - 1  # RoutingKit's inf_weight
# Finest first. Time precision matters more than distance precision (rounding errors per edge
# largely cancel along a path), so every distance unit is tried before a coarser time unit.
TIME_UNIT_CANDIDATES_S = (0.1, 0.2, 0.25, 0.5, 1.0, 2.0, 5.0)
DISTANCE_UNIT_CANDIDATES_M = (1.0, 2.0, 5.0)


@dataclass(frozen=True)
class PackedWeights:
    time_unit_s: float
    distance_unit_m: float
    radix: int  # a power of two > any fastest-path length in distance units
    edge_time_units: np.ndarray  # int64 (m,), >= 1 (zero weights vanish in scipy.csgraph)
    edge_length_units: np.ndarray  # int64 (m,), >= 0
    edge_packed: np.ndarray  # int64 (m,)

    def pack_partial(self, edge: np.ndarray, fraction: np.ndarray) -> np.ndarray:
        """Packed weight of the first ``fraction`` (0..1) of each edge."""
        t = np.rint(fraction * self.edge_time_units[edge]).astype(np.int64)
        d = np.rint(fraction * self.edge_length_units[edge]).astype(np.int64)
        return t * self.radix + d

    def unpack(self, packed: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        """(duration_s, distance_m) as int64, rounded to whole seconds and metres."""
        packed = np.asarray(packed, dtype=np.int64)
        shift = self.radix.bit_length() - 1  # radix is a power of two: shift and mask, not divide
        time_units = packed >> shift
        length_units = packed & (self.radix - 1)
        duration_s = time_units if self.time_unit_s == 1.0 else np.rint(time_units * self.time_unit_s).astype(np.int64)
        distance_m = length_units if self.distance_unit_m == 1.0 else np.rint(length_units * self.distance_unit_m).astype(np.int64)
        return duration_s, distance_m


def _integer_weights(
    graph: RoadGraph, time_unit_s: float, distance_unit_m: float
) -> tuple[np.ndarray, np.ndarray]:
    time_units = np.maximum(1, np.rint(graph.edge_time_s / time_unit_s)).astype(np.int64)
    length_units = np.rint(graph.edge_length_m / distance_unit_m).astype(np.int64)
    return time_units, length_units


def _eccentricity_bound_units(graph: RoadGraph, time_units: np.ndarray) -> int:
    """Upper bound of any shortest travel time, via the node nearest the map's centre."""
    from scipy.sparse import csr_matrix
    from scipy.sparse.csgraph import dijkstra

    n = graph.node_count
    adj = csr_matrix(
        (time_units.astype(np.float64), (graph.edge_tail, graph.edge_head)), shape=(n, n)
    )
    lat0 = (graph.node_lat_deg.min() + graph.node_lat_deg.max()) / 2
    lng0 = (graph.node_lng_deg.min() + graph.node_lng_deg.max()) / 2
    centre = int(np.argmin((graph.node_lat_deg - lat0) ** 2 + (graph.node_lng_deg - lng0) ** 2))
    out = dijkstra(adj, indices=centre)
    back = dijkstra(adj.T.tocsr(), indices=centre)
    finite_out, finite_back = out[np.isfinite(out)], back[np.isfinite(back)]
    return int(np.ceil(finite_out.max() + finite_back.max()))


def choose_packing(graph: RoadGraph) -> tuple[float, float, int]:
    """(time_unit_s, distance_unit_m, radix); raises ValueError when the map is too large."""
    for unit_s in TIME_UNIT_CANDIDATES_S:
        time_units, _ = _integer_weights(graph, unit_s, 1.0)
        # Partial edges at both ends of a leg add at most one edge each.
        max_time_units = _eccentricity_bound_units(graph, time_units) + 2 * int(time_units.max())
        for unit_m in DISTANCE_UNIT_CANDIDATES_M:
            _, length_units = _integer_weights(graph, unit_s, unit_m)
            ratio = float(np.max(length_units / time_units))  # length per time unit, worst edge
            max_length = int(np.ceil(ratio * max_time_units)) + 2 * int(length_units.max()) + 1
            radix = 1 << int(max_length).bit_length()
            if (max_time_units + 1) * radix < ENGINE_INFINITY:
                return unit_s, unit_m, radix
    raise ValueError("map too large for 32-bit packed weights: split it into regions")


def packed_weights(graph: RoadGraph) -> PackedWeights:
    """The packing stored in the artifact at build time, or computed now (about 0.1 s)."""
    packing = graph.meta.get("packing")
    if packing is None:
        unit_s, unit_m, radix = choose_packing(graph)
    else:
        unit_s, unit_m, radix = packing["time_unit_s"], packing["distance_unit_m"], packing["radix"]
    time_units, length_units = _integer_weights(graph, float(unit_s), float(unit_m))
    return PackedWeights(
        time_unit_s=float(unit_s),
        distance_unit_m=float(unit_m),
        radix=int(radix),
        edge_time_units=time_units,
        edge_length_units=length_units,
        edge_packed=time_units * int(radix) + length_units,
    )

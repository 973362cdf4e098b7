"""Travel on the OSM road network: load a map artifact, snap points, compute matrices and legs.

Imports numpy, scipy and the matrix engine only; never osmnx/geopandas/shapely.

A snapped point sits mid-edge. On edge e = (u -> v) at fraction f (by length), with the same
street's reverse edge r = (v -> u) when it is two-way:
- leaving the point: to v costing (1 - f) of e, or (two-way) to u costing f of r;
- reaching the point: from u costing f of e, or (two-way) from v costing (1 - f) of r;
- two points on the same street may also drive straight along it, without any node.
"""

from __future__ import annotations

import os
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from pathlib import Path
from typing import cast

import numpy as np

from geo.matrix_engines import ENGINES, MatrixEngine
from geo.polyline import encode_polyline, geojson_linestring
from geo.projection import LocalProjection
from geo.provider import TravelResult
from geo.road_graph import RoadGraph
from geo.snapping import SegmentIndex, Snaps
from geo.travel_weights import ENGINE_INFINITY, PackedWeights, packed_weights

DEFAULT_MAX_SNAP_DISTANCE_M = 500.0
_NO_PATH = np.int64(1) << 50  # far above any packed cost, far below int64 overflow when summed
_AT_NODE_M = 1.0  # a snapped point this close to an edge's end counts as on the node
_ROW_CHUNK = 256  # source rows per engine call: bounds memory to a few chunk x targets int64
_WORKERS = max(1, min(4, os.cpu_count() or 1))


class UnroutablePointError(ValueError):
    """A point lies farther from any road than the allowed snap distance."""


@dataclass(frozen=True)
class PointOptions:
    """How each snapped point joins the graph (see the module docstring); -1 = no option."""

    src_nodes: np.ndarray  # int64 (n, 2)
    src_offsets: np.ndarray  # int64 (n, 2), packed
    tgt_nodes: np.ndarray  # int64 (n, 2)
    tgt_offsets: np.ndarray  # int64 (n, 2), packed
    street: np.ndarray  # int64 (n,): canonical edge of the street (same for both directions)
    street_fraction: np.ndarray  # float64 (n,): position along `street`


@dataclass(frozen=True)
class Route:
    duration_s: int
    distance_m: int
    lat_deg: np.ndarray
    lng_deg: np.ndarray

    def encoded_polyline(self, precision: int = 5) -> str:
        return encode_polyline(self.lat_deg, self.lng_deg, precision)

    def geojson(self) -> dict:
        return geojson_linestring(self.lat_deg, self.lng_deg)


class RoadNetwork:
    """A loaded road graph plus its (lazily built) spatial index and matrix engine."""

    def __init__(self, graph: RoadGraph, engine: str = "cch") -> None:
        if engine not in ENGINES:
            raise ValueError(f"unknown engine {engine!r}; choose from {sorted(ENGINES)}")
        self.graph = graph
        self.engine_name = engine
        self.weights: PackedWeights = packed_weights(graph)
        self.projection = LocalProjection.centred_on(graph.node_lat_deg, graph.node_lng_deg)
        self._index: SegmentIndex | None = None
        self._engine: MatrixEngine | None = None

    @classmethod
    def load(cls, path: str | Path, engine: str = "cch") -> RoadNetwork:
        return cls(RoadGraph.load(path), engine=engine)

    def prepare(self) -> RoadNetwork:
        """Build the spatial index and the engine now rather than on the first request."""
        _ = self.index, self.engine  # properties that build on first access
        return self

    @property
    def index(self) -> SegmentIndex:
        if self._index is None:
            self._index = SegmentIndex(self.graph, self.projection)
        return self._index

    @property
    def engine(self) -> MatrixEngine:
        if self._engine is None:
            self._engine = cast(MatrixEngine, ENGINES[self.engine_name](self.graph, self.weights))
        return self._engine

    # -- snapping -----------------------------------------------------------------------------

    def snap(self, lat_deg: np.ndarray, lng_deg: np.ndarray) -> Snaps:
        return self.index.snap(np.asarray(lat_deg, float), np.asarray(lng_deg, float))

    def _snap_routable(
        self, lat_deg, lng_deg, max_snap_distance_m: float
    ) -> tuple[Snaps | None, np.ndarray, np.ndarray]:
        """(snaps of the finite points, snap distance for all, unroutable mask for all)."""
        lat = np.atleast_1d(np.asarray(lat_deg, dtype=np.float64))
        lng = np.atleast_1d(np.asarray(lng_deg, dtype=np.float64))
        if lat.shape != lng.shape or lat.ndim != 1:
            raise ValueError(f"lat and lng must be 1-d of equal length, got {lat.shape}, {lng.shape}")
        finite = np.isfinite(lat) & np.isfinite(lng) & (np.abs(lat) <= 90) & (np.abs(lng) <= 180)
        snap_distance_m = np.full(lat.shape, np.inf)
        snaps = None
        if finite.any():
            snaps = self.snap(lat[finite], lng[finite])
            snap_distance_m[finite] = snaps.snap_distance_m
        unroutable = ~(snap_distance_m <= max_snap_distance_m)
        return snaps, snap_distance_m, unroutable

    def point_options(self, snaps: Snaps) -> PointOptions:
        g, w = self.graph, self.weights
        e, f = snaps.edge, snaps.fraction
        r = g.edge_reverse[e].astype(np.int64)
        two_way = r >= 0
        r_safe = np.where(two_way, r, 0)
        none = np.int64(-1)
        # A point snapped onto a node (typically a one-way edge's end) can also leave from or
        # arrive at that node directly; a one-way edge has a free second slot for it.
        length_m = g.edge_length_m[e]
        at_tail = ~two_way & (f * length_m <= _AT_NODE_M)
        at_head = ~two_way & ((1.0 - f) * length_m <= _AT_NODE_M)
        src_second = np.where(two_way | at_tail, g.edge_tail[e], none)
        tgt_second = np.where(two_way | at_head, g.edge_head[e], none)
        src_nodes = np.column_stack([g.edge_head[e], src_second])
        tgt_nodes = np.column_stack([g.edge_tail[e], tgt_second])
        src_off = np.column_stack(
            [
                w.pack_partial(e, 1.0 - f),
                np.where(two_way, w.pack_partial(r_safe, f), np.where(at_tail, 0, _NO_PATH)),
            ]
        )
        tgt_off = np.column_stack(
            [
                w.pack_partial(e, f),
                np.where(two_way, w.pack_partial(r_safe, 1.0 - f), np.where(at_head, 0, _NO_PATH)),
            ]
        )
        use_e = ~two_way | (e < r)
        return PointOptions(
            src_nodes=src_nodes.astype(np.int64),
            src_offsets=src_off.astype(np.int64),
            tgt_nodes=tgt_nodes.astype(np.int64),
            tgt_offsets=tgt_off.astype(np.int64),
            street=np.where(use_e, e, r),
            street_fraction=np.where(use_e, f, 1.0 - f),
        )

    # -- matrices -----------------------------------------------------------------------------

    def _direct_same_street(self, opts: PointOptions, i: np.ndarray, j: np.ndarray) -> np.ndarray:
        """Packed cost of driving straight along the shared street from points i to j."""
        street = opts.street[i]
        delta = opts.street_fraction[j] - opts.street_fraction[i]
        rev = self.graph.edge_reverse[street].astype(np.int64)
        forward = self.weights.pack_partial(street, np.clip(delta, 0.0, 1.0))
        backward = self.weights.pack_partial(np.maximum(rev, 0), np.clip(-delta, 0.0, 1.0))
        return np.where(delta >= 0, forward, np.where(rev >= 0, backward, _NO_PATH))

    def _packed_block(
        self, opts: PointOptions, rows: np.ndarray, targets: np.ndarray, tgt_slot: np.ndarray
    ) -> np.ndarray:
        """Packed costs from points `rows` to every point (columns in opts order)."""
        node_costs = self.engine.rows(opts.src_nodes[rows], opts.src_offsets[rows], targets)
        node_costs = np.where(node_costs >= ENGINE_INFINITY, _NO_PATH, node_costs)
        out = None
        for k in range(2):
            has = tgt_slot[:, k] >= 0
            cost = node_costs[:, np.maximum(tgt_slot[:, k], 0)] + opts.tgt_offsets[None, :, k]
            cost = np.where(has[None, :], cost, _NO_PATH)
            out = cost if out is None else np.minimum(out, cost)
        assert out is not None  # every point has at least one target slot
        return out

    def _apply_same_street(self, packed: np.ndarray, opts: PointOptions, row_ids: np.ndarray) -> None:
        """Lower packed[a, b] where rows' points a and column points b share a street."""
        col_by_street: dict[int, list[int]] = {}
        for idx, s in enumerate(opts.street.tolist()):
            col_by_street.setdefault(s, []).append(idx)
        for a, i in enumerate(row_ids.tolist()):
            cols = col_by_street[int(opts.street[i])]
            if len(cols) < 2:
                continue
            j = np.asarray(cols)
            direct = self._direct_same_street(opts, np.full(j.size, i), j)
            packed[a, j] = np.minimum(packed[a, j], direct)

    def _target_slots(self, opts: PointOptions) -> tuple[np.ndarray, np.ndarray]:
        valid = opts.tgt_nodes >= 0
        targets, inverse = np.unique(opts.tgt_nodes[valid], return_inverse=True)
        slot = np.full(opts.tgt_nodes.shape, -1, dtype=np.int64)
        slot[valid] = inverse
        return targets, slot

    def matrices(
        self, lat_deg, lng_deg, max_snap_distance_m: float = DEFAULT_MAX_SNAP_DISTANCE_M
    ) -> TravelResult:
        """Travel time (s) and distance (m) of the fastest path between every ordered pair."""
        snaps, snap_distance_m, unroutable = self._snap_routable(lat_deg, lng_deg, max_snap_distance_m)
        finite = np.isfinite(snap_distance_m)
        valid = ~unroutable
        nv = int(valid.sum())
        duration_v = np.zeros((nv, nv), dtype=np.int64)
        distance_v = np.zeros((nv, nv), dtype=np.int64)
        reachable = np.ones(nv, dtype=bool)
        if nv:
            assert snaps is not None  # valid points are finite, and finite points were snapped
            opts = self.point_options(_take(snaps, valid[finite]))  # snaps cover finite points
            targets, slot = self._target_slots(opts)

            def fill(start: int) -> None:
                rows = np.arange(start, min(nv, start + _ROW_CHUNK))
                block = self._packed_block(opts, rows, targets, slot)
                self._apply_same_street(block, opts, rows)
                block[np.arange(rows.size), rows] = 0
                bad = block >= _NO_PATH
                if bad.any():  # not expected on a strongly connected map; never an exception
                    reachable[rows[bad.any(axis=1)]] = False
                    reachable[np.flatnonzero(bad.any(axis=0))] = False
                    block[bad] = 0
                duration_v[rows], distance_v[rows] = self.weights.unpack(block)

            # The engine releases the GIL: one worker per core, each on its own row chunks.
            starts = range(0, nv, _ROW_CHUNK)
            if nv <= _ROW_CHUNK or _WORKERS == 1:
                for start in starts:
                    fill(start)
            else:
                with ThreadPoolExecutor(_WORKERS) as pool:
                    list(pool.map(fill, starts))
            if not reachable.all():
                unroutable = unroutable.copy()
                unroutable[np.flatnonzero(valid)[~reachable]] = True
        snap_out = np.where(finite, snap_distance_m, np.nan)
        if nv == valid.size and reachable.all():
            return TravelResult(duration_v, distance_v, snap_out, unroutable)
        n = valid.size
        duration_s = np.zeros((n, n), dtype=np.int64)
        distance_m = np.zeros((n, n), dtype=np.int64)
        ok = np.flatnonzero(~unroutable)
        pos = np.flatnonzero(reachable)  # routable points among the valid ones
        duration_s[np.ix_(ok, ok)] = duration_v[np.ix_(pos, pos)]
        distance_m[np.ix_(ok, ok)] = distance_v[np.ix_(pos, pos)]
        return TravelResult(duration_s, distance_m, snap_out, unroutable)

    def rectangle(
        self, lat_deg, lng_deg, n_origins: int, max_snap_distance_m: float = DEFAULT_MAX_SNAP_DISTANCE_M
    ) -> TravelResult:
        """Travel from the first ``n_origins`` points to the others only: ``duration_s`` and
        ``distance_m`` are (origins, destinations); ``snap_distance_m`` and ``unroutable`` cover
        every point. Memory and engine work grow with origins x points, not points²."""
        snaps, snap_distance_m, unroutable = self._snap_routable(lat_deg, lng_deg, max_snap_distance_m)
        finite = np.isfinite(snap_distance_m)
        valid = ~unroutable
        n = valid.size
        n_dest = n - n_origins
        duration = np.zeros((n_origins, n_dest), dtype=np.int64)
        distance = np.zeros((n_origins, n_dest), dtype=np.int64)
        valid_index = np.flatnonzero(valid)  # point -> position among the valid points
        position = np.full(n, -1, dtype=np.int64)
        position[valid_index] = np.arange(valid_index.size)
        origins = np.flatnonzero(valid[:n_origins])
        dests = n_origins + np.flatnonzero(valid[n_origins:])
        unroutable = unroutable.copy()
        if origins.size and dests.size:
            assert snaps is not None  # valid points are finite, and finite points were snapped
            opts = self.point_options(_take(snaps, valid[finite]))
            targets, slot = self._target_slots(opts)
            columns = position[dests]

            def fill(start: int) -> None:
                rows = position[origins[start:start + _ROW_CHUNK]]
                block = self._packed_block(opts, rows, targets, slot)
                self._apply_same_street(block, opts, rows)
                block = block[:, columns]
                bad = block >= _NO_PATH
                if bad.any():  # not expected on a strongly connected map; never an exception
                    unroutable[origins[start:start + _ROW_CHUNK][bad.any(axis=1)]] = True
                    unroutable[dests[bad.any(axis=0)]] = True
                    block[bad] = 0
                d, m = self.weights.unpack(block)
                duration[np.ix_(origins[start:start + _ROW_CHUNK], dests - n_origins)] = d
                distance[np.ix_(origins[start:start + _ROW_CHUNK], dests - n_origins)] = m

            for start in range(0, origins.size, _ROW_CHUNK):
                fill(start)
        snap_out = np.where(finite, snap_distance_m, np.nan)
        return TravelResult(duration, distance, snap_out, unroutable)

    def extend_matrix(
        self, prev: TravelResult, prev_lat_deg, prev_lng_deg, new_lat_deg: float,
        new_lng_deg: float, max_snap_distance_m: float = DEFAULT_MAX_SNAP_DISTANCE_M,
    ) -> TravelResult:
        """`prev` (for the prev points) plus one new point as the last row and column; one
        engine row and one engine column instead of the whole matrix."""
        lat = np.append(np.asarray(prev_lat_deg, dtype=np.float64), float(new_lat_deg))
        lng = np.append(np.asarray(prev_lng_deg, dtype=np.float64), float(new_lng_deg))
        n = lat.size - 1
        if prev.duration_s.shape != (n, n):
            raise ValueError(f"prev is {prev.duration_s.shape}, expected ({n}, {n})")
        new_snaps, new_snap_m, new_unroutable = self._snap_routable(
            lat[n:], lng[n:], max_snap_distance_m
        )
        duration_s = np.zeros((n + 1, n + 1), dtype=np.int64)
        distance_m = np.zeros((n + 1, n + 1), dtype=np.int64)
        duration_s[:n, :n] = prev.duration_s
        distance_m[:n, :n] = prev.distance_m
        unroutable = np.append(prev.unroutable, new_unroutable)
        snap_distance_m = np.append(prev.snap_distance_m, np.where(np.isfinite(new_snap_m), new_snap_m, np.nan))
        if not new_unroutable[0]:
            valid = ~unroutable
            idx = np.flatnonzero(valid)  # the new point is idx[-1]
            snaps, _, _ = self._snap_routable(lat[idx], lng[idx], np.inf)
            assert snaps is not None  # ``idx`` holds routable (so finite) points only
            opts = self.point_options(snaps)
            targets, slot = self._target_slots(opts)
            last = np.array([idx.size - 1])
            row = self._packed_block(opts, last, targets, slot)
            self._apply_same_street(row, opts, last)
            col = self._packed_column(opts)
            if np.any(row >= _NO_PATH) or np.any(col >= _NO_PATH):
                unroutable[n] = True
            else:
                row_t, row_d = self.weights.unpack(row[0])
                col_t, col_d = self.weights.unpack(col)
                duration_s[n, idx], distance_m[n, idx] = row_t, row_d
                duration_s[idx, n], distance_m[idx, n] = col_t, col_d
                duration_s[n, n] = distance_m[n, n] = 0
        return TravelResult(duration_s, distance_m, snap_distance_m, unroutable)

    def _packed_column(self, opts: PointOptions) -> np.ndarray:
        """Packed costs from every point to the last one."""
        valid = opts.src_nodes >= 0
        sources, inverse = np.unique(opts.src_nodes[valid], return_inverse=True)
        slot = np.full(opts.src_nodes.shape, -1, dtype=np.int64)
        slot[valid] = inverse
        node_costs = self.engine.column(sources, opts.tgt_nodes[-1], opts.tgt_offsets[-1])
        node_costs = np.where(node_costs >= ENGINE_INFINITY, _NO_PATH, node_costs)
        col = np.full(opts.src_nodes.shape[0], _NO_PATH, dtype=np.int64)
        for k in range(2):
            has = slot[:, k] >= 0
            col[has] = np.minimum(col[has], node_costs[slot[has, k]] + opts.src_offsets[has, k])
        last = opts.street.size - 1
        same = np.flatnonzero(opts.street == opts.street[last])
        if same.size:
            direct = self._direct_same_street(opts, same, np.full(same.size, last))
            col[same] = np.minimum(col[same], direct)
        return col

    # -- route geometry -------------------------------------------------------------------------

    def route(
        self, from_lat_deg: float, from_lng_deg: float, to_lat_deg: float, to_lng_deg: float,
        max_snap_distance_m: float = DEFAULT_MAX_SNAP_DISTANCE_M,
    ) -> Route:
        """The fastest leg between two points with its geometry along the roads."""
        lat = np.array([from_lat_deg, to_lat_deg], dtype=np.float64)
        lng = np.array([from_lng_deg, to_lng_deg], dtype=np.float64)
        snaps, _, unroutable = self._snap_routable(lat, lng, max_snap_distance_m)
        if unroutable.any():
            raise UnroutablePointError(f"points {np.flatnonzero(unroutable).tolist()} are off the road network")
        assert snaps is not None  # both points are routable, so both were snapped
        opts = self.point_options(snaps)
        g, idx = self.graph, self.index
        cost, edges, start, end = self.engine.path_edges(
            opts.src_nodes[0], opts.src_offsets[0], opts.tgt_nodes[1], opts.tgt_offsets[1]
        )
        pieces: list[tuple[np.ndarray, np.ndarray]] = []
        e0, f0, e1, f1 = int(snaps.edge[0]), float(snaps.fraction[0]), int(snaps.edge[1]), float(snaps.fraction[1])
        direct = np.int64(_NO_PATH)
        if opts.street[0] == opts.street[1]:
            direct = self._direct_same_street(opts, np.array([0]), np.array([1]))[0]
        if direct <= cost:
            cost = int(direct)
            street, a, b = int(opts.street[0]), float(opts.street_fraction[0]), float(opts.street_fraction[1])
            if a <= b:
                pieces.append(idx.edge_sub_polyline_xy(street, a, b))
            else:
                pieces.append(idx.edge_sub_polyline_xy(int(g.edge_reverse[street]), 1 - a, 1 - b))
        else:
            if start == g.edge_head[e0]:
                pieces.append(idx.edge_sub_polyline_xy(e0, f0, 1.0))
            else:
                pieces.append(idx.edge_sub_polyline_xy(int(g.edge_reverse[e0]), 1.0 - f0, 1.0))
            pieces.extend(idx.edge_sub_polyline_xy(int(e), 0.0, 1.0) for e in edges)
            if end == g.edge_tail[e1]:
                pieces.append(idx.edge_sub_polyline_xy(e1, 0.0, f1))
            else:
                pieces.append(idx.edge_sub_polyline_xy(int(g.edge_reverse[e1]), 0.0, 1.0 - f1))
        x = np.concatenate([p[0] for p in pieces])
        y = np.concatenate([p[1] for p in pieces])
        keep = np.concatenate([[True], (np.diff(x) != 0) | (np.diff(y) != 0)])
        route_lat, route_lng = self.projection.to_lat_lng_deg(x[keep], y[keep])
        duration_s, distance_m = self.weights.unpack(np.array([cost]))
        return Route(int(duration_s[0]), int(distance_m[0]), np.asarray(route_lat), np.asarray(route_lng))


def _take(snaps: Snaps, mask: np.ndarray) -> Snaps:
    return Snaps(*(getattr(snaps, f)[mask] for f in Snaps.__dataclass_fields__))


class RoadNetworkProvider:
    """`TravelProvider` over a road network; points too far from any road come back
    `unroutable` (their rows and columns are 0), never as an exception."""

    def __init__(
        self, network: RoadNetwork, max_snap_distance_m: float = DEFAULT_MAX_SNAP_DISTANCE_M
    ) -> None:
        if not max_snap_distance_m > 0:
            raise ValueError(f"max_snap_distance_m must be positive, got {max_snap_distance_m}")
        self.network = network
        self.max_snap_distance_m = float(max_snap_distance_m)

    def matrices(self, lat_deg: np.ndarray, lng_deg: np.ndarray) -> TravelResult:
        return self.network.matrices(lat_deg, lng_deg, self.max_snap_distance_m)

    def rectangle(self, lat_deg: np.ndarray, lng_deg: np.ndarray, n_origins: int) -> TravelResult:
        return self.network.rectangle(lat_deg, lng_deg, n_origins, self.max_snap_distance_m)

    def extend_matrix(
        self, prev: TravelResult, prev_lat_deg, prev_lng_deg, new_lat_deg: float, new_lng_deg: float
    ) -> TravelResult:
        return self.network.extend_matrix(
            prev, prev_lat_deg, prev_lng_deg, new_lat_deg, new_lng_deg, self.max_snap_distance_m
        )

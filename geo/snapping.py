"""Snapping points onto the nearest road segment, with a cached KD-tree on projected pieces.

Every street is indexed once (a two-way street's two directed edges share one geometry); the
router then considers both directions. Segments are cut into pieces of at most
`MAX_PIECE_M`, so the nearest piece midpoints bound the true nearest segment: a piece whose
midpoint is r away lies at least r - MAX_PIECE_M / 2 away. Rows where that bound does not
settle the answer are re-checked against every piece within reach.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from geo.projection import LocalProjection
from geo.road_graph import RoadGraph

MAX_PIECE_M = 30.0
CANDIDATES = 12


@dataclass(frozen=True)
class Snaps:
    """Where each point meets the network (arrays of length n)."""

    edge: np.ndarray  # int64: directed edge the point lies on (either direction of a street)
    fraction: np.ndarray  # float64 in [0, 1]: position along `edge` from its tail, by length
    snap_distance_m: np.ndarray  # float64: point to road, metres
    lat_deg: np.ndarray  # float64: the snapped position
    lng_deg: np.ndarray


def _point_segment(px, py, ax, ay, bx, by) -> tuple[np.ndarray, np.ndarray]:
    """(distance, t in [0, 1]) from points to segments, broadcasting."""
    dx, dy = bx - ax, by - ay
    len2 = dx * dx + dy * dy
    t = np.where(len2 > 0, ((px - ax) * dx + (py - ay) * dy) / np.where(len2 > 0, len2, 1.0), 0.0)
    t = np.clip(t, 0.0, 1.0)
    return np.hypot(px - (ax + t * dx), py - (ay + t * dy)), t


class SegmentIndex:
    def __init__(self, graph: RoadGraph, projection: LocalProjection):
        from scipy.spatial import cKDTree

        self.projection = projection
        gx, gy = projection.to_xy_m(graph.geom_lat_deg, graph.geom_lng_deg)
        m = graph.edge_count
        # One directed edge per street: one-way edges, and the lower id of each two-way pair.
        rev = graph.edge_reverse
        indexed = np.flatnonzero((rev < 0) | (np.arange(m) < rev))
        counts = np.diff(graph.geom_offsets)
        seg_edge_all = np.repeat(np.arange(m), counts - 1)
        # Segment k of edge e runs from point offsets[e] + k to the next one.
        is_start = np.ones(gx.size, dtype=bool)
        is_start[graph.geom_offsets[1:] - 1] = False  # an edge's last point starts no segment
        starts = np.flatnonzero(is_start)
        seg_len = np.hypot(gx[starts + 1] - gx[starts], gy[starts + 1] - gy[starts])
        # Cumulative projected length along each edge, for fractions.
        seg_cum = np.cumsum(seg_len)
        edge_first_seg = np.concatenate([[0], np.cumsum(counts - 1)])
        base = np.concatenate([[0.0], seg_cum])[edge_first_seg[:-1]]
        seg_start_along = np.concatenate([[0.0], seg_cum[:-1]]) - base[seg_edge_all]
        self.edge_length_proj_m = np.concatenate([[0.0], seg_cum])[edge_first_seg[1:]] - base
        self._geom_x, self._geom_y = gx, gy
        self._geom_offsets = graph.geom_offsets

        keep = np.isin(seg_edge_all, indexed)
        starts, seg_len = starts[keep], seg_len[keep]
        seg_edge, seg_start_along = seg_edge_all[keep], seg_start_along[keep]
        pieces = np.maximum(1, np.ceil(seg_len / MAX_PIECE_M)).astype(np.int64)
        seg_of_piece = np.repeat(np.arange(starts.size), pieces)
        k = np.arange(seg_of_piece.size) - np.repeat(np.cumsum(pieces) - pieces, pieces)
        t0 = k / pieces[seg_of_piece]
        t1 = (k + 1) / pieces[seg_of_piece]
        a, b = starts[seg_of_piece], starts[seg_of_piece] + 1
        ax = gx[a] + t0 * (gx[b] - gx[a])
        ay = gy[a] + t0 * (gy[b] - gy[a])
        bx = gx[a] + t1 * (gx[b] - gx[a])
        by = gy[a] + t1 * (gy[b] - gy[a])
        self._ax, self._ay, self._bx, self._by = ax, ay, bx, by
        self._piece_edge = seg_edge[seg_of_piece]
        self._piece_start_along = seg_start_along[seg_of_piece] + t0 * seg_len[seg_of_piece]
        self._piece_len = (t1 - t0) * seg_len[seg_of_piece]
        self._half_piece_max = float(self._piece_len.max()) / 2.0
        self._tree = cKDTree(np.column_stack([(ax + bx) / 2.0, (ay + by) / 2.0]))

    def _exact(self, px, py, cand) -> tuple[np.ndarray, np.ndarray]:
        return _point_segment(
            px[:, None], py[:, None], self._ax[cand], self._ay[cand], self._bx[cand], self._by[cand]
        )

    def snap(self, lat_deg: np.ndarray, lng_deg: np.ndarray) -> Snaps:
        px, py = self.projection.to_xy_m(lat_deg, lng_deg)
        px, py = np.atleast_1d(px), np.atleast_1d(py)
        n = px.size
        k = min(CANDIDATES, self._tree.n)
        mid_dist, cand = self._tree.query(np.column_stack([px, py]), k=k)
        mid_dist, cand = mid_dist.reshape(n, k), cand.reshape(n, k)
        dist, t = self._exact(px, py, cand)
        best = np.argmin(dist, axis=1)
        rows = np.arange(n)
        piece = cand[rows, best]
        best_d = dist[rows, best]
        best_t = t[rows, best]
        # Pieces beyond the k nearest midpoints lie at least mid_dist[:, -1] - half away.
        unsure = np.flatnonzero(best_d > mid_dist[:, -1] - self._half_piece_max) if k < self._tree.n else np.zeros(0, dtype=np.int64)
        for i in unsure:
            near = np.asarray(
                self._tree.query_ball_point([px[i], py[i]], r=best_d[i] + self._half_piece_max)
            )
            d, tt = _point_segment(px[i], py[i], self._ax[near], self._ay[near], self._bx[near], self._by[near])
            j = int(np.argmin(d))
            piece[i], best_d[i], best_t[i] = near[j], d[j], tt[j]
        edge = self._piece_edge[piece]
        along = self._piece_start_along[piece] + best_t * self._piece_len[piece]
        total = self.edge_length_proj_m[edge]
        fraction = np.clip(np.where(total > 0, along / np.where(total > 0, total, 1.0), 0.0), 0.0, 1.0)
        sx = self._ax[piece] + best_t * (self._bx[piece] - self._ax[piece])
        sy = self._ay[piece] + best_t * (self._by[piece] - self._ay[piece])
        slat, slng = self.projection.to_lat_lng_deg(sx, sy)
        return Snaps(
            edge=edge.astype(np.int64),
            fraction=fraction,
            snap_distance_m=best_d,
            lat_deg=np.asarray(slat),
            lng_deg=np.asarray(slng),
        )

    def edge_sub_polyline_xy(self, edge: int, f0: float, f1: float) -> tuple[np.ndarray, np.ndarray]:
        """Planar polyline of `edge` between fractions f0 <= f1 of its length."""
        a, b = self._geom_offsets[edge], self._geom_offsets[edge + 1]
        x, y = self._geom_x[a:b], self._geom_y[a:b]
        cum = np.concatenate([[0.0], np.cumsum(np.hypot(np.diff(x), np.diff(y)))])
        total = cum[-1]
        s0, s1 = f0 * total, f1 * total
        inner = (cum > s0) & (cum < s1)
        xs = np.concatenate([[np.interp(s0, cum, x)], x[inner], [np.interp(s1, cum, x)]])
        ys = np.concatenate([[np.interp(s0, cum, y)], y[inner], [np.interp(s1, cum, y)]])
        return xs, ys

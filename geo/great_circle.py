"""The default travel model: great-circle distance × detour factor ÷ speed, vectorised."""

from __future__ import annotations

import os
from concurrent.futures import ThreadPoolExecutor

import numpy as np

from geo.provider import TravelResult

EARTH_RADIUS_M = 6_371_008.8  # mean Earth radius (IUGG)


def haversine_m(
    lat1_deg: np.ndarray, lng1_deg: np.ndarray, lat2_deg: np.ndarray, lng2_deg: np.ndarray
) -> np.ndarray:
    """Great-circle distance in metres; the inputs broadcast against each other."""
    lat1, lng1, lat2, lng2 = (np.radians(a) for a in (lat1_deg, lng1_deg, lat2_deg, lng2_deg))
    a = (
        np.sin((lat2 - lat1) / 2.0) ** 2
        + np.cos(lat1) * np.cos(lat2) * np.sin((lng2 - lng1) / 2.0) ** 2
    )
    return 2.0 * EARTH_RADIUS_M * np.arcsin(np.sqrt(np.clip(a, 0.0, 1.0)))


_BLOCK_ROWS = 256  # rows of the upper triangle per task
_PARALLEL_FROM = 600  # points; below, one thread is faster than handing out blocks


def _symmetric_matrices(lat: np.ndarray, lng: np.ndarray, detour: float, speed_mps: float) -> tuple[np.ndarray, np.ndarray]:
    """(duration_s, distance_m) as int64, the same numbers as the plain all-pairs formula.

    Only the upper triangle is computed (the formula is exactly symmetric in floating point:
    the differences are squared after ``sin``, the cosines' product commutes), in row blocks
    spread over threads (numpy's ufuncs release the GIL), each block mirrored below the diagonal.
    """
    n = lat.shape[0]
    rlat, rlng = np.radians(lat), np.radians(lng)
    cos_lat = np.cos(rlat)
    duration_s = np.empty((n, n), dtype=np.int64)
    distance_m = np.empty((n, n), dtype=np.int64)

    def block(i0: int) -> None:
        i1 = min(n, i0 + _BLOCK_ROWS)
        lat1, lng1, c1 = rlat[i0:i1, None], rlng[i0:i1, None], cos_lat[i0:i1, None]
        lat2, lng2, c2 = rlat[None, i0:], rlng[None, i0:], cos_lat[None, i0:]
        # The same operations, in the same order, as haversine_m (so the same floats).
        a = np.sin((lat2 - lat1) / 2.0) ** 2
        a += c1 * c2 * np.sin((lng2 - lng1) / 2.0) ** 2
        np.clip(a, 0.0, 1.0, out=a)
        np.sqrt(a, out=a)
        np.arcsin(a, out=a)
        road_m = detour * (2.0 * EARTH_RADIUS_M * a)
        dist = np.rint(road_m)
        road_m /= speed_mps
        dur = np.rint(road_m, out=road_m)
        distance_m[i0:i1, i0:] = dist
        duration_s[i0:i1, i0:] = dur
        distance_m[i0:, i0:i1] = dist.T
        duration_s[i0:, i0:i1] = dur.T

    starts = range(0, n, _BLOCK_ROWS)
    workers = min(4, os.cpu_count() or 1)
    if n < _PARALLEL_FROM or workers < 2:
        for i0 in starts:
            block(i0)
    else:
        with ThreadPoolExecutor(workers) as pool:
            list(pool.map(block, starts))
    return duration_s, distance_m


class GreatCircleProvider:
    """Symmetric travel estimates from coordinates alone; no map needed.

    ``detour_factor`` turns straight-line distance into road distance (1.3 was measured on the
    Porto and Liechtenstein road graphs); ``speed_kmh`` is the average door-to-door speed.
    """

    def __init__(self, speed_kmh: float = 40.0, detour_factor: float = 1.3) -> None:
        if not (speed_kmh > 0 and np.isfinite(speed_kmh)):
            raise ValueError(f"speed_kmh must be a positive number, got {speed_kmh}")
        if not (detour_factor >= 1.0 and np.isfinite(detour_factor)):
            raise ValueError(f"detour_factor must be at least 1, got {detour_factor}")
        self.speed_kmh = float(speed_kmh)
        self.detour_factor = float(detour_factor)

    def matrices(self, lat_deg: np.ndarray, lng_deg: np.ndarray) -> TravelResult:
        lat = np.asarray(lat_deg, dtype=np.float64)
        lng = np.asarray(lng_deg, dtype=np.float64)
        n = lat.shape[0]
        duration_s, distance_m = _symmetric_matrices(lat, lng, self.detour_factor, self.speed_kmh / 3.6)
        return TravelResult(
            duration_s=duration_s,
            distance_m=distance_m,
            snap_distance_m=np.zeros(n),
            unroutable=np.zeros(n, dtype=bool),
        )

    def extend_matrix(self, prev: TravelResult, prev_lat_deg, prev_lng_deg, new_lat_deg: float, new_lng_deg: float) -> TravelResult:
        """``prev`` plus one point as the last row and column: O(n) instead of O(n²)."""
        lat = np.append(np.asarray(prev_lat_deg, dtype=np.float64), float(new_lat_deg))
        lng = np.append(np.asarray(prev_lng_deg, dtype=np.float64), float(new_lng_deg))
        n = lat.size - 1
        road_m = self.detour_factor * haversine_m(lat[n], lng[n], lat, lng)
        distance = np.rint(road_m).astype(np.int64)
        duration = np.rint(road_m / (self.speed_kmh / 3.6)).astype(np.int64)
        duration_s = np.empty((n + 1, n + 1), dtype=np.int64)
        distance_m = np.empty((n + 1, n + 1), dtype=np.int64)
        duration_s[:n, :n], distance_m[:n, :n] = prev.duration_s, prev.distance_m
        duration_s[n], duration_s[:, n] = duration, duration  # symmetric
        distance_m[n], distance_m[:, n] = distance, distance
        return TravelResult(duration_s, distance_m, np.append(prev.snap_distance_m, 0.0), np.append(prev.unroutable, False))

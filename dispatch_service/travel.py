"""Travel for requests: providers per travel model, loaded maps, territories and geometry.

One ``TravelService`` per process that computes travel (each solver worker, and the server for
its cheap RPCs); it owns the road-network maps named in the configuration, loaded once. osmnx
and geopandas never load here: maps are artifacts made offline by ``dispatch map build``.
"""

from __future__ import annotations

import json
import threading
from collections import OrderedDict
from collections.abc import Iterable
from dataclasses import replace
from typing import Any

import numpy as np

from geo import GreatCircleProvider, TravelResult, haversine_m
from geo.polyline import encode_polyline, geojson_linestring
from solver.locations import Locations
from solver.model import (
    GeometryFormat,
    GreatCircleModel,
    LatLng,
    Plan,
    Problem,
    RoadNetworkModel,
    TravelMatrices,
    TravelModel,
)


class UnknownMap(KeyError):
    pass


# Travel results kept for repeated questions about the same points (insertion), bounded by size.
CACHE_BYTES = 256 * 1024 * 1024
CACHE_ENTRIES = 8


_service: TravelService | None = None


def configure(map_paths: dict[str, str] | None) -> TravelService:
    """Loads the configured maps for this process (workers at start, the server at start)."""
    global _service
    _service = TravelService(map_paths)
    return _service


def service() -> TravelService:
    global _service
    if _service is None:
        _service = TravelService()
    return _service


def matrices_for(problem: Problem) -> TravelMatrices:
    return service().matrices_for(problem)


class TravelService:
    def __init__(self, map_paths: dict[str, str] | None = None) -> None:
        from geo.road_network import RoadNetwork  # numpy/scipy and the engine only

        self.maps = {map_id: RoadNetwork.load(path).prepare() for map_id, path in (map_paths or {}).items()}
        self._cache: OrderedDict[tuple, tuple[np.ndarray, np.ndarray, TravelResult]] = OrderedDict()
        self._lock = threading.Lock()  # the server's handler threads share this service

    def provider(self, model: TravelModel):
        if isinstance(model, GreatCircleModel):
            return GreatCircleProvider(speed_kmh=model.speed_kmh, detour_factor=model.detour_factor)
        if isinstance(model, RoadNetworkModel):
            from geo.road_network import RoadNetworkProvider

            if model.map_id not in self.maps:
                raise UnknownMap(model.map_id)
            return RoadNetworkProvider(self.maps[model.map_id], max_snap_distance_m=model.max_snap_distance_m)
        raise ValueError(f"unsupported travel model {type(model).__name__}")

    def points(self, model: TravelModel, lat_deg: np.ndarray, lng_deg: np.ndarray) -> TravelResult:
        return self.provider(model).matrices(lat_deg, lng_deg)

    def rectangle(self, model: TravelModel, o_lat, o_lng, d_lat, d_lng) -> TravelResult:
        """Travel from each origin to each destination, ``[origin, destination]``; ``snap_distance_m``
        and ``unroutable`` list the origins, then the destinations. Great-circle computes only
        those pairs (on a road network, one engine row per origin)."""
        o_lat, o_lng, d_lat, d_lng = (np.asarray(a, dtype=np.float64) for a in (o_lat, o_lng, d_lat, d_lng))
        if isinstance(model, GreatCircleModel):
            provider = self.provider(model)
            road_m = provider.detour_factor * haversine_m(o_lat[:, None], o_lng[:, None], d_lat[None, :], d_lng[None, :])
            distance = np.rint(road_m).astype(np.int64)
            road_m /= provider.speed_kmh / 3.6
            duration = np.rint(road_m).astype(np.int64)
            n = o_lat.size + d_lat.size
            return TravelResult(duration, distance, np.zeros(n), np.zeros(n, dtype=bool))
        return self.provider(model).rectangle(np.concatenate([o_lat, d_lat]), np.concatenate([o_lng, d_lng]), o_lat.size)

    def matrices_for(self, problem: Problem) -> TravelMatrices:
        locations = Locations.of(problem)
        return to_matrices(self.points(problem.options.travel_model, locations.lat_deg, locations.lng_deg))

    def _base(self, problem: Problem) -> tuple[np.ndarray, np.ndarray, TravelResult]:
        """The problem's own travel, cached by its locations and travel model."""
        locations = Locations.of(problem)
        model = problem.options.travel_model
        key = (model, locations.lat_deg.tobytes(), locations.lng_deg.tobytes())
        with self._lock:
            hit = self._cache.get(key)
            if hit is not None:
                self._cache.move_to_end(key)
                return hit
        result = self.points(model, locations.lat_deg, locations.lng_deg)
        entry = (locations.lat_deg, locations.lng_deg, result)
        with self._lock:
            self._cache[key] = entry
            # Bounded in bytes as well as entries: one 5000-point matrix is 400 MB.
            while len(self._cache) > CACHE_ENTRIES or (len(self._cache) > 1 and _cache_bytes(self._cache) > CACHE_BYTES):
                self._cache.popitem(last=False)
        return entry

    def base(self, problem: Problem) -> tuple[np.ndarray, np.ndarray, TravelResult]:
        """(latitudes, longitudes, travel) of the problem's own locations, cached."""
        return self._base(problem)

    def cached_matrices_for(self, problem: Problem) -> TravelMatrices:
        return to_matrices(self._base(problem)[2])

    def new_point_travel(self, problem: Problem, point: LatLng, base: tuple | None = None):
        """Travel between ``point`` and every location of ``problem``: O(n) on great-circle
        (a ``solver.insertion.NewTravel``; workers only). ``base``: ``self.base(problem)``,
        when the caller keeps it (repeated questions against one plan)."""
        from solver.insertion import NewTravel

        lat, lng, base = base or self._base(problem)
        model = problem.options.travel_model
        if isinstance(model, GreatCircleModel):
            provider = self.provider(model)
            road_m = provider.detour_factor * haversine_m(np.asarray(point.lat), np.asarray(point.lng), lat, lng)
            metres = np.rint(road_m).astype(np.int64)
            seconds = np.rint(road_m / (provider.speed_kmh / 3.6)).astype(np.int64)
            return NewTravel(seconds, seconds, metres, metres, False)
        extended = self.provider(model).extend_matrix(base, lat, lng, point.lat, point.lng)
        return NewTravel.from_extended(to_matrices(extended))

    def matrices_with_extra(self, problem: Problem, extra: LatLng) -> TravelMatrices:
        """The problem's matrices plus one extra point as the last location (cached base)."""
        lat, lng, base = self._base(problem)
        return to_matrices(self.provider(problem.options.travel_model).extend_matrix(base, lat, lng, extra.lat, extra.lng))

    def leg_geometry(self, model: TravelModel, fmt: GeometryFormat, a: LatLng, b: LatLng) -> str:
        """The way from ``a`` to ``b``: along the roads on a map, a straight line otherwise."""
        if isinstance(model, RoadNetworkModel) and model.map_id in self.maps:
            way = self.maps[model.map_id].route(a.lat, a.lng, b.lat, b.lng, model.max_snap_distance_m)
            lat, lng = way.lat_deg, way.lng_deg
        else:
            lat, lng = np.array([a.lat, b.lat]), np.array([a.lng, b.lng])
        if fmt is GeometryFormat.ENCODED_POLYLINE:
            return encode_polyline(lat, lng)
        return json.dumps(geojson_linestring(lat, lng), separators=(",", ":"))

    def geometry(self, problem: Problem, plan: Plan) -> Plan:
        """The plan with each leg's geometry, in the format the options ask for."""
        fmt = problem.options.geometry_format
        if fmt is GeometryFormat.NONE:
            return plan
        model = problem.options.travel_model
        locations = Locations.of(problem)
        points = [LatLng(float(a), float(b)) for a, b in zip(locations.lat_deg, locations.lng_deg)]

        def leg(a: int, b: int) -> str:
            return self.leg_geometry(model, fmt, points[a], points[b])

        routes = []
        vehicle_start = _vehicle_starts(problem, locations)
        for route in plan.routes:
            if not route.visits:
                routes.append(route)
                continue
            prev = vehicle_start[(route.engineer_index, route.shift_index)]
            visits = []
            for visit in route.visits:
                visits.append(replace(visit, leg_geometry=leg(prev, visit.order_index)))
                prev = visit.order_index
            end = int(locations.end_index[route.engineer_index])
            routes.append(replace(route, visits=tuple(visits), end_leg_geometry=leg(prev, end) if end >= 0 else ""))
        return replace(plan, routes=tuple(routes))


def _cache_bytes(cache) -> int:
    return sum(r.duration_s.nbytes + r.distance_m.nbytes for _, _, r in cache.values())


def _vehicle_starts(problem: Problem, locations: Locations) -> dict[tuple[int, int], int]:
    from solver.vehicles import Vehicles

    vehicles = Vehicles.of(problem, locations)
    return {(int(vehicles.engineer[v]), int(vehicles.shift[v])): int(vehicles.start_loc[v]) for v in range(vehicles.count)}


def to_matrices(result: TravelResult) -> TravelMatrices:
    unroutable = frozenset(int(i) for i in np.flatnonzero(result.unroutable))
    return TravelMatrices(result.duration_s, result.distance_m, unroutable)


def inside_territory(problem: Problem) -> np.ndarray | None:
    """bool (orders, engineers): the order lies in the engineer's territory (True without one)."""
    with_area = [j for j, e in enumerate(problem.engineers) if e.territory is not None]
    if not with_area:
        return None
    from geo.territories import inside_matrix  # shapely, only when territories are used

    lat = np.array([o.location.lat for o in problem.orders])
    lng = np.array([o.location.lng for o in problem.orders])
    inside = np.ones((len(problem.orders), len(problem.engineers)), dtype=bool)
    shapes = [json.loads(t.geojson) for j in with_area if (t := problem.engineers[j].territory) is not None]
    inside[:, with_area] = inside_matrix(shapes, lat, lng).T
    return inside


def territory_violations(problem: Problem) -> list[tuple[str, str]]:
    """(field, description) for territories that are not usable GeoJSON polygons."""
    out = []
    for j, engineer in enumerate(problem.engineers):
        if engineer.territory is None or not engineer.territory.geojson:
            continue
        path = f"engineers[{j}].territory.geojson"
        try:
            # NaN and Infinity are not JSON (Python's parser accepts them): refused here, since
            # shapely fails on them with an error of its own.
            shape = json.loads(engineer.territory.geojson, parse_constant=_refuse_constant)
        except _NonFinite as exc:
            out.append((path, f"must hold only finite numbers, found {exc.args[0]}"))
            continue
        except (json.JSONDecodeError, RecursionError):
            out.append((path, "must be GeoJSON text"))
            continue
        if not isinstance(shape, dict):
            out.append((path, "must be a GeoJSON object"))
            continue
        where = _first_non_finite(shape, "")
        if where is not None:  # e.g. 1e999, which parses to infinity
            out.append((path, f"must hold only finite numbers, found {where[1]} at {where[0] or 'the top'}"))
            continue
        from geo.territories import territory_geometry

        try:
            territory_geometry(shape)
        except (ValueError, TypeError) as exc:
            out.append((path, str(exc)[:200]))
        except Exception as exc:
            out.append((path, f"is not a usable polygon ({type(exc).__name__})"))
    return out


class _NonFinite(ValueError):
    pass


def _refuse_constant(name: str):
    raise _NonFinite(name)


def _first_non_finite(value, path: str, depth: int = 0) -> tuple[str, str] | None:
    """(path inside the GeoJSON, value) of the first number that is not finite."""
    if isinstance(value, float):
        return None if np.isfinite(value) else (path, repr(value))
    if depth > 64:
        return None
    items: Iterable[tuple[str, Any]]
    if isinstance(value, dict):
        items = value.items()
    elif isinstance(value, list):
        items = ((f"[{k}]", v) for k, v in enumerate(value))
    else:
        return None
    for key, item in items:
        sub = f"{path}{key}" if isinstance(key, str) and key.startswith("[") else f"{path}.{key}" if path else str(key)
        found = _first_non_finite(item, sub, depth + 1)
        if found is not None:
            return found
    return None

"""RPCs around a plan and the map: EvaluatePlan, RecommendInsertion, RecommendSlots, ComputeMatrix,
EstimateArrival.

They are cheap (milliseconds to a few seconds at most), so they run in the server process,
not in solver workers: a dispatcher asking who should take an emergency must not queue behind
a long solve. Large matrices (ComputeMatrix) do go to a worker.
"""

from __future__ import annotations

import hashlib
import math
import threading
import time
from collections import OrderedDict
from dataclasses import replace

import grpc
import numpy as np

from dispatch_service import convert, travel
from dispatch_service.api.v1 import dispatch_pb2 as pb
from dispatch_service.realtime import RpcAbort, _invalid, _queue_full, _unary
from dispatch_service.worker_task import MatrixTask
from dispatch_service.workers import QueueFull, SolveAborted, WorkerFailed
from solver import booking, replan
from solver.errors import InvalidProblem, Violation
from solver.evaluate import evaluate_plan
from solver.insertion import PlanState, plan_state, recommend
from solver.model import GreatCircleModel, LatLng, PlannedRoute, Problem, RoadNetworkModel, SolveOptions
from solver.validation import order_violations, validate

MAX_MATRIX_POINTS = 5_000
MAX_MATRIX_PAIRS = 1_000_000
MAX_CANDIDATES = 100
MAX_BOOKING_ORDERS = 100  # new orders per RecommendSlots call
DEFAULT_MAX_SLOTS = 10
PLAN_STATE_CACHE = 8  # plans whose timing is kept for repeated insertion questions


def service_violations(problem: Problem, service: travel.TravelService, prefix: str = "") -> list[Violation]:
    """Rules only the service can check: maps it has loaded, territory shapes, re-planning refs."""
    out = []
    model = problem.options.travel_model
    if isinstance(model, RoadNetworkModel):
        path = f"{prefix}options.travel_model.road_network"
        if model.map_id not in service.maps:
            known = ", ".join(sorted(service.maps)) or "none are loaded"
            out.append(Violation(f"{path}.map_id", f"names no map of this server ('{model.map_id[:40]}'; known: {known})"))
        if not (math.isfinite(model.max_snap_distance_m) and 1.0 <= model.max_snap_distance_m <= 100_000.0):
            out.append(Violation(f"{path}.max_snap_distance_meters", f"must be in [1, 100000], got {model.max_snap_distance_m}"))
    out += [Violation(prefix + f, d) for f, d in travel.territory_violations(problem)]
    out += [Violation(prefix + v.field, v.description) for v in replan.check(problem)]
    return out


def _problem(request: pb.SolveRequest, servicer, prefix: str) -> Problem:
    problem, violations = convert.request_to_problem(request, prefix=prefix)
    seen = {v.field for v in violations}
    violations += [Violation(prefix + v.field, v.description) for v in validate(problem, servicer.limits) if prefix + v.field not in seen]
    violations += service_violations(problem, travel.service(), prefix)
    if violations:
        raise _invalid(violations)
    return problem


def _latlng(msg, path: str, violations: list[Violation]) -> LatLng:
    lat, lng = msg.latitude, msg.longitude
    if not (math.isfinite(lat) and -90 <= lat <= 90):
        violations.append(Violation(f"{path}.latitude", f"must be a finite number of degrees in [-90, 90], got {lat}"))
    if not (math.isfinite(lng) and -180 <= lng <= 180):
        violations.append(Violation(f"{path}.longitude", f"must be a finite number of degrees in [-180, 180], got {lng}"))
    return LatLng(lat, lng)


def _travel_model(msg: pb.TravelModel, violations: list[Violation], path: str):
    """The travel model of a geo request, checked like a Solve request's."""
    options = convert.request_to_problem(pb.SolveRequest(options=pb.SolveOptions(travel_model=msg)))[0].options
    model = options.travel_model
    if isinstance(model, GreatCircleModel):
        if not (math.isfinite(model.speed_kmh) and 1 <= model.speed_kmh <= 200):
            violations.append(Violation(f"{path}.great_circle.speed_kmh", f"must be in [1, 200] km/h, got {model.speed_kmh}"))
        if not (math.isfinite(model.detour_factor) and 1 <= model.detour_factor <= 3):
            violations.append(Violation(f"{path}.great_circle.detour_factor", f"must be in [1, 3], got {model.detour_factor}"))
    for v in service_violations(Problem((), (), SolveOptions(travel_model=model)), travel.service()):
        violations.append(Violation(v.field.replace("options.travel_model", path), v.description))
    return model


def _routes_of(state: PlanState) -> list[PlannedRoute]:
    """The plan of a plan state: every vehicle's route with visits."""
    problem, vehicles = state.problem, state.vehicles
    return [PlannedRoute(problem.engineers[int(vehicles.engineer[v])].id, int(vehicles.shift[v]), tuple(problem.orders[i].id for i in seq))
            for v, seq in enumerate(state.sequences) if len(seq)]


class PlanningServicerMixin:
    """Mixed into ``DispatchServicer``; uses its ``limits`` and ``pool``."""

    # -- plan evaluation ----------------------------------------------------------------------
    def _evaluate(self, request: pb.EvaluatePlanRequest, context: grpc.ServicerContext) -> pb.EvaluatePlanResponse:
        problem = _problem(request.problem, self, "problem.")
        problem = replace(problem, replan=None)  # a given plan is checked as it is
        routes = convert.planned_routes_from_pb(request.routes)
        matrices = travel.service().matrices_for(problem)
        try:
            evaluation = evaluate_plan(problem, matrices, routes, travel.inside_territory(problem))
        except InvalidProblem as exc:
            raise _invalid(list(exc.violations)) from None
        return convert.evaluation_to_response(evaluation)

    # -- insertion --------------------------------------------------------------------------------
    def _recommend(self, request: pb.RecommendInsertionRequest, context: grpc.ServicerContext) -> pb.RecommendInsertionResponse:
        state = self._plan_state(request)
        problem = state.problem
        new, violations = convert.order_from_pb(request.order, "order")
        if not request.HasField("order"):
            violations.append(Violation("order", "is required"))
        violations += order_violations(new, "order", {e.id for e in problem.engineers}, self.limits)
        if any(o.id == new.id for o in problem.orders):
            violations.append(Violation("order.id", f"duplicates the id of an order of the plan ('{new.id[:40]}')"))
        if not 0 <= request.max_candidates <= MAX_CANDIDATES:
            violations.append(Violation("max_candidates", f"must be in [0, {MAX_CANDIDATES}], got {request.max_candidates}"))
        if violations:
            raise _invalid(violations)
        inside = travel.inside_territory(replace(problem, orders=(new,)))
        candidates, reason = recommend(
            state, new, travel.service().new_point_travel(problem, new.location),
            request.max_candidates or 5, None if inside is None else inside[0],
        )
        return convert.candidates_to_response(candidates, reason)

    def _plan_state(self, request: pb.RecommendInsertionRequest) -> PlanState:
        """The plan in force, converted, checked and timed once: a dispatcher asks about several
        new orders against the same plan, and each answer must come in milliseconds."""
        digest = hashlib.blake2b(digest_size=16)
        digest.update(request.problem.SerializeToString(deterministic=True))
        for route in request.current_routes:
            digest.update(route.SerializeToString(deterministic=True))
        key = digest.digest()
        cache = self.__dict__.setdefault("_plan_states", OrderedDict())
        lock = self.__dict__.setdefault("_plan_states_lock", threading.Lock())
        with lock:
            if key in cache:
                cache.move_to_end(key)
                return cache[key]
        problem = replace(_problem(request.problem, self, "problem."), replan=None)
        try:
            state = plan_state(problem, travel.service().cached_matrices_for(problem), convert.planned_routes_from_pb(request.current_routes))
        except InvalidProblem as exc:
            raise _invalid(list(exc.violations)) from None
        with lock:
            cache[key] = state
            while len(cache) > PLAN_STATE_CACHE:
                cache.popitem(last=False)
        return state

    # -- appointment booking ------------------------------------------------------------------------
    @_unary
    def RecommendSlots(self, request: pb.RecommendSlotsRequest, context: grpc.ServicerContext) -> pb.RecommendSlotsResponse:
        """Slots for each new order against the plan in force (``solver.booking``); with
        ``reserve``, each order's best slot is booked into the plan the next order sees."""
        violations: list[Violation] = []
        grid, wire = convert.slot_grid_from_pb(request.slot_grid, "slot_grid")
        if not request.HasField("slot_grid"):
            violations.append(Violation("slot_grid", "is required"))
        else:
            violations += wire or booking.grid_violations(grid, "slot_grid")
        if not 0 <= request.max_slots <= booking.MAX_GRID_SLOTS:
            violations.append(Violation("max_slots", f"must be in [0, {booking.MAX_GRID_SLOTS}], got {request.max_slots}"))
        if not 1 <= len(request.orders) <= MAX_BOOKING_ORDERS:
            violations.append(Violation("orders", f"must hold 1 to {MAX_BOOKING_ORDERS} new orders, got {len(request.orders)}"))
            raise _invalid(violations)
        # The new orders are checked against the request's ids before the plan is converted.
        engineer_ids = {e.id for e in request.problem.engineers}
        known = {o.id for o in request.problem.orders}
        orders, seen = [], {}
        for k, msg in enumerate(request.orders):
            path = f"orders[{k}]"
            new, wire = convert.order_from_pb(msg, path)
            violations += wire + order_violations(new, path, engineer_ids, self.limits)
            if new.time_windows:
                violations.append(Violation(f"{path}.time_windows", "must be empty: the slots offered are the order's windows"))
            if new.id in known:
                violations.append(Violation(f"{path}.id", f"duplicates the id of an order of the plan ('{new.id[:40]}')"))
            elif new.id in seen:
                violations.append(Violation(f"{path}.id", f"duplicates the id of orders[{seen[new.id]}] ('{new.id[:40]}')"))
            seen.setdefault(new.id, k)
            orders.append(new)
        if violations:
            raise _invalid(violations)
        state = self._plan_state(request)
        problem = state.problem
        slots = grid.slots()
        service = travel.service()
        model = problem.options.travel_model
        n0 = len(problem.orders)
        travels = [service.new_point_travel(problem, o.location) for o in orders]
        inside = travel.inside_territory(replace(problem, orders=tuple(orders)))
        pair = None
        if request.reserve and len(orders) > 1:
            lat = np.array([o.location.lat for o in orders])
            lng = np.array([o.location.lng for o in orders])
            pair = travel.to_matrices(service.points(model, lat, lng))
        out = pb.RecommendSlotsResponse()
        reserved: list[int] = []  # indices of the orders booked so far, in booking order
        current = state
        for k, new in enumerate(orders):
            site = travels[k]
            if reserved and pair is not None:
                site = booking.travel_with_sites(site, n0, pair.duration_s[reserved, k], pair.duration_s[k, reserved],
                                                 pair.distance_m[reserved, k], pair.distance_m[k, reserved])
            offers = booking.offer_slots(current, new, site, slots, None if inside is None else inside[k])
            best = booking.ranked(offers)[:1] if request.reserve else []
            if best:
                booked_problem, routes, _ = booking.booked_plan(current, new, best[0])
                reserved.append(k)
                idx = np.asarray(reserved)
                empty = np.zeros((1, 1), dtype=np.int64)
                matrices = booking.with_sites(
                    state.matrices, n0, [travels[a] for a in reserved],
                    empty if pair is None else pair.duration_s[np.ix_(idx, idx)], empty if pair is None else pair.distance_m[np.ix_(idx, idx)])
                try:
                    current = plan_state(booked_problem, matrices, routes, keep=(current, best[0].vehicle))
                except InvalidProblem as exc:  # pragma: no cover - the plan was checked above
                    raise _invalid(list(exc.violations)) from None
            out.orders.append(convert.order_slots_to_pb(new.id, offers, request.max_slots or DEFAULT_MAX_SLOTS, best[0] if best else None))
        if request.reserve:
            out.routes.extend(convert.planned_routes_to_pb(_routes_of(current)))
        return out

    # -- geo ----------------------------------------------------------------------------------------
    @_unary
    def ComputeMatrix(self, request: pb.ComputeMatrixRequest, context: grpc.ServicerContext) -> pb.ComputeMatrixResponse:
        violations: list[Violation] = []
        n_o, n_d = len(request.origins), len(request.destinations)
        if n_o > MAX_MATRIX_POINTS or n_d > MAX_MATRIX_POINTS:
            violations.append(Violation("origins" if n_o > MAX_MATRIX_POINTS else "destinations", f"at most {MAX_MATRIX_POINTS} points are accepted"))
        elif n_o * n_d > MAX_MATRIX_PAIRS:
            violations.append(Violation("destinations", f"origins × destinations must be at most {MAX_MATRIX_PAIRS:,} pairs, got {n_o * n_d:,}"))
        if violations:
            raise _invalid(violations)
        points = [_latlng(p, f"origins[{i}]", violations) for i, p in enumerate(request.origins)]
        points += [_latlng(p, f"destinations[{i}]", violations) for i, p in enumerate(request.destinations)]
        model = _travel_model(request.travel_model, violations, "travel_model")
        if violations:
            raise _invalid(violations)
        lat = np.array([p.lat for p in points], dtype=np.float64)
        lng = np.array([p.lng for p in points], dtype=np.float64)
        result = self._run_geo(MatrixTask(model, lat, lng), context)
        o, d = np.arange(n_o), np.arange(n_o, n_o + n_d)
        duration = result.duration_s[np.ix_(o, d)].copy()
        distance = result.distance_m[np.ix_(o, d)].copy()
        off = result.unroutable[o][:, None] | result.unroutable[d][None, :]
        duration[off] = -1
        distance[off] = -1
        snap = np.nan_to_num(result.snap_distance_m, nan=-1.0)
        return pb.ComputeMatrixResponse(
            durations_seconds=duration.ravel().tolist(), distances_meters=distance.ravel().tolist(),
            origin_snap_distances_meters=snap[o].tolist(), destination_snap_distances_meters=snap[d].tolist(),
            origin_unroutable=result.unroutable[o].tolist(), destination_unroutable=result.unroutable[d].tolist(),
        )

    def _run_geo(self, task: MatrixTask, context):
        """Small matrices here, large ones in a worker (they can take seconds of CPU)."""
        n = task.lat_deg.size
        if n <= 200:
            return travel.service().points(task.model, task.lat_deg, task.lng_deg)
        import threading

        done = threading.Event()
        context.add_callback(done.set)
        remaining = context.time_remaining()
        deadline = None if remaining is None else time.monotonic() + remaining
        try:
            outcome = self.pool.run(task, aborted=done.is_set, deadline=deadline)
        except QueueFull:
            raise _queue_full(self.pool.depth) from None
        except SolveAborted as exc:
            raise RpcAbort(grpc.StatusCode.CANCELLED if done.is_set() else grpc.StatusCode.DEADLINE_EXCEEDED, str(exc)) from None
        except WorkerFailed:
            raise RpcAbort(grpc.StatusCode.INTERNAL, "the matrix computation failed") from None
        if outcome.kind != "matrix":
            raise RpcAbort(grpc.StatusCode.INTERNAL, "the matrix computation failed")
        return outcome.value

    @_unary
    def EstimateArrival(self, request: pb.EstimateArrivalRequest, context: grpc.ServicerContext) -> pb.EstimateArrivalResponse:
        violations: list[Violation] = []
        for field in ("origin", "destination"):
            if not request.HasField(field):
                violations.append(Violation(field, "is required"))
        a = _latlng(request.origin, "origin", violations)
        b = _latlng(request.destination, "destination", violations)
        factor = request.speed_factor if request.HasField("speed_factor") else 1.0
        if not (math.isfinite(factor) and 0.1 <= factor <= 10):
            violations.append(Violation("speed_factor", f"must be in [0.1, 10], got {factor}"))
        departure_s = request.departure_time.seconds if request.HasField("departure_time") else int(self.config.clock())
        if not 0 <= departure_s <= 4_102_444_800:
            violations.append(Violation("departure_time", "must lie between 1970-01-01 and 2100-01-01"))
        fmt = convert._GEOMETRY.get(request.geometry_format)
        if fmt is None:
            violations.append(Violation("geometry_format", f"must be a GeometryFormat, got {request.geometry_format}"))
        model = _travel_model(request.travel_model, violations, "travel_model")
        if violations:
            raise _invalid(violations)
        service = travel.service()
        result = service.points(model, np.array([a.lat, b.lat]), np.array([a.lng, b.lng]))
        if result.unroutable.any():
            return pb.EstimateArrivalResponse(routable=False)
        duration_s = int(math.ceil(int(result.duration_s[0, 1]) / factor))
        out = pb.EstimateArrivalResponse(routable=True, travel_distance_meters=int(result.distance_m[0, 1]))
        out.arrival_time.seconds = departure_s + duration_s
        out.travel_duration.seconds = duration_s
        if fmt is not None and fmt.value != "none":
            out.geometry = service.leg_geometry(model, fmt, a, b)
        return out

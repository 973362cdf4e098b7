"""The one place where protobuf messages and domain objects meet.

``request_to_problem`` is lenient: it converts whatever it can and reports what the wire format
alone makes invalid (missing required messages, unknown enum values, a missing timestamp), with
the same field paths as ``solver.validation``, which checks everything else.
"""

from __future__ import annotations

from google.protobuf import duration_pb2, timestamp_pb2
from google.type import latlng_pb2

from dispatch_service.api.v1 import dispatch_pb2 as pb
from solver.errors import Violation
from solver.model import (
    Break,
    Engineer,
    GreatCircleModel,
    LatLng,
    ObjectiveWeights,
    Order,
    Plan,
    Priority,
    Problem,
    SearchMode,
    Shift,
    SkillRequirement,
    SlaMode,
    SolveOptions,
    SolveStatus,
    TimeWindow,
    UnassignedReason,
)

DEFAULT_TIME_LIMIT_S = 10.0

_SLA = {pb.SLA_MODE_UNSPECIFIED: SlaMode.SOFT, pb.SLA_MODE_SOFT: SlaMode.SOFT, pb.SLA_MODE_HARD: SlaMode.HARD}
_PRIORITY = {
    pb.PRIORITY_UNSPECIFIED: Priority.NORMAL,
    pb.PRIORITY_LOW: Priority.LOW,
    pb.PRIORITY_NORMAL: Priority.NORMAL,
    pb.PRIORITY_HIGH: Priority.HIGH,
    pb.PRIORITY_CRITICAL: Priority.CRITICAL,
}
_SEARCH = {
    pb.SEARCH_MODE_UNSPECIFIED: SearchMode.RETURN_FAST,
    pb.SEARCH_MODE_RETURN_FAST: SearchMode.RETURN_FAST,
    pb.SEARCH_MODE_CONSUME_ALL_TIME: SearchMode.CONSUME_ALL_TIME,
}
_PRIORITY_PB = {v: k for k, v in _PRIORITY.items() if k != pb.PRIORITY_UNSPECIFIED}
_SLA_PB = {SlaMode.SOFT: pb.SLA_MODE_SOFT, SlaMode.HARD: pb.SLA_MODE_HARD}
_SEARCH_PB = {SearchMode.RETURN_FAST: pb.SEARCH_MODE_RETURN_FAST, SearchMode.CONSUME_ALL_TIME: pb.SEARCH_MODE_CONSUME_ALL_TIME}
_REASON_PB = {r: pb.UnassignedReason.Value(r.name) for r in UnassignedReason}
_STATUS_PB = {s: pb.SolveStatus.Value(s.name) for s in SolveStatus}


class _Reader:
    """Reads optional wire fields into domain values, noting wire-level violations."""

    def __init__(self) -> None:
        self.violations: list[Violation] = []

    def enum(self, value: int, table: dict, path: str, enum_name: str):
        if value not in table:
            names = ", ".join(pb.DESCRIPTOR.enum_types_by_name[enum_name].values_by_number[k].name for k in sorted(table))
            self.violations.append(Violation(path, f"must be one of {names}, got {value}"))
            return next(iter(table.values()))
        return table[value]

    def latlng(self, msg, field: str, path: str, required: bool = True) -> LatLng | None:
        if not msg.HasField(field):
            if required:
                self.violations.append(Violation(path, "is required"))
                return LatLng(0.0, 0.0)
            return None
        value = getattr(msg, field)
        return LatLng(value.latitude, value.longitude)

    def time(self, msg, field: str, path: str, required: bool = False) -> int | None:
        if not msg.HasField(field):
            if required:
                self.violations.append(Violation(path, "is required"))
            return None
        return getattr(msg, field).seconds  # whole seconds: plans are computed in seconds

    def duration(self, msg, field: str, path: str, required: bool = False) -> int | None:
        if not msg.HasField(field):
            if required:
                self.violations.append(Violation(path, "is required"))
            return None
        return getattr(msg, field).seconds


def request_to_problem(request: pb.SolveRequest) -> tuple[Problem, list[Violation]]:
    r = _Reader()
    orders = tuple(_order(r, f"orders[{i}]", o) for i, o in enumerate(request.orders))
    engineers = tuple(_engineer(r, f"engineers[{i}]", e) for i, e in enumerate(request.engineers))
    options = _options(r, request.options)
    return Problem(orders, engineers, options, request.label), r.violations


def _opt(msg, field: str, default):
    return getattr(msg, field) if msg.HasField(field) else default


def _order(r: _Reader, p: str, o: pb.Order) -> Order:
    windows = []
    for k, w in enumerate(o.time_windows):
        wp = f"{p}.time_windows[{k}]"
        windows.append(TimeWindow(r.time(w, "start_time", f"{wp}.start_time"), r.time(w, "end_time", f"{wp}.end_time")))
    return Order(
        id=o.id,
        location=r.latlng(o, "location", f"{p}.location"),
        service_duration_s=r.duration(o, "service_duration", f"{p}.service_duration") or 0,
        time_windows=tuple(windows),
        sla_deadline_s=r.time(o, "sla_deadline", f"{p}.sla_deadline"),
        sla_mode=r.enum(o.sla_mode, _SLA, f"{p}.sla_mode", "SlaMode"),
        lateness_cost_per_hour=_opt(o, "lateness_cost_per_hour", 10.0),
        priority=r.enum(o.priority, _PRIORITY, f"{p}.priority", "Priority"),
        required_skills=tuple(SkillRequirement(s.name, s.min_level or 1) for s in o.required_skills),
        required_engineer_ids=tuple(o.required_engineer_ids),
        preferred_engineer_ids=tuple(o.preferred_engineer_ids),
        excluded_engineer_ids=tuple(o.excluded_engineer_ids),
        create_time_s=r.time(o, "create_time", f"{p}.create_time"),
        allow_unassigned=not o.mandatory,
        unassigned_penalty=_opt(o, "unassigned_penalty", None),
        demand=o.demand,
    )


def _engineer(r: _Reader, p: str, e: pb.Engineer) -> Engineer:
    shifts = []
    for k, s in enumerate(e.shifts):
        sp = f"{p}.shifts[{k}]"
        breaks = []
        for b, brk in enumerate(s.breaks):
            bp = f"{sp}.breaks[{b}]"
            earliest = r.time(brk, "earliest_start_time", f"{bp}.earliest_start_time", required=True)
            latest = r.time(brk, "latest_start_time", f"{bp}.latest_start_time", required=True)
            duration = r.duration(brk, "duration", f"{bp}.duration", required=True)
            # Placeholders for missing parts keep the rest of the request checkable.
            earliest = latest if earliest is None else earliest
            latest = earliest if latest is None else latest
            breaks.append(Break(earliest or 0, latest or 0, 1 if duration is None else duration))
        start = r.time(s, "start_time", f"{sp}.start_time", required=True)
        end = r.time(s, "end_time", f"{sp}.end_time", required=True)
        if start is None or end is None:  # placeholder keeping the rest checkable
            start, end = (start or end or 0), (start or end or 0) + 1
        shifts.append(Shift(start, end, tuple(breaks)))
    return Engineer(
        id=e.id,
        start_location=r.latlng(e, "start_location", f"{p}.start_location"),
        end_location=r.latlng(e, "end_location", f"{p}.end_location", required=False),
        shifts=tuple(shifts),
        skills=tuple((s.name, s.level or 1) for s in e.skills),
        max_working_time_s=r.duration(e, "max_working_time", f"{p}.max_working_time"),
        cost_per_hour=_opt(e, "cost_per_hour", 0.0),
        cost_per_traveled_hour=_opt(e, "cost_per_traveled_hour", 1.0),
        cost_per_km=_opt(e, "cost_per_km", 0.0),
        speed_factor=_opt(e, "speed_factor", 1.0),
        capacity=_opt(e, "capacity", None),
    )


def _options(r: _Reader, o: pb.SolveOptions) -> SolveOptions:
    limit = DEFAULT_TIME_LIMIT_S
    if o.HasField("time_limit"):
        limit = o.time_limit.seconds + o.time_limit.nanos / 1e9
    w = o.objective_weights
    gc = o.travel_model.great_circle
    return SolveOptions(
        time_limit_s=limit,
        search_mode=r.enum(o.search_mode, _SEARCH, "options.search_mode", "SearchMode"),
        random_seed=o.random_seed,
        weights=ObjectiveWeights(_opt(w, "travel", 1.0), _opt(w, "lateness", 1.0), _opt(w, "unassigned", 1.0)),
        travel_model=GreatCircleModel(_opt(gc, "speed_kmh", 40.0), _opt(gc, "detour_factor", 1.3)),
        non_preferred_engineer_cost=_opt(o, "non_preferred_engineer_cost", 1.0),
        solution_limit=o.solution_limit,
    )


# ---------------------------------------------------------------------------------------------
# Domain -> protobuf


def _ts(seconds: int) -> timestamp_pb2.Timestamp:
    return timestamp_pb2.Timestamp(seconds=int(seconds))


def _dur(seconds: float) -> duration_pb2.Duration:
    d = duration_pb2.Duration()
    d.FromNanoseconds(int(round(seconds * 1e9)))
    return d


def _latlng(loc: LatLng) -> latlng_pb2.LatLng:
    return latlng_pb2.LatLng(latitude=loc.lat, longitude=loc.lng)


def plan_to_response(plan: Plan, effective_time_limit_s: float) -> pb.SolveResponse:
    out = pb.SolveResponse(label=plan.label)
    for route in plan.routes:
        r = out.routes.add(
            engineer_id=route.engineer_id,
            shift_index=route.shift_index,
            start_time=_ts(route.start_s),
            end_time=_ts(route.end_s),
            travel_duration=_dur(route.travel_duration_s),
            travel_distance_meters=route.travel_distance_m,
            service_duration=_dur(route.service_duration_s),
            waiting_duration=_dur(route.waiting_s),
            cost=route.cost,
        )
        for v in route.visits:
            r.visits.add(
                order_id=v.order_id,
                arrival_time=_ts(v.arrival_s),
                start_time=_ts(v.start_s),
                end_time=_ts(v.end_s),
                travel_duration=_dur(v.travel_duration_s),
                travel_distance_meters=v.travel_distance_m,
                waiting_duration=_dur(v.waiting_s),
                sla_lateness=_dur(v.lateness_s),
            )
        for b in route.breaks:
            r.breaks.add(start_time=_ts(b.start_s), end_time=_ts(b.end_s))
    for u in plan.unassigned:
        out.unassigned_orders.add(
            order_id=u.order_id, reason=_REASON_PB[u.reason], example_engineer_id=u.example_engineer_id, detail=u.detail
        )
    k = plan.kpis
    kpis = out.kpis
    kpis.orders_total = k.orders_total
    kpis.orders_served = k.orders_served
    kpis.orders_unassigned = k.orders_unassigned
    kpis.orders_with_deadline = k.orders_with_deadline
    kpis.on_time_count = k.on_time_count
    kpis.overdue_count = k.overdue_count
    kpis.on_time_rate = k.on_time_rate
    kpis.overdue_rate = k.overdue_rate
    kpis.total_lateness.CopyFrom(_dur(k.total_lateness_s))
    if k.mean_response_s is not None:
        kpis.mean_response_time.CopyFrom(_dur(k.mean_response_s))
        kpis.p90_response_time.CopyFrom(_dur(k.p90_response_s))
    kpis.total_travel_duration.CopyFrom(_dur(k.total_travel_duration_s))
    kpis.total_travel_distance_meters = k.total_travel_distance_m
    kpis.total_service_duration.CopyFrom(_dur(k.total_service_s))
    kpis.total_working_duration.CopyFrom(_dur(k.total_working_s))
    for u in k.utilization:
        kpis.utilization.add(
            engineer_id=u.engineer_id,
            working_duration=_dur(u.working_s),
            available_duration=_dur(u.available_s),
            service_duration=_dur(u.service_s),
            travel_duration=_dur(u.travel_s),
            utilization=u.utilization,
        )
    kpis.workload_spread.CopyFrom(_dur(k.workload_max_minus_min_s))
    kpis.workload_cv = k.workload_cv
    s = plan.stats
    stats = out.stats
    stats.status = _STATUS_PB[s.status]
    stats.objective = s.objective
    b = s.breakdown
    stats.objective_breakdown.CopyFrom(pb.ObjectiveBreakdown(travel=b.travel, lateness=b.lateness, unassigned=b.unassigned, preference=b.preference))
    if s.first_solution_s is not None:
        stats.time_to_first_solution.CopyFrom(_dur(s.first_solution_s))
    stats.total_time.CopyFrom(_dur(s.total_s))
    stats.solver_version = s.solver_version
    stats.random_seed = s.random_seed
    stats.solutions_found = s.solutions_found
    stats.effective_time_limit.CopyFrom(_dur(effective_time_limit_s))
    return out


def problem_to_request(problem: Problem) -> pb.SolveRequest:
    """The inverse of ``request_to_problem`` (for examples, benchmarks and round-trip tests)."""
    req = pb.SolveRequest(label=problem.label)
    for o in problem.orders:
        m = req.orders.add(
            id=o.id,
            location=_latlng(o.location),
            service_duration=_dur(o.service_duration_s),
            sla_mode=_SLA_PB[o.sla_mode],
            lateness_cost_per_hour=o.lateness_cost_per_hour,
            priority=_PRIORITY_PB[o.priority],
            required_engineer_ids=o.required_engineer_ids,
            preferred_engineer_ids=o.preferred_engineer_ids,
            excluded_engineer_ids=o.excluded_engineer_ids,
            mandatory=not o.allow_unassigned,
            demand=o.demand,
        )
        for w in o.time_windows:
            tw = m.time_windows.add()
            if w.start_s is not None:
                tw.start_time.CopyFrom(_ts(w.start_s))
            if w.end_s is not None:
                tw.end_time.CopyFrom(_ts(w.end_s))
        if o.sla_deadline_s is not None:
            m.sla_deadline.CopyFrom(_ts(o.sla_deadline_s))
        if o.create_time_s is not None:
            m.create_time.CopyFrom(_ts(o.create_time_s))
        if o.unassigned_penalty is not None:
            m.unassigned_penalty = o.unassigned_penalty
        for s in o.required_skills:
            m.required_skills.add(name=s.name, min_level=s.min_level)
    for e in problem.engineers:
        m = req.engineers.add(
            id=e.id,
            start_location=_latlng(e.start_location),
            cost_per_hour=e.cost_per_hour,
            cost_per_traveled_hour=e.cost_per_traveled_hour,
            cost_per_km=e.cost_per_km,
            speed_factor=e.speed_factor,
        )
        if e.end_location is not None:
            m.end_location.CopyFrom(_latlng(e.end_location))
        if e.max_working_time_s is not None:
            m.max_working_time.CopyFrom(_dur(e.max_working_time_s))
        if e.capacity is not None:
            m.capacity = e.capacity
        for name, level in e.skills:
            m.skills.add(name=name, level=level)
        for s in e.shifts:
            sm = m.shifts.add(start_time=_ts(s.start_s), end_time=_ts(s.end_s))
            for b in s.breaks:
                sm.breaks.add(
                    earliest_start_time=_ts(b.earliest_start_s), latest_start_time=_ts(b.latest_start_s), duration=_dur(b.duration_s)
                )
    o = problem.options
    opts = req.options
    opts.time_limit.CopyFrom(_dur(o.time_limit_s))
    opts.search_mode = _SEARCH_PB[o.search_mode]
    opts.random_seed = o.random_seed
    opts.objective_weights.travel = o.weights.travel
    opts.objective_weights.lateness = o.weights.lateness
    opts.objective_weights.unassigned = o.weights.unassigned
    if isinstance(o.travel_model, GreatCircleModel):
        opts.travel_model.great_circle.speed_kmh = o.travel_model.speed_kmh
        opts.travel_model.great_circle.detour_factor = o.travel_model.detour_factor
    opts.non_preferred_engineer_cost = o.non_preferred_engineer_cost
    opts.solution_limit = o.solution_limit
    return req

"""The one place where protobuf messages and domain objects meet: every API message the service
reads or writes is read or built here (solves, streams, jobs, scenarios, evaluation, insertion,
matrices and arrivals).

``request_to_problem`` is lenient: it converts whatever it can and reports what the wire format
alone makes invalid (missing required messages, unknown enum values, a missing timestamp), with
the same field paths as ``solver.validation``, which checks everything else.
"""

from __future__ import annotations

import datetime
import math
import re
from collections.abc import Iterator
from dataclasses import dataclass

import numpy as np
from google.protobuf import duration_pb2, timestamp_pb2
from google.type import latlng_pb2

from dispatch_service.api.v1 import dispatch_pb2 as pb
from dispatch_service.jobstore import Job, JobState
from dispatch_service.scenarios import KpiDelta, PlanDiff, ScenarioSpec
from dispatch_service.tasks import MatrixTask, Progress
from geo import TravelResult
from solver.errors import Violation
from solver.model import (
    DEFAULT_FOLLOW_UP_MAX_DELAY_S,
    DEFAULT_FOLLOW_UP_MIN_DELAY_S,
    Break,
    Engineer,
    EngineerState,
    Evaluation,
    FirstTimeFix,
    FollowUp,
    GeometryFormat,
    GreatCircleModel,
    InsertionCandidate,
    LatLng,
    ObjectiveWeights,
    Order,
    PartNeed,
    Plan,
    PlannedRoute,
    Priority,
    Problem,
    ReplanContext,
    RoadNetworkModel,
    SameEngineer,
    SearchMode,
    Shift,
    SkillRequirement,
    SlaMode,
    SlaTargets,
    SolveOptions,
    SolveStatus,
    TargetKind,
    TargetMode,
    Territory,
    TerritoryMode,
    TimeWindow,
    TravelModel,
    UnassignedReason,
    ViolationType,
)
from solver.slots import SlotGrid, SlotOffer, SlotReason, ranked

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
_SAME_ENGINEER = {
    pb.SAME_ENGINEER_RULE_UNSPECIFIED: SameEngineer.PREFERRED,
    pb.SAME_ENGINEER_RULE_REQUIRED: SameEngineer.REQUIRED,
    pb.SAME_ENGINEER_RULE_PREFERRED: SameEngineer.PREFERRED,
    pb.SAME_ENGINEER_RULE_ANY: SameEngineer.ANY,
}
_SAME_ENGINEER_PB = {v: k for k, v in _SAME_ENGINEER.items() if k != pb.SAME_ENGINEER_RULE_UNSPECIFIED}
_TERRITORY = {
    pb.TERRITORY_MODE_UNSPECIFIED: TerritoryMode.HARD,
    pb.TERRITORY_MODE_HARD: TerritoryMode.HARD,
    pb.TERRITORY_MODE_SOFT: TerritoryMode.SOFT,
}
_TERRITORY_PB = {TerritoryMode.HARD: pb.TERRITORY_MODE_HARD, TerritoryMode.SOFT: pb.TERRITORY_MODE_SOFT}
_GEOMETRY = {
    pb.GEOMETRY_FORMAT_UNSPECIFIED: GeometryFormat.NONE,
    pb.GEOMETRY_FORMAT_NONE: GeometryFormat.NONE,
    pb.GEOMETRY_FORMAT_ENCODED_POLYLINE: GeometryFormat.ENCODED_POLYLINE,
    pb.GEOMETRY_FORMAT_GEOJSON: GeometryFormat.GEOJSON,
}
_GEOMETRY_PB = {v: k for k, v in _GEOMETRY.items() if k != pb.GEOMETRY_FORMAT_UNSPECIFIED}
_VIOLATION_PB = {t: pb.ViolationType.Value(f"VIOLATION_TYPE_{t.name}") for t in ViolationType}
_STATUS_PB = {s: pb.SolveStatus.Value(s.name) for s in SolveStatus}
_TARGET_MODE = {
    pb.TARGET_MODE_UNSPECIFIED: TargetMode.REPORTED,
    pb.TARGET_MODE_REPORTED: TargetMode.REPORTED,
    pb.TARGET_MODE_OPTIMISED: TargetMode.OPTIMISED,
}
_TARGET_MODE_PB = {TargetMode.REPORTED: pb.TARGET_MODE_REPORTED, TargetMode.OPTIMISED: pb.TARGET_MODE_OPTIMISED}
_TARGET_KIND_PB = {k: pb.TargetKind.Value(f"TARGET_KIND_{k.name}") for k in TargetKind}


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

    def latlng(self, msg, field: str, path: str) -> LatLng:
        """A required point; a placeholder (0, 0) when missing keeps the rest checkable."""
        found = self.optional_latlng(msg, field)
        if found is None:
            self.violations.append(Violation(path, "is required"))
            return LatLng(0.0, 0.0)
        return found

    def optional_latlng(self, msg, field: str) -> LatLng | None:
        if not msg.HasField(field):
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


@dataclass(frozen=True)
class Sizes:
    """A request's list lengths, read without converting anything: the cheap admission limits
    are decided from these before any domain object is built."""

    orders: int
    engineers: int
    shifts: int
    replan_states: int = 0
    committed_ids: int = 0
    previous_routes: int = 0
    previous_route_ids: int = 0


def request_sizes(request: pb.SolveRequest) -> Sizes:
    sizes = Sizes(len(request.orders), len(request.engineers), sum(len(e.shifts) for e in request.engineers))
    if not request.HasField("replan"):
        return sizes
    r = request.replan
    routes, ids = route_sizes(r.previous_routes)
    committed = sum(len(s.committed_order_ids) for s in r.engineer_states)
    return Sizes(sizes.orders, sizes.engineers, sizes.shifts, len(r.engineer_states), committed, routes, ids)


def route_sizes(routes) -> tuple[int, int]:
    """(routes, order ids in them) of a list of PlannedRoute messages."""
    return len(routes), sum(len(r.order_ids) for r in routes)


def scenario_sizes(request: pb.CompareScenariosRequest) -> list[dict[str, int]]:
    """Per scenario: the lengths of its lists (call only once their number is known small)."""
    return [
        {"add_orders": len(s.add_orders), "add_engineers": len(s.add_engineers),
         "remove_order_ids": len(s.remove_order_ids), "remove_engineer_ids": len(s.remove_engineer_ids)}
        for s in request.scenarios
    ]


def shift_end_times(request: pb.SolveRequest) -> list[tuple[int, int, int]]:
    """(engineer index, shift index, end in Unix seconds) of every shift that has an end."""
    return [(i, k, s.end_time.seconds) for i, e in enumerate(request.engineers) for k, s in enumerate(e.shifts) if s.HasField("end_time")]


def request_to_problem(request: pb.SolveRequest, prefix: str = "") -> tuple[Problem, list[Violation]]:
    """``prefix`` is the path of the request inside an outer message (e.g. ``problem.``)."""
    r = _Reader()
    orders = tuple(_order(r, f"orders[{i}]", o) for i, o in enumerate(request.orders))
    engineers = tuple(_engineer(r, f"engineers[{i}]", e) for i, e in enumerate(request.engineers))
    options = _options(r, request.options)
    replan = _replan(r, request.replan) if request.HasField("replan") else None
    violations = [Violation(prefix + v.field, v.description) for v in r.violations]
    return Problem(orders, engineers, options, request.label, replan), violations


def order_from_pb(o: pb.Order, path: str) -> tuple[Order, list[Violation]]:
    r = _Reader()
    return _order(r, path, o), r.violations


def planned_routes_from_pb(routes) -> tuple[PlannedRoute, ...]:
    return tuple(PlannedRoute(r.engineer_id, r.shift_index, tuple(r.order_ids)) for r in routes)


def _replan(r: _Reader, m: pb.ReplanContext) -> ReplanContext:
    states = []
    for k, s in enumerate(m.engineer_states):
        states.append(
            EngineerState(
                engineer_id=s.engineer_id,
                in_progress_order_id=s.in_progress_order_id or None,
                in_progress_start_s=r.time(s, "in_progress_start_time", f"replan.engineer_states[{k}].in_progress_start_time"),
                committed_order_ids=tuple(s.committed_order_ids),
            )
        )
    tolerance = r.duration(m, "arrival_tolerance", "replan.arrival_tolerance")
    return ReplanContext(
        freeze_before_s=r.time(m, "freeze_before_time", "replan.freeze_before_time"),
        engineer_states=tuple(states),
        previous_routes=planned_routes_from_pb(m.previous_routes),
        reassignment_cost=_opt(m, "reassignment_cost", 0.0),
        arrival_shift_cost_per_hour=_opt(m, "arrival_shift_cost_per_hour", 0.0),
        arrival_tolerance_s=1800 if tolerance is None else tolerance,
    )


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
        parts=tuple(PartNeed(x.sku, x.quantity or 1) for x in o.parts),
        follow_up=_follow_up(r, f"{p}.follow_up", o.follow_up) if o.HasField("follow_up") else None,
        age_s=r.duration(o, "age", f"{p}.age") or 0,
        attempts=o.attempt_count,
    )


def _follow_up(r: _Reader, p: str, f: pb.FollowUp) -> FollowUp:
    which = f.WhichOneof("first_visit")
    if which is None:
        r.violations.append(Violation(p, "must name previous_order_id or previous_visit"))
    previous_end = previous_engineer = None
    if which == "previous_visit":
        previous_end = r.time(f.previous_visit, "end_time", f"{p}.previous_visit.end_time", required=True)
        previous_engineer = f.previous_visit.engineer_id or None
    min_delay = r.duration(f, "min_delay", f"{p}.min_delay")
    max_delay = r.duration(f, "max_delay", f"{p}.max_delay")
    return FollowUp(
        previous_order_id=f.previous_order_id if which == "previous_order_id" else None,
        previous_end_s=previous_end,
        previous_engineer_id=previous_engineer,
        min_delay_s=DEFAULT_FOLLOW_UP_MIN_DELAY_S if min_delay is None else min_delay,
        max_delay_s=DEFAULT_FOLLOW_UP_MAX_DELAY_S if max_delay is None else max_delay,
        same_engineer=r.enum(f.same_engineer, _SAME_ENGINEER, f"{p}.same_engineer", "SameEngineerRule"),
        other_engineer_cost=_opt(f, "other_engineer_cost", 50.0),
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
        end_location=r.optional_latlng(e, "end_location"),
        shifts=tuple(shifts),
        skills=tuple((s.name, s.level or 1) for s in e.skills),
        max_working_time_s=r.duration(e, "max_working_time", f"{p}.max_working_time"),
        cost_per_hour=_opt(e, "cost_per_hour", 0.0),
        cost_per_traveled_hour=_opt(e, "cost_per_traveled_hour", 1.0),
        cost_per_km=_opt(e, "cost_per_km", 0.0),
        speed_factor=_opt(e, "speed_factor", 1.0),
        capacity=_opt(e, "capacity", None),
        territory=_territory(r, f"{p}.territory", e.territory) if e.HasField("territory") else None,
        van_stock=tuple((x.sku, x.quantity) for x in e.van_stock),
        skill_valid_until_s=tuple((s.name, s.valid_until.seconds) for s in e.skills if s.HasField("valid_until")),
        max_overtime_s=r.duration(e, "max_overtime", f"{p}.max_overtime"),
        overtime_cost_per_hour=_opt(e, "overtime_cost_per_hour", 0.0),
        min_rest_s=r.duration(e, "min_rest", f"{p}.min_rest"),
        last_shift_end_s=r.time(e, "last_shift_end_time", f"{p}.last_shift_end_time"),
        max_weekly_working_s=r.duration(e, "max_weekly_working_time", f"{p}.max_weekly_working_time"),
        worked_this_week_s=r.duration(e, "worked_this_week", f"{p}.worked_this_week") or 0,
        week_start_s=r.time(e, "week_start_time", f"{p}.week_start_time"),
        consecutive_days_worked=e.consecutive_days_worked,
    )


def _territory(r: _Reader, p: str, t: pb.Territory) -> Territory:
    if not t.geojson:
        r.violations.append(Violation(f"{p}.geojson", "is required"))
    elif len(t.geojson) > 1_000_000:
        r.violations.append(Violation(f"{p}.geojson", "must be at most 1 MB"))
    return Territory(t.geojson, r.enum(t.mode, _TERRITORY, f"{p}.mode", "TerritoryMode"), _opt(t, "outside_cost", 10.0))


def _options(r: _Reader, o: pb.SolveOptions) -> SolveOptions:
    limit = DEFAULT_TIME_LIMIT_S
    if o.HasField("time_limit"):
        limit = o.time_limit.seconds + o.time_limit.nanos / 1e9
    w = o.objective_weights
    gc = o.travel_model.great_circle
    travel_model: TravelModel = GreatCircleModel(_opt(gc, "speed_kmh", 40.0), _opt(gc, "detour_factor", 1.3))
    if o.travel_model.WhichOneof("model") == "road_network":
        rn = o.travel_model.road_network
        travel_model = RoadNetworkModel(rn.map_id, _opt(rn, "max_snap_distance_meters", 500.0))
    return SolveOptions(
        time_limit_s=limit,
        search_mode=r.enum(o.search_mode, _SEARCH, "options.search_mode", "SearchMode"),
        random_seed=o.random_seed,
        weights=ObjectiveWeights(_opt(w, "travel", 1.0), _opt(w, "lateness", 1.0), _opt(w, "unassigned", 1.0)),
        travel_model=travel_model,
        non_preferred_engineer_cost=_opt(o, "non_preferred_engineer_cost", 1.0),
        solution_limit=o.solution_limit,
        geometry_format=r.enum(o.geometry_format, _GEOMETRY, "options.geometry_format", "GeometryFormat"),
        fairness_weight=_opt(o, "fairness_weight", 0.0),
        first_time_fix=FirstTimeFix(
            base_probability=_opt(o.first_time_fix, "base_probability", 0.8),
            per_level=_opt(o.first_time_fix, "per_level", 0.04),
            max_probability=_opt(o.first_time_fix, "max_probability", 0.98),
            revisit_cost=_opt(o.first_time_fix, "revisit_cost", 0.0),
            target_rate=_opt(o.first_time_fix, "target_rate", 0.85),
        ),
        sla_targets=_sla_targets(r, o.sla_targets) if o.HasField("sla_targets") else None,
    )


def _sla_targets(r: _Reader, t: pb.SlaTargets) -> SlaTargets:
    p = "options.sla_targets"
    d = SlaTargets()

    def mode(field: str) -> TargetMode:
        return r.enum(getattr(t, field), _TARGET_MODE, f"{p}.{field}", "TargetMode")

    mean = r.duration(t, "max_mean_response", f"{p}.max_mean_response")
    longest = r.duration(t, "max_response", f"{p}.max_response")
    return SlaTargets(
        max_overdue_rate=_opt(t, "max_overdue_rate", d.max_overdue_rate), overdue_mode=mode("overdue_mode"),
        max_mean_response_s=d.max_mean_response_s if mean is None else mean, mean_response_mode=mode("mean_response_mode"),
        max_response_s=d.max_response_s if longest is None else longest, max_response_mode=mode("max_response_mode"),
        overdue_breach_cost=_opt(t, "overdue_breach_cost", d.overdue_breach_cost),
        response_breach_cost_per_hour=_opt(t, "response_breach_cost_per_hour", d.response_breach_cost_per_hour),
        mean_response_cost_per_hour=_opt(t, "mean_response_cost_per_hour", d.mean_response_cost_per_hour),
        max_orders_at_risk=_opt(t, "max_orders_at_risk", d.max_orders_at_risk),
    )


def _sla_targets_to_pb(t: SlaTargets, m: pb.SlaTargets) -> None:
    m.max_overdue_rate, m.overdue_mode = t.max_overdue_rate, _TARGET_MODE_PB[t.overdue_mode]
    m.max_mean_response.CopyFrom(_dur(t.max_mean_response_s))
    m.mean_response_mode = _TARGET_MODE_PB[t.mean_response_mode]
    m.max_response.CopyFrom(_dur(t.max_response_s))
    m.max_response_mode = _TARGET_MODE_PB[t.max_response_mode]
    m.overdue_breach_cost, m.response_breach_cost_per_hour = t.overdue_breach_cost, t.response_breach_cost_per_hour
    m.mean_response_cost_per_hour, m.max_orders_at_risk = t.mean_response_cost_per_hour, t.max_orders_at_risk


# ---------------------------------------------------------------------------------------------
# Domain -> protobuf


def _ts(seconds: float) -> timestamp_pb2.Timestamp:
    """Unix seconds (whole, as in plans, or fractional, as job times) as a Timestamp."""
    if isinstance(seconds, (int, np.integer)):
        return timestamp_pb2.Timestamp(seconds=int(seconds))
    t = timestamp_pb2.Timestamp()
    t.FromNanoseconds(int(round(seconds * 1e9)))
    return t


def _dur(seconds: float) -> duration_pb2.Duration:
    d = duration_pb2.Duration()
    d.FromNanoseconds(int(round(seconds * 1e9)))
    return d


def _latlng(loc: LatLng) -> latlng_pb2.LatLng:
    return latlng_pb2.LatLng(latitude=loc.lat, longitude=loc.lng)


def _follow_up_to_pb(f: FollowUp, m: pb.FollowUp) -> None:
    if f.previous_order_id is not None:
        m.previous_order_id = f.previous_order_id
    elif f.previous_end_s is not None:
        m.previous_visit.end_time.CopyFrom(_ts(f.previous_end_s))
        m.previous_visit.engineer_id = f.previous_engineer_id or ""
    m.min_delay.CopyFrom(_dur(f.min_delay_s))
    m.max_delay.CopyFrom(_dur(f.max_delay_s))
    m.same_engineer = _SAME_ENGINEER_PB[f.same_engineer]
    m.other_engineer_cost = f.other_engineer_cost


def _breakdown(b) -> pb.ObjectiveBreakdown:
    return pb.ObjectiveBreakdown(
        travel=b.travel, lateness=b.lateness, unassigned=b.unassigned, preference=b.preference,
        territory=b.territory, disruption=b.disruption, overtime=b.overtime, fairness=b.fairness,
        follow_up=b.follow_up, revisit=b.revisit,
    )


def plan_to_response(plan: Plan, effective_time_limit_s: float) -> pb.SolveResponse:
    out = pb.SolveResponse(label=plan.label)
    _fill_plan(out, plan.routes, plan.unassigned, plan.kpis)
    s = plan.stats
    stats = out.stats
    stats.status = _STATUS_PB[s.status]
    stats.objective = s.objective
    stats.objective_breakdown.CopyFrom(_breakdown(s.breakdown))
    if s.first_solution_s is not None:
        stats.time_to_first_solution.CopyFrom(_dur(s.first_solution_s))
    stats.total_time.CopyFrom(_dur(s.total_s))
    stats.solver_version = s.solver_version
    stats.random_seed = s.random_seed
    stats.solutions_found = s.solutions_found
    stats.effective_time_limit.CopyFrom(_dur(effective_time_limit_s))
    return out


def evaluation_to_response(evaluation: Evaluation) -> pb.EvaluatePlanResponse:
    out = pb.EvaluatePlanResponse(label=evaluation.label)
    _fill_plan(out, evaluation.routes, evaluation.unassigned, evaluation.kpis)
    for v in evaluation.violations:
        out.violations.add(
            type=_VIOLATION_PB[v.type], order_id=v.order_id, engineer_id=v.engineer_id,
            shift_index=v.shift_index, amount=_dur(v.amount_s), detail=v.detail,
        )
    out.objective_breakdown.CopyFrom(_breakdown(evaluation.breakdown))
    out.objective = evaluation.breakdown.total
    return out


def candidates_to_response(candidates: list[InsertionCandidate], reason: UnassignedReason | None) -> pb.RecommendInsertionResponse:
    out = pb.RecommendInsertionResponse()
    for c in candidates:
        m = out.candidates.add(
            engineer_id=c.engineer_id, shift_index=c.shift_index, position=c.position,
            arrival_time=_ts(c.arrival_s), start_time=_ts(c.start_s),
            added_travel_duration=_dur(c.added_travel_s), added_travel_distance_meters=c.added_distance_m,
            newly_late_order_ids=c.newly_late_order_ids, broken_order_ids=c.broken_order_ids, added_cost=c.added_cost,
        )
        if c.sla_slack_s is not None:
            m.sla_slack.CopyFrom(_dur(c.sla_slack_s))
    if reason is not None:
        out.reason = _REASON_PB[reason]
    return out


def _fill_plan(out, routes, unassigned, k) -> None:
    for route in routes:
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
            end_leg_geometry=route.end_leg_geometry,
            overtime=_dur(route.overtime_s),
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
                leg_geometry=v.leg_geometry,
            )
        for b in route.breaks:
            r.breaks.add(start_time=_ts(b.start_s), end_time=_ts(b.end_s))
    for u in unassigned:
        um = out.unassigned_orders.add(
            order_id=u.order_id, reason=_REASON_PB[u.reason], example_engineer_id=u.example_engineer_id, detail=u.detail
        )
        if u.next_possible_s is not None:
            um.next_possible_time.CopyFrom(_ts(u.next_possible_s))
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
    kpis.total_overtime.CopyFrom(_dur(k.total_overtime_s))
    kpis.routes_with_overtime = k.routes_with_overtime
    kpis.expected_first_time_fix_rate = k.expected_first_time_fix_rate
    kpis.first_time_fix_target = k.first_time_fix_target
    kpis.follow_ups_due = k.follow_ups_due
    kpis.follow_ups_planned_in_window = k.follow_ups_planned_in_window
    kpis.follow_up_same_engineer_rate = k.follow_up_same_engineer_rate
    kpis.fairness_index = k.fairness_index
    kpis.longest_day.CopyFrom(_dur(k.longest_day_s))
    if k.shortest_rest_s is not None:
        kpis.shortest_rest.CopyFrom(_dur(k.shortest_rest_s))
    kpis.max_consecutive_days = k.max_consecutive_days
    for t in k.targets:
        kpis.targets.add(kind=_TARGET_KIND_PB[t.kind], mode=_TARGET_MODE_PB[t.mode], target=t.target, actual=t.actual,
                         met=t.met, margin=t.margin, breaching_orders=t.breaching_orders, cost=t.cost)
    for a in k.orders_at_risk:
        kpis.orders_at_risk.add(order_id=a.order_id, slack=_dur(a.slack_s), kind=_TARGET_KIND_PB[a.kind])


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
        if o.age_s:
            m.age.CopyFrom(_dur(o.age_s))
        m.attempt_count = o.attempts
        for s in o.required_skills:
            m.required_skills.add(name=s.name, min_level=s.min_level)
        for part in o.parts:
            m.parts.add(sku=part.sku, quantity=part.quantity)
        if o.follow_up is not None:
            _follow_up_to_pb(o.follow_up, m.follow_up)
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
        if e.territory is not None:
            m.territory.geojson = e.territory.geojson
            m.territory.mode = _TERRITORY_PB[e.territory.mode]
            m.territory.outside_cost = e.territory.outside_cost
        expiry = dict(e.skill_valid_until_s)
        for name, level in e.skills:
            sk = m.skills.add(name=name, level=level)
            if name in expiry:
                sk.valid_until.CopyFrom(_ts(expiry[name]))
        for sku, quantity in e.van_stock:
            m.van_stock.add(sku=sku, quantity=quantity)
        for field, value in (("max_overtime", e.max_overtime_s), ("min_rest", e.min_rest_s),
                             ("max_weekly_working_time", e.max_weekly_working_s)):
            if value is not None:
                getattr(m, field).CopyFrom(_dur(value))
        if e.overtime_cost_per_hour:
            m.overtime_cost_per_hour = e.overtime_cost_per_hour
        if e.last_shift_end_s is not None:
            m.last_shift_end_time.CopyFrom(_ts(e.last_shift_end_s))
        if e.week_start_s is not None:
            m.week_start_time.CopyFrom(_ts(e.week_start_s))
        if e.worked_this_week_s:
            m.worked_this_week.CopyFrom(_dur(e.worked_this_week_s))
        m.consecutive_days_worked = e.consecutive_days_worked
        for shift in e.shifts:
            sm = m.shifts.add(start_time=_ts(shift.start_s), end_time=_ts(shift.end_s))
            for b in shift.breaks:
                sm.breaks.add(
                    earliest_start_time=_ts(b.earliest_start_s), latest_start_time=_ts(b.latest_start_s), duration=_dur(b.duration_s)
                )
    options = problem.options
    opts = req.options
    opts.time_limit.CopyFrom(_dur(options.time_limit_s))
    opts.search_mode = _SEARCH_PB[options.search_mode]
    opts.random_seed = options.random_seed
    opts.objective_weights.travel = options.weights.travel
    opts.objective_weights.lateness = options.weights.lateness
    opts.objective_weights.unassigned = options.weights.unassigned
    if isinstance(options.travel_model, GreatCircleModel):
        opts.travel_model.great_circle.speed_kmh = options.travel_model.speed_kmh
        opts.travel_model.great_circle.detour_factor = options.travel_model.detour_factor
    else:
        opts.travel_model.road_network.map_id = options.travel_model.map_id
        opts.travel_model.road_network.max_snap_distance_meters = options.travel_model.max_snap_distance_m
    opts.non_preferred_engineer_cost = options.non_preferred_engineer_cost
    opts.solution_limit = options.solution_limit
    opts.geometry_format = _GEOMETRY_PB[options.geometry_format]
    if options.fairness_weight:
        opts.fairness_weight = options.fairness_weight
    ftf = options.first_time_fix
    if ftf != FirstTimeFix():
        opts.first_time_fix.base_probability = ftf.base_probability
        opts.first_time_fix.per_level = ftf.per_level
        opts.first_time_fix.max_probability = ftf.max_probability
        opts.first_time_fix.revisit_cost = ftf.revisit_cost
        opts.first_time_fix.target_rate = ftf.target_rate
    if options.sla_targets is not None:
        _sla_targets_to_pb(options.sla_targets, opts.sla_targets)
    if problem.replan is not None:
        c = problem.replan
        m = req.replan
        if c.freeze_before_s is not None:
            m.freeze_before_time.CopyFrom(_ts(c.freeze_before_s))
        for st in c.engineer_states:
            sm = m.engineer_states.add(engineer_id=st.engineer_id, in_progress_order_id=st.in_progress_order_id or "",
                                       committed_order_ids=st.committed_order_ids)
            if st.in_progress_start_s is not None:
                sm.in_progress_start_time.CopyFrom(_ts(st.in_progress_start_s))
        for r in c.previous_routes:
            m.previous_routes.add(engineer_id=r.engineer_id, shift_index=r.shift_index, order_ids=r.order_ids)
        m.reassignment_cost = c.reassignment_cost
        m.arrival_shift_cost_per_hour = c.arrival_shift_cost_per_hour
        m.arrival_tolerance.CopyFrom(_dur(c.arrival_tolerance_s))
    return req


def response_parts(response: pb.SolveResponse, unassigned_per_part: int) -> Iterator[pb.SolveLargeResponse]:
    """A ``SolveResponse`` as ``SolveLarge`` sends it: each route, the unassigned orders in
    batches, then the rest (label, KPIs, stats) as the summary, last. Each part is copied out
    as it is sent, and the response loses its routes before the summary goes."""
    for route in response.routes:
        yield pb.SolveLargeResponse(route=route)
    unassigned = response.unassigned_orders
    for start in range(0, len(unassigned), unassigned_per_part):
        yield pb.SolveLargeResponse(unassigned=pb.UnassignedBatch(orders=unassigned[start:start + unassigned_per_part]))
    response.ClearField("routes")
    response.ClearField("unassigned_orders")
    yield pb.SolveLargeResponse(summary=response)


def validated_response(label: str) -> pb.SolveResponse:
    """The answer to a ``validate_only`` request that passed every check."""
    response = pb.SolveResponse(label=label)
    response.stats.status = pb.VALIDATED
    return response


# ---------------------------------------------------------------------------------------------
# Streaming


def progress_to_pb(progress: Progress, label: str, time_limit_s: float) -> pb.SolveProgress:
    """A progress update; without a plan snapshot the plan carries only the label and stats."""
    out = pb.SolveProgress(elapsed=_dur(progress.elapsed_s))
    if progress.plan is not None:
        out.plan.CopyFrom(plan_to_response(progress.plan, time_limit_s))
        out.plan.stats.solutions_found = max(out.plan.stats.solutions_found, progress.solutions)
    else:
        out.plan.label = label
        if progress.objective is not None:
            out.plan.stats.objective = progress.objective
        out.plan.stats.solutions_found = progress.solutions
        out.plan.stats.effective_time_limit.CopyFrom(_dur(time_limit_s))
    return out


def final_to_pb(plan: Plan, time_limit_s: float) -> pb.SolveProgress:
    return pb.SolveProgress(elapsed=_dur(plan.stats.total_s), plan=plan_to_response(plan, time_limit_s), final=True)


def validated_progress(label: str) -> pb.SolveProgress:
    return pb.SolveProgress(plan=validated_response(label), final=True)


# ---------------------------------------------------------------------------------------------
# Jobs (a job keeps its own state enum and its plan as serialized SolveResponse bytes)

_JOB_STATE_PB = {
    JobState.PENDING: pb.JOB_STATE_PENDING,
    JobState.RUNNING: pb.JOB_STATE_RUNNING,
    JobState.SUCCEEDED: pb.JOB_STATE_SUCCEEDED,
    JobState.FAILED: pb.JOB_STATE_FAILED,
    JobState.CANCELLED: pb.JOB_STATE_CANCELLED,
}


def plan_bytes(plan: Plan, time_limit_s: float) -> bytes:
    """A plan as a job keeps it."""
    return plan_to_response(plan, time_limit_s).SerializeToString()


def job_to_pb(job: Job, with_plan: bool = True) -> pb.SolveJob:
    out = pb.SolveJob(
        job_id=job.job_id,
        label=job.label,
        state=_JOB_STATE_PB[JobState(job.state)],
        create_time=_ts(float(job.create_time)),
        elapsed=_dur(job.elapsed_s),
        solutions_found=job.solutions,
        error_code=job.error_code,
        error_message=job.error_message,
        order_count=job.order_count,
        engineer_count=job.engineer_count,
    )
    if job.end_time is not None:
        out.end_time.CopyFrom(_ts(float(job.end_time)))
    if with_plan and job.plan:
        out.plan.ParseFromString(job.plan)
    return out


def validated_job(job_id: str, label: str, now_s: float, order_count: int, engineer_count: int) -> pb.SolveJob:
    """The job a ``validate_only`` StartSolve answers with: already succeeded, nothing run."""
    job = pb.SolveJob(job_id=job_id, label=label, state=pb.JOB_STATE_SUCCEEDED, plan=validated_response(label),
                      order_count=order_count, engineer_count=engineer_count)
    job.create_time.CopyFrom(_ts(float(now_s)))
    job.end_time.CopyFrom(_ts(float(now_s)))
    return job


def jobs_to_pb(jobs: list[Job]) -> pb.ListSolvesResponse:
    return pb.ListSolvesResponse(jobs=[job_to_pb(j, with_plan=False) for j in jobs])


# ---------------------------------------------------------------------------------------------
# What-if scenarios

_ITEM = re.compile(r"^(orders|engineers)\[(\d+)\](.*)$")


def scenario_from_pb(msg: pb.Scenario, path: str) -> tuple[ScenarioSpec, list[Violation]]:
    """Reads one scenario; its added orders and engineers are converted exactly as a request's
    (wire-level violations get paths like ``scenarios[1].add_orders[0].location``)."""
    problem, violations = request_to_problem(pb.SolveRequest(orders=msg.add_orders, engineers=msg.add_engineers))
    out = []
    for v in violations:
        m = _ITEM.match(v.field)
        field = f"{path}.add_{m.group(1)}[{m.group(2)}]{m.group(3)}" if m else f"{path}.{v.field}"
        out.append(Violation(field, v.description))
    spec = ScenarioSpec(
        name=msg.name,
        remove_engineer_ids=tuple(msg.remove_engineer_ids),
        add_engineers=problem.engineers,
        remove_order_ids=tuple(msg.remove_order_ids),
        add_orders=problem.orders,
        order_scale=msg.order_scale if msg.HasField("order_scale") else None,
        sla_hours=msg.sla_hours if msg.HasField("sla_hours") else None,
        speed_scale=msg.speed_scale if msg.HasField("speed_scale") else None,
        shift_end_offset_s=msg.shift_end_offset.seconds,
        shift_start_offset_s=msg.shift_start_offset.seconds,
    )
    return spec, out


def kpi_delta_to_pb(d: KpiDelta) -> pb.KpiDelta:
    out = pb.KpiDelta(
        orders_served=d.orders_served,
        orders_unassigned=d.orders_unassigned,
        on_time_rate=d.on_time_rate,
        overdue_count=d.overdue_count,
        total_travel_duration=_dur(d.total_travel_duration_s),
        total_travel_distance_meters=d.total_travel_distance_m,
        total_working_duration=_dur(d.total_working_s),
        objective=d.objective,
    )
    if d.mean_response_s is not None:
        out.mean_response_time.CopyFrom(_dur(d.mean_response_s))
    return out


def plan_diff_to_pb(d: PlanDiff) -> pb.PlanDiff:
    return pb.PlanDiff(
        moved_order_ids=d.moved_order_ids,
        newly_unassigned_order_ids=d.newly_unassigned_order_ids,
        newly_served_order_ids=d.newly_served_order_ids,
        changed_engineer_ids=d.changed_engineer_ids,
        mean_arrival_shift=_dur(d.mean_arrival_shift_s),
        max_arrival_shift=_dur(d.max_arrival_shift_s),
    )


def scenario_result_to_pb(name: str, plan: Plan, delta: KpiDelta, diff: PlanDiff, time_limit_s: float, include_plan: bool,
                          noise: KpiDelta | None = None) -> pb.ScenarioResult:
    response = plan_to_response(plan, time_limit_s)
    out = pb.ScenarioResult(
        name=name, kpis=response.kpis, objective=plan.stats.objective, delta=kpi_delta_to_pb(delta), diff=plan_diff_to_pb(diff)
    )
    if include_plan:
        out.plan.CopyFrom(response)
    if noise is not None:
        out.noise.CopyFrom(kpi_delta_to_pb(noise))
    return out


def comparison_to_pb(names: list[str], plans: list[Plan], deltas: list[KpiDelta], diffs: list[PlanDiff],
                     time_limit_s: float, include_plans: bool, noises: list[KpiDelta] | None = None) -> pb.CompareScenariosResponse:
    """The base (first) and each scenario's result (with ``noises``: each one's KPI ranges)."""
    out = pb.CompareScenariosResponse()
    noise_of: list[KpiDelta | None] = list(noises) if noises else [None] * len(plans)
    results = [scenario_result_to_pb(n, p, d, f, time_limit_s, include_plans, z)
               for n, p, d, f, z in zip(names, plans, deltas, diffs, noise_of)]
    out.base.CopyFrom(results[0])
    out.scenarios.extend(results[1:])
    return out


# ---------------------------------------------------------------------------------------------
# Geo RPCs


def _point(msg, path: str, violations: list[Violation]) -> LatLng:
    lat, lng = msg.latitude, msg.longitude
    if not (math.isfinite(lat) and -90 <= lat <= 90):
        violations.append(Violation(f"{path}.latitude", f"must be a finite number of degrees in [-90, 90], got {lat}"))
    if not (math.isfinite(lng) and -180 <= lng <= 180):
        violations.append(Violation(f"{path}.longitude", f"must be a finite number of degrees in [-180, 180], got {lng}"))
    return LatLng(lat, lng)


def travel_model_from_pb(msg: pb.TravelModel):
    """A geo request's travel model, read as a Solve request's options read theirs."""
    return _options(_Reader(), pb.SolveOptions(travel_model=msg)).travel_model


def matrix_task_from_pb(request: pb.ComputeMatrixRequest) -> tuple[MatrixTask, list[Violation]]:
    violations: list[Violation] = []
    origins = [_point(p, f"origins[{i}]", violations) for i, p in enumerate(request.origins)]
    destinations = [_point(p, f"destinations[{i}]", violations) for i, p in enumerate(request.destinations)]
    task = MatrixTask(
        travel_model_from_pb(request.travel_model),
        np.array([p.lat for p in origins], dtype=np.float64), np.array([p.lng for p in origins], dtype=np.float64),
        np.array([p.lat for p in destinations], dtype=np.float64), np.array([p.lng for p in destinations], dtype=np.float64),
    )
    return task, violations


def matrix_to_response(result: TravelResult, n_origins: int) -> pb.ComputeMatrixResponse:
    """``result`` from origins to destinations; pairs touching an unroutable point are -1."""
    o, d = slice(0, n_origins), slice(n_origins, None)
    duration, distance = result.duration_s.copy(), result.distance_m.copy()
    off = result.unroutable[o][:, None] | result.unroutable[d][None, :]
    duration[off] = -1
    distance[off] = -1
    snap = np.nan_to_num(result.snap_distance_m, nan=-1.0)
    return pb.ComputeMatrixResponse(
        durations_seconds=duration.ravel().tolist(), distances_meters=distance.ravel().tolist(),
        origin_snap_distances_meters=snap[o].tolist(), destination_snap_distances_meters=snap[d].tolist(),
        origin_unroutable=result.unroutable[o].tolist(), destination_unroutable=result.unroutable[d].tolist(),
    )


@dataclass(frozen=True)
class ArrivalQuery:
    origin: LatLng
    destination: LatLng
    departure_s: int
    speed_factor: float
    travel_model: TravelModel
    geometry_format: GeometryFormat | None  # None: not a known format (a violation says so)


def arrival_query_from_pb(request: pb.EstimateArrivalRequest, default_departure_s: int) -> tuple[ArrivalQuery, list[Violation]]:
    violations: list[Violation] = []
    for field in ("origin", "destination"):
        if not request.HasField(field):
            violations.append(Violation(field, "is required"))
    a = _point(request.origin, "origin", violations)
    b = _point(request.destination, "destination", violations)
    factor = request.speed_factor if request.HasField("speed_factor") else 1.0
    if not (math.isfinite(factor) and 0.1 <= factor <= 10):
        violations.append(Violation("speed_factor", f"must be in [0.1, 10], got {factor}"))
    departure_s = request.departure_time.seconds if request.HasField("departure_time") else default_departure_s
    if not 0 <= departure_s <= 4_102_444_800:
        violations.append(Violation("departure_time", "must lie between 1970-01-01 and 2100-01-01"))
    fmt = _GEOMETRY.get(request.geometry_format)
    if fmt is None:
        violations.append(Violation("geometry_format", f"must be a GeometryFormat, got {request.geometry_format}"))
    return ArrivalQuery(a, b, departure_s, factor, travel_model_from_pb(request.travel_model), fmt), violations


def arrival_to_response(routable: bool, departure_s: int = 0, duration_s: int = 0, distance_m: int = 0, geometry: str = "") -> pb.EstimateArrivalResponse:
    if not routable:
        return pb.EstimateArrivalResponse(routable=False)
    out = pb.EstimateArrivalResponse(routable=True, travel_distance_meters=distance_m, geometry=geometry)
    out.arrival_time.seconds = departure_s + duration_s
    out.travel_duration.seconds = duration_s
    return out


# ---------------------------------------------------------------------------------------------
# Appointment booking (RecommendSlots)


_SLOT_REASON_PB = {r: pb.SlotReason.Value(f"SLOT_REASON_{r.name}") for r in SlotReason}


def slot_grid_from_pb(g: pb.SlotGrid, path: str = "slot_grid") -> tuple[SlotGrid, list[Violation]]:
    """The grid as the solver reads it, and what the wire format alone makes invalid (missing
    required fields, impossible dates); ``solver.booking.grid_violations`` checks the rest."""
    r = _Reader()
    length = r.duration(g, "slot_length", f"{path}.slot_length", required=True) or 0
    first = _date(r, g, "first_day", f"{path}.first_day", required=True) or datetime.date(1970, 1, 1)
    last = _date(r, g, "last_day", f"{path}.last_day", required=False)
    blackouts = tuple((b.start_time.seconds if b.HasField("start_time") else None, b.end_time.seconds if b.HasField("end_time") else None)
                      for b in g.blackouts)
    grid = SlotGrid(
        slot_length_s=length, first_day=first, last_day=last,
        utc_offset_s=r.duration(g, "utc_offset", f"{path}.utc_offset") or 0,
        daily_starts_s=tuple(d.seconds for d in g.daily_slot_starts),
        day_start_s=r.duration(g, "day_start", f"{path}.day_start"), day_end_s=r.duration(g, "day_end", f"{path}.day_end"),
        blackouts=blackouts,
    )
    return grid, r.violations


def _date(r: _Reader, msg, field: str, path: str, required: bool) -> datetime.date | None:
    if not msg.HasField(field):
        if required:
            r.violations.append(Violation(path, "is required"))
        return None
    d = getattr(msg, field)
    try:
        return datetime.date(d.year, d.month, d.day)
    except ValueError:
        r.violations.append(Violation(path, f"must be a valid calendar date (year, month and day set), got {d.year}-{d.month}-{d.day}"))
        return None


def _booking_slot(o: SlotOffer) -> pb.BookingSlot:
    m = pb.BookingSlot(start_time=_ts(o.slot.start_s), end_time=_ts(o.slot.end_s), kept=o.kept)
    if not o.kept:
        if o.reason is not None:
            m.reason = _SLOT_REASON_PB[o.reason]
        return m
    m.engineer_id, m.shift_index, m.position = o.engineer_id, o.shift_index, o.position
    m.arrival_time.CopyFrom(_ts(o.arrival_s))
    m.visit_start_time.CopyFrom(_ts(o.visit_start_s))
    m.added_cost, m.grade = o.added_cost, o.grade
    if o.sla_slack_s is not None:
        m.sla_slack.CopyFrom(_dur(o.sla_slack_s))
    m.slot_slack.CopyFrom(_dur(o.slot_slack_s))
    m.day_slack.CopyFrom(_dur(o.day_slack_s))
    return m


def order_slots_to_pb(order_id: str, offers: list[SlotOffer], max_slots: int, reserved: SlotOffer | None) -> pb.OrderSlots:
    """Kept slots best first (``offers`` ranked by ``solver.booking.ranked``), the rest in time order."""
    out = pb.OrderSlots(order_id=order_id)
    for o in ranked(offers)[:max_slots]:
        out.slots.append(_booking_slot(o))
    for o in offers:
        if not o.kept:
            out.unavailable_slots.append(_booking_slot(o))
    if reserved is not None:
        out.reserved_slot.CopyFrom(_booking_slot(reserved))
    return out


def planned_routes_to_pb(routes) -> list[pb.PlannedRoute]:
    return [pb.PlannedRoute(engineer_id=r.engineer_id, shift_index=r.shift_index, order_ids=list(r.order_ids)) for r in routes]
# ---- Service-history analytics (AnalyzeHistory) ---------------------------------------------------
# Kept apart from the planning converters above. The analytics types are imported inside the
# functions: they pull in pandas, h3 and PySAL, which the solve path never needs.

# Canonical record column -> HistoryBatch field (also the names in RecordError.field).
HISTORY_FIELDS = {
    "order_id": "order_id",
    "latitude_deg": "latitude",
    "longitude_deg": "longitude",
    "fault_code": "fault_code",
    "asset_id": "asset_id",
    "asset_model": "asset_model",
    "created_s": "created_time_unix_s",
    "arrived_s": "arrived_time_unix_s",
    "completed_s": "completed_time_unix_s",
    "closed_s": "closed_time_unix_s",
    "sla_deadline_s": "sla_deadline_unix_s",
    "engineer_id": "engineer_id",
    "team": "team",
    "first_time_fix": "first_time_fix",
    "reopened": "reopened",
    "follow_up_of": "follow_up_of",
}
_HISTORY_REQUIRED = ("order_id", "latitude_deg", "longitude_deg", "fault_code", "created_s")
_HOTSPOT_VARIABLE = {
    pb.HOTSPOT_VARIABLE_UNSPECIFIED: "demand_per_day",
    pb.HOTSPOT_VARIABLE_DEMAND: "demand_per_day",
    pb.HOTSPOT_VARIABLE_SLA_BREACHES: "sla_breaches_per_day",
    pb.HOTSPOT_VARIABLE_REPEAT_FAILURES: "repeat_failures_per_day",
}
_HOTSPOT_VARIABLE_PB = {v: k for k, v in _HOTSPOT_VARIABLE.items() if k != pb.HOTSPOT_VARIABLE_UNSPECIFIED}
_HOTSPOT_PB = {"": pb.HOTSPOT_UNSPECIFIED, "hot": pb.HOTSPOT_HOT, "cold": pb.HOTSPOT_COLD}
_HOTSPOT = {v: k for k, v in _HOTSPOT_PB.items()}
_KPI_SCOPE_PB = {"overall": pb.KPI_SCOPE_OVERALL, "month": pb.KPI_SCOPE_MONTH, "team": pb.KPI_SCOPE_TEAM, "engineer": pb.KPI_SCOPE_ENGINEER}
_KPI_SCOPE = {v: k for k, v in _KPI_SCOPE_PB.items()}
_FIX_PB = {1.0: pb.FIX_OUTCOME_FIXED_FIRST_TIME, 0.0: pb.FIX_OUTCOME_NOT_FIXED_FIRST_TIME}


def analysis_options_from_pb(m: pb.AnalysisOptions, path: str = "options"):
    """Options with defaults for unset fields, and the violations of the set ones."""
    from dispatch_service.analytics.analysis import AnalysisOptions

    d = AnalysisOptions()
    violations: list[Violation] = []
    variable = _HOTSPOT_VARIABLE.get(m.hotspot_variable)
    if variable is None:
        violations.append(Violation(f"{path}.hotspot_variable", f"unknown value {m.hotspot_variable}"))
        variable = d.hotspot_variable
    options = AnalysisOptions(
        h3_resolution=m.h3_resolution if m.HasField("h3_resolution") else d.h3_resolution,
        period_days=m.period_days if m.HasField("period_days") else d.period_days,
        repeat_window_days=m.repeat_window_days if m.HasField("repeat_window_days") else d.repeat_window_days,
        hotspot_variable=variable,
        hotspot_alpha=m.hotspot_alpha if m.HasField("hotspot_alpha") else d.hotspot_alpha,
        top_faults=m.top_faults if m.HasField("top_faults") else d.top_faults,
        standby_count=m.standby_count if m.HasField("standby_count") else d.standby_count,
        shift_hours=m.shift_hours if m.HasField("shift_hours") else d.shift_hours,
        as_of_s=float(m.as_of_time.seconds) if m.HasField("as_of_time") else None,
    )
    violations += [Violation(f"{path}.{name}", rule) for name, rule in options.violations()]
    return options, violations


def analysis_options_to_pb(o) -> pb.AnalysisOptions:
    m = pb.AnalysisOptions(
        h3_resolution=o.h3_resolution, period_days=o.period_days, repeat_window_days=o.repeat_window_days,
        hotspot_variable=_HOTSPOT_VARIABLE_PB[o.hotspot_variable], hotspot_alpha=o.hotspot_alpha, top_faults=o.top_faults,
        standby_count=o.standby_count, shift_hours=o.shift_hours,
    )
    if o.as_of_s is not None:
        m.as_of_time.CopyFrom(_ts(o.as_of_s))
    return m


def history_batch_columns(batch: pb.HistoryBatch, path: str = "batch"):
    """Canonical columns (numpy arrays) of one batch, or None and the violations when its
    columns differ in length (which records the values belong to is then unknown)."""
    import numpy as np
    import pyarrow as pa

    n = len(batch.order_id)
    violations = []
    for canon, name in HISTORY_FIELDS.items():
        size = len(getattr(batch, name))
        required = canon in _HISTORY_REQUIRED
        if size != n and (required or size != 0):
            what = "have" if required else "be empty or have"
            violations.append(Violation(f"{path}.{name}", f"must {what} one value per record ({n}, as order_id), got {size}"))
    if violations:
        return None, violations

    def text(name):
        # Arrow strings: a tenth of the memory of Python str objects, and they reach the
        # analysis worker as buffers (pickling a million Python strings takes seconds).
        values = getattr(batch, name)
        return pa.array(list(values) if len(values) else [""] * n, type=pa.string())

    def seconds(name):
        values = getattr(batch, name)
        if not len(values):
            return np.full(n, np.nan)
        v = np.fromiter(values, dtype=np.int64, count=n).astype(float)
        v[v == 0] = np.nan  # 0: not given
        return v

    fix = np.fromiter(batch.first_time_fix, dtype=np.int64, count=len(batch.first_time_fix)) if len(batch.first_time_fix) else np.zeros(n, np.int64)
    columns = {
        "latitude_deg": np.fromiter(batch.latitude, dtype=float, count=n),
        "longitude_deg": np.fromiter(batch.longitude, dtype=float, count=n),
        "first_time_fix": np.select([fix == pb.FIX_OUTCOME_FIXED_FIRST_TIME, fix == pb.FIX_OUTCOME_NOT_FIXED_FIRST_TIME], [1.0, 0.0], np.nan),
        "reopened": np.fromiter(batch.reopened, dtype=bool, count=len(batch.reopened)).astype(float) if len(batch.reopened) else np.zeros(n),
    }
    for canon, name in HISTORY_FIELDS.items():
        if name.endswith("_unix_s"):
            columns[canon] = seconds(name)
        elif canon not in columns:
            columns[canon] = text(name)
    # Unknown enum values (from a newer client) read as unknown outcomes.
    return columns, []


def history_batches(records, batch_size: int = 10_000):
    """Canonical records (a DataFrame) as HistoryBatch messages, for clients."""
    import numpy as np

    n = len(records)
    for start in range(0, n, batch_size):
        part = records.iloc[start:start + batch_size]
        b = pb.HistoryBatch()
        for canon, name in HISTORY_FIELDS.items():
            v = part[canon].to_numpy()
            if name.endswith("_unix_s"):
                getattr(b, name).extend(np.nan_to_num(v, nan=0.0).astype(np.int64).tolist())
            elif canon in ("latitude_deg", "longitude_deg"):
                getattr(b, name).extend(v.astype(float).tolist())
            elif canon == "first_time_fix":
                b.first_time_fix.extend(np.select([v == 1.0, v == 0.0], [_FIX_PB[1.0], _FIX_PB[0.0]], pb.FIX_OUTCOME_UNSPECIFIED).tolist())
            elif canon == "reopened":
                b.reopened.extend((v == 1.0).tolist())
            else:
                getattr(b, name).extend([str(x) for x in v])
        yield b


def _opt_dur(m, field: str, seconds: float | None) -> None:
    if seconds is not None:
        getattr(m, field).CopyFrom(_dur(seconds))


def analysis_to_response(a, label: str = "") -> pb.AnalyzeHistoryResponse:
    s, t = a.summary, a.options.targets
    r = pb.AnalyzeHistoryResponse(label=label, options=analysis_options_to_pb(a.options))
    r.summary.records_received, r.summary.records_analysed, r.summary.records_rejected = s.records_received, s.records_analysed, s.records_rejected
    r.summary.failures, r.summary.follow_ups, r.summary.days = s.failures, s.follow_ups, s.days
    r.summary.records_after_as_of = s.records_after_as_of
    if s.first_created_s is not None:
        r.summary.first_created_time.CopyFrom(_ts(s.first_created_s))
    if s.as_of_s is not None:
        r.summary.as_of_time.CopyFrom(_ts(s.as_of_s))
    r.record_errors.extend(pb.RecordError(index=e.index, field=e.field, rule=e.rule) for e in a.errors)
    r.record_error_counts.extend(pb.RecordErrorCount(field=f, rule=rule, records=n) for f, rule, n in a.error_counts)
    for f in a.faults:
        m = r.faults.add(
            fault_code=f.fault_code, count=f.count, share=f.share, cumulative_share=f.cumulative_share, repeat_rate=f.repeat_rate,
            first_time_fix_rate=f.first_time_fix_rate, reopen_rate=f.reopen_rate, count_this_period=f.count_this_period,
            count_previous_period=f.count_previous_period, trend=f.trend,
        )
    for mo in a.models:
        m = r.asset_models.add(
            asset_model=mo.asset_model, failures=mo.failures, assets=mo.assets, repeat_rate=mo.repeat_rate, repeat_z=mo.repeat_z,
            first_time_fix_rate=mo.first_time_fix_rate,
        )
        m.top_faults.extend(pb.FaultCount(fault_code=c.fault_code, count=c.count, share=c.share) for c in mo.top_faults)
    for c in a.cells:
        m = r.cells.add(
            cell=c.cell, failures=c.failures, demand_per_day=c.demand_per_day, sla_breach_rate=c.sla_breach_rate,
            repeat_rate=c.repeat_rate, gi_z=c.gi_z, gi_p=c.gi_p, hotspot=_HOTSPOT_PB[c.hotspot],
        )
        m.center.latitude, m.center.longitude = c.latitude_deg, c.longitude_deg
        _opt_dur(m, "mean_response", c.response_mean_s)
        _opt_dur(m, "p90_response", c.response_p90_s)
    for k in a.kpis:
        m = r.kpis.add(
            scope=_KPI_SCOPE_PB[k.scope], key=k.key, orders=k.orders, overdue_rate=k.overdue_rate, first_time_fix_rate=k.first_time_fix_rate,
            closure_rate=k.closure_rate, follow_ups=k.follow_ups, follow_up_in_window_rate=k.follow_up_in_window_rate,
        )
        _opt_dur(m, "mean_response", k.response_mean_s)
        _opt_dur(m, "p90_response", k.response_p90_s)
    r.targets.max_mean_response.CopyFrom(_dur(t.response_mean_max_s))
    r.targets.max_overdue_rate, r.targets.min_first_time_fix_rate, r.targets.min_closure_rate = t.overdue_rate_max, t.first_time_fix_min, t.closure_rate_min
    r.targets.follow_up_min_days, r.targets.follow_up_max_days = t.follow_up_min_days, t.follow_up_max_days
    r.targets.min_follow_up_in_window_rate = t.follow_up_in_window_min
    r.targets.closure_grace.CopyFrom(_dur(t.closure_grace_days * 86_400.0))
    for p in a.standby:
        m = r.standby_positions.add(cell=p.cell, demand_per_day=p.demand_per_day, mean_distance_meters=p.mean_distance_m)
        m.location.latitude, m.location.longitude = p.latitude_deg, p.longitude_deg
        m.stock.extend(pb.StockItem(fault_code=i.fault_code, expected_per_shift=i.expected_per_shift) for i in p.stock)
    return r


def response_to_analysis(r: pb.AnalyzeHistoryResponse):
    """The analysis a response carries (for reports made from a server's answer)."""
    from dispatch_service.analytics import areas, faults, standby, targets
    from dispatch_service.analytics.analysis import Analysis, Summary
    from dispatch_service.analytics.records import RecordError

    def opt(m, field):
        return getattr(m, field) if m.HasField(field) else None

    def dur(m, field):
        return getattr(m, field).ToNanoseconds() / 1e9 if m.HasField(field) else None

    s = r.summary
    summary = Summary(
        s.records_received, s.records_analysed, s.records_rejected, s.failures, s.follow_ups,
        float(s.first_created_time.seconds) if s.HasField("first_created_time") else None,
        float(s.as_of_time.seconds) if s.HasField("as_of_time") else None, s.days, s.records_after_as_of,
    )
    t = r.targets
    goal = targets.Targets(
        response_mean_max_s=t.max_mean_response.ToNanoseconds() / 1e9, overdue_rate_max=t.max_overdue_rate,
        first_time_fix_min=t.min_first_time_fix_rate, closure_rate_min=t.min_closure_rate, follow_up_min_days=t.follow_up_min_days,
        follow_up_max_days=t.follow_up_max_days, follow_up_in_window_min=t.min_follow_up_in_window_rate,
        closure_grace_days=t.closure_grace.ToNanoseconds() / 1e9 / 86_400.0,
    )
    options, _ = analysis_options_from_pb(r.options)
    from dataclasses import replace

    options = replace(options, targets=goal)
    return Analysis(
        summary=summary,
        errors=tuple(RecordError(e.index, e.field, e.rule) for e in r.record_errors),
        error_counts=tuple((c.field, c.rule, c.records) for c in r.record_error_counts),
        faults=tuple(
            faults.FaultStat(f.fault_code, f.count, f.share, f.cumulative_share, f.repeat_rate, opt(f, "first_time_fix_rate"), f.reopen_rate,
                             f.count_this_period, f.count_previous_period, opt(f, "trend"))
            for f in r.faults
        ),
        models=tuple(
            faults.ModelStat(m.asset_model, m.failures, m.assets, m.repeat_rate, opt(m, "repeat_z"), opt(m, "first_time_fix_rate"),
                             tuple(faults.FaultCount(c.fault_code, c.count, c.share) for c in m.top_faults))
            for m in r.asset_models
        ),
        cells=tuple(
            areas.CellStat(c.cell, c.center.latitude, c.center.longitude, c.failures, c.demand_per_day, opt(c, "sla_breach_rate"),
                           dur(c, "mean_response"), dur(c, "p90_response"), c.repeat_rate, opt(c, "gi_z"), opt(c, "gi_p"), _HOTSPOT[c.hotspot])
            for c in r.cells
        ),
        kpis=tuple(
            targets.KpiRow(_KPI_SCOPE[k.scope], k.key, k.orders, dur(k, "mean_response"), dur(k, "p90_response"), opt(k, "overdue_rate"),
                           opt(k, "first_time_fix_rate"), opt(k, "closure_rate"), k.follow_ups, opt(k, "follow_up_in_window_rate"))
            for k in r.kpis
        ),
        standby=tuple(
            standby.StandbyPosition(p.location.latitude, p.location.longitude, p.cell, p.demand_per_day, p.mean_distance_meters,
                                    tuple(standby.StockItem(i.fault_code, i.expected_per_shift) for i in p.stock))
            for p in r.standby_positions
        ),
        options=options,
    )

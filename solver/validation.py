"""Validation of a whole problem before OR-Tools sees it.

Every rule broken is reported, each with the API field path (``orders[3].time_windows[0]
.end_time``) and a one-sentence description, so a caller can fix a request in one round trip.
Paths use the public API's field names (see ``proto/``), which the domain model mirrors.
"""

from __future__ import annotations

import math
from collections.abc import Iterable

from solver import limits as L
from solver.errors import InvalidProblem, Violation
from solver.model import (
    Engineer,
    GreatCircleModel,
    LatLng,
    Order,
    Problem,
    SlaTargets,
    SolveOptions,
)


class _Collector:
    def __init__(self) -> None:
        self.violations: list[Violation] = []

    def add(self, field: str, description: str) -> None:
        self.violations.append(Violation(field, description))

    def check(self, ok: bool, field: str, description: str) -> bool:
        if not ok:
            self.add(field, description)
        return ok


def validate(problem: Problem, limits: L.Limits = L.Limits()) -> list[Violation]:
    """Returns every violation found in ``problem`` (empty when valid)."""
    c = _Collector()
    c.check(len(problem.label) <= L.MAX_LABEL_LENGTH, "label", f"must be at most {L.MAX_LABEL_LENGTH} characters")
    if len(problem.orders) > limits.max_orders:
        c.add("orders", f"at most {limits.max_orders} orders are accepted, got {len(problem.orders)}")
    if not problem.engineers:
        c.add("engineers", "at least one engineer is required")
    elif len(problem.engineers) > limits.max_engineers:
        c.add("engineers", f"at most {limits.max_engineers} engineers are accepted, got {len(problem.engineers)}")
    if c.violations:
        return c.violations  # too large or empty: checking each item would only add noise

    engineer_ids = _check_ids(c, "engineers", (e.id for e in problem.engineers))
    order_ids = _check_ids(c, "orders", (o.id for o in problem.orders))
    for i, engineer in enumerate(problem.engineers):
        _check_engineer(c, f"engineers[{i}]", engineer, limits)
    for i, order in enumerate(problem.orders):
        _check_order(c, f"orders[{i}]", order, engineer_ids, limits, order_ids)
    _check_follow_up_cycles(c, problem)
    _check_options(c, "options", problem.options)
    _check_horizon(c, problem)
    return c.violations


def order_violations(order: Order, path: str, engineer_ids: set[str], limits: L.Limits = L.Limits()) -> list[Violation]:
    """The rules of one order on its own (e.g. a new order offered to a plan in force)."""
    c = _Collector()
    if not order.id:
        c.add(f"{path}.id", "must not be empty")
    elif len(order.id) > L.MAX_ID_LENGTH:
        c.add(f"{path}.id", f"must be at most {L.MAX_ID_LENGTH} characters")
    _check_order(c, path, order, engineer_ids, limits)
    return c.violations


def validate_or_raise(problem: Problem, limits: L.Limits = L.Limits()) -> None:
    violations = validate(problem, limits)
    if violations:
        raise InvalidProblem(violations)


def _check_ids(c: _Collector, path: str, ids: Iterable[str]) -> set[str]:
    seen: dict[str, int] = {}
    for i, id_ in enumerate(ids):
        field = f"{path}[{i}].id"
        if not id_:
            c.add(field, "must not be empty")
        elif len(id_) > L.MAX_ID_LENGTH:
            c.add(field, f"must be at most {L.MAX_ID_LENGTH} characters")
        elif id_ in seen:
            c.add(field, f"duplicates the id of {path}[{seen[id_]}] ('{_short(id_)}')")
        else:
            seen[id_] = i
    return set(seen)


def _short(text: str, n: int = 40) -> str:
    return text if len(text) <= n else text[: n - 1] + "…"


def _check_location(c: _Collector, path: str, loc: LatLng) -> None:
    c.check(
        math.isfinite(loc.lat) and -90.0 <= loc.lat <= 90.0,
        f"{path}.latitude",
        f"must be a finite number of degrees in [-90, 90], got {loc.lat}",
    )
    c.check(
        math.isfinite(loc.lng) and -180.0 <= loc.lng <= 180.0,
        f"{path}.longitude",
        f"must be a finite number of degrees in [-180, 180], got {loc.lng}",
    )


def _check_time(c: _Collector, path: str, t: int | None) -> bool:
    if t is None:
        return True
    return c.check(
        L.MIN_TIME_S <= t <= L.MAX_TIME_S,
        path,
        "must lie between 1970-01-01 and 2100-01-01",
    )


def _check_duration(c: _Collector, path: str, d: int | None, *, positive: bool = False, max_s: int = L.MAX_DURATION_S) -> bool:
    if d is None:
        return True
    low_ok = d > 0 if positive else d >= 0
    return c.check(
        low_ok and d <= max_s,
        path,
        f"must be {'positive' if positive else 'non-negative'} and at most {max_s} s, got {d} s",
    )


def _check_amount(c: _Collector, path: str, x: float, upper: float) -> bool:
    return c.check(
        math.isfinite(x) and 0.0 <= x <= upper,
        path,
        f"must be a finite number in [0, {upper:g}], got {x}",
    )


def _check_order(c: _Collector, p: str, order: Order, engineer_ids: set[str], limits: L.Limits,
                 order_ids: set[str] | None = None) -> None:
    _check_location(c, f"{p}.location", order.location)
    _check_duration(c, f"{p}.service_duration", order.service_duration_s)
    if len(order.time_windows) > limits.max_time_windows_per_order:
        c.add(f"{p}.time_windows", f"at most {limits.max_time_windows_per_order} windows are accepted")
    previous_end: int | None = None
    for k, window in enumerate(order.time_windows):
        wp = f"{p}.time_windows[{k}]"
        if window.start_s is None and window.end_s is None:
            c.add(wp, "must set start_time, end_time or both")
            continue
        ok = _check_time(c, f"{wp}.start_time", window.start_s) & _check_time(c, f"{wp}.end_time", window.end_s)
        if not ok:
            continue
        if window.start_s is not None and window.end_s is not None and window.end_s < window.start_s:
            c.add(f"{wp}.end_time", "must not be before start_time")
            continue
        if k > 0 and (previous_end is None or window.start_s is None or window.start_s <= previous_end):
            c.add(f"{wp}.start_time", f"must be after the end of time_windows[{k - 1}] (windows sorted, not overlapping)")
        previous_end = window.end_s
    _check_time(c, f"{p}.sla_deadline", order.sla_deadline_s)
    _check_time(c, f"{p}.create_time", order.create_time_s)
    if (
        order.sla_deadline_s is not None
        and order.create_time_s is not None
        and order.sla_deadline_s < order.create_time_s
    ):
        c.add(f"{p}.sla_deadline", "must not be before create_time")
    _check_amount(c, f"{p}.lateness_cost_per_hour", order.lateness_cost_per_hour, L.MAX_COST)
    if order.unassigned_penalty is not None:
        _check_amount(c, f"{p}.unassigned_penalty", order.unassigned_penalty, L.MAX_PENALTY)
    c.check(0 <= order.demand <= L.MAX_LOAD, f"{p}.demand", f"must be in [0, {L.MAX_LOAD}], got {order.demand}")
    _check_duration(c, f"{p}.age", order.age_s, max_s=L.MAX_AGE_S)
    c.check(0 <= order.attempts <= L.MAX_ATTEMPTS, f"{p}.attempt_count", f"must be in [0, {L.MAX_ATTEMPTS}], got {order.attempts}")
    if len(order.required_skills) > limits.max_skills:
        c.add(f"{p}.required_skills", f"at most {limits.max_skills} skills are accepted")
    names: set[str] = set()
    for k, req in enumerate(order.required_skills):
        sp = f"{p}.required_skills[{k}]"
        if not req.name or len(req.name) > L.MAX_ID_LENGTH:
            c.add(f"{sp}.name", f"must be 1 to {L.MAX_ID_LENGTH} characters")
        elif req.name in names:
            c.add(f"{sp}.name", f"skill '{_short(req.name)}' is listed twice")
        names.add(req.name)
        c.check(1 <= req.min_level <= L.MAX_SKILL_LEVEL, f"{sp}.min_level", f"must be in [1, {L.MAX_SKILL_LEVEL}], got {req.min_level}")
    for attr in ("required_engineer_ids", "preferred_engineer_ids", "excluded_engineer_ids"):
        refs = getattr(order, attr)
        if len(refs) > limits.max_engineer_refs:
            c.add(f"{p}.{attr}", f"at most {limits.max_engineer_refs} ids are accepted")
            continue
        for k, ref in enumerate(refs):
            if ref not in engineer_ids:
                c.add(f"{p}.{attr}[{k}]", f"names no engineer of this request ('{_short(ref)}')")
    both = set(order.required_engineer_ids) & set(order.excluded_engineer_ids)
    if both:
        c.add(f"{p}.excluded_engineer_ids", f"engineer '{_short(sorted(both)[0])}' is both required and excluded")
    _check_skus(c, f"{p}.parts", [(x.sku, x.quantity) for x in order.parts], L.MAX_PARTS_PER_ORDER, minimum=1)
    f = order.follow_up
    if f is not None:
        fp = f"{p}.follow_up"
        if f.previous_order_id is not None and order_ids is not None and f.previous_order_id not in order_ids:
            c.add(f"{fp}.previous_order_id", f"names no order of this request ('{_short(f.previous_order_id)}')")
        elif f.previous_order_id == order.id:
            c.add(f"{fp}.previous_order_id", "an order cannot follow up itself")
        if f.previous_end_s is not None:
            _check_time(c, f"{fp}.previous_visit.end_time", f.previous_end_s)
        if _check_duration(c, f"{fp}.min_delay", f.min_delay_s, max_s=L.MAX_HORIZON_S) & _check_duration(
                c, f"{fp}.max_delay", f.max_delay_s, max_s=L.MAX_HORIZON_S):
            c.check(f.max_delay_s >= f.min_delay_s, f"{fp}.max_delay", "must not be shorter than min_delay")
        _check_amount(c, f"{fp}.other_engineer_cost", f.other_engineer_cost, L.MAX_COST)


def _check_skus(c: _Collector, p: str, items: list[tuple[str, int]], most: int, minimum: int) -> None:
    if len(items) > most:
        c.add(p, f"at most {most} items are accepted")
        return
    seen: set[str] = set()
    for k, (sku, quantity) in enumerate(items):
        if not sku or len(sku) > L.MAX_ID_LENGTH:
            c.add(f"{p}[{k}].sku", f"must be 1 to {L.MAX_ID_LENGTH} characters")
        elif sku in seen:
            c.add(f"{p}[{k}].sku", f"part '{_short(sku)}' is listed twice")
        seen.add(sku)
        c.check(minimum <= quantity <= L.MAX_PART_UNITS, f"{p}[{k}].quantity", f"must be in [{minimum}, {L.MAX_PART_UNITS}], got {quantity}")


def _check_follow_up_cycles(c: _Collector, problem: Problem) -> None:
    """A follow-up chain must end at a visit, not loop."""
    index = {o.id: i for i, o in enumerate(problem.orders)}
    for i in range(len(problem.orders)):
        seen = {i}
        j = i
        while (f := problem.orders[j].follow_up) is not None and f.previous_order_id in index:
            j = index[f.previous_order_id]
            if j in seen:
                c.add(f"orders[{i}].follow_up.previous_order_id", "follow-ups form a cycle")
                break
            seen.add(j)


def _check_engineer(c: _Collector, p: str, e: Engineer, limits: L.Limits) -> None:
    _check_location(c, f"{p}.start_location", e.start_location)
    if e.end_location is not None:
        _check_location(c, f"{p}.end_location", e.end_location)
    if not e.shifts:
        c.add(f"{p}.shifts", "at least one shift is required")
    elif len(e.shifts) > limits.max_shifts_per_engineer:
        c.add(f"{p}.shifts", f"at most {limits.max_shifts_per_engineer} shifts are accepted")
    previous_end: int | None = None
    for k, shift in enumerate(e.shifts):
        sp = f"{p}.shifts[{k}]"
        if not (_check_time(c, f"{sp}.start_time", shift.start_s) & _check_time(c, f"{sp}.end_time", shift.end_s)):
            continue
        if not c.check(shift.end_s > shift.start_s, f"{sp}.end_time", "must be after start_time"):
            continue
        if previous_end is not None and shift.start_s < previous_end:
            c.add(f"{sp}.start_time", f"must not be before the end of shifts[{k - 1}] (shifts sorted, not overlapping)")
        previous_end = shift.end_s
        if len(shift.breaks) > limits.max_breaks_per_shift:
            c.add(f"{sp}.breaks", f"at most {limits.max_breaks_per_shift} breaks are accepted")
            continue
        for b, brk in enumerate(shift.breaks):
            bp = f"{sp}.breaks[{b}]"
            if not (_check_time(c, f"{bp}.earliest_start_time", brk.earliest_start_s) & _check_time(c, f"{bp}.latest_start_time", brk.latest_start_s)):
                continue
            if not _check_duration(c, f"{bp}.duration", brk.duration_s, positive=True):
                continue
            if brk.latest_start_s < brk.earliest_start_s:
                c.add(f"{bp}.latest_start_time", "must not be before earliest_start_time")
            elif brk.earliest_start_s < shift.start_s or brk.latest_start_s + brk.duration_s > shift.end_s:
                c.add(bp, "must start and end inside its shift")
    if len(e.skills) > limits.max_skills:
        c.add(f"{p}.skills", f"at most {limits.max_skills} skills are accepted")
    names: set[str] = set()
    for k, (name, level) in enumerate(e.skills):
        sp = f"{p}.skills[{k}]"
        if not name or len(name) > L.MAX_ID_LENGTH:
            c.add(f"{sp}.name", f"must be 1 to {L.MAX_ID_LENGTH} characters")
        elif name in names:
            c.add(f"{sp}.name", f"skill '{_short(name)}' is listed twice")
        names.add(name)
        c.check(1 <= level <= L.MAX_SKILL_LEVEL, f"{sp}.level", f"must be in [1, {L.MAX_SKILL_LEVEL}], got {level}")
    _check_duration(c, f"{p}.max_working_time", e.max_working_time_s, positive=True)
    _check_amount(c, f"{p}.cost_per_hour", e.cost_per_hour, L.MAX_COST)
    _check_amount(c, f"{p}.cost_per_traveled_hour", e.cost_per_traveled_hour, L.MAX_COST)
    _check_amount(c, f"{p}.cost_per_km", e.cost_per_km, L.MAX_COST)
    c.check(
        math.isfinite(e.speed_factor) and L.MIN_SPEED_FACTOR <= e.speed_factor <= L.MAX_SPEED_FACTOR,
        f"{p}.speed_factor",
        f"must be in [{L.MIN_SPEED_FACTOR}, {L.MAX_SPEED_FACTOR}], got {e.speed_factor}",
    )
    if e.capacity is not None:
        c.check(0 <= e.capacity <= L.MAX_LOAD, f"{p}.capacity", f"must be in [0, {L.MAX_LOAD}], got {e.capacity}")
    _check_skus(c, f"{p}.van_stock", list(e.van_stock), L.MAX_STOCK_ITEMS, minimum=0)
    names_with_skill = {name for name, _ in e.skills}
    for k, (name, until_s) in enumerate(e.skill_valid_until_s):
        skill_k = next((j for j, (n, _) in enumerate(e.skills) if n == name), k)
        if name in names_with_skill:
            _check_time(c, f"{p}.skills[{skill_k}].valid_until", until_s)
    if e.max_overtime_s is not None:
        _check_duration(c, f"{p}.max_overtime", e.max_overtime_s, max_s=L.MAX_OVERTIME_S)
    _check_amount(c, f"{p}.overtime_cost_per_hour", e.overtime_cost_per_hour, L.MAX_COST)
    if e.min_rest_s is not None:
        _check_duration(c, f"{p}.min_rest", e.min_rest_s, positive=True, max_s=L.MAX_REST_S)
    _check_time(c, f"{p}.last_shift_end_time", e.last_shift_end_s)
    if e.last_shift_end_s is not None and e.shifts and e.last_shift_end_s > e.shifts[0].start_s:
        c.add(f"{p}.last_shift_end_time", "must not be after the first shift's start")
    _check_duration(c, f"{p}.max_weekly_working_time", e.max_weekly_working_s, positive=True)
    _check_duration(c, f"{p}.worked_this_week", e.worked_this_week_s)
    _check_time(c, f"{p}.week_start_time", e.week_start_s)
    if e.week_start_s is not None and e.shifts and e.week_start_s > e.shifts[0].start_s:
        c.add(f"{p}.week_start_time", "must not be after the first shift's start")
    c.check(0 <= e.consecutive_days_worked <= 366, f"{p}.consecutive_days_worked",
            f"must be in [0, 366], got {e.consecutive_days_worked}")


def _check_options(c: _Collector, p: str, o: SolveOptions) -> None:
    c.check(
        math.isfinite(o.time_limit_s) and 0.0 < o.time_limit_s <= L.MAX_TIME_LIMIT_S,
        f"{p}.time_limit",
        f"must be positive and at most {L.MAX_TIME_LIMIT_S:g} s, got {o.time_limit_s} s",
    )
    c.check(0 <= o.random_seed < 2**31, f"{p}.random_seed", f"must be in [0, 2^31), got {o.random_seed}")
    for name in ("travel", "lateness", "unassigned"):
        _check_amount(c, f"{p}.objective_weights.{name}", getattr(o.weights, name), L.MAX_WEIGHT)
    _check_amount(c, f"{p}.non_preferred_engineer_cost", o.non_preferred_engineer_cost, L.MAX_COST)
    _check_amount(c, f"{p}.fairness_weight", o.fairness_weight, L.MAX_COST)
    ftf = o.first_time_fix
    for name in ("base_probability", "per_level", "max_probability", "target_rate"):
        x = getattr(ftf, name)
        c.check(math.isfinite(x) and 0.0 <= x <= 1.0, f"{p}.first_time_fix.{name}", f"must be in [0, 1], got {x}")
    c.check(ftf.max_probability >= ftf.base_probability, f"{p}.first_time_fix.max_probability",
            "must not be below base_probability")
    _check_amount(c, f"{p}.first_time_fix.revisit_cost", ftf.revisit_cost, L.MAX_COST)
    c.check(o.solution_limit >= 0, f"{p}.solution_limit", f"must not be negative, got {o.solution_limit}")
    if o.sla_targets is not None:
        _check_targets(c, f"{p}.sla_targets", o.sla_targets)
    model = o.travel_model
    if isinstance(model, GreatCircleModel):
        mp = f"{p}.travel_model.great_circle"
        c.check(
            math.isfinite(model.speed_kmh) and L.MIN_SPEED_KMH <= model.speed_kmh <= L.MAX_SPEED_KMH,
            f"{mp}.speed_kmh",
            f"must be in [{L.MIN_SPEED_KMH:g}, {L.MAX_SPEED_KMH:g}] km/h, got {model.speed_kmh}",
        )
        c.check(
            math.isfinite(model.detour_factor) and L.MIN_DETOUR <= model.detour_factor <= L.MAX_DETOUR,
            f"{mp}.detour_factor",
            f"must be in [{L.MIN_DETOUR:g}, {L.MAX_DETOUR:g}], got {model.detour_factor}",
        )


def _check_targets(c: _Collector, p: str, t: SlaTargets) -> None:
    c.check(math.isfinite(t.max_overdue_rate) and 0.0 <= t.max_overdue_rate <= 1.0, f"{p}.max_overdue_rate",
            f"must be a rate in [0, 1], got {t.max_overdue_rate}")
    _check_duration(c, f"{p}.max_mean_response", t.max_mean_response_s, positive=True)
    _check_duration(c, f"{p}.max_response", t.max_response_s, positive=True)
    for name in ("overdue_breach_cost", "response_breach_cost_per_hour", "mean_response_cost_per_hour"):
        _check_amount(c, f"{p}.{name}", getattr(t, name), L.MAX_COST)
    c.check(0 <= t.max_orders_at_risk <= L.MAX_ORDERS_AT_RISK, f"{p}.max_orders_at_risk",
            f"must be in [0, {L.MAX_ORDERS_AT_RISK}], got {t.max_orders_at_risk}")


def _check_horizon(c: _Collector, problem: Problem) -> None:
    """The planning horizon bounds every cumul in the model; a long one costs memory and time."""
    starts = [s.start_s for e in problem.engineers for s in e.shifts]
    ends = [s.end_s for e in problem.engineers for s in e.shifts]
    if not starts or c.violations:
        return
    horizon_s = max(ends) - min(starts)
    c.check(
        horizon_s <= L.MAX_HORIZON_S,
        "engineers",
        f"shifts must span at most {L.MAX_HORIZON_S // 86400} days from the earliest start to the latest end, span {horizon_s / 86400:.1f} days",
    )


def replan_violations(problem: Problem) -> list[Violation]:
    """The re-planning state in full: references (engineers and orders of this request, each
    order pinned once, a start with an order in progress, the shifts of previous routes), ranges
    (times, costs, tolerance) and consistency (each engineer's state once, an order in progress
    started at most ``MAX_DURATION_S`` before the engineer's first shift and not after the last,
    previous routes once per shift, each order in at most one previous route).

    The one definition of these rules: ``solver.replan.check`` (the guard run again when a
    worker prepares the problem) calls it; this module loads no compiled code, so the server
    can run it."""
    ctx = problem.replan
    if ctx is None:
        return []
    c = _Collector()
    _check_time(c, "replan.freeze_before_time", ctx.freeze_before_s)
    orders = {o.id for o in problem.orders}
    engineers = {e.id: e for e in problem.engineers}
    ends = [s.end_s for e in problem.engineers for s in e.shifts]
    latest_end = max(ends) if ends else 0
    seen: dict[str, int] = {}
    pinned: dict[str, str] = {}
    for k, state in enumerate(ctx.engineer_states):
        p = f"replan.engineer_states[{k}]"
        if state.engineer_id not in engineers:
            c.add(f"{p}.engineer_id", f"names no engineer of this request ('{state.engineer_id[:40]}')")
        elif state.engineer_id in seen:
            c.add(f"{p}.engineer_id", f"engineer '{_short(state.engineer_id)}' already has a state at replan.engineer_states[{seen[state.engineer_id]}]")
        else:
            seen[state.engineer_id] = k
        ids = ([state.in_progress_order_id] if state.in_progress_order_id else []) + list(state.committed_order_ids)
        for j, oid in enumerate(ids):
            field = f"{p}.in_progress_order_id" if state.in_progress_order_id and j == 0 else f"{p}.committed_order_ids[{j - (1 if state.in_progress_order_id else 0)}]"
            if oid not in orders:
                c.add(field, f"names no order of this request ('{oid[:40]}')")
            elif oid in pinned:
                c.add(field, f"order '{oid[:40]}' is already pinned by {pinned[oid]}")
            else:
                pinned[oid] = p
        start = state.in_progress_start_s
        field = f"{p}.in_progress_start_time"
        if start is None:
            if state.in_progress_order_id:
                c.add(field, "is required with in_progress_order_id")
            continue
        if not _check_time(c, field, start):
            continue
        if not state.in_progress_order_id:
            c.add(field, "is only allowed with in_progress_order_id")
            continue
        engineer = engineers.get(state.engineer_id)
        if engineer is None or not engineer.shifts:
            continue
        first, last = engineer.shifts[0].start_s, engineer.shifts[-1].end_s
        if not first - L.MAX_DURATION_S <= start <= last:
            c.add(field, f"must lie between 7 days before the engineer's first shift and the end of the last shift, got {start} s")
        elif latest_end - start > L.MAX_HORIZON_S:  # the first shift is stretched back to it
            c.add(field, f"stretches the plan past {L.MAX_HORIZON_S // 86400} days from this start to the latest shift end")
    routes: dict[tuple[str, int], int] = {}
    listed: dict[str, int] = {}
    for k, route in enumerate(ctx.previous_routes):
        p = f"replan.previous_routes[{k}]"
        engineer = engineers.get(route.engineer_id)
        if engineer is None:
            c.add(f"{p}.engineer_id", f"names no engineer of this request ('{route.engineer_id[:40]}')")
        elif not 0 <= route.shift_index < len(engineer.shifts):
            c.add(f"{p}.shift_index", f"the engineer has no shift {route.shift_index}")
        key = (route.engineer_id, route.shift_index)
        if key in routes:
            c.add(f"{p}.shift_index", f"repeats the route of replan.previous_routes[{routes[key]}] (same engineer and shift)")
        else:
            routes[key] = k
        for j, oid in enumerate(route.order_ids):
            if oid in listed:
                c.add(f"{p}.order_ids[{j}]", f"order '{_short(oid)}' is already in replan.previous_routes[{listed[oid]}]")
            else:
                listed[oid] = k
    for name, value in (("reassignment_cost", ctx.reassignment_cost), ("arrival_shift_cost_per_hour", ctx.arrival_shift_cost_per_hour)):
        if not (math.isfinite(value) and 0 <= value <= 1e6):
            c.add(f"replan.{name}", f"must be a finite number in [0, 1e+06], got {value}")
    if not 0 <= ctx.arrival_tolerance_s <= 7 * 86400:
        c.add("replan.arrival_tolerance", "must be non-negative and at most 7 days")
    return c.violations

"""Checking a plan made elsewhere (e.g. by a dispatcher): times, broken rules, KPIs.

The plan is timed by the rule book (``solver.rules`` through ``solver.schedule``) and measured
by the same code as solved plans (``routes.build_routes``, ``kpis``, ``objective``): a plan that
``solve`` returned evaluates to the same times, KPIs and objective, with no violation.
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np

from solver import feasibility, plan_rules
from solver.assignment import assignment_costs
from solver.errors import InvalidProblem, Violation
from solver.kpis import compute_kpis
from solver.locations import Locations
from solver.model import (
    Evaluation,
    PlannedRoute,
    PlanViolation,
    Problem,
    SlaMode,
    TravelMatrices,
    Unassigned,
    UnassignedReason,
    ViolationType,
)
from solver.objective import breakdown
from solver.routes import build_routes
from solver.schedule import RuleBook
from solver.validation import validate_or_raise
from solver.vehicles import Vehicles


def check_routes(problem: Problem, routes: Sequence[PlannedRoute], path: str = "routes") -> list[Violation]:
    out = []
    engineers = {e.id: e for e in problem.engineers}
    orders = {o.id for o in problem.orders}
    seen: dict[str, str] = {}
    used: set[tuple[str, int]] = set()
    for k, route in enumerate(routes):
        p = f"{path}[{k}]"
        engineer = engineers.get(route.engineer_id)
        if engineer is None:
            out.append(Violation(f"{p}.engineer_id", f"names no engineer of this request ('{route.engineer_id[:40]}')"))
        elif not 0 <= route.shift_index < len(engineer.shifts):
            out.append(Violation(f"{p}.shift_index", f"the engineer has no shift {route.shift_index}"))
        elif (route.engineer_id, route.shift_index) in used:
            out.append(Violation(f"{p}.shift_index", "another route already covers this engineer's shift"))
        used.add((route.engineer_id, route.shift_index))
        for j, oid in enumerate(route.order_ids):
            if oid not in orders:
                out.append(Violation(f"{p}.order_ids[{j}]", f"names no order of this request ('{oid[:40]}')"))
            elif oid in seen:
                out.append(Violation(f"{p}.order_ids[{j}]", f"order '{oid[:40]}' is already in {seen[oid]}"))
            else:
                seen[oid] = p
    return out


def sequences_of(problem: Problem, vehicles: Vehicles, routes: Sequence[PlannedRoute]) -> list[list[int]]:
    order_index = {o.id: i for i, o in enumerate(problem.orders)}
    engineer_index = {e.id: j for j, e in enumerate(problem.engineers)}
    vehicle_of = {(int(vehicles.engineer[v]), int(vehicles.shift[v])): v for v in range(vehicles.count)}
    sequences: list[list[int]] = [[] for _ in range(vehicles.count)]
    for route in routes:
        v = vehicle_of[(engineer_index[route.engineer_id], route.shift_index)]
        sequences[v] = [order_index[oid] for oid in route.order_ids]
    return sequences


def evaluate_plan(
    problem: Problem,
    matrices: TravelMatrices,
    routes: Sequence[PlannedRoute],
    inside_territory: np.ndarray | None = None,
) -> Evaluation:
    validate_or_raise(problem)
    problems = check_routes(problem, routes)
    if problems:
        raise InvalidProblem(problems)
    vehicles = Vehicles.of(problem, Locations.of(problem))
    sequences = sequences_of(problem, vehicles, routes)
    # Timed as solved plans are: follow-ups inside their interval after the first visit.
    effective = plan_rules.effective_problem(problem)
    timings = plan_rules.timed(effective, RuleBook(effective, matrices, vehicles), sequences)
    late_windows = [set(t.late_windows) for t in timings]
    built = build_routes(problem, matrices, vehicles, sequences, timings)
    violations = _violations(problem, matrices, vehicles, built, late_windows, inside_territory)
    violations += plan_rules.violations(problem, vehicles, built)

    served = {i for seq in sequences for i in seq}
    feas = feasibility.check(problem, matrices, vehicles, inside_territory)
    unassigned = []
    book: RuleBook | None = None  # the rule book with who may serve what, for next possible times
    for i, order in enumerate(problem.orders):
        if i in served:
            continue
        reason, example = feas.reasons.get(i, (UnassignedReason.NOT_SERVED_FOR_COST, -1))
        detail = "not in any route of the plan" if i not in feas.reasons else f"not in any route of the plan; {reason.value.replace('_', ' ')}"
        if i not in feas.reasons and book is None:
            book = RuleBook(problem, matrices, vehicles, feas.allowed)
        next_s = None if book is None or i in feas.reasons else book.next_possible(i)
        unassigned.append(Unassigned(order.id, i, reason, problem.engineers[example].id if example >= 0 else "", detail,
                                     next_s))
    costs = assignment_costs(problem, inside_territory, None)
    terms = breakdown(problem, built, unassigned, costs, None)
    return Evaluation(problem.label, built, tuple(violations), tuple(unassigned), compute_kpis(problem, built, unassigned), terms)


def _violations(problem, matrices, vehicles, routes, late_windows, inside_territory) -> list[PlanViolation]:
    out: list[PlanViolation] = []
    qualified = feasibility.qualified_engineers(problem)
    hard = feasibility.hard_territory_allowed(problem, inside_territory)
    for v, route in enumerate(routes):
        engineer = problem.engineers[route.engineer_index]
        shift = engineer.shifts[route.shift_index]
        e, k, eid = route.engineer_index, route.shift_index, engineer.id
        shift_end = int(vehicles.shift_end_s[v])  # overtime included

        def add(kind: ViolationType, order_id: str, amount_s: int, detail: str, eid: str = eid, k: int = k) -> None:
            out.append(PlanViolation(kind, order_id, eid, k, int(amount_s), detail))

        load = 0
        used: dict[str, int] = {}
        for pos, visit in enumerate(route.visits):
            i = visit.order_index
            order = problem.orders[i]
            # The rule book clips windows at a hard SLA and at the planning horizon: those are
            # reported as what they are (HARD_SLA_MISSED, OUTSIDE_SHIFT), a window only when the
            # order's own windows have all closed.
            ends = [w.end_s for w in order.time_windows if w.end_s is not None]
            if pos in late_windows[v] and len(ends) == len(order.time_windows) and ends and visit.start_s > max(ends):
                add(ViolationType.TIME_WINDOW_MISSED, order.id, visit.start_s - max(ends), "service starts after every time window has closed")
            if order.sla_mode is SlaMode.HARD and order.sla_deadline_s is not None and visit.start_s > order.sla_deadline_s:
                add(ViolationType.HARD_SLA_MISSED, order.id, visit.start_s - order.sla_deadline_s, "service starts after the hard SLA deadline")
            missing = [r.name for r in order.required_skills if engineer.skill_level(r.name, shift_end) < r.min_level]
            if missing:
                add(ViolationType.SKILL_MISSING, order.id, 0, f"the engineer lacks {', '.join(missing)} at the required level")
            elif not qualified[i, e]:
                add(ViolationType.ENGINEER_NOT_ALLOWED, order.id, 0, "the order excludes this engineer or requires another")
            if hard is not None and not hard[i, e]:
                add(ViolationType.OUTSIDE_TERRITORY, order.id, 0, "the order lies outside the engineer's hard territory")
            if i in matrices.unroutable:
                add(ViolationType.UNROUTABLE_LOCATION, order.id, 0, "the order's location is off the map")
            if visit.end_s > shift_end:
                add(ViolationType.OUTSIDE_SHIFT, order.id, visit.end_s - shift_end, "service ends after the shift (and its overtime)")
            load += order.demand
            for part in order.parts:
                used[part.sku] = used.get(part.sku, 0) + part.quantity
        if not route.visits:
            continue
        if route.end_s > shift_end and route.visits[-1].end_s <= shift_end:
            add(ViolationType.OUTSIDE_SHIFT, "", route.end_s - shift_end, "the engineer gets back after the shift (and its overtime)")
        short = sorted(sku for sku, units in used.items() if units > engineer.stock(sku))
        if short:
            add(ViolationType.PARTS_MISSING, "", 0, f"the route uses more {', '.join(short)} than the van holds")
        limit = int(vehicles.max_working_s[v])
        if route.working_s > limit:
            add(ViolationType.WORKING_TIME_EXCEEDED, "", route.working_s - limit, "the route is longer than the maximum working time")
        if engineer.capacity is not None and load > engineer.capacity:
            add(ViolationType.CAPACITY_EXCEEDED, "", 0, f"load {load} exceeds capacity {engineer.capacity}")
        for brk, taken in zip(sorted(shift.breaks, key=lambda b: b.earliest_start_s), route.breaks):
            if taken.start_s > brk.latest_start_s:
                add(ViolationType.BREAK_MISSED, "", taken.start_s - brk.latest_start_s, "a break starts after its latest start")
    return out

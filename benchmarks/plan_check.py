"""An independent check of a realistic-day plan, from the problem and the matrices alone.

It shares no code with the solver's rule book (``solver.rules``) on purpose: a benchmark that
scored plans with the solver's own arithmetic would agree with any bug in it. It checks what a
dispatcher could check with a stopwatch and a map: each order served at most once, by a
qualified engineer, inside one of its windows and its engineer's shift; every visit reached no
earlier than the previous one's end plus the drive and any break taken between; every break of
the shift taken once, inside its start range, overlapping no visit. The KPIs beside the
objective (on-time and overdue rates, mean response) are recomputed from the visit times.
"""

from __future__ import annotations

from dataclasses import dataclass

from solver.model import Plan, Problem, TravelMatrices


@dataclass(frozen=True)
class PlanCheck:
    served: int
    travel_s: int
    on_time_rate: float | None  # of served orders with an SLA deadline, started by it
    overdue_rate: float | None
    mean_response_s: float | None  # creation -> arrival, over served orders with a create time
    violations: tuple[str, ...]


def check_plan(problem: Problem, m: TravelMatrices, plan: Plan) -> PlanCheck:
    from solver.locations import Locations  # where each engineer's rows are, nothing more

    locations = Locations.of(problem)
    violations: list[str] = []
    seen: set[int] = set()
    travel_s = 0
    late = with_deadline = 0
    responses: list[int] = []
    for route in plan.routes:
        e = route.engineer_index
        engineer = problem.engineers[e]
        shift = engineer.shifts[route.shift_index]
        where = f"{engineer.id} shift {route.shift_index}"
        if route.start_s < shift.start_s or route.end_s > shift.end_s:
            violations.append(f"{where}: works {route.start_s}..{route.end_s} outside its shift")
        here = int(locations.start_index[e])
        free_s = route.start_s
        breaks = sorted((b.start_s, b.end_s) for b in route.breaks)
        if route.visits and len(breaks) != len(shift.breaks):
            violations.append(f"{where}: {len(breaks)} breaks taken of {len(shift.breaks)}")
        for (b_start, b_end), rule in zip(breaks, sorted(shift.breaks, key=lambda b: b.earliest_start_s), strict=False):
            if not rule.earliest_start_s <= b_start <= rule.latest_start_s or b_end - b_start < rule.duration_s:
                violations.append(f"{where}: break {b_start}..{b_end} breaks its rule")
        for v in route.visits:
            i = v.order_index
            order = problem.orders[i]
            if i in seen:
                violations.append(f"{order.id} served twice")
            seen.add(i)
            if any(engineer.skill_level(r.name) < r.min_level for r in order.required_skills):
                violations.append(f"{where}: lacks a skill for {order.id}")
            drive = int(round(int(m.duration_s[here, i]) / engineer.speed_factor))
            travel_s += drive
            # A break may be taken before driving or on the way; either way it delays arrival.
            paused = sum(b1 - b0 for b0, b1 in breaks if free_s <= b0 and b1 <= v.arrival_s)
            if v.arrival_s < free_s + drive + paused or v.start_s < v.arrival_s:
                violations.append(f"{where}: {order.id} reached at {v.arrival_s}, before {free_s} + {drive} s drive + {paused} s break")
            if any(b0 < v.end_s and v.start_s < b1 for b0, b1 in breaks):
                violations.append(f"{where}: {order.id} overlaps a break")
            if v.end_s - v.start_s != order.service_duration_s:
                violations.append(f"{where}: {order.id} served {v.end_s - v.start_s} s, needs {order.service_duration_s}")
            if order.time_windows and not any(
                (w.start_s is None or w.start_s <= v.start_s) and (w.end_s is None or v.start_s <= w.end_s) for w in order.time_windows
            ):
                violations.append(f"{where}: {order.id} starts at {v.start_s}, outside its windows")
            if order.sla_deadline_s is not None:
                with_deadline += 1
                late += v.start_s > order.sla_deadline_s
            if order.create_time_s is not None:
                responses.append(v.arrival_s - order.create_time_s)
            here, free_s = i, v.end_s
        end = int(locations.end_index[e])
        if route.visits and end >= 0:
            drive = int(round(int(m.duration_s[here, end]) / engineer.speed_factor))
            travel_s += drive
            if route.end_s < free_s + drive:
                violations.append(f"{where}: home at {route.end_s}, before {free_s} + {drive} s drive")
    listed = {u.order_index for u in plan.unassigned}
    if listed & seen or len(listed | seen) != len(problem.orders):
        violations.append("served and unassigned orders do not partition the orders")
    return PlanCheck(
        served=len(seen),
        travel_s=travel_s,
        on_time_rate=(with_deadline - late) / with_deadline if with_deadline else None,
        overdue_rate=late / with_deadline if with_deadline else None,
        mean_response_s=sum(responses) / len(responses) if responses else None,
        violations=tuple(violations),
    )

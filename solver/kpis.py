"""Plan KPIs against the service-management targets (SLA, response time, utilisation)."""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np

from solver import rules
from solver.model import EngineerUtilization, Kpis, Problem, Route, Unassigned


def compute_kpis(problem: Problem, routes: Sequence[Route], unassigned: Sequence[Unassigned]) -> Kpis:
    visits = [visit for route in routes for visit in route.visits]
    with_deadline = [v for v in visits if problem.orders[v.order_index].sla_deadline_s is not None]
    overdue = sum(1 for v in with_deadline if v.lateness_s > 0)
    on_time = len(with_deadline) - overdue
    responses = np.array(
        [
            v.arrival_s - created
            for v in visits
            if (created := problem.orders[v.order_index].create_time_s) is not None
        ],
        dtype=np.float64,
    )

    per_engineer: dict[int, list[int]] = {}  # engineer -> [working, service, travel]
    for route in routes:
        acc = per_engineer.setdefault(route.engineer_index, [0, 0, 0])
        acc[0] += route.working_s
        acc[1] += route.service_duration_s
        acc[2] += route.travel_duration_s
    utilization = []
    for e, engineer in enumerate(problem.engineers):
        working, service, travel = per_engineer.get(e, [0, 0, 0])
        available = sum(s.end_s - s.start_s for s in engineer.shifts)
        utilization.append(
            EngineerUtilization(engineer.id, working, available, service, travel, (service + travel) / available if available else 0.0)
        )
    working_s = np.array([u.working_s for u in utilization], dtype=np.float64)
    mean_working = float(working_s.mean()) if working_s.size else 0.0
    return Kpis(
        orders_total=len(problem.orders),
        orders_served=len(visits),
        orders_unassigned=len(unassigned),
        orders_with_deadline=len(with_deadline),
        on_time_count=on_time,
        overdue_count=overdue,
        on_time_rate=on_time / len(with_deadline) if with_deadline else 1.0,
        overdue_rate=overdue / len(with_deadline) if with_deadline else 0.0,
        total_lateness_s=sum(v.lateness_s for v in visits),
        mean_response_s=float(responses.mean()) if responses.size else None,
        p90_response_s=float(np.percentile(responses, 90)) if responses.size else None,
        total_travel_duration_s=sum(r.travel_duration_s for r in routes),
        total_travel_distance_m=sum(r.travel_distance_m for r in routes),
        total_service_s=sum(r.service_duration_s for r in routes),
        total_working_s=sum(r.working_s for r in routes),
        utilization=tuple(utilization),
        workload_max_minus_min_s=int(working_s.max() - working_s.min()) if working_s.size else 0,
        workload_cv=float(working_s.std() / mean_working) if mean_working > 0 else 0.0,
        **_service_kpis(problem, routes),
    )


def _service_kpis(problem: Problem, routes: Sequence[Route]) -> dict:
    """Overtime, first-time fix, follow-ups, fairness and rest (issue: service-management rules)."""
    ftf = problem.options.first_time_fix
    chances = [rules.first_time_fix_probability(problem.orders[v.order_index], problem.engineers[r.engineer_index], ftf, r.end_s)
               for r in routes for v in r.visits]
    where = {v.order_index: (r, v) for r in routes for v in r.visits}
    index = {o.id: i for i, o in enumerate(problem.orders)}
    due = in_window = same = known = 0
    for i, order in enumerate(problem.orders):
        f = order.follow_up
        if f is None:
            continue
        due += 1
        if i not in where:
            continue
        route, visit = where[i]
        if f.previous_end_s is not None:
            end, first = f.previous_end_s, f.previous_engineer_id
        elif f.previous_order_id in index and index[f.previous_order_id] in where:
            first_route, first_visit = where[index[f.previous_order_id]]
            end, first = first_visit.end_s, first_route.engineer_id
        else:
            continue
        in_window += end + f.min_delay_s <= visit.start_s <= end + f.max_delay_s
        if first:
            known += 1
            same += route.engineer_id == first
    weekly = np.zeros(len(problem.engineers))
    for e, engineer in enumerate(problem.engineers):
        weekly[e] = engineer.worked_this_week_s
    for r in routes:
        weekly[r.engineer_index] += r.working_s
    worked = [r for r in routes if r.visits]
    rests = []
    streak = 0
    for e, engineer in enumerate(problem.engineers):
        mine = sorted((r for r in worked if r.engineer_index == e), key=lambda r: r.start_s)
        rests += [b.start_s - a.end_s for a, b in zip(mine, mine[1:])]
        days = sorted({r.start_s // 86400 for r in mine})
        run = best = 0
        previous = None
        for day in days:
            if previous is not None and day == previous + 1:
                run += 1
            else:
                run = 1
                # The first run continues the history when it starts the day after it.
                last = engineer.last_shift_end_s
                if previous is None and last is not None and day - last // 86400 <= 1:
                    run += engineer.consecutive_days_worked
            best = max(best, run)
            previous = day
        streak = max(streak, best, engineer.consecutive_days_worked)
    square = float((weekly**2).sum())
    return dict(
        total_overtime_s=sum(r.overtime_s for r in routes),
        routes_with_overtime=sum(1 for r in routes if r.overtime_s > 0),
        expected_first_time_fix_rate=float(np.mean(chances)) if chances else 1.0,
        first_time_fix_target=ftf.target_rate,
        follow_ups_due=due,
        follow_ups_planned_in_window=in_window,
        follow_up_same_engineer_rate=same / known if known else 1.0,
        fairness_index=float(weekly.sum() ** 2 / (len(weekly) * square)) if square > 0 else 1.0,
        longest_day_s=max((r.working_s for r in worked), default=0),
        shortest_rest_s=min(rests) if rests else None,
        max_consecutive_days=streak,
    )

"""Plan KPIs against the service-management targets (SLA, response time, utilisation)."""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np

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
    )

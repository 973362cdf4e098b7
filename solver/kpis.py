"""Plan KPIs against the service-management targets (SLA, response time, utilisation)."""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np

from solver import plan_rules, rules
from solver.limits import COST_SCALE
from solver.model import (
    EngineerUtilization,
    Kpis,
    OrderAtRisk,
    Problem,
    Route,
    TargetKind,
    TargetMode,
    TargetResult,
    Unassigned,
    Visit,
)

AT_RISK_SLACK_S = 3600  # served orders with less slack than this are listed as at risk


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
        targets=target_results(problem, visits, unassigned, overdue, len(with_deadline), responses),
        orders_at_risk=orders_at_risk(problem, visits),
    )


def _service_kpis(problem: Problem, routes: Sequence[Route]) -> dict:
    """Overtime, first-time fix, follow-ups, fairness and rest (issue: service-management rules)."""
    ftf = problem.options.first_time_fix
    chances = [rules.first_time_fix_probability(problem.orders[v.order_index], problem.engineers[r.engineer_index], ftf, r.end_s)
               for r in routes for v in r.visits]
    planned = plan_rules.planned_follow_ups(problem, routes)
    due = sum(1 for o in problem.orders if o.follow_up is not None)
    in_window = sum(1 for p in planned if p.in_window)
    known = [p for p in planned if p.first_engineer_id]
    same = sum(1 for p in known if p.route.engineer_id == p.first_engineer_id)
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
        follow_up_same_engineer_rate=same / len(known) if known else 1.0,
        fairness_index=float(weekly.sum() ** 2 / (len(weekly) * square)) if square > 0 else 1.0,
        longest_day_s=max((r.working_s for r in worked), default=0),
        shortest_rest_s=min(rests) if rests else None,
        max_consecutive_days=streak,
    )


def target_results(problem: Problem, visits: Sequence[Visit], unassigned: Sequence[Unassigned], overdue: int,
                   with_deadline: int, responses: np.ndarray) -> tuple[TargetResult, ...]:
    """How the plan stands against each SLA target of the problem (none without targets); the
    cost of each is the rule book's ``target_cost`` with only that target's prices (for orders
    left out: at the plan's end, ``rules.left_out_costs``). The overdue target counts orders
    left out whose deadline falls before the plan's end as overdue (still open after it, as
    ``ServiceTargets`` defines it); the response targets are over served orders."""
    t = problem.options.sla_targets
    if t is None:
        return ()
    oext = rules.target_rows(problem.orders, problem.options)
    rows = {TargetKind.OVERDUE_RATE: rules.OX_OVERDUE_COST, TargetKind.MAX_RESPONSE: rules.OX_RESPONSE_COEF,
            TargetKind.MEAN_RESPONSE: rules.OX_MEAN_COEF}

    def cost(kind: TargetKind) -> float:
        if not oext.shape[1] or not oext[rows[kind]].any():
            return 0.0
        only = oext.copy()
        only[[r for k, r in rows.items() if k is not kind]] = 0.0
        served = sum(rules.target_cost(only, v.order_index, float(v.start_s)) for v in visits)
        left = sum(rules.target_cost(only, u.order_index, end_s) for u in unassigned if problem.orders[u.order_index].allow_unassigned)
        return (served + left) / COST_SCALE

    end_s = rules.plan_end_s(problem)
    left_due = sum(1 for u in unassigned if (d := problem.orders[u.order_index].sla_deadline_s) is not None and d <= end_s)
    overdue, with_deadline = overdue + left_due, with_deadline + left_due
    overdue_rate = overdue / with_deadline if with_deadline else 0.0
    mean = float(responses.mean()) if responses.size else 0.0
    longest = float(responses.max()) if responses.size else 0.0
    spec = (
        (TargetKind.OVERDUE_RATE, t.overdue_mode, t.max_overdue_rate, overdue_rate, overdue),
        (TargetKind.MEAN_RESPONSE, t.mean_response_mode, float(t.max_mean_response_s), mean,
         int((responses > t.max_mean_response_s).sum())),
        (TargetKind.MAX_RESPONSE, t.max_response_mode, float(t.max_response_s), longest,
         int((responses > t.max_response_s).sum())),
    )
    return tuple(TargetResult(kind, mode, target, actual, actual <= target, target - actual, breaching,
                              cost(kind) if mode is TargetMode.OPTIMISED else 0.0)
                 for kind, mode, target, actual, breaching in spec)


def orders_at_risk(problem: Problem, visits: Sequence[Visit]) -> tuple[OrderAtRisk, ...]:
    """Served orders whose smallest slack (deadline − start; creation + maximum response −
    arrival) is under ``AT_RISK_SLACK_S``, smallest first, at most ``max_orders_at_risk``."""
    t = problem.options.sla_targets
    if t is None or t.max_orders_at_risk == 0:
        return ()
    found = []
    for v in visits:
        o = problem.orders[v.order_index]
        slacks = []
        if o.sla_deadline_s is not None:
            slacks.append((o.sla_deadline_s - v.start_s, TargetKind.OVERDUE_RATE))
        if o.create_time_s is not None:
            slacks.append((o.create_time_s + t.max_response_s - v.arrival_s, TargetKind.MAX_RESPONSE))
        if slacks:
            slack, kind = min(slacks, key=lambda s: s[0])
            if slack < AT_RISK_SLACK_S:
                found.append(OrderAtRisk(o.id, int(slack), kind))
    found.sort(key=lambda a: (a.slack_s, a.order_id))
    return tuple(found[: t.max_orders_at_risk])

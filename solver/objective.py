"""The objective's terms, recomputed from a plan in cost units (solved or given)."""

from __future__ import annotations

from solver import rules
from solver.limits import COST_SCALE
from solver.model import ObjectiveBreakdown, Problem


def penalties(problem: Problem, orders) -> float:
    """Cost units of leaving ``orders`` out (``rules.left_out_prices``; mandatory ones: none)."""
    chosen = [problem.orders[i] for i in orders if problem.orders[i].allow_unassigned]
    return float(rules.left_out_prices(problem, chosen).sum()) / COST_SCALE


def breakdown(problem: Problem, routes, unassigned, costs=None, replan_ctx=None) -> ObjectiveBreakdown:
    w = problem.options.weights
    travel = sum(r.cost for r in routes)
    lateness = preference = territory = disruption = follow_up = revisit = 0.0
    ctx = problem.replan
    oext = rules.target_rows(problem.orders, problem.options)  # optimised SLA targets, if any
    for route in routes:
        e = route.engineer_index
        for visit in route.visits:
            i = visit.order_index
            order = problem.orders[i]
            if visit.lateness_s:
                lateness += rules.late_coef_scaled(order, w) * visit.lateness_s / COST_SCALE
            if oext.shape[1]:
                lateness += rules.target_cost(oext, i, float(visit.start_s)) / COST_SCALE
            if costs is not None:
                preference += 0.0 if costs.preference is None else float(costs.preference[i, e])
                territory += 0.0 if costs.territory is None else float(costs.territory[i, e])
                disruption += 0.0 if costs.reassignment is None else float(costs.reassignment[i, e])
                follow_up += 0.0 if costs.follow_up is None else float(costs.follow_up[i, e])
                revisit += 0.0 if costs.revisit is None else float(costs.revisit[i, e])
            if replan_ctx is not None and ctx is not None and i in replan_ctx.previous_start_s:
                shift_s = abs(visit.start_s - replan_ctx.previous_start_s[i]) - ctx.arrival_tolerance_s
                disruption += max(0, shift_s) / 3600.0 * ctx.arrival_shift_cost_per_hour
    unassigned_cost = penalties(problem, (u.order_index for u in unassigned))
    return ObjectiveBreakdown(travel=travel, lateness=lateness, unassigned=unassigned_cost, preference=preference,
                              territory=territory, disruption=disruption,
                              overtime=sum(r.overtime_cost for r in routes), fairness=sum(r.fairness_cost for r in routes),
                              follow_up=follow_up, revisit=revisit)

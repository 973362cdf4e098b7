"""The solver package on its own: explicit matrices, exact answers, internal guards."""

from __future__ import annotations

from dataclasses import replace

import numpy as np
import pytest

from solver.errors import InvalidProblem
from solver.model import Engineer, LatLng, ObjectiveWeights, Order, Problem, Shift, SolveOptions, SolveStatus, TravelMatrices
from solver.solve import solve

HERE = LatLng(41.15, -8.61)


def problem(n_orders: int, **options) -> Problem:
    orders = tuple(Order(id=f"o{i}", location=HERE, allow_unassigned=False) for i in range(n_orders))
    engineer = Engineer(id="e", start_location=HERE, end_location=HERE, shifts=(Shift(0, 100_000),), cost_per_km=1.0, cost_per_traveled_hour=0.0)
    return Problem(orders, (engineer,), SolveOptions(**options))


def test_asymmetric_tsp_optimum():
    """Four stops where going round one way costs 4 km and the other 40 km: the cheap way wins."""
    # Locations: o0, o1, o2, start, end (start = end = depot).
    d = np.full((5, 5), 10_000, dtype=np.int64)
    np.fill_diagonal(d, 0)
    for a, b in [(3, 0), (0, 1), (1, 2), (2, 4)]:
        d[a, b] = 1_000
    p = problem(3)
    plan = solve(p, TravelMatrices(d // 10, d))
    assert [v.order_id for v in plan.routes[0].visits] == ["o0", "o1", "o2"]
    assert plan.routes[0].travel_distance_m == 4_000
    assert plan.stats.objective == pytest.approx(4.0)  # 1 cost unit per km
    assert plan.stats.breakdown.travel == pytest.approx(plan.stats.objective)


def test_solution_limit_stops_the_search():
    d = np.ones((7, 7), dtype=np.int64) * 100
    np.fill_diagonal(d, 0)
    plan = solve(problem(5, solution_limit=1), TravelMatrices(d, d))
    assert plan.stats.status is SolveStatus.SOLUTION_LIMIT
    assert plan.stats.solutions_found == 1
    assert plan.kpis.orders_served == 5


def test_should_stop_cancels_at_the_next_solution():
    d = np.ones((7, 7), dtype=np.int64) * 100
    np.fill_diagonal(d, 0)
    plan = solve(problem(5), TravelMatrices(d, d), should_stop=lambda: True)
    assert plan.stats.status is SolveStatus.CANCELLED
    assert plan.kpis.orders_served == 5  # the plan found so far is kept


@pytest.mark.parametrize(
    "duration,distance",
    [
        (np.zeros((3, 3), dtype=np.int64), np.zeros((4, 4), dtype=np.int64)),  # wrong size
        (-np.ones((4, 4), dtype=np.int64), np.zeros((4, 4), dtype=np.int64)),  # negative
        (np.zeros((4, 4)), np.zeros((4, 4), dtype=np.int64)),  # floats
    ],
)
def test_malformed_matrices_are_refused_before_or_tools(duration, distance):
    with pytest.raises(ValueError):
        solve(problem(2), TravelMatrices(duration, distance))


def test_invalid_problem_lists_every_violation():
    p = problem(2)
    bad = Problem((p.orders[0], p.orders[0]), (), p.options)
    with pytest.raises(InvalidProblem) as info:
        solve(bad, TravelMatrices(np.zeros((2, 2), dtype=np.int64), np.zeros((2, 2), dtype=np.int64)))
    assert [v.field for v in info.value.violations] == ["engineers"]


def test_costs_too_large_for_int64_are_refused():
    """Huge weights × a month-long horizon would overflow OR-Tools' int64 objective."""
    p = problem(2, weights=ObjectiveWeights(1e6, 1e6, 1e6))
    e = p.engineers[0]
    p = replace(p, engineers=(replace(e, cost_per_hour=1e6, shifts=(Shift(0, 30 * 86400),)),))
    d = np.ones((4, 4), dtype=np.int64)
    with pytest.raises(InvalidProblem) as info:
        solve(p, TravelMatrices(d, d))
    assert info.value.violations[0].field == "options.objective_weights"

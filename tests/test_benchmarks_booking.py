"""The booking benchmark's week and grid (``benchmarks.booking_bench``), and one tiny run."""

from __future__ import annotations

from benchmarks.booking_bench import DAY_S, bench, grid, week
from benchmarks.synthetic import make_problem
from dispatch_service import convert
from solver.booking import grid_violations
from solver.validation import validate


def test_week_repeats_the_day_and_spreads_the_orders() -> None:
    """Every engineer works each day; order i falls on day i % order_days."""
    day = make_problem(30, seed=3)
    problem = week(30, 3, seed=3, solve_s=1.0)
    assert validate(problem) == []
    for e, e_day in zip(problem.engineers, day.engineers):
        assert [s.start_s for s in e.shifts] == [e_day.shifts[0].start_s + d * DAY_S for d in range(3)]
    for i, (o, o_day) in enumerate(zip(problem.orders, day.orders)):
        assert o.sla_deadline_s == o_day.sla_deadline_s + (i % 3) * DAY_S
    crowded = week(30, 3, seed=3, solve_s=1.0, order_days=1)
    assert crowded.orders == day.orders


def test_grid_is_days_times_four_slots() -> None:
    g, wire = convert.slot_grid_from_pb(grid(5))
    assert wire == [] and grid_violations(g) == []
    assert len(g.slots()) == 20


def test_a_tiny_run_reports_latency_and_the_bulk_call(stub) -> None:
    """The benchmark end to end on 20 orders (the numbers are not checked, only their shape)."""
    out = bench(stub, n_orders=20, days=2, calls=3, bulk=2, seed=1, solve_s=0.5)
    assert out["rpc"]["n"] == 3 and out["slots_per_order"] == 8
    assert out["bulk"]["orders"] == 2 and 0 <= out["kept_share"] <= 1

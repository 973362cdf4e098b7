"""VRPTW -> Problem conversion, the runner end to end, the CLI's task list and the report."""

from __future__ import annotations

import json
import math
from pathlib import Path

import numpy as np
import pytest

from benchmarks.__main__ import QUICK_INSTANCES, build_tasks, parse_args
from benchmarks.evaluate import evaluate
from benchmarks.instances import read_instance
from benchmarks.report import Record, records_table, summarize, summary_table, write_json
from benchmarks.runner import Task, run_isolated, run_task
from benchmarks.vrptw_problem import time_scale, to_matrices, to_problem
from solver.locations import Locations
from solver.validation import validate

DATA = Path(__file__).resolve().parent / "data" / "vrptw"
C101 = DATA / "solomon" / "C101.txt"
R2_10_1 = DATA / "homberger" / "R2_10_1.vrp"


def test_to_problem_maps_fleet_windows_and_costs() -> None:
    inst = read_instance(C101)
    problem = to_problem(inst, time_limit_s=3.0)
    assert len(problem.orders) == 100 and len(problem.engineers) == 25
    first = problem.orders[0]  # customer 1: ready 912, due 967, service 90, demand 10
    assert first.id == "c1" and first.demand == 10 and not first.allow_unassigned
    assert first.time_windows[0].start_s == 912_000 and first.time_windows[0].end_s == 967_000
    assert first.service_duration_s == 90_000
    engineer = problem.engineers[0]
    assert engineer.capacity == 200 and engineer.cost_per_km == 1.0
    assert engineer.cost_per_traveled_hour == 0.0 and engineer.cost_per_hour == 0.0
    assert (engineer.shifts[0].start_s, engineer.shifts[0].end_s) == (0, 1_236_000)
    assert problem.options.time_limit_s == 3.0
    assert validate(problem) == []


def test_to_matrices_layout_and_rounding() -> None:
    inst = read_instance(C101)
    problem = to_problem(inst, time_limit_s=1.0)
    m = to_matrices(inst, problem)
    locations = Locations.of(problem)
    assert m.duration_s.shape == (150, 150) and m.duration_s.dtype == np.int64
    depot = int(locations.start_index[0])
    assert depot == 100 and int(locations.end_index[0]) == 101
    # Depot (40, 50) -> customer 5 (42, 65): 15.1327... units.
    d = math.hypot(2, 15)
    assert m.distance_m[depot, 4] == round(1000 * d)
    assert m.duration_s[depot, 4] == math.ceil(1000 * d)
    # Customers 1 (45, 68) and 2 (45, 70) are 2 apart: exact, so no ceil surplus.
    assert m.duration_s[0, 1] == 2000 and m.distance_m[0, 1] == 2000
    assert np.all(np.diag(m.duration_s) == 0)


def test_time_scale_shrinks_only_for_long_horizons() -> None:
    assert time_scale(read_instance(C101)) == 1000  # horizon 1236
    inst = read_instance(R2_10_1)  # horizon 7697: 1000 s or 500 s per unit exceed 31 days
    assert time_scale(inst) == 250
    problem = to_problem(inst, time_limit_s=1.0)
    assert problem.engineers[0].shifts[0].end_s == 7697 * 250
    assert validate(problem) == []


def test_solve_c101_in_a_worker_is_feasible_and_near_best_known() -> None:
    record = run_isolated(Task(suite="t", instance="C101", time_limit_s=0.5, path=str(C101)))
    assert record.error is None, record.error
    assert record.feasible, record.violations
    assert record.n_orders == 100 and record.fleet == 25
    assert record.best_known == 828.94 and record.cost_convention == "exact"
    # The best known is optimal for C101, so the recomputed cost cannot go below it.
    assert record.cost is not None and record.cost >= 828.94 - 0.01
    assert record.gap_pct is not None and record.gap_pct >= -0.01
    assert record.peak_rss_mb is not None and record.peak_rss_mb > 0
    assert record.first_feasible_s is not None


def test_errors_become_records() -> None:
    record = run_task(Task(suite="t", instance="X", time_limit_s=1.0, solver="nope", path="x"))
    assert record.error is not None and "unknown solver" in record.error


def test_recomputed_cost_matches_the_plan(tmp_path: Path) -> None:
    from benchmarks.vrptw_problem import plan_routes
    from solver.solve import solve

    inst = read_instance(C101)
    problem = to_problem(inst, time_limit_s=0.3)
    plan = solve(problem, to_matrices(inst, problem))
    routes = plan_routes(plan)
    result = evaluate(inst, routes)
    assert result.feasible, result.violations
    # The solver's metres are rounded per edge: within half a metre per edge of the exact cost.
    travel_m = sum(route.travel_distance_m for route in plan.routes)
    edges = sum(len(r) + 1 for r in routes)
    assert abs(travel_m / 1000 - result.cost_exact) <= 0.0005 * edges


def test_cli_quick_and_time_limits() -> None:
    tasks = build_tasks(parse_args(["--quick"]))
    assert {t.instance for t in tasks if t.suite == "solomon"} == set(QUICK_INSTANCES)
    assert [t.n_orders for t in tasks if t.suite == "synthetic"] == [100]
    assert {t.time_limit_s for t in tasks} == {1.0}
    tasks = build_tasks(
        parse_args(["--suite", "solomon", "--instances", "c101", "--time-limit", "1,10",
                    "--time-limit", "30"])
    )
    assert [(t.instance, t.time_limit_s) for t in tasks] == [
        ("C101", 1.0), ("C101", 10.0), ("C101", 30.0)
    ]
    tasks = build_tasks(parse_args([str(R2_10_1)]))
    assert [(t.suite, t.instance) for t in tasks] == [("homberger", "R2_10_1")] * 2
    with pytest.raises(SystemExit):
        build_tasks(parse_args(["--solvers", "nope"]))


def test_report_tables_and_json(tmp_path: Path) -> None:
    records = [
        Record(suite="s", instance="A", solver="dispatch", time_limit_s=1.0, cost=110.0,
               best_known=100.0, gap_pct=10.0, feasible=True, wall_s=1.0, peak_rss_mb=50.0),
        Record(suite="s", instance="B", solver="dispatch", time_limit_s=1.0, cost=103.0,
               best_known=100.0, gap_pct=3.0, feasible=True, wall_s=3.0, peak_rss_mb=70.0),
        Record(suite="s", instance="C", solver="dispatch", time_limit_s=1.0, error="boom"),
    ]
    (row,) = summarize(records)
    assert (row.runs, row.feasible, row.errors, row.gaps) == (3, 2, 1, 2)
    assert row.mean_gap_pct == pytest.approx(6.5)
    assert row.median_wall_s == pytest.approx(2.0) and row.max_peak_rss_mb == 70.0
    table = records_table(records)
    assert table.count("\n") == 4 and "| ERROR |" in table
    assert "6.50 (2)" in summary_table([row])
    out = write_json(tmp_path / "r" / "out.json", records, {"k": 1})
    payload = json.loads(out.read_text())
    assert payload["meta"] == {"k": 1}
    assert [r["instance"] for r in payload["records"]] == ["A", "B", "C"]
    assert payload["summary"][0]["mean_gap_pct"] == pytest.approx(6.5)

"""The skills day and realistic-day suites: generators, the independent checkers, the CLI."""

from __future__ import annotations

from dataclasses import replace

import numpy as np
import pytest

from benchmarks import skills_day
from benchmarks.__main__ import build_tasks, parse_args
from benchmarks.plan_check import check_plan
from benchmarks.report import Record, days_tables
from benchmarks.synthetic import make_problem
from benchmarks.synthetic_grpc import time_solve
from solver.validation import validate


def test_skills_day_is_the_specified_day() -> None:
    problem = skills_day.make_problem(300, seed=3)
    assert problem == skills_day.make_problem(300, seed=3)
    assert len(problem.orders) == 300 and len(problem.engineers) == 30
    assert validate(problem) == []
    for order in problem.orders:
        (window,) = order.time_windows
        assert window.end_s - window.start_s == 4 * 3600
        assert skills_day.SHIFT_START_S <= window.start_s and window.end_s <= skills_day.SHIFT_START_S + 8 * 3600
        assert 30 * 60 <= order.service_duration_s <= 90 * 60
        assert len(order.required_skills) == 1 and order.allow_unassigned
    assert {len(e.skills) for e in problem.engineers} == {1, 2, 3}
    assert {e.start_location for e in problem.engineers} == {skills_day.DEPOT}
    assert problem.options.travel_model.speed_kmh == 30.0


def test_skills_checker_catches_each_broken_rule() -> None:
    problem = skills_day.make_problem(40, seed=0)
    m = skills_day.matrices(problem)
    assert skills_day.check_routes(problem, m, {}).unserved == 40
    engineer = problem.engineers[0]
    own = {name for name, _ in engineer.skills}
    mine = [i for i, o in enumerate(problem.orders) if o.required_skills[0].name in own]
    other = [i for i, o in enumerate(problem.orders) if o.required_skills[0].name not in own]
    ok = skills_day.check_routes(problem, m, {0: mine[:1]})
    assert ok.violations == () and ok.served == 1 and ok.travel_s > 0
    if other:
        assert any("lacks a skill" in v for v in skills_day.check_routes(problem, m, {0: other[:1]}).violations)
    assert any("twice" in v for v in skills_day.check_routes(problem, m, {0: [mine[0], mine[0]]}).violations)
    # Every order this engineer may serve, in one route: the windows or the shift must break.
    broken = skills_day.check_routes(problem, m, {0: mine}).violations
    assert any("window" in v or "after the shift" in v for v in broken)


def test_skills_day_dispatch_plan_passes_the_checker() -> None:
    problem = skills_day.make_problem(60, seed=1, time_limit_s=1.0)
    m = skills_day.matrices(problem)
    routes = skills_day.solve_dispatch(problem, m)
    check = skills_day.check_routes(problem, m, routes.by_engineer)
    assert check.violations == ()
    assert 0 < check.served < 60  # over-subscribed: some orders must wait


@pytest.mark.parametrize("right_sized", [False, True])
def test_plan_checker_agrees_with_a_solved_day_and_catches_tampering(right_sized: bool) -> None:
    problem = make_problem(60, seed=2, city="lyon", time_limit_s=1.0, n_engineers=8 if right_sized else None,
                           raised_through_day=right_sized)
    assert validate(problem) == []
    timed = time_solve(problem, in_process=True)
    plan, m = timed.plan, timed.matrices
    assert m is not None
    check = check_plan(problem, m, plan)  # type: ignore[arg-type]
    assert check.violations == ()
    assert check.served == plan.kpis.orders_served
    assert check.on_time_rate == pytest.approx(plan.kpis.on_time_rate)
    assert check.mean_response_s == pytest.approx(plan.kpis.mean_response_s)
    assert check.travel_s == sum(r.travel_duration_s for r in plan.routes)
    route = next(r for r in plan.routes if len(r.visits) >= 2)
    # The second visit an hour earlier: it cannot have been reached by then.
    v = route.visits[1]
    early = replace(v, arrival_s=v.arrival_s - 3600, start_s=v.start_s - 3600, end_s=v.end_s - 3600)
    tampered = replace(route, visits=(route.visits[0], early, *route.visits[2:]))
    bad = replace(plan, routes=tuple(tampered if r is route else r for r in plan.routes))
    assert check_plan(problem, m, bad).violations  # type: ignore[arg-type]
    # A visit dropped from its route without being listed as unassigned.
    lost = replace(route, visits=route.visits[1:])
    bad = replace(plan, routes=tuple(lost if r is route else r for r in plan.routes))
    assert any("partition" in v for v in check_plan(problem, m, bad).violations)  # type: ignore[arg-type]


def test_right_sized_orders_are_not_started_before_raised() -> None:
    problem = make_problem(200, seed=0, city="leeds", raised_through_day=True)
    for order in problem.orders:
        assert all(w.start_s is not None and w.start_s >= order.create_time_s for w in order.time_windows)
        assert order.sla_deadline_s == order.create_time_s + 4 * 3600
    backlog = make_problem(200, seed=0, city="leeds")
    assert np.mean([o.create_time_s for o in problem.orders]) > np.mean([o.create_time_s for o in backlog.orders])


def test_cli_day_suites() -> None:
    tasks = build_tasks(parse_args(["--suite", "skills", "--sizes", "200", "--time-limit", "5"]))
    assert sorted(t.solver for t in tasks) == ["dispatch", "pyvrp", "vroom"]  # side by side by default
    assert {(t.n_orders, t.time_limit_s) for t in tasks} == {(200, 5.0)}
    tasks = build_tasks(parse_args(["--suite", "realistic", "--sizes", "1000", "--time-limit", "10",
                                    "--cities", "lyon", "--seeds", "0,1", "--variants", "right-sized"]))
    assert [(t.instance, t.right_sized) for t in tasks] == [("lyon-n1000-s0-rs", True), ("lyon-n1000-s1-rs", True)]
    with pytest.raises(SystemExit):
        build_tasks(parse_args(["--suite", "realistic", "--variants", "nope"]))


def test_days_tables_put_solvers_side_by_side() -> None:
    records = [
        Record("skills", "skills-n1000-s0", "dispatch", 30.0, n_orders=1000, unassigned=229, feasible=True, travel_s=360000, wall_s=30.0),
        Record("skills", "skills-n1000-s0", "pyvrp", 30.0, n_orders=1000, unassigned=235, feasible=True, travel_s=370000, wall_s=30.9),
        Record("realistic", "lyon-n1000-s0", "dispatch", 10.0, cost=110.0, unassigned=5, feasible=True),
        Record("realistic", "lyon-n1000-s0", "dispatch", 60.0, cost=100.0, unassigned=4, feasible=True),
    ]
    text = days_tables(records)
    assert "| skills-n1000-s0 | 30 | 229 | 100.0 | 30.00 | – | 235 | 102.8 | 30.90 | – |" in text
    assert "| lyon-n1000-s0 | 10 | 110 | 1.100 (60 s) |" in text

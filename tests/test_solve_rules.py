"""Plans from the real server: hand-checkable optima, hard rules, SLA costs and reasons."""

from __future__ import annotations

import numpy as np
import pytest

from dispatch_service.api.v1 import dispatch_pb2 as pb
from tests.builders import at, engineer, order, request
from tests.plan_checks import assert_plan_obeys_hard_rules


def solve(stub, req: pb.SolveRequest) -> pb.SolveResponse:
    response = stub.Solve(req, timeout=60)
    assert_plan_obeys_hard_rules(req, response)
    return response


def visited(response, engineer_id: str) -> list[str]:
    return [v.order_id for r in response.routes if r.engineer_id == engineer_id for v in r.visits]


def reasons(response) -> dict[str, int]:
    return {u.order_id: u.reason for u in response.unassigned_orders}


def test_orders_on_a_line_are_visited_in_line_order(stub):
    """One engineer at 0 km without a home, orders at 1, 2, 3 km east: the only optimum drives
    3 km, a then b then c (any other order doubles back)."""
    req = request([order("b", 2), order("c", 3), order("a", 1)], [engineer("e1", home=False)])
    response = solve(stub, req)
    assert visited(response, "e1") == ["a", "b", "c"]
    assert response.kpis.total_travel_distance_meters == pytest.approx(3000, abs=10)
    assert response.kpis.total_travel_duration.seconds == pytest.approx(180, abs=2)  # 60 km/h
    assert response.stats.status == pb.LOCAL_OPTIMUM


def test_each_engineer_takes_the_orders_near_them(stub):
    """Engineers at -10 and +10 km; two orders near each: 4 km per route, 8 km in all."""
    req = request(
        [order("w1", -9), order("e1", 9), order("w2", -8), order("e2", 8)],
        [engineer("west", -10), engineer("east", 10)],
    )
    response = solve(stub, req)
    assert sorted(visited(response, "west")) == ["w1", "w2"]
    assert sorted(visited(response, "east")) == ["e1", "e2"]
    assert response.kpis.total_travel_distance_meters == pytest.approx(8000, abs=20)


def test_skill_levels_decide_who_goes(stub):
    """A gas job needing level 2 goes to the far engineer with level 3, not the near one with 1."""
    req = request(
        [order("gas", 1, service_min=20) | {"requiredSkills": [{"name": "gas", "minLevel": 2}]}],
        [engineer("near", 0, skills=[{"name": "gas", "level": 1}]), engineer("far", 20, skills=[{"name": "gas", "level": 3}])],
    )
    assert visited(solve(stub, req), "far") == ["gas"]


def test_excluded_and_required_engineers(stub):
    req = request(
        [order("x", 1) | {"excludedEngineerIds": ["near"]}, order("y", 1) | {"requiredEngineerIds": ["far"]}],
        [engineer("near", 0), engineer("far", 30)],
    )
    response = solve(stub, req)
    assert sorted(visited(response, "far")) == ["x", "y"]


def test_preferred_engineer_wins_a_tie(stub):
    """Two engineers in the same place: the customer's preferred one serves the order."""
    req = request([order("o", 5) | {"preferredEngineerIds": ["b"]}], [engineer("a"), engineer("b")])
    response = solve(stub, req)
    assert visited(response, "b") == ["o"]
    assert response.stats.objective_breakdown.preference == 0.0


def test_soft_sla_lateness_is_reported_and_costed(stub):
    """60 km away at 60 km/h with a deadline 30 min after the shift starts: 30 min late.

    Default lateness cost 10 per hour, priority HIGH doubles it: 30 min late costs 10.
    """
    req = request(
        [order("late", 60) | {"createTime": at(-60), "slaDeadline": at(30), "priority": "PRIORITY_HIGH"}],
        [engineer("e", home=False)],
    )
    response = solve(stub, req)
    (visit,) = response.routes[0].visits
    assert visit.sla_lateness.seconds == pytest.approx(1800, abs=2)
    assert response.kpis.overdue_count == 1 and response.kpis.overdue_rate == 1.0
    assert response.kpis.on_time_rate == 0.0
    assert response.stats.objective_breakdown.lateness == pytest.approx(10.0, abs=0.02)
    assert response.kpis.mean_response_time.seconds == pytest.approx(120 * 60, abs=2)  # created 1 h before, arrives after 1 h


def test_hard_sla_that_cannot_be_met_leaves_the_order_unassigned(stub):
    req = request(
        [order("urgent", 60) | {"slaDeadline": at(30), "slaMode": "SLA_MODE_HARD"}, order("ok", 1)],
        [engineer("e")],
    )
    response = solve(stub, req)
    (u,) = response.unassigned_orders
    assert (u.order_id, u.reason, u.example_engineer_id) == ("urgent", pb.SLA_DEADLINE_UNREACHABLE, "e")


def test_unassigned_reasons(stub):
    """Each order below fails for exactly one reason, and the reason says which."""
    engineers = [
        engineer("e1", skills=[{"name": "hvac"}], capacity=5, maxWorkingTime="3600s"),
        engineer("e2", 0, 1, skills=[{"name": "hvac"}], capacity=5, maxWorkingTime="3600s"),
    ]
    req = request(
        [
            order("no-skill") | {"requiredSkills": [{"name": "nuclear"}]},
            order("excluded") | {"excludedEngineerIds": ["e1", "e2"]},
            order("too-heavy", 1) | {"demand": 10},
            order("tomorrow", 1) | {"timeWindows": [{"startTime": at(24 * 60), "endTime": at(25 * 60)}]},
            order("too-far-for-window", 25, service_min=5) | {"timeWindows": [{"startTime": at(0), "endTime": at(10)}]},
            order("too-long-a-trip", 40, service_min=5),
            order("fine", 2),
        ],
        engineers,
    )
    response = solve(stub, req)
    assert reasons(response) == {
        "no-skill": pb.NO_QUALIFIED_ENGINEER,
        "excluded": pb.NO_QUALIFIED_ENGINEER,
        "too-heavy": pb.CAPACITY_EXCEEDED,
        "tomorrow": pb.OUTSIDE_SHIFTS,
        "too-far-for-window": pb.UNREACHABLE_IN_TIME_WINDOWS,
        "too-long-a-trip": pb.WORKING_TIME_EXCEEDED,
    }
    examples = {u.order_id: u.example_engineer_id for u in response.unassigned_orders}
    assert examples["no-skill"] == "" and examples["too-long-a-trip"] in ("e1", "e2")
    assert all(u.detail for u in response.unassigned_orders)


def test_no_room_left_is_its_own_reason(stub):
    """Two orders 30 km apart, both needing service at 08:40–08:50, one engineer: one is left."""
    window = {"timeWindows": [{"startTime": at(30), "endTime": at(40)}]}
    req = request([order("east", 30) | window, order("west", -30) | window], [engineer("e")])
    response = solve(stub, req)
    (u,) = response.unassigned_orders
    assert u.reason == pb.NOT_SERVED_FOR_COST and u.example_engineer_id == "e"
    assert response.kpis.orders_served == 1


def test_penalty_decides_optional_orders_and_mandatory_ones_are_served(stub):
    """Serving 100 km away costs 200 min of driving (3.33 at 1 per hour): more than 0.1."""
    cheap = order("far", 100) | {"unassignedPenalty": 0.1}
    response = solve(stub, request([cheap], [engineer("e", shift=(0, 600))]))
    assert reasons(response) == {"far": pb.NOT_SERVED_FOR_COST}
    assert response.stats.objective_breakdown.unassigned == pytest.approx(0.1)
    response = solve(stub, request([cheap | {"mandatory": True}], [engineer("e", shift=(0, 600))]))
    assert visited(response, "e") == ["far"]


def test_later_shifts_serve_later_days(stub):
    """An order that may only start tomorrow goes into the second shift; one due today stays today."""
    e = engineer("e")
    e["shifts"].append({"startTime": at(24 * 60), "endTime": at(24 * 60 + 480)})
    req = request([order("tomorrow", 5) | {"timeWindows": [{"startTime": at(26 * 60), "endTime": at(27 * 60)}]}, order("today", 5, slaDeadline=at(240))], [e])
    response = solve(stub, req)
    by_shift = {r.shift_index: [v.order_id for v in r.visits] for r in response.routes}
    assert by_shift == {0: ["today"], 1: ["tomorrow"]}


def test_breaks_are_taken_and_never_overlap_service(stub):
    """Eight 1-hour jobs in a 9-hour shift with a 30-minute break: every job and the break fit."""
    e = engineer("e", shift=(0, 540))
    e["shifts"][0]["breaks"] = [{"earliestStartTime": at(200), "latestStartTime": at(300), "duration": "1800s"}]
    req = request([order(f"j{k}", 0.5 * (k % 2), 0.5 * (k // 2), service_min=60) for k in range(8)], [e])
    response = solve(stub, req)
    assert response.kpis.orders_served == 8
    (b,) = response.routes[0].breaks
    assert b.end_time.seconds - b.start_time.seconds == 1800


def test_hard_rules_hold_on_a_busy_day(stub):
    """40 orders with windows, skills, exclusions, capacities, breaks and working limits."""
    rng = np.random.default_rng(7)
    skills = ["hvac", "electrical", "plumbing"]
    orders = []
    for k in range(40):
        o = order(f"o{k}", float(rng.uniform(-15, 15)), float(rng.uniform(-15, 15)), service_min=int(rng.integers(15, 60)))
        o["requiredSkills"] = [{"name": skills[k % 3], "minLevel": int(rng.integers(1, 3))}]
        o["demand"] = int(rng.integers(0, 3))
        if k % 4 == 0:
            start = int(rng.integers(0, 360))
            o["timeWindows"] = [{"startTime": at(start), "endTime": at(start + 90)}]
        if k % 5 == 0:
            o["excludedEngineerIds"] = [f"e{k % 6}"]
        if k % 7 == 0:
            o["slaDeadline"], o["slaMode"] = at(int(rng.integers(60, 300))), "SLA_MODE_HARD"
        orders.append(o)
    engineers = []
    for j in range(6):
        e = engineer(
            f"e{j}", float(rng.uniform(-10, 10)), float(rng.uniform(-10, 10)),
            skills=[{"name": skills[j % 3], "level": 2}, {"name": skills[(j + 1) % 3], "level": 1}],
            capacity=8, maxWorkingTime=f"{7 * 3600}s",
        )
        e["shifts"][0]["breaks"] = [{"earliestStartTime": at(210), "latestStartTime": at(270), "duration": "1800s"}]
        engineers.append(e)
    response = solve(stub, request(orders, engineers, searchMode="SEARCH_MODE_CONSUME_ALL_TIME", timeLimit="2s"))
    assert response.kpis.orders_served >= 20


def test_kpis_add_up(stub):
    req = request([order(f"o{k}", k, 1, createTime=at(-30)) for k in range(1, 6)], [engineer("a"), engineer("b", 5)])
    response = solve(stub, req)
    k = response.kpis
    assert k.orders_total == 5 and k.orders_served + k.orders_unassigned == 5
    assert k.total_travel_distance_meters == sum(r.travel_distance_meters for r in response.routes)
    assert k.total_service_duration.seconds == 5 * 30 * 60
    assert [u.engineer_id for u in k.utilization] == ["a", "b"]
    assert all(0.0 <= u.utilization <= 1.0 for u in k.utilization)
    arrivals = [v.arrival_time.seconds - (v.arrival_time.seconds - 0) for r in response.routes for v in r.visits]
    assert len(arrivals) == 5
    assert k.mean_response_time.seconds >= 30 * 60
    assert response.stats.solver_version.startswith("or-tools 9.15")
    assert response.stats.HasField("time_to_first_solution")

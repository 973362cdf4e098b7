"""Re-planning with frozen work, plan evaluation and insertion, through the real server."""

from __future__ import annotations

import grpc
import pytest
from google.protobuf import json_format

from dispatch_service.api.v1 import dispatch_pb2 as pb
from dispatch_service.errors import field_violations
from tests.builders import at, engineer, order, request


def visits(response, engineer_id):
    return [v.order_id for r in response.routes if r.engineer_id == engineer_id for v in r.visits]


def replan(req: pb.SolveRequest, body: dict) -> pb.SolveRequest:
    json_format.ParseDict(body, req.replan)
    return req


def test_work_in_progress_finishes_first_from_its_actual_start(stub):
    """'far' is under way with engineer b since 08:10 although a is nearer: it stays b's first."""
    req = request([order("far", 20), order("near", 1)], [engineer("a"), engineer("b", 40)])
    replan(req, {"engineerStates": [{"engineerId": "b", "inProgressOrderId": "far", "inProgressStartTime": at(10)}]})
    response = stub.Solve(req, timeout=60)
    assert visits(response, "b")[0] == "far"
    far = response.routes[1].visits[0]
    assert far.start_time.seconds == req.replan.engineer_states[0].in_progress_start_time.seconds
    assert far.travel_duration.seconds == 0  # b is there already


def test_committed_visits_stay_with_their_engineer_in_their_order(stub):
    req = request([order("x", 5), order("y", 1), order("z", 3)], [engineer("a"), engineer("b", 30)])
    replan(req, {"engineerStates": [{"engineerId": "b", "committedOrderIds": ["y", "x"]}]})
    response = stub.Solve(req, timeout=60)
    assert visits(response, "b")[:2] == ["y", "x"]


def test_freeze_time_keeps_the_start_of_the_previous_plan(stub):
    """The previous plan sent a on a detour first; visits starting before 08:30 stay."""
    orders = [order("o1", 10), order("o2", 1), order("o3", 2)]
    req = request(orders, [engineer("a")])
    replan(req, {"freezeBeforeTime": at(30), "previousRoutes": [{"engineerId": "a", "orderIds": ["o1", "o3", "o2"]}]})
    response = stub.Solve(req, timeout=60)
    assert visits(response, "a")[0] == "o1"


def test_reassignment_cost_keeps_orders_with_their_engineer(stub):
    """Without a cost, 'o' would move to b (nearer); a cost above the saving keeps it with a."""
    orders = [order("o", 5)]
    engineers = [engineer("a", 0), engineer("b", 5)]
    free = stub.Solve(request(orders, engineers), timeout=60)
    assert visits(free, "b") == ["o"]
    req = request(orders, engineers)
    replan(req, {"previousRoutes": [{"engineerId": "a", "orderIds": ["o"]}], "reassignmentCost": 100})
    response = stub.Solve(req, timeout=60)
    assert visits(response, "a") == ["o"]
    assert response.stats.objective_breakdown.disruption == 0.0


@pytest.mark.parametrize(
    "body,field",
    [
        ({"engineerStates": [{"engineerId": "ghost"}]}, "replan.engineer_states[0].engineer_id"),
        ({"engineerStates": [{"engineerId": "a", "inProgressOrderId": "o1"}]}, "replan.engineer_states[0].in_progress_start_time"),
        ({"engineerStates": [{"engineerId": "a", "committedOrderIds": ["nope"]}]}, "replan.engineer_states[0].committed_order_ids[0]"),
        ({"previousRoutes": [{"engineerId": "a", "shiftIndex": 3}]}, "replan.previous_routes[0].shift_index"),
        ({"reassignmentCost": -1}, "replan.reassignment_cost"),
    ],
)
def test_bad_replan_references_are_invalid_argument(stub, body, field):
    req = replan(request([order("o1", 1)], [engineer("a")]), body)
    with pytest.raises(grpc.RpcError) as info:
        stub.Solve(req, timeout=30)
    assert info.value.code() == grpc.StatusCode.INVALID_ARGUMENT
    assert field in dict(field_violations(info.value))


# ---------------------------------------------------------------------------------------------
# EvaluatePlan


def _planned(response):
    return [pb.PlannedRoute(engineer_id=r.engineer_id, shift_index=r.shift_index, order_ids=[v.order_id for v in r.visits]) for r in response.routes]


def test_a_solved_plan_evaluates_to_the_same_routes_and_no_violations(stub):
    req = request([order(f"o{k}", k % 5, k // 5, service_min=20) for k in range(12)], [engineer("a"), engineer("b", 3, 3)])
    solved = stub.Solve(req, timeout=60)
    evaluated = stub.EvaluatePlan(pb.EvaluatePlanRequest(problem=req, routes=_planned(solved)), timeout=30)
    assert list(evaluated.violations) == []
    assert [[v.order_id for v in r.visits] for r in evaluated.routes] == [[v.order_id for v in r.visits] for r in solved.routes]
    assert evaluated.kpis.total_travel_distance_meters == solved.kpis.total_travel_distance_meters
    assert evaluated.kpis.orders_served == solved.kpis.orders_served
    assert evaluated.objective_breakdown.travel == pytest.approx(solved.stats.objective_breakdown.travel, rel=1e-6)


def test_evaluation_reports_every_broken_rule(stub):
    e = engineer("a", shift=(0, 120), skills=[{"name": "hvac"}], capacity=1, maxWorkingTime="5400s")
    req = request(
        [
            order("late", 30) | {"timeWindows": [{"startTime": at(0), "endTime": at(10)}]},
            order("gas", 1) | {"requiredSkills": [{"name": "gas"}], "demand": 2},
            order("spare", 2),
        ],
        [e],
    )
    plan = [pb.PlannedRoute(engineer_id="a", order_ids=["gas", "late"])]
    response = stub.EvaluatePlan(pb.EvaluatePlanRequest(problem=req, routes=plan), timeout=30)
    kinds = {(pb.ViolationType.Name(v.type), v.order_id) for v in response.violations}
    assert ("VIOLATION_TYPE_TIME_WINDOW_MISSED", "late") in kinds
    assert ("VIOLATION_TYPE_SKILL_MISSING", "gas") in kinds
    assert ("VIOLATION_TYPE_CAPACITY_EXCEEDED", "") in kinds
    assert ("VIOLATION_TYPE_WORKING_TIME_EXCEEDED", "") in kinds
    assert [u.order_id for u in response.unassigned_orders] == ["spare"]


def test_evaluation_refuses_unknown_orders_and_duplicates(stub):
    req = request([order("o1", 1)], [engineer("a")])
    plan = [pb.PlannedRoute(engineer_id="a", order_ids=["o1", "o1", "ghost"])]
    with pytest.raises(grpc.RpcError) as info:
        stub.EvaluatePlan(pb.EvaluatePlanRequest(problem=req, routes=plan), timeout=30)
    fields = dict(field_violations(info.value))
    assert "routes[0].order_ids[1]" in fields and "routes[0].order_ids[2]" in fields


# ---------------------------------------------------------------------------------------------
# RecommendInsertion


def _insertion_request(req, solved, new):
    return pb.RecommendInsertionRequest(problem=req, current_routes=_planned(solved), order=json_format.ParseDict(new, pb.Order()), max_candidates=3)


def test_recommendation_puts_the_new_order_where_it_costs_least(stub):
    """a works west, b works east: a new order in the far east goes to b."""
    req = request([order("w1", -9), order("w2", -8), order("e1", 8)], [engineer("a", -10), engineer("b", 10)])
    solved = stub.Solve(req, timeout=60)
    response = stub.RecommendInsertion(_insertion_request(req, solved, order("new", 9)), timeout=30)
    assert response.candidates[0].engineer_id == "b"
    assert len(response.candidates) == 2
    assert response.candidates[0].added_cost <= response.candidates[1].added_cost
    assert response.candidates[0].added_travel_distance_meters == pytest.approx(0, abs=20)  # 9 lies on b's way to 8 and back


def test_a_clean_recommendation_really_fits(stub):
    """Inserting the best candidate where it says and evaluating the plan breaks no rule."""
    e = engineer("a", shift=(0, 300))
    e["shifts"][0]["breaks"] = [{"earliestStartTime": at(120), "latestStartTime": at(150), "duration": "1800s"}]
    orders = [order(f"o{k}", k, 0, service_min=25) | {"timeWindows": [{"startTime": at(30 * k), "endTime": at(30 * k + 45)}]} for k in range(1, 6)]
    req = request(orders, [e, engineer("b", 2, 2, shift=(0, 300))])
    solved = stub.Solve(req, timeout=60)
    new = order("new", 3, 1, service_min=20, slaDeadline=at(200))
    response = stub.RecommendInsertion(_insertion_request(req, solved, new), timeout=30)
    for best in response.candidates:
        if best.broken_order_ids:
            continue
        routes = _planned(solved)
        for r in routes:
            if r.engineer_id == best.engineer_id:
                r.order_ids.insert(best.position, "new")
        full = pb.SolveRequest()
        full.CopyFrom(req)
        full.orders.append(json_format.ParseDict(new, pb.Order()))
        evaluated = stub.EvaluatePlan(pb.EvaluatePlanRequest(problem=full, routes=routes), timeout=30)
        assert list(evaluated.violations) == [], best
        visit = next(v for r in evaluated.routes for v in r.visits if v.order_id == "new")
        assert visit.start_time.seconds == best.start_time.seconds


def test_no_candidate_says_why(stub):
    req = request([order("o", 1)], [engineer("a")])
    solved = stub.Solve(req, timeout=60)
    response = stub.RecommendInsertion(_insertion_request(req, solved, order("gas", 1) | {"requiredSkills": [{"name": "gas"}]}), timeout=30)
    assert list(response.candidates) == [] and response.reason == pb.NO_QUALIFIED_ENGINEER


def test_a_bad_new_order_is_invalid_argument(stub):
    req = request([order("o", 1)], [engineer("a")])
    solved = stub.Solve(req, timeout=60)
    bad = order("x", 1)
    bad["location"]["latitude"] = 123.0
    with pytest.raises(grpc.RpcError) as info:
        stub.RecommendInsertion(_insertion_request(req, solved, bad), timeout=30)
    assert "order.location.latitude" in dict(field_violations(info.value))

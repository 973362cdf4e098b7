"""The service-management rules end to end over gRPC: overtime, rest, weekly hours, parts and
first-time fix, certificate expiry, follow-ups, fairness; each solved, evaluated and checked by
the independent plan checker (``tests/plan_checks.py``)."""

from __future__ import annotations

import pytest

from dispatch_service.api.v1 import dispatch_pb2 as pb
from tests.builders import at, engineer, order, request
from tests.plan_checks import assert_plan_obeys_hard_rules

DAY_MIN = 1440
FAST = {"searchMode": "SEARCH_MODE_CONSUME_ALL_TIME", "timeLimit": "2s"}


def _days(n: int, start_min: float = 0, length_min: float = 480) -> list[dict]:
    return [{"startTime": at(d * DAY_MIN + start_min), "endTime": at(d * DAY_MIN + start_min + length_min)} for d in range(n)]


def _solve(stub, req: pb.SolveRequest) -> pb.SolveResponse:
    response = stub.Solve(req, timeout=60)
    assert_plan_obeys_hard_rules(req, response)
    return response


def _served(response: pb.SolveResponse) -> dict[str, tuple[pb.Route, pb.Visit]]:
    return {v.order_id: (r, v) for r in response.routes for v in r.visits}


def _reasons(response: pb.SolveResponse) -> dict[str, int]:
    return {u.order_id: u.reason for u in response.unassigned_orders}


def _evaluate(stub, req: pb.SolveRequest, routes: list[tuple[str, int, list[str]]]) -> pb.EvaluatePlanResponse:
    plan = [pb.PlannedRoute(engineer_id=e, shift_index=k, order_ids=ids) for e, k, ids in routes]
    return stub.EvaluatePlan(pb.EvaluatePlanRequest(problem=req, routes=plan), timeout=60)


def _violation_types(evaluation: pb.EvaluatePlanResponse) -> set[int]:
    return {v.type for v in evaluation.violations}


# ---------------------------------------------------------------------------------------------
# Overtime


def _long_day(**extra) -> pb.SolveRequest:
    # Nine one-hour jobs at the depot: an eight-hour shift holds eight of them.
    orders = [order(f"o{k}", 0, 0, service_min=60, unassignedPenalty=1000) for k in range(9)]
    return request(orders, [engineer("e", **extra)], **FAST)


def test_without_overtime_the_shift_end_is_hard(stub):
    response = _solve(stub, _long_day())
    assert len(response.unassigned_orders) == 1
    assert response.kpis.total_overtime.seconds == 0


def test_overtime_serves_the_last_job_at_its_price(stub):
    response = _solve(stub, _long_day(maxOvertime="7200s", overtimeCostPerHour=30))
    route = response.routes[0]
    assert not response.unassigned_orders
    assert 0 < route.overtime.seconds <= 7200
    assert response.kpis.routes_with_overtime == 1
    assert response.kpis.total_overtime.seconds == route.overtime.seconds
    # Priced by the rule book: the overtime hours at the engineer's rate.
    assert response.stats.objective_breakdown.overtime == pytest.approx(30 * route.overtime.seconds / 3600, rel=1e-6)


def test_overtime_dearer_than_the_job_is_not_worked(stub):
    response = _solve(stub, _long_day(maxOvertime="7200s", overtimeCostPerHour=5000))
    assert len(response.unassigned_orders) == 1
    assert response.routes[0].overtime.seconds == 0


def test_evaluate_reports_work_past_the_overtime(stub):
    req = _long_day(maxOvertime="1800s", overtimeCostPerHour=30)
    evaluation = _evaluate(stub, req, [("e", 0, [f"o{k}" for k in range(9)])])
    assert pb.VIOLATION_TYPE_OUTSIDE_SHIFT in _violation_types(evaluation)
    assert evaluation.routes[0].overtime.seconds > 1800


# ---------------------------------------------------------------------------------------------
# Rest and the working week


def test_rest_moves_the_next_shift_and_caps_overtime(stub):
    # Day 0 ends at 16:00, day 1 starts at 01:00: with 11 h rest day 1 cannot start before 03:00,
    # and no overtime may be worked on day 0.
    shifts = [{"startTime": at(0), "endTime": at(480)}, {"startTime": at(1020), "endTime": at(1500)}]
    orders = [order(f"o{k}", 0.5, 0, service_min=60, unassignedPenalty=1000) for k in range(10)]
    eng = engineer("e", minRest=f"{11 * 3600}s", maxOvertime="7200s", overtimeCostPerHour=1) | {"shifts": shifts}
    response = _solve(stub, request(orders, [eng], **FAST))
    day0, day1 = response.routes
    assert day0.overtime.seconds == 0
    assert day1.visits and day1.start_time.seconds >= day0.end_time.seconds + 11 * 3600
    assert response.kpis.shortest_rest.seconds >= 11 * 3600


def test_weekly_maximum_holds_across_days(stub):
    # 36 h worked already, 40 h allowed: three days of work leave four hours in all.
    orders = [order(f"o{k}", 0.5, 0, service_min=60, unassignedPenalty=1000) for k in range(12)]
    eng = engineer("e", maxWeeklyWorkingTime=f"{40 * 3600}s", workedThisWeek=f"{36 * 3600}s") | {"shifts": _days(3)}
    response = _solve(stub, request(orders, [eng], **FAST))
    worked = sum(r.end_time.seconds - r.start_time.seconds for r in response.routes if r.visits)
    assert worked <= 4 * 3600
    assert len(_served(response)) == 3  # three one-hour jobs and the drives fit in four hours
    reasons = set(_reasons(response).values())
    assert reasons <= {pb.WEEKLY_HOURS_EXCEEDED, pb.NOT_SERVED_FOR_COST}


def test_evaluate_reports_a_week_over_the_maximum(stub):
    orders = [order(f"o{k}", 0.5, 0, service_min=60) for k in range(4)]
    eng = engineer("e", maxWeeklyWorkingTime=f"{37 * 3600}s", workedThisWeek=f"{36 * 3600}s",
                   minRest=f"{11 * 3600}s", lastShiftEndTime=at(-10 * 60)) | {"shifts": _days(2)}
    req = request(orders, [eng], **FAST)
    evaluation = _evaluate(stub, req, [("e", 0, ["o0", "o1"]), ("e", 1, ["o2", "o3"])])
    kinds = _violation_types(evaluation)
    assert pb.VIOLATION_TYPE_WEEKLY_HOURS_EXCEEDED in kinds


# ---------------------------------------------------------------------------------------------
# Parts and first-time fix


def test_parts_are_a_rule_and_stock_is_used_up_along_the_route(stub):
    orders = [order(f"f{k}", 1 + k, 0, parts=[{"sku": "filter", "quantity": 1}], unassignedPenalty=1000) for k in range(3)]
    orders.append(order("big", 2, 2, parts=[{"sku": "filter", "quantity": 1}, {"sku": "motor", "quantity": 2}], unassignedPenalty=1000))
    engineers = [
        engineer("a", vanStock=[{"sku": "filter", "quantity": 2}]),
        engineer("b", 20, 0, vanStock=[{"sku": "motor", "quantity": 5}], skills=[{"name": "x", "level": 1}]),
    ]
    orders.append(order("needs-x-and-filter", 3, 0, parts=[{"sku": "filter", "quantity": 1}],
                        requiredSkills=[{"name": "x"}], unassignedPenalty=1000))
    response = _solve(stub, request(orders, engineers, **FAST))
    served = _served(response)
    assert sum(1 for k in range(3) if f"f{k}" in served) == 2, "a's two filters serve two filter jobs"
    unassigned = {u.order_id: u for u in response.unassigned_orders}
    # 'b' is qualified but has no filter; 'a' has filters but not the skill.
    assert unassigned["needs-x-and-filter"].reason == pb.PARTS_UNAVAILABLE
    assert unassigned["needs-x-and-filter"].example_engineer_id == "a"
    assert unassigned["big"].reason == pb.PARTS_UNAVAILABLE  # nobody holds both parts


def test_evaluate_reports_parts_beyond_the_stock(stub):
    orders = [order(f"f{k}", 1, 0, parts=[{"sku": "filter", "quantity": 2}]) for k in range(2)]
    req = request(orders, [engineer("a", vanStock=[{"sku": "filter", "quantity": 3}])], **FAST)
    evaluation = _evaluate(stub, req, [("a", 0, ["f0", "f1"])])
    assert pb.VIOLATION_TYPE_PARTS_MISSING in _violation_types(evaluation)


def test_revisit_cost_prefers_the_likely_fix(stub):
    # Two engineers at the same place: the senior fixes more often; with a revisit cost the job
    # goes to the senior, and the plan reports the expected first-time-fix rate.
    orders = [order("job", 3, 0, requiredSkills=[{"name": "hvac", "minLevel": 1}])]
    engineers = [engineer("junior", skills=[{"name": "hvac", "level": 1}]),
                 engineer("senior", 0.1, 0, skills=[{"name": "hvac", "level": 5}])]
    response = _solve(stub, request(orders, engineers, **FAST, firstTimeFix={"revisitCost": 100}))
    route, _ = _served(response)["job"]
    assert route.engineer_id == "senior"
    assert response.kpis.expected_first_time_fix_rate == pytest.approx(0.96)
    assert response.kpis.first_time_fix_target == pytest.approx(0.85)
    assert response.stats.objective_breakdown.revisit == pytest.approx(100 * (1 - 0.96))


def test_an_expired_certificate_does_not_count(stub):
    engineers = [engineer("e", skills=[{"name": "gas", "level": 2, "validUntil": at(DAY_MIN)}]) | {"shifts": _days(2)}]
    orders = [
        order("day0", 2, 0, requiredSkills=[{"name": "gas"}], timeWindows=[{"startTime": at(0), "endTime": at(480)}]),
        order("day1", 2, 0, requiredSkills=[{"name": "gas"}], timeWindows=[{"startTime": at(DAY_MIN), "endTime": at(DAY_MIN + 480)}]),
    ]
    response = _solve(stub, request(orders, engineers, **FAST))
    assert "day0" in _served(response)
    assert "day1" in _reasons(response)
    evaluation = _evaluate(stub, request(orders, engineers, **FAST), [("e", 1, ["day1"])])
    assert pb.VIOLATION_TYPE_SKILL_MISSING in _violation_types(evaluation)


# ---------------------------------------------------------------------------------------------
# Follow-ups


def test_follow_up_of_a_visit_already_done(stub):
    done = at(-DAY_MIN)  # the first visit ended yesterday at 08:00
    fu = {"previousVisit": {"endTime": done, "engineerId": "b"}, "minDelay": f"{3 * 86400}s", "maxDelay": f"{4 * 86400}s",
          "sameEngineer": "SAME_ENGINEER_RULE_REQUIRED"}
    orders = [order("check", 1, 0, followUp=fu, unassignedPenalty=1000)]
    engineers = [engineer("a") | {"shifts": _days(5)}, engineer("b", 10, 0) | {"shifts": _days(5)}]
    response = _solve(stub, request(orders, engineers, **FAST))
    route, visit = _served(response)["check"]
    assert route.engineer_id == "b"
    assert route.shift_index in (2, 3)
    assert response.kpis.follow_ups_due == 1
    assert response.kpis.follow_ups_planned_in_window == 1
    assert response.kpis.follow_up_same_engineer_rate == 1.0


def test_follow_up_of_an_order_in_the_request_lands_days_later(stub):
    fu = {"previousOrderId": "repair", "sameEngineer": "SAME_ENGINEER_RULE_REQUIRED"}
    orders = [order("repair", 1, 0, service_min=60, unassignedPenalty=1000,
                    timeWindows=[{"startTime": at(0), "endTime": at(240)}]),
              order("check", 1, 0, followUp=fu, unassignedPenalty=1000)]
    engineers = [engineer("a", skills=[{"name": "x"}]) | {"shifts": _days(9)},
                 engineer("b", 0.2, 0) | {"shifts": _days(9)}]
    response = _solve(stub, request(orders, engineers, **FAST))
    served = _served(response)
    (r1, v1), (r2, v2) = served["repair"], served["check"]
    assert r1.engineer_id == r2.engineer_id
    assert 3 * 86400 <= v2.start_time.seconds - v1.end_time.seconds <= 7 * 86400


def test_a_follow_up_without_its_first_visit_is_not_served(stub):
    fu = {"previousOrderId": "repair"}
    orders = [order("repair", 1, 0, requiredSkills=[{"name": "nobody-has-it"}]),
              order("check", 1, 0, followUp=fu, unassignedPenalty=1000)]
    response = _solve(stub, request(orders, [engineer("a") | {"shifts": _days(9)}], **FAST))
    reasons = _reasons(response)
    assert reasons["repair"] == pb.NO_QUALIFIED_ENGINEER
    assert reasons["check"] == pb.FOLLOW_UP_FIRST_VISIT_UNSERVED


def test_evaluate_reports_a_follow_up_too_early_and_by_another_engineer(stub):
    fu = {"previousOrderId": "repair", "sameEngineer": "SAME_ENGINEER_RULE_REQUIRED"}
    orders = [order("repair", 1, 0), order("check", 1, 0, followUp=fu)]
    engineers = [engineer("a") | {"shifts": _days(2)}, engineer("b") | {"shifts": _days(2)}]
    req = request(orders, engineers, **FAST)
    evaluation = _evaluate(stub, req, [("a", 0, ["repair"]), ("b", 1, ["check"])])
    kinds = _violation_types(evaluation)
    assert {pb.VIOLATION_TYPE_FOLLOW_UP_OUTSIDE_WINDOW, pb.VIOLATION_TYPE_FOLLOW_UP_OTHER_ENGINEER} <= kinds
    alone = _evaluate(stub, req, [("b", 1, ["check"])])
    assert pb.VIOLATION_TYPE_FOLLOW_UP_WITHOUT_FIRST_VISIT in _violation_types(alone)


# ---------------------------------------------------------------------------------------------
# Fairness


def test_fairness_gives_the_work_to_whoever_worked_less_this_week(stub):
    orders = [order(f"o{k}", 2, 0.1 * k, service_min=45, unassignedPenalty=1000) for k in range(6)]
    engineers = [engineer("tired", workedThisWeek=f"{32 * 3600}s"), engineer("fresh", 0.2, 0)]
    plain = _solve(stub, request(orders, engineers, **FAST))
    fair = _solve(stub, request(orders, engineers, **FAST, fairnessWeight=5))

    def hours(response, who):
        return sum(r.end_time.seconds - r.start_time.seconds for r in response.routes if r.engineer_id == who) / 3600

    assert hours(fair, "tired") < hours(fair, "fresh")
    assert fair.kpis.fairness_index > plain.kpis.fairness_index or hours(plain, "tired") == 0
    assert fair.stats.objective_breakdown.fairness > 0
    assert 0 < fair.kpis.fairness_index <= 1


def test_service_kpis_are_reported_on_every_plan(stub):
    response = _solve(stub, request([order("o", 1, 0)], [engineer("e", consecutiveDaysWorked=4, lastShiftEndTime=at(-960))], **FAST))
    k = response.kpis
    assert k.max_consecutive_days == 5  # four before, and today
    assert k.longest_day.seconds == response.routes[0].end_time.seconds - response.routes[0].start_time.seconds
    assert k.expected_first_time_fix_rate == pytest.approx(0.98)
    assert k.follow_ups_due == 0 and k.follow_up_same_engineer_rate == 1.0

"""Portfolio SLA targets over the real server: reported, or optimised through every stage.

The day: one engineer at the origin with an open route (no way home); A lies 5 km west
without a deadline, B 20 km east, due by 08:25 with no lateness cost of its own and created
3 h 40 min before the day. Driving is cheapest going west first (A, then B at 09:00: overdue
and 4 h 40 min after creation); east first (B at 08:20, then A) costs 15 more minutes of
driving (0.25 cost units) and meets every target.
"""

from __future__ import annotations

import pytest
from google.protobuf import json_format

from dispatch_service.api.v1 import dispatch_pb2 as pb
from dispatch_service.report import format_plan
from tests.builders import at, engineer, order, request
from tests.conftest import wait_until
from tests.plan_checks import assert_plan_obeys_hard_rules

OPTIMISED, REPORTED = "TARGET_MODE_OPTIMISED", "TARGET_MODE_REPORTED"


def _day(mode: str | None, **targets) -> pb.SolveRequest:
    orders = [order("A", -5), order("B", 20, slaDeadline=at(25), createTime=at(-220), latenessCostPerHour=0)]
    options = {}
    if mode is not None:
        options["slaTargets"] = {"overdueMode": mode, "maxResponseMode": mode, "meanResponseMode": REPORTED, **targets}
    return request(orders, [engineer("e", home=False)], **options)


def _sequence(response) -> list[str]:
    return [v.order_id for r in response.routes for v in r.visits]


def _targets(response) -> dict[int, pb.TargetResult]:
    return {t.kind: t for t in response.kpis.targets}


def _planned(order_ids: list[str]) -> list[pb.PlannedRoute]:
    return [pb.PlannedRoute(engineer_id="e", shift_index=0, order_ids=order_ids)]


def test_reported_targets_say_the_cheapest_plan_breaches_them(stub):
    req = _day(REPORTED)
    response = stub.Solve(req, timeout=60)
    assert_plan_obeys_hard_rules(req, response)
    assert _sequence(response) == ["A", "B"]
    t = _targets(response)
    overdue = t[pb.TARGET_KIND_OVERDUE_RATE]
    assert (overdue.actual, overdue.target, overdue.met, overdue.breaching_orders) == (1.0, 0.05, False, 1)
    assert overdue.margin == pytest.approx(-0.95) and overdue.cost == 0
    longest = t[pb.TARGET_KIND_MAX_RESPONSE]
    assert longest.actual == (4 * 60 + 40) * 60 and not longest.met and longest.margin == -40 * 60
    # B is 35 min past its deadline (and 40 min past the 4 h response): the one order at risk.
    assert [(a.order_id, a.slack.seconds, a.kind) for a in response.kpis.orders_at_risk] == [
        ("B", -40 * 60, pb.TARGET_KIND_MAX_RESPONSE)]


def test_optimised_targets_trade_travel_for_the_portfolio(stub):
    req = _day(OPTIMISED)
    response = stub.Solve(req, timeout=60)
    assert_plan_obeys_hard_rules(req, response)
    assert _sequence(response) == ["B", "A"]
    t = _targets(response)
    assert t[pb.TARGET_KIND_OVERDUE_RATE].met and t[pb.TARGET_KIND_MAX_RESPONSE].met
    assert t[pb.TARGET_KIND_MAX_RESPONSE].margin == 0 and t[pb.TARGET_KIND_OVERDUE_RATE].margin == pytest.approx(0.05)
    # The mean (B alone, 4 h) stays above 2 h: reported, not aimed at, and free.
    assert not t[pb.TARGET_KIND_MEAN_RESPONSE].met and t[pb.TARGET_KIND_MEAN_RESPONSE].margin == -2 * 3600
    assert all(x.cost == 0 for x in response.kpis.targets)
    assert response.kpis.overdue_rate == 0.0
    # B is on site exactly 4 h after creation (5 min before its deadline): still at risk.
    assert [(a.order_id, a.slack.seconds, a.kind) for a in response.kpis.orders_at_risk] == [
        ("B", 0, pb.TARGET_KIND_MAX_RESPONSE)]


def test_without_targets_nothing_is_reported(stub):
    req = _day(None)
    response = stub.Solve(req, timeout=60)
    assert _sequence(response) == ["A", "B"]
    assert not response.kpis.targets and not response.kpis.orders_at_risk


def test_evaluate_plan_prices_a_breach_as_the_solve_does(stub):
    """The breaching plan costs the overdue step (50) and 40 min past the 4 h target (20 per
    hour) on top of its driving; the solved plan's objective is what EvaluatePlan says of it."""
    req = _day(OPTIMISED)
    late = stub.EvaluatePlan(pb.EvaluatePlanRequest(problem=req, routes=_planned(["A", "B"])), timeout=30)
    t = _targets(late)
    assert t[pb.TARGET_KIND_OVERDUE_RATE].cost == pytest.approx(50.0)
    assert t[pb.TARGET_KIND_MAX_RESPONSE].cost == pytest.approx(20.0 * 40 / 60)
    assert late.objective_breakdown.lateness == pytest.approx(50.0 + 20.0 * 40 / 60)
    reported = stub.EvaluatePlan(pb.EvaluatePlanRequest(problem=_day(REPORTED), routes=_planned(["A", "B"])), timeout=30)
    assert reported.objective_breakdown.lateness == 0.0
    assert late.objective - reported.objective == pytest.approx(50.0 + 20.0 * 40 / 60)
    solved = stub.Solve(req, timeout=60)
    again = stub.EvaluatePlan(pb.EvaluatePlanRequest(problem=req, routes=_planned(_sequence(solved))), timeout=30)
    assert again.objective == pytest.approx(solved.stats.objective)
    assert list(again.violations) == []


def test_priority_scales_the_breach_price(stub):
    req = _day(OPTIMISED)
    req.orders[1].priority = pb.PRIORITY_HIGH
    late = stub.EvaluatePlan(pb.EvaluatePlanRequest(problem=req, routes=_planned(["A", "B"])), timeout=30)
    assert _targets(late)[pb.TARGET_KIND_OVERDUE_RATE].cost == pytest.approx(100.0)


def test_recommend_insertion_prices_the_targets(stub):
    """B asked for with A planned: first before A when the targets are optimised, after it
    (cheaper driving) when they are only reported."""
    for mode, position in ((OPTIMISED, 0), (REPORTED, 1)):
        req = _day(mode)
        b = req.orders[1]
        del req.orders[1]
        response = stub.RecommendInsertion(pb.RecommendInsertionRequest(
            problem=req, current_routes=_planned(["A"]), order=b, max_candidates=2), timeout=30)
        assert response.candidates[0].position == position, mode


def test_stream_and_jobs_report_the_targets(stub):
    req = _day(OPTIMISED)
    final = next(p for p in stub.SolveStream(req, timeout=60) if p.final)
    assert _sequence(final.plan) == ["B", "A"] and len(final.plan.kpis.targets) == 3
    assert_plan_obeys_hard_rules(req, final.plan)
    job = stub.StartSolve(req, timeout=10)
    wait_until(lambda: stub.GetSolve(pb.GetSolveRequest(job_id=job.job_id), timeout=10).state == pb.JOB_STATE_SUCCEEDED,
               what="the job to finish")
    done = stub.GetSolve(pb.GetSolveRequest(job_id=job.job_id), timeout=10)
    assert _sequence(done.plan) == ["B", "A"] and _targets(done.plan)[pb.TARGET_KIND_OVERDUE_RATE].met


def test_mean_response_target_is_priced_per_order_beyond_it(stub):
    """Mean response optimised alone: 5 per hour of each order's response past 2 h; B starts
    2 h 40 min past it in the west-first plan."""
    req = _day(None)
    json_format.ParseDict({"slaTargets": {"meanResponseMode": OPTIMISED}}, req.options)
    late = stub.EvaluatePlan(pb.EvaluatePlanRequest(problem=req, routes=_planned(["A", "B"])), timeout=30)
    t = _targets(late)
    assert t[pb.TARGET_KIND_MEAN_RESPONSE].cost == pytest.approx(5.0 * (4 * 60 + 40 - 120) / 60)
    assert t[pb.TARGET_KIND_OVERDUE_RATE].cost == 0.0 and t[pb.TARGET_KIND_MAX_RESPONSE].cost == 0.0


def test_the_readable_report_shows_targets_and_orders_at_risk(stub):
    text = format_plan(stub.Solve(_day(REPORTED), timeout=60))
    assert "target overdue_rate  100.0% vs 5.0%: MISSED (reported, cost 0.00)" in text
    assert "at risk              B (-40 min)" in text

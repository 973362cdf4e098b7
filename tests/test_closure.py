"""Closure over the real server: age and failed attempts raise an order's priority
(``rules.closure_factor``), and every unassigned order says when it could be served.

The day: one engineer at the origin, 08:00-16:00, room for one 400-minute job; A lies 2 km
east, B 10 km east (one kilometre takes a minute). Both are worth their penalty (100): A,
closer, is served unless B's age or attempts make B worth more.
"""

from __future__ import annotations

import pytest
from google.protobuf import json_format

from dispatch_service.api.v1 import dispatch_pb2 as pb
from solver.model import LatLng, Order
from solver.rules import closure_factor
from tests.builders import DAY, at, engineer, order, request
from tests.conftest import wait_until
from tests.plan_checks import assert_plan_obeys_hard_rules


def _day(**b_extra) -> pb.SolveRequest:
    return request([order("A", 2, service_min=400), order("B", 10, service_min=400, **b_extra)], [engineer("e")])


def _served(response) -> list[str]:
    return [v.order_id for r in response.routes for v in r.visits]


def test_the_closure_factor_rule():
    here = LatLng(0, 0)
    assert closure_factor(Order("o", here)) == 1.0
    assert closure_factor(Order("o", here, age_s=5 * 86400)) == pytest.approx(1.5)
    assert closure_factor(Order("o", here, attempts=2)) == pytest.approx(2.0)
    assert closure_factor(Order("o", here, age_s=100 * 86400, attempts=9)) == 4.0  # capped


@pytest.mark.parametrize("b_extra", [{}, {"age": f"{10 * 86400}s"}, {"attemptCount": 2}], ids=["new", "aged", "attempted"])
def test_age_and_attempts_raise_priority(stub, b_extra):
    req = _day(**b_extra)
    response = stub.Solve(req, timeout=60)
    assert_plan_obeys_hard_rules(req, response)
    assert _served(response) == (["A"] if not b_extra else ["B"])
    # The one left out is new (factor 1): its plain penalty.
    assert [u.order_id for u in response.unassigned_orders] == (["B"] if not b_extra else ["A"])
    assert response.stats.objective_breakdown.unassigned == pytest.approx(100.0)


def test_an_aged_order_left_out_costs_more(stub):
    req = _day(age=f"{10 * 86400}s")
    # B aged but made unreachable within its window: its doubled penalty is what remains.
    json_format.ParseDict({"timeWindows": [{"startTime": at(600), "endTime": at(700)}]}, req.orders[1])
    response = stub.Solve(req, timeout=60)
    assert _served(response) == ["A"]
    assert response.stats.objective_breakdown.unassigned == pytest.approx(200.0)


def test_every_unassigned_order_says_when_it_could_be_served(stub):
    """B left out for cost: alone, the engineer could start it at 08:10 (10 min drive); with a
    window opening at 09:00, at 09:00; a break 08:05-08:35 that must start by 08:05 delays
    it to 08:40. An order no shift can serve has no time."""
    req = _day()
    response = stub.Solve(req, timeout=60)
    (b,) = response.unassigned_orders
    assert (b.order_id, b.reason) == ("B", pb.NOT_SERVED_FOR_COST)
    assert b.next_possible_time.seconds == DAY + 10 * 60

    windowed = _day(timeWindows=[{"startTime": at(60)}])
    (b,) = stub.Solve(windowed, timeout=60).unassigned_orders
    assert b.next_possible_time.seconds == DAY + 60 * 60

    braked = _day()
    json_format.ParseDict({"breaks": [{"earliestStartTime": at(5), "latestStartTime": at(5), "duration": "1800s"}]},
                          braked.engineers[0].shifts[0])
    braked.orders[0].service_duration.seconds = 300 * 60  # both still cannot fit with the break
    response = stub.Solve(braked, timeout=60)
    assert_plan_obeys_hard_rules(braked, response)
    (b,) = response.unassigned_orders
    assert b.next_possible_time.seconds == DAY + 40 * 60  # 5 min driving, the break, 5 more

    never = request([order("A", 2), order("X", 2, requiredSkills=[{"name": "gas"}])], [engineer("e")])
    response = stub.Solve(never, timeout=60)
    (x,) = response.unassigned_orders
    assert x.reason == pb.NO_QUALIFIED_ENGINEER and not x.HasField("next_possible_time")
    assert_plan_obeys_hard_rules(never, response)


def test_evaluate_plan_gives_next_possible_times(stub):
    req = _day()
    evaluated = stub.EvaluatePlan(pb.EvaluatePlanRequest(problem=req, routes=[
        pb.PlannedRoute(engineer_id="e", shift_index=0, order_ids=["B"])]), timeout=30)
    (a,) = evaluated.unassigned_orders
    assert a.order_id == "A" and a.next_possible_time.seconds == DAY + 2 * 60


def test_stream_and_jobs_carry_next_possible_times(stub):
    req = _day()
    final = next(p for p in stub.SolveStream(req, timeout=60) if p.final)
    (b,) = final.plan.unassigned_orders
    assert b.next_possible_time.seconds == DAY + 10 * 60
    job = stub.StartSolve(_day(attemptCount=2), timeout=10)
    wait_until(lambda: stub.GetSolve(pb.GetSolveRequest(job_id=job.job_id), timeout=10).state == pb.JOB_STATE_SUCCEEDED,
               what="the job to finish")
    done = stub.GetSolve(pb.GetSolveRequest(job_id=job.job_id), timeout=10).plan
    (a,) = done.unassigned_orders
    assert _served(done) == ["B"] and a.order_id == "A" and a.next_possible_time.seconds == DAY + 2 * 60

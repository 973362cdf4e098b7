"""EvaluatePlan and RecommendInsertion reach the solver through the servicer (real stub)."""

from __future__ import annotations

from dispatch_service.api.v1 import dispatch_pb2 as pb
from tests.builders import engineer, order, request


def _problem() -> pb.SolveRequest:
    return request([order("a", 1), order("b", 2)], [engineer("e1"), engineer("e2", 10)])


def test_evaluate_plan_times_a_given_plan(stub):
    reply = stub.EvaluatePlan(pb.EvaluatePlanRequest(problem=_problem(), routes=[pb.PlannedRoute(engineer_id="e1", order_ids=["a", "b"])]), timeout=10)
    assert [v.order_id for v in reply.routes[0].visits] == ["a", "b"]
    assert not reply.violations and not reply.unassigned_orders
    assert reply.kpis.orders_served == 2


def test_recommend_insertion_offers_the_nearby_engineer_first(stub):
    req = pb.RecommendInsertionRequest(
        problem=_problem(), current_routes=[pb.PlannedRoute(engineer_id="e1", order_ids=["a", "b"])], order=request([order("new", 9)], [engineer("x")]).orders[0]
    )
    reply = stub.RecommendInsertion(req, timeout=10)
    assert reply.candidates and reply.candidates[0].engineer_id == "e2"

"""Property-based: random valid requests always give plans that obey every hard rule; random
hostile ones never crash anything (INVALID_ARGUMENT or a plan, never INTERNAL/UNKNOWN)."""

from __future__ import annotations

import grpc
from grpc_health.v1 import health_pb2, health_pb2_grpc
from hypothesis import HealthCheck, given, settings

from dispatch_service.errors import field_violations
from tests.plan_checks import assert_plan_obeys_hard_rules
from tests.strategies import invalid_requests, valid_requests

SETTINGS = settings(max_examples=25, deadline=None, database=None, suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large])


@SETTINGS
@given(valid_requests())
def test_random_valid_requests_give_plans_that_obey_the_hard_rules(stub, request):
    response = stub.Solve(request, timeout=60)
    assert_plan_obeys_hard_rules(request, response)
    assert response.kpis.orders_total == len(request.orders)


@SETTINGS
@given(invalid_requests())
def test_random_hostile_requests_never_crash_the_server(stub, channel, request):
    try:
        response = stub.Solve(request, timeout=60)
    except grpc.RpcError as error:
        assert error.code() == grpc.StatusCode.INVALID_ARGUMENT, (error.code(), error.details())
        assert field_violations(error), "INVALID_ARGUMENT always names the fields"
    else:
        assert_plan_obeys_hard_rules(request, response)
    reply = health_pb2_grpc.HealthStub(channel).Check(health_pb2.HealthCheckRequest(), timeout=5)
    assert reply.status == health_pb2.HealthCheckResponse.SERVING

"""SolveStream through the real server: improving plans, then the final plan; cancel and errors."""

from __future__ import annotations

import grpc
import pytest

from dispatch_service.api.v1 import dispatch_pb2 as pb
from dispatch_service.errors import field_violations
from tests.builders import engineer, order, request
from tests.conftest import wait_until
from tests.plan_checks import assert_plan_obeys_hard_rules


def busy_request(seconds: int = 60) -> pb.SolveRequest:
    orders = [order(f"o{k}", (k * 7) % 23 - 11, (k * 5) % 19 - 9, service_min=10) for k in range(60)]
    engineers = [engineer(f"e{j}", j - 2, 0) for j in range(5)]
    return request(orders, engineers, searchMode="SEARCH_MODE_CONSUME_ALL_TIME", timeLimit=f"{seconds}s")


def test_stream_sends_improving_plans_then_the_final_plan(stub):
    req = busy_request(2)
    messages = list(stub.SolveStream(req, timeout=60))
    *updates, final = messages
    assert final.final and not any(m.final for m in updates)
    assert updates, "at least the first plan is streamed before the final one"
    assert_plan_obeys_hard_rules(req, final.plan)
    assert final.plan.stats.status == pb.TIME_LIMIT
    objectives = [m.plan.stats.objective for m in updates]
    assert objectives == sorted(objectives, reverse=True), "each update improves on the last"
    elapsed = [m.elapsed.ToNanoseconds() for m in messages]
    assert elapsed == sorted(elapsed)
    for m in updates:  # snapshots are whole plans: every order visited once or unassigned
        assert_plan_obeys_hard_rules(req, m.plan)
        assert m.plan.stats.solutions_found >= 1


def test_cancelling_the_stream_frees_the_worker(server, stub):
    call = stub.SolveStream(busy_request(60), timeout=120)
    first = next(call)
    assert not first.final and first.plan.kpis.orders_served > 0
    call.cancel()
    wait_until(lambda: server.pool.depth == 0, what="the worker to be released")
    with pytest.raises(grpc.RpcError) as info:
        list(call)
    assert info.value.code() == grpc.StatusCode.CANCELLED


def test_the_deadline_ends_the_stream_with_the_best_plan(stub):
    req = busy_request(60)
    messages = list(stub.SolveStream(req, timeout=3))
    assert messages[-1].final
    assert messages[-1].plan.stats.status == pb.TIME_LIMIT
    assert_plan_obeys_hard_rules(req, messages[-1].plan)


def test_an_invalid_request_fails_with_field_paths(stub):
    req = request([order("a", 1)], [engineer("e")])
    req.orders[0].ClearField("location")
    with pytest.raises(grpc.RpcError) as info:
        list(stub.SolveStream(req, timeout=10))
    assert info.value.code() == grpc.StatusCode.INVALID_ARGUMENT
    assert ("orders[0].location", "is required") in field_violations(info.value)


def test_validate_only_streams_one_final_message(stub):
    req = request([order("a", 1)], [engineer("e")], timeLimit="1s")
    req.validate_only = True
    (only,) = list(stub.SolveStream(req, timeout=10))
    assert only.final and only.plan.stats.status == pb.VALIDATED

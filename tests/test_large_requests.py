"""SolveLarge through the real server: a request larger than the message limit streamed in
chunks, the plan streamed back in parts that each fit; the stream's bounds and order, and the
same validation as Solve, with field paths."""

from __future__ import annotations

from collections.abc import Iterator

import grpc
import pytest

from dispatch_service.api.v1 import dispatch_pb2 as pb
from dispatch_service.api.v1 import dispatch_pb2_grpc as pb_grpc
from dispatch_service.client import large_chunks, plan_from_parts
from dispatch_service.errors import field_violations
from tests.builders import engineer, order, request
from tests.conftest import start_server
from tests.plan_checks import assert_plan_obeys_hard_rules

MESSAGE_BYTES = 8 * 1024  # the server's message limit in this module: small, so a day passes it
LARGE_ORDERS = 600
LARGE_BYTES = 256 * 1024


def a_day(orders: int) -> pb.SolveRequest:
    """``orders`` orders on a 10 x 10 km grid around 12 engineers (at most one route each)."""
    return request(
        [order(f"order-{k:05d}", (k * 7) % 21 - 10, (k * 11) % 19 - 9, service_min=5) for k in range(orders)],
        [engineer(f"e{j}", j - 6, (j * 5) % 7 - 3) for j in range(12)],
        searchMode="SEARCH_MODE_RETURN_FAST", timeLimit="3s",
    )


@pytest.fixture(scope="module")
def small_server():
    s = start_server(workers=1, queue_size=2, max_message_bytes=MESSAGE_BYTES, max_large_orders=LARGE_ORDERS,
                     max_large_request_bytes=LARGE_BYTES)
    yield s
    s.stop(grace_s=0.5)


@pytest.fixture(scope="module")
def small_stub(small_server):
    with grpc.insecure_channel(f"127.0.0.1:{small_server.port}") as channel:
        yield pb_grpc.DispatchServiceStub(channel)


def _error(stub, chunks: Iterator[pb.SolveLargeRequest] | list) -> grpc.RpcError:
    with pytest.raises(grpc.RpcError) as info:
        list(stub.SolveLarge(iter(chunks), timeout=60))
    return info.value


def test_a_request_beyond_the_message_limit_is_solved_in_chunks_and_streamed_back(small_stub):
    """A day of 500 orders is several times the server's message limit: Solve refuses it,
    SolveLarge takes it in batches of 100 and answers every route in its own message, the unassigned
    orders in batches, then the summary; together they are a plan that obeys every hard rule."""
    req = a_day(500)
    assert req.ByteSize() > 2 * MESSAGE_BYTES
    with pytest.raises(grpc.RpcError) as info:
        small_stub.Solve(req, timeout=60)
    assert info.value.code() == grpc.StatusCode.RESOURCE_EXHAUSTED

    parts = list(small_stub.SolveLarge(large_chunks(req, orders_per_batch=100), timeout=120))
    kinds = [p.WhichOneof("part") for p in parts]
    assert kinds[-1] == "summary" and kinds.count("summary") == 1
    assert kinds == sorted(kinds, key=["route", "unassigned", "summary"].index), "routes, then unassigned, then the summary"
    assert kinds.count("route") == 12 and all(p.ByteSize() <= MESSAGE_BYTES for p in parts)
    assert all(len(p.unassigned.orders) <= 1000 for p in parts)
    summary = parts[-1].summary
    assert not summary.routes and not summary.unassigned_orders and summary.stats.solutions_found >= 1
    plan = plan_from_parts(parts)
    assert plan.ByteSize() > MESSAGE_BYTES, "the plan too is larger than one message"
    assert_plan_obeys_hard_rules(req, plan)
    served = sum(len(r.visits) for r in plan.routes)
    assert served + len(plan.unassigned_orders) == 500 and served == plan.kpis.orders_served > 0


def test_a_bad_order_in_a_later_batch_is_named_by_its_place_in_the_whole_request(small_stub):
    req = a_day(250)
    req.orders[230].service_duration.seconds = -60
    req.orders[7].location.latitude = 91.0
    error = _error(small_stub, large_chunks(req, orders_per_batch=100))
    assert error.code() == grpc.StatusCode.INVALID_ARGUMENT
    fields = [f for f, _ in field_violations(error)]
    assert "orders[230].service_duration" in fields and "orders[7].location.latitude" in fields


def test_validate_only_answers_a_summary_alone(small_stub):
    req = a_day(150)
    req.validate_only = True
    parts = list(small_stub.SolveLarge(large_chunks(req, orders_per_batch=100), timeout=60))
    assert [p.WhichOneof("part") for p in parts] == ["summary"]
    assert parts[0].summary.stats.status == pb.VALIDATED and parts[0].summary.label == "test"


def _header() -> pb.SolveLargeRequest:
    header = a_day(0)
    return pb.SolveLargeRequest(header=header)


def _batch(first: int, count: int) -> pb.SolveLargeRequest:
    return pb.SolveLargeRequest(orders=pb.OrderBatch(orders=a_day(first + count).orders[first:]))


@pytest.mark.parametrize(
    ("chunks", "field"),
    [
        pytest.param(lambda: [_batch(0, 5)], "chunks[0]", id="orders-before-the-header"),
        pytest.param(lambda: [_header(), _batch(0, 5), _header()], "chunks[2].header", id="a-second-header"),
        pytest.param(lambda: [pb.SolveLargeRequest(header=a_day(3))], "chunks[0].header.orders", id="a-header-with-orders"),
        pytest.param(lambda: [_header(), pb.SolveLargeRequest(orders=pb.OrderBatch())], "chunks[1].orders.orders", id="an-empty-batch"),
        pytest.param(lambda: [_header(), pb.SolveLargeRequest()], "chunks[1]", id="an-empty-chunk"),
        pytest.param(lambda: [], "chunks[0].header", id="an-empty-stream"),
    ],
)
def test_a_stream_out_of_order_is_refused_at_the_chunk(small_stub, chunks, field):
    error = _error(small_stub, chunks())
    assert error.code() == grpc.StatusCode.INVALID_ARGUMENT
    assert [f for f, _ in field_violations(error)] == [field]


def test_a_batch_of_more_than_5000_orders_is_refused(stub):
    """On the default server (32 MiB messages): the batch bound is the API's, not the message's."""
    big = pb.SolveLargeRequest(orders=pb.OrderBatch(orders=a_day(5001).orders))
    error = _error(stub, [_header(), big])
    assert error.code() == grpc.StatusCode.INVALID_ARGUMENT
    assert field_violations(error)[0][0] == "chunks[1].orders.orders"
    assert "1 to 5,000" in field_violations(error)[0][1]


def test_too_many_orders_stops_the_stream_at_the_batch_that_passes_the_limit(small_stub):
    """--max-large-orders (600 here): the 7th batch of 100 passes it, and the answer is decided
    there (700 orders), not after the stream's 1,000 have been collected."""
    error = _error(small_stub, [_header()] + [_batch(100 * k, 100) for k in range(10)])
    assert error.code() == grpc.StatusCode.INVALID_ARGUMENT
    assert field_violations(error) == [("orders", f"at most {LARGE_ORDERS} orders are accepted, got 700")]


def test_chunks_past_the_byte_limit_are_resource_exhausted(small_stub):
    """--max-large-request-bytes (256 KiB here), counted over every chunk as it arrives (orders
    with 1 KB ids: the bytes pass the limit long before the orders pass theirs)."""
    batch = _batch(0, 5)
    for o in batch.orders.orders:
        o.id = o.id + "x" * 1000
    chunks = [_header()] + [batch] * (LARGE_BYTES // batch.ByteSize() + 2)
    error = _error(small_stub, chunks)
    assert error.code() == grpc.StatusCode.RESOURCE_EXHAUSTED
    (field, description), = field_violations(error)
    assert field == f"chunks[{LARGE_BYTES // batch.ByteSize() + 1}]" and "--max-large-request-bytes" in description

"""More bad input: every case is INVALID_ARGUMENT at an exact field (or the status its transport
limit calls for), and the server keeps serving afterwards."""

from __future__ import annotations

import math

import grpc
import pytest
from grpc_health.v1 import health_pb2, health_pb2_grpc

from dispatch_service import convert
from dispatch_service.api.v1 import dispatch_pb2 as pb
from dispatch_service.api.v1 import dispatch_pb2_grpc as pb_grpc
from dispatch_service.errors import field_violations
from tests.builders import DAY, at, engineer, order, request, valid_request
from tests.conftest import start_server

YEAR_9999 = "9999-12-31T00:00:00Z"
NOW_S = DAY - 3600  # the small server's fixed "now"


def _windows(r, n):
    r.orders[1].ClearField("time_windows")
    for k in range(n):
        w = r.orders[1].time_windows.add()
        w.start_time.FromJsonString(at(10 * k))
        w.end_time.FromJsonString(at(10 * k + 5))


def _breaks(r, n):
    s = r.engineers[0].shifts[0]
    s.ClearField("breaks")
    for k in range(n):
        b = s.breaks.add(duration={"seconds": 60})
        b.earliest_start_time.FromJsonString(at(20 * k))
        b.latest_start_time.FromJsonString(at(20 * k + 5))


def _shifts(r, n):
    e = r.engineers[1]
    e.ClearField("shifts")
    for k in range(n):
        s = e.shifts.add()
        s.start_time.FromJsonString(at(60 * k))
        s.end_time.FromJsonString(at(60 * k + 30))


CASES = [
    # coordinates
    ("end-location-latitude-nan", lambda r: setattr(r.engineers[0].end_location, "latitude", math.nan), "engineers[0].end_location.latitude", "finite"),
    ("order-latitude-minus-inf", lambda r: setattr(r.orders[1].location, "latitude", -math.inf), "orders[1].location.latitude", "finite"),
    ("order-longitude-out-of-range", lambda r: setattr(r.orders[0].location, "longitude", 180.5), "orders[0].location.longitude", "[-180, 180]"),
    ("engineer-longitude-huge", lambda r: setattr(r.engineers[1].start_location, "longitude", 1e308), "engineers[1].start_location.longitude", "[-180, 180]"),
    ("engineer-latitude-below-range", lambda r: setattr(r.engineers[1].end_location, "latitude", -90.0001), "engineers[1].end_location.latitude", "[-90, 90]"),
    # ids and references
    ("engineer-id-empty", lambda r: setattr(r.engineers[0], "id", ""), "engineers[0].id", "empty"),
    ("engineer-id-too-long", lambda r: setattr(r.engineers[1], "id", "e" * 300), "engineers[1].id", "256"),
    ("order-id-very-long", lambda r: setattr(r.orders[0], "id", "o" * 100_000), "orders[0].id", "256"),
    ("order-skill-duplicate", lambda r: r.orders[0].required_skills.add(name="hvac"), "orders[0].required_skills[1].name", "twice"),
    ("engineer-skill-duplicate", lambda r: r.engineers[0].skills.add(name="hvac", level=1), "engineers[0].skills[1].name", "twice"),
    ("skill-name-too-long", lambda r: setattr(r.orders[0].required_skills[0], "name", "s" * 257), "orders[0].required_skills[0].name", "1 to 256"),
    ("skill-level-too-high", lambda r: setattr(r.engineers[0].skills[0], "level", 101), "engineers[0].skills[0].level", "[1, 100]"),
    ("skill-min-level-huge", lambda r: setattr(r.orders[0].required_skills[0], "min_level", 2**31 - 1), "orders[0].required_skills[0].min_level", "[1, 100]"),
    ("unknown-excluded-engineer", lambda r: r.orders[0].excluded_engineer_ids.append("ghost"), "orders[0].excluded_engineer_ids[1]", "names no engineer"),
    ("empty-engineer-reference", lambda r: r.orders[1].required_engineer_ids.append(""), "orders[1].required_engineer_ids[2]", "names no engineer"),
    # windows
    ("window-touching", lambda r: r.orders[0].time_windows[1].start_time.FromJsonString(at(120)), "orders[0].time_windows[1].start_time", "after the end"),
    ("window-after-open-ended", lambda r: r.orders[0].time_windows[0].ClearField("end_time"), "orders[0].time_windows[1].start_time", "after the end"),
    ("window-start-year-9999", lambda r: r.orders[0].time_windows[0].start_time.FromJsonString(YEAR_9999), "orders[0].time_windows[0].start_time", "2100"),
    ("too-many-windows", lambda r: _windows(r, 17), "orders[1].time_windows", "at most 16"),
    # times and durations
    ("shift-end-year-9999", lambda r: r.engineers[1].shifts[0].end_time.FromJsonString(YEAR_9999), "engineers[1].shifts[0].end_time", "2100"),
    ("shift-start-before-1970", lambda r: setattr(r.engineers[1].shifts[0].start_time, "seconds", -3600), "engineers[1].shifts[0].start_time", "1970"),
    ("deadline-year-9999", lambda r: r.orders[0].sla_deadline.FromJsonString(YEAR_9999), "orders[0].sla_deadline", "2100"),
    ("create-time-before-1970", lambda r: setattr(r.orders[0].create_time, "seconds", -86_400), "orders[0].create_time", "1970"),
    ("break-year-9999", lambda r: r.engineers[0].shifts[0].breaks[0].latest_start_time.FromJsonString(YEAR_9999), "engineers[0].shifts[0].breaks[0].latest_start_time", "2100"),
    ("break-latest-before-earliest", lambda r: r.engineers[0].shifts[0].breaks[0].latest_start_time.FromJsonString(at(200)), "engineers[0].shifts[0].breaks[0].latest_start_time", "earliest_start_time"),
    ("break-duration-huge", lambda r: setattr(r.engineers[0].shifts[0].breaks[0].duration, "seconds", 10**8), "engineers[0].shifts[0].breaks[0].duration", "at most"),
    ("break-duration-negative", lambda r: setattr(r.engineers[0].shifts[0].breaks[0].duration, "seconds", -60), "engineers[0].shifts[0].breaks[0].duration", "positive"),
    ("break-duration-missing", lambda r: r.engineers[0].shifts[0].breaks[0].ClearField("duration"), "engineers[0].shifts[0].breaks[0].duration", "required"),
    ("break-earliest-missing", lambda r: r.engineers[0].shifts[0].breaks[0].ClearField("earliest_start_time"), "engineers[0].shifts[0].breaks[0].earliest_start_time", "required"),
    ("too-many-breaks", lambda r: _breaks(r, 9), "engineers[0].shifts[0].breaks", "at most 8"),
    ("too-many-shifts", lambda r: _shifts(r, 32), "engineers[1].shifts", "at most 31"),
    ("shift-end-missing", lambda r: r.engineers[0].shifts[0].ClearField("end_time"), "engineers[0].shifts[0].end_time", "required"),
    ("service-duration-max-int64", lambda r: setattr(r.orders[1].service_duration, "seconds", 2**63 - 1), "orders[1].service_duration", "at most"),
    ("max-working-time-zero", lambda r: setattr(r.engineers[0].max_working_time, "seconds", 0), "engineers[0].max_working_time", "positive"),
    ("max-working-time-eight-days", lambda r: setattr(r.engineers[0].max_working_time, "seconds", 8 * 86_400), "engineers[0].max_working_time", "at most"),
    ("time-limit-negative", lambda r: r.options.time_limit.FromSeconds(-5), "options.time_limit", "positive"),
    # enums, costs and amounts
    ("priority-negative", lambda r: setattr(r.orders[0], "priority", -1), "orders[0].priority", "PRIORITY_"),
    ("priority-huge", lambda r: setattr(r.orders[1], "priority", 2**31 - 1), "orders[1].priority", "PRIORITY_"),
    ("sla-mode-huge", lambda r: setattr(r.orders[1], "sla_mode", 2**31 - 1), "orders[1].sla_mode", "SLA_MODE_"),
    ("penalty-huge", lambda r: setattr(r.orders[0], "unassigned_penalty", 1e12), "orders[0].unassigned_penalty", "[0, 1e+09]"),
    ("lateness-cost-infinite", lambda r: setattr(r.orders[0], "lateness_cost_per_hour", math.inf), "orders[0].lateness_cost_per_hour", "finite"),
    ("cost-per-hour-negative", lambda r: setattr(r.engineers[0], "cost_per_hour", -0.5), "engineers[0].cost_per_hour", "[0,"),
    ("cost-per-traveled-hour-nan", lambda r: setattr(r.engineers[1], "cost_per_traveled_hour", math.nan), "engineers[1].cost_per_traveled_hour", "finite"),
    ("non-preferred-cost-huge", lambda r: setattr(r.options, "non_preferred_engineer_cost", 1e7), "options.non_preferred_engineer_cost", "[0, 1e+06]"),
    ("weight-infinite", lambda r: setattr(r.options.objective_weights, "travel", math.inf), "options.objective_weights.travel", "finite"),
    ("capacity-huge", lambda r: setattr(r.engineers[0], "capacity", 2 * 10**9), "engineers[0].capacity", "[0,"),
    ("demand-huge", lambda r: setattr(r.orders[0], "demand", 10**15), "orders[0].demand", "[0,"),
    ("speed-factor-huge", lambda r: setattr(r.engineers[0], "speed_factor", 11.0), "engineers[0].speed_factor", "[0.1, 10"),
    ("speed-kmh-huge", lambda r: setattr(r.options.travel_model.great_circle, "speed_kmh", 1000.0), "options.travel_model.great_circle.speed_kmh", "km/h"),
    ("detour-nan", lambda r: setattr(r.options.travel_model.great_circle, "detour_factor", math.nan), "options.travel_model.great_circle.detour_factor", "[1, 3]"),
    ("seed-too-large", lambda r: setattr(r.options, "random_seed", 2**31), "options.random_seed", "[0, 2^31)"),
    ("solution-limit-negative", lambda r: setattr(r.options, "solution_limit", -1), "options.solution_limit", "negative"),
]


def assert_serving(channel: grpc.Channel) -> None:
    reply = health_pb2_grpc.HealthStub(channel).Check(health_pb2.HealthCheckRequest(service="dispatch.v1.DispatchService"), timeout=5)
    assert reply.status == health_pb2.HealthCheckResponse.SERVING


@pytest.mark.parametrize("mutate,field,words", [c[1:] for c in CASES], ids=[c[0] for c in CASES])
def test_more_invalid_requests_name_the_field(stub, channel, mutate, field, words):
    request = valid_request()
    mutate(request)
    with pytest.raises(grpc.RpcError) as info:
        stub.Solve(request, timeout=30)
    assert info.value.code() == grpc.StatusCode.INVALID_ARGUMENT
    violations = dict(field_violations(info.value))
    assert field in violations, violations
    assert words in violations[field], violations[field]
    assert_serving(channel)


def _many_orders(n: int) -> pb.SolveRequest:
    r = valid_request()
    template = r.orders[1]
    for k in range(n):
        o = r.orders.add()
        o.id = f"bulk{k}"
        o.location.CopyFrom(template.location)
    return r


def test_100000_orders_are_refused_before_anything_is_built(stub, channel, monkeypatch):
    """A request far beyond max_orders fails INVALID_ARGUMENT at `orders` from the list length
    alone: the conversion to domain objects never runs."""
    calls = []
    original = convert.request_to_problem
    monkeypatch.setattr(convert, "request_to_problem", lambda request, **kw: calls.append(len(request.orders)) or original(request, **kw))
    with pytest.raises(grpc.RpcError) as info:
        stub.Solve(_many_orders(100_000), timeout=60)
    assert info.value.code() == grpc.StatusCode.INVALID_ARGUMENT
    assert "at most 20000 orders" in dict(field_violations(info.value))["orders"]
    assert calls == []
    assert_serving(channel)
    assert stub.Solve(valid_request(), timeout=30).routes
    assert calls == [2]  # the spy is live: a normal request goes through it


@pytest.fixture(scope="module")
def small_server():
    """Small configured limits: 10 KiB messages, 5 orders, 2 engineers, shifts must not be over.
    Its clock stands still an hour before the test day, so the suite passes on any date."""
    s = start_server(workers=1, queue_size=2, max_message_bytes=10 * 1024, max_orders=5, max_engineers=2,
                     reject_ended_shifts=True, clock=lambda: NOW_S)
    yield s
    s.stop(grace_s=0.5)


@pytest.fixture()
def small(small_server):
    with grpc.insecure_channel(f"127.0.0.1:{small_server.port}") as ch:
        yield ch, pb_grpc.DispatchServiceStub(ch)


def test_an_oversize_message_is_resource_exhausted(small):
    channel, stub = small
    big = valid_request()
    big.orders[0].ClearField("required_skills")
    for k in range(300):
        big.orders[0].required_skills.add(name=f"skill-{k:04d}-" + "x" * 20, min_level=1)
    assert big.ByteSize() > 10 * 1024
    with pytest.raises(grpc.RpcError) as info:
        stub.Solve(big, timeout=30)
    assert info.value.code() == grpc.StatusCode.RESOURCE_EXHAUSTED
    assert_serving(channel)
    assert stub.Solve(valid_request(), timeout=30).routes


def test_configured_order_and_engineer_limits(small):
    channel, stub = small
    too_many = request([order(f"o{k}", k) for k in range(6)], [engineer(f"e{k}") for k in range(3)])
    too_many.validate_only = True
    with pytest.raises(grpc.RpcError) as info:
        stub.Solve(too_many, timeout=30)
    assert info.value.code() == grpc.StatusCode.INVALID_ARGUMENT
    violations = dict(field_violations(info.value))
    assert "at most 5 orders" in violations["orders"] and "at most 2 engineers" in violations["engineers"]
    at_limit = request([order(f"o{k}", k) for k in range(5)], [engineer(f"e{k}") for k in range(2)])
    at_limit.validate_only = True
    assert stub.Solve(at_limit, timeout=30).stats.status == pb.VALIDATED
    assert_serving(channel)


def _shift_days_from_now(days: float) -> pb.SolveRequest:
    start = int(NOW_S + days * 86_400)
    r = request([order("a", 1)], [engineer("e")])
    r.engineers[0].shifts[0].start_time.seconds = start
    r.engineers[0].shifts[0].end_time.seconds = start + 8 * 3600
    r.validate_only = True
    return r


def test_ended_shifts_are_refused_when_the_rule_is_on(small):
    channel, stub = small
    with pytest.raises(grpc.RpcError) as info:
        stub.Solve(_shift_days_from_now(-2), timeout=30)
    assert info.value.code() == grpc.StatusCode.INVALID_ARGUMENT
    assert "ended before the server's current time" in dict(field_violations(info.value))["engineers[0].shifts[0].end_time"]
    assert stub.Solve(_shift_days_from_now(1), timeout=30).stats.status == pb.VALIDATED


def test_ended_shifts_are_accepted_by_default(stub):
    """Off by default: replaying past days (and tests, benchmarks with fixed dates) must work."""
    assert stub.Solve(_shift_days_from_now(-2), timeout=30).stats.status == pb.VALIDATED
    old = request([order("a", 1)], [engineer("e")])
    for shift in old.engineers[0].shifts:
        shift.start_time.seconds -= DAY - 1_000_000_000  # back to 2001
        shift.end_time.seconds -= DAY - 1_000_000_000
    old.validate_only = True
    assert stub.Solve(old, timeout=30).stats.status == pb.VALIDATED


@pytest.mark.parametrize("body", [b"\xff\xfe\xfd garbage \x00\x01", b"\x0a\xff\xff\xff\xff\xff\xff\xff\xff\xff\x01", b"\x12\x05abc"], ids=["garbage", "bad-varint", "truncated"])
def test_undecodable_bytes_fail_and_the_server_keeps_serving(server, body):
    with grpc.insecure_channel(f"127.0.0.1:{server.port}") as channel:
        raw = channel.unary_unary("/dispatch.v1.DispatchService/Solve", request_serializer=None, response_deserializer=None)
        with pytest.raises(grpc.RpcError) as info:
            raw(body, timeout=10)
        assert info.value.code() in (grpc.StatusCode.INTERNAL, grpc.StatusCode.INVALID_ARGUMENT)
        assert_serving(channel)
        assert pb_grpc.DispatchServiceStub(channel).Solve(valid_request(), timeout=30).routes

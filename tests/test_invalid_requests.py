"""Every invalid request is answered INVALID_ARGUMENT naming the exact field and the rule."""

from __future__ import annotations

import math

import grpc
import pytest
from grpc_health.v1 import health_pb2, health_pb2_grpc

from dispatch_service import convert
from dispatch_service.api.v1 import dispatch_pb2 as pb
from dispatch_service.errors import field_violations
from solver.limits import Limits
from solver.validation import validate
from tests.builders import at, valid_request


def _set(path_fn):
    return path_fn


CASES = [
    # (id, mutation, expected field path, words expected in the description)
    ("order-id-empty", lambda r: setattr(r.orders[0], "id", ""), "orders[0].id", "empty"),
    ("order-id-duplicate", lambda r: setattr(r.orders[1], "id", "o1"), "orders[1].id", "duplicates"),
    ("order-id-too-long", lambda r: setattr(r.orders[1], "id", "x" * 257), "orders[1].id", "256"),
    ("engineer-id-duplicate", lambda r: setattr(r.engineers[1], "id", "e1"), "engineers[1].id", "duplicates"),
    ("latitude-nan", lambda r: setattr(r.orders[0].location, "latitude", math.nan), "orders[0].location.latitude", "finite"),
    ("longitude-inf", lambda r: setattr(r.orders[1].location, "longitude", math.inf), "orders[1].location.longitude", "finite"),
    ("latitude-out-of-range", lambda r: setattr(r.engineers[0].start_location, "latitude", 91.0), "engineers[0].start_location.latitude", "[-90, 90]"),
    ("order-location-missing", lambda r: r.orders[1].ClearField("location"), "orders[1].location", "required"),
    ("engineer-start-missing", lambda r: r.engineers[1].ClearField("start_location"), "engineers[1].start_location", "required"),
    ("service-negative", lambda r: setattr(r.orders[0].service_duration, "seconds", -60), "orders[0].service_duration", "non-negative"),
    ("service-huge", lambda r: setattr(r.orders[0].service_duration, "seconds", 10**9), "orders[0].service_duration", "at most"),
    ("window-inverted", lambda r: r.orders[0].time_windows[0].end_time.FromJsonString(at(-10)), "orders[0].time_windows[0].end_time", "before start_time"),
    ("window-overlapping", lambda r: r.orders[0].time_windows[1].start_time.FromJsonString(at(60)), "orders[0].time_windows[1].start_time", "after the end"),
    ("window-empty", lambda r: r.orders[1].time_windows.add(), "orders[1].time_windows[0]", "start_time, end_time"),
    ("window-year-9999", lambda r: r.orders[0].time_windows[1].end_time.FromJsonString("9999-12-31T00:00:00Z"), "orders[0].time_windows[1].end_time", "2100"),
    ("deadline-before-creation", lambda r: r.orders[0].sla_deadline.FromJsonString(at(-120)), "orders[0].sla_deadline", "create_time"),
    ("priority-unknown", lambda r: setattr(r.orders[0], "priority", 99), "orders[0].priority", "PRIORITY_"),
    ("sla-mode-unknown", lambda r: setattr(r.orders[0], "sla_mode", 7), "orders[0].sla_mode", "SLA_MODE_"),
    ("lateness-cost-negative", lambda r: setattr(r.orders[0], "lateness_cost_per_hour", -1.0), "orders[0].lateness_cost_per_hour", "[0,"),
    ("penalty-nan", lambda r: setattr(r.orders[1], "unassigned_penalty", math.nan), "orders[1].unassigned_penalty", "finite"),
    ("demand-negative", lambda r: setattr(r.orders[0], "demand", -5), "orders[0].demand", "[0,"),
    ("skill-level-zero-means-one-but-negative", lambda r: setattr(r.orders[0].required_skills[0], "min_level", -1), "orders[0].required_skills[0].min_level", "[1, 100]"),
    ("skill-name-empty", lambda r: setattr(r.engineers[0].skills[0], "name", ""), "engineers[0].skills[0].name", "1 to 256"),
    ("unknown-required-engineer", lambda r: r.orders[1].required_engineer_ids.append("ghost"), "orders[1].required_engineer_ids[2]", "names no engineer"),
    ("unknown-preferred-engineer", lambda r: r.orders[0].preferred_engineer_ids.append("ghost"), "orders[0].preferred_engineer_ids[1]", "names no engineer"),
    ("required-and-excluded", lambda r: r.orders[1].excluded_engineer_ids.append("e2"), "orders[1].excluded_engineer_ids", "both required and excluded"),
    ("no-engineers", lambda r: r.ClearField("engineers"), "engineers", "at least one"),
    ("no-shifts", lambda r: r.engineers[1].ClearField("shifts"), "engineers[1].shifts", "at least one"),
    ("shift-inverted", lambda r: r.engineers[1].shifts[0].end_time.FromJsonString(at(-1)), "engineers[1].shifts[0].end_time", "after start_time"),
    ("shift-start-missing", lambda r: r.engineers[1].shifts[0].ClearField("start_time"), "engineers[1].shifts[0].start_time", "required"),
    ("shifts-overlap", lambda r: r.engineers[1].shifts.add().CopyFrom(r.engineers[1].shifts[0]), "engineers[1].shifts[1].start_time", "not overlapping"),
    ("break-outside-shift", lambda r: r.engineers[0].shifts[0].breaks[0].latest_start_time.FromJsonString(at(470)), "engineers[0].shifts[0].breaks[0]", "inside its shift"),
    ("break-zero-duration", lambda r: setattr(r.engineers[0].shifts[0].breaks[0].duration, "seconds", 0), "engineers[0].shifts[0].breaks[0].duration", "positive"),
    ("max-working-time-negative", lambda r: setattr(r.engineers[0].max_working_time, "seconds", -1), "engineers[0].max_working_time", "positive"),
    ("speed-factor-zero", lambda r: setattr(r.engineers[1], "speed_factor", 0.0), "engineers[1].speed_factor", "[0.1, 10"),
    ("cost-per-km-huge", lambda r: setattr(r.engineers[0], "cost_per_km", 1e300), "engineers[0].cost_per_km", "[0, 1e+06]"),
    ("capacity-negative", lambda r: setattr(r.engineers[0], "capacity", -1), "engineers[0].capacity", "[0,"),
    ("time-limit-zero", lambda r: r.options.time_limit.FromSeconds(0), "options.time_limit", "positive"),
    ("time-limit-too-long", lambda r: r.options.time_limit.FromSeconds(7200), "options.time_limit", "at most"),
    ("search-mode-unknown", lambda r: setattr(r.options, "search_mode", 12), "options.search_mode", "SEARCH_MODE_"),
    ("seed-negative", lambda r: setattr(r.options, "random_seed", -3), "options.random_seed", "[0, 2^31)"),
    ("weight-negative", lambda r: setattr(r.options.objective_weights, "lateness", -1.0), "options.objective_weights.lateness", "[0,"),
    ("speed-kmh-zero", lambda r: setattr(r.options.travel_model.great_circle, "speed_kmh", 0.0), "options.travel_model.great_circle.speed_kmh", "km/h"),
    ("detour-below-one", lambda r: setattr(r.options.travel_model.great_circle, "detour_factor", 0.5), "options.travel_model.great_circle.detour_factor", "[1, 3]"),
    ("label-too-long", lambda r: setattr(r, "label", "l" * 2000), "label", "1024"),
    # Service-management rules: parts, follow-ups, overtime, rest, weekly hours, first-time fix.
    ("part-quantity-negative", lambda r: setattr(r.orders[0].parts[0], "quantity", -1), "orders[0].parts[0].quantity", "[1,"),
    ("part-sku-twice", lambda r: r.orders[0].parts.add(sku="filter"), "orders[0].parts[1].sku", "twice"),
    ("stock-negative", lambda r: setattr(r.engineers[0].van_stock[0], "quantity", -2), "engineers[0].van_stock[0].quantity", "[0,"),
    ("follow-up-unknown-order", lambda r: setattr(r.orders[1].follow_up, "previous_order_id", "ghost"), "orders[1].follow_up.previous_order_id", "names no order"),
    ("follow-up-cycle", lambda r: (setattr(r.orders[1].follow_up, "previous_order_id", "o1"), setattr(r.orders[0].follow_up, "previous_order_id", "o2")),
     "orders[0].follow_up.previous_order_id", "cycle"),
    ("follow-up-delays-inverted", lambda r: r.orders[1].follow_up.max_delay.FromSeconds(86400), "orders[1].follow_up.max_delay", "min_delay"),
    ("follow-up-rule-unknown", lambda r: setattr(r.orders[1].follow_up, "same_engineer", 9), "orders[1].follow_up.same_engineer", "SAME_ENGINEER_RULE_"),
    ("follow-up-visit-end-missing", lambda r: r.orders[1].follow_up.previous_visit.ClearField("end_time"), "orders[1].follow_up.previous_visit.end_time", "required"),
    ("rest-longer-than-two-days", lambda r: r.engineers[0].min_rest.FromSeconds(3 * 86400), "engineers[0].min_rest", "at most"),
    ("overtime-too-long", lambda r: r.engineers[0].max_overtime.FromSeconds(13 * 3600), "engineers[0].max_overtime", "at most"),
    ("last-shift-after-first-start", lambda r: r.engineers[0].last_shift_end_time.FromJsonString(at(60)), "engineers[0].last_shift_end_time", "first shift"),
    ("weekly-maximum-zero", lambda r: r.engineers[0].max_weekly_working_time.FromSeconds(0), "engineers[0].max_weekly_working_time", "positive"),
    ("skill-expiry-year-9999", lambda r: r.engineers[0].skills[0].valid_until.FromJsonString("9999-12-31T00:00:00Z"), "engineers[0].skills[0].valid_until", "2100"),
    ("fairness-negative", lambda r: setattr(r.options, "fairness_weight", -1.0), "options.fairness_weight", "[0,"),
    ("ftf-probability-above-one", lambda r: setattr(r.options.first_time_fix, "base_probability", 1.5), "options.first_time_fix.base_probability", "[0, 1]"),
    ("age-negative", lambda r: setattr(r.orders[0].age, "seconds", -1), "orders[0].age", "non-negative"),
    ("age-over-ten-years", lambda r: setattr(r.orders[0].age, "seconds", 3651 * 86400), "orders[0].age", "at most"),
    ("attempts-negative", lambda r: setattr(r.orders[0], "attempt_count", -2), "orders[0].attempt_count", "[0, 1000]"),
    ("target-overdue-rate-above-one", lambda r: setattr(r.options.sla_targets, "max_overdue_rate", 1.5), "options.sla_targets.max_overdue_rate", "[0, 1]"),
    ("target-response-zero", lambda r: setattr(r.options.sla_targets.max_response, "seconds", 0), "options.sla_targets.max_response", "positive"),
    ("target-mean-response-huge", lambda r: setattr(r.options.sla_targets.max_mean_response, "seconds", 10**7), "options.sla_targets.max_mean_response", "at most"),
    ("target-mode-unknown", lambda r: setattr(r.options.sla_targets, "overdue_mode", 9), "options.sla_targets.overdue_mode", "TARGET_MODE_"),
    ("target-breach-cost-nan", lambda r: setattr(r.options.sla_targets, "overdue_breach_cost", math.nan), "options.sla_targets.overdue_breach_cost", "finite"),
    ("target-response-cost-negative", lambda r: setattr(r.options.sla_targets, "response_breach_cost_per_hour", -1.0), "options.sla_targets.response_breach_cost_per_hour", "[0,"),
    ("orders-at-risk-too-many", lambda r: setattr(r.options.sla_targets, "max_orders_at_risk", 5000), "options.sla_targets.max_orders_at_risk", "[0, 1000]"),
    ("horizon-too-long", lambda r: r.engineers[1].shifts.add(start_time=r.engineers[1].shifts[0].end_time).end_time.FromJsonString("2027-06-01T00:00:00Z"), "engineers", "31 days"),
]


def _violations(request: pb.SolveRequest) -> dict[str, str]:
    """Conversion and validation, as admission runs them, called directly (no server)."""
    problem, found = convert.request_to_problem(request)
    seen = {v.field for v in found}
    return {v.field: v.description for v in found + [v for v in validate(problem, Limits()) if v.field not in seen]}


@pytest.mark.parametrize("mutate,field,words", [c[1:] for c in CASES], ids=[c[0] for c in CASES])
def test_validation_names_the_field(mutate, field, words):
    """Every case of the table, straight through conversion and validation."""
    request = valid_request()
    mutate(request)
    violations = _violations(request)
    assert field in violations, violations
    assert words in violations[field], violations[field]


def test_the_base_request_converts_and_validates_cleanly():
    assert _violations(valid_request()) == {}


# Through the real server: a few cases of each kind, to show admission maps them to
# INVALID_ARGUMENT with BadRequest field violations (the table itself runs directly above).
GRPC_CASES = [c for c in CASES if c[0] in {"order-id-duplicate", "latitude-nan", "window-inverted", "priority-unknown",
                                            "order-location-missing", "penalty-nan", "attempts-negative",
                                            "target-mode-unknown"}]


@pytest.mark.parametrize("mutate,field,words", [c[1:] for c in GRPC_CASES], ids=[c[0] for c in GRPC_CASES])
def test_invalid_request_names_the_field(stub, mutate, field, words):
    """The error is INVALID_ARGUMENT with a BadRequest violation at exactly ``field``."""
    request = valid_request()
    mutate(request)
    with pytest.raises(grpc.RpcError) as info:
        stub.Solve(request, timeout=30)
    assert info.value.code() == grpc.StatusCode.INVALID_ARGUMENT
    violations = dict(field_violations(info.value))
    assert field in violations, violations
    assert words in violations[field], violations[field]


def test_the_base_request_is_valid(stub):
    """The unmutated request solves, so each case above fails for its own mutation only."""
    response = stub.Solve(valid_request(), timeout=30)
    assert response.stats.status != pb.SOLVE_STATUS_UNSPECIFIED
    assert {u.order_id for u in response.unassigned_orders} | {v.order_id for r in response.routes for v in r.visits} == {"o1", "o2"}


def test_every_violation_is_reported_at_once(stub):
    """Several broken rules come back together, not one per round trip."""
    request = valid_request()
    request.orders[0].location.latitude = math.nan
    request.orders[1].service_duration.seconds = -1
    request.engineers[1].speed_factor = 99
    with pytest.raises(grpc.RpcError) as info:
        stub.Solve(request, timeout=30)
    fields = {f for f, _ in field_violations(info.value)}
    assert {"orders[0].location.latitude", "orders[1].service_duration", "engineers[1].speed_factor"} <= fields


def test_validate_only_checks_without_solving(stub):
    request = valid_request()
    request.validate_only = True
    response = stub.Solve(request, timeout=30)
    assert response.stats.status == pb.VALIDATED
    assert response.label == "test"
    assert not response.routes
    request.orders[0].id = ""
    with pytest.raises(grpc.RpcError) as info:
        stub.Solve(request, timeout=30)
    assert info.value.code() == grpc.StatusCode.INVALID_ARGUMENT


def test_server_keeps_serving_after_bad_input(stub, channel):
    """Empty fleet, NaN coordinates and inverted windows never take the server down."""
    for mutate in (
        lambda r: r.ClearField("engineers"),
        lambda r: setattr(r.orders[0].location, "longitude", math.nan),
        lambda r: r.orders[0].time_windows[0].end_time.FromJsonString(at(-500)),
    ):
        request = valid_request()
        mutate(request)
        with pytest.raises(grpc.RpcError) as info:
            stub.Solve(request, timeout=30)
        assert info.value.code() == grpc.StatusCode.INVALID_ARGUMENT
    health = health_pb2_grpc.HealthStub(channel).Check(health_pb2.HealthCheckRequest(), timeout=5)
    assert health.status == health_pb2.HealthCheckResponse.SERVING
    assert stub.Solve(valid_request(), timeout=30).routes

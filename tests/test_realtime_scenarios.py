"""What-if scenarios: CompareScenarios through the real server, and the scenario helpers."""

from __future__ import annotations

import math

import grpc
import numpy as np
import pytest
from google.protobuf import json_format

from dispatch_service import convert
from dispatch_service.api.v1 import dispatch_pb2 as pb
from dispatch_service.errors import field_violations
from dispatch_service.scenarios import ScenarioSpec, apply_scenario, plan_diff
from dispatch_service.travel import matrices_for
from tests.builders import at, engineer, order, request
from tests.plan_checks import assert_plan_obeys_hard_rules


def base_request() -> pb.SolveRequest:
    """Two engineers far apart, each with the two orders next to them."""
    orders = [
        order("w1", -20, 0, createTime=at(-60), slaDeadline=at(120)),
        order("w2", -21, 1, createTime=at(-60), slaDeadline=at(120)),
        order("x1", 20, 0, createTime=at(-60), slaDeadline=at(120)),
        order("x2", 21, 1, createTime=at(-60), slaDeadline=at(120)),
    ]
    return request(orders, [engineer("west", -20, -1), engineer("east", 20, -1)], timeLimit="5s")


def scenario(**fields) -> pb.Scenario:
    return json_format.ParseDict(fields, pb.Scenario())


def test_scenarios_are_solved_and_compared_with_the_base(stub):
    req = pb.CompareScenariosRequest(base=base_request(), include_plans=True)
    req.scenarios.append(scenario(name="no east", remove_engineer_ids=["east"]))
    req.scenarios.append(scenario(name="urgent", add_orders=[order("u1", 19, 2)]))
    req.scenarios.append(scenario(name="double", order_scale=2))
    req.scenarios.append(scenario(name="sla 30 min", sla_hours=0.5))
    reply = stub.CompareScenarios(req, timeout=120)

    base = reply.base
    assert base.name == "base" and base.kpis.orders_served == 4
    assert base.delta == pb.KpiDelta(
        mean_response_time=base.delta.mean_response_time, total_travel_duration={}, total_working_duration={}
    )
    assert [s.name for s in reply.scenarios] == ["no east", "urgent", "double", "sla 30 min"]
    assert_plan_obeys_hard_rules(req.base, base.plan)

    no_east, urgent, double, sla = reply.scenarios
    served_by_west = {v.order_id for r in no_east.plan.routes for v in r.visits}
    assert no_east.kpis.orders_total == 4
    assert sorted(no_east.diff.moved_order_ids) == sorted({"x1", "x2"} & served_by_west)
    assert no_east.diff.changed_engineer_ids[:] and set(no_east.diff.changed_engineer_ids) <= {"west", "east"}
    assert no_east.delta.orders_served == no_east.kpis.orders_served - base.kpis.orders_served
    assert math.isclose(no_east.delta.objective, no_east.objective - base.objective)

    assert urgent.kpis.orders_total == 5 and list(urgent.diff.newly_served_order_ids) == ["u1"]
    assert urgent.delta.orders_served == 1 and not urgent.diff.moved_order_ids

    assert double.kpis.orders_total == 8
    assert {v.order_id for r in double.plan.routes for v in r.visits} | {u.order_id for u in double.plan.unassigned_orders} >= {
        "w1", "w2", "x1", "x2"}

    assert sla.kpis.orders_with_deadline == 4
    assert sla.kpis.on_time_rate <= base.kpis.on_time_rate
    assert sla.delta.on_time_rate == pytest.approx(sla.kpis.on_time_rate - base.kpis.on_time_rate)


def test_without_include_plans_only_kpis_and_diffs_come_back(stub):
    req = pb.CompareScenariosRequest(base=base_request())
    req.scenarios.append(scenario(name="slow", speed_scale=0.5))
    reply = stub.CompareScenarios(req, timeout=60)
    assert not reply.base.HasField("plan") and not reply.scenarios[0].HasField("plan")
    assert reply.scenarios[0].delta.total_travel_duration.ToNanoseconds() > 0


def test_invalid_scenarios_are_named_by_field_path(stub):
    req = pb.CompareScenariosRequest(base=base_request())
    req.scenarios.append(scenario(name="a", remove_engineer_ids=["nobody"]))
    req.scenarios.append(scenario(name="a"))
    req.scenarios.append(scenario(name="c", order_scale=11))
    bad_order = order("x1", 1)  # clashes with a base order, and has no location
    del bad_order["location"]
    req.scenarios.append(scenario(name="d", add_orders=[bad_order], sla_hours=0))
    with pytest.raises(grpc.RpcError) as info:
        stub.CompareScenarios(req, timeout=30)
    assert info.value.code() == grpc.StatusCode.INVALID_ARGUMENT
    fields = [f for f, _ in field_violations(info.value)]
    for path in ("scenarios[0].remove_engineer_ids[0]", "scenarios[1].name", "scenarios[2].order_scale",
                 "scenarios[3].add_orders[0].location", "scenarios[3].add_orders[0].id", "scenarios[3].sla_hours"):
        assert path in fields


def test_a_scenario_that_breaks_the_rules_is_reported_on_its_own_field(stub):
    req = pb.CompareScenariosRequest(base=base_request())
    req.scenarios.append(scenario(name="no shift", shift_end_offset="-28800s"))  # ends where it starts
    req.scenarios.append(scenario(name="nobody", remove_engineer_ids=["west", "east"]))
    with pytest.raises(grpc.RpcError) as info:
        stub.CompareScenarios(req, timeout=30)
    fields = [f for f, _ in field_violations(info.value)]
    assert "scenarios[0].shift_end_offset" in fields
    assert "scenarios[1].remove_engineer_ids" in fields


def test_an_invalid_base_is_named_under_base(stub):
    req = pb.CompareScenariosRequest(base=base_request())
    req.base.orders[0].ClearField("location")
    with pytest.raises(grpc.RpcError) as info:
        stub.CompareScenarios(req, timeout=30)
    assert ("base.orders[0].location", "is required") in field_violations(info.value)


# -- the helpers, directly ---------------------------------------------------------------------


def _problem():
    problem, violations = convert.request_to_problem(base_request())
    assert not violations
    return problem


def test_order_scale_copies_nearby_with_new_ids_deterministically():
    base = _problem()
    a = apply_scenario(base, ScenarioSpec("x", order_scale=2.5)).problem
    b = apply_scenario(base, ScenarioSpec("x", order_scale=2.5)).problem
    assert a == b
    assert len(a.orders) == 10
    originals = {o.id: o for o in base.orders}
    for o in a.orders[4:]:
        source_id, k = o.id.split("~")
        src = originals[source_id]
        assert int(k) >= 1
        dy = (o.location.lat - src.location.lat) * 111_195
        dx = (o.location.lng - src.location.lng) * 111_195 * math.cos(math.radians(src.location.lat))
        assert math.hypot(dx, dy) <= 500.5
    assert len(apply_scenario(base, ScenarioSpec("x", order_scale=0.5)).problem.orders) == 2


def test_shift_offsets_keep_breaks_inside_the_shift():
    base = _problem()
    req = base_request()
    req.engineers[0].shifts[0].breaks.add().MergeFrom(json_format.ParseDict(
        {"earliestStartTime": at(400), "latestStartTime": at(450), "duration": "1800s"}, pb.Break()))
    base, _ = convert.request_to_problem(req)
    moved = apply_scenario(base, ScenarioSpec("short", shift_end_offset_s=-30 * 60)).problem
    shift = moved.engineers[0].shifts[0]
    assert shift.end_s == base.engineers[0].shifts[0].end_s - 1800
    (brk,) = shift.breaks
    assert brk.latest_start_s + brk.duration_s <= shift.end_s
    gone = apply_scenario(base, ScenarioSpec("shorter", shift_end_offset_s=-3 * 3600)).problem
    assert gone.engineers[0].shifts[0].breaks == ()


def test_plan_diff_of_a_plan_with_itself_is_empty(stub):
    from solver.solve import solve

    problem = _problem()
    plan = solve(problem, matrices_for(problem))
    diff = plan_diff(plan, plan)
    assert not (diff.moved_order_ids or diff.newly_served_order_ids or diff.newly_unassigned_order_ids or diff.changed_engineer_ids)
    assert diff.max_arrival_shift_s == 0


def test_noise_seeds_solve_every_plan_again_and_report_each_kpi_range(stub):
    """With noise seeds every result carries its KPI ranges over the seeds; on this small day
    every seed serves every order, so the served counts do not move at all."""
    req = pb.CompareScenariosRequest(base=base_request(), noise_seeds=[3, 4])
    req.base.options.random_seed = 2
    req.scenarios.append(scenario(name="double", order_scale=2))
    reply = stub.CompareScenarios(req, timeout=120)
    for result in (reply.base, *reply.scenarios):
        assert result.HasField("noise")
        assert result.noise.orders_served == 0 and result.noise.orders_unassigned == 0
        assert result.noise.objective >= 0 and result.noise.total_travel_distance_meters >= 0
    assert reply.scenarios[0].kpis.orders_total == 8
    without = stub.CompareScenarios(pb.CompareScenariosRequest(base=base_request()), timeout=60)
    assert not without.base.HasField("noise")


def test_invalid_noise_seeds_are_named(stub):
    req = pb.CompareScenariosRequest(base=base_request(), noise_seeds=[0, 5, 5, -1])  # the base's seed is 0
    with pytest.raises(grpc.RpcError) as info:
        stub.CompareScenarios(req, timeout=30)
    fields = [f for f, _ in field_violations(info.value)]
    assert fields == ["noise_seeds[0]", "noise_seeds[2]", "noise_seeds[3]"]
    req = pb.CompareScenariosRequest(base=base_request(), noise_seeds=[1, 2, 3, 4, 5])
    with pytest.raises(grpc.RpcError) as info:
        stub.CompareScenarios(req, timeout=30)
    assert [f for f, _ in field_violations(info.value)] == ["noise_seeds"]


def test_kpi_range_is_the_spread_of_each_kpi_over_the_seeds():
    from types import SimpleNamespace

    from dispatch_service.scenarios import kpi_range

    def plan(served, on_time, km, objective, response_s):
        kpis = SimpleNamespace(orders_served=served, orders_unassigned=10 - served, on_time_rate=on_time, overdue_count=10 - served,
                               mean_response_s=response_s, total_travel_duration_s=km * 60, total_travel_distance_m=km * 1000,
                               total_working_s=km * 90)
        return SimpleNamespace(kpis=kpis, stats=SimpleNamespace(objective=objective))

    spread = kpi_range([plan(9, 0.9, 50, 100.0, 3600), plan(10, 0.8, 47, 96.5, 4000), plan(8, 0.95, 52, 101.0, 3500)])
    assert (spread.orders_served, spread.orders_unassigned, spread.overdue_count) == (2, 2, 2)
    assert spread.on_time_rate == pytest.approx(0.15)
    assert spread.total_travel_distance_m == 5000 and spread.total_travel_duration_s == 300
    assert spread.objective == pytest.approx(4.5) and spread.mean_response_s == 500
    assert kpi_range([plan(9, 0.9, 50, 100.0, None), plan(9, 0.9, 50, 100.0, 3600)]).mean_response_s is None

"""RecommendSlots over gRPC (the real server on a loopback port): appointment booking.

- Every slot of the grid comes back: kept ones graded, best first, the others in time order
  with their reason; each "why not" reason on a day built to show it.
- Booking any offered slot (the order with the slot as its window, inserted where quoted) and
  evaluating the plan with EvaluatePlan gives no violation and exactly the quoted added cost.
- The bulk form reserves each order's best slot for the next and returns the resulting plan,
  which evaluates to the plan in force plus the reserved slots' added costs.
- Invalid requests are refused before any work, each violation naming its field.
"""

from __future__ import annotations

import math

import grpc
import pytest
from google.protobuf import json_format

from dispatch_service.api.v1 import dispatch_pb2 as pb
from dispatch_service.errors import field_violations
from tests.builders import DAY, at, engineer, order, request

HOME = {"hvac": [{"name": "hvac", "level": 1}]}
SQUARE_FAR_EAST = ('{"type":"Polygon","coordinates":[[[-7.0,41.0],[-6.9,41.0],[-6.9,41.1],[-7.0,41.1],[-7.0,41.0]]]}')


def _two_days(e: dict) -> dict:
    """The engineer's day-1 shift (08:00-16:00 UTC) and the same on day 2."""
    e["shifts"] = [{"startTime": at(0), "endTime": at(480)}, {"startTime": at(1440), "endTime": at(1920)}]
    return e


def _problem() -> pb.SolveRequest:
    return request(
        [
            order("o1", 2, 0, timeWindows=[{"startTime": at(0), "endTime": at(60)}]),
            order("o2", 0, 3),
            order("big", 1, 0, service_min=450, timeWindows=[{"startTime": at(0), "endTime": at(30)}]),
        ],
        [
            _two_days(engineer("e1", skills=HOME["hvac"])),
            _two_days(engineer("small", capacity=5)),
            _two_days(engineer("short", maxWorkingTime="1800s")),
            engineer("busy"),
            _two_days(engineer("terr", territory={"geojson": SQUARE_FAR_EAST, "mode": "TERRITORY_MODE_HARD"})),
        ],
    )


ROUTES = [pb.PlannedRoute(engineer_id="e1", order_ids=["o1", "o2"]), pb.PlannedRoute(engineer_id="busy", order_ids=["big"])]


def _grid(**extra) -> pb.SlotGrid:
    body = {"slotLength": "7200s", "firstDay": {"year": 2026, "month": 11, "day": 24},
            "dailySlotStarts": ["28800s", "36000s", "43200s", "50400s"], **extra}
    return json_format.ParseDict(body, pb.SlotGrid())


def _ask(stub, new_orders: list[dict], grid: pb.SlotGrid | None = None, **fields) -> pb.RecommendSlotsResponse:
    orders = [json_format.ParseDict(o, pb.Order()) for o in new_orders]
    req = pb.RecommendSlotsRequest(problem=_problem(), current_routes=ROUTES, orders=orders,
                                   slot_grid=grid if grid is not None else _grid(), **fields)
    return stub.RecommendSlots(req, timeout=60)


def _reasons(answer: pb.OrderSlots) -> dict[int, str]:
    """Minutes after DAY of each unavailable slot's start -> its reason's name."""
    return {s.start_time.seconds // 60 - DAY // 60: pb.SlotReason.Name(s.reason) for s in answer.unavailable_slots}


def test_every_slot_comes_back_kept_and_graded_or_with_a_reason(stub) -> None:
    """Day 1 08:00-16:00 with slots at 8, 10, 12 and 14 h: e1 keeps every one."""
    reply = _ask(stub, [order("new", 1, 1, requiredEngineerIds=["e1"])])
    (answer,) = reply.orders
    assert answer.order_id == "new" and not answer.unavailable_slots and not reply.routes
    assert [s.start_time.seconds for s in sorted(answer.slots, key=lambda s: s.start_time.seconds)] == [DAY + h * 3600 for h in (0, 2, 4, 6)]
    grades = [(s.grade, -s.added_cost) for s in answer.slots]
    assert grades == sorted(grades, reverse=True)  # best first
    for s in answer.slots:
        assert s.kept and s.engineer_id == "e1" and s.shift_index == 0 and 0 <= s.grade <= 100
        assert s.start_time.seconds <= s.visit_start_time.seconds <= s.end_time.seconds
        assert s.slot_slack.seconds == s.end_time.seconds - s.visit_start_time.seconds
        assert s.day_slack.seconds > 0 and s.reason == pb.SLOT_REASON_UNSPECIFIED
    assert max(s.grade for s in answer.slots) > min(s.grade for s in answer.slots) or len({s.added_cost for s in answer.slots}) == 1


@pytest.mark.parametrize(
    ("new", "grid", "expected"),
    [
        pytest.param(order("gas", 1, 1, requiredSkills=[{"name": "gas"}]), {},
                     dict.fromkeys((0, 120, 240, 360), "SLOT_REASON_NO_QUALIFIED_ENGINEER"), id="no-qualified-engineer"),
        pytest.param(order("night", 1, 1, requiredEngineerIds=["e1"]), {"dailySlotStarts": ["0s", "64800s"]},
                     {-480: "SLOT_REASON_OUTSIDE_SHIFTS", 600: "SLOT_REASON_OUTSIDE_SHIFTS"}, id="outside-shifts"),
        pytest.param(order("far", 150, 0, requiredEngineerIds=["e1"]), {},
                     {0: "SLOT_REASON_UNREACHABLE_IN_SLOT", 360: "SLOT_REASON_UNREACHABLE_IN_SLOT"}, id="unreachable-in-slot"),
        pytest.param(order("sla", 1, 1, requiredEngineerIds=["e1"], slaDeadline=at(60), slaMode="SLA_MODE_HARD"), {},
                     dict.fromkeys((120, 240, 360), "SLOT_REASON_SLA_DEADLINE"), id="sla-deadline"),
        pytest.param(order("long", 20, 0, requiredEngineerIds=["short"]), {},
                     dict.fromkeys((0, 120, 240, 360), "SLOT_REASON_WORKING_TIME_EXCEEDED"), id="working-time"),
        pytest.param(order("heavy", 1, 1, requiredEngineerIds=["small"], demand=10), {},
                     dict.fromkeys((0, 120, 240, 360), "SLOT_REASON_CAPACITY_EXCEEDED"), id="capacity"),
        pytest.param(order("full", 1, 1, requiredEngineerIds=["busy"]), {},
                     dict.fromkeys((0, 120, 240, 360), "SLOT_REASON_DAY_FULL"), id="day-full"),
        pytest.param(order("away", 1, 1, requiredEngineerIds=["terr"]), {},
                     dict.fromkeys((0, 120, 240, 360), "SLOT_REASON_OUTSIDE_TERRITORY"), id="outside-territory"),
        pytest.param(order("dark", 1, 1, requiredEngineerIds=["e1"]),
                     {"blackouts": [{"startTime": at(0), "endTime": at(150)}]},
                     {0: "SLOT_REASON_BLACKOUT", 120: "SLOT_REASON_BLACKOUT"}, id="blackout"),
    ],
)
def test_why_a_slot_cannot_be_kept(stub, new: dict, grid: dict, expected: dict[int, str]) -> None:
    """Each reason on a day built to show it; the other slots are kept."""
    (answer,) = _ask(stub, [new], _grid(**grid)).orders
    assert _reasons(answer) == expected
    starts = [s.start_time.seconds for s in answer.unavailable_slots]
    assert starts == sorted(starts)  # time order
    assert len(answer.slots) + len(answer.unavailable_slots) == len(_grid(**grid).daily_slot_starts or [0] * 4)


def _evaluate(stub, problem: pb.SolveRequest, routes) -> pb.EvaluatePlanResponse:
    return stub.EvaluatePlan(pb.EvaluatePlanRequest(problem=problem, routes=routes), timeout=60)


def _booked(problem: pb.SolveRequest, new: dict, slot: pb.BookingSlot) -> pb.SolveRequest:
    out = pb.SolveRequest()
    out.CopyFrom(problem)
    o = out.orders.add()
    json_format.ParseDict(new, o)
    o.time_windows.add(start_time=slot.start_time, end_time=slot.end_time)
    return out


def _inserted(routes, order_id: str, slot: pb.BookingSlot) -> list[pb.PlannedRoute]:
    out, placed = [], False
    for r in routes:
        r2 = pb.PlannedRoute()
        r2.CopyFrom(r)
        if (r.engineer_id, r.shift_index) == (slot.engineer_id, slot.shift_index):
            ids = list(r.order_ids)
            ids.insert(slot.position, order_id)
            del r2.order_ids[:]
            r2.order_ids.extend(ids)
            placed = True
        out.append(r2)
    if not placed:
        out.append(pb.PlannedRoute(engineer_id=slot.engineer_id, shift_index=slot.shift_index, order_ids=[order_id]))
    return out


@pytest.mark.parametrize("new", [
    order("soft", 4, -2, service_min=45, slaDeadline=at(200), latenessCostPerHour=60),
    order("anyone", -3, 5, service_min=20, preferredEngineerIds=["small"]),
    order("skilled", 6, 1, requiredSkills=[{"name": "hvac"}], slaDeadline=at(1500), slaMode="SLA_MODE_HARD"),
], ids=["soft-sla", "preferred", "hard-sla-day-2"])
def test_booking_an_offered_slot_evaluates_to_its_quoted_cost(stub, new: dict) -> None:
    """Inserting the order where quoted, with the slot as its window: no violation, and the
    plan's evaluated objective moves by exactly ``added_cost``; arrival and start as quoted."""
    grid = _grid(lastDay={"year": 2026, "month": 11, "day": 25})
    (answer,) = _ask(stub, [new], grid, max_slots=100).orders
    assert answer.slots
    before = _evaluate(stub, _problem(), ROUTES)
    assert not before.violations
    for slot in answer.slots:
        after = _evaluate(stub, _booked(_problem(), new, slot), _inserted(ROUTES, new["id"], slot))
        assert not after.violations, slot
        assert math.isclose(after.objective - before.objective, slot.added_cost, rel_tol=1e-9, abs_tol=1e-6), slot
        visit = next(v for r in after.routes for v in r.visits if v.order_id == new["id"])
        assert (visit.arrival_time, visit.start_time) == (slot.arrival_time, slot.visit_start_time)


def test_bulk_form_reserves_each_best_slot_for_the_next_order(stub) -> None:
    """Three calls for e1 at the same place: each reserves its best slot; the plan returned
    holds all three and evaluates to the plan in force plus their quoted added costs."""
    calls = [order(f"call{k}", 1, 2, service_min=90, requiredEngineerIds=["e1"]) for k in range(3)]
    reply = _ask(stub, calls, reserve=True)
    reserved = [a.reserved_slot for a in reply.orders]
    assert all(a.HasField("reserved_slot") and a.reserved_slot == a.slots[0] for a in reply.orders)
    problem = _problem()
    for new, slot in zip(calls, reserved):
        problem = _booked(problem, new, slot)
    after = _evaluate(stub, problem, reply.routes)
    assert not after.violations
    planned = {oid for r in reply.routes for oid in r.order_ids}
    assert planned == {"o1", "o2", "big", "call0", "call1", "call2"}
    before = _evaluate(stub, _problem(), ROUTES).objective
    assert math.isclose(after.objective - before, sum(s.added_cost for s in reserved), rel_tol=1e-9, abs_tol=1e-6)
    # Without reserving, every call is priced against the plan in force alone: all alike.
    alone = _ask(stub, calls).orders
    assert not _ask(stub, calls).routes
    assert len({(a.slots[0].start_time.seconds, a.slots[0].added_cost) for a in alone}) == 1


def _grid_dict(**extra) -> dict:
    return {"slotLength": "7200s", "firstDay": {"year": 2026, "month": 11, "day": 24}, **extra}


@pytest.mark.parametrize(("orders", "grid", "fields", "field"), [
    pytest.param([order("n")], None, {}, "slot_grid", id="grid-missing"),
    pytest.param([order("n")], {"firstDay": {"year": 2026, "month": 11, "day": 24}}, {}, "slot_grid.slot_length", id="length-missing"),
    pytest.param([order("n")], _grid_dict(slotLength="30s"), {}, "slot_grid.slot_length", id="length-short"),
    pytest.param([order("n")], {"slotLength": "3600s"}, {}, "slot_grid.first_day", id="first-day-missing"),
    pytest.param([order("n")], _grid_dict(firstDay={"year": 2026, "month": 2, "day": 30}), {}, "slot_grid.first_day", id="bad-date"),
    pytest.param([order("n")], _grid_dict(lastDay={"year": 2026, "month": 11, "day": 23}), {}, "slot_grid.last_day", id="last-before-first"),
    pytest.param([order("n")], _grid_dict(lastDay={"year": 2027, "month": 1, "day": 24}), {}, "slot_grid.last_day", id="too-many-days"),
    pytest.param([order("n")], _grid_dict(utcOffset="54000s"), {}, "slot_grid.utc_offset", id="offset-range"),
    pytest.param([order("n")], _grid_dict(dailySlotStarts=["36000s", "28800s"]), {}, "slot_grid.daily_slot_starts[1]", id="starts-order"),
    pytest.param([order("n")], _grid_dict(dailySlotStarts=["86400s"]), {}, "slot_grid.daily_slot_starts[0]", id="start-range"),
    pytest.param([order("n")], _grid_dict(dayStart="36000s", dayEnd="28800s"), {}, "slot_grid.day_end", id="day-window"),
    pytest.param([order("n")], _grid_dict(blackouts=[{"startTime": at(60), "endTime": at(0)}]), {}, "slot_grid.blackouts[0].end_time", id="blackout"),
    pytest.param([order("n")], _grid_dict(slotLength="60s", dayStart="0s", dayEnd="86400s"), {}, "slot_grid", id="too-many-slots"),
    pytest.param([order("n")], _grid_dict(), {"max_slots": -1}, "max_slots", id="max-slots"),
    pytest.param([], _grid_dict(), {}, "orders", id="no-order"),
    pytest.param([order("n", timeWindows=[{"startTime": at(0)}])], _grid_dict(), {}, "orders[0].time_windows", id="has-windows"),
    pytest.param([order("o1")], _grid_dict(), {}, "orders[0].id", id="id-in-plan"),
    pytest.param([order("n"), order("n")], _grid_dict(), {}, "orders[1].id", id="id-twice"),
    pytest.param([order("n", requiredEngineerIds=["nobody"])], _grid_dict(), {}, "orders[0].required_engineer_ids[0]", id="order-rule"),
])
def test_invalid_requests_name_the_field(stub, orders, grid, fields, field) -> None:
    """INVALID_ARGUMENT with a field violation at the offending field, before any work."""
    req = pb.RecommendSlotsRequest(problem=_problem(), current_routes=ROUTES,
                                   orders=[json_format.ParseDict(o, pb.Order()) for o in orders], **fields)
    if grid is not None:
        req.slot_grid.CopyFrom(json_format.ParseDict(grid, pb.SlotGrid()))
    with pytest.raises(grpc.RpcError) as info:
        stub.RecommendSlots(req, timeout=60)
    assert info.value.code() == grpc.StatusCode.INVALID_ARGUMENT
    assert field in [f for f, _ in field_violations(info.value)], field_violations(info.value)


def test_every_violation_comes_back_at_once(stub) -> None:
    """A bad grid and a bad order are reported together, before the plan is looked at (its
    unknown engineer in a route would be a third violation, but the plan is not converted)."""
    req = pb.RecommendSlotsRequest(problem=_problem(), current_routes=[pb.PlannedRoute(engineer_id="ghost", order_ids=["o1"])],
                                   orders=[json_format.ParseDict(order("o2"), pb.Order())],
                                   slot_grid=json_format.ParseDict(_grid_dict(slotLength="59s"), pb.SlotGrid()))
    with pytest.raises(grpc.RpcError) as info:
        stub.RecommendSlots(req, timeout=60)
    fields = [f for f, _ in field_violations(info.value)]
    assert fields == ["slot_grid.slot_length", "orders[0].id"]

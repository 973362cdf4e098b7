"""Checks that a returned plan obeys every hard rule of its request (used by many tests)."""

from __future__ import annotations

from dispatch_service.api.v1 import dispatch_pb2 as pb


def _s(ts) -> int:
    return ts.seconds


def assert_plan_obeys_hard_rules(request: pb.SolveRequest, response: pb.SolveResponse) -> None:
    orders = {o.id: o for o in request.orders}
    engineers = {e.id: e for e in request.engineers}
    seen: list[str] = []
    assert response.label == request.label
    assert [(r.engineer_id, r.shift_index) for r in response.routes] == [
        (e.id, k) for e in request.engineers for k in range(len(e.shifts))
    ], "one route per engineer shift, in request order"
    for route in response.routes:
        eng = engineers[route.engineer_id]
        shift = eng.shifts[route.shift_index]
        skills = {s.name: (s.level or 1) for s in eng.skills}
        where = f"{route.engineer_id}#{route.shift_index}"
        if not route.visits:
            continue
        assert _s(shift.start_time) <= _s(route.start_time) <= _s(route.end_time) <= _s(shift.end_time), where
        if eng.HasField("max_working_time"):
            assert _s(route.end_time) - _s(route.start_time) <= eng.max_working_time.seconds, where
        load = 0
        previous_end = _s(route.start_time)
        breaks = [(_s(b.start_time), _s(b.end_time)) for b in route.breaks]
        for b_req, (b_start, b_end) in zip(shift.breaks, breaks):
            assert _s(b_req.earliest_start_time) <= b_start <= _s(b_req.latest_start_time), where
            assert b_end - b_start == b_req.duration.seconds, where
        assert len(breaks) == len(shift.breaks), f"{where}: every break is taken"
        for visit in route.visits:
            order = orders[visit.order_id]
            seen.append(visit.order_id)
            start, end = _s(visit.start_time), _s(visit.end_time)
            assert end - start == order.service_duration.seconds
            assert _s(visit.arrival_time) >= previous_end + visit.travel_duration.seconds, f"{visit.order_id}: arrives after driving"
            assert start >= _s(visit.arrival_time)
            previous_end = end
            if order.time_windows:
                assert any(
                    (not w.HasField("start_time") or start >= _s(w.start_time)) and (not w.HasField("end_time") or start <= _s(w.end_time))
                    for w in order.time_windows
                ), f"{visit.order_id} starts inside a window"
            if order.sla_mode == pb.SLA_MODE_HARD and order.HasField("sla_deadline"):
                assert start <= _s(order.sla_deadline), f"{visit.order_id}: hard SLA"
            for req in order.required_skills:
                assert skills.get(req.name, 0) >= (req.min_level or 1), f"{visit.order_id}: skill {req.name}"
            assert route.engineer_id not in order.excluded_engineer_ids, f"{visit.order_id}: excluded engineer"
            if order.required_engineer_ids:
                assert route.engineer_id in order.required_engineer_ids, f"{visit.order_id}: required engineer"
            for b_start, b_end in breaks:
                assert end <= b_start or start >= b_end, f"{visit.order_id}: no service during a break"
            load += order.demand
        if eng.HasField("capacity"):
            assert load <= eng.capacity, where
    unassigned = [u.order_id for u in response.unassigned_orders]
    assert sorted(seen + unassigned) == sorted(orders), "every order is either visited once or unassigned"
    for u in response.unassigned_orders:
        assert u.reason != pb.UNASSIGNED_REASON_UNSPECIFIED

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
    visit_at = {v.order_id: (r, v) for r in response.routes for v in r.visits}
    for route in response.routes:
        eng = engineers[route.engineer_id]
        shift = eng.shifts[route.shift_index]
        shift_end = _s(shift.end_time)
        overtime = eng.max_overtime.seconds if eng.HasField("max_overtime") else 0
        if eng.HasField("min_rest") and route.shift_index + 1 < len(eng.shifts):
            # Overtime never eats into the rest before the next shift.
            overtime = min(overtime, max(0, _s(eng.shifts[route.shift_index + 1].start_time) - eng.min_rest.seconds - shift_end))
        # A skill counts only for shifts that end (overtime included) by its expiry.
        skills = {s.name: (s.level or 1) for s in eng.skills
                  if not s.HasField("valid_until") or _s(s.valid_until) >= shift_end + overtime}
        where = f"{route.engineer_id}#{route.shift_index}"
        if not route.visits:
            continue
        assert _s(shift.start_time) <= _s(route.start_time) <= _s(route.end_time) <= shift_end + overtime, where
        assert route.overtime.seconds <= overtime, where
        if eng.HasField("max_working_time"):
            assert _s(route.end_time) - _s(route.start_time) <= eng.max_working_time.seconds + overtime, where
        stock = {x.sku: x.quantity for x in eng.van_stock}
        used: dict[str, int] = {}
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
            for part in order.parts:
                used[part.sku] = used.get(part.sku, 0) + (part.quantity or 1)
            if order.HasField("follow_up"):
                _check_follow_up(order, route, visit, visit_at)
        if eng.HasField("capacity"):
            assert load <= eng.capacity, where
        for sku, units in used.items():
            assert units <= stock.get(sku, 0), f"{where}: parts {sku} within the van's stock"
    for eng in request.engineers:
        mine = sorted((r for r in response.routes if r.engineer_id == eng.id and r.visits), key=lambda r: _s(r.start_time))
        if eng.HasField("min_rest"):
            starts = [_s(r.start_time) for r in mine]
            pairs = [(_s(a.end_time), b) for a, b in zip(mine, starts[1:])]
            if eng.HasField("last_shift_end_time") and mine:
                pairs.append((_s(eng.last_shift_end_time), starts[0]))
            for previous_end, start in pairs:
                assert start - previous_end >= eng.min_rest.seconds, f"{eng.id}: rest between shifts"
        if eng.HasField("max_weekly_working_time"):
            week0 = _s(eng.week_start_time) if eng.HasField("week_start_time") else _s(eng.shifts[0].start_time)
            weeks: dict[int, int] = {}
            for r in mine:
                shift = eng.shifts[r.shift_index]
                week = max(0, (_s(shift.start_time) - week0) // (7 * 86400))
                weeks[week] = weeks.get(week, 0) + _s(r.end_time) - _s(r.start_time)
            for week, worked in weeks.items():
                before = eng.worked_this_week.seconds if week == 0 else 0
                assert before + worked <= eng.max_weekly_working_time.seconds, f"{eng.id}: weekly maximum, week {week}"
    unassigned = [u.order_id for u in response.unassigned_orders]
    assert sorted(seen + unassigned) == sorted(orders), "every order is either visited once or unassigned"
    for u in response.unassigned_orders:
        assert u.reason != pb.UNASSIGNED_REASON_UNSPECIFIED
    _check_next_possible_times(request, response)
    _check_targets(request, response)


_SERVABLE_ALONE = {pb.NOT_SERVED_FOR_COST, pb.SOLVE_INCOMPLETE}  # the only reasons with a next possible time


def _check_next_possible_times(request: pb.SolveRequest, response) -> None:
    """A next possible time lies in some shift and in one of the order's windows (before a hard
    deadline); orders that no shift can serve alone have none."""
    orders = {o.id: o for o in request.orders}
    shifts = [(_s(s.start_time), _s(s.end_time)) for e in request.engineers for s in e.shifts]
    for u in response.unassigned_orders:
        if u.reason not in _SERVABLE_ALONE:
            assert not u.HasField("next_possible_time"), f"{u.order_id}: no shift can serve it alone"
        if not u.HasField("next_possible_time"):
            continue
        t, order = _s(u.next_possible_time), orders[u.order_id]
        assert any(lo <= t and t + order.service_duration.seconds <= hi for lo, hi in shifts), f"{u.order_id}: in a shift"
        if order.time_windows:
            assert any((not w.HasField("start_time") or t >= _s(w.start_time)) and (not w.HasField("end_time") or t <= _s(w.end_time))
                       for w in order.time_windows), f"{u.order_id}: next possible time inside a window"
        if order.sla_mode == pb.SLA_MODE_HARD and order.HasField("sla_deadline"):
            assert t <= _s(order.sla_deadline), f"{u.order_id}: next possible time before the hard deadline"


def _check_targets(request: pb.SolveRequest, response) -> None:
    """The SLA target report agrees with the visits: the overdue rate, the responses, the
    verdicts and margins, and the orders at risk (smallest slack first, bounded)."""
    k = response.kpis
    if not request.options.HasField("sla_targets"):
        assert not k.targets and not k.orders_at_risk
        return
    t = request.options.sla_targets
    max_response = t.max_response.seconds if t.HasField("max_response") else 4 * 3600
    orders = {o.id: o for o in request.orders}
    visits = [v for r in response.routes for v in r.visits]
    deadline = [v for v in visits if orders[v.order_id].HasField("sla_deadline")]
    # Orders left out with a deadline before the plan's end are overdue too.
    end = max(_s(s.end_time) for e in request.engineers for s in e.shifts)
    left_due = [u for u in response.unassigned_orders
                if orders[u.order_id].HasField("sla_deadline") and _s(orders[u.order_id].sla_deadline) <= end]
    overdue = sum(1 for v in deadline if _s(v.start_time) > _s(orders[v.order_id].sla_deadline)) + len(left_due)
    deadline += left_due
    responses = [_s(v.arrival_time) - _s(orders[v.order_id].create_time) for v in visits if orders[v.order_id].HasField("create_time")]
    by_kind = {r.kind: r for r in k.targets}
    assert set(by_kind) == {pb.TARGET_KIND_OVERDUE_RATE, pb.TARGET_KIND_MEAN_RESPONSE, pb.TARGET_KIND_MAX_RESPONSE}
    assert abs(by_kind[pb.TARGET_KIND_OVERDUE_RATE].actual - (overdue / len(deadline) if deadline else 0.0)) < 1e-9
    assert by_kind[pb.TARGET_KIND_OVERDUE_RATE].breaching_orders == overdue
    assert abs(by_kind[pb.TARGET_KIND_MAX_RESPONSE].actual - (max(responses) if responses else 0.0)) < 1e-6
    assert abs(by_kind[pb.TARGET_KIND_MEAN_RESPONSE].actual - (sum(responses) / len(responses) if responses else 0.0)) < 1e-6
    assert by_kind[pb.TARGET_KIND_MAX_RESPONSE].breaching_orders == sum(1 for r in responses if r > max_response)
    for r in k.targets:
        assert r.met == (r.actual <= r.target) and abs(r.margin - (r.target - r.actual)) < 1e-6
        assert r.cost >= 0 and (r.mode == pb.TARGET_MODE_OPTIMISED or r.cost == 0)
    slacks = [a.slack.seconds for a in k.orders_at_risk]
    assert slacks == sorted(slacks) and all(s < 3600 for s in slacks)
    assert len(slacks) <= (t.max_orders_at_risk if t.HasField("max_orders_at_risk") else 10)
    for a in k.orders_at_risk:
        o, v = orders[a.order_id], next(v for v in visits if v.order_id == a.order_id)
        own = []
        if o.HasField("sla_deadline"):
            own.append(_s(o.sla_deadline) - _s(v.start_time))
        if o.HasField("create_time"):
            own.append(_s(o.create_time) + max_response - _s(v.arrival_time))
        assert a.slack.seconds == min(own), a.order_id


def _check_follow_up(order, route, visit, visit_at) -> None:
    f = order.follow_up
    if f.WhichOneof("first_visit") == "previous_visit":
        end, engineer = _s(f.previous_visit.end_time), f.previous_visit.engineer_id
    else:
        assert f.previous_order_id in visit_at, f"{order.id}: a follow-up is served only with its first visit"
        first_route, first_visit = visit_at[f.previous_order_id]
        end, engineer = _s(first_visit.end_time), first_route.engineer_id
    lo = end + (f.min_delay.seconds if f.HasField("min_delay") else 3 * 86400)
    hi = end + (f.max_delay.seconds if f.HasField("max_delay") else 7 * 86400)
    assert lo <= _s(visit.start_time) <= hi, f"{order.id}: follow-up inside its interval"
    if f.same_engineer == pb.SAME_ENGINEER_RULE_REQUIRED and engineer:
        assert route.engineer_id == engineer, f"{order.id}: follow-up by the first visit's engineer"

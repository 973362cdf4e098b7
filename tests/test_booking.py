"""Appointment booking (``solver.booking``): the slots the fleet can keep, priced by the rule book.

- Booking any kept slot (the order gets the slot as its window and goes where quoted) and
  evaluating the plan gives no violation and exactly the quoted added cost, the quoted arrival
  and start (random days with breaks, several windows, soft SLAs, speed factors, hourly costs).
- Grades and grids follow their documented formulas.
"""

from __future__ import annotations

import math
from dataclasses import replace

import numpy as np
from hypothesis import HealthCheck, given, settings

from solver import booking
from solver.evaluate import evaluate_plan
from solver.insertion import NewTravel, plan_state
from solver.locations import Locations
from solver.model import Engineer, LatLng, Order, Problem, Shift, SolveOptions, TimeWindow, TravelMatrices
from solver.solve import solve
from tests.test_rule_book import T0, _matrices, _planned, problems


def _base_and_travel(problem):
    """The base problem (all but the last order), its plan and the last order's travel in the
    service's layout (the base problem's locations, then the new site)."""
    *known, new = problem.orders
    base = replace(problem, orders=tuple(known))
    plan = solve(base, _matrices(base))
    full = _matrices(problem)
    n_loc = Locations.of(base).size
    order_of = np.r_[np.arange(len(known)), len(known) + 1 + np.arange(n_loc - len(known)), len(known)]
    extended = TravelMatrices(full.duration_s[np.ix_(order_of, order_of)], full.distance_m[np.ix_(order_of, order_of)])
    base_m = TravelMatrices(extended.duration_s[:n_loc, :n_loc], extended.distance_m[:n_loc, :n_loc])
    return base, new, _planned(plan), plan_state(base, base_m, _planned(plan)), NewTravel.from_extended(extended)


def _slots() -> list[booking.Slot]:
    return booking.blacked_out(booking.grid([T0, T0 + 86_400], [0, 2 * 3600, 4 * 3600, 6 * 3600], 2 * 3600), [])


@settings(max_examples=20, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(problems(max_orders=10))
def test_booking_a_kept_slot_evaluates_to_the_quoted_cost(problem) -> None:
    """Every kept slot, booked as quoted, evaluates to no violation and the quoted cost."""
    base, new, routes, state, travel = _base_and_travel(problem)
    offers = booking.offer_slots(state, new, travel, _slots())
    assert [o.slot for o in offers] == _slots()
    before = evaluate_plan(base, _matrices(base), routes).breakdown.total
    for offer in offers:
        assert offer.kept == (offer.reason is None)
        if not offer.kept:
            continue
        assert 0 <= offer.grade <= 100
        booked_problem, booked_routes, booked = booking.booked_plan(state, new, offer)
        after = evaluate_plan(booked_problem, _matrices(booked_problem), booked_routes)
        assert after.violations == (), offer
        assert math.isclose(after.breakdown.total - before, offer.added_cost, rel_tol=1e-9, abs_tol=1e-6), offer
        visit = next(v for r in after.routes for v in r.visits if v.order_id == new.id)
        assert (visit.arrival_s, visit.start_s) == (offer.arrival_s, offer.visit_start_s)
        assert offer.slot.start_s <= visit.start_s <= offer.slot.end_s


def test_grade_formula() -> None:
    """Cheapest with two hours of slack: 100; dearer by the order's penalty and no slack: 0;
    linear in between."""
    assert booking.grade(10.0, 10.0, 100.0, 7200) == 100
    assert booking.grade(110.0, 10.0, 100.0, 0) == 0
    assert booking.grade(500.0, 10.0, 100.0, 0) == 0
    assert booking.grade(60.0, 10.0, 100.0, 3600) == 50
    assert booking.grade(5.0, 5.0, 0.0, -60) == 60  # no penalty: full cost points; late: no risk points


def test_grid_and_blackouts() -> None:
    """Slots per day at each offset, in time order; a blackout [start, end) marks those it overlaps."""
    slots = booking.grid([100_000, 0], [10, 0], 5)
    assert slots == [(0, 5), (10, 15), (100_000, 100_005), (100_010, 100_015)]
    marked = booking.blacked_out(slots, [(5, 10), (100_012, None)])
    assert [s.blacked_out for s in marked] == [False, False, False, True]


def test_an_unroutable_site_is_said_for_every_slot() -> None:
    """A site off the map: every slot UNROUTABLE (a blackout still says BLACKOUT)."""
    engineer = Engineer(id="e", start_location=LatLng(41.0, -8.0), shifts=(Shift(T0, T0 + 8 * 3600),))
    base = Problem((), (engineer,), SolveOptions())
    matrices = _matrices(base)
    state = plan_state(base, matrices, [])
    n = matrices.duration_s.shape[0]
    zeros = np.zeros(n, dtype=np.int64)
    travel = NewTravel(zeros, zeros, zeros, zeros, unroutable=True)
    slots = booking.blacked_out(booking.grid([T0], [0, 3600], 3600), [(T0, T0 + 1)])
    offers = booking.offer_slots(state, Order(id="x", location=LatLng(41.0, -8.0)), travel, slots)
    assert [o.reason for o in offers] == [booking.SlotReason.BLACKOUT, booking.SlotReason.UNROUTABLE]


@settings(max_examples=25, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(problems(max_orders=12))
def test_slot_pricing_finds_every_clean_insertion(problem) -> None:
    """``rules.slot_insertions`` (pruned by time bounds) agrees with ``rules.best_insertions``
    run per slot without pruning: same vehicles with a clean insertion, same price there."""
    from solver import rules
    from solver.insertion import _with_new_order

    base, new, _, state, travel = _base_and_travel(problem)
    new = replace(new, time_windows=())
    slots = _slots()
    nv = state.vehicles.count
    eligible = np.ones(nv, dtype=bool)  # per vehicle
    windows = np.asarray([booking._clipped(state, new, s) for s in slots])
    packed, u = _with_new_order(state, new, travel, eligible, None)
    shape = (len(slots), nv)
    pos, cost, broken = np.full(shape, -1), np.zeros(shape), np.zeros(shape, dtype=np.int64)
    rules.slot_insertions(packed, state.flat, state.offsets, u, np.ascontiguousarray(windows[:, 0]),
                          np.ascontiguousarray(windows[:, 1]), pos, cost, broken, np.zeros(shape), np.zeros(shape))
    for s, (lo, hi) in enumerate(windows):
        one, _ = _with_new_order(state, replace(new, time_windows=(TimeWindow(int(slots[s].start_s), int(slots[s].end_s)),)),
                                 travel, eligible, None)
        assert (one[2][u, 0], one[3][u, 0]) == (lo, hi) or lo > hi
        p1, c1, b1 = np.empty(nv, dtype=np.int64), np.empty(nv), np.empty(nv, dtype=np.int64)
        rules.best_insertions(one, state.flat, state.offsets, u, p1, c1, b1, np.empty(nv), np.empty(nv))
        clean_all = (p1 >= 0) & (b1 == 0) & (lo <= hi)
        clean_slots = (pos[s] >= 0) & (broken[s] == 0)
        assert (clean_all == clean_slots).all(), s
        assert np.allclose(c1[clean_all], cost[s][clean_all])

"""The rule book as a specification: every stage times and prices a route the same way.

- A plan ``solve`` returns evaluates (``evaluate_plan``) to no violation and to the same
  times, breaks, KPIs and objective.
- Every clean insertion candidate's ``added_cost`` is the evaluated change of the objective,
  and inserting it breaks no rule.
- The break placement finds a feasible schedule whenever one exists (brute force over every
  placement on small routes).

Random problems with breaks, several windows, soft SLAs, speed factors, hourly costs, optimised
SLA targets and closure factors (age, attempts).
"""

from __future__ import annotations

import itertools
import math
from dataclasses import replace

import numpy as np
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from solver import rules
from solver.evaluate import evaluate_plan
from solver.insertion import recommend_insertion
from solver.locations import Locations
from solver.model import (
    Break,
    Engineer,
    FollowUp,
    LatLng,
    Order,
    PartNeed,
    PlannedRoute,
    Priority,
    Problem,
    SameEngineer,
    SearchMode,
    Shift,
    SlaMode,
    SlaTargets,
    SolveOptions,
    TargetMode,
    TimeWindow,
    TravelMatrices,
)
from solver.schedule import RuleBook
from solver.solve import solve
from solver.vehicles import Vehicles

T0 = 1_800_000_000  # a fixed day; nothing here reads the clock
KM_DEG = 1 / 111.0


def _matrices(problem: Problem) -> TravelMatrices:
    """Straight lines at 30 km/h (2 minutes a kilometre), asymmetric by a few seconds."""
    loc = Locations.of(problem)
    y = (loc.lat_deg - 41.0) / KM_DEG
    x = (loc.lng_deg + 8.0) / KM_DEG
    km = np.hypot(x[:, None] - x[None, :], y[:, None] - y[None, :])
    metres = np.rint(km * 1000).astype(np.int64)
    # Asymmetric by a few seconds, by place (not by index: layouts differ between problems).
    seconds = np.rint(km * 120).astype(np.int64) + (np.floor(x * 10).astype(np.int64) % 3)[:, None] * (km > 0)
    return TravelMatrices(seconds.astype(np.int64), metres)


@st.composite
def problems(draw, max_orders: int = 14) -> Problem:
    n = draw(st.integers(3, max_orders))
    n_eng = draw(st.integers(1, 3))
    days = draw(st.integers(1, 2))

    def place() -> LatLng:
        return LatLng(41.0 + draw(st.floats(0, 15)) * KM_DEG, -8.0 + draw(st.floats(0, 15)) * KM_DEG)

    engineers = []
    for e in range(n_eng):
        shifts = []
        for d in range(days):
            start = T0 + d * 86_400 + draw(st.sampled_from([0, 1800, 3600]))
            end = start + draw(st.sampled_from([4, 6, 8])) * 3600
            breaks = ()
            if draw(st.booleans()):
                lo = start + draw(st.integers(1, 2)) * 3600
                breaks = (Break(lo, lo + draw(st.sampled_from([0, 1800, 3600])), draw(st.sampled_from([900, 1800]))),)
            shifts.append(Shift(start, end, breaks))
        engineers.append(Engineer(
            id=f"e{e}", start_location=place(), end_location=place() if draw(st.booleans()) else None,
            shifts=tuple(shifts), cost_per_hour=draw(st.sampled_from([0.0, 30.0])),
            cost_per_traveled_hour=draw(st.sampled_from([0.0, 1.0, 12.0])), cost_per_km=draw(st.sampled_from([0.0, 0.4])),
            speed_factor=draw(st.sampled_from([1.0, 0.8, 1.25])),
            max_working_time_s=draw(st.sampled_from([None, 5 * 3600])),
            # The service rules: overtime, rest, the working week, parts on the van.
            max_overtime_s=draw(st.sampled_from([None, None, 3600])), overtime_cost_per_hour=draw(st.sampled_from([0.0, 25.0])),
            min_rest_s=draw(st.sampled_from([None, 11 * 3600, 20 * 3600])),
            max_weekly_working_s=draw(st.sampled_from([None, None, 4 * 3600])), worked_this_week_s=draw(st.sampled_from([0, 3600])),
            van_stock=(("p", draw(st.integers(0, 3))),) if draw(st.booleans()) else (),
        ))
    orders = []
    for i in range(n):
        day = T0 + draw(st.integers(0, days - 1)) * 86_400
        windows: tuple[TimeWindow, ...] = ()
        kind = draw(st.integers(0, 2))
        if kind == 1:
            lo = day + draw(st.integers(0, 6)) * 3600
            windows = (TimeWindow(lo, lo + draw(st.sampled_from([3600, 7200]))),)
        elif kind == 2:
            lo = day + draw(st.integers(0, 2)) * 3600
            windows = (TimeWindow(lo, lo + 3600), TimeWindow(lo + 4 * 3600, lo + 6 * 3600))
        sla = day + draw(st.integers(1, 6)) * 3600 if draw(st.booleans()) else None
        follow_up = None
        if days == 2 and 0 < i < n - 1 and draw(st.integers(0, 4)) == 0:
            # A follow-up of the order before it, the next day (the new order of the insertion
            # test, the last, is never one: insertion prices one order, not a pair).
            # Due a day after it: the interval's start falls inside the next day's shift.
            follow_up = FollowUp(previous_order_id=f"o{i - 1}", min_delay_s=86_400, max_delay_s=86_400 + 6 * 3600,
                                 same_engineer=draw(st.sampled_from(list(SameEngineer))))
        elif draw(st.integers(0, 5)) == 0:
            follow_up = FollowUp(previous_end_s=T0 - 86_400, previous_engineer_id=f"e{draw(st.integers(0, n_eng - 1))}",
                                 min_delay_s=86_400, max_delay_s=86_400 + 8 * 3600,
                                 same_engineer=draw(st.sampled_from(list(SameEngineer))))
        orders.append(Order(
            follow_up=follow_up, parts=(PartNeed("p", draw(st.integers(1, 2))),) if draw(st.integers(0, 2)) == 0 else (),
            id=f"o{i}", location=place(), service_duration_s=draw(st.sampled_from([600, 1800, 2700])),
            time_windows=windows, sla_deadline_s=sla, sla_mode=draw(st.sampled_from([SlaMode.SOFT, SlaMode.SOFT, SlaMode.HARD])),
            lateness_cost_per_hour=draw(st.sampled_from([10.0, 60.0])), priority=draw(st.sampled_from(list(Priority))),
            unassigned_penalty=draw(st.sampled_from([None, 500.0])),
            create_time_s=day - draw(st.integers(0, 4)) * 3600 if draw(st.booleans()) else None,
            age_s=draw(st.sampled_from([0, 0, 3 * 86_400])), attempts=draw(st.sampled_from([0, 0, 2])),
        ))
    consume = draw(st.booleans())
    options = SolveOptions(time_limit_s=0.4, random_seed=draw(st.integers(0, 3)),
                           fairness_weight=draw(st.sampled_from([0.0, 0.0, 3.0])),
                           search_mode=SearchMode.CONSUME_ALL_TIME if consume else SearchMode.RETURN_FAST,
                           solution_limit=0 if consume else 40, sla_targets=draw(st.sampled_from(_TARGETS)))
    return Problem(tuple(orders), tuple(engineers), options)


# SLA targets: none, all optimised (with a short response target so that it bites), the
# overdue step alone.
_TARGETS = (None, SlaTargets(overdue_mode=TargetMode.OPTIMISED, max_response_s=3 * 3600, max_response_mode=TargetMode.OPTIMISED,
                             mean_response_mode=TargetMode.OPTIMISED),
            SlaTargets(overdue_mode=TargetMode.OPTIMISED))


def _planned(plan) -> list[PlannedRoute]:
    return [PlannedRoute(r.engineer_id, r.shift_index, tuple(v.order_id for v in r.visits)) for r in plan.routes if r.visits]


@settings(max_examples=25, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(problems())
def test_a_solved_plan_evaluates_to_itself(problem: Problem) -> None:
    matrices = _matrices(problem)
    plan = solve(problem, matrices)
    evaluation = evaluate_plan(problem, matrices, _planned(plan))
    assert evaluation.violations == ()
    solved = {(r.engineer_id, r.shift_index): r for r in plan.routes if r.visits}
    evaluated = {(r.engineer_id, r.shift_index): r for r in evaluation.routes if r.visits}
    assert solved == evaluated  # every time, break, leg and cost
    assert evaluation.kpis == plan.kpis
    assert math.isclose(evaluation.breakdown.total, plan.stats.objective, rel_tol=1e-9, abs_tol=1e-6)


@settings(max_examples=20, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(problems(max_orders=10), st.data())
def test_added_cost_is_the_evaluated_change_of_the_objective(problem: Problem, data) -> None:
    *known, new = problem.orders
    base = replace(problem, orders=tuple(known))
    plan = solve(base, _matrices(base))
    routes = _planned(plan)
    whole = replace(problem, orders=(*known, new))
    full = _matrices(whole)
    # The service's layout: the base problem's locations, then the new site, last.
    n_loc = Locations.of(base).size
    order_of = np.r_[np.arange(len(known)), len(known) + 1 + np.arange(n_loc - len(known)), len(known)]
    extended = TravelMatrices(full.duration_s[np.ix_(order_of, order_of)], full.distance_m[np.ix_(order_of, order_of)])
    candidates, _ = recommend_insertion(base, extended, routes, new, max_candidates=20)
    before = evaluate_plan(base, _matrices(base), routes).breakdown.total
    for c in candidates:
        if c.broken_order_ids:
            continue
        after_routes = []
        placed = False
        for r in routes:
            if (r.engineer_id, r.shift_index) == (c.engineer_id, c.shift_index):
                ids = list(r.order_ids)
                ids.insert(c.position, new.id)
                r = replace(r, order_ids=tuple(ids))
                placed = True
            after_routes.append(r)
        if not placed:
            after_routes.append(PlannedRoute(c.engineer_id, c.shift_index, (new.id,)))
        after = evaluate_plan(whole, full, after_routes)
        assert after.violations == (), c
        assert math.isclose(after.breakdown.total - before, c.added_cost, rel_tol=1e-9, abs_tol=1e-6), c
        visit = next(v for r in after.routes for v in r.visits if v.order_id == new.id)
        assert (visit.arrival_s, visit.start_s) == (c.arrival_s, c.start_s)


def _brute_force_feasible(book: RuleBook, v: int, seq: list[int]) -> bool:
    """Whether any placement of the shift's breaks keeps every rule: each break goes in one
    gap (before a visit, on the way to the end, or after the route), in order, taken as soon
    as it may start there; a plain re-statement of the rules, independent of the dp."""
    inst = book.inst
    breaks = inst.breaks[v]
    m = len(seq)
    speed = float(inst.speed[v])

    def tt(p: int, q: int) -> float:
        if q < 0:
            return 0.0
        d = float(inst.duration[p, q])
        return d if speed == 1.0 else math.ceil(d / speed)

    locs = [int(inst.start_loc[v])] + seq + [int(inst.end_loc[v])]
    for gaps in itertools.combinations_with_replacement(range(m + 2), len(breaks)):
        t, ok, q = float(inst.shift_lo[v]), True, 0
        first = end = None
        for k in range(m + 1):
            d = tt(locs[k], locs[k + 1])
            gap_t, rest = t, d
            while q < len(breaks) and gaps[q] == k:
                e, latest, dur = breaks[q]
                b = max(e, gap_t)
                ok &= b <= latest
                rest, gap_t = max(0.0, rest - (b - gap_t)), b + dur
                q += 1
            ready = gap_t + rest
            if k == m:
                end = ready
                break
            u = seq[k]
            start = rules.window_start(inst.win_lo, inst.win_hi, u, ready)
            if start == math.inf:
                break  # a window missed: this placement breaks a rule
            first = first or (start, d)
            t = start + inst.service[u]
        if end is None:
            continue
        cursor = end
        while q < len(breaks):  # after the route
            e, latest, dur = breaks[q]
            b = max(e, cursor)
            ok &= b <= latest
            cursor = b + dur
            q += 1
        depart = float(inst.shift_lo[v])
        if gaps and gaps[0] == 0 and first is not None:
            # Breaks before the first visit may be taken before leaving.
            cursor = float(inst.shift_lo[v])
            for (e, latest, dur), g in zip(breaks, gaps):
                if g == 0:
                    cursor = max(e, cursor) + dur
            if cursor <= first[0] - first[1]:
                depart = first[0] - first[1]
        elif first is not None:
            depart = max(depart, first[0] - first[1])
        if ok and end <= inst.shift_hi[v] and end - depart <= inst.max_work[v]:
            return True
    return False


@settings(max_examples=30, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(problems(max_orders=8), st.data())
def test_breaks_are_placed_feasibly_whenever_a_placement_exists(problem: Problem, data) -> None:
    # Time rules only: parts on the van are a load rule, not the schedule's business.
    problem = replace(problem, orders=tuple(replace(o, parts=()) for o in problem.orders))
    matrices = _matrices(problem)
    vehicles = Vehicles.of(problem, Locations.of(problem))
    book = RuleBook(problem, matrices, vehicles)

    for v in range(vehicles.count):
        if not book.inst.breaks[v]:
            continue
        seq = data.draw(st.permutations(range(len(problem.orders))))[: data.draw(st.integers(1, 4))]
        timing = book.time(v, list(seq))
        assert (timing.broken == 0) == _brute_force_feasible(book, v, list(seq)), (v, seq)


def test_a_hard_sla_missed_by_an_order_without_windows_is_reported_as_such() -> None:
    """An order without windows whose hard deadline a given plan misses: HARD_SLA_MISSED (the
    rule book clips its open window at the deadline; that is not a window of the order's)."""
    engineer = Engineer(id="e", start_location=LatLng(41.0, -8.0), shifts=(Shift(T0, T0 + 8 * 3600),))
    far = LatLng(41.0 + 30 * KM_DEG, -8.0)
    order = Order(id="o", location=far, service_duration_s=600, sla_deadline_s=T0 + 600, sla_mode=SlaMode.HARD)
    problem = Problem((order,), (engineer,))
    evaluation = evaluate_plan(problem, _matrices(problem), [PlannedRoute("e", 0, ("o",))])
    kinds = [v.type.value for v in evaluation.violations]
    assert kinds == ["hard_sla_missed"]

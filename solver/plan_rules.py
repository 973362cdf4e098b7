"""Rules that link routes: follow-up visits and the weekly working-time maximum.

The rule book (``solver.rules``) times and prices one route at a time. Two service rules span
routes: a follow-up lands days after its first visit, on another shift, perhaps of another
engineer; a week's hours add up over shifts. They are defined here, once, in three parts that
every stage calls:

1. ``effective_problem``, before the search: each follow-up's windows are narrowed to what its
   first visit allows — exactly ``[end + min_delay, end + max_delay]`` after a visit already
   done (and the same engineer, when required), and the widest interval the first visit's own
   windows and the shifts allow when the first visit is an order of the same request.
2. ``enforce``, on the search's plan: a follow-up that misses ``[first end + min, first end +
   max]`` by the plan's times, whose first visit is not served, or that went to another engineer
   when the same is required, is taken out and re-inserted at its cheapest place that keeps
   every rule (the rule book's ``best_insertions``, its window set to the exact interval); an
   engineer over a weekly maximum loses the last visits of the week's latest shift until the
   week holds, each re-inserted elsewhere where it fits. What finds no place is unassigned with
   its own reason.
3. ``violations``: the same rules checked on any plan (``EvaluatePlan``, the plan checker).

The search itself sees step 1 only, so it may spend effort on plans step 2 then changes; with
few follow-ups per day that costs little, and the plan returned always keeps the rules.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, replace

import numpy as np

from solver import rules
from solver.model import (
    PlanViolation,
    Problem,
    Route,
    SameEngineer,
    TimeWindow,
    UnassignedReason,
    ViolationType,
    Visit,
)
from solver.schedule import RuleBook
from solver.vehicles import Vehicles

WEEK_S = 7 * 86400


# ----------------------------------------------------------------------------------------------
# 1. Before the search


def effective_problem(problem: Problem) -> Problem:
    """``problem`` with each follow-up's windows narrowed to its follow-up interval (see the
    module's notes); the same problem when it has no follow-ups."""
    if not any(o.follow_up is not None for o in problem.orders):
        return problem
    index = {o.id: i for i, o in enumerate(problem.orders)}
    shift_lo = min((s.start_s for e in problem.engineers for s in e.shifts), default=0)
    shift_hi = max((s.end_s for e in problem.engineers for s in e.shifts), default=0)
    orders = list(problem.orders)
    done: dict[int, bool] = {}

    def resolve(i: int, depth: int = 0) -> None:
        if i in done or depth > len(orders):
            return
        done[i] = True
        order = orders[i]
        f = order.follow_up
        if f is None:
            return
        required = order.required_engineer_ids
        if f.previous_end_s is not None:
            lo, hi = f.interval(f.previous_end_s)
            if f.same_engineer is SameEngineer.REQUIRED and f.previous_engineer_id:
                required = (f.previous_engineer_id,)
        elif f.previous_order_id in index:
            j = index[f.previous_order_id]
            resolve(j, depth + 1)
            first = orders[j]
            starts = [w.start_s for w in first.time_windows]
            ends = [w.end_s for w in first.time_windows]
            earliest = shift_lo if not starts or None in starts else min(s for s in starts if s is not None)
            latest = shift_hi if not ends or None in ends else max(e for e in ends if e is not None)
            lo = max(earliest, shift_lo) + first.service_duration_s + f.min_delay_s
            hi = min(latest, shift_hi) + first.service_duration_s + f.max_delay_s
        else:
            return
        orders[i] = replace(order, time_windows=intersect(order.time_windows, lo, hi), required_engineer_ids=required)

    for i in range(len(orders)):
        resolve(i)
    return replace(problem, orders=tuple(orders))


def intersect(windows: Sequence[TimeWindow], lo: int, hi: int) -> tuple[TimeWindow, ...]:
    """``windows`` (empty: always) cut to ``[lo, hi]``; a window that cannot be kept when
    nothing is left (the order is then unassigned)."""
    out = []
    for w in windows or (TimeWindow(None, None),):
        a = lo if w.start_s is None else max(lo, w.start_s)
        b = hi if w.end_s is None else min(hi, w.end_s)
        if a <= b:
            out.append(TimeWindow(a, b))
    return tuple(out) if out else (TimeWindow(0, 0),)


def follow_up_pairs(problem: Problem) -> list[tuple[int, int]]:
    """(first visit, follow-up) order indices of the follow-ups whose first visit is an order of
    the request, first visits before their follow-ups."""
    index = {o.id: i for i, o in enumerate(problem.orders)}
    pairs = [(index[o.follow_up.previous_order_id], i) for i, o in enumerate(problem.orders)
             if o.follow_up is not None and o.follow_up.previous_order_id in index]
    depth: dict[int, int] = {}

    def level(i: int, seen: int = 0) -> int:
        f = problem.orders[i].follow_up
        if f is None or f.previous_order_id not in index or seen > len(problem.orders):
            return 0
        if i not in depth:
            depth[i] = 1 + level(index[f.previous_order_id], seen + 1)
        return depth[i]

    return sorted(pairs, key=lambda p: level(p[1]))


def weeks(problem: Problem, vehicles: Vehicles) -> dict[tuple[int, int], list[int]]:
    """(engineer, week number) -> vehicles, for engineers with a weekly maximum. Week 0 starts
    at ``week_start_s`` (default: the engineer's first shift) and holds ``worked_this_week_s``."""
    out: dict[tuple[int, int], list[int]] = {}
    for v in range(vehicles.count):
        e = int(vehicles.engineer[v])
        engineer = problem.engineers[e]
        if engineer.max_weekly_working_s is None:
            continue
        start = engineer.week_start_s if engineer.week_start_s is not None else engineer.shifts[0].start_s
        week = max(0, (int(engineer.shifts[int(vehicles.shift[v])].start_s) - start) // WEEK_S)
        out.setdefault((e, int(week)), []).append(v)
    return out


def _allowance(problem: Problem, key: tuple[int, int]) -> int:
    engineer = problem.engineers[key[0]]
    assert engineer.max_weekly_working_s is not None
    return engineer.max_weekly_working_s - (engineer.worked_this_week_s if key[1] == 0 else 0)


# ----------------------------------------------------------------------------------------------
# 2. On the search's plan


def applies(problem: Problem) -> bool:
    return bool(follow_up_pairs(problem)) or any(e.max_weekly_working_s is not None for e in problem.engineers)


def enforce(problem: Problem, book: RuleBook, vehicles: Vehicles,
            sequences: list[list[int]]) -> tuple[list[list[int]], dict[int, UnassignedReason]]:
    """The plan ``sequences`` (order indices per vehicle, each route keeping the rule book's
    rules) changed to keep the cross-route rules; returns it and the reasons of the orders it
    had to leave out."""
    seqs = [list(s) for s in sequences]
    reasons: dict[int, UnassignedReason] = {}
    if not applies(problem):
        return seqs, reasons
    timings = book.times(seqs)
    week_of = weeks(problem, vehicles)
    vehicle_week = {v: key for key, vs in week_of.items() for v in vs}

    def worked(key: tuple[int, int]) -> int:
        return sum(timings[v].route_end_s - timings[v].route_start_s for v in week_of[key] if seqs[v])

    def room(v: int, timing) -> bool:
        key = vehicle_week.get(v)
        if key is None:
            return True
        before = timings[v].route_end_s - timings[v].route_start_s if seqs[v] else 0
        return worked(key) - before + (timing.route_end_s - timing.route_start_s) <= _allowance(problem, key)

    def remove(i: int) -> None:
        for v, s in enumerate(seqs):
            if i in s:
                s.remove(i)
                timings[v] = book.time(v, s)
                return

    def reinsert(i: int, window: tuple[int, int] | None, only: np.ndarray | None, banned: set[int]) -> bool:
        v_pos = _cheapest(book, seqs, timings, i, window, only, banned, room)
        if v_pos is None:
            return False
        v, p = v_pos
        seqs[v].insert(p, i)
        timings[v] = book.time(v, seqs[v])
        return True

    # Weekly maxima: the week's latest shift gives up its last visits until the week holds.
    for key, vs in week_of.items():
        while worked(key) > _allowance(problem, key):
            busy = [v for v in vs if seqs[v]]
            if not busy:
                break
            v = max(busy, key=lambda x: int(vehicles.shift_start_s[x]))
            i = seqs[v].pop()
            timings[v] = book.time(v, seqs[v])
            if not reinsert(i, None, None, set(vs)):
                reasons[i] = UnassignedReason.WEEKLY_HOURS_EXCEEDED

    # Follow-ups: inside their interval after the first visit, by the same engineer if required.
    for first, follow in follow_up_pairs(problem):
        f = problem.orders[follow].follow_up
        assert f is not None
        where = _position(seqs, first)
        if where is None:
            if _position(seqs, follow) is not None:
                remove(follow)
            reasons[follow] = UnassignedReason.FOLLOW_UP_FIRST_VISIT_UNSERVED
            continue
        v1, k1 = where
        end = timings[v1].service_starts_s[k1] + problem.orders[first].service_duration_s
        lo, hi = f.interval(end)
        # From here on the follow-up's windows are its interval: every later timing keeps it.
        _narrow(book, follow, lo, hi)
        same = np.flatnonzero(vehicles.engineer == vehicles.engineer[v1]) if f.same_engineer is SameEngineer.REQUIRED else None
        at = _position(seqs, follow)
        if at is not None:
            v2, k2 = at
            timings[v2] = book.time(v2, seqs[v2])
            if timings[v2].broken == 0 and (same is None or v2 in same):
                continue
            remove(follow)
        if not reinsert(follow, None, same, set()):
            reasons[follow] = UnassignedReason.FOLLOW_UP_WINDOW_UNREACHABLE
    # Inserting a follow-up may have moved an earlier first visit: what no longer holds goes.
    for first, follow in follow_up_pairs(problem):
        f = problem.orders[follow].follow_up
        at, where = _position(seqs, follow), _position(seqs, first)
        if at is None or f is None:
            continue
        ok = where is not None
        if where is not None:
            end = book.time(where[0], seqs[where[0]]).service_starts_s[where[1]] + problem.orders[first].service_duration_s
            start = book.time(at[0], seqs[at[0]]).service_starts_s[at[1]]
            lo, hi = f.interval(end)
            ok = lo <= start <= hi
        if not ok:
            remove(follow)
            reasons[follow] = UnassignedReason.FOLLOW_UP_WINDOW_UNREACHABLE
    return seqs, reasons


def timed(problem: Problem, book: RuleBook, sequences: Sequence[Sequence[int]]) -> list:
    """The rule book's timings of ``sequences`` (``problem`` as ``effective_problem`` made it),
    each follow-up of a planned first visit timed inside its interval after that visit: its
    windows in ``book`` are cut to it, first visits before their follow-ups. The one timing of
    a plan with follow-ups, for solved plans and plans evaluated alike."""
    timings = book.times(sequences)
    seqs = [list(s) for s in sequences]
    for first, follow in follow_up_pairs(problem):
        f = problem.orders[follow].follow_up
        where, at = _position(seqs, first), _position(seqs, follow)
        if f is None or where is None or at is None:
            continue
        end = timings[where[0]].service_starts_s[where[1]] + problem.orders[first].service_duration_s
        _narrow(book, follow, *f.interval(end))
        timings[at[0]] = book.time(at[0], seqs[at[0]])
    return timings


def follow_up_effect(problem: Problem, book: RuleBook, sequences, timings, v: int, route_v: np.ndarray,
                     starts_v: np.ndarray) -> tuple[float, list[str]]:
    """When route ``v`` becomes ``route_v`` (service starts ``starts_v``), the follow-ups of its
    first visits planned on other routes move with their intervals: (the change of those
    routes' prices, scaled; the follow-ups that could no longer keep their rules)."""
    delta, broken = 0.0, []
    seqs = [list(s) for s in sequences]
    where_in_v = {int(i): k for k, i in enumerate(route_v)}
    for first, follow in follow_up_pairs(problem):
        f = problem.orders[follow].follow_up
        at = _position(seqs, follow)
        if f is None or first not in where_in_v or at is None or at[0] == v:
            continue
        end = float(starts_v[where_in_v[first]]) + problem.orders[first].service_duration_s
        wlo, whi = book.packed[2], book.packed[3]
        saved = wlo[follow].copy(), whi[follow].copy()
        try:
            _narrow(book, follow, *f.interval(int(end)))
            after = book.time(at[0], seqs[at[0]])
        finally:
            wlo[follow], whi[follow] = saved
        delta += after.cost_scaled - timings[at[0]].cost_scaled
        if after.broken > timings[at[0]].broken:
            broken.append(problem.orders[follow].id)
    return delta, broken


def _narrow(book: RuleBook, u: int, lo: int, hi: int) -> None:
    """Order ``u``'s windows in the rule book's instance cut to ``[lo, hi]`` (none left: a
    window that no visit can keep), from its windows before any cut."""
    wlo, whi = book.packed[2], book.packed[3]
    original = book.uncut_windows
    if u not in original:
        original[u] = (wlo[u].copy(), whi[u].copy())
    a, b = np.maximum(original[u][0], lo), np.minimum(original[u][1], hi)
    empty = a > b
    a[empty], b[empty] = np.inf, -np.inf
    wlo[u], whi[u] = a, b


def _position(seqs: list[list[int]], i: int) -> tuple[int, int] | None:
    for v, s in enumerate(seqs):
        if i in s:
            return v, s.index(i)
    return None


def _cheapest(book: RuleBook, seqs, timings, u: int, window, only, banned: set[int], room) -> tuple[int, int] | None:
    """The vehicle and position where inserting ``u`` keeps every rule (its windows cut to
    ``window``, only vehicles ``only`` when given, none of ``banned``, weekly room by ``room``)
    and costs least below its penalty."""
    packed = book.packed
    wlo, whi, allowed, pen = packed[2], packed[3], packed[8], packed[7]
    saved = wlo[u].copy(), whi[u].copy(), allowed[u].copy()
    try:
        if window is not None:
            lo, hi = window
            keep_lo, keep_hi = np.maximum(wlo[u], lo), np.minimum(whi[u], hi)
            wlo[u], whi[u] = keep_lo, keep_hi
        if only is not None:
            mask = np.zeros(allowed.shape[1], dtype=bool)
            mask[only] = True
            allowed[u] &= mask
        for v in banned:
            allowed[u, v] = False
        arrays = [np.asarray(s, dtype=np.int64) for s in seqs]
        offsets = np.zeros(len(arrays) + 1, dtype=np.int64)
        offsets[1:] = np.cumsum([a.size for a in arrays])
        flat = np.concatenate(arrays).astype(np.int64) if arrays else np.zeros(0, dtype=np.int64)
        nv = len(seqs)
        pos, cost, broken = np.empty(nv, dtype=np.int64), np.empty(nv), np.empty(nv, dtype=np.int64)
        arrival, start = np.empty(nv), np.empty(nv)
        rules.best_insertions(packed, flat, offsets, u, pos, cost, broken, arrival, start)
        options = sorted((cost[v] - timings[v].cost_scaled, v) for v in range(nv) if pos[v] >= 0 and broken[v] == 0)
        for delta, v in options:
            if delta >= pen[u]:
                break
            trial = seqs[v][: pos[v]] + [u] + seqs[v][pos[v]:]
            if room(v, book.time(v, trial)):
                return v, int(pos[v])
        return None
    finally:
        wlo[u], whi[u], allowed[u] = saved


def week_left_s(problem: Problem, vehicles: Vehicles, timings) -> np.ndarray:
    """Per vehicle: the working time its route may take within its engineer's weekly maximum,
    the other routes of the week as planned (``timings``); inf without a maximum."""
    out = np.full(vehicles.count, np.inf)
    for key, vs in weeks(problem, vehicles).items():
        worked = {w: timings[w].route_end_s - timings[w].route_start_s if timings[w].service_starts_s else 0 for w in vs}
        total = sum(worked.values())
        for w in vs:
            out[w] = _allowance(problem, key) - (total - worked[w])
    return out


def interval_in_plan(problem: Problem, vehicles: Vehicles, sequences, timings, order) -> tuple[int, int, int] | None:
    """For a new ``order`` offered to a plan (``sequences`` timed by ``timings``) that is a
    follow-up: (earliest start, latest start, the engineer required to do it or -1). The
    first visit is a visit done or an order of the plan; when that order is not planned the
    interval is empty (start after end). None when ``order`` is no follow-up."""
    f = order.follow_up
    if f is None:
        return None
    index = {e.id: k for k, e in enumerate(problem.engineers)}
    if f.previous_end_s is not None:
        end, engineer = f.previous_end_s, index.get(f.previous_engineer_id or "", -1)
    else:
        orders = {o.id: i for i, o in enumerate(problem.orders)}
        if f.previous_order_id not in orders:
            return None
        first = orders[f.previous_order_id]
        where = _position([list(s) for s in sequences], first)
        if where is None:
            return 1, 0, -1
        end = timings[where[0]].service_starts_s[where[1]] + problem.orders[first].service_duration_s
        engineer = int(vehicles.engineer[where[0]])
    lo, hi = f.interval(end)
    return lo, hi, engineer if f.same_engineer is SameEngineer.REQUIRED else -1


# ----------------------------------------------------------------------------------------------
# 3. On any plan


@dataclass(frozen=True)
class PlannedFollowUp:
    """A follow-up served by a timed plan, against its first visit."""

    order: int
    route: Route
    visit: Visit
    first_end_s: int | None  # None: the first visit, an order of the request, is not served
    first_engineer_id: str | None
    in_window: bool


def planned_follow_ups(problem: Problem, routes: Sequence[Route]) -> list[PlannedFollowUp]:
    """Every follow-up ``routes`` serve, with its first visit's end and engineer (a visit done,
    or as planned) and whether it starts inside its interval: what ``violations`` and the KPIs
    read."""
    where = {visit.order_index: (route, visit) for route in routes for visit in route.visits}
    index = {o.id: i for i, o in enumerate(problem.orders)}
    out = []
    for i, order in enumerate(problem.orders):
        f = order.follow_up
        if f is None or i not in where:
            continue
        route, visit = where[i]
        end: int | None
        if f.previous_end_s is not None:
            end, engineer = f.previous_end_s, f.previous_engineer_id
        elif f.previous_order_id in index:
            first = where.get(index[f.previous_order_id])
            end, engineer = (None, None) if first is None else (first[1].end_s, first[0].engineer_id)
        else:
            continue
        inside = end is not None and f.interval(end)[0] <= visit.start_s <= f.interval(end)[1]
        out.append(PlannedFollowUp(i, route, visit, end, engineer, inside))
    return out


def violations(problem: Problem, vehicles: Vehicles, routes: Sequence[Route]) -> list[PlanViolation]:
    """The cross-route rules and the rest between shifts, checked on a timed plan."""
    out: list[PlanViolation] = []
    for p in planned_follow_ups(problem, routes):
        order, route, visit, f = problem.orders[p.order], p.route, p.visit, problem.orders[p.order].follow_up
        assert f is not None
        if p.first_end_s is None:
            out.append(PlanViolation(ViolationType.FOLLOW_UP_WITHOUT_FIRST_VISIT, order.id, route.engineer_id,
                                     route.shift_index, 0, f"its first visit '{f.previous_order_id}' is not served"))
            continue
        if not p.in_window:
            lo, hi = f.interval(p.first_end_s)
            miss = lo - visit.start_s if visit.start_s < lo else visit.start_s - hi
            out.append(PlanViolation(ViolationType.FOLLOW_UP_OUTSIDE_WINDOW, order.id, route.engineer_id, route.shift_index,
                                     int(miss), "the follow-up starts outside its interval after the first visit"))
        if f.same_engineer is SameEngineer.REQUIRED and p.first_engineer_id and route.engineer_id != p.first_engineer_id:
            out.append(PlanViolation(ViolationType.FOLLOW_UP_OTHER_ENGINEER, order.id, route.engineer_id, route.shift_index,
                                     0, f"the follow-up must be done by '{p.first_engineer_id}', who did the first visit"))
    by_vehicle = {(r.engineer_index, r.shift_index): r for r in routes}
    for key, vs in weeks(problem, vehicles).items():
        total = sum(by_vehicle[(key[0], int(vehicles.shift[v]))].working_s for v in vs
                    if (key[0], int(vehicles.shift[v])) in by_vehicle)
        if total > _allowance(problem, key):
            engineer = problem.engineers[key[0]]
            out.append(PlanViolation(ViolationType.WEEKLY_HOURS_EXCEEDED, "", engineer.id, int(vehicles.shift[vs[-1]]),
                                     total - _allowance(problem, key), f"week {key[1]}: working time above the weekly maximum"))
    for e, engineer in enumerate(problem.engineers):
        if engineer.min_rest_s is None:
            continue
        previous_end = engineer.last_shift_end_s
        for k in range(len(engineer.shifts)):
            worked = by_vehicle.get((e, k))
            if worked is None or not worked.visits:
                continue
            if previous_end is not None and worked.start_s - previous_end < engineer.min_rest_s:
                out.append(PlanViolation(ViolationType.REST_TOO_SHORT, "", engineer.id, k,
                                         engineer.min_rest_s - (worked.start_s - previous_end), "less rest than the minimum before this shift"))
            previous_end = worked.end_s
    return out

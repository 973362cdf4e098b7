"""Where one new order fits best in a plan in force, without re-solving.

For each engineer shift that may take the order, every insertion position is priced at once
with numpy: the detour, the new order's own arrival, and how far the visits after it are pushed
(a push shrinks by the waiting it meets, ``push_j = max(0, delta - waiting between)``), which
tells which visits would turn late or break a window, the shift or the working-time limit.
Breaks are not moved by the push (a known simplification: the route's break may absorb or add
a little time).
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np

from solver import feasibility
from solver.evaluate import check_routes, sequences_of
from solver.errors import InvalidProblem
from solver.locations import Locations
from solver.model import InsertionCandidate, Order, PlannedRoute, Problem, SlaMode, TravelMatrices, UnassignedReason
from solver.routing_model import lateness_cost_per_hour
from solver.schedule import time_route
from solver.vehicles import Vehicles, scaled_durations

_FAR = np.iinfo(np.int64).max // 4


def recommend_insertion(
    problem: Problem,
    matrices: TravelMatrices,
    routes: Sequence[PlannedRoute],
    new: Order,
    max_candidates: int = 5,
    inside_territory: np.ndarray | None = None,
) -> tuple[list[InsertionCandidate], UnassignedReason | None]:
    """Best insertions of ``new`` into ``routes``, the plan in force for ``problem``.

    ``matrices`` cover the problem's locations plus the new order's site as the last one;
    ``inside_territory`` (bool, engineers) tells whether the new order lies in each territory.
    """
    problems = check_routes(problem, routes, path="current_routes")
    if problems:
        raise InvalidProblem(problems)
    n_loc = Locations.of(problem).size
    if matrices.duration_s.shape != (n_loc + 1, n_loc + 1):
        raise ValueError(f"matrices must cover {n_loc} locations plus the new order's")
    new_i = n_loc
    vehicles = Vehicles.of(problem, Locations.of(problem))
    sequences = sequences_of(problem, vehicles, routes)

    # Who may take it at all: the same rules as for solving, for this one order.
    eligible = feasibility.qualified_engineers(problem, [new])[0]
    territory = feasibility.hard_territory_allowed(problem, None if inside_territory is None else inside_territory[None, :])
    if territory is not None:
        eligible &= territory[0]
    candidates: list[InsertionCandidate] = []
    durations: dict[float, np.ndarray] = {}
    for v in range(vehicles.count):
        e = int(vehicles.engineer[v])
        engineer = problem.engineers[e]
        if not eligible[e] or new_i in matrices.unroutable:
            continue
        if engineer.capacity is not None:
            load = sum(problem.orders[i].demand for i in sequences[v])
            if load + new.demand > engineer.capacity:
                continue
        factor = float(vehicles.speed_factor[v])
        if factor not in durations:
            durations[factor] = scaled_durations(matrices.duration_s, factor)
        best = _best_in_route(problem, matrices, durations[factor], vehicles, v, sequences[v], new, new_i)
        if best is not None:
            candidates.append(best)
    candidates.sort(key=lambda c: (len(c.broken_order_ids) > 0, c.added_cost))
    if candidates:
        return candidates[:max_candidates], None
    # None fits: say why, with the solver's own stages, for the order alone.
    single = Problem((new,), problem.engineers, problem.options, problem.label)
    keep = [new_i] + list(range(len(problem.orders), n_loc))
    sub = TravelMatrices(
        matrices.duration_s[np.ix_(keep, keep)], matrices.distance_m[np.ix_(keep, keep)],
        frozenset(k for k, i in enumerate(keep) if i in matrices.unroutable),
    )
    sub_inside = None if inside_territory is None else inside_territory[None, :]
    reasons = feasibility.check(single, sub, Vehicles.of(single, Locations.of(single)), sub_inside).reasons
    return [], reasons.get(0, (UnassignedReason.NOT_SERVED_FOR_COST, -1))[0]


def _best_in_route(problem, matrices, durations, vehicles, v, seq, new, new_i) -> InsertionCandidate | None:
    e = int(vehicles.engineer[v])
    engineer = problem.engineers[e]
    shift = engineer.shifts[int(vehicles.shift[v])]
    factor = float(vehicles.speed_factor[v])
    start_loc, end_loc = int(vehicles.start_loc[v]), int(vehicles.end_loc[v])
    seq_a = np.asarray(seq, dtype=np.int64)
    n = seq_a.size

    def dur(a, b):
        return durations[a, b]

    # The route as it stands, timed the same way as everywhere else.
    timing = time_route(problem, durations, start_loc, shift.start_s, shift.breaks, seq)
    starts = np.asarray(timing.service_starts_s, dtype=np.int64)
    service = np.array([problem.orders[i].service_duration_s for i in seq], dtype=np.int64)
    ends = starts + service
    prev_loc = np.concatenate([[start_loc], seq_a])  # before position p
    departure = np.concatenate([[timing.route_start_s], ends])
    has_end = end_loc >= 0
    next_loc = np.concatenate([seq_a, [end_loc if has_end else -1]])  # after position p

    to_new = dur(prev_loc, np.full(n + 1, new_i))
    arrival_new = departure + to_new
    start_new = arrival_new.copy()
    ok_window = np.zeros(n + 1, dtype=bool)
    if new.time_windows:
        best_start = np.full(n + 1, _FAR)
        for w in new.time_windows:
            lo = arrival_new if w.start_s is None else np.maximum(arrival_new, w.start_s)
            fits = np.ones(n + 1, dtype=bool) if w.end_s is None else lo <= w.end_s
            best_start = np.where(fits & (lo < best_start), lo, best_start)
        ok_window = best_start < _FAR
        start_new = np.where(ok_window, best_start, arrival_new)
    else:
        ok_window[:] = True
    if new.sla_mode is SlaMode.HARD and new.sla_deadline_s is not None:
        ok_window &= start_new <= new.sla_deadline_s
    end_new = start_new + new.service_duration_s

    real_next = next_loc >= 0
    nl = np.where(real_next, next_loc, 0)
    from_new = np.where(real_next, dur(np.full(n + 1, new_i), nl), 0)
    direct = np.where(real_next, dur(prev_loc, nl), 0)
    added_travel = to_new + from_new - direct
    dist = matrices.distance_m
    added_dist = dist[prev_loc, new_i] + np.where(real_next, dist[new_i, nl], 0) - np.where(real_next, dist[prev_loc, nl], 0)

    # Push on the stop after each position: new arrival there minus the old one.
    old_arrival_next = departure + direct
    delta = np.maximum(0, end_new + from_new - old_arrival_next)
    waiting = np.zeros(n, dtype=np.int64)
    if n:
        arrival_old = departure[:-1] + dur(prev_loc[:-1], seq_a)
        # Breaks taken before a visit are not slack: they move with the push.
        resting = np.zeros(n, dtype=np.int64)
        for b_start, b_end in timing.breaks_s:
            k = np.searchsorted(starts, b_start, side="right")
            if k < n and b_start >= departure[k]:
                resting[k] += b_end - b_start
        waiting = np.maximum(0, starts - arrival_old - resting)
    # push[p, j] for visit j >= p: delta_p minus the waiting met at visits p..j (inclusive).
    cumwait = np.concatenate([[0], np.cumsum(waiting)])
    j = np.arange(n)
    push = np.maximum(0, delta[:, None] - (cumwait[None, 1:] - cumwait[: n + 1, None]))
    push = np.where(j[None, :] >= np.arange(n + 1)[:, None], push, 0)
    # The route's end moves by what is left after the last visit's waiting.
    end_push = np.maximum(0, delta - (cumwait[-1] - cumwait[: n + 1]))
    if not has_end:
        end_push = np.where(np.arange(n + 1) == n, 0, end_push)
    old_route_end = (ends[-1] + (int(durations[seq_a[-1], end_loc]) if has_end else 0)) if n else timing.route_start_s
    new_end = np.where(np.arange(n + 1) == n, end_new + (from_new if has_end else 0), old_route_end + end_push)
    working = new_end - np.minimum(timing.route_start_s, departure[0])

    orders = [problem.orders[i] for i in seq]
    window_end = np.array([_window_end(o, s) for o, s in zip(orders, starts)], dtype=np.int64) if n else np.zeros(0, dtype=np.int64)
    deadline = np.array([o.sla_deadline_s if o.sla_deadline_s is not None else _FAR for o in orders], dtype=np.int64) if n else np.zeros(0, dtype=np.int64)
    hard = np.array([o.sla_mode is SlaMode.HARD for o in orders], dtype=bool) if n else np.zeros(0, dtype=bool)
    new_starts = starts[None, :] + push
    breaks_window = (new_starts > window_end[None, :]) | (hard[None, :] & (new_starts > deadline[None, :]))
    newly_late = ~hard[None, :] & (starts[None, :] <= deadline[None, :]) & (new_starts > deadline[None, :])
    route_broken = (new_end > shift.end_s) | (working > int(vehicles.max_working_s[v])) | (end_new > shift.end_s)

    coef = np.array([lateness_cost_per_hour(o) / 3600.0 for o in orders]) if n else np.zeros(0)
    late_new = 0 if new.sla_deadline_s is None else np.maximum(0, start_new - new.sla_deadline_s)
    extra_late = (np.maximum(0, new_starts - deadline[None, :]) - np.maximum(0, starts - deadline)[None, :]) * coef[None, :] if n else np.zeros((n + 1, 0))
    w = problem.options.weights
    cost = (
        w.travel * (engineer.cost_per_traveled_hour * added_travel / 3600.0 + engineer.cost_per_km * added_dist / 1000.0)
        + w.lateness * (lateness_cost_per_hour(new) * late_new / 3600.0 + extra_late.sum(axis=1))
    )
    feasible_new = ok_window & (end_new <= shift.end_s)
    if not feasible_new.any():
        return None
    broken_any = breaks_window.any(axis=1) | route_broken
    key = np.where(feasible_new, np.where(broken_any, 1e18, 0.0) + cost, np.inf)
    p = int(np.argmin(key))
    slack = None if new.sla_deadline_s is None else int(new.sla_deadline_s - start_new[p])
    broken_ids = tuple(orders[k].id for k in np.flatnonzero(breaks_window[p])) if n else ()
    if route_broken[p] and not broken_ids:
        broken_ids = (new.id,)
    return InsertionCandidate(
        engineer_id=engineer.id,
        shift_index=int(vehicles.shift[v]),
        position=p,
        arrival_s=int(arrival_new[p]),
        start_s=int(start_new[p]),
        added_travel_s=int(added_travel[p]),
        added_distance_m=int(added_dist[p]),
        sla_slack_s=slack,
        newly_late_order_ids=tuple(orders[k].id for k in np.flatnonzero(newly_late[p])) if n else (),
        broken_order_ids=broken_ids,
        added_cost=float(cost[p]),
    )


def _window_end(order, start_s: int) -> int:
    """End of the window the visit currently starts in (no window: never closes)."""
    for w in order.time_windows:
        if (w.start_s is None or start_s >= w.start_s) and (w.end_s is None or start_s <= w.end_s):
            return _FAR if w.end_s is None else w.end_s
    return _FAR

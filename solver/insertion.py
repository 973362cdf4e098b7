"""Where one new order fits best in a plan in force, without re-solving.

For each engineer shift that may take the order, every insertion position is priced at once
with numpy: the detour, the new order's own arrival, and how far the visits after it are pushed
(a push shrinks by the waiting it meets, ``push_j = max(0, delta - waiting between)``; breaks
move with the push), which tells which visits would turn late or break a window, the shift or
the working-time limit.

Everything that does not depend on the new order (routes timed, waiting, windows, deadlines)
is computed once per plan (``plan_state``), so a dispatcher's repeated questions against the
same plan cost only the pricing; the new order's travel comes as four vectors (``NewTravel``).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np

from solver import feasibility
from solver.errors import InvalidProblem
from solver.evaluate import check_routes, sequences_of
from solver.locations import Locations
from solver.model import (
    InsertionCandidate,
    Order,
    PlannedRoute,
    Problem,
    SlaMode,
    TravelMatrices,
    UnassignedReason,
)
from solver.routing_model import lateness_cost_per_hour
from solver.schedule import time_route
from solver.vehicles import Vehicles, scaled_durations

_FAR = np.iinfo(np.int64).max // 4


@dataclass(frozen=True)
class NewTravel:
    """Travel between the new order's site and every location of the problem."""

    to_s: np.ndarray  # int64 (locations,): from each location to the new site
    from_s: np.ndarray  # from the new site to each location
    to_m: np.ndarray
    from_m: np.ndarray
    unroutable: bool = False

    @classmethod
    def from_extended(cls, matrices: TravelMatrices) -> NewTravel:
        """From matrices whose last row and column are the new site's."""
        n = matrices.duration_s.shape[0] - 1
        return cls(matrices.duration_s[:n, n], matrices.duration_s[n, :n], matrices.distance_m[:n, n],
                   matrices.distance_m[n, :n], n in matrices.unroutable)


@dataclass(frozen=True)
class _Route:
    """One vehicle's route as it stands, with what pricing an insertion needs."""

    v: int
    seq: np.ndarray  # order indices
    starts: np.ndarray
    ends: np.ndarray
    prev_loc: np.ndarray  # (n + 1,): the stop before each insertion position
    next_loc: np.ndarray  # (n + 1,): the stop after it, -1 for an open route's end
    departure: np.ndarray  # (n + 1,)
    direct_s: np.ndarray  # prev -> next, (n + 1,)
    direct_m: np.ndarray
    cumwait: np.ndarray  # (n + 1,): waiting met before each visit, cumulated
    route_start_s: int
    route_end_s: int
    window_end: np.ndarray
    deadline: np.ndarray
    hard: np.ndarray
    late_coef: np.ndarray  # lateness cost per second of each visit
    load: int


@dataclass(frozen=True)
class PlanState:
    problem: Problem
    vehicles: Vehicles
    routes: tuple[_Route, ...]
    matrices: TravelMatrices  # of the problem's own locations


def plan_state(problem: Problem, matrices: TravelMatrices, routes: Sequence[PlannedRoute]) -> PlanState:
    problems = check_routes(problem, routes, path="current_routes")
    if problems:
        raise InvalidProblem(problems)
    vehicles = Vehicles.of(problem, Locations.of(problem))
    sequences = sequences_of(problem, vehicles, routes)
    durations: dict[float, np.ndarray] = {}
    out = []
    for v, seq in enumerate(sequences):
        factor = float(vehicles.speed_factor[v])
        if factor not in durations:
            durations[factor] = scaled_durations(matrices.duration_s, factor)
        dur = durations[factor]
        engineer = problem.engineers[vehicles.engineer[v]]
        shift = engineer.shifts[vehicles.shift[v]]
        start_loc, end_loc = int(vehicles.start_loc[v]), int(vehicles.end_loc[v])
        timing = time_route(problem, dur, start_loc, shift.start_s, shift.breaks, seq)
        seq_a = np.asarray(seq, dtype=np.int64)
        n = seq_a.size
        orders = [problem.orders[i] for i in seq]
        starts = np.asarray(timing.service_starts_s, dtype=np.int64)
        ends = starts + np.array([o.service_duration_s for o in orders], dtype=np.int64)
        prev_loc = np.concatenate([[start_loc], seq_a])
        next_loc = np.concatenate([seq_a, [end_loc]])
        departure = np.concatenate([[timing.route_start_s], ends])
        real = next_loc >= 0
        nl = np.where(real, next_loc, 0)
        direct_s = np.where(real, dur[prev_loc, nl], 0)
        direct_m = np.where(real, matrices.distance_m[prev_loc, nl], 0)
        waiting = np.zeros(n, dtype=np.int64)
        if n:
            arrival = departure[:-1] + dur[prev_loc[:-1], seq_a]
            # Breaks taken before a visit are not slack: they move with the push.
            resting = np.zeros(n, dtype=np.int64)
            for b_start, b_end in timing.breaks_s:
                k = int(np.searchsorted(starts, b_start, side="right"))
                if k < n and b_start >= departure[k]:
                    resting[k] += b_end - b_start
            waiting = np.maximum(0, starts - arrival - resting)
        route_end = int(ends[-1] + (dur[seq_a[-1], end_loc] if end_loc >= 0 else 0)) if n else timing.route_start_s
        out.append(
            _Route(
                v=v, seq=seq_a, starts=starts, ends=ends, prev_loc=prev_loc, next_loc=next_loc, departure=departure,
                direct_s=direct_s, direct_m=direct_m, cumwait=np.concatenate([[0], np.cumsum(waiting)]),
                route_start_s=timing.route_start_s, route_end_s=route_end,
                window_end=np.array([_window_end(o, s) for o, s in zip(orders, starts)], dtype=np.int64),
                deadline=np.array([_FAR if o.sla_deadline_s is None else o.sla_deadline_s for o in orders], dtype=np.int64),
                hard=np.array([o.sla_mode is SlaMode.HARD for o in orders], dtype=bool),
                late_coef=np.array([lateness_cost_per_hour(o) / 3600.0 for o in orders], dtype=np.float64),
                load=sum(o.demand for o in orders),
            )
        )
    return PlanState(problem, vehicles, tuple(out), matrices)


def recommend(
    state: PlanState, new: Order, travel: NewTravel, max_candidates: int = 5, inside_territory: np.ndarray | None = None,
) -> tuple[list[InsertionCandidate], UnassignedReason | None]:
    """Best insertions of ``new`` into the plan; ``inside_territory`` (bool, engineers)."""
    problem, vehicles = state.problem, state.vehicles
    eligible = feasibility.qualified_engineers(problem, [new])[0]
    territory = feasibility.hard_territory_allowed(problem, None if inside_territory is None else inside_territory[None, :])
    if territory is not None:
        eligible &= territory[0]
    candidates: list[InsertionCandidate] = []
    if not travel.unroutable:
        for route in state.routes:
            engineer = problem.engineers[vehicles.engineer[route.v]]
            if not eligible[vehicles.engineer[route.v]]:
                continue
            if engineer.capacity is not None and route.load + new.demand > engineer.capacity:
                continue
            best = _best_in_route(state, route, new, travel)
            if best is not None:
                candidates.append(best)
    candidates.sort(key=lambda c: (len(c.broken_order_ids) > 0, c.added_cost))
    if candidates:
        return candidates[:max_candidates], None
    return [], _why_not(state, new, travel, inside_territory)


def recommend_insertion(
    problem: Problem,
    matrices: TravelMatrices,
    routes: Sequence[PlannedRoute],
    new: Order,
    max_candidates: int = 5,
    inside_territory: np.ndarray | None = None,
) -> tuple[list[InsertionCandidate], UnassignedReason | None]:
    """One-shot form: ``matrices`` cover the problem's locations plus the new site, last."""
    n_loc = Locations.of(problem).size
    if matrices.duration_s.shape != (n_loc + 1, n_loc + 1):
        raise ValueError(f"matrices must cover {n_loc} locations plus the new order's")
    base = TravelMatrices(matrices.duration_s[:n_loc, :n_loc], matrices.distance_m[:n_loc, :n_loc],
                          frozenset(i for i in matrices.unroutable if i < n_loc))
    state = plan_state(problem, base, routes)
    return recommend(state, new, NewTravel.from_extended(matrices), max_candidates, inside_territory)


def _why_not(state: PlanState, new: Order, travel: NewTravel, inside_territory) -> UnassignedReason:
    """The solver's own feasibility stages, for the order alone."""
    problem = state.problem
    n_orders = len(problem.orders)
    depots = np.arange(n_orders, state.matrices.duration_s.shape[0])
    k = depots.size + 1
    dur = np.zeros((k, k), dtype=np.int64)
    dist = np.zeros((k, k), dtype=np.int64)
    dur[1:, 1:] = state.matrices.duration_s[np.ix_(depots, depots)]
    dist[1:, 1:] = state.matrices.distance_m[np.ix_(depots, depots)]
    dur[0, 1:], dur[1:, 0] = travel.from_s[depots], travel.to_s[depots]
    dist[0, 1:], dist[1:, 0] = travel.from_m[depots], travel.to_m[depots]
    unroutable = {0} if travel.unroutable else set()
    unroutable |= {1 + j for j, loc in enumerate(depots) if loc in state.matrices.unroutable}
    single = Problem((new,), problem.engineers, problem.options, problem.label)
    inside = None if inside_territory is None else inside_territory[None, :]
    reasons = feasibility.check(single, TravelMatrices(dur, dist, frozenset(unroutable)), Vehicles.of(single, Locations.of(single)), inside).reasons
    return reasons.get(0, (UnassignedReason.NOT_SERVED_FOR_COST, -1))[0]


def _best_in_route(state: PlanState, r: _Route, new: Order, travel: NewTravel) -> InsertionCandidate | None:
    problem, vehicles = state.problem, state.vehicles
    v = r.v
    engineer = problem.engineers[vehicles.engineer[v]]
    shift = engineer.shifts[vehicles.shift[v]]
    factor = float(vehicles.speed_factor[v])
    n = r.seq.size
    positions = np.arange(n + 1)
    has_end = int(vehicles.end_loc[v]) >= 0

    to_new = scaled_durations(travel.to_s[r.prev_loc], factor)
    real_next = r.next_loc >= 0
    nl = np.where(real_next, r.next_loc, 0)
    from_new = np.where(real_next, scaled_durations(travel.from_s[nl], factor), 0)
    arrival_new = r.departure + to_new
    start_new = arrival_new.copy()
    ok_window = np.ones(n + 1, dtype=bool)
    if new.time_windows:
        best_start = np.full(n + 1, _FAR)
        for w in new.time_windows:
            lo = arrival_new if w.start_s is None else np.maximum(arrival_new, w.start_s)
            fits = np.ones(n + 1, dtype=bool) if w.end_s is None else lo <= w.end_s
            best_start = np.where(fits & (lo < best_start), lo, best_start)
        ok_window = best_start < _FAR
        start_new = np.where(ok_window, best_start, arrival_new)
    if new.sla_mode is SlaMode.HARD and new.sla_deadline_s is not None:
        ok_window &= start_new <= new.sla_deadline_s
    end_new = start_new + new.service_duration_s

    added_travel = to_new + from_new - r.direct_s
    added_dist = travel.to_m[r.prev_loc] + np.where(real_next, travel.from_m[nl], 0) - r.direct_m

    # Push on the stops after each position, shrinking by the waiting met on the way.
    delta = np.maximum(0, end_new + from_new - (r.departure + r.direct_s))
    push = np.maximum(0, delta[:, None] - (r.cumwait[None, 1:] - r.cumwait[: n + 1, None]))
    push = np.where(np.arange(n)[None, :] >= positions[:, None], push, 0)
    end_push = np.maximum(0, delta - (r.cumwait[-1] - r.cumwait[: n + 1]))
    if not has_end:
        end_push = np.where(positions == n, 0, end_push)
    new_end = np.where(positions == n, end_new + (from_new if has_end else 0), r.route_end_s + end_push)
    working = new_end - np.minimum(r.route_start_s, r.departure[0])

    new_starts = r.starts[None, :] + push
    breaks_window = (new_starts > r.window_end[None, :]) | (r.hard[None, :] & (new_starts > r.deadline[None, :]))
    newly_late = ~r.hard[None, :] & (r.starts[None, :] <= r.deadline[None, :]) & (new_starts > r.deadline[None, :])
    route_broken = (new_end > shift.end_s) | (working > int(vehicles.max_working_s[v])) | (end_new > shift.end_s)

    late_new = 0 if new.sla_deadline_s is None else np.maximum(0, start_new - new.sla_deadline_s)
    extra_late = ((np.maximum(0, new_starts - r.deadline[None, :]) - np.maximum(0, r.starts - r.deadline)[None, :])
                  * r.late_coef[None, :]).sum(axis=1) if n else np.zeros(n + 1)
    w = problem.options.weights
    cost = (
        w.travel * (engineer.cost_per_traveled_hour * added_travel / 3600.0 + engineer.cost_per_km * added_dist / 1000.0)
        + w.lateness * (lateness_cost_per_hour(new) * late_new / 3600.0 + extra_late)
    )
    feasible_new = ok_window & (end_new <= shift.end_s)
    if not feasible_new.any():
        return None
    broken_any = breaks_window.any(axis=1) | route_broken
    key = np.where(feasible_new, np.where(broken_any, 1e18, 0.0) + cost, np.inf)
    p = int(np.argmin(key))
    ids = [problem.orders[i].id for i in r.seq]
    broken_ids = tuple(ids[k] for k in np.flatnonzero(breaks_window[p]))
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
        sla_slack_s=None if new.sla_deadline_s is None else int(new.sla_deadline_s - start_new[p]),
        newly_late_order_ids=tuple(ids[k] for k in np.flatnonzero(newly_late[p])),
        broken_order_ids=broken_ids,
        added_cost=float(cost[p]),
    )


def _window_end(order: Order, start_s: int) -> int:
    """End of the window the visit currently starts in (no window: never closes)."""
    for w in order.time_windows:
        if (w.start_s is None or start_s >= w.start_s) and (w.end_s is None or start_s <= w.end_s):
            return _FAR if w.end_s is None else w.end_s
    return _FAR

"""Where one new order fits best in a plan in force, without re-solving.

Every insertion position of every engineer shift that may take the order is priced by the rule
book (``solver.rules.insertion_prices``): the route's whole price with the order in it, minus
its price without, so ``added_cost`` is exactly the change in the plan's objective (travel,
working time, lateness of the new order and of every visit it pushes, preference, territory).
Which visits would turn late or break a rule comes from the same schedule.

What does not depend on the new order (the rule book's instance, the routes and their prices)
is computed once per plan (``plan_state``), so a dispatcher's repeated questions against the
same plan cost only the pricing; the new order's travel comes as four vectors (``NewTravel``).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, replace

import numpy as np

from solver import construction, feasibility, plan_rules, rules
from solver.assignment import assignment_costs
from solver.errors import InvalidProblem
from solver.evaluate import check_routes, sequences_of
from solver.limits import COST_SCALE
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
from solver.schedule import RuleBook, Timing
from solver.vehicles import Vehicles


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
class PlanState:
    problem: Problem
    vehicles: Vehicles
    book: RuleBook  # the rule book's instance of the plan's problem
    sequences: tuple[np.ndarray, ...]  # order indices per vehicle
    timings: tuple[Timing, ...]
    matrices: TravelMatrices  # of the problem's own locations
    flat: np.ndarray  # the sequences end to end, for the compiled pricing
    offsets: np.ndarray  # (vehicles + 1,): where each vehicle's sequence starts in ``flat``


def plan_state(problem: Problem, matrices: TravelMatrices, routes: Sequence[PlannedRoute],
               keep: tuple[PlanState, int] | None = None) -> PlanState:
    """``keep`` = (a previous state, vehicle ``v``): this plan differs from that one only by
    orders added to the problem and ``v``'s route, so the other routes' timings are kept."""
    problems = check_routes(problem, routes, path="current_routes")
    if problems:
        raise InvalidProblem(problems)
    vehicles = Vehicles.of(problem, Locations.of(problem))
    sequences = sequences_of(problem, vehicles, routes)
    # Timed as solved and evaluated plans are (follow-ups inside their intervals: ``plan_rules``).
    effective = plan_rules.effective_problem(problem)
    book = RuleBook(effective, matrices, vehicles, assignment_cost=assignment_costs(problem, None, None).total())
    if keep is not None and not plan_rules.follow_up_pairs(effective):
        previous, changed = keep
        timings = tuple(book.time(v, seq) if v == changed else previous.timings[v] for v, seq in enumerate(sequences))
    else:
        timings = tuple(plan_rules.timed(effective, book, sequences))
    arrays = tuple(np.asarray(s, dtype=np.int64) for s in sequences)
    offsets = np.zeros(len(arrays) + 1, dtype=np.int64)
    offsets[1:] = np.cumsum([a.size for a in arrays])
    flat = np.concatenate(arrays) if arrays else np.zeros(0, dtype=np.int64)
    return PlanState(problem, vehicles, book, arrays, timings, matrices, flat.astype(np.int64), offsets)


def recommend(
    state: PlanState, new: Order, travel: NewTravel, max_candidates: int = 5, inside_territory: np.ndarray | None = None,
) -> tuple[list[InsertionCandidate], UnassignedReason | None]:
    """Best insertions of ``new`` into the plan; ``inside_territory`` (bool, engineers)."""
    problem, vehicles = state.problem, state.vehicles
    # Per vehicle: skills (with expiry), required / excluded engineers, hard territory, parts.
    eligible = feasibility.eligible_vehicles(problem, vehicles, [new], None if inside_territory is None else inside_territory[None, :])[0]
    # A follow-up: inside its interval after the first visit (done, or as planned).
    interval = plan_rules.interval_in_plan(problem, vehicles, state.sequences, state.timings, new)
    if interval is not None:
        lo, hi, engineer = interval
        if lo > hi:
            return [], UnassignedReason.FOLLOW_UP_FIRST_VISIT_UNSERVED
        new = replace(new, time_windows=plan_rules.intersect(new.time_windows, lo, hi))
        if engineer >= 0:
            eligible &= vehicles.engineer == engineer
    weekly = any(e.max_weekly_working_s is not None for e in problem.engineers)
    week_left = plan_rules.week_left_s(problem, vehicles, state.timings)
    candidates: list[InsertionCandidate] = []
    if not travel.unroutable and eligible.any():
        packed, u = _with_new_order(state, new, travel, eligible, inside_territory)
        nv = vehicles.count
        pos, cost, broken = np.empty(nv, dtype=np.int64), np.empty(nv), np.empty(nv, dtype=np.int64)
        arrival, start = np.empty(nv), np.empty(nv)
        rules.best_insertions(packed, state.flat, state.offsets, u, pos, cost, broken, arrival, start)
        before_broken = np.asarray([t.broken for t in state.timings])
        before_cost = np.asarray([t.cost_scaled for t in state.timings])
        found = np.flatnonzero(pos >= 0)
        # Clean first (no rule broken that was not before), then by the added cost.
        order = found[np.lexsort(((cost - before_cost)[found], (broken > before_broken)[found]))]
        # Weekly maxima are checked per candidate (``_candidate``): consider them all then.
        for v in order if weekly else order[: max(max_candidates, 0)]:
            candidates.append(_candidate(state, packed, u, int(v), int(pos[v]), float(cost[v]), int(broken[v]),
                                         int(arrival[v]), int(start[v]), new, float(week_left[v])))
    candidates.sort(key=lambda c: (len(c.broken_order_ids) > 0, c.added_cost))
    if candidates:
        return candidates[:max_candidates], None
    return [], _why_not(state, new, travel, inside_territory)


def _with_new_order(state: PlanState, new: Order, travel: NewTravel, eligible: np.ndarray,
                    inside_territory: np.ndarray | None) -> tuple[tuple, int]:
    """The plan's rule-book instance with ``new`` as one more local order (the last), at the
    extra location the rule book reads from ``travel``'s vectors."""
    problem, vehicles, inst = state.problem, state.vehicles, state.book.inst
    single = Problem((new,), problem.engineers, problem.options, problem.label)
    t_lo, t_hi = (int(vehicles.shift_start_s.min()), int(vehicles.shift_end_s.max())) if vehicles.count else (0, 0)
    windows = construction._windows(new, t_lo, t_hi)
    k = max(inst.win_lo.shape[1], len(windows))
    win_lo = np.full((inst.n + 1, k), np.inf)
    win_hi = np.full((inst.n + 1, k), -np.inf)
    win_lo[:-1, : inst.win_lo.shape[1]], win_hi[:-1, : inst.win_hi.shape[1]] = inst.win_lo, inst.win_hi
    for c, (lo, hi) in enumerate(windows):
        win_lo[-1, c], win_hi[-1, c] = lo, hi
    w = problem.options.weights
    late = rules.late_coef_scaled(new, w)
    new_oext = rules.target_rows([new], problem.options)
    own_cost = assignment_costs(single, None if inside_territory is None else inside_territory[None, :], None).total()
    pref_row = np.zeros(vehicles.count) if own_cost is None else COST_SCALE * own_cost[0][vehicles.engineer]
    demand = np.append(inst.demand, float(new.demand))
    capacity = inst.capacity
    if new.demand and not np.isfinite(capacity).any():
        capacity = np.asarray([np.inf if problem.engineers[e].capacity is None else float(problem.engineers[e].capacity)
                               for e in vehicles.engineer])
    extended = replace(
        inst,
        served=np.append(inst.served, state.matrices.duration_s.shape[0]),
        service=np.append(inst.service, float(new.service_duration_s)),
        win_lo=win_lo, win_hi=win_hi, demand=demand,
        sla=np.append(inst.sla, float(new.sla_deadline_s) if late > 0 and new.sla_deadline_s is not None else np.inf),
        late_coef=np.append(inst.late_coef, float(late)),
        penalty=np.append(inst.penalty, rules.left_out_prices(problem, [new])),
        allowed=np.vstack([inst.allowed, eligible[None, :]]),
        pref_cost=np.vstack([inst.pref_cost, pref_row[None, :]]),
        capacity=capacity,
        **_parts_with(problem, vehicles, new, inst.n),
        oext=None if inst.oext is None or inst.oext.shape[1] == 0 else np.hstack([inst.oext, new_oext]),
    )
    packed = rules.pack(extended, extra=(travel.to_s, travel.from_s, travel.to_m, travel.from_m))
    return packed, inst.n


def _parts_with(problem: Problem, vehicles: Vehicles, new: Order, n: int) -> dict:
    """The parts matrices of the plan's orders plus ``new`` (the last local order)."""
    if not new.parts and not any(o.parts for o in problem.orders):
        return {}
    need, stock = rules.part_matrices(replace(problem, orders=(*problem.orders, new)), vehicles, np.arange(n + 1))
    return {"part_need": need, "part_stock": stock} if need.shape[1] else {"part_need": None, "part_stock": None}


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


def _candidate(state: PlanState, packed: tuple, u: int, v: int, p: int, cost_scaled: float, broken: int,
               arrival_s: int, start_s: int, new: Order, week_left_s: float = np.inf) -> InsertionCandidate:
    """The candidate of inserting ``new`` (local id ``u``) at position ``p`` of vehicle ``v``:
    which visits it pushes late or out of their windows, and its travel."""
    problem, vehicles = state.problem, state.vehicles
    seq = state.sequences[v]
    m = seq.size
    before = state.timings[v]
    with_u = np.insert(seq, p, u)
    starts = np.empty(m + 1)
    _, _, depart, end = rules.schedule(packed, v, with_u, m + 1, np.empty(m + 1), starts, np.empty(0))
    win_lo, win_hi = packed[2], packed[3]
    after_starts = np.delete(starts, p)
    late_before = set(before.late_windows)
    ids = [problem.orders[i].id for i in seq]
    broken_ids, newly_late = [], []
    for k, i in enumerate(seq):
        s_after = float(after_starts[k])
        if k not in late_before and not np.any((win_lo[i] <= s_after) & (s_after <= win_hi[i])):
            broken_ids.append(ids[k])
        order = problem.orders[i]
        if (order.sla_mode is SlaMode.SOFT and order.sla_deadline_s is not None
                and before.service_starts_s[k] <= order.sla_deadline_s < s_after):
            newly_late.append(ids[k])
    over_week = end - depart > week_left_s
    # Follow-ups of this route's visits planned elsewhere move with their first visits.
    moved_cost, moved_broken = plan_rules.follow_up_effect(problem, state.book, state.sequences, state.timings, v,
                                                           with_u, starts)
    cost_scaled += moved_cost
    broken_ids += moved_broken
    if (broken > before.broken or over_week) and not broken_ids:
        broken_ids = [new.id]  # the route as a whole: its shift, working time, a break or the week
    prev_loc = int(vehicles.start_loc[v]) if p == 0 else int(seq[p - 1])
    next_loc = int(vehicles.end_loc[v]) if p == m else int(seq[p])
    speed = float(vehicles.speed_factor[v])
    x = int(packed[0][u])

    def tr(i: int, j: int) -> float:
        return rules.travel_s(packed[25], packed[29][0], packed[29][1], speed, i, j)

    def dm(i: int, j: int) -> float:
        return rules.distance_m(packed[26], packed[29][2], packed[29][3], i, j)

    added_travel = tr(prev_loc, x) + tr(x, next_loc) - (tr(prev_loc, next_loc) if m else 0.0)
    added_dist = dm(prev_loc, x) + dm(x, next_loc) - (dm(prev_loc, next_loc) if m else 0.0)
    return InsertionCandidate(
        engineer_id=problem.engineers[vehicles.engineer[v]].id,
        shift_index=int(vehicles.shift[v]),
        position=p,
        arrival_s=arrival_s,
        start_s=start_s,
        added_travel_s=int(added_travel),
        added_distance_m=int(added_dist),
        sla_slack_s=None if new.sla_deadline_s is None else int(new.sla_deadline_s - start_s),
        newly_late_order_ids=tuple(newly_late),
        broken_order_ids=tuple(broken_ids),
        added_cost=float((cost_scaled - before.cost_scaled) / COST_SCALE),
    )

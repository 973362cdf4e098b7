"""Appointment booking: which visit slots of the coming days the fleet can keep for a new order.

A slot is the new order with one time window, the slot ([start, end] of the start of service,
inclusive). Every slot is priced by the rule book in one compiled call
(``rules.slot_insertions``): for each engineer shift that may serve the order and can hold a
visit in the slot, the best position in its route and the route's whole price with the order
there. So ``added_cost`` is exactly the change in the plan's objective when the order is booked
in that slot at that position (as for ``solver.insertion``), and a slot is *kept* only when the
engineer's route with the order breaks no rule.

A slot that cannot be kept says why: the order's own rules first (its site unroutable, no
qualified engineer, hard territories), then, from ``solver.feasibility`` run on the order alone
with the slot as its window, the furthest stage a qualified shift reached (outside shifts,
unreachable in the slot, hard SLA deadline, working time, capacity); an order that could be
served alone in the slot but fits no current route is ``CAPACITY_EXCEEDED`` when no route has
load left for its demand, else ``DAY_FULL``.

The grade (0-100) combines cost and risk, documented in ``grade``.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import replace

import numpy as np

from solver import construction, feasibility, plan_rules, rules
from solver.insertion import NewTravel, PlanState, _with_new_order
from solver.limits import COST_SCALE
from solver.locations import Locations
from solver.model import Order, PlannedRoute, Problem, TimeWindow, TravelMatrices
from solver.slots import (  # noqa: F401  (part of this module's interface)
    _FROM_FEASIBILITY,
    DAY_S,
    GRADE_COST_POINTS,
    GRADE_FULL_SLACK_S,
    GRADE_RISK_POINTS,
    MAX_BLACKOUTS,
    MAX_DAILY_STARTS,
    MAX_GRID_DAYS_AFTER,
    MAX_GRID_SLOTS,
    MAX_UTC_OFFSET_S,
    Slot,
    SlotGrid,
    SlotOffer,
    SlotReason,
    blacked_out,
    grade,
    grid,
    grid_violations,
    ranked,
)
from solver.vehicles import Vehicles


def offer_slots(state: PlanState, new: Order, travel: NewTravel, slots: Sequence[Slot],
                inside_territory: np.ndarray | None = None) -> list[SlotOffer]:
    """Every slot for ``new`` (its own windows are ignored), in the order of ``slots``.
    ``inside_territory`` (bool, engineers): the order's site lies in each one's area."""
    problem, vehicles = state.problem, state.vehicles
    new = replace(new, time_windows=())
    # Per vehicle: skills (with expiry), required / excluded engineers, hard territory, parts.
    eligible = feasibility.eligible_vehicles(problem, vehicles, [new], None if inside_territory is None else inside_territory[None, :])[0]
    n_slots, nv = len(slots), vehicles.count
    pos = np.full((n_slots, nv), -1, dtype=np.int64)
    cost, broken = np.zeros((n_slots, nv)), np.zeros((n_slots, nv), dtype=np.int64)
    arrival, start = np.zeros((n_slots, nv)), np.zeros((n_slots, nv))
    windows = np.asarray([_clipped(state, new, s) for s in slots], dtype=np.float64).reshape(-1, 2)
    # A follow-up: only slots inside its interval after the first visit (``plan_rules``).
    interval = plan_rules.interval_in_plan(problem, vehicles, state.sequences, state.timings, new)
    if interval is not None:
        lo, hi, engineer = interval
        windows[:, 0], windows[:, 1] = np.maximum(windows[:, 0], lo), np.minimum(windows[:, 1], hi)
        closed = windows[:, 0] > windows[:, 1]
        windows[closed] = (np.inf, -np.inf)
        if engineer >= 0:
            eligible &= vehicles.engineer == engineer
    packed: tuple | None = None
    u = -1
    if not travel.unroutable and eligible.any() and n_slots and nv:
        packed, u = _with_new_order(state, new, travel, eligible, inside_territory)
        rules.slot_insertions(packed, state.flat, state.offsets, u, np.ascontiguousarray(windows[:, 0]),
                              np.ascontiguousarray(windows[:, 1]), pos, cost, broken, arrival, start)
    before_cost = np.asarray([t.cost_scaled for t in state.timings])
    added = (cost - before_cost[None, :]) / COST_SCALE
    kept = (pos >= 0) & (broken == 0)
    offers: list[SlotOffer | None] = [None] * n_slots
    week_left = plan_rules.week_left_s(problem, vehicles, state.timings)
    for s in map(int, np.flatnonzero(kept.any(axis=1))):
        cands = np.flatnonzero(kept[s])
        assert packed is not None
        for v in map(int, cands[np.argsort(added[s, cands], kind="stable")]):
            offer = _kept(state, packed, u, new, slots[s], windows[s], v, int(pos[s, v]), float(added[s, v]),
                          int(arrival[s, v]), int(start[s, v]), float(week_left[v]))
            if offer is not None:  # None: the week's maximum would be passed
                offers[s] = offer
                break
    missing = [s for s in range(n_slots) if offers[s] is None]
    for s, reason in zip(missing, _why_not(state, new, travel, [slots[s] for s in missing], windows[missing], inside_territory)):
        offers[s] = SlotOffer(slots[s], False, reason)
    done = [o for o in offers if o is not None]
    costs = [o.added_cost for o in done if o.kept]
    if costs:
        cheapest, scale = min(costs), rules.penalty_scaled(new, problem.options.weights) / COST_SCALE
        done = [replace(o, grade=grade(o.added_cost, cheapest, scale, _slack(o))) if o.kept else o for o in done]
    return done


def booked_plan(state: PlanState, new: Order, offer: SlotOffer) -> tuple[Problem, list[PlannedRoute], Order]:
    """The problem and plan with ``new`` booked as ``offer`` says: the order gets the slot as
    its one time window and goes into the engineer's route at the quoted position."""
    problem, vehicles = state.problem, state.vehicles
    booked = replace(new, time_windows=(TimeWindow(offer.slot.start_s, offer.slot.end_s),))
    routes = []
    for v, seq in enumerate(state.sequences):
        ids = [problem.orders[i].id for i in seq]
        if v == offer.vehicle:
            ids.insert(offer.position, booked.id)
        if ids:
            routes.append(PlannedRoute(problem.engineers[int(vehicles.engineer[v])].id, int(vehicles.shift[v]), tuple(ids)))
    return replace(problem, orders=(*problem.orders, booked)), routes, booked


def with_sites(matrices: TravelMatrices, n_orders: int, travels: Sequence[NewTravel], pair_s: np.ndarray,
               pair_m: np.ndarray) -> TravelMatrices:
    """``matrices`` (of a problem with ``n_orders`` orders, in the ``Locations`` layout) with the
    sites of ``len(travels)`` more orders appended to its orders: ``travels[a]`` is site ``a``'s
    travel to and from the problem's locations, ``pair_s`` / ``pair_m`` between the sites."""
    k, size = len(travels), matrices.duration_s.shape[0]
    old = np.r_[np.arange(n_orders), n_orders + k + np.arange(size - n_orders)]
    new = n_orders + np.arange(k)
    out = []
    for base, pair, to, frm in ((matrices.duration_s, pair_s, "to_s", "from_s"), (matrices.distance_m, pair_m, "to_m", "from_m")):
        m = np.empty((size + k, size + k), dtype=np.int64)
        n, e = n_orders, n_orders + k  # blocks, not fancy indexing: a 1200² copy in a few ms
        m[:n, :n], m[:n, e:], m[e:, :n], m[e:, e:] = base[:n, :n], base[:n, n:], base[n:, :n], base[n:, n:]
        for a, t in enumerate(travels):
            m[new[a], old] = getattr(t, frm)
            m[old, new[a]] = getattr(t, to)
        m[np.ix_(new, new)] = pair
        out.append(m)
    unroutable = frozenset(int(old[i]) for i in matrices.unroutable) | frozenset(int(new[a]) for a, t in enumerate(travels) if t.unroutable)
    return TravelMatrices(out[0], out[1], unroutable)


def travel_with_sites(travel: NewTravel, n_orders: int, to_s: np.ndarray, from_s: np.ndarray, to_m: np.ndarray,
                      from_m: np.ndarray) -> NewTravel:
    """``travel`` (of a new site, over a problem with ``n_orders`` orders) once more orders'
    sites are appended to the problem's orders (``with_sites``): ``to_s[a]`` from site ``a`` to
    the new site, ``from_s[a]`` back, and the same in metres."""
    def put(v: np.ndarray, extra: np.ndarray) -> np.ndarray:
        return np.concatenate([v[:n_orders], np.asarray(extra, dtype=np.int64), v[n_orders:]])

    return NewTravel(put(travel.to_s, to_s), put(travel.from_s, from_s), put(travel.to_m, to_m), put(travel.from_m, from_m),
                     travel.unroutable)


# ---------------------------------------------------------------------------------------------


def _clipped(state: PlanState, new: Order, slot: Slot) -> tuple[float, float]:
    """The slot as the order's window, clipped as every window is (``construction._windows``:
    the fleet's shifts, a hard SLA deadline); blacked-out slots get none."""
    if slot.blacked_out:
        return (np.inf, -np.inf)
    vehicles = state.vehicles
    t_lo, t_hi = (int(vehicles.shift_start_s.min()), int(vehicles.shift_end_s.max())) if vehicles.count else (0, 0)
    lo, hi = construction._windows(replace(new, time_windows=(TimeWindow(slot.start_s, slot.end_s),)), t_lo, t_hi)[0]
    return (float(lo), float(hi))


def _slack(o: SlotOffer) -> float:
    slack = min(o.slot_slack_s, o.day_slack_s)
    return slack if o.sla_slack_s is None else min(slack, o.sla_slack_s)


def _kept(state: PlanState, packed: tuple, u: int, new: Order, slot: Slot, window: np.ndarray, v: int, p: int,
          added_cost: float, arrival_s: int, start_s: int, week_left_s: float = np.inf) -> SlotOffer | None:
    """The details of keeping ``slot`` at position ``p`` of vehicle ``v``: the day it leaves.
    None when the route would pass the engineer's weekly maximum (``week_left_s`` of work left)."""
    problem, vehicles = state.problem, state.vehicles
    seq = state.sequences[v]
    with_u = np.insert(seq, p, u).astype(np.int64)
    wlo, whi = packed[2], packed[3]
    wlo[u, 0], whi[u, 0] = window
    m = with_u.size
    starts = np.empty(m)
    _, _, depart, end = rules.schedule(packed, v, with_u, m, np.empty(m), starts, np.empty(0))
    if end - depart > week_left_s:
        return None
    # Follow-ups of this route's visits planned elsewhere move with their first visits.
    moved_cost, moved_broken = plan_rules.follow_up_effect(problem, state.book, state.sequences, state.timings, v,
                                                           with_u, starts)
    if moved_broken:
        return None
    added_cost += moved_cost / COST_SCALE
    day_slack = min(float(packed[13][v]) - end, float(packed[14][v]) - (end - depart), week_left_s - (end - depart))
    return SlotOffer(
        slot=slot, kept=True, engineer_id=problem.engineers[int(vehicles.engineer[v])].id,
        shift_index=int(vehicles.shift[v]), position=p, arrival_s=arrival_s, visit_start_s=start_s,
        added_cost=added_cost, sla_slack_s=None if new.sla_deadline_s is None else int(new.sla_deadline_s - start_s),
        slot_slack_s=int(window[1] - start_s), day_slack_s=int(day_slack), vehicle=v,
    )


def _why_not(state: PlanState, new: Order, travel: NewTravel, slots: Sequence[Slot], windows: np.ndarray,
             inside_territory: np.ndarray | None) -> list[SlotReason]:
    """For each slot no route keeps: the solver's feasibility stages on the order alone with
    the slot as its window (one order per slot, all at the new site), then load and room."""
    out: list[SlotReason | None] = [SlotReason.BLACKOUT if s.blacked_out else None for s in slots]
    todo = [k for k, r in enumerate(out) if r is None]
    if not todo:
        return [r for r in out if r is not None]
    problem, vehicles = state.problem, state.vehicles
    singles = tuple(replace(new, id=f"slot-{k}", time_windows=(TimeWindow(slots[k].start_s, slots[k].end_s),)) for k in todo)
    multi = Problem(singles, problem.engineers, problem.options, problem.label)
    n_orders, k = len(problem.orders), len(todo)
    depots = np.arange(n_orders, state.matrices.duration_s.shape[0])
    size = k + depots.size
    dur = np.zeros((size, size), dtype=np.int64)
    dist = np.zeros((size, size), dtype=np.int64)
    dur[k:, k:] = state.matrices.duration_s[np.ix_(depots, depots)]
    dist[k:, k:] = state.matrices.distance_m[np.ix_(depots, depots)]
    dur[:k, k:], dur[k:, :k] = travel.from_s[depots][None, :], travel.to_s[depots][:, None]
    dist[:k, k:], dist[k:, :k] = travel.from_m[depots][None, :], travel.to_m[depots][:, None]
    unroutable = set(range(k)) if travel.unroutable else set()
    unroutable |= {k + j for j, loc in enumerate(depots) if loc in state.matrices.unroutable}
    inside = None if inside_territory is None else np.repeat(inside_territory[None, :], k, axis=0)
    check = feasibility.check(multi, TravelMatrices(dur, dist, frozenset(unroutable)), Vehicles.of(multi, Locations.of(multi)), inside)
    demand = np.asarray([o.demand for o in problem.orders] + [0], dtype=np.float64)
    load = np.asarray([demand[s].sum() for s in state.sequences]) if vehicles.count else np.zeros(0)
    caps = [problem.engineers[int(e)].capacity for e in vehicles.engineer]
    capacity = np.asarray([np.inf if c is None else float(c) for c in caps])
    room = load + new.demand <= capacity
    for j, slot_k in enumerate(todo):
        if j in check.reasons:
            out[slot_k] = _FROM_FEASIBILITY.get(check.reasons[j][0], SlotReason.DAY_FULL)
        elif not windows[slot_k][0] <= windows[slot_k][1]:
            out[slot_k] = SlotReason.SLA_DEADLINE  # clipped away by a hard deadline
        else:
            out[slot_k] = SlotReason.DAY_FULL if (check.allowed[j] & room).any() else SlotReason.CAPACITY_EXCEEDED
    return [r if r is not None else SlotReason.DAY_FULL for r in out]

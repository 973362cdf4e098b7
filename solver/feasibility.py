"""Which engineer shifts could serve each order on its own, and why not when none can.

Run before OR-Tools: orders no shift can serve are kept out of the model (so they cannot slow
it down) and get a precise reason; the rest get the set of vehicles allowed to serve them, which
also prunes the search. The check is exact for one order alone on an empty route (travel from
the shift's start, windows, hard SLA, shift end, return home, working time); only breaks and
interactions between orders are left to the solver.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from solver.model import Problem, SlaMode, TerritoryMode, TravelMatrices, UnassignedReason
from solver.rules import scaled_durations
from solver.vehicles import Vehicles

_NEVER = np.iinfo(np.int64).max // 4


@dataclass(frozen=True)
class Feasibility:
    allowed: np.ndarray  # bool (orders, vehicles)
    reasons: dict[int, tuple[UnassignedReason, int]]  # order -> (reason, example engineer or -1)


# Stages in the order they are checked; the reason reported is the latest stage that some
# qualified engineer reached, and the example engineer is one that got that far.
_STAGES = (
    UnassignedReason.UNROUTABLE,
    UnassignedReason.NO_QUALIFIED_ENGINEER,
    UnassignedReason.OUTSIDE_TERRITORY,
    UnassignedReason.PARTS_UNAVAILABLE,
    UnassignedReason.CAPACITY_EXCEEDED,
    UnassignedReason.OUTSIDE_SHIFTS,
    UnassignedReason.UNREACHABLE_IN_TIME_WINDOWS,
    UnassignedReason.SLA_DEADLINE_UNREACHABLE,
    UnassignedReason.WORKING_TIME_EXCEEDED,
)


def qualified_engineers(problem: Problem, orders=None) -> np.ndarray:
    """bool (orders, engineers): skills, required and excluded engineers.

    ``orders`` (Order objects) defaults to the problem's own.
    """
    orders = problem.orders if orders is None else orders
    m = len(problem.engineers)
    ok = np.ones((len(orders), m), dtype=bool)
    index = {e.id: j for j, e in enumerate(problem.engineers)}
    levels: dict[str, np.ndarray] = {}
    for j, engineer in enumerate(problem.engineers):
        for name, level in engineer.skills:
            levels.setdefault(name, np.zeros(m, dtype=np.int64))[j] = level
    for i, order in enumerate(orders):
        for req in order.required_skills:
            have = levels.get(req.name)
            ok[i] &= False if have is None else have >= req.min_level
        if order.required_engineer_ids:
            mask = np.zeros(m, dtype=bool)
            mask[[index[r] for r in order.required_engineer_ids if r in index]] = True
            ok[i] &= mask
        if order.excluded_engineer_ids:
            ok[i, [index[x] for x in order.excluded_engineer_ids if x in index]] = False
    return ok


def qualified_vehicles(problem: Problem, vehicles: Vehicles, orders=None) -> np.ndarray:
    """bool (orders, vehicles): ``qualified_engineers`` per shift, where a skill whose
    certificate expires before the shift's end does not count."""
    orders = problem.orders if orders is None else orders
    ok = qualified_engineers(problem, orders)[:, vehicles.engineer]
    for v in range(vehicles.count):
        engineer = problem.engineers[int(vehicles.engineer[v])]
        if not engineer.skill_valid_until_s:
            continue
        end_s = int(vehicles.shift_end_s[v])
        expired = {name for name, until_s in engineer.skill_valid_until_s if until_s < end_s}
        if not expired:
            continue
        needs = np.fromiter((any(r.name in expired for r in o.required_skills) for o in orders), dtype=bool, count=len(orders))
        ok[needs, v] = False
    return ok


def parts_on_hand(problem: Problem, vehicles: Vehicles, orders=None) -> np.ndarray:
    """bool (orders, vehicles): the van's stock holds every part the order needs."""
    orders = problem.orders if orders is None else orders
    ok = np.ones((len(orders), vehicles.count), dtype=bool)
    skus = sorted({p.sku for o in orders for p in o.parts})
    if not skus:
        return ok
    col = {sku: k for k, sku in enumerate(skus)}
    per_engineer = np.asarray([[e.stock(sku) for sku in skus] for e in problem.engineers], dtype=np.int64)
    stock = per_engineer[vehicles.engineer]  # vehicles × parts
    for i, order in enumerate(orders):
        for part in order.parts:
            ok[i] &= stock[:, col[part.sku]] >= part.quantity
    return ok


def eligible_vehicles(problem: Problem, vehicles: Vehicles, orders, inside_territory: np.ndarray | None = None) -> np.ndarray:
    """bool (orders, vehicles): who may serve ``orders`` before time and place are looked at:
    skills (with expiry), required and excluded engineers, hard territories, parts on hand.
    ``inside_territory``: bool (orders, engineers)."""
    ok = qualified_vehicles(problem, vehicles, orders)
    territory = hard_territory_allowed(problem, inside_territory)
    if territory is not None:
        ok &= territory[:, vehicles.engineer]
    return ok & parts_on_hand(problem, vehicles, orders)


def hard_territory_allowed(problem: Problem, inside: np.ndarray | None) -> np.ndarray | None:
    """bool (orders, engineers): False where a hard territory forbids the pair."""
    if inside is None:
        return None
    hard = np.array([e.territory is not None and e.territory.mode is TerritoryMode.HARD for e in problem.engineers])
    return inside | ~hard[None, :]


def check(problem: Problem, matrices: TravelMatrices, vehicles: Vehicles, inside_territory: np.ndarray | None = None) -> Feasibility:
    """``inside_territory`` (bool orders × engineers): the order lies in the engineer's area."""
    n, v = len(problem.orders), vehicles.count
    stage = np.zeros((n, v), dtype=np.int64)  # how many stages each pair passed
    if n == 0:
        return Feasibility(np.zeros((0, v), dtype=bool), {})

    routable = np.ones(n, dtype=bool)
    off_map = np.fromiter(matrices.unroutable, dtype=np.int64, count=len(matrices.unroutable))
    routable[off_map[off_map < n]] = False
    # A vehicle whose start or end is off the map can serve nothing either.
    vehicle_ok = ~np.isin(vehicles.start_loc, off_map) & ~np.isin(vehicles.end_loc, off_map)
    ok = routable[:, None] & vehicle_ok[None, :]
    stage += ok

    ok &= qualified_vehicles(problem, vehicles)
    stage += ok
    territory = hard_territory_allowed(problem, inside_territory)
    if territory is not None:
        ok &= territory[:, vehicles.engineer]
    stage += ok
    ok &= parts_on_hand(problem, vehicles)
    stage += ok

    demand = np.array([o.demand for o in problem.orders], dtype=np.int64)
    capacity = np.array(
        [_NEVER if problem.engineers[e].capacity is None else problem.engineers[e].capacity for e in vehicles.engineer],
        dtype=np.int64,
    )
    ok &= demand[:, None] <= capacity[None, :]
    stage += ok

    service = np.array([o.service_duration_s for o in problem.orders], dtype=np.int64)
    # Travel from each vehicle's start and to its end, at its engineer's speed.
    travel_in = np.empty((n, v), dtype=np.int64)
    travel_out = np.zeros((n, v), dtype=np.int64)
    for factor in np.unique(vehicles.speed_factor):
        cols = np.flatnonzero(vehicles.speed_factor == factor)
        dur = matrices.duration_s
        travel_in[:, cols] = scaled_durations(dur[vehicles.start_loc[cols]][:, :n].T, float(factor))
        ends = vehicles.end_loc[cols]
        closed = ends >= 0
        if closed.any():
            travel_out[:, cols[closed]] = scaled_durations(dur[:n][:, ends[closed]], float(factor))

    shift_start = vehicles.shift_start_s[None, :]
    shift_end = vehicles.shift_end_s[None, :]
    latest_start = shift_end - service[:, None] - travel_out  # service must end and get home in time
    arrive = shift_start + travel_in

    fits_shift = np.zeros((n, v), dtype=bool)  # some window overlaps the shift, travel aside
    reach_window = np.zeros((n, v), dtype=bool)  # ... and is reachable in time
    reach_sla = np.zeros((n, v), dtype=bool)  # ... and before a hard deadline
    for i, order in enumerate(problem.orders):
        windows = order.time_windows or ((None, None),)
        deadline = order.sla_deadline_s if order.sla_mode is SlaMode.HARD else None
        for window in windows:
            w_start, w_end = (window if isinstance(window, tuple) else (window.start_s, window.end_s))
            lo = shift_start[0] if w_start is None else np.maximum(shift_start[0], w_start)
            in_shift = shift_end[0] - service[i]
            fits_shift[i] |= lo <= (in_shift if w_end is None else np.minimum(in_shift, w_end))
            hi = latest_start[i] if w_end is None else np.minimum(latest_start[i], w_end)
            earliest = arrive[i] if w_start is None else np.maximum(arrive[i], w_start)
            reach_window[i] |= earliest <= hi
            if deadline is not None:
                hi = np.minimum(hi, deadline)
            reach_sla[i] |= earliest <= hi
    ok &= fits_shift
    stage += ok
    ok &= reach_window
    stage += ok
    ok &= reach_sla
    stage += ok
    ok &= travel_in + service[:, None] + travel_out <= vehicles.max_working_s[None, :]
    stage += ok

    reasons: dict[int, tuple[UnassignedReason, int]] = {}
    for i in map(int, np.flatnonzero(~ok.any(axis=1))):
        reached = int(stage[i].max()) if v else 1
        reason = _STAGES[min(reached, len(_STAGES) - 1)]
        example = int(vehicles.engineer[int(stage[i].argmax())]) if v and reached > 1 else -1
        if reason is UnassignedReason.PARTS_UNAVAILABLE:
            example = _nearest_with_parts(problem, matrices, vehicles, i)
        reasons[int(i)] = (reason, example)
    return Feasibility(ok, reasons)


def _nearest_with_parts(problem: Problem, matrices: TravelMatrices, vehicles: Vehicles, i: int) -> int:
    """The engineer whose van holds order ``i``'s parts and who starts nearest to it (-1: none)."""
    has = np.flatnonzero(parts_on_hand(problem, vehicles, [problem.orders[i]])[0])
    if has.size == 0:
        return -1
    return int(vehicles.engineer[has[int(np.argmin(matrices.duration_s[vehicles.start_loc[has], i]))]])

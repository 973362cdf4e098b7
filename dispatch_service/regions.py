"""Regions of a large request, decided before any travel matrix is built.

Why: a dense travel matrix of 20,000 orders and 2,000 engineers' starts and ends holds 24,000²
cells per matrix (4.6 GB each in int64); no process should hold it and OR-Tools cannot search
it in a dispatcher's time limit. A region (a few hundred to a thousand orders and the engineers
who serve them) gets its own dense matrix and its own search (``solving.solve_region``);
``dispatch_service.regional`` runs them and the seam rounds between neighbours.

How: engineers with territories are grouped by territory (the operator's own boundaries; an
order goes to the region whose territory holds it). Everything else is split by recursive
coordinate bisection of the orders on a local planar projection: each cut halves the orders
along the wider side of their bounding box, so regions hold equal numbers of orders (within
one) and are compact. Engineers then join regions in proportion to the regions' orders,
nearest region first (a capacitated greedy assignment on the distance from their start to the
region's centre), so that no region is left with orders and no one to serve them. Orders that
require particular engineers go to the region of the first of them, follow-ups to their first
visit's (``_keep_together``). Not measured against k-means-like clustering: bisection was
chosen for exact balance and no iterations; the time of day is not a criterion (a region's
engineers work the whole day).
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass, fields, replace

import numpy as np

from geo.projection import LocalProjection
from solver.kpis import compute_kpis
from solver.model import (
    ObjectiveBreakdown,
    Order,
    Plan,
    PlannedRoute,
    Problem,
    Route,
    SameEngineer,
    Unassigned,
    Visit,
)


@dataclass(frozen=True)
class Region:
    orders: np.ndarray  # int64: indices into the request's orders, ascending
    engineers: np.ndarray  # int64: indices into the request's engineers, ascending


def _xy_m(problem: Problem) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
    """Orders' and engineers' start positions in metres on one local projection."""
    o_lat = np.array([o.location.lat for o in problem.orders], dtype=np.float64)
    o_lng = np.array([o.location.lng for o in problem.orders], dtype=np.float64)
    e_lat = np.array([e.start_location.lat for e in problem.engineers], dtype=np.float64)
    e_lng = np.array([e.start_location.lng for e in problem.engineers], dtype=np.float64)
    proj = LocalProjection.centred_on(np.concatenate([o_lat, e_lat]), np.concatenate([o_lng, e_lng]))
    ox, oy = proj.to_xy_m(o_lat, o_lng)
    ex, ey = proj.to_xy_m(e_lat, e_lng)
    return np.stack([ox, oy], axis=1), np.stack([ex, ey], axis=1), o_lat, e_lat


def bisect(points_m: np.ndarray, idx: np.ndarray, parts: int) -> list[np.ndarray]:
    """``idx`` split into ``parts`` groups of equal size (within one) by recursive coordinate
    bisection of ``points_m[idx]``: each cut is across the wider side of the group's box."""
    if parts <= 1 or idx.size <= 1:
        return [idx]
    pts = points_m[idx]
    axis = int(np.argmax(pts.max(axis=0) - pts.min(axis=0)))
    left_parts = parts // 2
    cut = int(round(idx.size * left_parts / parts))
    order = np.argsort(pts[:, axis], kind="stable")
    return bisect(points_m, np.sort(idx[order[:cut]]), left_parts) + bisect(points_m, np.sort(idx[order[cut:]]), parts - left_parts)


def _quotas(sizes: np.ndarray, total: int) -> np.ndarray:
    """``total`` split in proportion to ``sizes`` (largest remainders), at least one each when
    there are enough to go round."""
    share = sizes / max(1, sizes.sum()) * total
    quota = np.floor(share).astype(np.int64)
    for k in np.argsort(-(share - quota), kind="stable")[: total - int(quota.sum())]:
        quota[k] += 1
    if total >= sizes.size:
        for k in np.flatnonzero(quota == 0):
            quota[k] = 1
            quota[int(np.argmax(quota))] -= 1
    return quota


def _assign_engineers(order_parts: list[np.ndarray], engineers: np.ndarray, orders_m: np.ndarray,
                      engineers_m: np.ndarray) -> list[np.ndarray]:
    """Engineers to parts in proportion to the parts' orders, each to the nearest part that
    still has room (pairs taken by distance from start to the part's centre)."""
    centres = np.stack([orders_m[p].mean(axis=0) if p.size else np.zeros(2) for p in order_parts])
    quota = _quotas(np.asarray([p.size for p in order_parts], dtype=np.float64), engineers.size)
    dist = np.linalg.norm(engineers_m[engineers][:, None, :] - centres[None, :, :], axis=2)
    taken = np.zeros(engineers.size, dtype=bool)
    out: list[list[int]] = [[] for _ in order_parts]
    for flat in np.argsort(dist, axis=None, kind="stable"):
        e, k = divmod(int(flat), len(order_parts))
        if taken[e] or quota[k] == 0:
            continue
        taken[e] = True
        quota[k] -= 1
        out[k].append(int(engineers[e]))
    return [np.asarray(sorted(g), dtype=np.int64) for g in out]


def partition(problem: Problem, region_orders: int, inside_territory: np.ndarray | None = None) -> list[Region]:
    """Regions of about ``region_orders`` orders each (one region when the request is smaller).

    ``inside_territory`` (bool orders × engineers, ``travel.inside_territory``) groups engineers
    with territories by territory first."""
    n, m = len(problem.orders), len(problem.engineers)
    all_orders, all_engineers = np.arange(n, dtype=np.int64), np.arange(m, dtype=np.int64)
    if n <= region_orders or m < 2:
        return [Region(all_orders, all_engineers)]
    orders_m, engineers_m, _, _ = _xy_m(problem)
    groups = _territory_groups(problem, inside_territory, orders_m, engineers_m)
    regions: list[Region] = []
    for g_orders, g_engineers in groups:
        parts = max(1, min(g_engineers.size, math.ceil(g_orders.size / region_orders)))
        order_parts = bisect(orders_m, g_orders, parts)
        for orders, engineers in zip(order_parts, _assign_engineers(order_parts, g_engineers, orders_m, engineers_m)):
            regions.append(Region(orders, engineers))
    return _keep_together(problem, regions)


def _territory_groups(problem: Problem, inside: np.ndarray | None, orders_m: np.ndarray,
                      engineers_m: np.ndarray) -> list[tuple[np.ndarray, np.ndarray]]:
    """(orders, engineers) per territory when every engineer has one, else one group."""
    n = len(problem.orders)
    shapes: dict[str, list[int]] = {}
    for j, e in enumerate(problem.engineers):
        if e.territory is None or inside is None:
            return [(np.arange(n, dtype=np.int64), np.arange(len(problem.engineers), dtype=np.int64))]
        shapes.setdefault(e.territory.geojson, []).append(j)
    members = [np.asarray(js, dtype=np.int64) for js in shapes.values()]
    if len(members) < 2:
        return [(np.arange(n, dtype=np.int64), np.arange(len(problem.engineers), dtype=np.int64))]
    first = np.asarray([js[0] for js in members])
    assert inside is not None  # every engineer has a territory (checked above)
    holds = inside[:, first]  # orders × territories
    centres = np.stack([engineers_m[js].mean(axis=0) for js in members])
    nearest = np.argmin(np.linalg.norm(orders_m[:, None, :] - centres[None, :, :], axis=2), axis=1)
    # Inside one or more territories: the first that holds it; inside none: the nearest crew.
    which = np.where(holds.any(axis=1), np.argmax(holds, axis=1), nearest)
    return [(np.flatnonzero(which == k).astype(np.int64), js) for k, js in enumerate(members)]


def _keep_together(problem: Problem, regions: list[Region]) -> list[Region]:
    """Orders that only particular engineers may serve move to the region of the first of them;
    a follow-up joins its first visit's region (of the order it follows, or of the engineer who
    did the visit when the same engineer is wanted), so that every rule between two orders or
    an order and an engineer is decided inside one region."""
    region_of_engineer = {int(j): r for r, reg in enumerate(regions) for j in reg.engineers}
    engineer_index = {e.id: j for j, e in enumerate(problem.engineers)}
    order_index = {o.id: i for i, o in enumerate(problem.orders)}
    region_of_order = {int(i): r for r, reg in enumerate(regions) for i in reg.orders}

    def engineers_region(engineer_id: str) -> int | None:
        return region_of_engineer.get(engineer_index.get(engineer_id, -1))

    for i, order in enumerate(problem.orders):
        here = region_of_order[i]
        required = order.required_engineer_ids
        if required and not any(engineers_region(e) == here for e in required):
            target = engineers_region(required[0])
            if target is not None:
                region_of_order[i] = target

    def follows(i: int, depth: int = 0) -> int:
        """The region of the first visit of ``i``'s chain of follow-ups."""
        f = problem.orders[i].follow_up
        if f is None or depth > len(problem.orders):
            return region_of_order[i]
        if f.previous_order_id is not None and f.previous_order_id in order_index:
            return follows(order_index[f.previous_order_id], depth + 1)
        if f.previous_engineer_id and f.same_engineer is not SameEngineer.ANY:
            target = engineers_region(f.previous_engineer_id)
            return region_of_order[i] if target is None else target
        return region_of_order[i]

    for i, order in enumerate(problem.orders):
        if order.follow_up is not None:
            region_of_order[i] = follows(i)
    orders: list[list[int]] = [[] for _ in regions]
    for i, r in sorted(region_of_order.items()):
        orders[r].append(i)
    return [Region(np.asarray(o, dtype=np.int64), reg.engineers) for o, reg in zip(orders, regions)]


def seam_pairs(problem: Problem, regions: Sequence[Region], rng: np.random.Generator) -> list[tuple[int, int]]:
    """Disjoint pairs of neighbouring regions (by their orders' centres), drawn differently
    each round so that every seam gets its turn; a region left without a partner sits out."""
    if len(regions) < 2:
        return []
    orders_m, engineers_m, _, _ = _xy_m(problem)
    centres = np.stack([orders_m[r.orders].mean(axis=0) if r.orders.size else engineers_m[r.engineers].mean(axis=0)
                        for r in regions])
    dist = np.linalg.norm(centres[:, None, :] - centres[None, :, :], axis=2)
    np.fill_diagonal(dist, np.inf)
    free = np.ones(len(regions), dtype=bool)
    pairs = []
    for a in rng.permutation(len(regions)):
        if not free[a]:
            continue
        near = [int(b) for b in np.argsort(dist[a], kind="stable")[:3] if free[b] and b != a]
        if not near:
            continue
        b = near[int(rng.integers(len(near)))]
        free[[a, b]] = False
        pairs.append((int(min(a, b)), int(max(a, b))))
    return pairs


def sub_problem(problem: Problem, orders: np.ndarray, engineers: np.ndarray, time_limit_s: float, label: str) -> Problem:
    """The request restricted to a region: its orders and engineers, each order's engineer lists
    restricted to the region's engineers (the others cannot serve it here)."""
    names = {problem.engineers[int(j)].id for j in engineers}

    def local(order: Order) -> Order:
        if not (order.required_engineer_ids or order.preferred_engineer_ids or order.excluded_engineer_ids):
            return order
        return replace(
            order,
            required_engineer_ids=tuple(e for e in order.required_engineer_ids if e in names),
            preferred_engineer_ids=tuple(e for e in order.preferred_engineer_ids if e in names),
            excluded_engineer_ids=tuple(e for e in order.excluded_engineer_ids if e in names),
        )

    return replace(
        problem,
        orders=tuple(local(problem.orders[int(i)]) for i in orders),
        engineers=tuple(problem.engineers[int(j)] for j in engineers),
        options=replace(problem.options, time_limit_s=time_limit_s),
        label=label,
    )


@dataclass(frozen=True)
class Part:
    """A region's share of the plan, in the request's indices."""

    orders: np.ndarray  # the orders the region holds (served by its engineers or left out)
    engineers: np.ndarray
    routes: tuple[Route, ...]
    unassigned: tuple[Unassigned, ...]
    breakdown: ObjectiveBreakdown

    @property
    def objective(self) -> float:
        return self.breakdown.total

    def start_routes(self) -> tuple[PlannedRoute, ...]:
        return tuple(PlannedRoute(r.engineer_id, r.shift_index, tuple(v.order_id for v in r.visits)) for r in self.routes)


def globalise(routes: Sequence[Route], unassigned: Sequence[Unassigned], orders: np.ndarray,
              engineers: np.ndarray) -> tuple[tuple[Route, ...], tuple[Unassigned, ...]]:
    """A region's routes and unassigned orders with the request's indices."""
    out_routes = tuple(replace(r, engineer_index=int(engineers[r.engineer_index]),
                               visits=tuple(_visit(v, orders) for v in r.visits)) for r in routes)
    out_unassigned = tuple(replace(u, order_index=int(orders[u.order_index])) for u in unassigned)
    return out_routes, out_unassigned


def _visit(v: Visit, orders: np.ndarray) -> Visit:
    return replace(v, order_index=int(orders[v.order_index]))


def merged(parts: Sequence[Part]) -> tuple[tuple[Route, ...], tuple[Unassigned, ...], ObjectiveBreakdown]:
    """Every region's routes in request order (engineer, then shift), unassigned orders in
    request order, and the objective's terms summed (each is a sum over routes and orders)."""
    routes = sorted((r for p in parts for r in p.routes), key=lambda r: (r.engineer_index, r.shift_index))
    unassigned = sorted((u for p in parts for u in p.unassigned), key=lambda u: u.order_index)
    total = ObjectiveBreakdown(**{f.name: sum(getattr(p.breakdown, f.name) for p in parts) for f in fields(ObjectiveBreakdown)})
    return tuple(routes), tuple(unassigned), total


def plan_of(problem: Problem, parts: Sequence[Part], stats) -> Plan:
    """The request's plan from its regions' parts (``stats`` built by the caller)."""
    routes, unassigned, _ = merged(parts)
    return Plan(problem.label, routes, unassigned, compute_kpis(problem, routes, unassigned), stats)

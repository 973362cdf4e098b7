"""Cost and feasibility of a VRPTW route set, recomputed from the instance.

The benchmark never trusts the solver's own objective: the solver works in scaled integers
(rounded distances, ceiled durations), while best-known values are stated in instance units
under a fixed convention. So the cost is recomputed here from the visiting order alone.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np

from benchmarks.instances import CostConvention, VrptwInstance

# Float slack for time-window and horizon checks: arrival times are sums of square roots.
TOLERANCE = 1e-6
MAX_REPORTED_VIOLATIONS = 10


@dataclass(frozen=True)
class Evaluation:
    cost_exact: float  # unrounded Euclidean total distance
    cost_dimacs: float  # sum of floor(10 * d) / 10 per edge
    vehicles: int  # non-empty routes
    feasible: bool
    violations: tuple[str, ...]  # the first few, human-readable

    def cost(self, convention: CostConvention) -> float:
        return self.cost_dimacs if convention is CostConvention.DIMACS else self.cost_exact


def dimacs_truncate(distance: np.ndarray) -> np.ndarray:
    """DIMACS convention: each edge length truncated to one decimal."""
    return np.floor(10.0 * distance) / 10.0


def evaluate(
    instance: VrptwInstance,
    routes: Sequence[Sequence[int]],
    time_convention: CostConvention = CostConvention.EXACT,
    tolerance: float = TOLERANCE,
) -> Evaluation:
    """Evaluate ``routes`` (customer numbers 1..n, depot omitted) on ``instance``.

    Feasibility: every customer served exactly once, at most ``fleet_size`` routes, capacity
    per route, service starting by each customer's due time (waiting allowed), and back at the
    depot by its due time. ``time_convention`` says which edge lengths drive the clock: exact
    floats (the strict check used for solver output) or DIMACS-truncated (the convention under
    which CVRPLIB ``.sol`` files are feasible).
    """
    exact = instance.distances()
    truncated_tenths = np.floor(10.0 * exact).astype(np.int64)  # integers: no summing drift
    travel = truncated_tenths / 10.0 if time_convention is CostConvention.DIMACS else exact
    n = instance.n_customers
    violations: list[str] = []
    seen = np.zeros(n + 1, dtype=np.int64)
    cost_exact = 0.0
    cost_tenths = 0
    vehicles = 0
    for k, route in enumerate(routes):
        if not route:
            continue
        vehicles += 1
        stops = [int(c) for c in route]
        bad = [c for c in stops if not 1 <= c <= n]
        if bad:
            violations.append(f"route {k}: unknown customers {bad[:5]}")
            continue
        seen[stops] += 1
        path = [0, *stops, 0]
        cost_exact += float(exact[path[:-1], path[1:]].sum())
        cost_tenths += int(truncated_tenths[path[:-1], path[1:]].sum())
        load = int(instance.demand[stops].sum())
        if load > instance.capacity:
            violations.append(f"route {k}: load {load} > capacity {instance.capacity}")
        time = float(instance.ready[0])
        previous = 0
        for c in stops:
            arrival = time + float(travel[previous, c])
            start = max(arrival, float(instance.ready[c]))
            if start > instance.due[c] + tolerance:
                violations.append(
                    f"route {k}: customer {c} starts at {start:.4f} > due {instance.due[c]:g}"
                )
            time = start + float(instance.service[c])
            previous = c
        back = time + float(travel[previous, 0])
        if back > instance.due[0] + tolerance:
            violations.append(f"route {k}: back at depot {back:.4f} > horizon {instance.due[0]:g}")
    missing = np.flatnonzero(seen[1:] == 0) + 1
    repeated = np.flatnonzero(seen[1:] > 1) + 1
    if missing.size:
        violations.append(f"{missing.size} customers not served, e.g. {missing[:5].tolist()}")
    if repeated.size:
        violations.append(f"{repeated.size} customers served twice, e.g. {repeated[:5].tolist()}")
    if vehicles > instance.fleet_size:
        violations.append(f"{vehicles} routes > fleet of {instance.fleet_size}")
    return Evaluation(
        cost_exact=cost_exact,
        cost_dimacs=cost_tenths / 10.0,
        vehicles=vehicles,
        feasible=not violations,
        violations=tuple(violations[:MAX_REPORTED_VIOLATIONS]),
    )


def gap_pct(cost: float | None, best_known: float | None) -> float | None:
    """Relative excess over the best known, in percent (negative: a new best)."""
    if cost is None or best_known is None or not math.isfinite(cost) or best_known <= 0:
        return None
    return 100.0 * (cost - best_known) / best_known

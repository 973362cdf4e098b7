"""Express a VRPTW instance as a dispatch ``Problem`` with explicit travel matrices.

Mapping: one engineer per vehicle of the instance's fleet, all starting and ending at the
depot, capacity = vehicle capacity, every customer mandatory, objective = distance only.
The solver works in integers, so instance units are scaled:

- distance_m = round(1000 d): the objective, kept unbiased;
- times (windows, service, travel) by ``time_scale(instance)``, 1000 when the horizon allows,
  and travel duration_s = ceil(scale d): rounding time *up* means a schedule feasible in
  integers is also feasible with exact floats, so the plan passes the exact check in
  ``benchmarks.evaluate``.

Why two scales: the solver caps the planning horizon (``solver.limits.MAX_HORIZON_S``, 31 days);
at 1000 s per unit the long-horizon classes (Solomon C2: 3390 units; Gehring–Homberger 1000:
up to 7697) would exceed it. Their time scale drops to the largest step that fits, which makes
travel at most 1/scale unit pessimistic per edge (0.004 at 250): negligible for the gap.

Coordinates carry no meaning once matrices are given, so every order and engineer sits at
``LatLng(0, 0)`` (a valid coordinate) and the matrices are laid out by
``solver.locations.Locations``.
"""

from __future__ import annotations

import math

import numpy as np

from benchmarks.instances import VrptwInstance
from solver.limits import MAX_HORIZON_S
from solver.locations import Locations
from solver.model import (
    Engineer,
    LatLng,
    Order,
    Plan,
    Problem,
    SearchMode,
    Shift,
    SolveOptions,
    TimeWindow,
    TravelMatrices,
)

DISTANCE_SCALE = 1000  # instance units -> metres
TIME_SCALES: tuple[int, ...] = (1000, 500, 250, 200, 100, 50, 20, 10, 5, 2, 1)  # units -> s
_NOWHERE = LatLng(0.0, 0.0)


def time_scale(instance: VrptwInstance) -> int:
    """Seconds per instance time unit: the largest step that keeps the horizon in limits."""
    latest = max(float(instance.due.max()), float(instance.ready[0]))
    horizon = latest - float(instance.ready[0])
    for scale in TIME_SCALES:
        if horizon * scale <= MAX_HORIZON_S:
            return scale
    raise ValueError(f"{instance.name}: horizon {horizon:g} exceeds {MAX_HORIZON_S} s")


def _ceil_s(value: float, scale: int) -> int:
    # The epsilon absorbs float noise (5000.000000001) that would otherwise add a second.
    return int(math.ceil(value * scale - 1e-6))


def _floor_s(value: float, scale: int) -> int:
    return int(math.floor(value * scale + 1e-6))


def to_problem(instance: VrptwInstance, time_limit_s: float, random_seed: int = 0) -> Problem:
    """The instance as a Problem: orders ``c1..cn`` (order i = customer i + 1), engineers
    ``v0..``. Window starts round up and ends round down, so the integer windows never admit
    a start the float instance forbids."""
    scale = time_scale(instance)
    orders = tuple(
        Order(
            id=f"c{c}",
            location=_NOWHERE,
            service_duration_s=_ceil_s(float(instance.service[c]), scale),
            time_windows=(
                TimeWindow(
                    start_s=_ceil_s(float(instance.ready[c]), scale),
                    end_s=_floor_s(float(instance.due[c]), scale),
                ),
            ),
            demand=int(instance.demand[c]),
            allow_unassigned=False,
        )
        for c in range(1, instance.n_customers + 1)
    )
    shift = Shift(
        start_s=_ceil_s(float(instance.ready[0]), scale),
        end_s=_floor_s(float(instance.due[0]), scale),
    )
    engineers = tuple(
        Engineer(
            id=f"v{k}",
            start_location=_NOWHERE,
            end_location=_NOWHERE,
            shifts=(shift,),
            capacity=int(instance.capacity),
            cost_per_km=1.0,
            cost_per_traveled_hour=0.0,
            cost_per_hour=0.0,
        )
        for k in range(instance.fleet_size)
    )
    options = SolveOptions(
        time_limit_s=float(time_limit_s),
        search_mode=SearchMode.CONSUME_ALL_TIME,
        random_seed=random_seed,
    )
    return Problem(orders=orders, engineers=engineers, options=options, label=instance.name)


def to_matrices(instance: VrptwInstance, problem: Problem) -> TravelMatrices:
    """Travel matrices in the ``Locations`` layout, built from the instance's coordinates."""
    locations = Locations.of(problem)
    # Instance node behind each location: orders are customers 1..n, engineer ends the depot.
    node = np.zeros(locations.size, dtype=np.int64)
    node[: len(problem.orders)] = np.arange(1, len(problem.orders) + 1)
    exact = instance.distances()[np.ix_(node, node)]
    # The small epsilon stops float noise (5000.000000001) from adding a whole second.
    duration_s = np.ceil(exact * time_scale(instance) - 1e-6).astype(np.int64)
    distance_m = np.rint(exact * DISTANCE_SCALE).astype(np.int64)
    np.fill_diagonal(duration_s, 0)
    np.fill_diagonal(distance_m, 0)
    return TravelMatrices(duration_s=duration_s, distance_m=distance_m)


def plan_routes(plan: Plan) -> list[list[int]]:
    """The plan's visiting orders as customer numbers (order index i -> customer i + 1)."""
    return [
        [visit.order_index + 1 for visit in route.visits] for route in plan.routes if route.visits
    ]


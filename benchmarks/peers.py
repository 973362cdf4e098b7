"""Peer solvers for side-by-side VRPTW runs: PyVRP and VROOM (``pip install .[bench]``).

Each peer gets the same integer instance as ``dispatch`` (``benchmarks.vrptw_problem``:
distance in metres ×1000 as the objective, travel time rounded up, windows rounded inwards,
fleet and capacity of the instance) and returns routes as customer numbers, which the runner
checks and scores with ``benchmarks.evaluate`` exactly like ``dispatch``'s plans. Peers are
optional: a missing package gives a record with an error, not a crash.
"""

from __future__ import annotations

import time
from dataclasses import dataclass
from datetime import timedelta

import numpy as np

from benchmarks.instances import VrptwInstance
from benchmarks.vrptw_problem import DISTANCE_SCALE, _ceil_s, _floor_s, time_scale

PEERS: tuple[str, ...] = ("pyvrp", "vroom")


@dataclass(frozen=True)
class PeerResult:
    routes: list[list[int]]  # customer numbers 1..n per used vehicle
    wall_s: float  # the solve call only (model building excluded, as for dispatch's matrices)
    first_feasible_s: float | None


def _integer_data(instance: VrptwInstance):
    scale = time_scale(instance)
    exact = instance.distances()
    duration = np.ceil(exact * scale - 1e-6).astype(np.int64)
    distance = np.rint(exact * DISTANCE_SCALE).astype(np.int64)
    np.fill_diagonal(duration, 0)
    np.fill_diagonal(distance, 0)
    n = instance.n_customers
    service = [_ceil_s(float(instance.service[c]), scale) for c in range(n + 1)]
    ready = [_ceil_s(float(instance.ready[c]), scale) for c in range(n + 1)]
    due = [_floor_s(float(instance.due[c]), scale) for c in range(n + 1)]
    return duration, distance, service, ready, due


def solve_pyvrp(instance: VrptwInstance, time_limit_s: float, seed: int = 0) -> PeerResult:
    import pyvrp
    from pyvrp.stop import MaxRuntime

    duration, distance, service, ready, due = _integer_data(instance)
    n = instance.n_customers
    # PyVRP's time includes service at the client: travel + service on the outgoing edge is
    # how the dispatch model counts it too, but PyVRP adds service itself.
    locations = [pyvrp.Location(float(instance.x[c]), float(instance.y[c])) for c in range(n + 1)]
    clients = [
        pyvrp.Client(location=c, delivery=[int(instance.demand[c])], service_duration=service[c],
                     tw_early=ready[c], tw_late=due[c])
        for c in range(1, n + 1)
    ]
    depots = [pyvrp.Depot(location=0, tw_early=ready[0], tw_late=due[0])]
    vehicle_types = [pyvrp.VehicleType(num_available=instance.fleet_size, capacity=[int(instance.capacity)],
                                       tw_early=ready[0], tw_late=due[0])]
    data = pyvrp.ProblemData(locations, clients, depots, vehicle_types, [distance], [duration])
    started = time.perf_counter()
    result = pyvrp.solve(data, MaxRuntime(time_limit_s), seed=seed, display=False)
    wall = time.perf_counter() - started
    # Scheduled client activities carry the client index: client k (0-based) is customer k + 1.
    routes = [[int(a.idx) + 1 for a in route.schedule() if a.is_client()] for route in result.best.routes() if route.num_clients()]
    return PeerResult(routes, wall, None)


def solve_vroom(instance: VrptwInstance, time_limit_s: float, seed: int = 0) -> PeerResult:
    import vroom

    duration, distance, service, ready, due = _integer_data(instance)
    n = instance.n_customers
    problem = vroom.Input()
    # VROOM minimises the cost matrix; give it distance so both peers and dispatch chase it.
    problem.set_durations_matrix("car", duration)
    problem.set_costs_matrix("car", distance)
    for k in range(instance.fleet_size):
        problem.add_vehicle(vroom.Vehicle(id=k, start=0, end=0, capacity=[int(instance.capacity)],
                                          time_window=vroom.TimeWindow(ready[0], due[0])))
    for c in range(1, n + 1):
        problem.add_job(vroom.Job(id=c, location=c, delivery=[int(instance.demand[c])], default_service=service[c],
                                  time_windows=[vroom.TimeWindow(ready[c], due[c])]))
    started = time.perf_counter()
    solution = problem.solve(exploration_level=5, nb_threads=2, timeout=timedelta(seconds=time_limit_s))
    wall = time.perf_counter() - started
    routes_df = solution.routes
    routes: list[list[int]] = []
    for _, group in routes_df[routes_df["type"] == "job"].groupby("vehicle_id", sort=True):
        routes.append([int(j) for j in group["id"]])
    return PeerResult(routes, wall, None)


SOLVE = {"pyvrp": solve_pyvrp, "vroom": solve_vroom}

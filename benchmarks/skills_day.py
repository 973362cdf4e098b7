"""The over-subscribed skills day: more work than the fleet can do, every order optional.

N orders, N // 10 engineers at one depot, an 8-hour shift, one 4-hour window per order, jobs of
30–90 min, one of three skills per order and one to three skills per engineer, 30 km/h
straight-line travel. Ten hours of work per engineer-day of eight: about a third of the orders
cannot be served, so the search must choose which. Objective: orders served first (every order's
penalty, 100 travel-hours, dwarfs any detour), then travel time.

The same integer matrices (``geo.GreatCircleProvider`` in ``solver.locations``' layout) go to
``dispatch`` (in this process, ``solver.solve.solve``), PyVRP and VROOM, and every plan is
scored by ``check_routes``, which recomputes the schedule from the matrices alone.

PyVRP has no skills: it gets one distance/duration profile per engineer skill set, in which the
arcs into and out of an order that set cannot serve cost ``_FORBIDDEN`` (longer than the shift,
so a route using one is infeasible and the checker would say so).
"""

from __future__ import annotations

import time
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

import numpy as np

from solver.model import (
    Engineer,
    GreatCircleModel,
    LatLng,
    Order,
    Problem,
    SearchMode,
    Shift,
    SkillRequirement,
    SolveOptions,
    TimeWindow,
    TravelMatrices,
)

SKILLS: tuple[str, ...] = ("electrical", "hvac", "plumbing")
SHIFT_START_S = int(datetime(2026, 11, 24, 8, 0, tzinfo=UTC).timestamp())
SHIFT_S = 8 * 3600
WINDOW_S = 4 * 3600
SPEED_KMH = 30.0
DEPOT = LatLng(lat=52.0, lng=5.0)
HALF_SIDE_DEG = (0.09, 0.146)  # ±10 km north-south and east-west around the depot
_FORBIDDEN = 10 * SHIFT_S  # PyVRP's skill emulation: an arc no feasible route can use
_PRIZE = 10 * 3600  # PyVRP: per order served, in its duration cost: above any detour (< 2 h), small enough for its penalties to bite


def make_problem(n_orders: int, seed: int = 0, time_limit_s: float = 30.0, n_engineers: int | None = None) -> Problem:
    if n_orders < 10:
        raise ValueError(f"n_orders must be at least 10, got {n_orders}")
    n_engineers = n_orders // 10 if n_engineers is None else n_engineers
    rng = np.random.default_rng(seed)
    lat = np.round(DEPOT.lat + rng.uniform(-HALF_SIDE_DEG[0], HALF_SIDE_DEG[0], n_orders), 6)
    lng = np.round(DEPOT.lng + rng.uniform(-HALF_SIDE_DEG[1], HALF_SIDE_DEG[1], n_orders), 6)
    service_s = rng.integers(30, 91, size=n_orders) * 60
    # Windows open on the hour, 0–4 h into the shift, so each closes by the shift's end.
    opens_s = SHIFT_START_S + rng.integers(0, 5, size=n_orders) * 3600
    skill_of = rng.integers(0, len(SKILLS), size=n_orders)
    orders = tuple(
        Order(
            id=f"O{i:05d}",
            location=LatLng(lat=float(lat[i]), lng=float(lng[i])),
            service_duration_s=int(service_s[i]),
            time_windows=(TimeWindow(start_s=int(opens_s[i]), end_s=int(opens_s[i]) + WINDOW_S),),
            required_skills=(SkillRequirement(SKILLS[int(skill_of[i])]),),
        )
        for i in range(n_orders)
    )
    shift = Shift(start_s=SHIFT_START_S, end_s=SHIFT_START_S + SHIFT_S)
    engineers = []
    for k in range(n_engineers):
        count = int(rng.integers(1, len(SKILLS) + 1))
        chosen = sorted(int(s) for s in rng.choice(len(SKILLS), size=count, replace=False))
        engineers.append(
            Engineer(id=f"E{k:04d}", start_location=DEPOT, end_location=DEPOT, shifts=(shift,),
                     skills=tuple((SKILLS[s], 1) for s in chosen))
        )
    options = SolveOptions(
        time_limit_s=float(time_limit_s),
        search_mode=SearchMode.CONSUME_ALL_TIME,
        random_seed=seed,
        travel_model=GreatCircleModel(speed_kmh=SPEED_KMH, detour_factor=1.0),
    )
    return Problem(orders=orders, engineers=tuple(engineers), options=options, label=f"skills-n{n_orders}-s{seed}")


def matrices(problem: Problem) -> TravelMatrices:
    from geo import GreatCircleProvider
    from solver.locations import Locations

    model = problem.options.travel_model
    assert isinstance(model, GreatCircleModel)
    locations = Locations.of(problem)
    travel = GreatCircleProvider(speed_kmh=model.speed_kmh, detour_factor=model.detour_factor).matrices(
        locations.lat_deg, locations.lng_deg
    )
    return TravelMatrices(duration_s=travel.duration_s, distance_m=travel.distance_m)


@dataclass(frozen=True)
class Routes:
    """A plan as order indices per engineer (one shift each), and how long the solve took."""

    by_engineer: dict[int, list[int]]
    wall_s: float
    first_feasible_s: float | None = None
    objective: float | None = None


@dataclass(frozen=True)
class Check:
    served: int
    unserved: int
    travel_s: int
    travel_m: int
    routes_used: int
    violations: tuple[str, ...]


def check_routes(problem: Problem, m: TravelMatrices, routes: dict[int, list[int]]) -> Check:
    """Recompute every route from the matrices: each order at most once, by a qualified
    engineer, service starting inside its window, back at the depot by the shift's end."""
    n = len(problem.orders)
    depot = n  # Locations: every engineer's start (and end) sits at the depot's coordinates
    violations: list[str] = []
    seen: set[int] = set()
    travel_s = travel_m = 0
    for k, seq in routes.items():
        engineer = problem.engineers[k]
        shift = engineer.shifts[0]
        t = shift.start_s
        here = depot
        for i in seq:
            if i in seen or not 0 <= i < n:
                violations.append(f"order {i} served twice or unknown")
            seen.add(i)
            order = problem.orders[i]
            if any(engineer.skill_level(r.name) < r.min_level for r in order.required_skills):
                violations.append(f"{engineer.id} lacks a skill for {order.id}")
            t += int(m.duration_s[here, i])
            travel_s += int(m.duration_s[here, i])
            travel_m += int(m.distance_m[here, i])
            window = order.time_windows[0]
            t = max(t, int(window.start_s or 0))
            if window.end_s is not None and t > window.end_s:
                violations.append(f"{order.id} starts {t - window.end_s} s after its window")
            t += order.service_duration_s
            here = i
        if seq:
            t += int(m.duration_s[here, depot])
            travel_s += int(m.duration_s[here, depot])
            travel_m += int(m.distance_m[here, depot])
            if t > shift.end_s:
                violations.append(f"{engineer.id} back {t - shift.end_s} s after the shift")
    return Check(len(seen), n - len(seen), travel_s, travel_m, sum(1 for s in routes.values() if s), tuple(violations))


def solve_dispatch(problem: Problem, m: TravelMatrices) -> Routes:
    from solver.solve import solve

    started = time.perf_counter()
    plan = solve(problem, m)
    wall = time.perf_counter() - started
    routes: dict[int, list[int]] = {}
    for route in plan.routes:
        routes.setdefault(route.engineer_index, []).extend(v.order_index for v in route.visits)
    return Routes(routes, wall, plan.stats.first_solution_s, plan.stats.objective)


def _skill_sets(problem: Problem) -> list[frozenset[str]]:
    return [frozenset(name for name, _ in e.skills) for e in problem.engineers]


def solve_pyvrp(problem: Problem, m: TravelMatrices, time_limit_s: float, seed: int = 0) -> Routes:
    import pyvrp
    from pyvrp.stop import MaxRuntime

    n = len(problem.orders)
    # PyVRP's location 0 is the depot, clients 1..n; ours: orders 0..n-1, the depot at n.
    perm = np.r_[n, np.arange(n)]
    duration = m.duration_s[np.ix_(perm, perm)].astype(np.int64)
    distance = m.distance_m[np.ix_(perm, perm)].astype(np.int64)
    locations = [pyvrp.Location(x=0, y=0)] + [pyvrp.Location(x=0, y=0) for _ in range(n)]
    clients = []
    for o in problem.orders:
        w = o.time_windows[0]
        clients.append(pyvrp.Client(location=len(clients) + 1, service_duration=o.service_duration_s,
                                    tw_early=int(w.start_s or SHIFT_START_S) - SHIFT_START_S,
                                    tw_late=int(w.end_s or SHIFT_START_S + SHIFT_S) - SHIFT_START_S,
                                    prize=_PRIZE, required=False))
    depots = [pyvrp.Depot(location=0)]
    sets = _skill_sets(problem)
    profiles = sorted(set(sets), key=sorted)
    durations, distances = [], []
    for skills in profiles:
        cannot = np.r_[False, [not {r.name for r in o.required_skills} <= skills for o in problem.orders]]
        dur, dist = duration.copy(), distance.copy()
        dur[cannot, :] = dur[:, cannot] = _FORBIDDEN
        dist[cannot, :] = dist[:, cannot] = _FORBIDDEN * 100
        np.fill_diagonal(dur, 0)
        np.fill_diagonal(dist, 0)
        durations.append(dur)
        distances.append(dist)
    # One vehicle type per engineer skill set; remember which engineers each type stands for.
    members = {p: [k for k, s in enumerate(sets) if s == skills] for p, skills in enumerate(profiles)}
    vehicle_types = [
        pyvrp.VehicleType(num_available=len(members[p]), tw_early=0, tw_late=SHIFT_S, profile=p,
                          unit_distance_cost=0, unit_duration_cost=1)
        for p in range(len(profiles))
    ]
    data = pyvrp.ProblemData(locations, clients, depots, vehicle_types, distances, durations)
    started = time.perf_counter()
    result = pyvrp.solve(data, MaxRuntime(time_limit_s), seed=seed, display=False)
    wall = time.perf_counter() - started
    routes: dict[int, list[int]] = {}
    free = {p: list(ks) for p, ks in members.items()}
    for route in result.best.routes():
        if route.num_clients():
            k = free[route.vehicle_type()].pop()
            routes[k] = [int(a.idx) for a in route.schedule() if a.is_client()]  # client k is order k
    return Routes(routes, wall, None, float(result.cost()))


def solve_vroom(problem: Problem, m: TravelMatrices, time_limit_s: float, seed: int = 0) -> Routes:
    import vroom

    n = len(problem.orders)
    skill_id = {s: j for j, s in enumerate(SKILLS)}
    vroom_input = vroom.Input()
    vroom_input.set_durations_matrix("car", m.duration_s.astype(np.uint32))
    # VROOM's cost is the duration matrix unless told otherwise: travel time, like dispatch.
    for k, e in enumerate(problem.engineers):
        shift = e.shifts[0]
        vroom_input.add_vehicle(vroom.Vehicle(id=k, start=n, end=n,
                                              skills={skill_id[s] for s, _ in e.skills},
                                              time_window=vroom.TimeWindow(0, shift.end_s - shift.start_s)))
    for i, o in enumerate(problem.orders):
        w = o.time_windows[0]
        vroom_input.add_job(vroom.Job(id=i, location=i, default_service=o.service_duration_s,
                                      skills={skill_id[r.name] for r in o.required_skills},
                                      time_windows=[vroom.TimeWindow(int(w.start_s or 0) - SHIFT_START_S,
                                                                     int(w.end_s or 0) - SHIFT_START_S)]))
    started = time.perf_counter()
    solution = vroom_input.solve(exploration_level=5, nb_threads=2, timeout=timedelta(seconds=time_limit_s))
    wall = time.perf_counter() - started
    frame = solution.routes
    routes: dict[int, list[int]] = {}
    for k, group in frame[frame["type"] == "job"].groupby("vehicle_id", sort=True):
        routes[int(k)] = [int(j) for j in group["id"]]
    return Routes(routes, wall, None, None)

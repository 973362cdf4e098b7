"""Turning per-vehicle order sequences and start times into routes with their legs and costs.

Shared by solved plans and (later) plans a person made, so both are measured the same way.
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np

from solver.model import BreakVisit, Problem, Route, TravelMatrices, Visit
from solver.vehicles import Vehicles, scaled_durations


def build_routes(
    problem: Problem,
    matrices: TravelMatrices,
    vehicles: Vehicles,
    sequences: Sequence[Sequence[int]],
    service_starts_s: Sequence[Sequence[int]],
    route_start_s: Sequence[int],
    breaks_s: Sequence[Sequence[tuple[int, int]]],
) -> tuple[Route, ...]:
    durations: dict[float, np.ndarray] = {}
    routes = []
    for v in range(vehicles.count):
        e = int(vehicles.engineer[v])
        engineer = problem.engineers[e]
        factor = float(vehicles.speed_factor[v])
        if factor not in durations:
            durations[factor] = scaled_durations(matrices.duration_s, factor)
        dur, dist = durations[factor], matrices.distance_m
        seq = sequences[v]
        brks = tuple(BreakVisit(s, t) for s, t in breaks_s[v])
        if not seq:
            start = int(vehicles.shift_start_s[v])
            routes.append(Route(engineer.id, e, int(vehicles.shift[v]), start, start, (), brks, 0, 0, 0, 0, 0.0))
            continue
        visits = []
        # The solver's start and end values are feasible but not necessarily tight (its cumul
        # optimiser may leave idle time at either end); leave just in time for the first visit
        # and come back straight after the last one.
        first = seq[0]
        first_leg = int(dur[int(vehicles.start_loc[v]), first])
        first_start = int(service_starts_s[v][0])
        before = sum(t - s for s, t in breaks_s[v] if s < first_start)
        route_start = max(int(route_start_s[v]), first_start - first_leg - before)
        prev_loc, departure = int(vehicles.start_loc[v]), route_start
        travel_s = distance_m = service_s = waiting_s = 0
        for i, start in zip(seq, service_starts_s[v]):
            order = problem.orders[i]
            leg_s, leg_m = int(dur[prev_loc, i]), int(dist[prev_loc, i])
            arrival = min(int(start), _arrive(departure, leg_s, breaks_s[v]))
            # Breaks taken on site before service are not waiting.
            resting = sum(t - s for s, t in breaks_s[v] if arrival <= s < start)
            lateness = 0 if order.sla_deadline_s is None else max(0, int(start) - order.sla_deadline_s)
            end = int(start) + order.service_duration_s
            waiting = max(0, int(start) - arrival - resting)
            visits.append(Visit(order.id, i, arrival, int(start), end, leg_s, leg_m, waiting, lateness))
            travel_s += leg_s
            distance_m += leg_m
            service_s += order.service_duration_s
            waiting_s += waiting
            prev_loc, departure = i, end
        end_loc = int(vehicles.end_loc[v])
        if end_loc >= 0:
            leg_s = int(dur[prev_loc, end_loc])
            travel_s += leg_s
            distance_m += int(dist[prev_loc, end_loc])
            route_end = _arrive(departure, leg_s, breaks_s[v])
        else:
            route_end = departure
        cost = (
            engineer.cost_per_hour * (route_end - route_start) / 3600.0
            + engineer.cost_per_traveled_hour * travel_s / 3600.0
            + engineer.cost_per_km * distance_m / 1000.0
        )
        routes.append(
            Route(engineer.id, e, int(vehicles.shift[v]), route_start, route_end, tuple(visits), brks,
                  travel_s, distance_m, service_s, waiting_s, cost)
        )
    return tuple(routes)


def _arrive(departure_s: int, leg_s: int, breaks_s: Sequence[tuple[int, int]]) -> int:
    """Arrival after a drive of ``leg_s`` from ``departure_s``, paused by breaks that start on the way."""
    arrival = departure_s + leg_s
    for start, end in sorted(breaks_s):
        if departure_s <= start < arrival:
            arrival += end - start
    return arrival

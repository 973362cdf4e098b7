"""Routes as the API reports them: visits with their legs, times and costs, from sequences
timed by the rule book (``solver.schedule``). Shared by solved plans, progress snapshots and
plans a person made, so all are measured the same way."""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np

from solver.limits import COST_SCALE
from solver.model import BreakVisit, Problem, Route, TravelMatrices, Visit
from solver.rules import scaled_durations
from solver.schedule import Timing
from solver.vehicles import Vehicles


def build_routes(problem: Problem, matrices: TravelMatrices, vehicles: Vehicles,
                 sequences: Sequence[Sequence[int]], timings: Sequence[Timing]) -> tuple[Route, ...]:
    durations: dict[float, np.ndarray] = {}
    routes = []
    for v in range(vehicles.count):
        e = int(vehicles.engineer[v])
        engineer = problem.engineers[e]
        factor = float(vehicles.speed_factor[v])
        if factor not in durations:
            durations[factor] = scaled_durations(matrices.duration_s, factor)
        dur, dist = durations[factor], matrices.distance_m
        seq, timing = sequences[v], timings[v]
        brks = tuple(BreakVisit(s, t) for s, t in timing.breaks_s)
        if not seq:
            start = int(vehicles.shift_start_s[v])
            routes.append(Route(engineer.id, e, int(vehicles.shift[v]), start, start, (), (), 0, 0, 0, 0, 0.0))
            continue
        visits = []
        prev_loc = int(vehicles.start_loc[v])
        travel_s = distance_m = service_s = waiting_s = 0
        for i, arrival, start in zip(seq, timing.arrivals_s, timing.service_starts_s):
            order = problem.orders[i]
            leg_s, leg_m = int(dur[prev_loc, i]), int(dist[prev_loc, i])
            lateness = 0 if order.sla_deadline_s is None else max(0, start - order.sla_deadline_s)
            waiting = max(0, start - arrival)
            visits.append(Visit(order.id, i, arrival, start, start + order.service_duration_s, leg_s, leg_m, waiting, lateness))
            travel_s += leg_s
            distance_m += leg_m
            service_s += order.service_duration_s
            waiting_s += waiting
            prev_loc = i
        end_loc = int(vehicles.end_loc[v])
        if end_loc >= 0:
            travel_s += int(dur[prev_loc, end_loc])
            distance_m += int(dist[prev_loc, end_loc])
        routes.append(
            Route(engineer.id, e, int(vehicles.shift[v]), timing.route_start_s, timing.route_end_s, tuple(visits), brks,
                  travel_s, distance_m, service_s, waiting_s, timing.travel_cost_scaled / COST_SCALE,
                  overtime_s=timing.overtime_s, overtime_cost=timing.overtime_cost_scaled / COST_SCALE,
                  fairness_cost=timing.fairness_cost_scaled / COST_SCALE)
        )
    return tuple(routes)

"""Timing a given sequence of orders: a forward pass, as a dispatcher's tool would.

Used where no solver assigned the times: plans made by people (``evaluate``), progress
snapshots during a search, and insertion checks. Each visit starts as soon as the engineer has
arrived and a window is open; a break is taken as soon as it may start once the engineer is free,
or earlier than the next visit when waiting for that visit would push it past its latest start.
The route leaves as late as possible without delaying the first visit.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np

from solver.model import Problem, TimeWindow


@dataclass(frozen=True)
class Timing:
    service_starts_s: list[int]
    route_start_s: int
    breaks_s: list[tuple[int, int]]
    late_windows: list[int]  # positions whose service starts after every window closed


def window_start(windows: Sequence[TimeWindow], t: int) -> tuple[int, bool]:
    """Earliest start at or after ``t`` inside a window, and whether one exists."""
    if not windows:
        return t, True
    for w in windows:
        if w.end_s is None or t <= w.end_s:
            return (t if w.start_s is None else max(t, w.start_s)), True
    return t, False  # every window has closed: start now, late


def time_route(problem: Problem, durations_s: np.ndarray, start_loc: int, shift_start_s: int,
               shift_index_breaks, seq: Sequence[int], fixed_first_start_s: int | None = None) -> Timing:
    """Times ``seq`` (order indices) for a vehicle starting at ``start_loc`` at its shift start.

    ``durations_s`` are travel times already scaled to the engineer's speed. With
    ``fixed_first_start_s`` the first visit (an order in progress) starts exactly then.
    """
    breaks = sorted(shift_index_breaks, key=lambda b: b.earliest_start_s)
    pending = list(breaks)
    taken: list[tuple[int, int]] = []
    starts: list[int] = []
    late: list[int] = []
    t = shift_start_s
    loc = start_loc
    first_leg = 0
    for k, i in enumerate(seq):
        order = problem.orders[i]
        leg = int(durations_s[loc, i])
        if k == 0:
            first_leg = leg
        if k == 0 and fixed_first_start_s is not None:
            start = fixed_first_start_s
        else:
            start, ok = window_start(order.time_windows, t + leg)
            # Take a break first if it is due, or if waiting for this visit would miss it.
            while pending and (t >= pending[0].earliest_start_s or start + order.service_duration_s > pending[0].latest_start_s):
                b = pending.pop(0)
                b_start = max(t, b.earliest_start_s)
                taken.append((b_start, b_start + b.duration_s))
                t = b_start + b.duration_s
                start, ok = window_start(order.time_windows, t + leg)
            if not ok:
                late.append(k)
        starts.append(start)
        t = start + order.service_duration_s
        loc = i
    for b in pending:  # after the last visit: taken when due, on the way home or after work
        b_start = max(t, b.earliest_start_s)
        taken.append((b_start, b_start + b.duration_s))
        t = b_start + b.duration_s
    route_start = shift_start_s
    if seq and fixed_first_start_s is None:
        # Leave just in time for the first visit (breaks before it stay where they are).
        before = [s for s, _ in taken if s < starts[0]]
        latest_departure = starts[0] - first_leg
        route_start = max(shift_start_s, latest_departure if not before else shift_start_s)
    return Timing(starts, route_start, taken, late)


def time_routes(problem: Problem, matrices, vehicles, sequences: Sequence[Sequence[int]]) -> list[Timing]:
    """``time_route`` for every vehicle's sequence, each at its engineer's speed."""
    from solver.vehicles import scaled_durations

    durations: dict[float, np.ndarray] = {}
    out = []
    for v, seq in enumerate(sequences):
        factor = float(vehicles.speed_factor[v])
        if factor not in durations:
            durations[factor] = scaled_durations(matrices.duration_s, factor)
        shift = problem.engineers[vehicles.engineer[v]].shifts[vehicles.shift[v]]
        out.append(time_route(problem, durations[factor], int(vehicles.start_loc[v]), shift.start_s, shift.breaks, seq))
    return out

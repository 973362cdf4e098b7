"""Re-planning from the current state: work in progress, committed and frozen visits.

Two steps, because the first changes where engineers stand and so must come before the travel
matrices are computed:

1. ``prepare(problem)`` — an engineer with an order in progress now stands at that order's site,
   and the order is pinned to them, starting at its actual start; committed orders are pinned to
   their engineer. Idempotent.
2. ``context(problem, matrices, vehicles)`` — after matrices: which orders each route must begin
   with (in progress, committed, then visits of the previous plan that start before the freeze
   time), the previous plan as the search's starting point, and who served what when before, for
   the disruption costs.
"""

from __future__ import annotations

from dataclasses import dataclass, replace

import numpy as np

from solver.errors import InvalidProblem, Violation
from solver.model import Problem, SlaMode, TimeWindow, TravelMatrices
from solver.schedule import RuleBook
from solver.validation import replan_violations
from solver.vehicles import Vehicles


def check(problem: Problem) -> list[Violation]:
    """The re-planning state's rules (one definition: ``solver.validation.replan_violations``),
    run again when a worker prepares the problem."""
    return replan_violations(problem)


def prepare(problem: Problem) -> Problem:
    """Moves engineers with work in progress to its site and pins pinned orders to them."""
    ctx = problem.replan
    if ctx is None or not ctx.engineer_states:
        return problem
    violations = check(problem)
    if violations:
        raise InvalidProblem(violations)
    order_index = {o.id: i for i, o in enumerate(problem.orders)}
    engineer_index = {e.id: j for j, e in enumerate(problem.engineers)}
    orders = list(problem.orders)
    engineers = list(problem.engineers)
    for state in ctx.engineer_states:
        j = engineer_index[state.engineer_id]
        for oid in state.committed_order_ids:
            i = order_index[oid]
            # Promised to this engineer: no one else, and never dropped for cost.
            orders[i] = replace(orders[i], required_engineer_ids=(state.engineer_id,), excluded_engineer_ids=(), allow_unassigned=False)
        if not state.in_progress_order_id:
            continue
        i = order_index[state.in_progress_order_id]
        assert state.in_progress_start_s is not None  # validation: an order in progress has a start
        started = int(state.in_progress_start_s)
        # It is happening: whatever its windows, skills or hard SLA said, it goes on from its start.
        orders[i] = replace(
            orders[i], time_windows=(TimeWindow(started, started),), required_skills=(),
            required_engineer_ids=(state.engineer_id,), excluded_engineer_ids=(), allow_unassigned=False,
            sla_mode=SlaMode.SOFT,
        )
        engineer = engineers[j]
        first = engineer.shifts[0]
        shifts = (replace(first, start_s=min(first.start_s, started)),) + engineer.shifts[1:]
        engineers[j] = replace(engineer, start_location=orders[i].location, shifts=shifts)
    return replace(problem, orders=tuple(orders), engineers=tuple(engineers))


@dataclass(frozen=True)
class Context:
    locks: list[list[int]]  # per vehicle: orders the route must begin with, in this order
    previous_routes: list[list[int]]  # per vehicle: the previous plan's orders
    previous_engineer: dict[int, int]  # order -> engineer index in the previous plan
    previous_start_s: dict[int, int]  # order -> its start in the previous plan (forward pass)


def context(problem: Problem, matrices: TravelMatrices, vehicles: Vehicles, allowed: np.ndarray) -> Context | None:
    ctx = problem.replan
    if ctx is None:
        return None
    order_index = {o.id: i for i, o in enumerate(problem.orders)}
    engineer_index = {e.id: j for j, e in enumerate(problem.engineers)}
    vehicle_of = {(int(vehicles.engineer[v]), int(vehicles.shift[v])): v for v in range(vehicles.count)}
    n_v = vehicles.count
    previous: list[list[int]] = [[] for _ in range(n_v)]
    seen: set[int] = set()
    for route in ctx.previous_routes:
        v = vehicle_of.get((engineer_index.get(route.engineer_id, -1), route.shift_index))
        if v is None:
            continue
        for oid in route.order_ids:
            i = order_index.get(oid)
            if i is not None and i not in seen:  # unknown or repeated ids are ignored
                seen.add(i)
                previous[v].append(i)
    previous_engineer: dict[int, int] = {}
    previous_start: dict[int, int] = {}
    book = RuleBook(problem, matrices, vehicles) if any(previous) else None
    for v, seq in enumerate(previous):
        if not seq:
            continue
        assert book is not None
        timing = book.time(v, seq)
        for i, start in zip(seq, timing.service_starts_s):
            previous_engineer[i] = int(vehicles.engineer[v])
            previous_start[i] = start

    locks: list[list[int]] = [[] for _ in range(n_v)]
    for state in ctx.engineer_states:
        v = vehicle_of[(engineer_index[state.engineer_id], 0)]
        ids = ([state.in_progress_order_id] if state.in_progress_order_id else []) + list(state.committed_order_ids)
        locks[v] = [order_index[oid] for oid in ids]
    if ctx.freeze_before_s is not None:
        for v, seq in enumerate(previous):
            for i in seq:
                if previous_start.get(i, ctx.freeze_before_s) >= ctx.freeze_before_s:
                    break  # times grow along a route: the rest is free
                if i not in locks[v]:
                    locks[v].append(i)
    # Only orders this vehicle may serve can be pinned to it (feasibility decides, with reasons).
    locks = [[i for i in lock if allowed[i, v]] for v, lock in enumerate(locks)]
    pinned = {i for lock in locks for i in lock}
    starts = [lock + [i for i in seq if i not in pinned and allowed[i, v]] for v, (lock, seq) in enumerate(zip(locks, previous))]
    return Context(locks, starts, previous_engineer, previous_start)

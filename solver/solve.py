"""``solve``: validation, feasibility, the OR-Tools search and the plan, in that order."""

from __future__ import annotations

import math
import time
from collections.abc import Callable
from dataclasses import replace

import numpy as np
import ortools

from solver import feasibility, plan_rules, replan, search
from solver.assignment import assignment_costs
from solver.kpis import compute_kpis
from solver.limits import Limits
from solver.locations import Locations
from solver.model import (
    Plan,
    Problem,
    SolveStats,
    SolveStatus,
    TravelMatrices,
    Unassigned,
    UnassignedReason,
)
from solver.objective import breakdown
from solver.routes import build_routes
from solver.routing_model import SearchConfig, Solution
from solver.schedule import RuleBook
from solver.validation import validate_or_raise
from solver.vehicles import Vehicles

SOLVER_VERSION = f"or-tools {ortools.__version__}"


def check_matrices(problem: Problem, matrices: TravelMatrices) -> None:
    """Matrices come from our own providers; a wrong one is a bug, not a bad request.

    OR-Tools solves ragged or negative matrices without a word, so refuse them here.
    """
    n = Locations.of(problem).size
    for name in ("duration_s", "distance_m"):
        m = getattr(matrices, name)
        if not isinstance(m, np.ndarray) or m.shape != (n, n) or m.dtype.kind not in "iu":
            raise ValueError(f"{name} must be an integer array of shape ({n}, {n})")
        if n and int(m.min()) < 0:
            raise ValueError(f"{name} must not be negative")


def solve(
    problem: Problem,
    matrices: TravelMatrices,
    *,
    limits: Limits = Limits(),
    should_stop: Callable[[], bool] | None = None,
    on_solution: Callable[[int, float], None] | None = None,
    inside_territory: np.ndarray | None = None,
    on_progress: Callable[[Plan], None] | None = None,
    progress_interval_s: float = 0.5,
    config: SearchConfig | None = None,
) -> Plan:
    """Plans ``problem``; raises ``InvalidProblem`` listing every broken rule.

    ``should_stop`` is polled at each improving solution (the search then ends with the best
    plan so far); ``on_solution`` receives (objective in scaled units, seconds elapsed).
    ``inside_territory`` (bool orders × engineers) tells which orders lie inside which
    engineer's territory (engineers without one: all True); ``geo`` computes it.
    A problem with re-planning state must have gone through ``solver.replan.prepare`` before
    its matrices were computed.
    ``on_progress`` receives a plan snapshot for the first solution and then at most every
    ``progress_interval_s``, timed and priced by the rule book. ``config``: the search's levers
    (benchmarks compare them; the service uses the defaults).
    """
    started = time.perf_counter()
    validate_or_raise(problem, limits)
    check_matrices(problem, matrices)
    if replan.prepare(problem) != problem:
        raise ValueError("re-planning state: call solver.replan.prepare before computing matrices")
    asked = problem
    problem = plan_rules.effective_problem(problem)
    vehicles = Vehicles.of(problem, Locations.of(problem))
    feas = feasibility.check(problem, matrices, vehicles, inside_territory)
    served = np.flatnonzero(feas.allowed.any(axis=1)) if len(problem.orders) else np.zeros(0, dtype=np.int64)
    replan_ctx = replan.context(problem, matrices, vehicles, feas.allowed)
    costs = assignment_costs(problem, inside_territory, replan_ctx.previous_engineer if replan_ctx else None)

    # The plan, its snapshots and its evaluation are timed and priced by the rule book.
    book = RuleBook(problem, matrices, vehicles, feas.allowed)
    on_sequences = _progress(on_progress, problem, matrices, vehicles, feas, costs, replan_ctx, started, book)
    solution = search.search(
        problem, matrices, vehicles, feas.allowed, served, costs.total(), replan_ctx,
        # The time limit counts from the call: validation and feasibility used some of it.
        max(0.01, problem.options.time_limit_s - (time.perf_counter() - started)),
        should_stop=should_stop, on_solution=on_solution, on_sequences=on_sequences, interval_s=progress_interval_s,
        config=config,
    )

    # OR-Tools' own schedule (its cumul values) is not reported.
    sequences = [book.repair(v, seq) for v, seq in enumerate(solution.sequences)]
    sequences, linked = plan_rules.enforce(problem, book, vehicles, sequences)
    timings = plan_rules.timed(problem, book, sequences)
    solution = replace(solution, sequences=sequences)
    problem = asked  # reported with the caller's own windows
    routes = build_routes(problem, matrices, vehicles, sequences, timings)
    unassigned = _unassigned(problem, matrices, feas, routes, solution, vehicles, book, linked)
    terms = breakdown(problem, routes, unassigned, costs, replan_ctx)
    kpis = compute_kpis(problem, routes, unassigned)
    stats = SolveStats(
        status=solution.status,
        objective=terms.total,
        breakdown=terms,
        first_solution_s=solution.first_solution_s,
        total_s=time.perf_counter() - started,
        solver_version=SOLVER_VERSION,
        random_seed=problem.options.random_seed,
        solutions_found=solution.solutions_found,
        time_limit_s=problem.options.time_limit_s,
    )
    return Plan(problem.label, routes, unassigned, kpis, stats)


def _progress(on_progress, problem, matrices, vehicles, feas, costs, replan_ctx, started, book):
    """The searches' ``on_sequences`` for ``on_progress``: snapshots whose objective improves.

    Snapshots are priced by the rule book; OR-Tools ranks plans by its own schedule and rounded
    arc costs, so a plan it saw as better may cost the same or a little more here. Callers are
    promised improving plans, so those are dropped.
    """
    if on_progress is None:
        return None
    last = [math.inf]

    def on_sequences(sequences: list[list[int]], objective_scaled: int, elapsed_s: float) -> None:
        plan = _snapshot(problem, matrices, vehicles, feas, costs, replan_ctx, sequences, objective_scaled, elapsed_s,
                         started, book)
        if plan.stats.objective < last[0] - 1e-9 * max(1.0, abs(last[0])) or math.isinf(last[0]):
            last[0] = plan.stats.objective
            on_progress(plan)

    return on_sequences


def _snapshot(problem, matrices, vehicles, feas, costs, replan_ctx, sequences, objective_scaled, elapsed_s, started,
              book: RuleBook) -> Plan:
    """A plan for the search's current sequences, timed and priced by the rule book."""
    timings = book.times(sequences)
    routes = build_routes(problem, matrices, vehicles, sequences, timings)
    solution = Solution(sequences, SolveStatus.TIME_LIMIT, objective_scaled, elapsed_s, 0, elapsed_s)
    unassigned = _unassigned(problem, matrices, feas, routes, solution, vehicles, book)
    terms = breakdown(problem, routes, unassigned, costs, replan_ctx)
    stats = SolveStats(
        status=SolveStatus.TIME_LIMIT, objective=terms.total,
        breakdown=terms, first_solution_s=None, total_s=time.perf_counter() - started,
        solver_version=SOLVER_VERSION, random_seed=problem.options.random_seed, solutions_found=0,
        time_limit_s=problem.options.time_limit_s,
    )
    return Plan(problem.label, routes, unassigned, compute_kpis(problem, routes, unassigned), stats)


def _unassigned(problem, matrices, feas, routes, solution, vehicles, book: RuleBook, linked=None) -> tuple[Unassigned, ...]:
    visited = {visit.order_index for route in routes for visit in route.visits}
    engineers = problem.engineers
    out = []
    for i, order in enumerate(problem.orders):
        if i in visited:
            continue
        if i in feas.reasons:
            reason, example = feas.reasons[i]
            if order.follow_up is not None and reason in _TIME_REASONS:
                reason = UnassignedReason.FOLLOW_UP_WINDOW_UNREACHABLE
            detail = _DETAILS[reason]
        elif linked and i in linked:
            reason, example = linked[i], -1
            detail = _DETAILS[reason]
        else:
            reason = (
                UnassignedReason.SOLVE_INCOMPLETE
                if solution.status in (SolveStatus.NO_SOLUTION, SolveStatus.CANCELLED) and not any(solution.sequences)
                else UnassignedReason.NOT_SERVED_FOR_COST
            )
            # The qualified engineer who starts nearest: the one a dispatcher would ask first.
            allowed = np.flatnonzero(feas.allowed[i])
            nearest = allowed[int(np.argmin(matrices.duration_s[vehicles.start_loc[allowed], i]))]
            example = int(vehicles.engineer[nearest])
            detail = _DETAILS[reason]
        next_s = None if i in feas.reasons or (linked and i in linked) else book.next_possible(i)
        out.append(Unassigned(order.id, i, reason, engineers[example].id if example >= 0 else "", detail, next_s))
    return tuple(out)


_TIME_REASONS = (UnassignedReason.OUTSIDE_SHIFTS, UnassignedReason.UNREACHABLE_IN_TIME_WINDOWS)

_DETAILS = {
    UnassignedReason.PARTS_UNAVAILABLE: "no qualified engineer's van holds the parts the order needs (the example engineer has them)",
    UnassignedReason.FOLLOW_UP_FIRST_VISIT_UNSERVED: "its first visit is not served, so the follow-up is not either",
    UnassignedReason.FOLLOW_UP_WINDOW_UNREACHABLE: "no engineer allowed to do the follow-up can start it inside its interval after the first visit",
    UnassignedReason.WEEKLY_HOURS_EXCEEDED: "serving it would take its engineers past their weekly maximum working time",
    UnassignedReason.UNROUTABLE: "the order's location is too far from any road of the map",
    UnassignedReason.NO_QUALIFIED_ENGINEER: "no engineer has the required skills and is allowed by the required/excluded lists",
    UnassignedReason.CAPACITY_EXCEEDED: "the order's demand exceeds every qualified engineer's capacity",
    UnassignedReason.OUTSIDE_SHIFTS: "no time window overlaps a qualified engineer's shift long enough for the service",
    UnassignedReason.UNREACHABLE_IN_TIME_WINDOWS: "no qualified engineer can reach the site and finish within a time window and the shift",
    UnassignedReason.SLA_DEADLINE_UNREACHABLE: "no qualified engineer can start service before the hard SLA deadline",
    UnassignedReason.WORKING_TIME_EXCEEDED: "travel there and back plus service exceeds every qualified engineer's maximum working time",
    UnassignedReason.OUTSIDE_TERRITORY: "the order lies outside every qualified engineer's hard territory",
    UnassignedReason.NOT_SERVED_FOR_COST: "servable alone, but the plan had no room for it at a lower cost than its penalty",
    UnassignedReason.SOLVE_INCOMPLETE: "the search found no plan within the time limit",
}

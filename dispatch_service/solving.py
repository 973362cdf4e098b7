"""A request solved as the service solves it: re-planning moves engineers, then the travel
matrices, the search with territories, and leg geometry on the plan.

One place for it: worker processes (``worker_task``), regions on the local back-end
(``regional.InProcess``) and Ray actors (``ray_engine``) all call these functions. Loads the
solver (OR-Tools, the compiled kernel): never imported by the server process.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from dataclasses import replace

from dispatch_service import travel
from dispatch_service.travel import inside_territory, matrices_for
from solver.model import Plan, PlannedRoute, Problem, TravelMatrices
from solver.replan import prepare as prepare_replan
from solver.solve import solve


def prepare(problem: Problem) -> tuple[Problem, TravelMatrices]:
    """The problem as the solver takes it, and its travel matrices (the one place for both)."""
    started = time.perf_counter()
    problem = prepare_replan(problem)
    matrices = matrices_for(problem)
    # The search gets what is left of the time limit once the matrices are built.
    left_s = max(0.05, problem.options.time_limit_s - (time.perf_counter() - started))
    return replace(problem, options=replace(problem.options, time_limit_s=left_s)), matrices


def solve_prepared(problem: Problem, matrices: TravelMatrices, **kwargs) -> Plan:
    """``solve`` with what the service adds around it: territories in, geometry out."""
    plan = solve(problem, matrices, inside_territory=inside_territory(problem), **kwargs)
    return travel.service().geometry(problem, plan)


def solve_region(problem: Problem, start: tuple[PlannedRoute, ...] | None, should_stop: Callable[[], bool],
                 on_progress: Callable[[Plan], None] | None = None) -> Plan:
    """One region (or pair of regions) of a large request: its own matrices, then the search,
    from ``start`` when given (``regional``; local and Ray back-ends alike)."""
    problem, matrices = prepare(problem)
    return solve_prepared(problem, matrices, should_stop=should_stop, on_progress=on_progress, start_routes=start)

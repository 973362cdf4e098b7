"""What a solver worker does with one task: travel matrices, then the solve."""

from __future__ import annotations

import inspect
import time
from collections.abc import Callable
from dataclasses import dataclass, replace

from dispatch_service import travel
from dispatch_service.travel import inside_territory, matrices_for
from solver.errors import InvalidProblem
from solver.limits import COST_SCALE, Limits
from solver.model import Plan, Problem, TravelMatrices
from solver.solve import solve

try:  # re-planning: engineers with work in progress start from its site
    from solver.replan import prepare as _prepare_replan
except ImportError:  # pragma: no cover
    def _prepare_replan(problem: Problem) -> Problem:
        return problem

PROGRESS_INTERVAL_S = 0.5  # at most one progress message per this interval, after the first


@dataclass(frozen=True)
class SolveTask:
    problem: Problem
    limits: Limits
    # Send a ``Progress`` at the start and at improving solutions (throttled); with
    # ``progress_plans`` each carries a snapshot of the plan when the solver can build one.
    progress: bool = False
    progress_plans: bool = False


@dataclass(frozen=True)
class SolveWithMatricesTask:
    """A solve whose travel matrices were computed elsewhere (what-if scenarios share one)."""

    problem: Problem
    limits: Limits
    matrices: TravelMatrices


@dataclass(frozen=True)
class MatrixTask:
    """Travel between points (ComputeMatrix); large ones take seconds of CPU, so a worker."""

    model: object  # solver.model.TravelModel
    lat_deg: object  # numpy arrays
    lng_deg: object


@dataclass(frozen=True)
class Progress:
    """Where a running search stands; sent through the worker's pipe before the outcome."""

    elapsed_s: float  # since the task started
    solutions: int  # improving solutions so far
    objective: float | None  # the search's objective in cost units (None before a first plan)
    plan: Plan | None = None  # a snapshot of the best plan, when available


def _solve_accepts(name: str) -> bool:
    return name in inspect.signature(solve).parameters


# Whether the solver can hand out plan snapshots during the search (``solve(on_progress=...)``).
SNAPSHOTS_SUPPORTED = _solve_accepts("on_progress")


def prepare(problem: Problem) -> tuple[Problem, TravelMatrices]:
    """The problem as the solver takes it, and its travel matrices (the one place for both)."""
    started = time.perf_counter()
    problem = _prepare_replan(problem)
    matrices = matrices_for(problem)
    # The search gets what is left of the time limit once the matrices are built.
    left_s = max(0.05, problem.options.time_limit_s - (time.perf_counter() - started))
    return replace(problem, options=replace(problem.options, time_limit_s=left_s)), matrices


def solve_prepared(problem: Problem, matrices: TravelMatrices, **kwargs) -> Plan:
    """``solve`` with what the service adds around it: territories in, geometry out."""
    plan = solve(problem, matrices, inside_territory=inside_territory(problem), **kwargs)
    return travel.service().geometry(problem, plan)


def run_task(task, should_stop: Callable[[], bool], progress: Callable[[Progress], None] | None = None) -> tuple[str, object]:
    try:
        if getattr(task, "runs_itself", False):  # e.g. analytics_rpc.AnalyzeTask
            return task.run()
        if isinstance(task, MatrixTask):
            return "matrix", travel.service().points(task.model, task.lat_deg, task.lng_deg)
        if isinstance(task, SolveWithMatricesTask):
            plan = solve_prepared(task.problem, task.matrices, limits=task.limits, should_stop=should_stop)
            return "plan", plan
        if not getattr(task, "progress", False) or progress is None:
            problem, matrices = prepare(task.problem)
            plan = solve_prepared(problem, matrices, limits=task.limits, should_stop=should_stop)
            return "plan", plan
        return "plan", _solve_with_progress(task, should_stop, progress)
    except InvalidProblem as exc:
        return "invalid", list(exc.violations)


def _solve_with_progress(task: SolveTask, should_stop: Callable[[], bool], progress: Callable[[Progress], None]) -> Plan:
    started = time.perf_counter()
    progress(Progress(0.0, 0, None))  # the job is running: a worker has it
    state = {"count": 0, "sent_at": None, "objective": None}

    def due() -> bool:
        sent = state["sent_at"]
        return sent is None or time.perf_counter() - sent >= PROGRESS_INTERVAL_S

    def on_solution(objective_scaled: int, _elapsed_s: float) -> None:
        state["count"] += 1
        state["objective"] = objective_scaled / COST_SCALE
        if not SNAPSHOTS_SUPPORTED or not task.progress_plans:
            if due():
                state["sent_at"] = time.perf_counter()
                progress(Progress(time.perf_counter() - started, state["count"], state["objective"]))

    def on_plan(plan: Plan) -> None:  # already throttled by the solver
        state["sent_at"] = time.perf_counter()
        progress(Progress(time.perf_counter() - started, plan.stats.solutions_found or state["count"] or 1, plan.stats.objective, plan))  # a snapshot is a plan

    problem, matrices = prepare(task.problem)
    kwargs = {}
    if SNAPSHOTS_SUPPORTED and task.progress_plans:
        kwargs = {"on_progress": on_plan, "progress_interval_s": PROGRESS_INTERVAL_S}
    return solve_prepared(problem, matrices, limits=task.limits, should_stop=should_stop, on_solution=on_solution, **kwargs)

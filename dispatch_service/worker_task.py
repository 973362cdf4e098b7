"""What a worker process does with one task (see ``tasks``): travel matrices, then the solve;
plan evaluation; insertion against a cached plan; matrices between points.

Imported only in worker processes: it loads OR-Tools and the compiled kernel, which the server
process never does (heavy work and its memory stay in processes the server can kill).
"""

from __future__ import annotations

import time
from collections import OrderedDict
from collections.abc import Callable
from dataclasses import replace
from typing import Any

from dispatch_service import travel
from dispatch_service.tasks import EvaluateTask, InsertionTask, MatrixTask, Progress, SolveTask
from dispatch_service.travel import inside_territory, matrices_for
from solver.errors import InvalidProblem
from solver.evaluate import evaluate_plan
from solver.insertion import PlanState, plan_state, recommend
from solver.limits import COST_SCALE
from solver.model import Plan, Problem, TravelMatrices
from solver.replan import prepare as prepare_replan
from solver.solve import solve

# Timed plans kept for repeated insertion questions, bounded by their matrices' size.
PLAN_STATE_CACHE_BYTES = 256 * 1024 * 1024
PLAN_STATE_CACHE_ENTRIES = 8


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


def run_task(task, should_stop: Callable[[], bool], progress: Callable[[Progress], None] | None = None) -> tuple[str, object]:
    """``(kind, value)``: ``("plan", Plan)``, ``("invalid", violations)``, ``("matrix", ...)``,
    ``("evaluation", Evaluation)``, ``("candidates", (candidates, reason))`` or
    ``("plan_state_missing", key)``."""
    try:
        if getattr(task, "runs_itself", False):  # e.g. analytics_rpc.AnalyzeTask
            return task.run()
        if isinstance(task, MatrixTask):
            return "matrix", travel.service().rectangle(
                task.model, task.origin_lat_deg, task.origin_lng_deg, task.destination_lat_deg, task.destination_lng_deg
            )
        if isinstance(task, EvaluateTask):
            problem = task.problem
            matrices = travel.service().matrices_for(problem)
            return "evaluation", evaluate_plan(problem, matrices, task.routes, inside_territory(problem))
        if isinstance(task, InsertionTask):
            return _insertion(task)
        if not task.progress or progress is None:
            problem, matrices = prepare(task.problem)
            return "plan", solve_prepared(problem, matrices, limits=task.limits, should_stop=should_stop)
        return "plan", _solve_with_progress(task, should_stop, progress)
    except InvalidProblem as exc:
        return "invalid", list(exc.violations)


# key -> (timed plan, the travel of its locations, estimated bytes)
_plan_states: OrderedDict[bytes, tuple[PlanState, tuple, int]] = OrderedDict()


def _state_bytes(problem: Problem) -> int:
    """What a timed plan holds, roughly: its two int64 matrices and the travel cache's copy."""
    n = len(problem.orders) + 2 * len(problem.engineers)
    return 4 * 8 * n * n


def _insertion(task: InsertionTask) -> tuple[str, object]:
    entry = _plan_states.get(task.key)
    if entry is None:
        if task.problem is None:
            return "plan_state_missing", task.key
        problem = task.problem
        service = travel.service()
        state = plan_state(problem, service.cached_matrices_for(problem), task.routes or ())
        entry = (state, service.base(problem), _state_bytes(problem))
        _plan_states[task.key] = entry
        while len(_plan_states) > PLAN_STATE_CACHE_ENTRIES or (
            len(_plan_states) > 1 and sum(size for _, _, size in _plan_states.values()) > PLAN_STATE_CACHE_BYTES
        ):
            _plan_states.popitem(last=False)
    _plan_states.move_to_end(task.key)
    state, base, _ = entry
    problem, new = state.problem, task.order
    inside = inside_territory(replace(problem, orders=(new,)))
    candidates, reason = recommend(
        state, new, travel.service().new_point_travel(problem, new.location, base), task.max_candidates,
        None if inside is None else inside[0],
    )
    return "candidates", (candidates, reason)


def _solve_with_progress(task: SolveTask, should_stop: Callable[[], bool], progress: Callable[[Progress], None]) -> Plan:
    started = time.perf_counter()
    progress(Progress(0.0, 0, None))  # the job is running: a worker has it
    state: dict[str, Any] = {"count": 0, "sent_at": None, "objective": None}

    def due() -> bool:
        sent = state["sent_at"]
        return sent is None or time.perf_counter() - sent >= task.progress_interval_s

    def on_solution(objective_scaled: int, _elapsed_s: float) -> None:
        state["count"] += 1
        state["objective"] = objective_scaled / COST_SCALE
        if not task.progress_plans and due():
            state["sent_at"] = time.perf_counter()
            progress(Progress(time.perf_counter() - started, state["count"], state["objective"]))

    def on_plan(plan: Plan) -> None:  # already throttled by the solver
        state["sent_at"] = time.perf_counter()
        progress(Progress(time.perf_counter() - started, plan.stats.solutions_found or state["count"] or 1, plan.stats.objective, plan))

    problem, matrices = prepare(task.problem)
    kwargs = {}
    if task.progress_plans:
        kwargs = {"on_progress": on_plan, "progress_interval_s": task.progress_interval_s}
    return solve_prepared(problem, matrices, limits=task.limits, should_stop=should_stop, on_solution=on_solution, **kwargs)

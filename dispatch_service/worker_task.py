"""What a solver worker does with one task: travel matrices, then the solve."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

from dispatch_service.travel import matrices_for
from solver.errors import InvalidProblem
from solver.limits import Limits
from solver.model import Problem
from solver.solve import solve


@dataclass(frozen=True)
class SolveTask:
    problem: Problem
    limits: Limits


def run_task(task: SolveTask, should_stop: Callable[[], bool]) -> tuple[str, object]:
    try:
        matrices = matrices_for(task.problem)
        plan = solve(task.problem, matrices, limits=task.limits, should_stop=should_stop)
    except InvalidProblem as exc:
        return "invalid", list(exc.violations)
    return "plan", plan

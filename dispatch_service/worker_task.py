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

import numpy as np

from dispatch_service import travel
from dispatch_service.solving import prepare, solve_prepared
from dispatch_service.tasks import EvaluateTask, InsertionTask, MatrixTask, Progress, SlotsTask, SolveTask
from dispatch_service.travel import inside_territory
from solver import booking
from solver.errors import InvalidProblem
from solver.evaluate import evaluate_plan
from solver.insertion import PlanState, plan_state, recommend
from solver.limits import COST_SCALE
from solver.model import Plan, PlannedRoute, Problem

# Timed plans kept for repeated insertion questions, bounded by their matrices' size.
PLAN_STATE_CACHE_BYTES = 256 * 1024 * 1024
PLAN_STATE_CACHE_ENTRIES = 8


def engine_for(task: SolveTask):
    """The back-end that runs a request's regions (``regional.Engine``)."""
    if task.backend == "ray":
        from dispatch_service.ray_engine import RayEngine

        return RayEngine.connect(task.ray_address)
    from dispatch_service.regional import InProcess

    return InProcess()


def regional_applies(task: SolveTask) -> bool:
    problem = task.problem
    return 0 < task.region_orders < len(problem.orders) and problem.replan is None


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
        if isinstance(task, SlotsTask):
            return _slots(task)
        if regional_applies(task):
            return "plan", _solve_regional(task, should_stop, progress)
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


def _timed_plan(task: InsertionTask | SlotsTask) -> tuple[PlanState, tuple] | None:
    """The plan a question is asked about, timed once and kept under its key (None: the
    worker does not have it and the task did not bring it)."""
    entry = _plan_states.get(task.key)
    if entry is None:
        if task.problem is None:
            return None
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
    return entry[0], entry[1]


def _insertion(task: InsertionTask) -> tuple[str, object]:
    timed = _timed_plan(task)
    if timed is None:
        return "plan_state_missing", task.key
    state, base = timed
    problem, new = state.problem, task.order
    inside = inside_territory(replace(problem, orders=(new,)))
    candidates, reason = recommend(
        state, new, travel.service().new_point_travel(problem, new.location, base), task.max_candidates,
        None if inside is None else inside[0],
    )
    return "candidates", (candidates, reason)


def _slots(task: SlotsTask) -> tuple[str, object]:
    """Each new order's slot offers; with ``reserve``, its best slot booked into the plan the
    next order sees. Returns ("slots", (per order: (offers, booked offer or None), the plan's
    routes at the end or None))."""
    timed = _timed_plan(task)
    if timed is None:
        return "plan_state_missing", task.key
    state, base = timed
    problem = state.problem
    orders = list(task.orders)
    slots = task.grid.slots()
    service = travel.service()
    n0 = len(problem.orders)
    travels = [service.new_point_travel(problem, o.location, base) for o in orders]
    inside = inside_territory(replace(problem, orders=tuple(orders)))
    pair = None
    if task.reserve and len(orders) > 1:
        lat = np.array([o.location.lat for o in orders])
        lng = np.array([o.location.lng for o in orders])
        pair = service.points(problem.options.travel_model, lat, lng)
    answers = []
    reserved: list[int] = []  # orders booked so far, in booking order
    current = state
    for k, new in enumerate(orders):
        site = travels[k]
        if reserved and pair is not None:
            site = booking.travel_with_sites(site, n0, pair.duration_s[reserved, k], pair.duration_s[k, reserved],
                                             pair.distance_m[reserved, k], pair.distance_m[k, reserved])
        offers = booking.offer_slots(current, new, site, slots, None if inside is None else inside[k])
        best = booking.ranked(offers)[:1] if task.reserve else []
        if best:
            booked_problem, routes, _ = booking.booked_plan(current, new, best[0])
            reserved.append(k)
            idx = np.asarray(reserved)
            empty = np.zeros((1, 1), dtype=np.int64)
            matrices = booking.with_sites(
                state.matrices, n0, [travels[a] for a in reserved],
                empty if pair is None else pair.duration_s[np.ix_(idx, idx)],
                empty if pair is None else pair.distance_m[np.ix_(idx, idx)])
            current = plan_state(booked_problem, matrices, routes, keep=(current, best[0].vehicle))
        answers.append((offers, best[0] if best else None))
    routes_out = None
    if task.reserve:
        routes_out = [PlannedRoute(current.problem.engineers[int(current.vehicles.engineer[v])].id, int(current.vehicles.shift[v]),
                                   tuple(current.problem.orders[i].id for i in seq))
                      for v, seq in enumerate(current.sequences) if len(seq)]
    return "slots", (answers, routes_out)


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


def _solve_regional(task: SolveTask, should_stop: Callable[[], bool], progress: Callable[[Progress], None] | None) -> Plan:
    from dispatch_service import regional

    started = time.perf_counter()
    on_plan = None
    if progress is not None and task.progress:
        progress(Progress(0.0, 0, None))  # the job is running: a worker has it
        emit = progress

        def on_plan(plan: Plan) -> None:
            emit(Progress(time.perf_counter() - started, plan.stats.solutions_found, plan.stats.objective,
                          plan if task.progress_plans else None))

    return regional.solve(task.problem, engine_for(task), region_orders=task.region_orders, should_stop=should_stop,
                          on_progress=on_plan)

"""The search: construction -> compiled kernel -> OR-Tools (one model, or groups of routes).

``solver.routing_model`` only builds and reads the OR-Tools model, ``solver.decompose`` runs
rounds of group models, ``solver.improve`` the kernel, ``solver.construction`` the first plan;
this module decides which run, in what order and for how long, under one stopping rule.

Time is shared by one policy (``SearchConfig``) on both paths: the construction takes at most
``construction_share`` of the limit, the kernel ``improve_share`` of what is left (for
``CONSUME_ALL_TIME`` searches without a solution limit or a previous plan), OR-Tools the rest.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from dataclasses import dataclass, replace

import numpy as np

from solver import construction, decompose, improve
from solver.model import Problem, SolveStatus, TravelMatrices
from solver.replan import Context as ReplanContext
from solver.routing_model import RoutingModel, SearchConfig, Solution, improves
from solver.schedule import RuleBook
from solver.vehicles import Vehicles


@dataclass(frozen=True)
class Stop:
    """One stopping rule for every stage: a deadline (``time.perf_counter()`` value), a
    cancel flag polled between steps, and the solution limit (OR-Tools counts it)."""

    deadline: float
    should_stop: Callable[[], bool] | None = None

    def left_s(self) -> float:
        return self.deadline - time.perf_counter()

    def cancelled(self) -> bool:
        return self.should_stop is not None and self.should_stop()


def search(
    problem: Problem,
    matrices: TravelMatrices,
    vehicles: Vehicles,
    allowed: np.ndarray,
    served: np.ndarray,
    assignment_cost: np.ndarray | None,
    replan: ReplanContext | None,
    time_limit_s: float,
    *,
    should_stop: Callable[[], bool] | None = None,
    on_solution: Callable[[int, float], None] | None = None,
    on_sequences: Callable[[list[list[int]], int, float], None] | None = None,
    interval_s: float = 0.5,
    config: SearchConfig | None = None,
    start: list[list[int]] | None = None,
) -> Solution:
    """Plans the ``served`` orders within ``time_limit_s`` (timed from this call, model building
    included). ``on_sequences(sequences, objective or -1, elapsed_s)`` sees the first plan and
    then better ones; ``on_solution(objective, elapsed_s)`` every OR-Tools solution.

    ``start`` (per vehicle: served orders in visiting order, a feasible plan) replaces the
    construction: the search continues from it (a region's plan re-solved with its neighbour's,
    ``dispatch_service.regional``). Not with re-planning state, whose previous routes seed it."""
    started = time.perf_counter()
    stop = Stop(started + time_limit_s, should_stop)
    config = config or SearchConfig.default()
    if served.size == 0:
        return Solution.empty(vehicles.count, SolveStatus.LOCAL_OPTIMUM)
    large = replan is None and served.size >= decompose.MIN_ORDERS
    model = None if large else RoutingModel(problem, matrices, vehicles, allowed, served, assignment_cost, replan)
    kernel = config.improve and improves(problem) and replan is None
    sequences = None
    first_s = None
    streamed = False
    warm = start is not None and replan is None
    if ((warm or (config.construction and (large or kernel or served.size >= config.construction_from)))
            and not (replan is not None and any(replan.previous_routes)) and not stop.cancelled()):
        inst = construction.prepare(problem, matrices, vehicles, allowed, served, assignment_cost)
        if warm:
            assert start is not None
            sequences = [list(s) for s in start]
        else:
            sequences = construction.construct(inst, time_budget_s=max(0.05, config.construction_share * time_limit_s))
        if large or kernel or warm:
            # The constructed plan is the first plan, and is what is streamed first.
            first_s = time.perf_counter() - started
            if on_sequences is not None:
                on_sequences([list(s) for s in sequences], -1, first_s)
                streamed = True
        if kernel and not stop.cancelled():
            kernel_best = None
            if on_sequences is not None:
                report = on_sequences

                def kernel_best(seqs: list[list[int]], _elapsed_s: float) -> None:
                    report(seqs, -1, time.perf_counter() - started)

            result = improve.improve(inst, sequences, budget_s=max(0.0, config.improve_share * stop.left_s()),
                                     should_stop=should_stop, seed=problem.options.random_seed,
                                     on_sequences=kernel_best,
                                     interval_s=interval_s)
            if large and on_sequences is not None:
                on_sequences([list(s) for s in result.sequences], -1, time.perf_counter() - started)
            starts = [result.sequences, sequences]
            sequences = result.sequences
        else:
            starts = [sequences]
    else:
        starts = []
    if large:
        if sequences is None:  # cancelled before anything was built
            return Solution.empty(vehicles.count, SolveStatus.CANCELLED)
        return decompose.rounds(problem, matrices, vehicles, allowed, served, assignment_cost, sequences,
                                stop.deadline, started, first_s, should_stop=should_stop, on_solution=on_solution,
                                on_sequences=on_sequences, config=config)
    assert model is not None  # built above whenever the problem is not decomposed
    left_s = stop.left_s()
    if starts and left_s < 0.02:
        # No time for OR-Tools to even read the plan: the kernel's (or construction's) stands.
        return Solution([list(s) for s in starts[0]], SolveStatus.CANCELLED if stop.cancelled() else SolveStatus.TIME_LIMIT,
                        -1, first_s, 1, time.perf_counter() - started)
    solution = model.search(max(0.01, left_s), should_stop=should_stop, on_solution=on_solution,
                            on_sequences=on_sequences, sequences_interval_s=interval_s, starts=starts,
                            start_streamed=streamed, first_solution_s=first_s, origin_s=started,
                            # OR-Tools' check of a start plan takes long with breaks at a few
                            # hundred orders: its budget comes from the whole limit (a fifth, up
                            # to 2 s), but never past the time left; a start it could not check
                            # in time stays the fallback.
                            read_budget_s=min(max(0.1, min(2.0, 0.2 * time_limit_s)), max(0.02, left_s)),
                            config=config)
    if solution.status is SolveStatus.TIME_LIMIT and not any(solution.sequences) and solution.solutions_found <= 1:
        # OR-Tools hands back its trivial "nothing performed" assignment when the time runs
        # out while it builds a first plan: that is no plan, and its orders were never tried.
        solution = Solution.empty(vehicles.count, SolveStatus.NO_SOLUTION, solution.first_solution_s,
                                  solution.solutions_found, solution.search_s)
    if starts and solution.sequences != starts[0]:
        # OR-Tools ranks plans by its own schedule: the best plan so far stands, by the rules.
        book = RuleBook(problem, matrices, vehicles, allowed, assignment_cost)
        if book.objective(starts[0], served) < book.objective(solution.sequences, served):
            status = solution.status if solution.status is not SolveStatus.NO_SOLUTION else SolveStatus.TIME_LIMIT
            solution = replace(solution, sequences=[list(s) for s in starts[0]], status=status, objective_scaled=-1)
    return solution

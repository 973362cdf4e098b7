"""Decomposition for large problems: OR-Tools on groups of nearby routes, round after round.

Why: OR-Tools' local search makes a few moves per second at 1000+ orders and building one
model over 5000 orders takes longer than a whole request may; its search is fast on 100–200
orders. So: from a plan of everything (``solver.search`` makes it: construction, then the
compiled kernel), each round partitions the vehicles into groups of neighbouring routes (seeded differently each
round, so seams move) and improves every group with its own small ``RoutingModel``, starting
from the group's current routes (never worse than them). Orders left out so far join the group
nearest to them. Groups run in forked worker processes, one per core.

Every order stays accounted for: a group's model serves exactly its routes' orders plus the
left-out orders given to it (at most ``group_orders`` per round), and its result replaces exactly
those routes, unless it serves fewer orders than they did (a search that found nothing in its
slice): then the routes stay. Groups are skipped near the deadline, so the time limit holds.
"""

from __future__ import annotations

import multiprocessing
import os
import time
from collections.abc import Callable
from dataclasses import dataclass, replace

import numpy as np

from solver.model import Problem, SearchMode, SolveStatus, TravelMatrices
from solver.routing_model import RoutingModel, SearchConfig, Solution
from solver.vehicles import Vehicles

MIN_ORDERS = 600  # below this one model searches faster than the decomposition
GROUP_ORDERS = 150  # orders per group, about
ROUND_S = 2.0  # a group's search time per round, at most
MIN_ROUNDS = 4  # rounds the time limit is shared over (seams move between rounds)
_MIN_GROUP_S = 0.1  # a group started later than this before the deadline is skipped
_END_MARGIN_S = 0.15  # time kept after the groups' deadline: collect, time the routes, return


@dataclass(frozen=True)
class GroupResult:
    vehicles: list[int]  # global vehicle indices
    sequences: list[list[int]]
    objective: int  # scaled, over the group's model (unserved group orders' penalties included)


# Set before forking so that workers read them without pickling matrices.
_SHARED: dict = {}


def groups_of(sequences: list[list[int]], unassigned: list[int], vehicles: Vehicles, duration: np.ndarray,
              group_orders: int, rng: np.random.Generator) -> list[tuple[list[int], list[int]]]:
    """Partition of all vehicles into groups of neighbouring routes, with left-out orders.

    A route's place is its medoid stop (its start location when empty); groups grow from a
    random seed route by nearest places until about ``group_orders`` orders.
    """
    nv = vehicles.count
    place = np.empty(nv, dtype=np.int64)
    for v, seq in enumerate(sequences):
        if seq:
            s = np.asarray(seq)
            place[v] = s[int(np.argmin(duration[np.ix_(s, s)].sum(axis=1)))]
        else:
            place[v] = vehicles.start_loc[v]
    sizes = np.asarray([len(s) for s in sequences])
    free = np.ones(nv, dtype=bool)
    # Empty vehicles are spread over the groups in proportion: at most a few per group.
    used = sizes > 0
    n_groups = max(1, int(round(sizes.sum() / group_orders)))
    groups: list[list[int]] = []
    order = rng.permutation(np.flatnonzero(used)) if used.any() else rng.permutation(nv)
    for seed in order:
        if not free[seed]:
            continue
        cand = np.flatnonzero(free & used)
        near = cand[np.argsort(duration[place[seed], place[cand]] + duration[place[cand], place[seed]], kind="stable")]
        members: list[int] = []
        count = 0
        for v in near:
            if count >= group_orders and members:
                break
            members.append(int(v))
            count += int(sizes[v])
        free[members] = False
        groups.append(members)
    empties = np.flatnonzero(free)
    if groups and empties.size:
        per = max(1, min(5, int(np.ceil(empties.size / max(1, n_groups)))))
        for g in groups:
            if not empties.size:
                break
            anchor = place[g[0]]
            k = np.argsort(duration[anchor, place[empties]], kind="stable")[:per]
            g.extend(int(v) for v in empties[k])
            empties = np.delete(empties, k)
        groups[-1].extend(int(v) for v in empties)
    elif empties.size:
        groups.append([int(v) for v in empties])
    extra: list[list[int]] = [[] for _ in groups]
    if unassigned and groups:
        # Left-out orders join the nearest group, at most ``group_orders`` per group and round
        # (a group model of a thousand orders finds nothing in a round's time slice); the
        # others wait for a later round, taken in a random order so that none waits forever.
        anchors = np.asarray([place[g[0]] for g in groups])
        for i in rng.permutation(np.asarray(unassigned, dtype=np.int64)):
            nearest = int(np.argmin(duration[anchors, i]))
            if len(extra[nearest]) < group_orders:
                extra[nearest].append(int(i))
    return [(g, e) for g, e in zip(groups, extra)]


def _sub_vehicles(vehicles: Vehicles, idx: list[int]) -> Vehicles:
    return vehicles.take(idx)


def solve_group(vehs: list[int], sequences: list[list[int]], extra: list[int], time_limit_s: float,
                deadline: float | None = None) -> GroupResult | None:
    """Improves one group's routes with its own model; None when it has no orders, or when
    ``deadline`` (a ``time.perf_counter()`` value; forked workers share the clock) is too near."""
    problem, matrices, vehicles, allowed, cost, config = (
        _SHARED[k] for k in ("problem", "matrices", "vehicles", "allowed", "cost", "config"))
    served = np.asarray(sorted({i for s in sequences for i in s} | set(extra)), dtype=np.int64)
    if served.size == 0 or (deadline is not None and deadline - time.perf_counter() < _MIN_GROUP_S):
        return None
    sub = _sub_vehicles(vehicles, vehs)
    sub_allowed = allowed[:, vehs]
    model = RoutingModel(problem, matrices, sub, sub_allowed, served, cost, None)
    if deadline is not None:
        time_limit_s = min(time_limit_s, deadline - time.perf_counter())
        if time_limit_s < 0.5 * _MIN_GROUP_S:
            return None
    result = model.search(time_limit_s, starts=[sequences],
                          config=replace(config or SearchConfig.default(), construction=False, portfolio=None))
    return GroupResult(vehs, result.sequences, result.objective_scaled)


def _run(args: tuple) -> GroupResult | None:
    return solve_group(*args)


def rounds(problem: Problem, matrices: TravelMatrices, vehicles: Vehicles, allowed: np.ndarray, served: np.ndarray,
           assignment_cost: np.ndarray | None, sequences: list[list[int]], deadline: float, started: float,
           first_s: float | None, should_stop: Callable[[], bool] | None = None,
           on_solution: Callable[[int, float], None] | None = None,
           on_sequences: Callable[[list[list[int]], int, float], None] | None = None,
           workers: int | None = None, config=None, group_orders: int = GROUP_ORDERS):
    """Rounds of group searches from ``sequences`` (a plan of the whole problem) until
    ``deadline`` (a ``time.perf_counter()`` value); times are reported from ``started``."""
    config = config or SearchConfig.default()
    sequences = [list(s) for s in sequences]
    routed = {i for s in sequences for i in s}
    unassigned = [int(i) for i in served if int(i) not in routed]
    _SHARED.update(problem=problem, matrices=matrices, vehicles=vehicles, allowed=allowed, cost=assignment_cost,
                   config=config)
    workers = workers or min(2, os.cpu_count() or 1)
    rng = np.random.default_rng(problem.options.random_seed)
    n_rounds = 0
    best: int | None = None
    stopped = False
    pool = None
    # The service's solver workers are daemonic, and daemonic processes may not have children:
    # there the groups run one after the other (see the report on using both cores).
    if workers > 1 and not multiprocessing.current_process().daemon:
        try:
            pool = multiprocessing.get_context("fork").Pool(workers)
        except (OSError, AssertionError, ValueError):
            pool = None
    workers = workers if pool is not None else 1
    try:
        while True:
            left = deadline - time.perf_counter()
            if left < 0.3 or (should_stop is not None and should_stop()):
                stopped = should_stop is not None and left >= 0.3
                break
            groups = groups_of(sequences, unassigned, vehicles, matrices.duration_s, group_orders, rng)
            waves = int(np.ceil(len(groups) / workers))
            # Each round fits the time left; later rounds move the seams.
            slice_s = max(0.1, min(ROUND_S, (left - 0.2) / (waves * (1 if n_rounds >= MIN_ROUNDS - 1 else MIN_ROUNDS - n_rounds))))
            group_deadline = deadline - _END_MARGIN_S
            tasks = [(g, [sequences[v] for v in g], extra, slice_s, group_deadline) for g, extra in groups]
            out = pool.map(_run, tasks, chunksize=1) if pool is not None else [_run(t) for t in tasks]
            n_rounds += 1
            objective_by_group = []
            for res in out:
                if res is None:
                    continue
                objective_by_group.append(res.objective)
                if sum(len(s) for s in res.sequences) < sum(len(sequences[v]) for v in res.vehicles):
                    # The group's search found no plan within its slice (or a worse one, serving
                    # fewer orders): keep its routes. Its objective then over-estimates theirs.
                    continue
                for k, v in enumerate(res.vehicles):
                    sequences[v] = res.sequences[k]
            routed = {i for s in sequences for i in s}
            unassigned = [int(i) for i in served if int(i) not in routed]
            previous, objective = best, int(sum(objective_by_group))
            best = objective
            elapsed = time.perf_counter() - started
            if on_solution is not None:
                on_solution(objective, elapsed)
            if on_sequences is not None:
                on_sequences([list(s) for s in sequences], objective, elapsed)
            if problem.options.search_mode is SearchMode.RETURN_FAST and previous is not None and objective >= previous:
                break  # a local optimum across the seams too
    finally:
        if pool is not None:
            pool.terminate()
            pool.join()
        _SHARED.clear()
    status = SolveStatus.CANCELLED if stopped else (
        SolveStatus.LOCAL_OPTIMUM if problem.options.search_mode is SearchMode.RETURN_FAST and n_rounds
        else SolveStatus.TIME_LIMIT)
    # The groups' objectives cover only the groups of the last round: the plan is costed whole
    # by the rule book (-1).
    return Solution(sequences, status, -1, first_s, max(1, n_rounds), time.perf_counter() - started)

"""A large request solved region by region, then seam rounds between neighbouring regions.

``regions.partition`` splits the request before any matrix is built; every region is solved by
the one search (``solving.solve_region``: its own matrices, then construction, the compiled
kernel and OR-Tools, as any request). Then, round after round until the time limit, disjoint
pairs of neighbouring regions are re-solved together from their current routes, so that orders
near a border can move to the engineers across it (``solver.decompose`` does the same for groups
of routes inside one search; this is the same idea one level up). A pair's plan replaces its two
regions' only when it costs less by the rule book.

Where the regions run is an ``Engine``: ``InProcess`` (one after the other in this process) or
``ray_engine.RayEngine`` (actors on a Ray cluster). An engine hands back, per call, the best plan
it got: the call's answer, else the last snapshot it saw (an actor that died or was late), else
None. So a lost call costs its region's improvement, never the plan: the region's previous
plan stands.
"""

from __future__ import annotations

import logging
import math
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field, replace
from typing import Protocol

import numpy as np

from dispatch_service import regions as rg
from dispatch_service.config import DEFAULT_REGION_ORDERS
from dispatch_service.travel import inside_territory
from solver.assignment import assignment_costs
from solver.model import (
    ObjectiveBreakdown,
    Plan,
    PlannedRoute,
    Problem,
    Route,
    SearchMode,
    SolveStats,
    SolveStatus,
    Unassigned,
    UnassignedReason,
)
from solver.objective import breakdown, penalties

log = logging.getLogger(__name__)

REGION_ORDERS = DEFAULT_REGION_ORDERS  # orders per region, about (--region-orders)
FIRST_SHARE = 0.4  # of the time limit for the first plans of all regions (the rest: seam rounds)
FIRST_SLICE_S = 1.5  # a region's search for its first plan, at most: the seam rounds go on from it
MIN_SLICE_S = 1.0  # a region's or pair's search time, at least (matrices, construction, kernel)
ROUND_S = 10.0  # a pair's search time per round, at most: later rounds move other seams
MIN_ROUNDS = 3  # seam rounds the time after the first plans is shared over, at least
END_MARGIN_S = 0.5  # kept from the time limit to merge the regions' plans and answer
# ... plus this per region: a round's answers are split back into regions after the deadline
# (measured: 50 regions overran a 60 s limit by up to 2.9 s with the flat margin alone).
END_MARGIN_PER_REGION_S = 0.04
# A call's time beyond its search: matrices, feasibility, timing the routes, shipping the plan.
CALL_OVERHEAD_S = 0.4
LOST_DETAIL = "the order's region lost its search before a first plan (its worker stopped)"


@dataclass(frozen=True)
class RegionCall:
    """One search: a region's (or a pair's) sub-problem, with its time limit, and where to start."""

    key: tuple
    problem: Problem
    start: tuple[PlannedRoute, ...] | None = None


class Engine(Protocol):
    workers: int  # calls run at once

    def run(self, calls: Sequence[RegionCall], should_stop: Callable[[], bool], deadline: float) -> list[Plan | None]:
        """Per call, the best plan got by ``deadline`` (a ``time.perf_counter()`` value, after
        which no call is started and running ones are stopped), or None. Once ``should_stop()``
        (a cancel) it answers at once with what it has."""
        ...


@dataclass
class Report:
    """What the regional search did (benchmarks and logs)."""

    regions: int = 0
    region_orders: list[int] = field(default_factory=list)
    first_plan_s: float | None = None
    region_call_s: list[float] = field(default_factory=list)  # wall time of each first-plan call, as the engine saw it
    rounds: int = 0
    calls: int = 0
    lost_calls: int = 0  # no answer (worker died, cancelled or late): the best snapshot or the previous plan stood
    seams_improved: int = 0


class InProcess:
    """Regions one after the other in this process (no parallelism; the default back-end's path
    for requests above ``--region-orders``)."""

    workers = 1

    def __init__(self) -> None:
        self.call_s: list[float] = []

    def run(self, calls: Sequence[RegionCall], should_stop: Callable[[], bool], deadline: float) -> list[Plan | None]:
        from dispatch_service.solving import solve_region

        def halt() -> bool:  # a search stops at a cancel or at the deadline, whatever its own limit
            return should_stop() or time.perf_counter() >= deadline

        out: list[Plan | None] = []
        for call in calls:
            if should_stop() or time.perf_counter() >= deadline:
                out.append(None)
                continue
            t0 = time.perf_counter()
            out.append(solve_region(call.problem, call.start, halt))
            self.call_s.append(time.perf_counter() - t0)
        return out


def solve(problem: Problem, engine: Engine, *, region_orders: int = REGION_ORDERS,
          should_stop: Callable[[], bool] | None = None, on_progress: Callable[[Plan], None] | None = None,
          report: Report | None = None) -> Plan:
    """Plans ``problem`` (validated, without re-planning state) region by region on ``engine``
    within its time limit; ``on_progress`` gets the first whole plan and every better one."""
    from solver.solve import SOLVER_VERSION  # the solver's version string, one place

    started = time.perf_counter()
    cancel = should_stop or (lambda: False)
    report = report if report is not None else Report()
    limit_s = problem.options.time_limit_s
    regions = rg.partition(problem, region_orders, inside_territory(problem))
    deadline = started + limit_s - END_MARGIN_S - END_MARGIN_PER_REGION_S * len(regions)
    report.regions = len(regions)
    report.region_orders = [int(r.orders.size) for r in regions]
    best = [math.inf]

    def stats(status: SolveStatus, total: ObjectiveBreakdown) -> SolveStats:
        return SolveStats(status=status, objective=total.total, breakdown=total, first_solution_s=report.first_plan_s,
                          total_s=time.perf_counter() - started, solver_version=SOLVER_VERSION,
                          random_seed=problem.options.random_seed, solutions_found=1 + report.seams_improved,
                          time_limit_s=limit_s)

    def publish(parts: list[rg.Part]) -> None:
        total = rg.merged(parts)[2]
        if on_progress is not None and total.total < best[0]:
            on_progress(_plan(problem, parts, stats(SolveStatus.TIME_LIMIT, total)))
        best[0] = min(best[0], total.total)

    # First plans: every region once, the waves of regions sharing FIRST_SHARE of the time.
    waves = math.ceil(len(regions) / max(1, engine.workers))
    slice_s = min(FIRST_SLICE_S, max(MIN_SLICE_S, FIRST_SHARE * (deadline - time.perf_counter()) / waves))
    search_s = max(MIN_SLICE_S - CALL_OVERHEAD_S, slice_s - CALL_OVERHEAD_S)
    calls = [RegionCall(("region", r), rg.sub_problem(problem, reg.orders, reg.engineers, search_s, f"{problem.label}#r{r}"))
             for r, reg in enumerate(regions)]
    t0 = time.perf_counter()
    plans = engine.run(calls, cancel, deadline)
    report.calls += len(calls)
    report.region_call_s = list(getattr(engine, "call_s", []) or [time.perf_counter() - t0])
    parts = [_part(problem, reg.orders, reg.engineers, plan) for reg, plan in zip(regions, plans)]
    report.lost_calls += sum(plan is None for plan in plans)
    report.first_plan_s = time.perf_counter() - started
    publish(parts)

    rng = np.random.default_rng(problem.options.random_seed)
    cancelled = cancel()
    while len(parts) > 1 and not cancelled:
        left_s = deadline - time.perf_counter()
        if left_s < MIN_SLICE_S:
            break
        pairs = rg.seam_pairs(problem, [rg.Region(p.orders, p.engineers) for p in parts], rng)
        if not pairs:
            break
        waves = math.ceil(len(pairs) / max(1, engine.workers))
        rounds_left = max(1, MIN_ROUNDS - report.rounds)
        slice_s = min(ROUND_S, max(MIN_SLICE_S, left_s / (waves * rounds_left)))
        if waves * slice_s > left_s:  # the last round: as many waves as fit
            pairs = pairs[: max(1, int(left_s // slice_s)) * max(1, engine.workers)]
        # Regions without a partner this round go on alone from their plan (an idle worker else).
        paired = {r for pair in pairs for r in pair}
        groups: list[tuple[int, ...]] = [*pairs, *((r,) for r in range(len(parts)) if r not in paired)]
        groups = groups[: max(len(pairs), waves * max(1, engine.workers))]
        calls = []
        for group in groups:
            orders = np.unique(np.concatenate([parts[r].orders for r in group]))
            engineers = np.unique(np.concatenate([parts[r].engineers for r in group]))
            name = "+".join(f"r{r}" for r in group)
            sub = rg.sub_problem(problem, orders, engineers, slice_s - CALL_OVERHEAD_S, f"{problem.label}#{name}")
            calls.append(RegionCall(("seam", *group), sub, sum((parts[r].start_routes() for r in group), ())))
        plans = engine.run(calls, cancel, deadline)
        report.calls += len(calls)
        report.rounds += 1
        improved = False
        for group, call, plan in zip(groups, calls, plans):
            if plan is None:
                report.lost_calls += 1
                continue
            before = sum(parts[r].objective for r in group)
            if plan.stats.objective < before - 1e-6 * max(1.0, abs(before)):
                for r, part in zip(group, _split(call.problem, plan, [parts[r] for r in group])):
                    parts[r] = part
                report.seams_improved += 1
                improved = True
        if improved:
            publish(parts)
        cancelled = cancel()
        if problem.options.search_mode is SearchMode.RETURN_FAST and not improved:
            break
    status = SolveStatus.CANCELLED if cancelled else (
        SolveStatus.LOCAL_OPTIMUM if problem.options.search_mode is SearchMode.RETURN_FAST else SolveStatus.TIME_LIMIT)
    log.info("regional solve: %d regions, %d rounds, %d calls, %d lost, %d seams improved, first plan %.1f s",
             report.regions, report.rounds, report.calls, report.lost_calls, report.seams_improved, report.first_plan_s)
    return _plan(problem, parts, stats(status, rg.merged(parts)[2]))


def _part(problem: Problem, orders: np.ndarray, engineers: np.ndarray, plan: Plan | None) -> rg.Part:
    """A region's part of the plan from its search (None: lost, every order left out)."""
    if plan is None:
        unassigned = tuple(Unassigned(problem.orders[int(i)].id, int(i), UnassignedReason.SOLVE_INCOMPLETE, "", LOST_DETAIL)
                           for i in orders)
        return rg.Part(orders, engineers, (), unassigned, ObjectiveBreakdown(unassigned=penalties(problem, map(int, orders))))
    routes, unassigned = rg.globalise(plan.routes, plan.unassigned, orders, engineers)
    return rg.Part(orders, engineers, routes, unassigned, plan.stats.breakdown)


def _split(group_problem: Problem, plan: Plan, old: list[rg.Part]) -> list[rg.Part]:
    """A pair's (or a lone region's) plan back into its regions: routes go with their engineers,
    left-out orders stay where they were; each priced by the rule book's terms on the group's
    problem."""
    orders = np.unique(np.concatenate([p.orders for p in old]))
    engineers = np.unique(np.concatenate([p.engineers for p in old]))
    costs = assignment_costs(group_problem, inside_territory(group_problem), None)
    out = []
    for side in old:
        mine = np.isin(engineers, side.engineers)
        held = np.isin(orders, side.orders)
        routes = [r for r in plan.routes if mine[r.engineer_index]]
        unassigned = [u for u in plan.unassigned if held[u.order_index]]
        terms = breakdown(group_problem, routes, unassigned, costs)
        served = [v.order_index for r in routes for v in r.visits] + [u.order_index for u in unassigned]
        g_routes, g_unassigned = rg.globalise(routes, unassigned, orders, engineers)
        out.append(rg.Part(np.sort(orders[np.asarray(served, dtype=np.int64)]), side.engineers, g_routes, g_unassigned, terms))
    return out


def _plan(problem: Problem, parts: Sequence[rg.Part], stats: SolveStats) -> Plan:
    """The request's plan: every engineer shift has its route (empty where a region was lost)."""
    have = {(r.engineer_index, r.shift_index) for p in parts for r in p.routes}
    empty = [Route(e.id, j, k, s.start_s, s.start_s, (), (), 0, 0, 0, 0, 0.0)
             for j, e in enumerate(problem.engineers) for k, s in enumerate(e.shifts) if (j, k) not in have]
    if empty:
        parts = [*parts, rg.Part(np.zeros(0, dtype=np.int64), np.zeros(0, dtype=np.int64), tuple(empty), (), ObjectiveBreakdown())]
    plan = rg.plan_of(problem, parts, stats)
    return replace(plan, label=problem.label)

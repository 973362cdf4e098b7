"""The performance levers of issue 4: each keeps results (or the rules) as they were."""

from __future__ import annotations

import time

from pathlib import Path

import numpy as np

from benchmarks.evaluate import evaluate
from benchmarks.instances import read_instance
from benchmarks.synthetic import make_problem
from benchmarks.vrptw_problem import plan_routes, to_matrices, to_problem
from geo import GreatCircleProvider, haversine_m
from geo import great_circle
from solver import construction, decompose, feasibility
from solver.locations import Locations
from solver.model import SolveStatus, TravelMatrices
from solver.routing_model import RoutingModel, SearchConfig, Solution, _Partner
from solver.solve import solve
from solver.vehicles import Vehicles

C101 = Path(__file__).resolve().parent / "data" / "vrptw" / "solomon" / "C101.txt"


def _plain(provider: GreatCircleProvider, lat: np.ndarray, lng: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    road = provider.detour_factor * haversine_m(lat[:, None], lng[:, None], lat[None, :], lng[None, :])
    return np.rint(road / (provider.speed_kmh / 3.6)).astype(np.int64), np.rint(road).astype(np.int64)


def test_blocked_great_circle_matrices_equal_the_all_pairs_formula() -> None:
    rng = np.random.default_rng(7)
    provider = GreatCircleProvider(speed_kmh=37.0, detour_factor=1.25)
    # Below and above the threaded size, and a size that is no multiple of the block.
    for n in (1, 3, great_circle._PARALLEL_FROM - 1, great_circle._BLOCK_ROWS * 3 + 17):
        lat, lng = rng.uniform(-85, 85, n), rng.uniform(-180, 180, n)
        result = provider.matrices(lat, lng)
        duration, distance = _plain(provider, lat, lng)
        assert np.array_equal(result.duration_s, duration)
        assert np.array_equal(result.distance_m, distance)
        assert result.duration_s.dtype == np.int64 and result.distance_m.dtype == np.int64


def test_two_smallest_matches_a_full_sort_and_keeps_indices_distinct() -> None:
    rng = np.random.default_rng(3)
    m = rng.integers(0, 50, size=(40, 9)).astype(float)
    m[5] = np.inf  # a row no vehicle can take
    m[6, 1:] = np.inf  # one vehicle only
    m = np.asfortranarray(m)
    min1, arg1, min2, arg2 = construction._two_smallest(m)
    ordered = np.sort(m, axis=1)
    assert np.array_equal(min1, ordered[:, 0])
    assert np.array_equal(min2, ordered[:, 1])
    assert np.all(arg1 != arg2)
    rows = np.arange(m.shape[0])
    assert np.array_equal(m[rows, arg1], min1) and np.array_equal(m[rows, arg2], min2)


def _synthetic(n: int):
    problem = make_problem(n, seed=5, time_limit_s=1.0)
    loc = Locations.of(problem)
    travel = GreatCircleProvider().matrices(loc.lat_deg, loc.lng_deg)
    matrices = TravelMatrices(duration_s=travel.duration_s, distance_m=travel.distance_m)
    vehicles = Vehicles.of(problem, loc)
    feas = feasibility.check(problem, matrices, vehicles, None)
    served = np.flatnonzero(feas.allowed.any(axis=1))
    return problem, matrices, vehicles, feas.allowed, served


def test_groups_take_at_most_a_group_of_left_out_orders_each() -> None:
    problem, matrices, vehicles, allowed, served = _synthetic(120)
    sequences = construction.construct(construction.prepare(problem, matrices, vehicles, allowed, served))
    # Pretend most orders were left out: each group may take only ``group_orders`` of them.
    left = [int(i) for s in sequences for i in s[1:]] + [int(i) for i in served if all(i not in s for s in sequences)]
    kept = [s[:1] for s in sequences]
    groups = decompose.groups_of(kept, left, vehicles, matrices.duration_s, 10, np.random.default_rng(1))
    extras = [i for _, extra in groups for i in extra]
    assert all(len(extra) <= 10 for _, extra in groups)
    assert len(extras) == len(set(extras)) and set(extras) <= set(left)


def test_a_group_search_that_finds_nothing_keeps_the_group_routes(monkeypatch) -> None:
    problem, matrices, vehicles, allowed, served = _synthetic(120)
    constructed = construction.construct(construction.prepare(problem, matrices, vehicles, allowed, served))

    def finds_nothing(vehs, sequences, extra, time_limit_s, deadline=None):
        v = len(vehs)
        return decompose.GroupResult(list(vehs), [[] for _ in range(v)], 0)

    monkeypatch.setattr(decompose, "solve_group", finds_nothing)
    # Without the compiled improvement, the group routes are the constructed ones.
    started = time.perf_counter()
    solution = decompose.rounds(problem, matrices, vehicles, allowed, served, None, constructed, started + 1.0, started,
                                None, workers=1, group_orders=30, config=SearchConfig(improve=False))
    assert sorted(i for s in solution.sequences for i in s) == sorted(i for s in constructed for i in s)
    assert solution.solutions_found >= 1, "at least one round ran"


def _solution(objective: int, sequences: list[list[int]], found: int) -> Solution:
    v = len(sequences)
    return Solution(sequences, SolveStatus.TIME_LIMIT, objective, 0.1, found, 1.0)


def test_the_partner_search_wins_only_when_it_costs_less() -> None:
    mine = _solution(100, [[1, 2], [3]], 5)
    cheaper = _solution(90, [[2, 1, 3], []], 7)
    partner = _Partner.start(lambda: cheaper, {})
    best = partner.best_of(mine, give_up_s=60.0, abandon=False)
    assert best.sequences == cheaper.sequences and best.objective_scaled == 90
    assert best.solutions_found == 12 and best.first_solution_s == mine.first_solution_s

    dearer = _solution(110, [[3, 2, 1], []], 7)
    partner = _Partner.start(lambda: dearer, {})
    assert partner.best_of(mine, give_up_s=60.0, abandon=False).sequences == mine.sequences
    # Cancelled: the partner's plan is not waited for.
    partner = _Partner.start(lambda: cheaper, {})
    assert partner.best_of(mine, give_up_s=60.0, abandon=True).sequences == mine.sequences


def test_portfolio_search_on_solomon_is_feasible_and_serves_everyone() -> None:
    inst = read_instance(C101)
    problem = to_problem(inst, time_limit_s=0.5)
    matrices = to_matrices(inst, problem)
    plan = solve(problem, matrices)
    result = evaluate(inst, plan_routes(plan))
    assert result.feasible and not plan.unassigned, result.violations

    vehicles = Vehicles.of(problem, Locations.of(problem))
    feas = feasibility.check(problem, matrices, vehicles, None)
    served = np.flatnonzero(feas.allowed.any(axis=1))
    solution = RoutingModel(problem, matrices, vehicles, feas.allowed, served).search(0.5)
    assert solution.objective_scaled > 0
    assert sorted(i for s in solution.sequences for i in s) == sorted(int(i) for i in served)

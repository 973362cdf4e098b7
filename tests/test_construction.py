"""The construction heuristic and the decomposition: feasible plans, every order accounted for."""

from __future__ import annotations

from pathlib import Path

from dataclasses import replace

import numpy as np

from benchmarks.evaluate import evaluate
from benchmarks.instances import read_instance
from benchmarks.synthetic import make_problem
from benchmarks.vrptw_problem import to_matrices, to_problem
from geo import GreatCircleProvider
from solver import construction, decompose, feasibility, rules, search
from solver.locations import Locations
from solver.model import TravelMatrices
from solver.routing_model import RoutingModel, SearchConfig
from solver.vehicles import Vehicles

DATA = Path(__file__).resolve().parent / "data" / "vrptw"
C101 = DATA / "solomon" / "C101.txt"


def _vrptw(path: Path):
    inst = read_instance(path)
    problem = to_problem(inst, time_limit_s=1.0)
    matrices = to_matrices(inst, problem)
    vehicles = Vehicles.of(problem, Locations.of(problem))
    feas = feasibility.check(problem, matrices, vehicles, None)
    served = np.flatnonzero(feas.allowed.any(axis=1))
    return inst, problem, matrices, vehicles, feas.allowed, served


def _synthetic(n: int):
    problem = make_problem(n, seed=3, time_limit_s=1.0)
    loc = Locations.of(problem)
    travel = GreatCircleProvider().matrices(loc.lat_deg, loc.lng_deg)
    matrices = TravelMatrices(duration_s=travel.duration_s, distance_m=travel.distance_m)
    vehicles = Vehicles.of(problem, loc)
    feas = feasibility.check(problem, matrices, vehicles, None)
    served = np.flatnonzero(feas.allowed.any(axis=1))
    return problem, matrices, vehicles, feas.allowed, served


def test_construction_on_solomon_is_feasible_and_serves_everyone() -> None:
    inst, problem, matrices, vehicles, allowed, served = _vrptw(C101)
    sequences = construction.construct(construction.prepare(problem, matrices, vehicles, allowed, served))
    routes = [[i + 1 for i in seq] for seq in sequences if seq]
    result = evaluate(inst, routes)
    assert result.feasible, result.violations
    assert sorted(c for r in routes for c in r) == list(range(1, inst.n_customers + 1))


def test_or_tools_accepts_the_constructed_plan_with_breaks_and_skills() -> None:
    problem, matrices, vehicles, allowed, served = _synthetic(60)
    inst = construction.prepare(problem, matrices, vehicles, allowed, served)
    sequences = construction.construct(inst)
    assert sum(map(len, sequences)) > 0
    for v, seq in enumerate(sequences):
        assert all(allowed[i, v] for i in seq), "skills / allowed vehicles"
        local = [int(np.flatnonzero(served == i)[0]) for i in seq]
        assert construction.route_feasible(rules.pack(inst), v, local)
    model = RoutingModel(problem, matrices, vehicles, allowed, served)
    model.routing.CloseModel()
    node_of = {int(i): node for node, i in enumerate(served)}
    routes = [[model.manager.NodeToIndex(node_of[i]) for i in seq] for seq in sequences]
    assert model.routing.ReadAssignmentFromRoutes(routes, True) is not None


def test_route_check_rejects_a_visit_outside_its_window() -> None:
    inst, problem, matrices, vehicles, allowed, served = _vrptw(C101)
    ci = construction.prepare(problem, matrices, vehicles, allowed, served)
    late_first = int(np.argmax(ci.win_lo[:, 0]))
    early_last = int(np.argmin(ci.win_hi[:, 0]))
    assert not construction.route_feasible(rules.pack(ci), 0, [late_first, early_last])


def test_decomposition_keeps_every_order_accounted_for() -> None:
    problem, matrices, vehicles, allowed, served = _synthetic(120)
    solution = search.search(problem, matrices, vehicles, allowed, served, None, None, 1.0,
                             config=replace(SearchConfig.default(), portfolio=None))
    seen = [i for seq in solution.sequences for i in seq]
    assert len(seen) == len(set(seen)), "no order twice"
    assert set(seen) <= set(int(i) for i in served)
    for v, seq in enumerate(solution.sequences):
        assert all(allowed[i, v] for i in seq)


def test_groups_partition_the_vehicles() -> None:
    problem, matrices, vehicles, allowed, served = _synthetic(120)
    sequences = construction.construct(construction.prepare(problem, matrices, vehicles, allowed, served))
    left = [int(i) for i in served if all(i not in s for s in sequences)]
    groups = decompose.groups_of(sequences, left, vehicles, matrices.duration_s, 30, np.random.default_rng(0))
    members = sorted(v for g, _ in groups for v in g)
    assert members == list(range(vehicles.count))
    assert sorted(i for _, extra in groups for i in extra) == sorted(left)

"""Instance readers, best-known lookup and the cost/feasibility evaluator of ``benchmarks``."""

from __future__ import annotations

import math
from pathlib import Path

import numpy as np
import pytest

from benchmarks.evaluate import evaluate, gap_pct
from benchmarks.instances import (
    CostConvention,
    find_best_known,
    instance_paths,
    read_instance,
    read_solomon,
    read_solution,
    read_vrplib,
)

DATA = Path(__file__).resolve().parent / "data" / "vrptw"
C101 = DATA / "solomon" / "C101.txt"
R2_10_1 = DATA / "homberger" / "R2_10_1.vrp"
C1_2_1 = DATA / "homberger" / "c1_2_1.txt"
C1_2_1_SINTEF = DATA / "homberger" / "sintef_bks" / "c1_2_1.20_2704.5678.txt"


def test_solomon_reader_parses_c101() -> None:
    inst = read_solomon(C101)
    assert inst.name == "C101"
    assert (inst.fleet_size, inst.capacity, inst.n_customers) == (25, 200, 100)
    # Depot row "0 40 50 0 0 1236 0" and customer rows 1 and 100, as in the file.
    assert (inst.x[0], inst.y[0], inst.demand[0]) == (40, 50, 0)
    assert (inst.ready[0], inst.due[0]) == (0, 1236)
    assert (inst.x[1], inst.y[1], inst.demand[1]) == (45, 68, 10)
    assert (inst.ready[1], inst.due[1]) == (912, 967)
    assert inst.service[1] == 90 and inst.service[0] == 0
    assert (inst.x[100], inst.y[100], inst.demand[100], inst.due[100]) == (55, 85, 20, 726)
    assert inst.demand.sum() == 1810


def test_vrplib_reader_parses_r2_10_1() -> None:
    inst = read_vrplib(R2_10_1)
    assert inst.name == "R2_10_1"
    assert (inst.fleet_size, inst.capacity, inst.n_customers) == (250, 1000, 1000)
    # Node 1 is the depot (index 0); node k + 1 is customer k.
    assert (inst.x[0], inst.y[0], inst.ready[0], inst.due[0]) == (250, 250, 0, 7697)
    assert (inst.x[1], inst.y[1], inst.demand[1]) == (228, 399, 14)
    assert (inst.ready[1], inst.due[1]) == (2329, 2482)
    # The scalar SERVICE_TIME header applies to customers, not to the depot.
    assert inst.service[0] == 0 and np.all(inst.service[1:] == 10)


def test_read_instance_dispatches_on_format() -> None:
    assert read_instance(R2_10_1).n_customers == 1000
    assert read_instance(C101).name == "C101"
    assert read_instance(C1_2_1).n_customers == 200


def test_solution_reader_parses_vrplib_sol() -> None:
    sol = read_solution(R2_10_1.with_suffix(".sol"))
    assert len(sol.routes) == 37
    assert sol.cost == 36881.0
    assert sol.routes[0][:3] == (350, 951, 381)
    served = sorted(c for route in sol.routes for c in route)
    assert served == list(range(1, 1001))


def test_best_known_prefers_sol_file() -> None:
    best = find_best_known(R2_10_1)
    assert best is not None
    assert best.distance == 36881.0
    assert best.convention is CostConvention.DIMACS
    assert best.source == "R2_10_1.sol"
    assert best.vehicles == 37


def test_best_known_solomon_uses_distance_only_column() -> None:
    best = find_best_known(C101)
    assert best is not None
    assert (best.distance, best.vehicles) == (828.94, 10)
    assert best.convention is CostConvention.EXACT
    assert best.source == "bks.csv:distance_only_distance"
    # RC101: the distance-only value (16 routes) differs from the hierarchical one (14 routes).
    rc101 = find_best_known(C101.with_name("RC101.txt"))
    assert rc101 is not None and (rc101.distance, rc101.vehicles) == (1643.41, 16)


def test_best_known_homberger_txt_falls_back_to_sintef_distance() -> None:
    best = find_best_known(C1_2_1)  # bks.csv has no distance-only column for this set
    assert best is not None
    assert best.distance == pytest.approx(2704.5678)
    assert best.source == "bks.csv:distance"


def test_best_known_absent(tmp_path: Path) -> None:
    lone = tmp_path / "X1.txt"
    lone.write_text(C101.read_text())
    assert find_best_known(lone) is None


def test_evaluator_reproduces_dimacs_cost_of_sol() -> None:
    inst = read_vrplib(R2_10_1)
    sol = read_solution(R2_10_1.with_suffix(".sol"))
    result = evaluate(inst, sol.routes, time_convention=CostConvention.DIMACS)
    assert result.feasible, result.violations
    assert result.vehicles == 37
    assert result.cost_dimacs == sol.cost  # integer tenths: exact, no tolerance needed
    # Truncation only shortens edges.
    assert result.cost_exact > result.cost_dimacs
    assert result.cost(CostConvention.DIMACS) == result.cost_dimacs


def test_evaluator_reproduces_sintef_exact_cost() -> None:
    inst = read_solomon(C1_2_1)
    sol = read_solution(C1_2_1_SINTEF)
    assert sol.cost is None  # SINTEF files state the cost in their name only
    result = evaluate(inst, sol.routes)
    assert result.feasible, result.violations
    assert result.vehicles == 20
    assert result.cost_exact == pytest.approx(2704.5678, abs=5e-5)


def test_evaluator_flags_violations() -> None:
    inst = read_solomon(C1_2_1)
    routes = [list(r) for r in read_solution(C1_2_1_SINTEF).routes]
    # Reversing a route breaks time windows; dropping a customer leaves it unserved.
    reversed_first = [routes[0][::-1], *routes[1:]]
    result = evaluate(inst, reversed_first)
    assert not result.feasible
    assert any("due" in v for v in result.violations)
    dropped = [routes[0][1:], *routes[1:]]
    result = evaluate(inst, dropped)
    assert not result.feasible
    assert any("not served" in v for v in result.violations)
    # One route holding every customer breaks capacity (and much else).
    result = evaluate(inst, [[c for r in routes for c in r]])
    assert any("capacity" in v for v in result.violations)


def test_evaluator_single_route_by_hand() -> None:
    inst = read_solomon(C101)
    # Customer 5 alone: depot (40, 50) -> (42, 65) -> depot; ready 15, due 67.
    result = evaluate(inst, [[5]])
    assert result.cost_exact == pytest.approx(2 * math.hypot(2, 15))
    assert result.cost_dimacs == pytest.approx(2 * 15.1)
    assert not result.feasible  # 99 customers are not served
    assert len(result.violations) == 1


def test_gap_pct() -> None:
    assert gap_pct(110.0, 100.0) == pytest.approx(10.0)
    assert gap_pct(None, 100.0) is None
    assert gap_pct(100.0, None) is None


def test_instance_paths_lists_a_folder_in_natural_order() -> None:
    names = [p.name for p in instance_paths(DATA / "homberger")]
    assert names == ["c1_2_1.txt", "R2_10_1.vrp"]
    with pytest.raises(FileNotFoundError):
        instance_paths(DATA / "missing.txt")

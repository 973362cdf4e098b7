"""The compiled ruin-and-recreate (solver.improve, solver.ruin_recreate): its checks agree with
the construction's exact route check, its costs with a plain recomputation, and its plans keep
every hard rule and every order."""

from __future__ import annotations

import math
from dataclasses import replace
from pathlib import Path

import numpy as np

from benchmarks.evaluate import evaluate
from solver import construction, improve, rules
from solver import ruin_recreate as kernel
from solver.model import SlaTargets, SolveStatus, TargetMode
from solver.routing_model import RoutingModel, SearchConfig
from solver.schedule import RuleBook
from tests.test_construction import C101, _synthetic, _vrptw

R101 = Path(__file__).resolve().parents[1] / "benchmarks" / "data" / "solomon" / "R101.txt"


def _local(inst: construction.Instance, sequences: list[list[int]]) -> list[list[int]]:
    local = {int(i): u for u, i in enumerate(inst.served)}
    return [[local[int(i)] for i in seq] for seq in sequences]


def test_exact_check_agrees_with_the_construction_route_check() -> None:
    problem, matrices, vehicles, allowed, served = _synthetic(60)
    inst = construction.prepare(problem, matrices, vehicles, allowed, served)
    packed = improve.pack(inst)
    assert (packed[20] & rules.EXACT).any(), "the synthetic day has breaks: the exact check runs"
    rng = np.random.default_rng(7)
    buf = np.empty(inst.n + 2, dtype=np.int64)
    outcomes = []
    for _ in range(400):
        v = int(rng.integers(inst.v))
        can = np.flatnonzero(inst.allowed[:, v])
        if can.size < 2:
            continue
        seq = [int(u) for u in rng.choice(can, size=min(can.size, int(rng.integers(2, 6))), replace=False)]
        seq.sort(key=lambda u: inst.win_lo[u, 0] + rng.uniform(-3600, 3600))
        expected = construction.route_feasible(packed, v, seq)
        # The whole route as it stands, and the same route with its last order inserted.
        sequences = [[] for _ in range(inst.v)]
        sequences[v] = seq
        st = improve._state(inst, packed, sequences)
        assert kernel.exact_ok(packed, st, v, -1, -1, buf) == expected, (v, seq)
        sequences[v] = seq[:-1]
        st = improve._state(inst, packed, sequences)
        after = inst.n + 2 * v if len(seq) == 1 else seq[-2]
        assert kernel.exact_ok(packed, st, v, seq[-1], after, buf) == expected, (v, seq)
        outcomes.append(expected)
    assert any(outcomes) and not all(outcomes), "both feasible and infeasible routes were checked"


def test_kernel_costs_match_a_plain_recomputation() -> None:
    problem, matrices, vehicles, allowed, served = _synthetic(60)
    # Working time costs too, so that every term of the route cost is exercised.
    problem = replace(problem, engineers=tuple(replace(e, cost_per_hour=7.0) for e in problem.engineers))
    inst = construction.prepare(problem, matrices, vehicles, allowed, served)
    assert inst.late_coef.any() and inst.span.any()
    packed = improve.pack(inst)
    local = _local(inst, construction.construct(inst))
    st = improve._state(inst, packed, local)
    assert sum(map(len, local)) > 20
    book = RuleBook(problem, matrices, vehicles, allowed)
    for v in range(inst.v):
        # The kernel's linked routes priced through the rule book, against the rule book's
        # instance of the whole problem (built separately, over every order).
        expected = book.time(v, [int(inst.served[u]) for u in local[v]]).cost_scaled
        assert math.isclose(st[7][v], expected, rel_tol=1e-9), v
    left_out = [u for u in range(inst.n) if all(u not in s for s in local)]
    expected = sum(st[7]) + sum(inst.penalty[u] if np.isfinite(inst.penalty[u]) else kernel.BIG for u in left_out)
    assert math.isclose(kernel.total_cost(packed, st), expected, rel_tol=1e-12)


def test_kernel_prices_optimised_sla_targets_as_the_rule_book() -> None:
    """With every SLA target optimised (a 1 h response target, so that it bites) the kernel's
    route prices, and the plan it improves, are the rule book's over the whole problem."""
    problem, matrices, vehicles, allowed, served = _synthetic(60)
    targets = SlaTargets(overdue_mode=TargetMode.OPTIMISED, max_response_s=3600, max_response_mode=TargetMode.OPTIMISED,
                         max_mean_response_s=1800, mean_response_mode=TargetMode.OPTIMISED)
    problem = replace(problem, options=replace(problem.options, sla_targets=targets))
    inst = construction.prepare(problem, matrices, vehicles, allowed, served)
    packed = improve.pack(inst)
    assert packed[rules.FIELDS.index("oext")].shape == (rules.OEXT_ROWS, inst.n)
    assert (packed[20] & rules.RICH).all(), "target prices depend on the schedule"
    local = _local(inst, construction.construct(inst))
    st = improve._state(inst, packed, local)
    book = RuleBook(problem, matrices, vehicles, allowed)
    plain = RuleBook(replace(problem, options=replace(problem.options, sla_targets=None)), matrices, vehicles, allowed)
    dearer = 0
    for v in range(inst.v):
        seq = [int(inst.served[u]) for u in local[v]]
        assert math.isclose(st[7][v], book.time(v, seq).cost_scaled, rel_tol=1e-9), v
        dearer += book.time(v, seq).cost_scaled > plain.time(v, seq).cost_scaled + 1e-6
    assert dearer > 0, "some route pays for breaching a target"
    result = improve.improve(inst, construction.construct(inst), budget_s=0.3, seed=1)
    assert result.cost <= result.start_cost
    assert math.isclose(result.cost, book.objective(result.sequences, served), rel_tol=1e-9)


def test_improved_plan_keeps_every_rule_and_never_costs_more() -> None:
    problem, matrices, vehicles, allowed, served = _synthetic(80)
    inst = construction.prepare(problem, matrices, vehicles, allowed, served)
    start = construction.construct(inst)
    result = improve.improve(inst, start, budget_s=0.3, seed=1)
    packed = rules.pack(inst)
    assert result.steps > 0
    assert result.cost <= result.start_cost
    seen = [i for seq in result.sequences for i in seq]
    assert len(seen) == len(set(seen)), "no order twice"
    mandatory = {int(inst.served[u]) for u in range(inst.n) if not np.isfinite(inst.penalty[u])}
    assert mandatory & {i for s in start for i in s} <= set(seen), "no mandatory order dropped"
    for v, seq in enumerate(_local(inst, result.sequences)):
        assert construction.route_feasible(packed, v, seq), (v, seq)
        assert sum(inst.demand[u] for u in seq) <= inst.capacity[v]


def test_improvement_on_solomon_is_feasible_and_shorter() -> None:
    inst_v, problem, matrices, vehicles, allowed, served = _vrptw(R101)
    inst = construction.prepare(problem, matrices, vehicles, allowed, served)
    start = construction.construct(inst)
    result = improve.improve(inst, start, budget_s=0.3, seed=0)
    before = evaluate(inst_v, [[i + 1 for i in s] for s in start if s])
    after = evaluate(inst_v, [[i + 1 for i in s] for s in result.sequences if s])
    assert after.feasible, after.violations
    assert sorted(i for s in result.sequences for i in s) == list(range(inst_v.n_customers))
    assert after.cost_exact < before.cost_exact


def test_stop_flag_is_polled_between_chunks() -> None:
    problem, matrices, vehicles, allowed, served = _synthetic(60)
    inst = construction.prepare(problem, matrices, vehicles, allowed, served)
    calls = []

    def stop() -> bool:
        calls.append(1)
        return len(calls) >= 3

    result = improve.improve(inst, construction.construct(inst), budget_s=60.0, should_stop=stop, threads=1)
    assert len(calls) == 3, "stopped at the third poll, long before the budget"
    assert result.cost <= result.start_cost


def test_vehicles_at_one_depot_share_a_class_unless_their_rules_differ() -> None:
    _, problem, matrices, vehicles, allowed, served = _vrptw(C101)
    inst = construction.prepare(problem, matrices, vehicles, allowed, served)
    assert len(set(inst.start_loc.tolist())) == inst.v, "each vehicle has a location of its own"
    assert np.unique(improve.vehicle_classes(inst)).size == 1
    restricted = allowed.copy()
    restricted[0, 3] = False
    inst = construction.prepare(problem, matrices, vehicles, restricted, served)
    classes = improve.vehicle_classes(inst)
    assert np.unique(classes).size == 2 and classes[3] != classes[0]


def test_search_keeps_the_start_plan_when_or_tools_has_no_time_left() -> None:
    problem, matrices, vehicles, allowed, served = _synthetic(60)
    problem = replace(problem, options=replace(problem.options, time_limit_s=0.3))
    inst = construction.prepare(problem, matrices, vehicles, allowed, served)
    start = improve.improve(inst, construction.construct(inst), budget_s=0.2, seed=0).sequences
    model = RoutingModel(problem, matrices, vehicles, allowed, served)
    # OR-Tools gets a millisecond: too little to hand back even the start plan it accepted.
    solution = model.search(0.001, starts=[start], config=replace(SearchConfig.default(), portfolio=None))
    assert solution.status is SolveStatus.TIME_LIMIT
    assert solution.sequences == start

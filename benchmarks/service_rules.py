"""The service-management rules on synthetic days (``python -m benchmarks.service_rules``).

``with_service_rules`` adds the rules of issue 11 to a synthetic problem
(``benchmarks.synthetic``), each switchable by name:

- ``overtime``: up to 1 h past the shift at 40 per hour;
- ``rest``: 11 h between shifts, the last shift before the plan ended 12–15 h before it;
- ``weekly``: at most 40 h a week, 0–32 h already worked;
- ``fairness``: fairness weight 0.5 per squared hour (history included);
- ``parts``: a fifth of the orders need one or two of ten SKUs; vans hold each SKU with
  probability 0.6, two to six units;
- ``ftf``: a revisit cost of 60 (expected first-time fix by skill margin);
- ``expiry``: a tenth of the engineers' skills expire after the second day;
- ``followups``: on multi-day plans, a tenth of the first two days' orders get a follow-up
  3–7 days later in the same request (the same engineer preferred), and a twentieth of all
  orders are follow-ups of visits done 3 days before the plan.

The benchmark measures, with every rule on: the first plan and wall time against the limit at
1000 and 5000 orders on one day (target: first plan ≤ 1 s at 1000, limit honoured at both);
and on a service week (five days), the SLA targets reported against optimised, and optimised
with the compiled kernel off, at equal time, with the service KPIs. One solve at a time, in process (``solver.solve``, the path the server's
worker runs); prints a table, ``--json PATH`` writes the records.
"""

from __future__ import annotations

import argparse
import json
import platform
import sys
import time
from dataclasses import replace

import numpy as np

from benchmarks.booking_bench import week
from benchmarks.synthetic import SKILLS, make_problem
from solver.model import (
    FirstTimeFix,
    FollowUp,
    Order,
    PartNeed,
    Problem,
    SameEngineer,
    SlaTargets,
    TargetMode,
    TimeWindow,
)
from solver.routing_model import SearchConfig

RULES = ("overtime", "rest", "weekly", "fairness", "parts", "ftf", "expiry", "followups")
SKUS = tuple(f"SKU-{k:02d}" for k in range(10))
DAY_S = 86400


def with_service_rules(problem: Problem, seed: int = 0, rules: tuple[str, ...] = RULES, days: int = 1) -> Problem:
    """``problem`` with the named service rules switched on (see the module's notes)."""
    unknown = set(rules) - set(RULES)
    if unknown:
        raise ValueError(f"unknown rules {sorted(unknown)}; known: {', '.join(RULES)}")
    rng = np.random.default_rng(seed + 11)
    first_start = min(s.start_s for e in problem.engineers for s in e.shifts)
    engineers = []
    for e in problem.engineers:
        changes: dict = {}
        if "overtime" in rules:
            changes.update(max_overtime_s=3600, overtime_cost_per_hour=40.0)
        if "rest" in rules:
            changes.update(min_rest_s=11 * 3600, last_shift_end_s=first_start - int(rng.integers(12, 16)) * 3600)
        if "weekly" in rules:
            changes.update(max_weekly_working_s=40 * 3600, worked_this_week_s=int(rng.integers(0, 33)) * 3600)
        if "parts" in rules:
            changes.update(van_stock=tuple((sku, int(rng.integers(2, 7))) for sku in SKUS if rng.random() < 0.6))
        if "expiry" in rules and e.skills and rng.random() < 0.1:
            changes.update(skill_valid_until_s=((e.skills[0][0], first_start + 2 * DAY_S - 1),))
        engineers.append(replace(e, **changes))
    orders = list(problem.orders)
    if "parts" in rules:
        for i, o in enumerate(orders):
            if rng.random() < 0.2:
                picked = rng.choice(len(SKUS), size=int(rng.integers(1, 3)), replace=False)
                orders[i] = replace(o, parts=tuple(PartNeed(SKUS[int(k)], 1) for k in picked))
    if "followups" in rules:
        ids = {o.id for o in orders}
        for i, o in enumerate(list(orders)):
            x = rng.random()
            if days > 2 and x < 0.1 and i % days < 2:
                # A follow-up of order i, raised with it, due 3-7 days after it.
                fid = f"{o.id}-FU"
                if fid not in ids:
                    # A visit planned by rule, not new demand: no creation time, so no response time.
                    orders.append(Order(fid, o.location, 30 * 60, required_skills=o.required_skills, priority=o.priority,
                                        follow_up=FollowUp(previous_order_id=o.id, same_engineer=SameEngineer.PREFERRED)))
            elif x > 0.95:
                who = engineers[int(rng.integers(0, len(engineers)))].id
                orders[i] = replace(o, time_windows=(), sla_deadline_s=None, create_time_s=None,
                                    follow_up=FollowUp(previous_end_s=first_start - 3 * DAY_S, previous_engineer_id=who,
                                                       min_delay_s=3 * DAY_S, max_delay_s=3 * DAY_S + days * DAY_S))
    options = problem.options
    if "fairness" in rules:
        options = replace(options, fairness_weight=0.5)
    if "ftf" in rules:
        options = replace(options, first_time_fix=FirstTimeFix(revisit_cost=60.0))
    return replace(problem, orders=tuple(orders), engineers=tuple(engineers), options=options,
                   label=f"{problem.label}+rules")


def service_week(n_orders: int, days: int = 5, seed: int = 0, time_limit_s: float = 10.0,
                 rules: tuple[str, ...] = RULES) -> Problem:
    """``n_orders`` orders over ``days`` days (``booking_bench.week``) with the service rules.
    An order is not served before it is raised: orders without a window get one from their
    creation."""
    # Appointments are the promise (due by the slot's end) and the backlog is 2 h: a week on
    # which the SLA targets are within reach (``benchmarks.synthetic``'s switches).
    problem = with_service_rules(week(n_orders, days, seed, time_limit_s, backlog_s=2 * 3600, slot_deadlines=True),
                                 seed, rules, days)
    orders = tuple(replace(o, time_windows=(TimeWindow(o.create_time_s, None),))
                   if not o.time_windows and o.create_time_s is not None and o.follow_up is None else o
                   for o in problem.orders)
    return replace(problem, orders=orders)


# ----------------------------------------------------------------------------------------------
# Measurements


def _solve(problem: Problem, config: SearchConfig | None = None) -> dict:
    from dispatch_service.travel import matrices_for
    from solver.solve import solve

    started = time.perf_counter()
    matrices = matrices_for(problem)
    matrix_s = time.perf_counter() - started
    plan = solve(problem, matrices, config=config)
    wall_s = time.perf_counter() - started - matrix_s  # the solve; the time limit counts from its call
    k = plan.kpis
    reasons: dict[str, int] = {}
    for u in plan.unassigned:
        reasons[u.reason.value] = reasons.get(u.reason.value, 0) + 1
    return {
        "orders": len(problem.orders), "engineers": len(problem.engineers), "time_limit_s": problem.options.time_limit_s,
        "wall_s": round(wall_s, 3), "matrix_s": round(matrix_s, 3), "status": plan.stats.status.value, "first_plan_s": plan.stats.first_solution_s, "objective": round(plan.stats.objective, 2),
        "served": k.orders_served, "unassigned": k.orders_unassigned, "reasons": reasons,
        "overdue_rate": round(k.overdue_rate, 4), "on_time_rate": round(k.on_time_rate, 4),
        "mean_response_h": None if k.mean_response_s is None else round(k.mean_response_s / 3600, 3),
        "overtime_h": round(k.total_overtime_s / 3600, 2), "expected_ftf": round(k.expected_first_time_fix_rate, 4),
        "follow_ups_due": k.follow_ups_due, "follow_ups_in_window": k.follow_ups_planned_in_window,
        "follow_up_same_engineer": round(k.follow_up_same_engineer_rate, 4), "fairness_index": round(k.fairness_index, 4),
        "longest_day_h": round(k.longest_day_s / 3600, 2),
        "targets": {t.kind.value: {"met": t.met, "actual": round(t.actual, 4), "target": t.target} for t in k.targets},
        "shortest_rest_h": None if k.shortest_rest_s is None else round(k.shortest_rest_s / 3600, 2),
    }


def run(sizes: list[int], week_orders: int, week_days: int, time_limit_s: float, week_limit_s: float, seed: int) -> dict:
    from solver import improve

    improve.warm_up()
    records = []
    for n in sizes:
        problem = with_service_rules(make_problem(n, seed=seed, time_limit_s=time_limit_s), seed)
        records.append({"case": f"day n={n}", **_solve(problem)})
        print(_line(records[-1]), flush=True)
    problem = service_week(week_orders, week_days, seed, week_limit_s)
    reported = replace(problem, options=replace(problem.options, sla_targets=SlaTargets()))
    optimised = replace(problem, options=replace(problem.options, sla_targets=SlaTargets(
        overdue_mode=TargetMode.OPTIMISED, mean_response_mode=TargetMode.OPTIMISED, max_response_mode=TargetMode.OPTIMISED)))
    for label, week_problem, config in (("targets reported", reported, None), ("targets optimised", optimised, None),
                                        ("optimised, kernel off", optimised, replace(SearchConfig.default(), improve=False))):
        records.append({"case": f"week n={week_orders} ({label})", **_solve(week_problem, config)})
        print(_line(records[-1]), flush=True)
    return {"machine": {"python": platform.python_version(), "cpus": _cpus()}, "skills": list(SKILLS), "records": records}


def _cpus() -> int:
    import os

    return len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else (os.cpu_count() or 1)


def _line(r: dict) -> str:
    return (f"{r['case']:<28} limit {r['time_limit_s']:>5g}s wall {r['wall_s']:>7.2f}s first {r['first_plan_s'] or 0:>5.2f}s "
            f"served {r['served']:>5}/{r['orders']:<5} objective {r['objective']:>12.2f} overdue {r['overdue_rate']:.3f} "
            f"ftf {r['expected_ftf']:.3f} follow-ups {r['follow_ups_in_window']}/{r['follow_ups_due']} "
            f"fairness {r['fairness_index']:.3f} overtime {r['overtime_h']} h")


def table(results: dict) -> str:
    rows = ["| case | limit s | solve wall s | matrix s | first plan s | served | objective | overdue | mean response h | expected FTF | "
            "follow-ups in window | same engineer | fairness index | overtime h | longest day h | shortest rest h | targets met |",
            "|---|---|---|---|---|---|---|---|---|---|---|---|---|---|---|---|---|"]
    for r in results["records"]:
        rows.append(f"| {r['case']} | {r['time_limit_s']:g} | {r['wall_s']:.2f} | {r['matrix_s']:.2f} | {r['first_plan_s'] or 0:.2f} | "
                    f"{r['served']}/{r['orders']} | {r['objective']:.1f} | {r['overdue_rate']:.3f} | {r['mean_response_h']} | "
                    f"{r['expected_ftf']:.3f} | {r['follow_ups_in_window']}/{r['follow_ups_due']} | "
                    f"{r['follow_up_same_engineer']:.3f} | {r['fairness_index']:.3f} | {r['overtime_h']} | "
                    f"{r['longest_day_h']} | {r['shortest_rest_h']} | "
                    f"{', '.join(k for k, t in r['targets'].items() if t['met']) or '-'} |")
    return "\n".join(rows)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m benchmarks.service_rules", description=__doc__.split("\n\n")[0])
    parser.add_argument("--sizes", default="1000,5000", help="one-day sizes with every rule on (comma list)")
    parser.add_argument("--time-limit", type=float, default=10.0, help="seconds per one-day solve")
    parser.add_argument("--week-orders", type=int, default=1000, help="orders of the service week")
    parser.add_argument("--week-days", type=int, default=5)
    parser.add_argument("--week-limit", type=float, default=20.0, help="seconds per service-week solve")
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--json", help="write the records here")
    args = parser.parse_args(argv)
    results = run([int(x) for x in args.sizes.split(",") if x], args.week_orders, args.week_days, args.time_limit,
                  args.week_limit, args.seed)
    print(table(results))
    if args.json:
        with open(args.json, "w") as f:
            json.dump(results, f, indent=1)
    return 0


if __name__ == "__main__":
    sys.exit(main())

"""Portfolio SLA targets optimised versus reported, at equal time (``python -m benchmarks.targets_bench``).

The realistic synthetic day (``benchmarks.synthetic``: orders raised in the 4 h before the
shift, soft SLA deadlines 4 h after creation, lunch breaks, skills, appointment slots) is solved
with fleets around the boundary where the overdue target (≤ 5 %) starts to be missed, twice
per fleet and seed with the same time limit: once with the three targets REPORTED, once with
them OPTIMISED (the default prices of ``SlaTargets``). Reported per configuration, as medians
over the seeds: the overdue rate, mean and longest response, how many of the three targets are
met, orders served, and driving; and how often OPTIMISED meets more targets than REPORTED.

In process (``solver.solve.solve`` on great-circle matrices), CONSUME_ALL_TIME. Prints a table;
``--json PATH`` writes every run.
"""

from __future__ import annotations

import argparse
import itertools
import json
import platform
import statistics
import sys
from dataclasses import replace

from benchmarks.service_rules import with_service_rules
from benchmarks.synthetic import make_problem
from benchmarks.synthetic_grpc import time_solve
from solver.model import Plan, SlaTargets, TargetKind, TargetMode

_MODES = {
    "reported": SlaTargets(),
    "optimised": SlaTargets(overdue_mode=TargetMode.OPTIMISED, mean_response_mode=TargetMode.OPTIMISED,
                            max_response_mode=TargetMode.OPTIMISED),
}


# The days measured: the generator's default (orders raised 0-4 h before the shift, due 4 h
# after; appointments at 13 h and 15 h are due before they start, so no fleet meets 5 %
# overdue), and a reachable one (a 2 h backlog, appointments due at their slot's end).
# "rules": the reachable day with every service rule of ``benchmarks.service_rules`` on
# (overtime, rest, weekly hours, fairness, parts, first-time fix, expiry).
DAYS = {"default": {}, "reachable": {"backlog_s": 2 * 3600, "slot_deadlines": True},
        "rules": {"backlog_s": 2 * 3600, "slot_deadlines": True}}


def run(n_orders: int, engineers: int, seed: int, time_limit_s: float, mode: str, day: str = "reachable") -> dict:
    problem = make_problem(n_orders, seed=seed, n_engineers=engineers, time_limit_s=time_limit_s, **DAYS[day])
    if day == "rules":
        problem = with_service_rules(problem, seed=seed)
    problem = replace(problem, options=replace(problem.options, sla_targets=_MODES[mode]))
    timed = time_solve(problem, in_process=True)
    return _row(timed.plan) | {"day": day, "orders": n_orders, "engineers": engineers, "seed": seed, "mode": mode,
                               "time_limit_s": time_limit_s, "wall_s": timed.wall_s}


def _row(plan: Plan) -> dict:
    k = plan.kpis
    t = {r.kind: r for r in k.targets}
    return {
        "overdue_rate": t[TargetKind.OVERDUE_RATE].actual,  # orders left out before their deadline included
        "mean_response_h": (k.mean_response_s or 0.0) / 3600,
        "max_response_h": t[TargetKind.MAX_RESPONSE].actual / 3600,
        "met": {kind.value: r.met for kind, r in t.items()},
        "targets_met": sum(r.met for r in t.values()),
        "served": k.orders_served,
        "travel_h": k.total_travel_duration_s / 3600,
        "at_risk": len(k.orders_at_risk),
    }


def _median(rows: list[dict], key: str) -> float:
    return statistics.median(r[key] for r in rows)


def table(runs: list[dict]) -> str:
    lines = [f"{'day':<10} {'orders':>6} {'eng':>4} {'mode':<10} {'overdue':>8} {'mean resp':>10} {'max resp':>9} {'met/3':>6} "
             f"{'overdue ok':>10} {'served':>7} {'drive h':>8}"]
    keys = sorted({(r["day"], r["orders"], r["engineers"]) for r in runs})
    for day, n, e in keys:
        for mode in _MODES:
            rows = [r for r in runs if (r["day"], r["orders"], r["engineers"], r["mode"]) == (day, n, e, mode)]
            ok = sum(r["met"][TargetKind.OVERDUE_RATE.value] for r in rows)
            lines.append(f"{day:<10} {n:>6} {e:>4} {mode:<10} {_median(rows, 'overdue_rate'):>8.1%} {_median(rows, 'mean_response_h'):>9.2f}h "
                         f"{_median(rows, 'max_response_h'):>8.2f}h {_median(rows, 'targets_met'):>6.1f} {ok:>6}/{len(rows):<3} "
                         f"{_median(rows, 'served'):>7.0f} {_median(rows, 'travel_h'):>8.1f}")
    return "\n".join(lines)


def summary(runs: list[dict]) -> dict:
    """Per (orders, engineers, seed): did OPTIMISED meet more / as many / fewer targets, and
    the overdue target, than REPORTED."""
    pairs = {}
    for r in runs:
        pairs.setdefault((r["day"], r["orders"], r["engineers"], r["seed"]), {})[r["mode"]] = r
    more = same = fewer = overdue_fixed = overdue_lost = 0
    for p in pairs.values():
        d = p["optimised"]["targets_met"] - p["reported"]["targets_met"]
        more, same, fewer = more + (d > 0), same + (d == 0), fewer + (d < 0)
        o, r = p["optimised"]["met"][TargetKind.OVERDUE_RATE.value], p["reported"]["met"][TargetKind.OVERDUE_RATE.value]
        overdue_fixed += o and not r
        overdue_lost += r and not o
    return {"pairs": len(pairs), "optimised_meets_more": more, "same": same, "optimised_meets_fewer": fewer,
            "overdue_met_only_when_optimised": overdue_fixed, "overdue_met_only_when_reported": overdue_lost}


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--orders", type=int, nargs="+", default=[200, 1000])
    parser.add_argument("--fleet-ratios", type=float, nargs="+", default=[0.10, 0.12, 0.14],
                        help="engineers per order (the generator's default is 0.1)")
    parser.add_argument("--seeds", type=int, default=3)
    parser.add_argument("--days", nargs="+", choices=sorted(DAYS), default=["reachable", "default"])
    parser.add_argument("--time-limit", type=float, default=5.0, help="seconds per solve, the same for both modes")
    parser.add_argument("--json", help="write every run and the summary here")
    args = parser.parse_args(argv)
    runs = []
    for day, n, ratio, seed, mode in itertools.product(args.days, args.orders, args.fleet_ratios, range(args.seeds), _MODES):
        engineers = max(1, round(n * ratio))
        runs.append(run(n, engineers, seed, args.time_limit, mode, day))
        print(f"  {day}: {n} orders, {engineers} engineers, seed {seed}, {mode}: {runs[-1]['targets_met']}/3 met, "
              f"overdue {runs[-1]['overdue_rate']:.1%}", file=sys.stderr)
    result = {"machine": {"python": platform.python_version(), "platform": platform.platform()},
              "runs": runs, "summary": summary(runs)}
    print(table(runs))
    print(json.dumps(result["summary"]))
    if args.json:
        with open(args.json, "w") as f:
            json.dump(result, f, indent=1)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())

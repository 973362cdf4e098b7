"""``python -m benchmarks.kernel_steps``: the compiled kernel's steps per CPU second, and its plan
after a CPU budget, one chain, from the construction's plan.

Timed in thread CPU seconds (``time.thread_time``), not wall time, so that figures taken on a
shared machine compare: other processes slow a wall-clock budget down, not a CPU one. The
temperature schedule is the one ``solver.improve`` uses, over the CPU budget.

    python -m benchmarks.kernel_steps --days skills,porto --sizes 200,1000,5000 --cpu-s 4
"""

from __future__ import annotations

import argparse
import json
import time

import numpy as np


def _problem(day: str, n: int):
    from benchmarks import skills_day
    from benchmarks.synthetic import make_problem

    if day == "skills":
        problem = skills_day.make_problem(n, seed=0)
    else:
        problem = make_problem(n, seed=0, city=day)
    return problem, skills_day.matrices(problem)


def measure(day: str, n: int, cpu_s: float, seed: int = 0) -> dict:
    from solver import construction, feasibility, improve
    from solver import ruin_recreate as kernel
    from solver.locations import Locations
    from solver.vehicles import Vehicles

    problem, matrices = _problem(day, n)
    vehicles = Vehicles.of(problem, Locations.of(problem))
    allowed = feasibility.check(problem, matrices, vehicles, None).allowed
    served = np.flatnonzero(allowed.any(axis=1))
    inst = construction.prepare(problem, matrices, vehicles, allowed, served)
    sequences = construction.construct(inst)
    packed = improve.pack(inst)
    local = {int(i): u for u, i in enumerate(inst.served)}
    st = improve._state(inst, packed, [[local[int(i)] for i in s] for s in sequences])
    start_cost = float(st[8][1])
    arcs = sum(len(s) + 1 for s in sequences if s)
    served_cost = sum(float(st[7][r]) for r in range(inst.v))
    mean_arc = served_cost / arcs if arcs and served_cost > 0 else 1.0
    best = (st[0].copy(), st[1].copy(), st[2].copy())
    far = improve._far(inst)
    kernel.seed(seed)
    t_start, t_end = improve.T_START * mean_arc, improve.T_END * mean_arc
    began = time.thread_time()
    steps, chunk = 0, 16
    while (used := time.thread_time() - began) < cpu_s:
        f0, f1 = used / cpu_s, min(1.0, (used + improve.CHUNK_S) / cpu_s)
        c0 = time.thread_time()
        kernel.run(packed, st, best, chunk, t_start * (t_end / t_start) ** f0, t_start * (t_end / t_start) ** f1, far)
        steps += chunk
        took = time.thread_time() - c0
        chunk = int(max(1, min(chunk / max(took, 1e-6) * improve.CHUNK_S, 4 * chunk)))
    used = time.thread_time() - began
    left_out = int(np.sum(best[2][: inst.n] < 0)) + len(problem.orders) - inst.n
    return {"day": day, "n": n, "cpu_s": round(used, 2), "steps": steps, "steps_per_cpu_s": round(steps / used),
            "start_cost": round(start_cost), "cost": round(float(st[8][1])), "left_out": left_out}


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m benchmarks.kernel_steps", description=__doc__.split("\n\n")[0])
    parser.add_argument("--days", default="skills,porto", help="skills and/or cities of benchmarks.synthetic")
    parser.add_argument("--sizes", default="200,5000", help="order counts, comma list")
    parser.add_argument("--cpu-s", type=float, default=4.0, help="CPU seconds per run")
    parser.add_argument("--json", help="also write the rows here")
    args = parser.parse_args(argv)
    rows = [measure(day, int(n), args.cpu_s) for day in args.days.split(",") for n in args.sizes.split(",")]
    for row in rows:
        print(json.dumps(row), flush=True)
    for day in args.days.split(","):
        rates = {r["n"]: r["steps_per_cpu_s"] for r in rows if r["day"] == day}
        if len(rates) > 1:
            lo, hi = min(rates), max(rates)
            print(f"{day}: steps/CPU-s at {lo} orders / at {hi} orders = {rates[lo] / rates[hi]:.2f}")
    if args.json:
        with open(args.json, "w") as f:
            json.dump(rows, f, indent=2)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())

"""``python -m benchmarks``: solve VRPTW instances and synthetic days, report gaps and times.

Examples::

    python -m benchmarks --quick                      # CI smoke run: 6 Solomon + 1 synthetic, 1 s
    python -m benchmarks                              # all 56 Solomon at 1 s and 10 s (~14 min)
    python -m benchmarks --suite solomon --instances C101,R101 --time-limit 1,10
    python -m benchmarks path/to/R2_10_1.vrp --time-limit 30 --json out.json
    python -m benchmarks --suite synthetic --sizes 100,500 --time-limit 10
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

from benchmarks.instances import instance_paths
from benchmarks.report import (
    Record,
    environment,
    records_table,
    summarize,
    summary_table,
    write_json,
)
from benchmarks.runner import SOLVERS, Task, run_all, synthetic_tasks, vrptw_tasks

HERE = Path(__file__).resolve().parent
SOLOMON_DIR = HERE / "data" / "solomon"
DEFAULT_JSON = HERE / "results" / "latest.json"
DEFAULT_TIME_LIMITS_S = (1.0, 10.0)
# One instance of each Solomon class: clustered, random, mixed; short and long horizon.
QUICK_INSTANCES = ("C101", "R101", "RC101", "C201", "R201", "RC201")
QUICK_SIZES = (100,)
DEFAULT_SIZES = (100, 200, 500)


def _comma_list(values: list[str] | None) -> list[str]:
    return [item.strip() for value in values or [] for item in value.split(",") if item.strip()]


def parse_args(argv: list[str] | None = None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(
        prog="python -m benchmarks",
        description="Benchmark the dispatch solver on VRPTW instances and synthetic days.",
    )
    parser.add_argument(
        "paths", nargs="*", help="Solomon-format or VRPLIB files, or folders of them"
    )
    parser.add_argument(
        "--suite",
        choices=("solomon", "synthetic", "all"),
        help="built-in suite (default: solomon when no paths are given)",
    )
    parser.add_argument(
        "--time-limit",
        action="append",
        metavar="SECONDS",
        help="solver time limit; repeat or give a comma list (default 1,10; --quick: 1)",
    )
    parser.add_argument("--instances", action="append", help="only these instances (comma list)")
    parser.add_argument(
        "--solvers", action="append", help=f"comma list (default dispatch; known: {SOLVERS})"
    )
    parser.add_argument(
        "--sizes", action="append", help="synthetic order counts, comma list (default 100,200,500)"
    )
    parser.add_argument("--seed", type=int, default=0, help="solver and generator seed")
    parser.add_argument(
        "--address", help="synthetic suite: time through the gRPC service at host:port (default: start one on a free loopback port)"
    )
    parser.add_argument("--quick", action="store_true", help="small subset at 1 s, for CI")
    parser.add_argument("--json", default=str(DEFAULT_JSON), help="where to write the results")
    parser.add_argument(
        "--in-process",
        action="store_true",
        help="solve in this process (no fresh worker per solve; peak RSS then accumulates)",
    )
    return parser.parse_args(argv)


def build_tasks(args: argparse.Namespace) -> list[Task]:
    time_limits_s = [float(v) for v in _comma_list(args.time_limit)]
    if not time_limits_s:
        time_limits_s = [1.0] if args.quick else list(DEFAULT_TIME_LIMITS_S)
    if any(t <= 0 for t in time_limits_s):
        raise SystemExit("--time-limit values must be positive")
    solvers = _comma_list(args.solvers) or ["dispatch"]
    unknown = sorted(set(solvers) - set(SOLVERS))
    if unknown:
        raise SystemExit(f"unknown solver(s) {unknown}; known: {list(SOLVERS)}")
    wanted = {name.upper() for name in _comma_list(args.instances)}
    if args.quick and not wanted and not args.paths:
        wanted = set(QUICK_INSTANCES)
    suite = args.suite or (None if args.paths else ("all" if args.quick else "solomon"))

    tasks: list[Task] = []
    for target in args.paths:
        paths = [p for p in instance_paths(target) if not wanted or p.stem.upper() in wanted]
        tasks += vrptw_tasks(paths, time_limits_s, solvers, seed=args.seed)
    if suite in ("solomon", "all"):
        paths = [
            p for p in instance_paths(SOLOMON_DIR) if not wanted or p.stem.upper() in wanted
        ]
        tasks += vrptw_tasks(paths, time_limits_s, solvers, suite="solomon", seed=args.seed)
    if suite in ("synthetic", "all"):
        sizes = [int(v) for v in _comma_list(args.sizes)]
        sizes = sizes or list(QUICK_SIZES if args.quick else DEFAULT_SIZES)
        tasks += synthetic_tasks(
            sizes, time_limits_s, solvers, seed=args.seed, address=args.address
        )
    if not tasks:
        raise SystemExit("nothing to run: check the paths, --suite and --instances")
    # Group by time limit across suites so a quick look at short limits comes first.
    return sorted(tasks, key=lambda t: t.time_limit_s)


def _progress(record: Record) -> None:
    if record.error:
        outcome = f"ERROR {record.error}"
    else:
        gap = "" if record.gap_pct is None else f" gap {record.gap_pct:.2f}%"
        cost = "–" if record.cost is None else f"{record.cost:.2f}"
        outcome = f"cost {cost}{gap} feasible={record.feasible} wall {record.wall_s:.2f}s"
    print(
        f"[{record.suite}] {record.instance} {record.solver} {record.time_limit_s:g}s: {outcome}",
        file=sys.stderr,
        flush=True,
    )


def main(argv: list[str] | None = None) -> int:
    args = parse_args(argv)
    tasks = build_tasks(args)
    print(f"running {len(tasks)} solve(s)", file=sys.stderr, flush=True)
    meta = environment()
    records = run_all(tasks, isolate=not args.in_process, on_record=_progress)
    print(records_table(records))
    print()
    print(summary_table(summarize(records)))
    out = write_json(args.json, records, meta)
    print(f"\nwrote {out}", file=sys.stderr)
    # Non-zero for CI when something broke: a crash, or a VRPTW plan that breaks the rules.
    failed = any(r.error or r.feasible is False for r in records)
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())

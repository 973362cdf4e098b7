"""``python -m benchmarks``: solve VRPTW instances and synthetic days, report gaps and times.

Examples::

    python -m benchmarks --quick                      # CI smoke run: 6 Solomon + 1 synthetic, 1 s
    python -m benchmarks                              # all 56 Solomon at 1 s and 10 s (~14 min)
    python -m benchmarks --suite solomon --instances C101,R101 --time-limit 1,10
    python -m benchmarks path/to/R2_10_1.vrp --time-limit 30 --json out.json
    python -m benchmarks --suite synthetic --sizes 100,500 --time-limit 10
    python -m benchmarks --suite skills --sizes 1000,2000,5000 --time-limit 30   # dispatch, PyVRP, VROOM
    python -m benchmarks --suite realistic --cities lyon,leeds --seeds 0,1,2 --sizes 1000,2000 \
        --time-limit 10,60,300 --variants backlog,right-sized
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

from benchmarks.instances import instance_paths
from benchmarks.report import (
    Record,
    days_tables,
    environment,
    records_table,
    summarize,
    summary_table,
    write_json,
)
from benchmarks.runner import (
    SOLVERS,
    Task,
    realistic_tasks,
    run_all,
    skills_tasks,
    synthetic_tasks,
    vrptw_tasks,
)

HERE = Path(__file__).resolve().parent
SOLOMON_DIR = HERE / "data" / "solomon"
HOMBERGER_DIRS = {"homberger200": HERE / "data" / "homberger" / "200", "homberger1000": HERE / "data" / "homberger" / "1000"}
CI_THRESHOLDS = HERE / "ci_thresholds.json"
DEFAULT_JSON = HERE / "results" / "latest.json"
DEFAULT_TIME_LIMITS_S = (1.0, 10.0)
# One instance of each Solomon class: clustered, random, mixed; short and long horizon.
QUICK_INSTANCES = ("C101", "R101", "RC101", "C201", "R201", "RC201")
QUICK_SIZES = (100,)
DEFAULT_SIZES = (100, 500, 1000, 2000, 5000)  # the synthetic ladder
SKILLS_SIZES = (1000, 2000, 5000)
SKILLS_TIME_LIMITS_S = (30.0,)
REALISTIC_SIZES = (1000, 2000)
REALISTIC_CITIES = ("lyon", "leeds")  # cities the solver was not tuned on
REALISTIC_SEEDS = (0, 1, 2)
REALISTIC_TIME_LIMITS_S = (10.0, 60.0, 300.0)
VARIANTS = {"backlog": False, "right-sized": True}


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
        choices=("solomon", "homberger200", "homberger1000", "synthetic", "skills", "realistic", "all"),
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
    parser.add_argument("--seeds", action="append", help="skills/realistic: generator seeds, comma list (default skills 0, realistic 0,1,2)")
    parser.add_argument("--cities", action="append", help=f"realistic: comma list (default {','.join(REALISTIC_CITIES)})")
    parser.add_argument(
        "--variants", action="append",
        help="realistic: backlog (morning backlog, fleet n // 10) and/or right-sized (raised through the day, fleet n // 8); default both",
    )
    parser.add_argument(
        "--address", help="synthetic suite: time through the gRPC service at host:port (default: start one on a free loopback port)"
    )
    parser.add_argument("--quick", action="store_true", help="small subset at 1 s, for CI")
    parser.add_argument("--ci", action="store_true",
                        help="CI subset (< 5 min) checked against benchmarks/ci_thresholds.json; non-zero on regression")
    parser.add_argument("--plot", help="PNG of gap against time limit per suite and solver (default: beside --json)")
    parser.add_argument("--json", default=str(DEFAULT_JSON), help="where to write the results")
    parser.add_argument(
        "--in-process",
        action="store_true",
        help="solve in this process (no fresh worker per solve; peak RSS then accumulates)",
    )
    return parser.parse_args(argv)


def build_tasks(args: argparse.Namespace) -> list[Task]:
    given_limits_s = [float(v) for v in _comma_list(args.time_limit)]
    time_limits_s = given_limits_s or ([1.0] if args.quick else list(DEFAULT_TIME_LIMITS_S))
    if any(t <= 0 for t in time_limits_s):
        raise SystemExit("--time-limit values must be positive")
    given_solvers = _comma_list(args.solvers)
    solvers = given_solvers or ["dispatch"]
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
    for name, folder in HOMBERGER_DIRS.items():
        if suite in (name, "all"):
            paths = [p for p in instance_paths(folder) if not wanted or p.stem.upper() in wanted]
            tasks += vrptw_tasks(paths, time_limits_s, solvers, suite=name.replace("homberger", "homberger/"), seed=args.seed)
    if suite in ("synthetic", "all"):
        sizes = [int(v) for v in _comma_list(args.sizes)]
        sizes = sizes or list(QUICK_SIZES if args.quick else DEFAULT_SIZES)
        tasks += synthetic_tasks(
            sizes, time_limits_s, solvers, seed=args.seed, address=args.address
        )
    given_seeds = [int(v) for v in _comma_list(args.seeds)]
    if suite == "skills":  # not in "all": 3 × 3 solves of 30 s
        tasks += skills_tasks(
            [int(v) for v in _comma_list(args.sizes)] or SKILLS_SIZES,
            given_limits_s or SKILLS_TIME_LIMITS_S,
            given_solvers or SOLVERS,  # side by side unless told otherwise
            given_seeds or [args.seed],
        )
    if suite == "realistic":  # not in "all": hours at the default limits
        variants = _comma_list(args.variants) or list(VARIANTS)
        unknown = sorted(set(variants) - set(VARIANTS))
        if unknown:
            raise SystemExit(f"unknown variant(s) {unknown}; known: {list(VARIANTS)}")
        if given_solvers and given_solvers != ["dispatch"]:
            raise SystemExit("the realistic suite runs dispatch only (its targets compare dispatch's own limits)")
        tasks += realistic_tasks(
            [int(v) for v in _comma_list(args.sizes)] or REALISTIC_SIZES,
            given_limits_s or REALISTIC_TIME_LIMITS_S,
            _comma_list(args.cities) or REALISTIC_CITIES,
            given_seeds or REALISTIC_SEEDS,
            [VARIANTS[v] for v in variants],
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


def ci_tasks(thresholds: dict) -> list[Task]:
    """The CI subset named in the thresholds file."""
    tasks: list[Task] = []
    for check in thresholds["checks"]:
        if check["suite"] == "synthetic":
            tasks += synthetic_tasks(check["sizes"], [check["time_limit_s"]], ["dispatch"])
        elif check["suite"] == "skills":
            tasks += skills_tasks(check["sizes"], [check["time_limit_s"]], ["dispatch"], [0])
        elif check["suite"] == "realistic":
            tasks += realistic_tasks(check["sizes"], [check["time_limit_s"]], check["cities"], [0], [False])
        else:
            folder = SOLOMON_DIR if check["suite"] == "solomon" else HOMBERGER_DIRS[check["suite"].replace("/", "")]
            wanted = {i.upper() for i in check.get("instances", [])}
            paths = [p for p in instance_paths(folder) if not wanted or p.stem.upper() in wanted]
            tasks += vrptw_tasks(paths, [check["time_limit_s"]], ["dispatch"], suite=check["suite"])
    return tasks


def ci_failures(records: list[Record], thresholds: dict) -> list[str]:
    """Regressions beyond the thresholds: mean gap, worst wall time over the limit, first plan."""
    failures = []
    for check in thresholds["checks"]:
        group = [r for r in records if r.suite == check["suite"] and r.time_limit_s == check["time_limit_s"]]
        name = f"{check['suite']} @ {check['time_limit_s']:g}s"
        if not group:
            failures.append(f"{name}: no runs")
            continue
        bad = [r.instance for r in group if r.error or r.feasible is False]
        if bad:
            failures.append(f"{name}: errors or infeasible plans on {bad}")
        gaps = [r.gap_pct for r in group if r.gap_pct is not None]
        if "max_mean_gap_pct" in check and gaps and sum(gaps) / len(gaps) > check["max_mean_gap_pct"]:
            failures.append(f"{name}: mean gap {sum(gaps) / len(gaps):.2f}% > {check['max_mean_gap_pct']}%")
        walls = [r.wall_s for r in group if r.wall_s is not None]
        if "max_wall_ratio" in check and walls and max(walls) > check["max_wall_ratio"] * check["time_limit_s"]:
            failures.append(f"{name}: wall {max(walls):.2f}s > {check['max_wall_ratio']} × limit")
        firsts = [r.first_feasible_s for r in group if r.first_feasible_s is not None]
        if "max_first_feasible_s" in check and (not firsts or max(firsts) > check["max_first_feasible_s"]):
            failures.append(f"{name}: first plan {max(firsts) if firsts else None} s > {check['max_first_feasible_s']} s")
        unassigned = [r.unassigned for r in group if r.unassigned is not None]
        if "max_unassigned_share" in check and any(u > check["max_unassigned_share"] * (r.n_orders or 1) for u, r in zip(unassigned, group)):
            failures.append(f"{name}: too many unassigned orders")
    return failures


def plot(records: list[Record], path: Path) -> Path | None:
    """Mean gap against time limit, one line per suite and solver (matplotlib, Agg)."""
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    rows = [r for r in summarize(records) if r.mean_gap_pct is not None]
    if not rows:
        return None
    fig, ax = plt.subplots(figsize=(7, 4.5))
    for key in sorted({(r.suite, r.solver) for r in rows}):
        pts = sorted((r.time_limit_s, r.mean_gap_pct) for r in rows if (r.suite, r.solver) == key)
        ax.plot([p[0] for p in pts], [p[1] for p in pts], marker="o", label=f"{key[0]} · {key[1]}")
    ax.set_xscale("log")
    ax.set_xlabel("time limit (s)")
    ax.set_ylabel("mean gap to best known (%)")
    ax.grid(True, alpha=0.3)
    ax.legend(fontsize=7)
    fig.tight_layout()
    fig.savefig(path, dpi=120)
    plt.close(fig)
    return path


def main(argv: list[str] | None = None) -> int:
    args = parse_args(argv)
    thresholds = None
    if args.ci:
        import json

        thresholds = json.loads(CI_THRESHOLDS.read_text())
        tasks = ci_tasks(thresholds)
    else:
        tasks = build_tasks(args)
    print(f"running {len(tasks)} solve(s)", file=sys.stderr, flush=True)
    meta = environment()
    records = run_all(tasks, isolate=not args.in_process, on_record=_progress)
    print(records_table(records))
    print()
    print(summary_table(summarize(records)))
    days = days_tables(records)
    if days:
        print()
        print(days)
    out = write_json(args.json, records, meta)
    print(f"\nwrote {out}", file=sys.stderr)
    md = Path(out).with_suffix(".md")
    md.write_text(records_table(records) + "\n\n" + summary_table(summarize(records)) + "\n" + (f"\n{days}\n" if days else ""))
    png = plot(records, Path(args.plot) if args.plot else Path(out).with_suffix(".png"))
    print(f"wrote {md}" + (f" and {png}" if png else ""), file=sys.stderr)
    if thresholds is not None:
        failures = ci_failures(records, thresholds)
        for failure in failures:
            print(f"CI REGRESSION: {failure}", file=sys.stderr)
        return 1 if failures else 0
    # Non-zero for CI when something broke: a crash, or a VRPTW plan that breaks the rules.
    failed = any(r.error or r.feasible is False for r in records)
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())

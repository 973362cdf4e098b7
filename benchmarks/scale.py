"""``python -m benchmarks --suite scale``: a country-sized day (10,000-50,000 orders, one engineer
per ten orders, great-circle travel) on every back-end, side by side.

Back-ends (``--configs``):

- ``decompose``: today's single-machine path on the whole request (one dense matrix, then
  ``solver.decompose``'s group rounds in forked processes); run only when its two dense int64
  matrices fit ``--max-dense-gb``, else reported as not run with the memory they would need.
- ``regions``: the request split into regions first (``dispatch_service.regional``), regions one
  after the other in this process (``--backend local --region-orders``).
- ``ray``: the same regions on a local Ray runtime of this machine (2 CPUs: two actors).
- ``ray2``: the same on a two-node Ray cluster started on this machine (``ray start --head`` and a
  second ``ray start --address`` on other ports, one CPU each), reached by its address as
  ``--ray-address`` would: the distributed path, end to end.

Per run: time to the first whole plan, wall time against the limit, orders served, objective,
and the peak resident memory of the driver (this process, with its forked children) and of each
Ray actor (sampled every 50 ms from /proc). The request is solved in this process (the Ray
driver), not through gRPC: a 50,000-order request does not fit a gRPC message today (issue 14,
item 3). Medians over ``--repeats``; the load average is recorded with each run.
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from dataclasses import replace
from pathlib import Path

from benchmarks.large_fleet import _rss_kib
from benchmarks.synthetic import make_problem
from solver.locations import Locations
from solver.model import Problem, SearchMode

DEFAULT_SIZES = (10_000, 20_000, 50_000)
DEFAULT_CONFIGS = ("decompose", "regions", "ray", "ray2")
RAY = Path(sys.executable).with_name("ray")


def _limit_s(n: int, given: float | None) -> float:
    """The time limit per size: 30 s up to 20,000 orders, 60 s above (the first plans of 50
    regions on two CPUs take about half a minute)."""
    return given if given is not None else (30.0 if n <= 20_000 else 60.0)


def _children(pid: int) -> list[int]:
    out: list[int] = []
    try:
        for tid in os.listdir(f"/proc/{pid}/task"):
            with open(f"/proc/{pid}/task/{tid}/children") as f:
                out += [int(c) for c in f.read().split()]
    except OSError:
        pass
    return out


class PeakRss:
    """Peak resident memory per process of this process's tree and of given pids."""

    def __init__(self, extra_pids: dict[str, int] | None = None) -> None:
        self.extra = extra_pids or {}
        self.driver_kib = 0  # this process plus its forked children at the same moment
        self.peaks: dict[str, int] = {}
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._sample, daemon=True)

    def _sample(self) -> None:
        me = os.getpid()
        while not self._stop.is_set():
            tree = _rss_kib(me) + sum(_rss_kib(c) for c in _children(me))
            self.driver_kib = max(self.driver_kib, tree)
            for name, pid in self.extra.items():
                self.peaks[name] = max(self.peaks.get(name, 0), _rss_kib(pid))
            self._stop.wait(0.05)

    def __enter__(self) -> PeakRss:
        self._thread.start()
        return self

    def __exit__(self, *exc) -> None:
        self._stop.set()
        self._thread.join()


def dense_gb(problem: Problem) -> float:
    """The two int64 travel matrices of the whole request (duration and distance)."""
    n = Locations.of(problem).size
    return 2 * 8 * n * n / 1e9


def _result(config: str, problem: Problem, plan, wall_s: float, first_s: float | None, rss: PeakRss, extra=None) -> dict:
    return {
        "config": config, "orders": len(problem.orders), "engineers": len(problem.engineers),
        "time_limit_s": problem.options.time_limit_s, "wall_s": round(wall_s, 2),
        "over_limit_s": round(wall_s - problem.options.time_limit_s, 2),
        "first_plan_s": None if first_s is None else round(first_s, 2),
        "served": plan.kpis.orders_served, "objective": round(plan.stats.objective, 1),
        "driver_peak_mib": round(rss.driver_kib / 1024, 1),
        "actor_peak_mib": sorted((round(v / 1024, 1) for v in rss.peaks.values()), reverse=True),
        "load_1m": round(os.getloadavg()[0], 2), **(extra or {}),
    }


def run_decompose(problem: Problem, max_dense_gb: float) -> dict:
    need = dense_gb(problem)
    if need > max_dense_gb:
        return {"config": "decompose", "orders": len(problem.orders), "engineers": len(problem.engineers),
                "time_limit_s": problem.options.time_limit_s,
                "skipped": f"its two dense matrices need {need:.1f} GB (> --max-dense-gb {max_dense_gb:g})"}
    from dispatch_service.solving import prepare, solve_prepared

    first: list[float] = []
    with PeakRss() as rss:
        t0 = time.perf_counter()
        prepared, matrices = prepare(problem)
        plan = solve_prepared(prepared, matrices, on_progress=lambda p: first.append(time.perf_counter() - t0) if not first else None)
        wall = time.perf_counter() - t0
    return _result("decompose", problem, plan, wall, first[0] if first else plan.stats.first_solution_s, rss)


def run_regional(config: str, problem: Problem, engine, region_orders: int, actor_pids: dict[str, int] | None = None) -> dict:
    from dispatch_service import regional

    report = regional.Report()
    with PeakRss(actor_pids) as rss:
        t0 = time.perf_counter()
        plan = regional.solve(problem, engine, region_orders=region_orders, report=report)
        wall = time.perf_counter() - t0
    calls = sorted(report.region_call_s)
    return _result(config, problem, plan, wall, report.first_plan_s, rss, {
        "regions": report.regions, "seam_rounds": report.rounds, "calls": report.calls, "lost_calls": report.lost_calls,
        "seams_improved": report.seams_improved,
        "region_first_call_median_s": round(statistics.median(calls), 2) if calls else None,
    })


class TwoNodeCluster:
    """Two Ray nodes on this machine (one CPU each, their own ports), with Ray's token
    authentication (the token in ~/.ray/auth_token, which a local runtime creates on first use)."""

    def __init__(self, port: int = 6390) -> None:
        self.port = port
        self.tmp = Path(tempfile.mkdtemp(prefix="ray-scale-"))
        self.env = {**os.environ, "RAY_AUTH_MODE": "token", "RAY_USAGE_STATS_ENABLED": "0"}
        self.procs: list[subprocess.Popen] = []

    def __enter__(self) -> TwoNodeCluster:
        head = [str(RAY), "start", "--head", "--block", f"--port={self.port}", "--num-cpus=1", "--include-dashboard=false",
                f"--temp-dir={self.tmp / 't'}", "--node-manager-port=6391", "--object-manager-port=6392",
                "--min-worker-port=11000", "--max-worker-port=11099", "--ray-client-server-port=10011"]
        second = [str(RAY), "start", "--block", f"--address=127.0.0.1:{self.port}", "--num-cpus=1",
                  "--node-manager-port=6393", "--object-manager-port=6394", "--min-worker-port=11100", "--max-worker-port=11199"]
        log = self.log = open(self.tmp / "nodes.log", "w")  # kept open while the nodes run; closed on exit
        self.procs.append(subprocess.Popen(head, env=self.env, stdout=log, stderr=subprocess.STDOUT, start_new_session=True))
        self._wait_nodes(1)
        self.procs.append(subprocess.Popen(second, env=self.env, stdout=log, stderr=subprocess.STDOUT, start_new_session=True))
        self._wait_nodes(2)
        os.environ["RAY_AUTH_MODE"] = "token"  # this driver too
        return self

    def _wait_nodes(self, count: int, timeout_s: float = 120.0) -> None:
        end = time.monotonic() + timeout_s
        while time.monotonic() < end:
            out = subprocess.run([str(RAY), "status", f"--address=127.0.0.1:{self.port}"], env=self.env,
                                 capture_output=True, text=True, check=False).stdout
            if out.count("node_") >= count:
                return
            time.sleep(1.0)
        raise RuntimeError(f"the Ray cluster did not reach {count} nodes; see {self.tmp / 'nodes.log'}")

    @property
    def address(self) -> str:
        return f"127.0.0.1:{self.port}"

    def __exit__(self, *exc) -> None:
        import signal

        for proc in reversed(self.procs):
            try:
                os.killpg(proc.pid, signal.SIGTERM)  # the node and the processes it started
            except ProcessLookupError:
                continue
            try:
                proc.wait(30)
            except subprocess.TimeoutExpired:
                os.killpg(proc.pid, signal.SIGKILL)
        os.environ.pop("RAY_AUTH_MODE", None)
        self.log.close()
        shutil.rmtree(self.tmp, ignore_errors=True)


def _ray_runs(config: str, address: str | None, problems: list[Problem], region_orders: int, repeats: int,
              record) -> list[dict]:
    import ray

    from dispatch_service import ray_engine

    ray_engine.init(address, num_cpus=2)
    try:
        actors = ray_engine.actors()
        pids = ray.get([a.pid.remote() for a in actors])
        engine = ray_engine.RayEngine(actors)
        out = []
        for problem in problems:
            for k in range(repeats):
                row = run_regional(config, problem, engine, region_orders, {f"actor{j}": pid for j, pid in enumerate(pids)})
                row["repeat"] = k
                print(_line(row), flush=True)
                out.append(row)
                record(row)
        return out
    finally:
        ray.shutdown()


def _line(row: dict) -> str:
    if "skipped" in row:
        return f"{row['config']:<10} {row['orders']:>6}  not run: {row['skipped']}"
    return (f"{row['config']:<10} {row['orders']:>6}  first {row['first_plan_s']!s:>6} s  wall {row['wall_s']:>6} s "
            f"(limit {row['time_limit_s']:g})  served {row['served']:>6}  objective {row['objective']:>11}  "
            f"driver {row['driver_peak_mib']} MiB  actors {row['actor_peak_mib']} MiB  load {row['load_1m']}")


def summary(rows: list[dict]) -> list[dict]:
    """Medians per (config, orders)."""
    out = []
    for key in sorted({(r["config"], r["orders"]) for r in rows}, key=lambda k: (k[1], DEFAULT_CONFIGS.index(k[0]))):
        group = [r for r in rows if (r["config"], r["orders"]) == key]
        if "skipped" in group[0]:
            out.append(group[0])
            continue
        med = {f: statistics.median(r[f] for r in group) for f in ("first_plan_s", "wall_s", "over_limit_s", "served", "objective", "driver_peak_mib")}
        actors = max((max(r["actor_peak_mib"], default=0.0) for r in group), default=0.0)
        out.append({"config": key[0], "orders": key[1], "runs": len(group), "time_limit_s": group[0]["time_limit_s"],
                    **{k: round(v, 2) for k, v in med.items()}, "actor_peak_mib_max": actors,
                    "regions": group[0].get("regions"), "region_first_call_median_s": statistics.median(
                        r["region_first_call_median_s"] for r in group) if group[0].get("region_first_call_median_s") else None,
                    "load_1m": [r["load_1m"] for r in group]})
    return out


def table(rows: list[dict]) -> str:
    head = "| orders | back-end | runs | limit s | first plan s | wall s | over s | served | objective | driver MiB | actor MiB (max) | regions | region call s | load 1 m |"
    lines = [head, "|" + "|".join(["---"] * 14) + "|"]
    for r in rows:
        if "skipped" in r:
            lines.append(f"| {r['orders']} | {r['config']} | 0 | {r['time_limit_s']:g} | not run: {r['skipped']} | | | | | | | | | |")
            continue
        lines.append(f"| {r['orders']} | {r['config']} | {r['runs']} | {r['time_limit_s']:g} | {r['first_plan_s']} | {r['wall_s']} | "
                     f"{r['over_limit_s']} | {r['served']:g} | {r['objective']:.0f} | {r['driver_peak_mib']} | {r['actor_peak_mib_max']} | "
                     f"{r['regions'] or ''} | {r['region_first_call_median_s'] or ''} | {', '.join(map(str, r['load_1m']))} |")
    return "\n".join(lines)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m benchmarks --suite scale", description=__doc__.split("\n\n")[0])
    parser.add_argument("--sizes", default=",".join(map(str, DEFAULT_SIZES)), help="orders per request, comma-separated")
    parser.add_argument("--configs", default=",".join(DEFAULT_CONFIGS), help="back-ends: " + ", ".join(DEFAULT_CONFIGS))
    parser.add_argument("--time-limit", type=float, default=None, help="seconds per solve (default: 30 up to 20,000 orders, 60 above)")
    parser.add_argument("--repeats", type=int, default=3)
    parser.add_argument("--region-orders", type=int, default=1000)
    parser.add_argument("--max-dense-gb", type=float, default=4.0, help="run 'decompose' only when its dense matrices fit")
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--json", type=Path, default=Path("benchmarks/results/scale.json"))
    args = parser.parse_args(argv)
    sizes = [int(s) for s in args.sizes.split(",") if s.strip()]
    configs = [c.strip() for c in args.configs.split(",") if c.strip()]
    unknown = set(configs) - set(DEFAULT_CONFIGS)
    if unknown:
        parser.error(f"unknown --configs {sorted(unknown)}")
    problems = []
    for n in sizes:
        p = make_problem(n, seed=args.seed, time_limit_s=_limit_s(n, args.time_limit))
        problems.append(replace(p, options=replace(p.options, search_mode=SearchMode.CONSUME_ALL_TIME)))
    rows: list[dict] = []
    started = time.time()
    uptime_before = subprocess.run(["uptime"], capture_output=True, text=True, check=False).stdout.strip()
    partial = args.json.with_suffix(".partial.json")
    partial.parent.mkdir(parents=True, exist_ok=True)

    def record(row: dict) -> None:  # every run as it ends: a failure later keeps what was measured
        rows.append(row)
        partial.write_text(json.dumps(rows, indent=2))
    if "decompose" in configs:
        for p in problems:
            for k in range(args.repeats if dense_gb(p) <= args.max_dense_gb else 1):
                row = run_decompose(p, args.max_dense_gb)
                row["repeat"] = k
                print(_line(row), flush=True)
                record(row)
    if "regions" in configs:
        from dispatch_service.regional import InProcess

        for p in problems:
            for k in range(args.repeats):
                row = run_regional("regions", p, InProcess(), args.region_orders)
                row["repeat"] = k
                print(_line(row), flush=True)
                record(row)
    if "ray" in configs:
        _ray_runs("ray", None, problems, args.region_orders, args.repeats, record)
    if "ray2" in configs:
        with TwoNodeCluster() as cluster:
            _ray_runs("ray2", cluster.address, problems, args.region_orders, args.repeats, record)
    medians = summary(rows)
    meta = {"command": "python -m benchmarks --suite scale " + " ".join(argv or sys.argv[1:]), "started_unix_s": started,
            "uptime_before": uptime_before,
            "uptime_after": subprocess.run(["uptime"], capture_output=True, text=True, check=False).stdout.strip(),
            "cpus": os.cpu_count(), "region_orders": args.region_orders}
    args.json.parent.mkdir(parents=True, exist_ok=True)
    args.json.write_text(json.dumps({"meta": meta, "medians": medians, "runs": rows}, indent=2))
    partial.unlink(missing_ok=True)
    md = table(medians)
    args.json.with_suffix(".md").write_text(f"{meta['command']}\n\n{meta['uptime_before']}\n\n{md}\n")
    print(md)
    return 0


if __name__ == "__main__":
    sys.exit(main())

"""Latency of the intraday RPCs on a synthetic day (``python -m benchmarks.realtime_bench``).

* ``RecommendInsertion``: a plan for N orders (default 1000) is solved once; then new orders
  (the same generator, another seed) are offered one at a time against it, ``--calls`` times
  (default 200). Reported: p50 / p99 / max over the calls, as a client sees them (the request
  carries the whole problem and plan) and, separately, ``solver.insertion.recommend_insertion``
  alone in this process.
* ``SolveStream``: time from sending an N-order request to its first streamed plan, over
  ``--stream-runs`` runs (each cancelled after its first update).

Targets (issue 5): insertion p99 ≤ 20 ms for 1000 orders; first stream update ≤ 1.5 s.
Starts its own server (``--workers``) unless ``--server HOST:PORT`` is given.
"""

from __future__ import annotations

import argparse
import json
import platform
import statistics
import sys
import time

import grpc

from benchmarks.synthetic import make_problem
from dispatch_service import convert
from dispatch_service.api.v1 import dispatch_pb2 as pb
from dispatch_service.api.v1 import dispatch_pb2_grpc as pb_grpc

_MB = 1024 * 1024


def _pct(values: list[float], q: float) -> float:
    ordered = sorted(values)
    k = min(len(ordered) - 1, max(0, int(round(q * (len(ordered) - 1)))))
    return ordered[k]


def _summary(ms: list[float]) -> dict:
    return {"n": len(ms), "p50_ms": _pct(ms, 0.5), "p99_ms": _pct(ms, 0.99), "max_ms": max(ms), "mean_ms": statistics.fmean(ms)}


def bench_insertion(stub, n_orders: int, calls: int, seed: int, solve_s: float) -> dict:
    problem = make_problem(n_orders, seed=seed, time_limit_s=solve_s)
    request = convert.problem_to_request(problem)
    request.options.search_mode = pb.SEARCH_MODE_RETURN_FAST
    plan = stub.Solve(request, timeout=solve_s + 120)
    routes = [pb.PlannedRoute(engineer_id=r.engineer_id, shift_index=r.shift_index, order_ids=[v.order_id for v in r.visits])
              for r in plan.routes]
    candidates = convert.problem_to_request(make_problem(calls, seed=seed + 1)).orders
    out = {"orders": n_orders, "engineers": len(request.engineers), "served": plan.kpis.orders_served}
    try:
        stub.RecommendInsertion(pb.RecommendInsertionRequest(problem=request, current_routes=routes, order=_new(candidates[0], 0)), timeout=30)
    except grpc.RpcError as exc:
        out["error"] = f"{exc.code().name}: {exc.details()}"
        return out
    rpc_ms, found = [], 0
    for k in range(calls):
        req = pb.RecommendInsertionRequest(problem=request, current_routes=routes, order=_new(candidates[k % len(candidates)], k), max_candidates=5)
        t = time.perf_counter()
        reply = stub.RecommendInsertion(req, timeout=30)
        rpc_ms.append((time.perf_counter() - t) * 1000)
        found += bool(reply.candidates)
    out["rpc"] = _summary(rpc_ms)
    out["with_candidates"] = found
    out["in_process"] = _in_process(problem, plan, candidates, calls)
    return out


def _new(order: pb.Order, k: int) -> pb.Order:
    new = pb.Order()
    new.CopyFrom(order)
    new.id = f"NEW-{k:05d}"
    return new


def _in_process(problem, plan: pb.SolveResponse, candidates, calls: int) -> dict | None:
    """``solver.insertion.recommend_insertion`` alone, with the matrices the server would use
    (the plan's matrix cached, one row and column added per new order)."""
    try:
        from solver.insertion import recommend_insertion
    except ImportError:
        return None
    from dispatch_service import travel
    from solver.model import PlannedRoute

    routes = tuple(PlannedRoute(r.engineer_id, r.shift_index, tuple(v.order_id for v in r.visits)) for r in plan.routes)
    ms = []
    for k in range(calls):
        new, _ = convert.request_to_problem(pb.SolveRequest(orders=[_new(candidates[k % len(candidates)], k)]))
        order = new.orders[0]
        t = time.perf_counter()
        matrices = travel.service().matrices_with_extra(problem, order.location)
        recommend_insertion(problem, matrices, routes, order, 5)
        ms.append((time.perf_counter() - t) * 1000)
    return _summary(ms)


def bench_stream(stub, n_orders: int, runs: int, seed: int) -> dict:
    request = convert.problem_to_request(make_problem(n_orders, seed=seed, time_limit_s=30))
    request.options.search_mode = pb.SEARCH_MODE_CONSUME_ALL_TIME
    first_ms, elapsed_ms, snapshot = [], [], None
    for _ in range(runs):
        t = time.perf_counter()
        call = stub.SolveStream(request, timeout=120)
        message = next(call)
        first_ms.append((time.perf_counter() - t) * 1000)
        elapsed_ms.append(message.elapsed.ToNanoseconds() / 1e6)
        snapshot = bool(message.plan.routes)
        call.cancel()
    return {"orders": n_orders, "engineers": len(request.engineers), "first_update": _summary(first_ms),
            "worker_elapsed_at_first": _summary(elapsed_ms), "update_has_plan": snapshot}


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m benchmarks.realtime_bench", description=__doc__.split("\n\n")[0])
    parser.add_argument("--orders", type=int, default=1000)
    parser.add_argument("--calls", type=int, default=200, help="RecommendInsertion calls (at least 200 for a p99)")
    parser.add_argument("--stream-runs", type=int, default=5)
    parser.add_argument("--solve-time", type=float, default=20.0, help="time limit of the solve making the plan for insertion")
    parser.add_argument("--seed", type=int, default=7)
    parser.add_argument("--server", default=None, help="host:port (default: start a server here)")
    parser.add_argument("--workers", type=int, default=2)
    parser.add_argument("--json", default=None, help="write the results here")
    parser.add_argument("--skip", choices=("insertion", "stream"), action="append", default=[])
    args = parser.parse_args(argv)

    server = None
    address = args.server
    if address is None:
        from dispatch_service.config import ServerConfig
        from dispatch_service.server import DispatchServer

        server = DispatchServer(ServerConfig(address="127.0.0.1:0", workers=args.workers, max_message_bytes=256 * _MB))
        address = f"127.0.0.1:{server.start()}"
    results: dict = {"python": platform.python_version(), "machine": platform.machine(), "cpus": _cpus()}
    options = [("grpc.max_receive_message_length", 256 * _MB), ("grpc.max_send_message_length", 256 * _MB)]
    try:
        with grpc.insecure_channel(address, options=options) as channel:
            stub = pb_grpc.DispatchServiceStub(channel)
            if "stream" not in args.skip:
                results["solve_stream"] = bench_stream(stub, args.orders, args.stream_runs, args.seed)
            if "insertion" not in args.skip:
                results["recommend_insertion"] = bench_insertion(stub, args.orders, args.calls, args.seed, args.solve_time)
    finally:
        if server is not None:
            server.stop(grace_s=1.0)
    print(_table(results))
    if args.json:
        with open(args.json, "w", encoding="utf-8") as f:
            json.dump(results, f, indent=2)
    return 0


def _cpus() -> int:
    import os

    return len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else (os.cpu_count() or 0)


def _table(results: dict) -> str:
    lines = [f"{'measure':<44} {'n':>5} {'p50 ms':>9} {'p99 ms':>9} {'max ms':>9}  target"]

    def row(name: str, s: dict | None, target: str) -> None:
        if s:
            lines.append(f"{name:<44} {s['n']:>5} {s['p50_ms']:>9.1f} {s['p99_ms']:>9.1f} {s['max_ms']:>9.1f}  {target}")

    st = results.get("solve_stream")
    if st:
        row(f"SolveStream first update ({st['orders']} orders)", st["first_update"], "≤ 1500 ms")
        row("  search time at first update (worker)", st["worker_elapsed_at_first"], "")
    ins = results.get("recommend_insertion")
    if ins:
        if "error" in ins:
            lines.append(f"RecommendInsertion: {ins['error']}")
        else:
            row(f"RecommendInsertion RPC ({ins['orders']} orders)", ins["rpc"], "p99 ≤ 20 ms")
            row("  recommend_insertion in process", ins.get("in_process"), "")
    return "\n".join(lines)


if __name__ == "__main__":
    sys.exit(main())

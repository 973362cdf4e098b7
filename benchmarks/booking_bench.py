"""Latency of appointment booking, ``RecommendSlots`` (``python -m benchmarks.booking_bench``).

A synthetic week (``benchmarks.synthetic``: N orders, default 1000, and N/10 engineers, each
with a shift and lunch break on each of ``--days`` days, default 5; the orders spread evenly
over the days) is solved once (``--solve-time``, CONSUME_ALL_TIME). Then new orders (the same
generator, another seed, without their windows and SLA deadlines) ask for slots on a grid of
``--days`` days × 4 slots (08, 10, 12, 14 h, 2 h each), one call each, ``--calls`` times
(default 200). Reported: p50 / p99 / max as a client sees them (the request carries the whole
problem and plan; the server caches the plan's state after the first call), the share of slots
kept, and one bulk call reserving a slot for each of ``--bulk`` orders.

Target (issue 12): p99 ≤ 50 ms over gRPC for 1000 orders, 100 engineers, 5 days × 4 slots.
Starts its own server unless ``--server HOST:PORT`` is given; prints a table, ``--json PATH``
writes the results.
"""

from __future__ import annotations

import argparse
import json
import platform
import sys
import time
from dataclasses import replace

import grpc

from benchmarks.realtime_bench import _cpus, _summary
from benchmarks.synthetic import PLAN_DAY, make_problem
from dispatch_service import convert
from dispatch_service.api.v1 import dispatch_pb2 as pb
from dispatch_service.api.v1 import dispatch_pb2_grpc as pb_grpc
from solver.model import Problem, Shift, TimeWindow

_MB = 1024 * 1024
DAY_S = 86_400


def week(n_orders: int, days: int, seed: int, solve_s: float, order_days: int | None = None, **day_switches) -> Problem:
    """``make_problem``'s day repeated over ``days`` days: every engineer works each day, and
    order ``i`` falls on day ``i % order_days`` (default ``days``; its window, SLA deadline and
    creation moved there). ``day_switches`` go to ``make_problem``."""
    order_days = days if order_days is None else order_days
    day = make_problem(n_orders, seed=seed, time_limit_s=solve_s, **day_switches)

    def moved(t: int | None, d: int) -> int | None:
        return None if t is None else t + d * DAY_S

    engineers = tuple(replace(e, shifts=tuple(
        Shift(s.start_s + d * DAY_S, s.end_s + d * DAY_S, tuple(replace(b, earliest_start_s=b.earliest_start_s + d * DAY_S,
                                                                     latest_start_s=b.latest_start_s + d * DAY_S) for b in s.breaks))
        for d in range(days) for s in e.shifts)) for e in day.engineers)
    orders = []
    for i, o in enumerate(day.orders):
        d = i % order_days
        orders.append(replace(o, time_windows=tuple(TimeWindow(moved(w.start_s, d), moved(w.end_s, d)) for w in o.time_windows),
                              sla_deadline_s=moved(o.sla_deadline_s, d), create_time_s=moved(o.create_time_s, d)))
    return replace(day, orders=tuple(orders), engineers=engineers)


def grid(days: int) -> pb.SlotGrid:
    g = pb.SlotGrid(first_day={"year": PLAN_DAY.year, "month": PLAN_DAY.month, "day": PLAN_DAY.day})
    last = PLAN_DAY.toordinal() + days - 1
    from datetime import date

    end = date.fromordinal(last)
    g.last_day.year, g.last_day.month, g.last_day.day = end.year, end.month, end.day
    g.slot_length.seconds = 2 * 3600
    for h in (8, 10, 12, 14):
        g.daily_slot_starts.add(seconds=h * 3600)  # Lisbon is on UTC in November: utc_offset 0
    return g


def _new_orders(count: int, seed: int) -> list[pb.Order]:
    out = []
    for k, o in enumerate(convert.problem_to_request(make_problem(count, seed=seed)).orders):
        o.id = f"CALL-{k:05d}"
        del o.time_windows[:]
        o.ClearField("sla_deadline")
        out.append(o)
    return out


def bench(stub, n_orders: int, days: int, calls: int, bulk: int, seed: int, solve_s: float, order_days: int | None = None) -> dict:
    problem = week(n_orders, days, seed, solve_s, order_days)
    request = convert.problem_to_request(problem)
    request.options.search_mode = pb.SEARCH_MODE_CONSUME_ALL_TIME
    t = time.perf_counter()
    plan = stub.Solve(request, timeout=solve_s + 300)
    solve_wall_s = time.perf_counter() - t
    routes = [pb.PlannedRoute(engineer_id=r.engineer_id, shift_index=r.shift_index, order_ids=[v.order_id for v in r.visits])
              for r in plan.routes if r.visits]
    news = _new_orders(max(calls, bulk), seed + 1)
    slot_grid = grid(days)
    out = {"orders": n_orders, "engineers": len(request.engineers), "days": days, "order_days": order_days or days,
           "slots_per_order": 4 * days,
           "served": plan.kpis.orders_served, "solve_wall_s": round(solve_wall_s, 1)}

    def ask(orders: list[pb.Order], reserve: bool = False) -> pb.RecommendSlotsResponse:
        return stub.RecommendSlots(pb.RecommendSlotsRequest(problem=request, current_routes=routes, orders=orders,
                                                            slot_grid=slot_grid, max_slots=4 * days, reserve=reserve), timeout=60)

    t = time.perf_counter()
    ask(news[:1])
    out["first_call_ms"] = (time.perf_counter() - t) * 1000  # converts, checks and times the plan once
    ms, kept, total = [], 0, 0
    for k in range(calls):
        t = time.perf_counter()
        reply = ask([news[k]])
        ms.append((time.perf_counter() - t) * 1000)
        kept += len(reply.orders[0].slots)
        total += len(reply.orders[0].slots) + len(reply.orders[0].unavailable_slots)
    out["rpc"] = _summary(ms)
    out["kept_share"] = kept / max(total, 1)
    if bulk:
        t = time.perf_counter()
        reply = ask(news[:bulk], reserve=True)
        out["bulk"] = {"orders": bulk, "reserved": sum(a.HasField("reserved_slot") for a in reply.orders),
                       "ms": (time.perf_counter() - t) * 1000}
    return out


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m benchmarks.booking_bench", description=__doc__.split("\n\n")[0])
    parser.add_argument("--orders", type=int, default=1000)
    parser.add_argument("--days", type=int, default=5)
    parser.add_argument("--order-days", type=int, default=None,
                        help="the plan's orders fall on the first this many days (default: all; 1: a full first day, the rest open)")
    parser.add_argument("--calls", type=int, default=200, help="RecommendSlots calls, one order each (at least 200 for a p99)")
    parser.add_argument("--bulk", type=int, default=10, help="orders in the one bulk call with reservation (0: none)")
    parser.add_argument("--solve-time", type=float, default=10.0, help="time limit of the solve making the plan")
    parser.add_argument("--seed", type=int, default=7)
    parser.add_argument("--server", default=None, help="host:port (default: start a server here)")
    parser.add_argument("--json", default=None, help="write the results here")
    args = parser.parse_args(argv)

    server = None
    address = args.server
    if address is None:
        from dispatch_service.config import ServerConfig
        from dispatch_service.server import DispatchServer

        server = DispatchServer(ServerConfig(address="127.0.0.1:0", workers=1, max_message_bytes=256 * _MB))
        address = f"127.0.0.1:{server.start()}"
    results: dict = {"python": platform.python_version(), "machine": platform.machine(), "cpus": _cpus()}
    options = [("grpc.max_receive_message_length", 256 * _MB), ("grpc.max_send_message_length", 256 * _MB)]
    try:
        with grpc.insecure_channel(address, options=options) as channel:
            results["recommend_slots"] = bench(pb_grpc.DispatchServiceStub(channel), args.orders, args.days, args.calls,
                                               args.bulk, args.seed, args.solve_time, args.order_days)
    finally:
        if server is not None:
            server.stop(grace_s=1.0)
    print(_table(results))
    if args.json:
        with open(args.json, "w", encoding="utf-8") as f:
            json.dump(results, f, indent=2)
    return 0


def _table(results: dict) -> str:
    r = results["recommend_slots"]
    s = r["rpc"]
    lines = [
        f"plan: {r['orders']} orders on {r['order_days']} days ({r['served']} served), {r['engineers']} engineers, {r['days']} days; "
        f"{r['slots_per_order']} slots per order, {r['kept_share']:.0%} kept",
        f"{'measure':<40} {'n':>5} {'p50 ms':>9} {'p99 ms':>9} {'max ms':>9}  target",
        f"{'RecommendSlots RPC, one order':<40} {s['n']:>5} {s['p50_ms']:>9.1f} {s['p99_ms']:>9.1f} {s['max_ms']:>9.1f}  p99 ≤ 50 ms",
        f"{'first call (plan state built)':<40} {1:>5} {r['first_call_ms']:>9.1f}",
    ]
    if "bulk" in r:
        b = r["bulk"]
        lines.append(f"{'bulk, ' + str(b['orders']) + ' orders reserved in turn':<40} {1:>5} {b['ms']:>9.1f}"
                     f"   ({b['reserved']} reserved)")
    return "\n".join(lines)


if __name__ == "__main__":
    sys.exit(main())

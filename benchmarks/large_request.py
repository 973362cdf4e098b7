"""``python -m benchmarks.large_request``: what a large request costs the server on its way in,
by ``SolveLarge`` (chunks of 5,000 orders) beside unary ``Solve``, against a real server.

Days of 20,000, 50,000 and 100,000 orders (each with a time window, a skill and an SLA
deadline) and 1,000 engineers, sent with ``validate_only``: admission, validation and
conversion run in full, the solve does not (a plan of that size is the partitioned back-end's
work). Reported per size and path: request bytes, time to the answer, and the server process's
peak resident memory above its idle level (sampled every 20 ms from /proc), also per MiB of
request. Unary ``Solve`` runs only where the request fits the default 32 MiB message.
Loopback only; one server per size, so peaks do not carry over.
"""

from __future__ import annotations

import argparse
import json
import sys
import threading
import time
from pathlib import Path

import grpc

from benchmarks.load import DAY, ServerProcess
from dispatch_service.api.v1 import dispatch_pb2 as pb
from dispatch_service.api.v1 import dispatch_pb2_grpc as pb_grpc
from dispatch_service.client import large_chunks, plan_from_parts

SIZES = (20_000, 50_000, 100_000)
MESSAGE_BYTES = 32 * 1024 * 1024


def day_request(orders: int, engineers: int = 1_000) -> pb.SolveRequest:
    r = pb.SolveRequest(label=f"day-{orders}", validate_only=True)
    for k in range(orders):
        o = r.orders.add(id=f"WO-{k:07d}")
        o.location.latitude, o.location.longitude = 38.0 + (k % 400) * 0.01, -9.0 + (k // 400) * 0.004
        o.service_duration.seconds = 1800 + (k % 4) * 600
        w = o.time_windows.add()
        w.start_time.seconds, w.end_time.seconds = DAY + (k % 3) * 3600, DAY + 8 * 3600
        o.sla_deadline.seconds = DAY + 10 * 3600
        o.required_skills.add(name=("hvac", "electrical", "plumbing")[k % 3], min_level=1)
    for j in range(engineers):
        e = r.engineers.add(id=f"ENG-{j:05d}")
        e.start_location.latitude, e.start_location.longitude = 38.0 + (j % 40) * 0.1, -9.0 + (j // 40) * 0.06
        e.skills.add(name=("hvac", "electrical", "plumbing")[j % 3], level=2)
        s = e.shifts.add()
        s.start_time.seconds, s.end_time.seconds = DAY, DAY + 9 * 3600
    return r


def _rss_kib(pid: int) -> int:
    try:
        with open(f"/proc/{pid}/status") as f:
            return next((int(line.split()[1]) for line in f if line.startswith("VmRSS:")), 0)
    except OSError:
        return 0


def measure(orders: int, path: str) -> dict:
    request = day_request(orders)
    size = request.ByteSize()
    row = {"orders": orders, "path": path, "request_mib": round(size / 2**20, 1)}
    if path == "Solve" and size > MESSAGE_BYTES:
        return row | {"outcome": "larger than one message: not sent"}
    server = ServerProcess(1, 2, ["--max-large-orders", str(max(SIZES)), "--max-orders", str(max(SIZES))])
    try:
        idle = _rss_kib(server.proc.pid)
        peak = [idle]
        stop = threading.Event()

        def sample() -> None:
            while not stop.is_set():
                peak[0] = max(peak[0], _rss_kib(server.proc.pid))
                time.sleep(0.02)

        sampler = threading.Thread(target=sample, daemon=True)
        sampler.start()
        t0 = time.perf_counter()
        options = [("grpc.max_send_message_length", MESSAGE_BYTES), ("grpc.max_receive_message_length", MESSAGE_BYTES)]
        with grpc.insecure_channel(f"127.0.0.1:{server.port}", options=options) as channel:
            stub = pb_grpc.DispatchServiceStub(channel)
            try:
                if path == "Solve":
                    answer = stub.Solve(request, timeout=600)
                else:
                    answer = plan_from_parts(stub.SolveLarge(large_chunks(request), timeout=600))
                outcome = pb.SolveStatus.Name(answer.stats.status)
            except grpc.RpcError as error:
                outcome = f"{error.code().name}: {error.details()[:120]}"
        answer_s = time.perf_counter() - t0
        stop.set()
        sampler.join()
    finally:
        server.stop()
    growth_mib = (peak[0] - idle) / 1024
    return row | {"outcome": outcome, "answer_s": round(answer_s, 2), "server_growth_mib": round(growth_mib, 1),
                  "growth_per_request_mib": round(growth_mib / max(size / 2**20, 1e-9), 1)}


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m benchmarks.large_request", description=__doc__.split("\n\n")[0])
    parser.add_argument("--sizes", type=int, nargs="+", default=list(SIZES))
    parser.add_argument("--json", type=Path, default=None)
    args = parser.parse_args(argv)
    results = [measure(n, path) for n in args.sizes for path in ("SolveLarge", "Solve")]
    print(f"{'orders':>8} {'path':<11} {'request':>9} {'answer':>8} {'server +RSS':>12} {'per request MiB':>16}  outcome")
    for r in results:
        if "answer_s" in r:
            print(f"{r['orders']:>8} {r['path']:<11} {r['request_mib']:>5.1f} MiB {r['answer_s']:>6.2f} s {r['server_growth_mib']:>8.1f} MiB"
                  f" {r['growth_per_request_mib']:>16.1f}  {r['outcome']}")
        else:
            print(f"{r['orders']:>8} {r['path']:<11} {r['request_mib']:>5.1f} MiB {'':>8} {'':>12} {'':>16}  {r['outcome']}")
    if args.json:
        args.json.write_text(json.dumps(results, indent=2))
    return 0


if __name__ == "__main__":
    sys.exit(main())

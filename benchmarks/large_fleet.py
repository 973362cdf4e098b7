"""``python -m benchmarks.large_fleet``: the large-fleet cases of issue 17, against a real server.

5 orders with 2000 engineers x 16 shifts, and 5 orders with 2000 engineers x 1 shift, each with a
5 s time limit and no call deadline. Before issue 17 the first grew a worker to 18.6 GB and was
still RUNNING at 60 s; the second sat inside OR-Tools' first-solution phase for over 118 s.
Reported per case: the status the caller gets, the time to answer, and the peak resident memory
of the server and of each worker (sampled every 20 ms from /proc). Loopback only.
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


def fleet_request(engineers: int, shifts: int, orders: int = 5, limit_s: int = 5) -> pb.SolveRequest:
    r = pb.SolveRequest(label=f"fleet-{engineers}x{shifts}")
    for k in range(orders):
        o = r.orders.add(id=f"o{k}")
        o.location.latitude, o.location.longitude = 41.15 + 0.01 * k, -8.61
        o.service_duration.seconds = 1800
    for j in range(engineers):
        e = r.engineers.add(id=f"e{j}")
        e.start_location.latitude = 41.0 + (j % 50) * 0.008
        e.start_location.longitude = -8.8 + (j // 50) * 0.01
        for d in range(shifts):
            s = e.shifts.add()
            s.start_time.seconds, s.end_time.seconds = DAY + d * 86_400, DAY + d * 86_400 + 8 * 3600
    r.options.time_limit.seconds = limit_s
    return r


def _rss_kib(pid: int) -> int:
    try:
        with open(f"/proc/{pid}/status") as f:
            return next((int(line.split()[1]) for line in f if line.startswith("VmRSS:")), 0)
    except OSError:
        return 0


def run_case(server: ServerProcess, request: pb.SolveRequest) -> dict:
    peaks: dict[int, int] = {}
    stop = threading.Event()

    def sample() -> None:
        while not stop.is_set():
            for pid in server.pids():
                peaks[pid] = max(peaks.get(pid, 0), _rss_kib(pid))
            stop.wait(0.02)

    sampler = threading.Thread(target=sample, daemon=True)
    sampler.start()
    t0 = time.perf_counter()
    with grpc.insecure_channel(f"127.0.0.1:{server.port}", options=[("grpc.max_send_message_length", 64 << 20)]) as channel:
        try:
            response = pb_grpc.DispatchServiceStub(channel).Solve(request, timeout=600)
            outcome = f"OK {pb.SolveStatus.Name(response.stats.status)}, {response.kpis.orders_served} served"
        except grpc.RpcError as error:
            outcome = f"{error.code().name}: {error.details()[:160]}"
    answer_s = time.perf_counter() - t0
    stop.set()
    sampler.join()
    server_pid = server.proc.pid
    return {
        "case": request.label, "outcome": outcome, "answer_s": round(answer_s, 2),
        "server_peak_mib": round(peaks.get(server_pid, 0) / 1024, 1),
        "worker_peaks_mib": sorted((round(v / 1024, 1) for p, v in peaks.items() if p != server_pid), reverse=True),
    }


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m benchmarks.large_fleet", description=__doc__.split("\n\n")[0])
    parser.add_argument("--server-arg", action="append", default=[], help="extra flag for `dispatch serve` (repeatable)")
    parser.add_argument("--json", type=Path, default=None)
    args = parser.parse_args(argv)
    server = ServerProcess(2, 8, ["--max-message-bytes", str(64 << 20), *args.server_arg])
    try:
        results = [run_case(server, fleet_request(2000, 16)), run_case(server, fleet_request(2000, 1))]
    finally:
        server.stop()
    for r in results:
        print(f"{r['case']:<16} {r['answer_s']:>7.2f} s  server {r['server_peak_mib']:>7.1f} MiB  workers {r['worker_peaks_mib']} MiB  {r['outcome']}")
    if args.json:
        args.json.write_text(json.dumps(results, indent=2))
    return 0


if __name__ == "__main__":
    sys.exit(main())

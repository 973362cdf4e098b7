"""``python -m benchmarks.load``: latency, throughput, health under load, soak and cancellation.

Starts the server itself in a subprocess on a loopback port (so it can read the resident memory
of the server and its solver workers from /proc), then:

1. load phases: N concurrent clients (default 1, 4, 8, 16) each sending small requests (5 orders,
   2 engineers, RETURN_FAST) back to back for ``--phase-seconds``, while a prober sends health
   checks every ``--health-interval-ms``: p50/p99 latency and throughput of both;
2. a soak: ``--soak-clients`` clients for ``--soak-seconds``: lost calls, status codes, and the
   growth of resident memory (server + workers) from the start to the end of the soak;
3. cancellation probes: a long solve is cancelled; the time until its worker stops using the CPU
   (its process leaves the running state or is gone) is measured, during local search and during
   the first-solution phase of a large instance (where the worker is killed after the grace);
4. saturation (``--saturation-seconds``, issue 17): ``--saturation-clients`` clients send
   CONSUME_ALL_TIME solves (``--saturation-limit`` s each, 30 s deadline) back to back against the
   default queue; reports calls that passed their deadline (target: none; admission is first come,
   first served, so an admitted call waits only for the calls ahead of it) and health p99
   (target <= 10 ms). Refusals (RESOURCE_EXHAUSTED) are counted apart: the client waits the
   ``retry-after-ms`` hint and tries again.

Goals (issue 6): 0 lost, 0 UNKNOWN, health p99 <= 10 ms under load, small-request p99 <= 100 ms
at 8 clients, resident memory growth < 5 % over the soak, CPU freed <= 250 ms after a cancel.
Prints a table and writes JSON (``--json``). Loopback only.

    python -m benchmarks.load --phase-seconds 10 --soak-seconds 600 --json load.json
"""

from __future__ import annotations

import argparse
import asyncio
import json
import math
import os
import platform
import re
import subprocess
import sys
import tempfile
import time
from collections import Counter
from dataclasses import asdict, dataclass, field
from pathlib import Path

import grpc
import grpc.aio
from grpc_health.v1 import health_pb2, health_pb2_grpc

from dispatch_service.api.v1 import dispatch_pb2 as pb
from dispatch_service.api.v1 import dispatch_pb2_grpc as pb_grpc

ROOT = Path(__file__).resolve().parent.parent
DAY = 1_900_000_000  # 2030-03-17, a fixed day in the future
LOST_CODES = {"DEADLINE_EXCEEDED", "UNAVAILABLE", "CANCELLED", "CLIENT_ERROR"}


# -- requests ------------------------------------------------------------------------------------
def small_request(seed: int = 0) -> pb.SolveRequest:
    """5 orders, 2 engineers around Porto, one 8 h shift, RETURN_FAST."""
    r = pb.SolveRequest(label=f"load-{seed}")
    for k in range(5):
        o = r.orders.add(id=f"o{k}")
        o.location.latitude = 41.15 + ((k * 7 + seed) % 11 - 5) * 0.01
        o.location.longitude = -8.61 + ((k * 5 + seed) % 13 - 6) * 0.01
        o.service_duration.seconds = 1800
        w = o.time_windows.add()
        w.start_time.seconds = DAY + 3600 * (k % 3)
        w.end_time.seconds = DAY + 3600 * (k % 3 + 4)
    for j in range(2):
        e = r.engineers.add(id=f"e{j}")
        e.start_location.latitude, e.start_location.longitude = 41.15, -8.61 + 0.02 * j
        s = e.shifts.add()
        s.start_time.seconds, s.end_time.seconds = DAY, DAY + 8 * 3600
    r.options.search_mode = pb.SEARCH_MODE_RETURN_FAST
    r.options.time_limit.seconds = 5
    return r


def long_request(orders: int, engineers: int, seconds: int = 60) -> pb.SolveRequest:
    r = pb.SolveRequest(label="long")
    for k in range(orders):
        o = r.orders.add(id=f"o{k}")
        o.location.latitude = 41.0 + ((k * 7919) % 1000) / 1000 * 0.4
        o.location.longitude = -8.8 + ((k * 104_729) % 1000) / 1000 * 0.4
        o.service_duration.seconds = 600
    for j in range(engineers):
        e = r.engineers.add(id=f"e{j}")
        e.start_location.latitude, e.start_location.longitude = 41.2, -8.6
        s = e.shifts.add()
        s.start_time.seconds, s.end_time.seconds = DAY, DAY + 10 * 3600
    r.options.search_mode = pb.SEARCH_MODE_CONSUME_ALL_TIME
    r.options.time_limit.seconds = seconds
    return r


# -- the server under test -----------------------------------------------------------------------
class ServerProcess:
    def __init__(self, workers: int, queue_size: int, extra: list[str]) -> None:
        self.log = tempfile.NamedTemporaryFile("w+", prefix="dispatch-load-", suffix=".log", delete=False)
        self.proc = subprocess.Popen(
            [sys.executable, "-m", "dispatch_service", "serve", "--address", "127.0.0.1:0", "--workers", str(workers),
             "--queue-size", str(queue_size), "--shutdown-grace", "5", *extra],
            stdout=self.log, stderr=subprocess.STDOUT, cwd=ROOT,
        )
        end = time.monotonic() + 120
        while True:
            text = Path(self.log.name).read_text()
            found = re.search(r"listening on [\d.]+:(\d+)", text)
            if found:
                self.port = int(found.group(1))
                break
            if self.proc.poll() is not None or time.monotonic() > end:
                raise RuntimeError(f"server did not start:\n{text}")
            time.sleep(0.05)

    def pids(self) -> list[int]:
        out, todo = [], [self.proc.pid]
        while todo:
            pid = todo.pop()
            out.append(pid)
            try:
                for task in os.listdir(f"/proc/{pid}/task"):
                    with open(f"/proc/{pid}/task/{task}/children") as f:
                        todo += [int(c) for c in f.read().split()]
            except FileNotFoundError:
                pass
        return out

    def workers(self) -> list[int]:
        return [p for p in self.pids() if p != self.proc.pid and "dispatch" not in _cmdline(p) and "resource_tracker" not in _cmdline(p)]

    def rss_kib(self) -> int:
        total = 0
        for pid in self.pids():
            try:
                with open(f"/proc/{pid}/status") as f:
                    total += next(int(line.split()[1]) for line in f if line.startswith("VmRSS:"))
            except (FileNotFoundError, StopIteration):
                pass
        return total

    def stop(self) -> None:
        self.proc.terminate()
        try:
            self.proc.wait(timeout=30)
        except subprocess.TimeoutExpired:
            self.proc.kill()
            self.proc.wait()


def _cmdline(pid: int) -> str:
    try:
        with open(f"/proc/{pid}/cmdline", "rb") as f:
            return f.read().replace(b"\0", b" ").decode(errors="replace")
    except FileNotFoundError:
        return ""


def _state(pid: int) -> str:
    try:
        with open(f"/proc/{pid}/stat") as f:
            return f.read().rsplit(")", 1)[1].split()[0]
    except FileNotFoundError:
        return "gone"


# -- measuring -----------------------------------------------------------------------------------
def pct(values: list[float], q: float) -> float | None:
    if not values:
        return None
    s = sorted(values)
    return s[min(len(s) - 1, max(0, math.ceil(q / 100 * len(s)) - 1))]


@dataclass
class Phase:
    name: str
    clients: int
    seconds: float
    requests: int = 0
    codes: dict = field(default_factory=dict)
    lost: int = 0
    throughput_rps: float = 0.0
    p50_ms: float | None = None
    p99_ms: float | None = None
    max_ms: float | None = None
    health_checks: int = 0
    health_codes: dict = field(default_factory=dict)
    health_p50_ms: float | None = None
    health_p99_ms: float | None = None
    health_max_ms: float | None = None
    rss_start_kib: int | None = None
    rss_end_kib: int | None = None
    rss_growth_pct: float | None = None


async def _client(address: str, stop_at: float, latencies: list[float], codes: Counter, seed: int) -> None:
    request = small_request(seed)
    async with grpc.aio.insecure_channel(address) as channel:
        stub = pb_grpc.DispatchServiceStub(channel)
        while time.monotonic() < stop_at:
            t0 = time.perf_counter()
            try:
                await stub.Solve(request, timeout=30)
                codes["OK"] += 1
            except grpc.aio.AioRpcError as error:
                codes[error.code().name] += 1
                if error.code() == grpc.StatusCode.RESOURCE_EXHAUSTED:
                    await asyncio.sleep(0.05)
                    continue
            except Exception:  # noqa: BLE001 - counted as lost
                codes["CLIENT_ERROR"] += 1
                continue
            latencies.append(time.perf_counter() - t0)


def saturating_request(seed: int, limit_s: float) -> pb.SolveRequest:
    r = small_request(seed)
    r.options.search_mode = pb.SEARCH_MODE_CONSUME_ALL_TIME
    r.options.time_limit.FromNanoseconds(int(limit_s * 1e9))
    return r


async def _saturating_client(address: str, stop_at: float, latencies: list[float], codes: Counter, seed: int, limit_s: float) -> None:
    request = saturating_request(seed, limit_s)
    async with grpc.aio.insecure_channel(address) as channel:
        stub = pb_grpc.DispatchServiceStub(channel)
        while time.monotonic() < stop_at:
            t0 = time.perf_counter()
            try:
                await stub.Solve(request, timeout=30)
                codes["OK"] += 1
            except grpc.aio.AioRpcError as error:
                codes[error.code().name] += 1
                if error.code() == grpc.StatusCode.RESOURCE_EXHAUSTED:
                    trailers = dict(error.trailing_metadata() or ())
                    await asyncio.sleep(int(trailers.get("retry-after-ms", "1000")) / 1000)
                    continue
            except Exception:  # noqa: BLE001 - counted as lost
                codes["CLIENT_ERROR"] += 1
                continue
            latencies.append(time.perf_counter() - t0)


async def _prober(address: str, stop_at: float, interval_s: float, latencies: list[float], codes: Counter) -> None:
    async with grpc.aio.insecure_channel(address) as channel:
        stub = health_pb2_grpc.HealthStub(channel)
        await stub.Check(health_pb2.HealthCheckRequest(), timeout=5)  # connect first
        while time.monotonic() < stop_at:
            t0 = time.perf_counter()
            try:
                reply = await stub.Check(health_pb2.HealthCheckRequest(service="dispatch.v1.DispatchService"), timeout=5)
                codes["SERVING" if reply.status == health_pb2.HealthCheckResponse.SERVING else "NOT_SERVING"] += 1
                latencies.append(time.perf_counter() - t0)
            except grpc.aio.AioRpcError as error:
                codes[error.code().name] += 1
            await asyncio.sleep(max(0.0, interval_s - (time.perf_counter() - t0)))


async def run_phase(server: ServerProcess, name: str, clients: int, seconds: float, health_interval_s: float, rss: bool = False,
                    saturate_limit_s: float | None = None) -> Phase:
    address = f"127.0.0.1:{server.port}"
    phase = Phase(name, clients, seconds)
    latencies: list[float] = []
    health: list[float] = []
    codes: Counter = Counter()
    health_codes: Counter = Counter()
    if rss:
        phase.rss_start_kib = server.rss_kib()
    started = time.monotonic()
    stop_at = started + seconds
    await asyncio.gather(
        _prober(address, stop_at, health_interval_s, health, health_codes),
        *(
            _client(address, stop_at, latencies, codes, seed) if saturate_limit_s is None
            else _saturating_client(address, stop_at, latencies, codes, seed, saturate_limit_s)
            for seed in range(clients)
        ),
    )
    elapsed = time.monotonic() - started
    if rss:
        phase.rss_end_kib = server.rss_kib()
        phase.rss_growth_pct = 100.0 * (phase.rss_end_kib - phase.rss_start_kib) / phase.rss_start_kib
    phase.requests = sum(codes.values())
    phase.codes = dict(codes)
    phase.lost = sum(n for c, n in codes.items() if c in LOST_CODES)
    phase.throughput_rps = codes.get("OK", 0) / elapsed
    ms = [x * 1000 for x in latencies]
    phase.p50_ms, phase.p99_ms, phase.max_ms = pct(ms, 50), pct(ms, 99), max(ms, default=None)
    hms = [x * 1000 for x in health]
    phase.health_checks = len(health)
    phase.health_codes = dict(health_codes)
    phase.health_p50_ms, phase.health_p99_ms, phase.health_max_ms = pct(hms, 50), pct(hms, 99), max(hms, default=None)
    return phase


def cancel_probe(server: ServerProcess, request: pb.SolveRequest, settle_s: float) -> float | None:
    """Seconds from cancelling a running solve until its worker is no longer running (or gone)."""
    with grpc.insecure_channel(f"127.0.0.1:{server.port}") as channel:
        stub = pb_grpc.DispatchServiceStub(channel)
        before = set(server.workers())
        call = stub.Solve.future(request, timeout=300)
        end = time.monotonic() + 60
        busy = None
        while busy is None and time.monotonic() < end:
            busy = next((p for p in before if _state(p) == "R"), None)
            time.sleep(0.002)
        if busy is None:
            call.cancel()
            return None
        time.sleep(settle_s)  # let the search reach the phase to probe
        t0 = time.perf_counter()
        call.cancel()
        while _state(busy) == "R":
            if time.perf_counter() - t0 > 30:
                return None
            time.sleep(0.001)
        freed = time.perf_counter() - t0
    # Wait until the pool is whole again (a killed worker is replaced) before the next probe.
    end = time.monotonic() + 120
    while time.monotonic() < end and (len(server.workers()) < len(before) or any(_state(p) == "R" for p in server.workers())):
        time.sleep(0.05)
    return freed


# -- main ----------------------------------------------------------------------------------------
def _fmt(x, digits: int = 1) -> str:
    return "-" if x is None else f"{x:.{digits}f}"


HEAD = f"{'phase':<10} {'clients':>7} {'reqs':>7} {'rps':>7} {'p50 ms':>7} {'p99 ms':>7} {'max ms':>7} {'lost':>5} {'hc p50':>7} {'hc p99':>7} {'hc max':>7}  codes"


def _row(p: Phase) -> str:
    return (
        f"{p.name:<10} {p.clients:>7} {p.requests:>7} {p.throughput_rps:>7.1f} {_fmt(p.p50_ms):>7} {_fmt(p.p99_ms):>7} {_fmt(p.max_ms):>7} "
        f"{p.lost:>5} {_fmt(p.health_p50_ms, 2):>7} {_fmt(p.health_p99_ms, 2):>7} {_fmt(p.health_max_ms, 2):>7}  {p.codes}"
    )


def print_table(phases: list[Phase]) -> None:
    print(HEAD)
    print("-" * len(HEAD))
    for p in phases:
        print(_row(p))


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m benchmarks.load", description=__doc__.split("\n\n")[0])
    parser.add_argument("--clients", default="1,4,8,16", help="comma-separated concurrency levels")
    parser.add_argument("--phase-seconds", type=float, default=10.0)
    parser.add_argument("--soak-seconds", type=float, default=600.0, help="0: no soak")
    parser.add_argument("--soak-clients", type=int, default=8)
    parser.add_argument("--health-interval-ms", type=float, default=20.0)
    parser.add_argument("--workers", type=int, default=2)
    parser.add_argument("--queue-size", type=int, default=32, help="large enough that 16 clients are queued, not refused")
    parser.add_argument("--cancel-probes", type=int, default=5, help="cancellations per kind (0: none)")
    parser.add_argument("--saturation-seconds", type=float, default=90.0, help="0: no saturation phase")
    parser.add_argument("--saturation-clients", type=int, default=16)
    parser.add_argument("--saturation-limit", type=float, default=1.25, help="time limit of each saturating solve (s)")
    parser.add_argument("--saturation-queue-size", type=int, default=8, help="queue of the saturation server (the default)")
    parser.add_argument("--server-arg", action="append", default=[], help="extra flag for `dispatch serve` (repeatable)")
    parser.add_argument("--json", type=Path, default=None, help="write the results here")
    args = parser.parse_args(argv)

    server = ServerProcess(args.workers, args.queue_size, args.server_arg)
    results: dict = {"command": " ".join(["python -m benchmarks.load", *(argv if argv is not None else sys.argv[1:])]),
                     "environment": {"python": platform.python_version(), "cpus": os.cpu_count(), "grpcio": grpc.__version__,
                                     "workers": args.workers, "queue_size": args.queue_size}}
    phases: list[Phase] = []
    try:
        asyncio.run(run_phase(server, "warmup", 2, 3.0, 0.05))
        print(HEAD)
        for clients in [int(c) for c in args.clients.split(",") if c]:
            phase = asyncio.run(run_phase(server, f"load-{clients}", clients, args.phase_seconds, args.health_interval_ms / 1000))
            phases.append(phase)
            print(_row(phase), flush=True)
        if args.soak_seconds > 0:
            soak = asyncio.run(run_phase(server, "soak", args.soak_clients, args.soak_seconds, args.health_interval_ms / 1000, rss=True))
            phases.append(soak)
        cancels: dict[str, list[float]] = {}
        if args.cancel_probes:
            kinds = {"search": (long_request(60, 5), 0.5), "first-solution": (long_request(1500, 60), 0.3)}
            for kind, (request, settle) in kinds.items():
                cancels[kind] = [t for t in (cancel_probe(server, request, settle) for _ in range(args.cancel_probes)) if t is not None]
    finally:
        server.stop()
    if args.saturation_seconds > 0:
        # Its own server with the default queue: the load phases above use a large one.
        saturated = ServerProcess(args.workers, args.saturation_queue_size, args.server_arg)
        try:
            phase = asyncio.run(run_phase(saturated, "saturate", args.saturation_clients, args.saturation_seconds,
                                          args.health_interval_ms / 1000, rss=True, saturate_limit_s=args.saturation_limit))
            phases.append(phase)
            print(_row(phase), flush=True)
        finally:
            saturated.stop()
    print()
    print_table(phases)
    results["phases"] = [asdict(p) for p in phases]
    results["cancel_to_cpu_free_ms"] = {k: {"n": len(v), "p50": pct([x * 1000 for x in v], 50), "max": max((x * 1000 for x in v), default=None)} for k, v in cancels.items()}
    for kind, stats in results["cancel_to_cpu_free_ms"].items():
        print(f"cancel -> worker CPU free ({kind}): n={stats['n']} p50={_fmt(stats['p50'])} ms max={_fmt(stats['max'])} ms")
    by_name = {p.name: p for p in phases}
    loaded = [p for p in phases if p.name.startswith("load-") or p.name in ("soak", "saturate")]
    goals = {
        "no_lost_calls": sum(p.lost for p in phases) == 0,
        "no_unknown": sum(p.codes.get("UNKNOWN", 0) for p in phases) == 0,
        "health_p99_le_10ms": all(p.health_p99_ms is not None and p.health_p99_ms <= 10 for p in loaded),
        "small_p99_le_100ms_at_8": by_name["load-8"].p99_ms <= 100 if "load-8" in by_name else None,
        "rss_growth_lt_5pct": by_name["soak"].rss_growth_pct < 5 if "soak" in by_name else None,
        "soak_at_least_12000": by_name["soak"].requests >= 12_000 if "soak" in by_name else None,
        "saturation_no_call_past_deadline": by_name["saturate"].codes.get("DEADLINE_EXCEEDED", 0) == 0 if "saturate" in by_name else None,
        "cancel_cpu_free_le_250ms": all(s["max"] is not None and s["max"] <= 250 for s in results["cancel_to_cpu_free_ms"].values()) if cancels else None,
    }
    results["goals"] = goals
    if "soak" in by_name:
        s = by_name["soak"]
        print(f"soak: {s.requests} calls in {s.seconds:.0f} s, lost {s.lost}, codes {s.codes}, "
              f"RSS {s.rss_start_kib / 1024:.1f} -> {s.rss_end_kib / 1024:.1f} MiB ({s.rss_growth_pct:+.2f} %)")
    print("goals:", ", ".join(f"{k}={'-' if v is None else ('PASS' if v else 'FAIL')}" for k, v in goals.items()))
    if args.json:
        args.json.write_text(json.dumps(results, indent=2))
        print(f"wrote {args.json}")
    return 0


if __name__ == "__main__":
    sys.exit(main())

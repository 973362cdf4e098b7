"""HTTP/JSON (Connect) against gRPC for one small Solve (``python -m benchmarks.http_latency``).

A server with ``--http-address`` on loopback ports; ``examples/small.json`` (6 orders, 2
engineers, RETURN_FAST) solved ``--calls`` times (default 30, after 3 warm-up calls) each way,
one call at a time:

* gRPC: one channel and stub, binary protobuf;
* HTTP/JSON, kept alive: one HTTP/1.1 connection (``http.client``), the request as protobuf JSON,
  the answer parsed back into a SolveResponse;
* HTTP/JSON, a new connection per call (``urllib``), as a ticketing system's webhook might call.

Reported: median and p90 in milliseconds and each HTTP median over the gRPC median.
"""

from __future__ import annotations

import argparse
import http.client
import json
import pathlib
import platform
import statistics
import sys
import time
import urllib.request

import grpc
from google.protobuf import json_format

from dispatch_service import client
from dispatch_service.api.v1 import dispatch_pb2 as pb
from dispatch_service.api.v1 import dispatch_pb2_grpc as pb_grpc

ROOT = pathlib.Path(__file__).resolve().parent.parent
PATH = "/dispatch.v1.DispatchService/Solve"


def _p90(values: list[float]) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(round(0.9 * (len(ordered) - 1))))]


def _timed(call, calls: int, warmup: int = 3) -> list[float]:
    for _ in range(warmup):
        call()
    out = []
    for _ in range(calls):
        started = time.perf_counter()
        call()
        out.append((time.perf_counter() - started) * 1000.0)
    return out


def measure(grpc_port: int, http_port: int, calls: int) -> dict:
    request = client.load_request(ROOT / "examples" / "small.json")
    body = json_format.MessageToJson(request).encode()
    results = {}
    with grpc.insecure_channel(f"127.0.0.1:{grpc_port}") as channel:
        stub = pb_grpc.DispatchServiceStub(channel)
        results["grpc"] = _timed(lambda: stub.Solve(request, timeout=60), calls)

    connection = http.client.HTTPConnection("127.0.0.1", http_port, timeout=60)

    def kept_alive():
        connection.request("POST", PATH, body=body, headers={"content-type": "application/json"})
        answer = connection.getresponse()
        data = answer.read()
        assert answer.status == 200, data[:300]
        json_format.Parse(data, pb.SolveResponse())

    results["http_json_keepalive"] = _timed(kept_alive, calls)
    connection.close()

    def new_connection():
        sent = urllib.request.Request(f"http://127.0.0.1:{http_port}{PATH}", data=body, headers={"content-type": "application/json"})
        with urllib.request.urlopen(sent, timeout=60) as answer:
            json_format.Parse(answer.read(), pb.SolveResponse())

    results["http_json_new_connection"] = _timed(new_connection, calls)
    grpc_median = statistics.median(results["grpc"])
    return {
        name: {"calls": len(ms), "median_ms": round(statistics.median(ms), 2), "p90_ms": round(_p90(ms), 2),
               "median_over_grpc": round(statistics.median(ms) / grpc_median, 2)}
        for name, ms in results.items()
    }


def _table(results: dict) -> str:
    lines = [f"{'transport':<26} {'calls':>5} {'median ms':>10} {'p90 ms':>8} {'÷ gRPC':>7}"]
    for name, r in results.items():
        lines.append(f"{name:<26} {r['calls']:>5} {r['median_ms']:>10.2f} {r['p90_ms']:>8.2f} {r['median_over_grpc']:>7.2f}")
    return "\n".join(lines)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m benchmarks.http_latency", description=__doc__.split("\n\n")[0])
    parser.add_argument("--calls", type=int, default=30)
    parser.add_argument("--json", default=None, help="write the results here too")
    args = parser.parse_args(argv)
    from dispatch_service.config import ServerConfig
    from dispatch_service.server import DispatchServer

    server = DispatchServer(ServerConfig(address="127.0.0.1:0", workers=1, http_address="127.0.0.1:0"))
    port = server.start()
    try:
        results = measure(port, server.http_port, args.calls)
    finally:
        server.stop(grace_s=1.0)
    print(_table(results))
    if args.json:
        with open(args.json, "w", encoding="utf-8") as f:
            json.dump({"machine": platform.platform(), "python": sys.version.split()[0], "results": results}, f, indent=2)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())

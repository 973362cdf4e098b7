"""Service-history analytics at scale (``python -m benchmarks.analytics_bench``).

A history of ``--records`` (default 1,000,000) is generated with a fixed seed and written as
Parquet; then, in a fresh process so that its memory is its own, it is analysed end to end:
read the file, check every record, analyse (faults, H3 cells and Gi*, KPIs, standby), render the
HTML report and the JSON. Target (issue 13): a million records end to end in ≤ 10 s on this
machine. ``--rpc`` also streams the same records from another process to a server on a loopback
port (AnalyzeHistory, batches of 10,000) and reports the call's time, the peak memory of the
server and of its analysis worker, and the latency of health checks made every 20 ms meanwhile.

Writes a JSON record (``--json``) and prints a table.
"""

from __future__ import annotations

import argparse
import json
import multiprocessing as mp
import os
import pathlib
import platform
import resource
import sys
import tempfile
import time

_MB = 1024 * 1024


def _end_to_end(path: str, out_dir: str) -> dict:
    """Runs in a fresh process: every stage from the file to the report, timed."""
    started = time.perf_counter()
    from dispatch_service.analytics import analysis, records, report  # imports are part of the cost
    t = {"import_s": time.perf_counter() - started}
    mark = time.perf_counter()
    columns, failures = records.read_file(path)
    t["read_s"] = time.perf_counter() - mark
    mark = time.perf_counter()
    history = records.check(columns, failures)
    t["check_s"] = time.perf_counter() - mark
    mark = time.perf_counter()
    result = analysis.analyze(history)
    t["analyse_s"] = time.perf_counter() - mark
    mark = time.perf_counter()
    page = report.render_html(result)
    pathlib.Path(out_dir, "report.html").write_text(page, encoding="utf-8")
    pathlib.Path(out_dir, "analysis.json").write_text(json.dumps(report.to_dict(result)), encoding="utf-8")
    t["report_s"] = time.perf_counter() - mark
    t["total_s"] = time.perf_counter() - started
    t["peak_rss_mb"] = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024  # KiB on Linux
    t["records_analysed"] = result.summary.records_analysed
    t["cells"] = len(result.cells)
    t["hot_cells"] = sum(c.hotspot == "hot" for c in result.cells)
    t["report_bytes"] = len(page.encode())
    return t


def _child(path: str, out_dir: str, conn) -> None:
    conn.send(_end_to_end(path, out_dir))


def _generate_child(path: str, records_n: int, seed: int, conn) -> None:
    from dispatch_service.analytics import records
    from dispatch_service.analytics.generator import GeneratorConfig, generate

    mark = time.perf_counter()
    frame, _ = generate(GeneratorConfig(records=records_n, seed=seed))
    out = {"records": len(frame), "seed": seed, "generate_s": time.perf_counter() - mark}
    mark = time.perf_counter()
    records.write_file(frame, path)
    out["write_parquet_s"] = time.perf_counter() - mark
    out["parquet_mb"] = os.path.getsize(path) / _MB
    conn.send(out)


def _in_process(target, *args) -> dict:
    """Runs ``target(*args, conn)`` in a fresh (spawned) process and returns what it sends."""
    ctx = mp.get_context("spawn")
    parent, child = ctx.Pipe()
    proc = ctx.Process(target=target, args=(*args, child))
    proc.start()
    out = parent.recv()
    proc.join()
    return out


def _peak_rss_mb(pid: int, field: str = "VmHWM") -> float:
    """Peak (VmHWM) or current (VmRSS) resident memory of a process, Linux."""
    with open(f"/proc/{pid}/status") as f:
        return next(int(line.split()[1]) for line in f if line.startswith(field + ":")) / 1024


def _stream_client(path: str, port: int, conn) -> None:
    """A separate process streaming the file's records to AnalyzeHistory (as a client would)."""
    import grpc

    from dispatch_service import convert
    from dispatch_service.analytics import records
    from dispatch_service.api.v1 import dispatch_pb2 as pb
    from dispatch_service.api.v1 import dispatch_pb2_grpc as pb_grpc

    frame = records.load(path).records
    started = time.perf_counter()

    def requests():
        for i, batch in enumerate(convert.history_batches(frame, 10_000)):
            yield pb.AnalyzeHistoryRequest(options=pb.AnalysisOptions() if i == 0 else None, batch=batch)

    limit = 64 * _MB
    with grpc.insecure_channel(f"127.0.0.1:{port}", options=[("grpc.max_receive_message_length", limit)]) as channel:
        response = pb_grpc.DispatchServiceStub(channel).AnalyzeHistory(requests(), timeout=600)
    conn.send({"rpc_total_s": time.perf_counter() - started, "rpc_records_analysed": response.summary.records_analysed,
               "rpc_response_bytes": response.ByteSize()})


def _rpc(path: str) -> dict:
    """The server in this process, the client in another; health checked every 20 ms meanwhile."""
    import statistics
    import threading

    import grpc
    from grpc_health.v1 import health_pb2, health_pb2_grpc

    from dispatch_service.config import ServerConfig
    from dispatch_service.server import DispatchServer

    # One worker, and no recycling mid-benchmark so that its peak memory can be read after.
    server = DispatchServer(ServerConfig(address="127.0.0.1:0", workers=1, max_worker_rss_mb=0))
    port = server.start()
    before = {"rpc_server_rss_before_mb": _peak_rss_mb(os.getpid(), "VmRSS"),
              "rpc_worker_rss_before_mb": _peak_rss_mb(server.pool.worker_pids()[0], "VmRSS")}
    health_ms: list[float] = []
    done = threading.Event()

    def probe() -> None:
        with grpc.insecure_channel(f"127.0.0.1:{port}") as channel:
            stub = health_pb2_grpc.HealthStub(channel)
            while not done.wait(0.02):
                t = time.perf_counter()
                stub.Check(health_pb2.HealthCheckRequest(service=""), timeout=10)
                health_ms.append((time.perf_counter() - t) * 1000)

    try:
        prober = threading.Thread(target=probe, daemon=True)
        prober.start()
        ctx = mp.get_context("spawn")
        parent, child = ctx.Pipe()
        client = ctx.Process(target=_stream_client, args=(path, port, child))
        client.start()
        out = parent.recv()
        client.join()
        done.set()
        prober.join()
        (pid,) = server.pool.worker_pids()
        ordered = sorted(health_ms)
        out.update(before)
        out.update({
            "rpc_worker_peak_rss_mb": _peak_rss_mb(pid), "rpc_server_peak_rss_mb": _peak_rss_mb(os.getpid()),
            "health_checks": len(ordered), "health_p50_ms": statistics.median(ordered),
            "health_p99_ms": ordered[min(len(ordered) - 1, int(0.99 * len(ordered)))], "health_max_ms": ordered[-1],
        })
        return out
    finally:
        server.stop(grace_s=1.0)


def main(argv: list[str] | None = None) -> int:
    p = argparse.ArgumentParser(prog="python -m benchmarks.analytics_bench", description=__doc__.split("\n\n")[0])
    p.add_argument("--records", type=int, default=1_000_000)
    p.add_argument("--seed", type=int, default=7)
    p.add_argument("--rpc", action="store_true", help="also stream the records through AnalyzeHistory on a local server")
    p.add_argument("--json", default=None, help="write the figures here")
    p.add_argument("--keep", default=None, help="directory to keep the history, report and JSON in")
    args = p.parse_args(argv)

    out_dir = args.keep or tempfile.mkdtemp(prefix="analytics-bench-")
    pathlib.Path(out_dir).mkdir(parents=True, exist_ok=True)
    path = str(pathlib.Path(out_dir, "history.parquet"))
    # Generated in its own process too: this one later hosts the server, whose peak memory
    # must not include the generator's.
    result = _in_process(_generate_child, path, args.records, args.seed)
    load_before = os.getloadavg()[0]  # the machine may be shared: say how busy it was

    result.update(_in_process(_child, path, out_dir))
    if args.rpc:
        result.update(_rpc(path))
    result["load_average_1min"] = [load_before, os.getloadavg()[0]]
    result["target_total_s"] = 10.0
    result["machine"] = {"python": platform.python_version(), "cpus": os.cpu_count(), "platform": platform.platform()}

    rows = [
        ("records", f"{result['records']:,}"), ("generate (not counted)", f"{result['generate_s']:.2f} s"),
        ("write Parquet (not counted)", f"{result['write_parquet_s']:.2f} s, {result['parquet_mb']:.1f} MB"),
        ("imports", f"{result['import_s']:.2f} s"), ("read Parquet", f"{result['read_s']:.2f} s"),
        ("check records", f"{result['check_s']:.2f} s"), ("analyse", f"{result['analyse_s']:.2f} s"),
        ("report HTML + JSON", f"{result['report_s']:.2f} s, {result['report_bytes'] / 1024:.0f} KiB HTML"),
        ("end to end (target ≤ 10 s)", f"{result['total_s']:.2f} s"), ("peak memory (that process)", f"{result['peak_rss_mb']:.0f} MB"),
        ("cells / hot cells", f"{result['cells']:,} / {result['hot_cells']}"),
        ("load average (1 min) before / after", " / ".join(f"{x:.1f}" for x in result["load_average_1min"])),
    ]
    if args.rpc:
        rows += [
            ("AnalyzeHistory over gRPC (client process)", f"{result['rpc_total_s']:.2f} s"),
            ("  worker / server peak memory", f"{result['rpc_worker_peak_rss_mb']:.0f} MB / {result['rpc_server_peak_rss_mb']:.0f} MB "
             f"(idle before: {result['rpc_worker_rss_before_mb']:.0f} / {result['rpc_server_rss_before_mb']:.0f} MB)"),
            ("  health checks meanwhile p50 / p99 / max", f"{result['health_p50_ms']:.1f} / {result['health_p99_ms']:.1f} / "
             f"{result['health_max_ms']:.1f} ms ({result['health_checks']} checks)"),
        ]
    width = max(len(k) for k, _ in rows)
    for k, v in rows:
        print(f"{k:<{width}}  {v}")
    if args.json:
        pathlib.Path(args.json).parent.mkdir(parents=True, exist_ok=True)
        pathlib.Path(args.json).write_text(json.dumps(result, indent=2), encoding="utf-8")
    return 0 if result["total_s"] <= result["target_total_s"] else 1


if __name__ == "__main__":
    sys.exit(main())

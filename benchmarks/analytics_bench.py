"""Service-history analytics at scale (``python -m benchmarks.analytics_bench``).

A history of ``--records`` (default 1,000,000) is generated with a fixed seed and written as
Parquet; then, in a fresh process so that its memory is its own, it is analysed end to end:
read the file, check every record, analyse (faults, H3 cells and Gi*, KPIs, standby), render the
HTML report and the JSON. Target (issue 13): a million records end to end in ≤ 10 s on this
machine. ``--rpc`` also streams the same records to a server on a loopback port
(AnalyzeHistory, batches of 10,000) and reports the call's time and the worker's peak memory.

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


def _peak_rss_mb(pid: int) -> float:
    with open(f"/proc/{pid}/status") as f:
        return next(int(line.split()[1]) for line in f if line.startswith("VmHWM:")) / 1024


def _rpc(frame) -> dict:
    import grpc

    from dispatch_service import convert
    from dispatch_service.api.v1 import dispatch_pb2 as pb
    from dispatch_service.api.v1 import dispatch_pb2_grpc as pb_grpc
    from dispatch_service.config import ServerConfig
    from dispatch_service.server import DispatchServer

    # One worker, and no recycling mid-benchmark so that its peak memory can be read after.
    server = DispatchServer(ServerConfig(address="127.0.0.1:0", workers=1, max_worker_rss_mb=0))
    port = server.start()
    try:
        started = time.perf_counter()

        def requests():
            for i, batch in enumerate(convert.history_batches(frame, 10_000)):
                yield pb.AnalyzeHistoryRequest(options=pb.AnalysisOptions() if i == 0 else None, batch=batch)

        limit = 64 * _MB
        with grpc.insecure_channel(f"127.0.0.1:{port}", options=[("grpc.max_receive_message_length", limit)]) as channel:
            response = pb_grpc.DispatchServiceStub(channel).AnalyzeHistory(requests(), timeout=600)
        total = time.perf_counter() - started
        (pid,) = server.pool.worker_pids()
        return {
            "rpc_total_s": total, "rpc_records_analysed": response.summary.records_analysed,
            "rpc_worker_peak_rss_mb": _peak_rss_mb(pid), "rpc_server_peak_rss_mb": _peak_rss_mb(os.getpid()),
            "rpc_response_bytes": response.ByteSize(),
        }
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

    from dispatch_service.analytics import records
    from dispatch_service.analytics.generator import GeneratorConfig, generate

    out_dir = args.keep or tempfile.mkdtemp(prefix="analytics-bench-")
    pathlib.Path(out_dir).mkdir(parents=True, exist_ok=True)
    mark = time.perf_counter()
    frame, _ = generate(GeneratorConfig(records=args.records, seed=args.seed))
    result = {"records": len(frame), "seed": args.seed, "generate_s": time.perf_counter() - mark}
    path = str(pathlib.Path(out_dir, "history.parquet"))
    mark = time.perf_counter()
    records.write_file(frame, path)
    result["write_parquet_s"] = time.perf_counter() - mark
    result["parquet_mb"] = os.path.getsize(path) / _MB

    ctx = mp.get_context("spawn")
    parent, child = ctx.Pipe()
    proc = ctx.Process(target=_child, args=(path, out_dir, child))
    proc.start()
    result.update(parent.recv())
    proc.join()
    if args.rpc:
        result.update(_rpc(frame))
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
    ]
    if args.rpc:
        rows += [
            ("AnalyzeHistory over gRPC", f"{result['rpc_total_s']:.2f} s"),
            ("  worker / server peak memory", f"{result['rpc_worker_peak_rss_mb']:.0f} MB / {result['rpc_server_peak_rss_mb']:.0f} MB"),
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

"""``dispatch analyze HISTORY.csv|.parquet -o report.html [--json out.json] [--server ADDR]``.

Without ``--server`` the history is analysed in this process; with it, the records are streamed
to a server's AnalyzeHistory in batches. Either way the report is the same. Values that do not
parse (a longitude "abc") are caught while reading the file, so with ``--server`` those records
are reported here and not sent; the server's errors are mapped back to file lines and columns.
"""

from __future__ import annotations

import argparse
import datetime as dt
import json
import os
import pathlib
import sys
from dataclasses import replace

import numpy as np
import pandas as pd


def main(argv: list[str] | None = None) -> int:
    from dispatch_service.analytics.areas import HOTSPOT_VARIABLES

    p = argparse.ArgumentParser(prog="dispatch analyze", description="Analyse work-order history and write a report.")
    p.add_argument("history", help="history file: .csv (ISO 8601 times with offsets) or .parquet")
    p.add_argument("-o", "--output", required=True, help="HTML report to write (self-contained, works offline)")
    p.add_argument("--json", default=None, help="also write the analysis as JSON here")
    p.add_argument("--server", default=None, help="host:port of a dispatch server: analyse there (AnalyzeHistory)")
    p.add_argument("--batch-size", type=int, default=10_000, help="records per streamed batch with --server (default 10000)")
    p.add_argument("--timeout", type=float, default=600.0, help="call deadline in seconds with --server")
    p.add_argument("--token", default=None, help="bearer token for a server with authentication (or DISPATCH_TOKEN)")
    p.add_argument("--tls-ca", default=None, help="PEM CA bundle to verify the server; turns TLS on")
    p.add_argument("--tls-cert", default=None, help="PEM client certificate for mutual TLS (with --tls-key)")
    p.add_argument("--tls-key", default=None, help="PEM client private key for mutual TLS")
    p.add_argument("--h3-resolution", type=int, default=8, help="H3 resolution of the risk cells (0-10; default 8: cells of about 0.74 km²)")
    p.add_argument("--standby", type=int, default=5, help="standby positions to suggest (default 5)")
    p.add_argument("--period-days", type=float, default=28.0, help="trend period in days (default 28)")
    p.add_argument("--hotspot-variable", choices=HOTSPOT_VARIABLES, default="demand_per_day")
    p.add_argument("--as-of", default=None, help="the analysis' now, ISO 8601 with offset (default: latest time in the history)")
    p.add_argument("--title", default=None, help="report title")
    p.add_argument(
        "--standby-request", nargs=2, metavar=("REQUEST.json", "OUT.json"), default=None,
        help="what-if: copy a SolveRequest (protobuf JSON) with its engineers starting at the standby positions, in order",
    )
    args = p.parse_args(argv)

    from dispatch_service.analytics import records, report
    from dispatch_service.analytics.analysis import AnalysisOptions, analyze

    as_of_s = None
    if args.as_of:
        try:
            stamp = dt.datetime.fromisoformat(args.as_of.replace("Z", "+00:00"))
        except ValueError:
            stamp = None
        if stamp is None or stamp.tzinfo is None:
            print("dispatch analyze: --as-of must be an ISO 8601 time with an offset, e.g. 2026-01-01T00:00:00Z", file=sys.stderr)
            return 2
        as_of_s = stamp.timestamp()
    options = AnalysisOptions(
        h3_resolution=args.h3_resolution, standby_count=args.standby, period_days=args.period_days,
        hotspot_variable=args.hotspot_variable, as_of_s=as_of_s,
    )
    bad = options.violations()
    if bad:
        for name, rule in bad:
            print(f"dispatch analyze: --{name.replace('_', '-')}: {rule}", file=sys.stderr)
        return 2
    try:
        if args.server:
            analysis = _remote(args, options)
        else:
            analysis = analyze(records.load(args.history), options)
    except records.HistoryFileError as exc:
        print(f"dispatch analyze: {exc}", file=sys.stderr)
        return 2
    except _CallFailed as exc:
        print(f"dispatch analyze: {exc}", file=sys.stderr)
        return 1
    title = args.title or f"Service history: {pathlib.Path(args.history).name}"
    csv = pathlib.Path(args.history).suffix.lower() == ".csv"
    pathlib.Path(args.output).write_text(report.render_html(analysis, title, csv_lines=csv), encoding="utf-8")
    if args.json:
        pathlib.Path(args.json).write_text(json.dumps(report.to_dict(analysis), indent=1), encoding="utf-8")
    if args.standby_request:
        placed = _standby_request(analysis, *args.standby_request)
        if placed is None:
            return 2
        print(f"dispatch analyze: {placed} engineer(s) of {args.standby_request[0]} start at standby positions in "
              f"{args.standby_request[1]}", file=sys.stderr)
    s = analysis.summary
    print(f"dispatch analyze: {s.records_analysed:,} of {s.records_received:,} records analysed, {s.records_rejected:,} rejected; "
          f"report: {args.output}", file=sys.stderr)
    for e in analysis.errors[:10]:
        where = f"line {e.index + 2}" if csv else f"record {e.index}"
        print(f"  {where}: {e.field}: {e.rule}", file=sys.stderr)
    if s.records_rejected > len(analysis.errors[:10]):
        print(f"  ... ({s.records_rejected - len(analysis.errors[:10]):,} more records rejected; see the report)", file=sys.stderr)
    return 0


def _standby_request(analysis, source: str, target: str) -> int | None:
    """Writes ``source`` with its first engineers' start locations at the standby positions
    (one each, in the positions' order); the number placed, or None when ``source`` is unusable."""
    from dispatch_service import client

    try:
        request = client.load_request(source)
    except client.RequestFileError as exc:
        print(f"dispatch analyze: {exc}", file=sys.stderr)
        return None
    placed = 0
    for engineer, position in zip(request.engineers, analysis.standby):
        engineer.start_location.latitude = position.latitude_deg
        engineer.start_location.longitude = position.longitude_deg
        placed += 1
    pathlib.Path(target).write_text(client.to_json(request), encoding="utf-8")
    return placed


class _CallFailed(Exception):
    pass


def _remote(args, options):
    import grpc

    from dispatch_service import convert, errors
    from dispatch_service.analytics import records
    from dispatch_service.api.v1 import dispatch_pb2 as pb
    from dispatch_service.api.v1 import dispatch_pb2_grpc as pb_grpc

    columns, failures = records.read_file(args.history)
    n = len(columns["order_id"])
    unparsed = np.zeros(n, dtype=bool)
    for _, _, mask in failures:
        unparsed |= mask
    sent = np.flatnonzero(~unparsed)  # stream index -> file index
    frame = pd.DataFrame({c: np.asarray(columns[c])[sent] for c in records.COLUMNS})
    opts = convert.analysis_options_to_pb(options)

    def requests():
        first = True
        for batch in convert.history_batches(frame, args.batch_size):
            yield pb.AnalyzeHistoryRequest(options=opts if first else None, batch=batch)
            first = False
        if first:
            yield pb.AnalyzeHistoryRequest(options=opts)

    from dispatch_service.security import bearer_metadata, open_channel

    token = args.token or os.environ.get("DISPATCH_TOKEN")
    metadata = bearer_metadata(token) if token else None
    try:
        # The response carries every cell and KPI row: allow more than gRPC's default 4 MiB.
        with open_channel(args.server, args.tls_ca, args.tls_cert, args.tls_key, max_message_bytes=64 * 1024 * 1024) as channel:
            response = pb_grpc.DispatchServiceStub(channel).AnalyzeHistory(requests(), timeout=args.timeout, metadata=metadata)
    except grpc.RpcError as exc:
        details = "; ".join(f"{f}: {d}" for f, d in errors.field_violations(exc))
        raise _CallFailed(f"{exc.code().name}: {exc.details()}" + (f" ({details})" if details else "")) from None
    analysis = convert.response_to_analysis(response)

    # Back to the file's terms: its record numbers and its column names.
    to_file = {convert.HISTORY_FIELDS[c]: records.FILE_NAMES[c] for c in records.FILE_NAMES}

    def file_terms(text: str) -> str:
        for api, name in to_file.items():
            text = text.replace(api, name)
        return text

    local = records.check({c: columns[c] for c in records.COLUMNS}, failures)  # parse errors only matter here
    parse_keys = {(name, rule) for name, rule, _ in failures}
    local_errors = [e for e in local.errors if (e.field, e.rule) in parse_keys]
    remote_errors = [records.RecordError(int(sent[e.index]), file_terms(e.field), file_terms(e.rule)) for e in analysis.errors]
    merged = sorted(local_errors + remote_errors, key=lambda e: (e.index, e.field))[: records.MAX_REPORTED_ERRORS]
    counts: dict[tuple[str, str], int] = {}
    for (name, rule), k in local.error_counts.items():
        if (name, rule) in parse_keys:
            counts[(name, rule)] = counts.get((name, rule), 0) + k
    for name, rule, k in analysis.error_counts:
        key = (file_terms(name), file_terms(rule))
        counts[key] = counts.get(key, 0) + k
    dropped = int(unparsed.sum())
    summary = replace(analysis.summary, records_received=analysis.summary.records_received + dropped,
                      records_rejected=analysis.summary.records_rejected + dropped)
    return replace(
        analysis, summary=summary, errors=tuple(merged),
        error_counts=tuple(sorted(((f, r, k) for (f, r), k in counts.items()), key=lambda x: (-x[2], x[0], x[1]))),
    )

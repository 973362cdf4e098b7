"""``dispatch slots REQUEST.json ORDER.json --server HOST:PORT``: appointment slots as a table.

REQUEST.json is a ``RecommendSlotsRequest`` in protobuf JSON (problem, current routes, slot
grid, ...); ORDER.json one ``Order`` or a list of them, added to the request's orders.
"""

from __future__ import annotations

import argparse
import json
import os
import pathlib
import sys
from datetime import UTC, datetime

from dispatch_service.api.v1 import dispatch_pb2 as pb


def main(argv: list[str]) -> int:
    parser = argparse.ArgumentParser(prog="dispatch slots", description="Offer a new order the visit slots the plan can keep.")
    parser.add_argument("request", help="RecommendSlotsRequest as protobuf JSON (problem, current_routes, slot_grid, ...)")
    parser.add_argument("orders", help="the new Order (protobuf JSON), or a JSON list of them")
    parser.add_argument("--server", default="127.0.0.1:50051", help="host:port of a running server")
    parser.add_argument("--reserve", action="store_true", help="reserve each order's best slot for the next (bulk form)")
    parser.add_argument("--json", action="store_true", help="print the raw response as JSON")
    parser.add_argument("--timeout", type=float, default=30.0, help="call deadline in seconds")
    parser.add_argument("--token", default=None, help="bearer token for a server with authentication (or DISPATCH_TOKEN)")
    args = parser.parse_args(argv)

    import grpc
    from google.protobuf import json_format

    from dispatch_service import client, errors
    from dispatch_service.api.v1 import dispatch_pb2_grpc as pb_grpc

    try:
        request = json_format.Parse(pathlib.Path(args.request).read_text(encoding="utf-8"), pb.RecommendSlotsRequest())
        doc = json.loads(pathlib.Path(args.orders).read_text(encoding="utf-8"))
        for item in doc if isinstance(doc, list) else [doc]:
            json_format.ParseDict(item, request.orders.add())
    except (OSError, UnicodeDecodeError, json.JSONDecodeError, json_format.ParseError) as exc:
        print(f"dispatch slots: {exc}", file=sys.stderr)
        return 2
    request.reserve = request.reserve or args.reserve
    token = args.token or os.environ.get("DISPATCH_TOKEN")
    metadata = (("authorization", f"Bearer {token}"),) if token else None
    try:
        with grpc.insecure_channel(args.server) as channel:
            response = pb_grpc.DispatchServiceStub(channel).RecommendSlots(request, timeout=args.timeout, metadata=metadata)
    except grpc.RpcError as exc:
        print(f"dispatch slots: {exc.code().name}: {exc.details()}", file=sys.stderr)
        for field, description in errors.field_violations(exc):
            print(f"  {field}: {description}", file=sys.stderr)
        return 1
    print(client.to_json(response) if args.json else format_slots(response))
    return 0


def _t(ts) -> str:
    return datetime.fromtimestamp(ts.seconds, tz=UTC).strftime("%a %m-%d %H:%M")


def _min(d) -> str:
    return f"{d.seconds // 60:d}m"


def format_slots(response: pb.RecommendSlotsResponse) -> str:
    """Per order: the kept slots best first, then the others with their reasons (times UTC)."""
    lines = []
    for answer in response.orders:
        lines.append(f"Order {answer.order_id}: {len(answer.slots)} slots offered, {len(answer.unavailable_slots)} cannot be kept")
        lines.append(f"  {'slot (UTC)':<24} {'grade':>5} {'engineer':<12} {'shift':>5} {'pos':>3} {'start':>5} "
                     f"{'added cost':>10} {'slot slack':>10} {'day slack':>9} {'SLA slack':>9}")
        for s in answer.slots:
            sla = _min(s.sla_slack) if s.HasField("sla_slack") else "-"
            mark = " *" if answer.HasField("reserved_slot") and s == answer.reserved_slot else ""
            lines.append(f"  {_t(s.start_time) + '-' + _t(s.end_time)[-5:]:<24} {s.grade:>5} {s.engineer_id[:12]:<12} {s.shift_index:>5} "
                         f"{s.position:>3} {_t(s.visit_start_time)[-5:]:>5} {s.added_cost:>10.2f} {_min(s.slot_slack):>10} "
                         f"{_min(s.day_slack):>9} {sla:>9}{mark}")
        for s in answer.unavailable_slots:
            reason = pb.SlotReason.Name(s.reason).removeprefix("SLOT_REASON_").lower().replace("_", " ")
            lines.append(f"  {_t(s.start_time) + '-' + _t(s.end_time)[-5:]:<24}     - cannot be kept: {reason}")
    if response.routes:
        lines.append("Plan with the reserved slots (* above):")
        for r in response.routes:
            lines.append(f"  {r.engineer_id} shift {r.shift_index}: {' '.join(r.order_ids)}")
    return "\n".join(lines)

"""A small client: read a request written as protobuf JSON and call Solve (or SolveLarge, for
requests and plans beyond one message)."""

from __future__ import annotations

import json
import pathlib
from collections.abc import Iterable, Iterator

import grpc
from google.protobuf import json_format

from dispatch_service.api.v1 import dispatch_pb2 as pb
from dispatch_service.api.v1 import dispatch_pb2_grpc as pb_grpc


class RequestFileError(ValueError):
    """The request file cannot be read as a SolveRequest."""


def load_request(path: str | pathlib.Path) -> pb.SolveRequest:
    try:
        text = pathlib.Path(path).read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError) as exc:
        raise RequestFileError(f"{path}: cannot read: {exc}") from None
    try:
        json.loads(text)
    except json.JSONDecodeError as exc:
        raise RequestFileError(f"{path}: not valid JSON: {exc}") from None
    try:
        return json_format.Parse(text, pb.SolveRequest())
    except json_format.ParseError as exc:
        raise RequestFileError(f"{path}: not a SolveRequest: {exc}") from None


def solve(address: str, request: pb.SolveRequest, timeout_s: float | None = None, max_message_bytes: int = 32 * 1024 * 1024) -> pb.SolveResponse:
    options = [("grpc.max_receive_message_length", max_message_bytes), ("grpc.max_send_message_length", max_message_bytes)]
    with grpc.insecure_channel(address, options=options) as channel:
        return pb_grpc.DispatchServiceStub(channel).Solve(request, timeout=timeout_s)


def to_json(message) -> str:
    return json_format.MessageToJson(message, indent=2)


def large_chunks(request: pb.SolveRequest, orders_per_batch: int = 5_000) -> Iterator[pb.SolveLargeRequest]:
    """``request`` as a SolveLarge stream: the header (everything but the orders), then the
    orders in batches (at most 5,000 each, the API's bound). The request is not copied whole."""
    header = pb.SolveRequest()
    for field, value in request.ListFields():
        if field.name == "orders":
            continue
        if field.is_repeated:
            getattr(header, field.name).extend(value)
        elif field.message_type is not None:
            getattr(header, field.name).CopyFrom(value)
        else:
            setattr(header, field.name, value)
    yield pb.SolveLargeRequest(header=header)
    for start in range(0, len(request.orders), orders_per_batch):
        yield pb.SolveLargeRequest(orders=pb.OrderBatch(orders=request.orders[start:start + orders_per_batch]))


def plan_from_parts(parts: Iterable[pb.SolveLargeResponse]) -> pb.SolveResponse:
    """The SolveResponse a SolveLarge stream makes (for callers that want it whole)."""
    routes, unassigned = [], []
    for part in parts:
        kind = part.WhichOneof("part")
        if kind == "route":
            routes.append(part.route)
        elif kind == "unassigned":
            unassigned.extend(part.unassigned.orders)
        elif kind == "summary":
            out = pb.SolveResponse()
            out.CopyFrom(part.summary)
            out.routes.extend(routes)
            out.unassigned_orders.extend(unassigned)
            return out
    raise ValueError("the SolveLarge stream ended without its summary")

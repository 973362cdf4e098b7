"""A small client: read a request written as protobuf JSON and call Solve."""

from __future__ import annotations

import json
import pathlib

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

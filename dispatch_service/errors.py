"""Domain errors to gRPC status codes, in one place."""

from __future__ import annotations

import grpc
from google.protobuf import any_pb2
from google.rpc import code_pb2, error_details_pb2, status_pb2
from grpc_status import rpc_status

from solver.errors import Violation

# A BadRequest detail must fit well inside gRPC's default 8 KiB metadata limit per call.
MAX_REPORTED_VIOLATIONS = 50


def invalid_argument(violations: list[Violation]) -> grpc.Status:
    shown = violations[:MAX_REPORTED_VIOLATIONS]
    detail = error_details_pb2.BadRequest(
        field_violations=[
            error_details_pb2.BadRequest.FieldViolation(field=v.field, description=v.description[:500]) for v in shown
        ]
    )
    packed = any_pb2.Any()
    packed.Pack(detail)
    first = shown[0]
    more = f" (and {len(violations) - 1} more)" if len(violations) > 1 else ""
    message = f"invalid request: {first.field}: {first.description}{more}"[:1000]
    return rpc_status.to_status(status_pb2.Status(code=code_pb2.INVALID_ARGUMENT, message=message, details=[packed]))


def field_violations(error: grpc.RpcError) -> list[tuple[str, str]]:
    """The (field, description) pairs of an INVALID_ARGUMENT error, for clients and tests."""
    status = rpc_status.from_call(error)
    out = []
    for detail in status.details if status else ():
        if detail.Is(error_details_pb2.BadRequest.DESCRIPTOR):
            bad = error_details_pb2.BadRequest()
            detail.Unpack(bad)
            out += [(v.field, v.description) for v in bad.field_violations]
    return out

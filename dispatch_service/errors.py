"""Failures to gRPC status codes, in one place (``status_for``), and BadRequest details."""

from __future__ import annotations

import logging

import grpc
from google.protobuf import any_pb2
from google.rpc import code_pb2, error_details_pb2, status_pb2
from grpc_status import rpc_status

from dispatch_service import failures
from dispatch_service.jobstore import JobsDatabaseUnavailable
from dispatch_service.workers import QueueFull, SolveAborted, WorkerFailed, WorkerOverrun
from solver.errors import InvalidProblem, Violation

log = logging.getLogger("dispatch_service")

# A BadRequest detail must fit well inside gRPC's default 8 KiB metadata limit per call.
MAX_REPORTED_VIOLATIONS = 50
RETRY_AFTER_MS = "1000"


def status_for(exc: BaseException, request_id: str) -> grpc.Status:
    """The status a call ends with when ``exc`` is raised; the request id is in its trailers
    (and in the message of internal errors, whose details are only logged)."""
    trailers: tuple[tuple[str, str], ...] = ()
    if isinstance(exc, InvalidProblem):
        log.info("request %s: invalid (%d violations)", request_id, len(exc.violations))
        return _with_trailers(_bad_request(code_pb2.INVALID_ARGUMENT, "invalid request", list(exc.violations)), request_id)
    if isinstance(exc, failures.TooLarge):
        log.info("request %s: too large (%s)", request_id, exc.violations[0].field)
        return _with_trailers(_bad_request(code_pb2.RESOURCE_EXHAUSTED, "request too large", list(exc.violations)), request_id)
    if isinstance(exc, (failures.Busy, QueueFull)):
        code, message = grpc.StatusCode.RESOURCE_EXHAUSTED, str(exc) or "the solve queue is full; retry later"
        trailers = (("retry-after-ms", RETRY_AFTER_MS),)
    elif isinstance(exc, WorkerOverrun):
        code = {"memory": grpc.StatusCode.RESOURCE_EXHAUSTED, "stalled": grpc.StatusCode.UNAVAILABLE}.get(exc.kind, grpc.StatusCode.DEADLINE_EXCEEDED)
        message = str(exc)
    elif isinstance(exc, failures.NotFound):
        code, message = grpc.StatusCode.NOT_FOUND, str(exc)
    elif isinstance(exc, (failures.Unavailable, SolveAborted, JobsDatabaseUnavailable)):
        code, message = grpc.StatusCode.UNAVAILABLE, str(exc)
    elif isinstance(exc, failures.Cancelled):
        code, message = grpc.StatusCode.CANCELLED, str(exc) or "cancelled"
    elif isinstance(exc, failures.DeadlineExceeded):
        code, message = grpc.StatusCode.DEADLINE_EXCEEDED, str(exc) or "deadline exceeded"
    elif isinstance(exc, (failures.SolverFailed, WorkerFailed)):
        log.error("request %s: %s", request_id, exc)
        code, message = grpc.StatusCode.INTERNAL, f"the solver failed (request id {request_id})"
    else:
        log.error("request %s: unexpected error", request_id, exc_info=exc)
        code, message = grpc.StatusCode.INTERNAL, f"internal error (request id {request_id})"
    return _Status(code, message[:1000], (*trailers, ("request-id", request_id)))


def abort(context: grpc.ServicerContext, exc: BaseException, request_id: str) -> None:
    """Ends the call with ``status_for(exc)``; never returns."""
    context.abort_with_status(status_for(exc, request_id))


class _Status(grpc.Status):
    def __init__(self, code: grpc.StatusCode, details: str, trailing_metadata) -> None:
        self.code, self.details, self.trailing_metadata = code, details, tuple(trailing_metadata)

    def _replace(self, trailing_metadata) -> _Status:
        return _Status(self.code, self.details, trailing_metadata)


def _with_trailers(status: grpc.Status, request_id: str) -> grpc.Status:
    trailers = (*tuple(status.trailing_metadata or ()), ("request-id", request_id))
    return _Status(status.code, status.details, trailers)


def _bad_request(code: int, what: str, violations: list[Violation]) -> grpc.Status:
    shown = violations[:MAX_REPORTED_VIOLATIONS]
    detail = error_details_pb2.BadRequest(
        field_violations=[
            error_details_pb2.BadRequest.FieldViolation(field=v.field[:200], description=v.description[:500]) for v in shown
        ]
    )
    packed = any_pb2.Any()
    packed.Pack(detail)
    first = shown[0]
    more = f" (and {len(violations) - 1} more)" if len(violations) > 1 else ""
    message = f"{what}: {first.field[:200]}: {first.description}{more}"[:1000]
    return rpc_status.to_status(status_pb2.Status(code=code, message=message, details=[packed]))


def invalid_argument(violations: list[Violation]) -> grpc.Status:
    return _bad_request(code_pb2.INVALID_ARGUMENT, "invalid request", violations)


def job_failure(exc: BaseException, request_id: str) -> tuple[int, str]:
    """(status code number, message) recorded on a failed job: the same mapping as a call's."""
    status = status_for(exc, request_id)
    return status.code.value[0], status.details


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

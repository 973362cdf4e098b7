"""Cheap checks on a request message before it is converted, and server-side rules that depend
on the server (its clock). Each returns ``solver.errors.Violation``s with API field paths."""

from __future__ import annotations

from datetime import datetime, timezone

from dispatch_service.api.v1 import dispatch_pb2 as pb
from solver.errors import Violation
from solver.limits import Limits


def oversize(request: pb.SolveRequest, limits: Limits) -> list[Violation]:
    """Too many orders or engineers, found from the list lengths alone: such a request is refused
    before anything is built from it (the same paths and words as ``solver.validation``)."""
    out = []
    if len(request.orders) > limits.max_orders:
        out.append(Violation("orders", f"at most {limits.max_orders} orders are accepted, got {len(request.orders)}"))
    if len(request.engineers) > limits.max_engineers:
        out.append(Violation("engineers", f"at most {limits.max_engineers} engineers are accepted, got {len(request.engineers)}"))
    return out


def ended_shifts(request: pb.SolveRequest, now_s: float) -> list[Violation]:
    """Shifts whose end is before the server's clock (optional rule, ``--reject-ended-shifts``):
    such a plan could never be carried out, which usually means a time-zone or date bug."""
    now_text = datetime.fromtimestamp(int(now_s), tz=timezone.utc).strftime("%Y-%m-%dT%H:%M:%SZ")
    out = []
    for i, engineer in enumerate(request.engineers):
        for k, shift in enumerate(engineer.shifts):
            if shift.HasField("end_time") and shift.end_time.seconds < now_s:
                out.append(Violation(f"engineers[{i}].shifts[{k}].end_time", f"ended before the server's current time ({now_text})"))
    return out

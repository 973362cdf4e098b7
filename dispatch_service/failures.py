"""Why a call failed, as plain exceptions (no gRPC here): ``errors.status_for`` maps each one,
and the solver's ``InvalidProblem``, to a status code, in one place."""

from __future__ import annotations

from solver.errors import Violation


class ServiceError(Exception):
    """Base of the service's own failures; ``str(exc)`` is the one-sentence message."""


class TooLarge(ServiceError):
    """The request is larger than a configured limit allows (RESOURCE_EXHAUSTED, with the fields)."""

    def __init__(self, violations: list[Violation]) -> None:
        self.violations = tuple(violations)
        first = self.violations[0]
        super().__init__(f"request too large: {first.field}: {first.description}")


class Busy(ServiceError):
    """Every worker is busy and the queue is full (RESOURCE_EXHAUSTED, retry later)."""


class NotFound(ServiceError):
    pass


class Unavailable(ServiceError):
    """The server is shutting down, or stopped the work (retry, perhaps on another instance)."""


class Cancelled(ServiceError):
    pass


class DeadlineExceeded(ServiceError):
    """The caller's deadline, or the service's own time limit, passed without a plan."""


class SolverFailed(ServiceError):
    """The worker crashed or raised; details are logged, the caller gets the request id."""

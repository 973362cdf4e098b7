"""Domain errors. No gRPC here: ``dispatch_service.errors`` maps them to status codes."""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True, slots=True)
class Violation:
    """One broken rule: ``field`` is the API path (``orders[3].time_windows[0].end_time``)."""

    field: str
    description: str


class InvalidProblem(ValueError):
    """The request breaks rules; ``violations`` lists every one found, not just the first."""

    def __init__(self, violations: list[Violation]) -> None:
        self.violations = tuple(violations)
        head = "; ".join(f"{v.field}: {v.description}" for v in self.violations[:3])
        more = f" (and {len(self.violations) - 3} more)" if len(self.violations) > 3 else ""
        super().__init__(f"{len(self.violations)} invalid field(s): {head}{more}")

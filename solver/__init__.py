"""The dispatch solver: domain model, validation, the OR-Tools model and plan KPIs.

It imports neither gRPC/protobuf nor ``geo``: travel reaches it as integer matrices.
"""

from solver.errors import InvalidProblem, Violation
from solver.locations import Locations
from solver.validation import validate

__all__ = ["InvalidProblem", "Locations", "Violation", "validate"]

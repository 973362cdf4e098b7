"""What the server hands to a worker process, and what a running solve sends back.

Plain dataclasses of domain objects: this module imports neither OR-Tools nor numba, so the
server process can build tasks without loading the solver (``worker_task`` runs them).
"""

from __future__ import annotations

from dataclasses import dataclass

from solver.limits import Limits
from solver.model import Order, Plan, PlannedRoute, Problem, TravelModel
from solver.slots import SlotGrid


@dataclass(frozen=True)
class SolveTask:
    """A solve: the worker computes the travel matrices (after re-planning moves engineers),
    then searches for what is left of the time limit."""

    problem: Problem
    limits: Limits
    # Send a ``Progress`` at the start and at improving solutions (throttled); with
    # ``progress_plans`` each carries a snapshot of the plan when the solver can build one.
    progress: bool = False
    progress_plans: bool = False
    progress_interval_s: float = 0.5  # at most one snapshot per this interval, after the first
    # Requests with more orders than this are solved region by region (``regional``); 0: never.
    region_orders: int = 0
    backend: str = "local"  # where regions run: "local" (this worker) or "ray"
    ray_address: str | None = None  # the Ray cluster's address (backend "ray")


@dataclass(frozen=True)
class MatrixTask:
    """Travel from each origin to each destination (ComputeMatrix): only those pairs."""

    model: TravelModel
    origin_lat_deg: object  # numpy float64 arrays
    origin_lng_deg: object
    destination_lat_deg: object
    destination_lng_deg: object


@dataclass(frozen=True)
class EvaluateTask:
    """A given plan timed and checked rule by rule (EvaluatePlan)."""

    problem: Problem
    routes: tuple[PlannedRoute, ...]


@dataclass(frozen=True)
class InsertionTask:
    """Where a new order fits in the plan in force (RecommendInsertion).

    The worker keeps the timed plan under ``key`` (a digest of the plan's request): when the
    server knows the worker has it, ``problem`` and ``routes`` are None and only the new order
    travels; a worker without it answers ``("plan_state_missing", key)``."""

    key: bytes
    problem: Problem | None
    routes: tuple[PlannedRoute, ...] | None
    order: Order
    max_candidates: int


@dataclass(frozen=True)
class SlotsTask:
    """Visit slots for new orders against the plan in force (RecommendSlots); the plan travels
    as for ``InsertionTask`` (``key``, and ``problem``/``routes`` only when the worker may lack
    it). With ``reserve`` each order's best slot is booked into the plan the next order sees."""

    key: bytes
    problem: Problem | None
    routes: tuple[PlannedRoute, ...] | None
    orders: tuple[Order, ...]
    grid: SlotGrid
    reserve: bool


@dataclass(frozen=True)
class Progress:
    """Where a running search stands; sent through the worker's pipe before the outcome."""

    elapsed_s: float  # since the task started
    solutions: int  # improving solutions so far
    objective: float | None  # the search's objective in cost units (None before a first plan)
    plan: Plan | None = None  # a snapshot of the best plan, when available

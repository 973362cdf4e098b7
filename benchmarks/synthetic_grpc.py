"""Timing one synthetic solve, end to end.

The synthetic suite measures what a caller of the service experiences. ``time_solve`` is the
one place that knows how a ``Problem`` reaches the solver: through the gRPC service when an
address is given, otherwise in this process with the same great-circle matrices the service
computes for a ``GreatCircleModel`` request.
"""

from __future__ import annotations

import time
from dataclasses import dataclass

import numpy as np

from geo import GreatCircleProvider
from solver.locations import Locations
from solver.model import GreatCircleModel, Plan, Problem, SolveStatus, TravelMatrices


@dataclass(frozen=True)
class TimedSolve:
    plan: Plan | _PlanView
    wall_s: float  # request sent (or matrices started) -> plan back
    matrices_s: float  # part of wall_s spent building travel matrices; 0 when not measurable
    matrices: TravelMatrices | None = None  # in process only: what the solver was given


def time_solve(problem: Problem, address: str | None = None, in_process: bool = False) -> TimedSolve:
    """Solve ``problem`` and measure the wall time a caller sees.

    By default the problem goes through the dispatch gRPC service: at ``address`` when given,
    else on a server this function starts on a free loopback port (its start-up is not timed).
    The time then includes protobuf conversion, transport, the server's matrix computation and
    the solve in a worker process. ``in_process=True`` skips the service: matrices from
    ``geo.GreatCircleProvider`` in the ``solver.locations`` layout, then ``solver.solve.solve``.
    """
    if in_process:
        return _time_solve_in_process(problem)
    if address is not None:
        return _time_solve_grpc(problem, address)
    from dispatch_service.config import ServerConfig
    from dispatch_service.server import DispatchServer

    server = DispatchServer(ServerConfig(address="127.0.0.1:0", workers=1))
    port = server.start()
    try:
        return _time_solve_grpc(problem, f"127.0.0.1:{port}")
    finally:
        server.stop(grace_s=1.0)


def _time_solve_in_process(problem: Problem) -> TimedSolve:
    from solver.solve import solve  # imported late: the solver is the expensive import

    model = problem.options.travel_model
    if not isinstance(model, GreatCircleModel):
        raise ValueError("the in-process path computes great-circle matrices only")
    provider = GreatCircleProvider(speed_kmh=model.speed_kmh, detour_factor=model.detour_factor)
    started = time.perf_counter()
    locations = Locations.of(problem)
    travel = provider.matrices(locations.lat_deg, locations.lng_deg)
    matrices = TravelMatrices(
        duration_s=travel.duration_s,
        distance_m=travel.distance_m,
        unroutable=frozenset(int(i) for i in np.flatnonzero(travel.unroutable)),
    )
    matrices_done = time.perf_counter()
    plan = solve(problem, matrices)
    finished = time.perf_counter()
    return TimedSolve(plan=plan, wall_s=finished - started, matrices_s=matrices_done - started, matrices=matrices)


def _time_solve_grpc(problem: Problem, address: str) -> TimedSolve:
    """Send ``problem`` to the dispatch service at ``address`` and time the round trip."""
    from dispatch_service import client
    from dispatch_service.convert import problem_to_request

    request = problem_to_request(problem)
    # The caller's deadline: the time limit plus room for matrices, transport and conversion.
    timeout_s = problem.options.time_limit_s * 1.5 + 60.0
    started = time.perf_counter()
    response = client.solve(address, request, timeout_s=timeout_s)
    wall_s = time.perf_counter() - started
    return TimedSolve(plan=_PlanView.of(response), wall_s=wall_s, matrices_s=0.0)


@dataclass(frozen=True)
class _StatsView:
    first_solution_s: float | None
    total_s: float
    objective: float
    status: SolveStatus


@dataclass(frozen=True)
class _PlanView:
    """The parts of a ``Plan`` the runner records, read from a SolveResponse."""

    stats: _StatsView
    unassigned: tuple[str, ...]
    routes: tuple

    @classmethod
    def of(cls, response) -> _PlanView:
        from dispatch_service.api.v1 import dispatch_pb2 as pb

        s = response.stats
        first = s.time_to_first_solution.ToTimedelta().total_seconds() if s.HasField("time_to_first_solution") else None
        stats = _StatsView(first, s.total_time.ToTimedelta().total_seconds(), s.objective, SolveStatus[pb.SolveStatus.Name(s.status)])
        return cls(stats, tuple(u.order_id for u in response.unassigned_orders), tuple(response.routes))

"""What every RPC does, behind the thin servicer (``server.py``): admit the request (one
function, the same order for every RPC), give it its budget, run it in a worker, and turn the
worker's outcome into a result or a failure (``failures``; ``errors`` maps them to status codes).

Admission, in the order the README promises:
1. counts from the list lengths (orders, engineers, scenarios, routes, states, ids): a request
   with too many is refused (INVALID_ARGUMENT at the list) before anything is converted;
2. the server's clock rule (``--reject-ended-shifts``), read from the request's shift times;
3. conversion (``convert``), validation (``solver.validation``) and the rules only the service
   can check (maps, territories, re-planning references): every violation in one answer;
4. for solves, the size of the OR-Tools model, estimated from orders × shifts
   (RESOURCE_EXHAUSTED naming the field and the limit).

The server process never imports OR-Tools or numba: solves, evaluation, insertion and large
matrices run in worker processes (``workers``; the task types are in ``tasks``).
"""

from __future__ import annotations

import hashlib
import logging
import math
import queue
import threading
import time
import uuid
from collections import OrderedDict
from collections.abc import Callable, Iterator
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, replace
from datetime import UTC, datetime
from typing import Any

import numpy as np

from dispatch_service import convert, errors, failures, travel
from dispatch_service.api.v1 import dispatch_pb2 as pb
from dispatch_service.config import ServerConfig, region_orders
from dispatch_service.jobs import JobRegistry
from dispatch_service.logging_setup import current_request_id
from dispatch_service.scenarios import (
    MAX_NOISE_SEEDS,
    MAX_SCENARIOS,
    apply_scenario,
    check_specs,
    kpi_delta,
    kpi_range,
    noise_seed_violations,
    plan_diff,
    scenario_violation_paths,
)
from dispatch_service.tasks import EvaluateTask, InsertionTask, Progress, SlotsTask, SolveTask
from dispatch_service.workers import Outcome, QueueFull, SolveAborted, SolverPool, WorkerOverrun
from solver import limits as L
from solver.errors import InvalidProblem, Violation
from solver.limits import Limits
from solver.model import GreatCircleModel, Plan, Problem, RoadNetworkModel
from solver.slots import MAX_GRID_SLOTS, grid_violations
from solver.validation import order_violations, replan_violations, validate

log = logging.getLogger("dispatch_service")

MIN_TIME_LIMIT_S = 0.05
DEFAULT_PAGE_SIZE, MAX_PAGE_SIZE = 100, 1000
MAX_CANDIDATES = 100
MAX_BOOKING_ORDERS = 100  # new orders per RecommendSlots call
DEFAULT_MAX_SLOTS = 10
MAX_MATRIX_POINTS = 5_000
MAX_MATRIX_PAIRS = 1_000_000
SMALL_MATRIX_PAIRS = 40_000  # answered in the server: cheaper than a trip to a worker
MAX_JOB_ID_LENGTH = 64  # job ids are 32 hex digits; anything longer names no job
SHOWN_ID_LENGTH = 40  # ids quoted in messages are cut to this
# OR-Tools keeps one node x node matrix per distinct vehicle kind (time per speed factor, arc
# cost per cost triple), and the Python lists that feed it cost ~36 bytes a cell while building.
_MODEL_BYTES_PER_CELL_AND_MATRIX = 8
_MODEL_BUILD_BYTES_PER_CELL = 36
_ADMIT_POLL_S = 0.02
SOLVE_SNAPSHOT_INTERVAL_S = 2.0  # a unary Solve's fallback plan, if the service must stop it
# Count limits allow this many entries beyond what a valid request can hold, so that small
# mistakes (a route listed twice) still get their exact field violation from validation.
COUNT_SLACK = 1000


@dataclass
class Call:
    """What the app needs from a call: whether it was cancelled, and its deadline."""

    cancelled: threading.Event
    deadline: float | None  # time.monotonic() value, None without one

    @property
    def remaining_s(self) -> float | None:
        return None if self.deadline is None else self.deadline - time.monotonic()


def shown(text: str) -> str:
    """An id as quoted in messages: never longer than ``SHOWN_ID_LENGTH`` characters."""
    return text if len(text) <= SHOWN_ID_LENGTH else text[: SHOWN_ID_LENGTH - 1] + "…"


class App:
    def __init__(self, config: ServerConfig, pool: SolverPool, quick: SolverPool) -> None:
        self.config = config
        self.pool = pool  # solves
        self.quick = quick  # evaluation, insertion, matrices: never behind a long solve
        self.limits = Limits(max_orders=config.max_orders, max_engineers=config.max_engineers)
        self.metrics: Any = None  # dispatch_service.metrics.Metrics when metrics are on
        self.jobs = JobRegistry(pool, errors.job_failure, retention_s=config.job_retention_s, db_path=config.jobs_db, clock=config.clock,
                                lease_s=config.jobs_lease_s)
        # Plans in force whose admission passed and whose timing the quick worker keeps:
        # digest -> (engineer ids, order ids), for repeated insertion questions.
        self._known_plans: OrderedDict[bytes, tuple[frozenset[str], frozenset[str]]] = OrderedDict()
        self._known_lock = threading.Lock()
        self.region_orders = region_orders(config)
        self.ray_address = config.ray_address  # the server sets it when it starts a local Ray runtime

    def close(self) -> None:
        """Records running jobs as FAILED; call before the pools close."""
        self.jobs.close()

    # -- admission ----------------------------------------------------------------------------
    def admit(self, request: pb.SolveRequest, prefix: str = "", solving: bool = True, limits: Limits | None = None) -> Problem:
        """The request as a valid problem; raises ``InvalidProblem`` naming every bad field (paths
        start with ``prefix``, e.g. ``problem.``) or, for a model too large, ``TooLarge``.
        ``limits``: the counts allowed (``SolveLarge`` allows more orders); the server's by default."""
        limits = limits or self.limits
        too_large = self.counts(request, prefix, limits)
        if too_large:
            raise InvalidProblem(too_large)  # from the list lengths, before anything is built
        violations: list[Violation] = []
        if self.config.reject_ended_shifts:
            violations += self._ended_shifts(request, prefix)
        problem, found = convert.request_to_problem(request, prefix=prefix)
        violations += found
        seen = {v.field for v in violations}
        violations += [Violation(prefix + v.field, v.description) for v in validate(problem, limits) if prefix + v.field not in seen]
        if not any(v.field in (prefix + "orders", prefix + "engineers") for v in violations):
            violations += service_violations(problem, travel.service(), prefix)
        if violations:
            raise InvalidProblem(violations)
        if solving:
            self._check_model_size(problem, prefix)
        return problem

    def counts(self, request: pb.SolveRequest, prefix: str = "", limits: Limits | None = None) -> list[Violation]:
        """Limits decided from list lengths alone (nothing converted yet)."""
        limits = limits or self.limits
        n = convert.request_sizes(request)
        out = []
        if n.orders > limits.max_orders:
            out.append(Violation(f"{prefix}orders", f"at most {limits.max_orders} orders are accepted, got {n.orders}"))
        if n.engineers > limits.max_engineers:
            out.append(Violation(f"{prefix}engineers", f"at most {limits.max_engineers} engineers are accepted, got {n.engineers}"))
        if out:
            return out
        if n.replan_states > n.engineers + COUNT_SLACK:
            out.append(Violation(f"{prefix}replan.engineer_states", f"at most {n.engineers + COUNT_SLACK} states are accepted (one per engineer, plus {COUNT_SLACK}), got {n.replan_states}"))
        elif n.committed_ids > n.orders + COUNT_SLACK:
            out.append(Violation(f"{prefix}replan.engineer_states", f"at most {n.orders + COUNT_SLACK} committed order ids are accepted (the request's orders, plus {COUNT_SLACK}), got {n.committed_ids}"))
        out += _route_counts((n.previous_routes, n.previous_route_ids), n, f"{prefix}replan.previous_routes")
        return out

    def _ended_shifts(self, request: pb.SolveRequest, prefix: str) -> list[Violation]:
        """Shifts whose end is before the server's clock (``--reject-ended-shifts``): such a plan
        could never be carried out, which usually means a time-zone or date bug."""
        now_s = self.config.clock()
        now_text = datetime.fromtimestamp(int(now_s), tz=UTC).strftime("%Y-%m-%dT%H:%M:%SZ")
        return [
            Violation(f"{prefix}engineers[{i}].shifts[{k}].end_time", f"ended before the server's current time ({now_text})")
            for i, k, end_s in convert.shift_end_times(request) if end_s < now_s
        ]

    def _check_model_size(self, problem: Problem, prefix: str = "") -> None:
        """Refuses a solve whose OR-Tools model would not fit the configured memory."""
        limit_mb = self.config.max_model_mb
        if not limit_mb:
            return
        estimate_mb = model_size_mb(problem)
        n = len(problem.orders)
        if 0 < self.region_orders < n and problem.replan is None:
            # Split into regions: the largest model is a pair of regions in a seam round, with
            # about their share of the shifts (regions are balanced; dispatch_service/regions.py).
            estimate_mb *= min(1.0, 2.0 * self.region_orders / n) ** 2
        if estimate_mb > limit_mb:
            shifts = sum(len(e.shifts) for e in problem.engineers)
            raise failures.TooLarge([Violation(
                f"{prefix}engineers",
                f"{len(problem.orders)} orders and {shifts} shifts make a model of about {estimate_mb:,.0f} MiB, "
                f"more than the {limit_mb:,.0f} MiB allowed (--max-model-mb); send fewer shifts or engineers",
            )])

    # -- budget and running -------------------------------------------------------------------
    def solve_task(self, problem: Problem, limits: Limits | None = None, **kwargs) -> SolveTask:
        """A solve for a worker, with the configured back-end for requests split into regions;
        ``limits``: the request's size limits (default the server's; large requests have theirs)."""
        return SolveTask(problem, self.limits if limits is None else limits, region_orders=self.region_orders,
                         backend=self.config.backend, ray_address=self.ray_address, **kwargs)

    def budget(self, problem: Problem, call: Call, started: float, share: float = 1.0) -> Problem:
        """The problem with its time limit cut to the caller's budget: what admission used, and
        the call's deadline (Python gRPC does not propagate deadlines), less a margin."""
        limit_s = problem.options.time_limit_s - (time.perf_counter() - started)
        remaining = call.remaining_s
        if remaining is not None:
            limit_s = min(limit_s, remaining * share - self.config.deadline_margin_s)
        limit_s = max(MIN_TIME_LIMIT_S, limit_s)
        return replace(problem, options=replace(problem.options, time_limit_s=limit_s))

    def run_limit_s(self, time_limit_s: float) -> float:
        """How long a worker may take over a task with this time limit before the service
        stops it, whatever OR-Tools or the kernel do (they can overrun in their first phase)."""
        return time_limit_s * (1.0 + self.config.time_limit_overrun_share) + self.config.time_limit_overrun_s

    def run(self, pool: SolverPool, task, call: Call, *, admitted: bool = False, on_progress=None,
            time_limit_s: float | None = None, aborted: Callable[[], bool] | None = None) -> Outcome:
        """Runs ``task`` in ``pool``; pool and worker failures become ``failures``."""
        aborted = aborted or call.cancelled.is_set
        # Tasks without a time limit of their own (evaluation, insertion, matrices) get the
        # configured bound: no task holds a worker forever.
        run_limit_s = self.config.quick_run_limit_s if time_limit_s is None else self.run_limit_s(time_limit_s)
        try:
            return pool.run(task, aborted=aborted, deadline=call.deadline, on_progress=on_progress, admitted=admitted,
                            run_limit_s=run_limit_s or None)
        except QueueFull as exc:
            raise failures.Busy(str(exc)) from None
        except SolveAborted as exc:
            raise self._aborted(call, exc) from None

    def _aborted(self, call: Call, exc: SolveAborted) -> Exception:
        if call.cancelled.is_set():
            return failures.Cancelled(str(exc))
        if call.deadline is not None and time.monotonic() >= call.deadline - 0.05:
            return failures.DeadlineExceeded(str(exc))
        return failures.Unavailable(str(exc))

    # -- Solve ----------------------------------------------------------------------------------
    def solve(self, request: pb.SolveRequest, call: Call, limits: Limits | None = None) -> pb.SolveResponse:
        started = time.perf_counter()
        limits = limits or self.limits
        problem = self.admit(request, solving=not request.validate_only, limits=limits)
        if request.validate_only:
            return convert.validated_response(request.label)
        return self.solve_admitted(problem, call, started, limits)

    def solve_admitted(self, problem: Problem, call: Call, started: float, limits: Limits) -> pb.SolveResponse:
        """``Solve`` after admission (``started``: when the call's budget began)."""
        problem = self.budget(problem, call, started)
        limit_s = problem.options.time_limit_s
        best: list[Plan] = []  # the latest snapshot: the answer if the service must stop the search

        def keep(p: Progress) -> None:
            if p.plan is not None:
                best[:] = [p.plan]

        solve_started = time.perf_counter()
        # Snapshots only as a fallback here (nobody watches a unary call): seldom, so building
        # them costs the search little.
        task = self.solve_task(problem, limits, progress=True, progress_plans=True, progress_interval_s=SOLVE_SNAPSHOT_INTERVAL_S)
        try:
            plan = result(self.run(self.pool, task, call, on_progress=keep, time_limit_s=limit_s))
        except WorkerOverrun as exc:
            if exc.kind != "time" or not best:
                raise
            log.warning("request %s: stopped by the service at its time limit; answering with the best plan so far", current_request_id())
            plan = best[0]
        if self.metrics is not None:
            self.metrics.solve_seconds.observe(time.perf_counter() - solve_started)
        log.info(
            "request %s: %d orders, %d engineers, %s, %d served, %.3f s", current_request_id(), len(problem.orders), len(problem.engineers),
            plan.stats.status.value, plan.kpis.orders_served, time.perf_counter() - started,
        )
        return convert.plan_to_response(plan, limit_s)

    # -- SolveStream ----------------------------------------------------------------------------
    def solve_stream(self, request: pb.SolveRequest, call: Call) -> Iterator[pb.SolveProgress]:
        started = time.perf_counter()
        problem = self.admit(request, solving=not request.validate_only)
        if request.validate_only:
            yield convert.validated_progress(request.label)
            return
        problem = self.budget(problem, call, started)
        limit_s = problem.options.time_limit_s
        self._admit(self.pool)
        events: queue.Queue = queue.Queue()
        task = self.solve_task(problem, progress=True, progress_plans=True)

        def run() -> None:
            try:
                events.put(("outcome", self.run(self.pool, task, call, admitted=True, on_progress=events.put, time_limit_s=limit_s)))
            except BaseException as exc:
                events.put(("error", exc))

        threading.Thread(target=run, name="solve-stream", daemon=True).start()
        best: Plan | None = None
        while True:
            item = events.get()
            if isinstance(item, Progress):
                if item.plan is not None:
                    best = item.plan
                if item.solutions and not call.cancelled.is_set():
                    yield convert.progress_to_pb(item, problem.label, limit_s)
                continue
            kind, value = item
            if kind == "error":
                if isinstance(value, WorkerOverrun) and value.kind == "time" and best is not None:
                    yield convert.final_to_pb(best, limit_s)
                    return
                raise value
            yield convert.final_to_pb(result(value), limit_s)
            return

    def _admit(self, pool: SolverPool) -> None:
        try:
            pool.admit()
        except QueueFull as exc:
            raise failures.Busy(str(exc)) from None
        except SolveAborted as exc:
            raise failures.Unavailable(str(exc)) from None

    # -- jobs -----------------------------------------------------------------------------------
    def start_solve(self, request: pb.SolveRequest, call: Call) -> pb.SolveJob:
        problem = self.admit(request, solving=not request.validate_only)
        if request.validate_only:
            return convert.validated_job(uuid.uuid4().hex, problem.label, self.config.clock(), len(problem.orders), len(problem.engineers))
        limit_s = problem.options.time_limit_s
        task = self.solve_task(problem, progress=True, progress_plans=True)

        def work(cancelled, progress) -> Plan:
            try:
                return result(self.pool.run(task, aborted=cancelled, on_progress=progress, admitted=True,
                                            run_limit_s=self.run_limit_s(limit_s)))
            except SolveAborted:
                if cancelled():
                    raise
                raise failures.Unavailable("the server stopped the solve") from None

        def finish(job, plan: Plan) -> None:
            job.plan = convert.plan_bytes(plan, limit_s)
            job.solutions = plan.stats.solutions_found

        def on_progress(job, p: Progress) -> None:
            job.solutions = max(job.solutions, p.solutions)
            if p.plan is not None:
                job.plan = convert.plan_bytes(p.plan, limit_s)

        try:
            job = self.jobs.start(problem.label, len(problem.orders), len(problem.engineers), work, finish, on_progress)
        except QueueFull as exc:
            raise failures.Busy(str(exc)) from None
        except SolveAborted as exc:
            raise failures.Unavailable(str(exc)) from None
        log.info("job %s started: %d orders, %d engineers", job.job_id, len(problem.orders), len(problem.engineers))
        return convert.job_to_pb(job.snapshot())

    def _job(self, job_id: str, find: Callable[[str], object]):
        if not job_id:
            raise InvalidProblem([Violation("job_id", "is required")])
        job = find(job_id) if len(job_id) <= MAX_JOB_ID_LENGTH else None
        if job is None:
            raise failures.NotFound(f"no job '{shown(job_id)}' (unknown, or expired after the retention time)")
        return job

    def get_solve(self, request: pb.GetSolveRequest, call: Call) -> pb.SolveJob:
        return convert.job_to_pb(self._job(request.job_id, self.jobs.get))

    def cancel_solve(self, request: pb.CancelSolveRequest, call: Call) -> pb.SolveJob:
        wait_s = self.pool.grace_s + 5.0  # a search that does not stop is killed after grace_s
        return convert.job_to_pb(self._job(request.job_id, lambda job_id: self.jobs.cancel(job_id, wait_s)))

    def list_solves(self, request: pb.ListSolvesRequest, call: Call) -> pb.ListSolvesResponse:
        size = request.page_size or DEFAULT_PAGE_SIZE
        if not 0 < size <= MAX_PAGE_SIZE:
            raise InvalidProblem([Violation("page_size", f"must be in [0, {MAX_PAGE_SIZE}], got {request.page_size}")])
        return convert.jobs_to_pb(self.jobs.list(size))

    # -- what-if --------------------------------------------------------------------------------
    def compare(self, request: pb.CompareScenariosRequest, call: Call) -> pb.CompareScenariosResponse:
        started = time.perf_counter()
        if not request.HasField("base"):
            raise InvalidProblem([Violation("base", "is required")])
        too_large = self.counts(request.base, "base.") + self._scenario_counts(request)
        if too_large:
            raise InvalidProblem(too_large)  # from the list lengths, before anything is built
        base = self.admit(request.base, prefix="base.")
        specs, violations = [], []
        for k, msg in enumerate(request.scenarios):
            spec, found = convert.scenario_from_pb(msg, f"scenarios[{k}]")
            specs.append(spec)
            violations += found
        violations += check_specs(specs, base)
        violations += noise_seed_violations(list(request.noise_seeds), base.options.random_seed)
        if violations:
            raise InvalidProblem(violations)
        variants = [apply_scenario(base, s) for s in specs]
        for k, sp in enumerate(variants):
            violations += scenario_violation_paths(sp, validate(sp.problem, self.limits), f"scenarios[{k}]")
        if violations:
            raise InvalidProblem(violations)
        problems = [base] + [sp.problem for sp in variants]
        for k, p in enumerate(problems[1:]):
            self._check_model_size(p, f"scenarios[{k}].")
        # Noise: every problem solved again with each noise seed. The scenarios were built with
        # the base's seed above, so only the search differs between the repeats.
        seeds = list(request.noise_seeds)
        runs = problems + [replace(p, options=replace(p.options, random_seed=seed)) for seed in seeds for p in problems]
        slots = max(1, min(len(runs), self.pool.size))
        # The solves run in rounds of `slots`: each round gets its share of the call's budget.
        share = 1.0 / math.ceil(len(runs) / slots)
        runs = [self.budget(p, call, started, share) for p in runs]
        limit_s = runs[0].options.time_limit_s
        # Each worker computes its own scenario's matrices: the server never holds them, and
        # memory grows with each scenario's size, not with the square of their union.
        solved = self._run_all(runs, slots, call)
        n = len(problems)
        plans = solved[:n]
        noises = [kpi_range(solved[i::n]) for i in range(n)] if seeds else None
        base_plan = plans[0]
        names = ["base"] + [s.name for s in specs]
        return convert.comparison_to_pb(
            names, plans, [kpi_delta(base_plan, p) for p in plans], [plan_diff(base_plan, p) for p in plans], limit_s,
            request.include_plans, noises,
        )

    def _scenario_counts(self, request: pb.CompareScenariosRequest) -> list[Violation]:
        if len(request.scenarios) > MAX_SCENARIOS:
            return [Violation("scenarios", f"at most {MAX_SCENARIOS} scenarios are accepted, got {len(request.scenarios)}")]
        if len(request.noise_seeds) > MAX_NOISE_SEEDS:
            return [Violation("noise_seeds", f"at most {MAX_NOISE_SEEDS} noise seeds are accepted, got {len(request.noise_seeds)}")]
        base = convert.request_sizes(request.base)
        limits = {"add_orders": self.limits.max_orders, "add_engineers": self.limits.max_engineers,
                  "remove_order_ids": base.orders, "remove_engineer_ids": base.engineers}
        return [
            Violation(f"scenarios[{k}].{field}", f"at most {limits[field]} entries are accepted, got {n}")
            for k, sizes in enumerate(convert.scenario_sizes(request)) for field, n in sizes.items() if n > limits[field]
        ]

    def _run_all(self, problems: list[Problem], slots: int, call: Call) -> list[Plan]:
        """Solves every problem in the pool, at most ``slots`` at a time. The first admission
        failing means RESOURCE_EXHAUSTED; later ones wait for room (other callers' solves)."""
        admitted = 0
        try:
            for _ in range(slots):
                self.pool.admit()
                admitted += 1
        except QueueFull as exc:
            if not admitted:
                raise failures.Busy(str(exc)) from None
        slots, pending = admitted, list(range(len(problems)))
        lock = threading.Lock()
        plans: list[Plan | None] = [None] * len(problems)
        failed: list[BaseException] = []

        def stop() -> bool:
            return call.cancelled.is_set() or bool(failed)

        def admit_again() -> bool:
            while True:
                if stop() or (call.deadline is not None and time.monotonic() >= call.deadline):
                    return False
                try:
                    self.pool.admit()
                    return True
                except QueueFull:
                    call.cancelled.wait(_ADMIT_POLL_S)

        def lane() -> None:
            holding = True  # one admission taken above for this lane
            while True:
                with lock:
                    if not pending or failed:
                        break
                    i = pending.pop(0)
                if not holding and not admit_again():
                    with lock:
                        failed.append(self._aborted(call, SolveAborted("gave up waiting for a solver worker")))
                    return
                holding = False
                try:
                    task = self.solve_task(problems[i])
                    plans[i] = result(self.run(self.pool, task, call, admitted=True, aborted=stop,
                                               time_limit_s=problems[i].options.time_limit_s))
                except BaseException as exc:
                    with lock:
                        failed.append(exc)
                    return
            if holding:  # admitted but nothing left to run
                self.pool.release()

        with ThreadPoolExecutor(max_workers=slots, thread_name_prefix="whatif") as lanes:
            for f in [lanes.submit(lane) for _ in range(slots)]:
                f.result()
        if failed:
            raise failed[0]
        return plans  # type: ignore[return-value]

    # -- evaluation and insertion ---------------------------------------------------------------
    def evaluate(self, request: pb.EvaluatePlanRequest, call: Call) -> pb.EvaluatePlanResponse:
        too_large = self.counts(request.problem, "problem.") + _route_counts(convert.route_sizes(request.routes), convert.request_sizes(request.problem), "routes")
        if too_large:
            raise InvalidProblem(too_large)  # from the list lengths, before anything is built
        problem = replace(self.admit(request.problem, prefix="problem.", solving=False), replan=None)  # checked as it is
        task = EvaluateTask(problem, convert.planned_routes_from_pb(request.routes))
        return convert.evaluation_to_response(result(self.run(self.quick, task, call), "evaluation"))

    def _plan_in_force(self, request) -> tuple[bytes, Problem | None, tuple | None, tuple[frozenset[str], frozenset[str]]]:
        """(key, problem, routes, (engineer ids, order ids)) of the plan a question is about.

        A plan asked about before (same bytes) passed admission then: problem and routes are
        None and only the new orders are checked and sent, so repeated questions cost
        milliseconds (the quick worker keeps the plan timed under its key)."""
        digest = hashlib.blake2b(digest_size=16)
        digest.update(request.problem.SerializeToString(deterministic=True))
        for route in request.current_routes:
            digest.update(route.SerializeToString(deterministic=True))
        key = digest.digest()
        with self._known_lock:
            known = self._known_plans.get(key)
            if known is not None:
                self._known_plans.move_to_end(key)
        problem = routes = None
        if known is None:  # converted, checked and timed once per plan (in the quick worker)
            too_large = self.counts(request.problem, "problem.") + _route_counts(convert.route_sizes(request.current_routes), convert.request_sizes(request.problem), "current_routes")
            if too_large:
                raise InvalidProblem(too_large)  # from the list lengths, before anything is built
            problem = replace(self.admit(request.problem, prefix="problem.", solving=False), replan=None)
            routes = convert.planned_routes_from_pb(request.current_routes)
            known = (frozenset(e.id for e in problem.engineers), frozenset(o.id for o in problem.orders))
        return key, problem, routes, known

    def _remember_plan(self, key: bytes, known: tuple[frozenset[str], frozenset[str]]) -> None:
        with self._known_lock:
            self._known_plans[key] = known
            while len(self._known_plans) > self.config.plan_cache_entries:
                self._known_plans.popitem(last=False)

    def recommend(self, request: pb.RecommendInsertionRequest, call: Call) -> pb.RecommendInsertionResponse:
        key, problem, routes, known = self._plan_in_force(request)
        new, violations = convert.order_from_pb(request.order, "order")
        if not request.HasField("order"):
            violations.append(Violation("order", "is required"))
        violations += order_violations(new, "order", set(known[0]), self.limits)
        if new.id in known[1]:
            violations.append(Violation("order.id", f"duplicates the id of an order of the plan ('{shown(new.id)}')"))
        if not 0 <= request.max_candidates <= MAX_CANDIDATES:
            violations.append(Violation("max_candidates", f"must be in [0, {MAX_CANDIDATES}], got {request.max_candidates}"))
        if violations:
            raise InvalidProblem(violations)
        max_candidates = request.max_candidates or 5
        outcome = self.run(self.quick, InsertionTask(key, problem, routes, new, max_candidates), call)
        if outcome.kind == "plan_state_missing":  # the worker was replaced meanwhile
            problem = replace(self.admit(request.problem, prefix="problem.", solving=False), replan=None)
            routes = convert.planned_routes_from_pb(request.current_routes)
            outcome = self.run(self.quick, InsertionTask(key, problem, routes, new, max_candidates), call)
        candidates, reason = result(outcome, "candidates")
        self._remember_plan(key, known)
        return convert.candidates_to_response(candidates, reason)

    def slots(self, request: pb.RecommendSlotsRequest, call: Call) -> pb.RecommendSlotsResponse:
        """Visit slots for each new order against the plan in force (``solver.booking``);
        with ``reserve``, each order's best slot is booked into the plan the next order sees."""
        violations: list[Violation] = []
        grid, wire = convert.slot_grid_from_pb(request.slot_grid, "slot_grid")
        if not request.HasField("slot_grid"):
            violations.append(Violation("slot_grid", "is required"))
        else:
            violations += wire or grid_violations(grid, "slot_grid")
        if not 0 <= request.max_slots <= MAX_GRID_SLOTS:
            violations.append(Violation("max_slots", f"must be in [0, {MAX_GRID_SLOTS}], got {request.max_slots}"))
        if not 1 <= len(request.orders) <= MAX_BOOKING_ORDERS:
            violations.append(Violation("orders", f"must hold 1 to {MAX_BOOKING_ORDERS} new orders, got {len(request.orders)}"))
        if not 1 <= len(request.orders) <= MAX_BOOKING_ORDERS:
            raise InvalidProblem(violations)
        too_large = self.counts(request.problem, "problem.")
        if too_large:
            raise InvalidProblem(violations + too_large)  # from the list lengths, before anything is built
        # The new orders are checked against the request's ids before the plan is converted,
        # so a bad grid and bad orders come back together, before any work.
        engineer_ids = {e.id for e in request.problem.engineers}
        plan_order_ids = {o.id for o in request.problem.orders}
        orders: list = []
        seen: dict[str, int] = {}
        for k, msg in enumerate(request.orders):
            path = f"orders[{k}]"
            new, wire = convert.order_from_pb(msg, path)
            violations += wire + order_violations(new, path, engineer_ids, self.limits)
            if new.time_windows:
                violations.append(Violation(f"{path}.time_windows", "must be empty: the slots offered are the order's windows"))
            if new.id in plan_order_ids:
                violations.append(Violation(f"{path}.id", f"duplicates the id of an order of the plan ('{shown(new.id)}')"))
            elif new.id in seen:
                violations.append(Violation(f"{path}.id", f"duplicates the id of orders[{seen[new.id]}] ('{shown(new.id)}')"))
            seen.setdefault(new.id, k)
            orders.append(new)
        if violations:
            raise InvalidProblem(violations)
        key, problem, routes, known = self._plan_in_force(request)
        outcome = self.run(self.quick, SlotsTask(key, problem, routes, tuple(orders), grid, request.reserve), call)
        if outcome.kind == "plan_state_missing":  # the worker was replaced meanwhile
            problem = replace(self.admit(request.problem, prefix="problem.", solving=False), replan=None)
            routes = convert.planned_routes_from_pb(request.current_routes)
            outcome = self.run(self.quick, SlotsTask(key, problem, routes, tuple(orders), grid, request.reserve), call)
        answers, booked_routes = result(outcome, "slots")
        self._remember_plan(key, known)
        out = pb.RecommendSlotsResponse()
        for new, (offers, best) in zip(orders, answers):
            out.orders.append(convert.order_slots_to_pb(new.id, offers, request.max_slots or DEFAULT_MAX_SLOTS, best))
        if booked_routes is not None:
            out.routes.extend(convert.planned_routes_to_pb(booked_routes))
        return out

    # -- geo ------------------------------------------------------------------------------------
    def compute_matrix(self, request: pb.ComputeMatrixRequest, call: Call) -> pb.ComputeMatrixResponse:
        n_o, n_d = len(request.origins), len(request.destinations)
        if n_o > MAX_MATRIX_POINTS or n_d > MAX_MATRIX_POINTS:
            field = "origins" if n_o > MAX_MATRIX_POINTS else "destinations"
            raise InvalidProblem([Violation(field, f"at most {MAX_MATRIX_POINTS} points are accepted")])
        if n_o * n_d > MAX_MATRIX_PAIRS:
            raise InvalidProblem([Violation("destinations", f"origins × destinations must be at most {MAX_MATRIX_PAIRS:,} pairs, got {n_o * n_d:,}")])
        task, violations = convert.matrix_task_from_pb(request)
        violations += travel_model_violations(task.model, "travel_model")
        if violations:
            raise InvalidProblem(violations)
        if n_o * n_d <= SMALL_MATRIX_PAIRS and isinstance(task.model, GreatCircleModel):
            found = travel.service().rectangle(task.model, task.origin_lat_deg, task.origin_lng_deg, task.destination_lat_deg, task.destination_lng_deg)
        else:
            found = result(self.run(self.quick, task, call), "matrix")
        return convert.matrix_to_response(found, n_o)

    def estimate_arrival(self, request: pb.EstimateArrivalRequest, call: Call) -> pb.EstimateArrivalResponse:
        query, violations = convert.arrival_query_from_pb(request, int(self.config.clock()))
        violations += travel_model_violations(query.travel_model, "travel_model")
        if violations:
            raise InvalidProblem(violations)
        a, b = query.origin, query.destination
        service = travel.service()
        found = service.points(query.travel_model, np.array([a.lat, b.lat]), np.array([a.lng, b.lng]))
        if found.unroutable.any():
            return convert.arrival_to_response(False)
        duration_s = math.ceil(int(found.duration_s[0, 1]) / query.speed_factor)
        geometry = ""
        if query.geometry_format is not None and query.geometry_format.value != "none":
            geometry = service.leg_geometry(query.travel_model, query.geometry_format, a, b)
        return convert.arrival_to_response(True, query.departure_s, duration_s, int(found.distance_m[0, 1]), geometry)

    @staticmethod
    def value(outcome: Outcome, kind: str):
        """``result`` for modules that extend the app (they do not import it back)."""
        return result(outcome, kind)

    def solve_large(self, chunks: Iterator[pb.SolveLargeRequest], call: Call) -> Iterator[pb.SolveLargeResponse]:
        """SolveLarge: the request collected from its chunks, then ``Solve``'s path (``large_rpc``)."""
        from dispatch_service.large_rpc import solve_large

        return solve_large(self, chunks, call)

    def analyze_history(self, requests: Iterator[pb.AnalyzeHistoryRequest], call: Call) -> pb.AnalyzeHistoryResponse:
        """AnalyzeHistory: the stream's records analysed in a solver worker (``analytics_rpc``)."""
        from dispatch_service.analytics_rpc import analyze_history

        return analyze_history(self, requests, call)


# ---------------------------------------------------------------------------------------------


def result(outcome: Outcome, kind: str = "plan"):
    """The value of a worker's outcome, or the failure it stands for (the one place)."""
    if outcome.kind == kind:
        return outcome.value
    if outcome.kind == "invalid":
        raise InvalidProblem(list(outcome.value))
    raise failures.SolverFailed(f"worker answered {outcome.kind!r}:\n{outcome.value}")


def model_size_mb(problem: Problem) -> float:
    """Memory of the OR-Tools model for ``problem``, roughly: a node per order and two per shift
    (start and end), one matrix per speed factor and one per cost kind, plus the lists that
    build them. Measured: 5 orders x 32,000 shifts grew a worker past 18 GB."""
    shifts = sum(len(e.shifts) for e in problem.engineers)
    nodes = len(problem.orders) + 2 * shifts
    speeds = {e.speed_factor for e in problem.engineers}
    costs = {(e.speed_factor, e.cost_per_traveled_hour, e.cost_per_km) for e in problem.engineers}
    cells = float(nodes) * nodes
    return cells * (_MODEL_BYTES_PER_CELL_AND_MATRIX * (len(speeds) + len(costs)) + _MODEL_BUILD_BYTES_PER_CELL) / 2**20


def service_violations(problem: Problem, service: travel.TravelService, prefix: str = "") -> list[Violation]:
    """Rules only the service can check: maps it has loaded, territory shapes; and the re-planning
    state in full (``solver.validation.replan_violations``, which loads no compiled code)."""
    out = travel_model_violations(problem.options.travel_model, f"{prefix}options.travel_model", ranges=False, service=service)
    out += [Violation(prefix + f, d) for f, d in travel.territory_violations(problem)]
    out += [Violation(prefix + v.field, v.description) for v in replan_violations(problem)]
    return out


def travel_model_violations(model, path: str, ranges: bool = True, service: travel.TravelService | None = None) -> list[Violation]:
    """A travel model's ranges (checked by validation inside a problem) and the maps it names."""
    out = []
    if ranges and isinstance(model, GreatCircleModel):
        if not (math.isfinite(model.speed_kmh) and L.MIN_SPEED_KMH <= model.speed_kmh <= L.MAX_SPEED_KMH):
            out.append(Violation(f"{path}.great_circle.speed_kmh", f"must be in [1, 200] km/h, got {model.speed_kmh}"))
        if not (math.isfinite(model.detour_factor) and L.MIN_DETOUR <= model.detour_factor <= L.MAX_DETOUR):
            out.append(Violation(f"{path}.great_circle.detour_factor", f"must be in [1, 3], got {model.detour_factor}"))
    if isinstance(model, RoadNetworkModel):
        maps = (service or travel.service()).maps
        if model.map_id not in maps:
            known = ", ".join(sorted(maps)) or "none are loaded"
            out.append(Violation(f"{path}.road_network.map_id", f"names no map of this server ('{shown(model.map_id)}'; known: {known})"))
        if not (math.isfinite(model.max_snap_distance_m) and 1.0 <= model.max_snap_distance_m <= 100_000.0):
            out.append(Violation(f"{path}.road_network.max_snap_distance_meters", f"must be in [1, 100000], got {model.max_snap_distance_m}"))
    return out


def _route_counts(routes: tuple[int, int], sizes: convert.Sizes, path: str) -> list[Violation]:
    """A plan's routes, from list lengths: about one per shift, each order about once."""
    n_routes, n_ids = routes
    limit = sizes.shifts + COUNT_SLACK
    if n_routes > limit:
        return [Violation(path, f"at most {limit} routes are accepted (one per shift, plus {COUNT_SLACK}), got {n_routes}")]
    id_limit = sizes.orders + COUNT_SLACK
    if n_ids > id_limit:
        return [Violation(path, f"at most {id_limit} order ids are accepted (the request's orders, plus {COUNT_SLACK}), got {n_ids}")]
    return []

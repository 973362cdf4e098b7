"""The intraday RPCs: streamed solves, solve jobs, what-if scenarios, plan evaluation and
insertion recommendations. ``DispatchServicer`` (server.py) inherits ``RealtimeServicerMixin``,
which uses its ``config``, ``pool`` and ``limits``.
"""

from __future__ import annotations

import functools
import logging
import math
import queue
import threading
import time
import uuid
from concurrent.futures import ThreadPoolExecutor
from dataclasses import replace

import grpc

from dispatch_service import convert, convert_realtime, errors
from dispatch_service.api.v1 import dispatch_pb2 as pb
from dispatch_service.jobs import FAILED, JobRegistry, failure
from dispatch_service.scenarios import (
    apply_scenario,
    check_specs,
    kpi_delta,
    plan_diff,
    scenario_violation_paths,
    shared_matrices,
)
from dispatch_service.worker_task import Progress, SolveTask, SolveWithMatricesTask
from dispatch_service.worker_task import _prepare_replan as prepare_replan
from dispatch_service.workers import QueueFull, SolveAborted, WorkerFailed
from solver.errors import InvalidProblem, Violation
from solver.model import Plan, Problem, TravelMatrices
from solver.validation import validate

log = logging.getLogger("dispatch_service")

MIN_TIME_LIMIT_S = 0.05
RETRY_AFTER_MS = "1000"
DEFAULT_PAGE_SIZE, MAX_PAGE_SIZE = 100, 1000
_ADMIT_POLL_S = 0.02


class RpcAbort(Exception):
    def __init__(self, code: grpc.StatusCode = grpc.StatusCode.INTERNAL, message: str = "", status: grpc.Status | None = None,
                 trailers: tuple[tuple[str, str], ...] = ()) -> None:
        super().__init__(message)
        self.code, self.message, self.status, self.trailers = code, message, status, trailers


def _invalid(violations: list[Violation]) -> RpcAbort:
    return RpcAbort(status=errors.invalid_argument(violations))


def _queue_full(depth: int) -> RpcAbort:
    return RpcAbort(grpc.StatusCode.RESOURCE_EXHAUSTED, f"the solve queue is full ({depth} solves admitted); retry later",
                    trailers=(("retry-after-ms", RETRY_AFTER_MS),))


def _request_id() -> str:
    try:
        from dispatch_service.logging_setup import current_request_id

        return current_request_id() or uuid.uuid4().hex[:16]
    except ImportError:  # pragma: no cover - older servers without request ids
        return uuid.uuid4().hex[:16]


def _end(context: grpc.ServicerContext, abort: RpcAbort, request_id: str):
    if abort.trailers:
        context.set_trailing_metadata((("request-id", request_id), *abort.trailers))
    if abort.status is not None:
        context.abort_with_status(abort.status)
    context.abort(abort.code, abort.message)


def _unary(method):
    @functools.wraps(method)
    def handler(self, request, context):
        request_id = _request_id()
        try:
            return method(self, request, context)
        except RpcAbort as abort:
            _end(context, abort, request_id)
        except Exception:
            log.exception("request %s: unexpected error in %s", request_id, method.__name__)
            context.abort(grpc.StatusCode.INTERNAL, f"internal error (request id {request_id})")

    return handler


def _streaming(method):
    @functools.wraps(method)
    def handler(self, request, context):
        request_id = _request_id()
        try:
            yield from method(self, request, context)
        except RpcAbort as abort:
            _end(context, abort, request_id)
        except Exception:
            log.exception("request %s: unexpected error in %s", request_id, method.__name__)
            context.abort(grpc.StatusCode.INTERNAL, f"internal error (request id {request_id})")

    return handler


def _outcome_plan(outcome) -> Plan:
    """The plan of a worker outcome, or the RpcAbort its failure maps to."""
    if outcome.kind == "invalid":
        raise _invalid(list(outcome.value))
    if outcome.kind != "plan":
        log.error("solver error\n%s", outcome.value)
        raise RpcAbort(grpc.StatusCode.INTERNAL, f"the solver failed (request id {_request_id()})")
    return outcome.value


class RealtimeServicerMixin:
    # Provided by DispatchServicer.
    config: object
    pool: object
    limits: object

    def init_realtime(self) -> None:
        self.jobs = JobRegistry(
            self.pool,
            retention_s=getattr(self.config, "job_retention_s", 24 * 3600.0),
            db_path=getattr(self.config, "jobs_db", None),
            clock=self.config.clock,
        )

    def close_realtime(self) -> None:
        """Records running jobs as FAILED; call before the solver pool closes."""
        jobs = getattr(self, "jobs", None)
        if jobs is not None:
            jobs.close()

    # -- shared steps ---------------------------------------------------------------------------
    def _rt_problem(self, request: pb.SolveRequest, prefix: str = "") -> Problem:
        """The request as a valid problem, or RpcAbort(INVALID_ARGUMENT) naming every bad field."""
        violations: list[Violation] = []
        try:
            from dispatch_service import admission
        except ImportError:  # pragma: no cover
            admission = None
        if admission is not None:
            violations = admission.oversize(request, self.limits)
        if not violations:
            problem, violations = convert.request_to_problem(request)
            seen = {v.field for v in violations}
            violations += [v for v in validate(problem, self.limits) if v.field not in seen]
            if admission is not None and getattr(self.config, "reject_ended_shifts", False):
                violations += admission.ended_shifts(request, self.config.clock())
            try:  # maps, territories and re-planning references: checked as for Solve
                from dispatch_service import travel
                from dispatch_service.planning import service_violations
            except ImportError:  # pragma: no cover
                service_violations = None
            if service_violations is not None:
                violations += service_violations(problem, travel.service())
        if violations:
            raise _invalid([Violation(prefix + v.field, v.description) for v in violations])
        return problem

    def _rt_deadline(self, context: grpc.ServicerContext) -> tuple[float | None, float | None]:
        """(seconds the search may use before the call's deadline, the deadline as monotonic)."""
        remaining = context.time_remaining()
        if remaining is None:
            return None, None
        return remaining - getattr(self.config, "deadline_margin_s", 0.25), time.monotonic() + remaining

    @staticmethod
    def _with_limit(problem: Problem, limit_s: float | None) -> Problem:
        if limit_s is None:
            return problem
        limit = max(MIN_TIME_LIMIT_S, min(problem.options.time_limit_s, limit_s))
        return replace(problem, options=replace(problem.options, time_limit_s=limit))

    @staticmethod
    def _validated(label: str) -> pb.SolveResponse:
        response = pb.SolveResponse(label=label)
        response.stats.status = pb.VALIDATED
        return response

    # -- SolveStream ----------------------------------------------------------------------------
    @_streaming
    def SolveStream(self, request: pb.SolveRequest, context: grpc.ServicerContext):
        problem = self._rt_problem(request)
        if request.validate_only:
            yield pb.SolveProgress(plan=self._validated(request.label), final=True)
            return
        budget, deadline = self._rt_deadline(context)
        problem = self._with_limit(problem, budget)
        limit_s = problem.options.time_limit_s
        try:
            self.pool.admit()
        except QueueFull:
            raise _queue_full(self.pool.depth) from None
        except SolveAborted as exc:
            raise RpcAbort(grpc.StatusCode.UNAVAILABLE, str(exc)) from None
        done = threading.Event()
        context.add_callback(done.set)
        events: queue.Queue = queue.Queue()
        task = SolveTask(problem, self.limits, progress=True, progress_plans=True)

        def run() -> None:
            try:
                events.put(("outcome", self.pool.run(task, aborted=done.is_set, deadline=deadline, on_progress=events.put, admitted=True)))
            except BaseException as exc:  # noqa: BLE001 - handed to the handler thread
                events.put(("error", exc))

        threading.Thread(target=run, name="solve-stream", daemon=True).start()
        while True:
            item = events.get()
            if isinstance(item, Progress):
                if item.solutions and not done.is_set():
                    yield convert_realtime.progress_to_pb(item, problem.label, limit_s)
                continue
            kind, value = item
            if kind == "error":
                if isinstance(value, SolveAborted):
                    code = grpc.StatusCode.CANCELLED if done.is_set() else grpc.StatusCode.DEADLINE_EXCEEDED
                    raise RpcAbort(code, str(value))
                if isinstance(value, WorkerFailed):
                    log.error("stream: %s", value)
                    raise RpcAbort(grpc.StatusCode.INTERNAL, f"the solver failed (request id {_request_id()})")
                raise value
            yield convert_realtime.final_to_pb(_outcome_plan(value), limit_s)
            return

    # -- jobs -----------------------------------------------------------------------------------
    @_unary
    def StartSolve(self, request: pb.SolveRequest, context: grpc.ServicerContext) -> pb.SolveJob:
        problem = self._rt_problem(request)
        if request.validate_only:
            now = self.config.clock()
            job = pb.SolveJob(job_id=uuid.uuid4().hex, label=request.label, state=pb.JOB_STATE_SUCCEEDED,
                              plan=self._validated(request.label), order_count=len(request.orders), engineer_count=len(request.engineers))
            job.create_time.FromNanoseconds(int(now * 1e9))
            job.end_time.FromNanoseconds(int(now * 1e9))
            return job
        limit_s = problem.options.time_limit_s
        task = SolveTask(problem, self.limits, progress=True, progress_plans=True)

        def work(cancelled, progress):
            try:
                return self.pool.run(task, aborted=cancelled, on_progress=progress, admitted=True)
            except SolveAborted:
                if cancelled():
                    raise
                return failure(grpc.StatusCode.UNAVAILABLE, "the server stopped the solve")

        def finish(job, outcome) -> None:
            if not hasattr(outcome, "kind"):  # a failure() value
                job.state, job.error_code, job.error_message = FAILED, outcome.code.value[0], outcome.message
                return
            if outcome.kind == "invalid":
                shown = "; ".join(f"{v.field}: {v.description}" for v in list(outcome.value)[:20])
                job.state, job.error_code = FAILED, grpc.StatusCode.INVALID_ARGUMENT.value[0]
                job.error_message = f"invalid request: {shown}"
                return
            if outcome.kind != "plan":
                log.error("job %s: solver error\n%s", job.job_id, outcome.value)
                job.state, job.error_code = FAILED, grpc.StatusCode.INTERNAL.value[0]
                job.error_message = f"the solver failed (job {job.job_id})"
                return
            plan = outcome.value
            job.plan = convert.plan_to_response(plan, limit_s).SerializeToString()
            job.solutions = plan.stats.solutions_found

        def on_progress(job, p: Progress) -> None:
            job.solutions = max(job.solutions, p.solutions)
            if p.plan is not None:
                job.plan = convert.plan_to_response(p.plan, limit_s).SerializeToString()

        try:
            job = self.jobs.start(request.label, len(request.orders), len(request.engineers), work, finish, on_progress)
        except QueueFull:
            raise _queue_full(self.pool.depth) from None
        except SolveAborted as exc:
            raise RpcAbort(grpc.StatusCode.UNAVAILABLE, str(exc)) from None
        log.info("job %s started: %d orders, %d engineers", job.job_id, len(request.orders), len(request.engineers))
        return convert_realtime.job_to_pb(job.snapshot())

    def _job_or_abort(self, job_id: str, job):
        if not job_id:
            raise _invalid([Violation("job_id", "is required")])
        if job is None:
            raise RpcAbort(grpc.StatusCode.NOT_FOUND, f"no job {job_id!r} (unknown, or expired after the retention time)")
        return job

    @_unary
    def GetSolve(self, request: pb.GetSolveRequest, context: grpc.ServicerContext) -> pb.SolveJob:
        job = self._job_or_abort(request.job_id, self.jobs.get(request.job_id) if request.job_id else None)
        return convert_realtime.job_to_pb(job)

    @_unary
    def CancelSolve(self, request: pb.CancelSolveRequest, context: grpc.ServicerContext) -> pb.SolveJob:
        wait_s = getattr(self.pool, "grace_s", 0.5) + 5.0  # a search that does not stop is killed after grace_s
        job = self._job_or_abort(request.job_id, self.jobs.cancel(request.job_id, wait_s) if request.job_id else None)
        return convert_realtime.job_to_pb(job)

    @_unary
    def ListSolves(self, request: pb.ListSolvesRequest, context: grpc.ServicerContext) -> pb.ListSolvesResponse:
        size = request.page_size or DEFAULT_PAGE_SIZE
        if not 0 < size <= MAX_PAGE_SIZE:
            raise _invalid([Violation("page_size", f"must be in [0, {MAX_PAGE_SIZE}], got {request.page_size}")])
        return pb.ListSolvesResponse(jobs=[convert_realtime.job_to_pb(j, with_plan=False) for j in self.jobs.list(size)])

    # -- what-if --------------------------------------------------------------------------------
    @_unary
    def CompareScenarios(self, request: pb.CompareScenariosRequest, context: grpc.ServicerContext) -> pb.CompareScenariosResponse:
        if not request.HasField("base"):
            raise _invalid([Violation("base", "is required")])
        base = self._rt_problem(request.base, prefix="base.")
        specs, violations = [], []
        for k, msg in enumerate(request.scenarios):
            spec, found = convert_realtime.scenario_from_pb(msg, f"scenarios[{k}]")
            specs.append(spec)
            violations += found
        violations += check_specs(specs, base)
        if violations:
            raise _invalid(violations)
        variants = [apply_scenario(base, s) for s in specs]
        for k, sp in enumerate(variants):
            violations += scenario_violation_paths(sp, validate(sp.problem, self.limits), f"scenarios[{k}]")
        if violations:
            raise _invalid(violations)

        try:
            problems = [prepare_replan(p) for p in [base] + [sp.problem for sp in variants]]
        except InvalidProblem as exc:
            raise _invalid(list(exc.violations)) from None
        budget, deadline = self._rt_deadline(context)
        slots = max(1, min(len(problems), self.pool.size))
        if budget is not None:  # the solves run in rounds of `slots`: each round gets its share
            budget = budget / math.ceil(len(problems) / slots) - 0.1
        problems = [self._with_limit(p, budget) for p in problems]
        limit_s = problems[0].options.time_limit_s
        matrices = shared_matrices(problems, lambda lat, lng: _points_matrices(base, lat, lng))
        done = threading.Event()
        context.add_callback(done.set)
        plans = self._run_all(problems, matrices, slots, done, deadline)

        base_plan = plans[0]
        out = pb.CompareScenariosResponse()
        zero_delta, zero_diff = kpi_delta(base_plan, base_plan), plan_diff(base_plan, base_plan)
        out.base.CopyFrom(convert_realtime.scenario_result_to_pb("base", base_plan, zero_delta, zero_diff, limit_s, request.include_plans))
        for spec, plan in zip(specs, plans[1:]):
            out.scenarios.append(convert_realtime.scenario_result_to_pb(
                spec.name, plan, kpi_delta(base_plan, plan), plan_diff(base_plan, plan), limit_s, request.include_plans))
        return out

    def _run_all(self, problems: list[Problem], matrices: list[TravelMatrices], slots: int, done: threading.Event,
                 deadline: float | None) -> list[Plan]:
        """Solves every problem in the pool, at most ``slots`` at a time. The first admission
        failing means RESOURCE_EXHAUSTED; later ones wait for room (other callers' solves)."""
        admitted = 0
        try:
            for _ in range(slots):
                self.pool.admit()
                admitted += 1
        except QueueFull:
            if not admitted:
                raise _queue_full(self.pool.depth) from None
        slots, pending = admitted, list(range(len(problems)))
        lock = threading.Lock()
        plans: list[Plan | None] = [None] * len(problems)
        failed: list[BaseException] = []

        def admit_again() -> bool:
            while True:
                if done.is_set() or failed or (deadline is not None and time.monotonic() >= deadline):
                    return False
                try:
                    self.pool.admit()
                    return True
                except QueueFull:
                    time.sleep(_ADMIT_POLL_S)

        def lane() -> None:
            holding = True  # one admission taken above for this lane
            while True:
                with lock:
                    if not pending or failed:
                        break
                    i = pending.pop(0)
                if not holding and not admit_again():
                    with lock:
                        failed.append(SolveAborted("gave up waiting for a solver worker"))
                    return
                holding = False
                try:
                    outcome = self.pool.run(SolveWithMatricesTask(problems[i], self.limits, matrices[i]),
                                            aborted=lambda: done.is_set() or bool(failed), deadline=deadline, admitted=True)
                    plans[i] = _outcome_plan(outcome)
                except BaseException as exc:  # noqa: BLE001
                    with lock:
                        failed.append(exc)
                    return
            if holding:  # admitted but nothing left to run
                self.pool.release()

        with ThreadPoolExecutor(max_workers=slots, thread_name_prefix="whatif") as lanes:
            for f in [lanes.submit(lane) for _ in range(slots)]:
                f.result()
        if failed:
            exc = failed[0]
            if isinstance(exc, RpcAbort):
                raise exc
            if isinstance(exc, SolveAborted):
                code = grpc.StatusCode.CANCELLED if done.is_set() else grpc.StatusCode.DEADLINE_EXCEEDED
                raise RpcAbort(code, str(exc))
            if isinstance(exc, WorkerFailed):
                log.error("compare: %s", exc)
                raise RpcAbort(grpc.StatusCode.INTERNAL, f"the solver failed (request id {_request_id()})")
            raise exc
        return plans  # type: ignore[return-value]

    # -- evaluation and insertion ---------------------------------------------------------------
    @_unary
    def EvaluatePlan(self, request: pb.EvaluatePlanRequest, context: grpc.ServicerContext) -> pb.EvaluatePlanResponse:
        impl = getattr(self, "_evaluate", None)
        if impl is not None:
            return impl(request, context)
        raise RpcAbort(grpc.StatusCode.UNIMPLEMENTED, "EvaluatePlan is not available in this server version")

    @_unary
    def RecommendInsertion(self, request: pb.RecommendInsertionRequest, context: grpc.ServicerContext) -> pb.RecommendInsertionResponse:
        impl = getattr(self, "_recommend", None)
        if impl is not None:
            return impl(request, context)
        raise RpcAbort(grpc.StatusCode.UNIMPLEMENTED, "RecommendInsertion is not available in this server version")


def _points_matrices(problem: Problem, lat, lng) -> TravelMatrices:
    """Travel matrices between arbitrary points under ``problem``'s travel model."""
    from dispatch_service import travel

    return travel.to_matrices(travel.service().points(problem.options.travel_model, lat, lng))

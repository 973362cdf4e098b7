"""The gRPC server: the DispatchService servicer, health checking, reflection and shutdown."""

from __future__ import annotations

import logging
import signal
import sys
import threading
import time
import uuid
from concurrent import futures
from dataclasses import replace

import grpc
from grpc_health.v1 import health, health_pb2, health_pb2_grpc
from grpc_reflection.v1alpha import reflection

from dispatch_service import admission, convert, errors, logging_setup, travel
from dispatch_service.planning import PlanningServicerMixin, service_violations
from dispatch_service.api.v1 import dispatch_pb2 as pb
from dispatch_service.api.v1 import dispatch_pb2_grpc as pb_grpc
from dispatch_service.config import ServerConfig
from dispatch_service.interceptors import RequestContextInterceptor
from dispatch_service.logging_setup import current_request_id
from dispatch_service.realtime import RealtimeServicerMixin
from dispatch_service.analytics_rpc import AnalyticsServicerMixin
from dispatch_service.worker_task import SolveTask
from dispatch_service.workers import QueueFull, SolveAborted, SolverPool, WorkerFailed
from solver.limits import Limits
from solver.validation import validate

log = logging.getLogger("dispatch_service")

SERVICE_NAME = pb.DESCRIPTOR.services_by_name["DispatchService"].full_name
MIN_TIME_LIMIT_S = 0.05
RETRY_AFTER_MS = "1000"


class DispatchServicer(PlanningServicerMixin, RealtimeServicerMixin, AnalyticsServicerMixin, pb_grpc.DispatchServiceServicer):
    def __init__(self, config: ServerConfig, pool: SolverPool) -> None:
        self.config = config
        self.pool = pool
        self.limits = Limits(max_orders=config.max_orders, max_engineers=config.max_engineers)
        self.metrics = None  # dispatch_service.metrics.Metrics when metrics are on
        self.init_realtime()  # solve jobs (realtime.py)

    def Solve(self, request: pb.SolveRequest, context: grpc.ServicerContext) -> pb.SolveResponse:
        request_id = current_request_id() or uuid.uuid4().hex[:16]
        context.set_trailing_metadata((("request-id", request_id),))
        try:
            return self._solve(request, context, request_id)
        except _Abort as abort:
            if abort.trailers:
                context.set_trailing_metadata((("request-id", request_id), *abort.trailers))
            if abort.status is not None:
                # abort_with_status replaces the trailers: keep the request id among them.
                trailers = (*tuple(abort.status.trailing_metadata or ()), ("request-id", request_id))
                context.abort_with_status(abort.status._replace(trailing_metadata=trailers))
            context.abort(abort.code, abort.message)
        except Exception:
            log.exception("request %s: unexpected error", request_id)
            context.abort(grpc.StatusCode.INTERNAL, f"internal error (request id {request_id})")

    def _solve(self, request: pb.SolveRequest, context: grpc.ServicerContext, request_id: str) -> pb.SolveResponse:
        started = time.perf_counter()
        oversize = admission.oversize(request, self.limits)
        if oversize:  # refused from the list lengths, before building anything from them
            log.info("request %s: too large (%d orders, %d engineers)", request_id, len(request.orders), len(request.engineers))
            raise _Abort(status=errors.invalid_argument(oversize))
        problem, violations = convert.request_to_problem(request)
        seen = {v.field for v in violations}
        violations += [v for v in validate(problem, self.limits) if v.field not in seen]
        violations += service_violations(problem, travel.service())
        if self.config.reject_ended_shifts:
            violations += admission.ended_shifts(request, self.config.clock())
        if violations:
            log.info("request %s: invalid (%d violations)", request_id, len(violations))
            raise _Abort(status=errors.invalid_argument(violations))
        if request.validate_only:
            response = pb.SolveResponse(label=request.label)
            response.stats.status = pb.VALIDATED
            return response

        remaining = context.time_remaining()
        # The time limit is the caller's whole budget: conversion and validation used some.
        time_limit_s = max(MIN_TIME_LIMIT_S, problem.options.time_limit_s - (time.perf_counter() - started))
        deadline = None
        if remaining is not None:
            # Python gRPC does not propagate deadlines: cap the search so the answer is sent
            # before the caller gives up.
            time_limit_s = max(MIN_TIME_LIMIT_S, min(time_limit_s, remaining - self.config.deadline_margin_s))
            deadline = time.monotonic() + remaining
        problem = replace(problem, options=replace(problem.options, time_limit_s=time_limit_s))

        done = threading.Event()
        context.add_callback(done.set)  # fires within milliseconds of a cancel
        solve_started = time.perf_counter()
        try:
            outcome = self.pool.run(SolveTask(problem, self.limits), aborted=done.is_set, deadline=deadline)
        except QueueFull:
            raise _Abort(
                grpc.StatusCode.RESOURCE_EXHAUSTED,
                f"the solve queue is full ({self.pool.depth} solves admitted); retry later",
                trailers=(("retry-after-ms", RETRY_AFTER_MS),),
            ) from None
        except SolveAborted as exc:
            code = grpc.StatusCode.CANCELLED if done.is_set() else grpc.StatusCode.DEADLINE_EXCEEDED
            raise _Abort(code, str(exc)) from None
        except WorkerFailed as exc:
            log.error("request %s: %s", request_id, exc)
            raise _Abort(grpc.StatusCode.INTERNAL, f"the solver failed (request id {request_id})") from None
        if self.metrics is not None:
            self.metrics.solve_seconds.observe(time.perf_counter() - solve_started)
        if outcome.kind == "invalid":
            raise _Abort(status=errors.invalid_argument(outcome.value))
        if outcome.kind != "plan":
            log.error("request %s: solver error\n%s", request_id, outcome.value)
            raise _Abort(grpc.StatusCode.INTERNAL, f"the solver failed (request id {request_id})")
        plan = outcome.value
        log.info(
            "request %s: %d orders, %d engineers, %s, %d served, %.3f s",
            request_id, len(problem.orders), len(problem.engineers), plan.stats.status.value,
            plan.kpis.orders_served, time.perf_counter() - started,
        )
        return convert.plan_to_response(plan, time_limit_s)


class _Abort(Exception):
    """Ends a call with a status; raised inside the handler, turned into ``context.abort``."""

    def __init__(
        self,
        code: grpc.StatusCode = grpc.StatusCode.INTERNAL,
        message: str = "",
        status: grpc.Status | None = None,
        trailers: tuple[tuple[str, str], ...] = (),
    ) -> None:
        super().__init__(message)
        self.code, self.message, self.status, self.trailers = code, message, status, trailers


class DispatchServer:
    """Owns the gRPC server and the solver pool; ``start`` returns the bound port."""

    def __init__(self, config: ServerConfig) -> None:
        self.config = config
        # Maps load here (for the cheap geo RPCs) and in every worker before it reports ready,
        # so the port opens, and health says SERVING, only once they are all loaded.
        self.travel = travel.configure(dict(config.maps))
        self.pool = SolverPool(
            workers=config.workers, queue_size=config.queue_size, grace_s=config.solver_stop_grace_s,
            max_worker_rss_mb=config.max_worker_rss_mb, map_paths=dict(config.maps), niceness=config.worker_niceness,
        )
        options = [
            ("grpc.max_receive_message_length", config.max_message_bytes),
            ("grpc.max_send_message_length", config.max_message_bytes),
        ]
        # Health checks run on their own threads (see RequestContextInterceptor), and at most
        # workers + queue_size handler threads ever wait for solves: the rest stay free for
        # cheap calls (validation, refusals), so those never wait behind solves.
        self._health_pool = futures.ThreadPoolExecutor(max_workers=2, thread_name_prefix="health")
        rpc_threads = max(config.rpc_threads, config.workers + config.queue_size + config.reserved_rpc_threads)
        self.calls = RequestContextInterceptor(self._health_pool)
        interceptors: list[grpc.ServerInterceptor] = [self.calls]
        self.metrics = None
        if config.metrics_address:
            from dispatch_service.metrics import Metrics, MetricsInterceptor

            self.metrics = Metrics(queue_depth=lambda: self.pool.depth, workers=lambda: len(self.pool.worker_pids()))
            interceptors.append(MetricsInterceptor(self.metrics))
        if config.auth_tokens:
            from dispatch_service.security import BearerTokenInterceptor

            interceptors.append(BearerTokenInterceptor(config.auth_tokens))
        self.metrics_port = 0
        self.server = grpc.server(
            futures.ThreadPoolExecutor(max_workers=rpc_threads, thread_name_prefix="rpc"), options=options, interceptors=interceptors
        )
        self.servicer = DispatchServicer(config, self.pool)
        self.servicer.metrics = self.metrics
        pb_grpc.add_DispatchServiceServicer_to_server(self.servicer, self.server)
        # Non-blocking health: answers come from the server's own threads even when every
        # handler thread is busy.
        self.health = health.HealthServicer(experimental_non_blocking=True, experimental_thread_pool=self._health_pool)
        health_pb2_grpc.add_HealthServicer_to_server(self.health, self.server)
        if config.reflection:
            reflection.enable_server_reflection((SERVICE_NAME, health.SERVICE_NAME, reflection.SERVICE_NAME), self.server)
        self.port = 0
        self._stopped = threading.Event()
        self._stop_done = threading.Event()

    def start(self) -> int:
        c = self.config
        if (c.tls_cert is None) != (c.tls_key is None) or (c.tls_client_ca and not c.tls_cert):
            raise ValueError("TLS needs both a certificate and a key (and a client CA only with them)")
        if c.tls_cert:
            from dispatch_service.security import server_credentials

            credentials = server_credentials(c.tls_cert, c.tls_key, c.tls_client_ca)
            self.port = self.server.add_secure_port(c.address, credentials)
        else:
            self.port = self.server.add_insecure_port(c.address)
        if self.port == 0:
            raise OSError(f"cannot listen on {self.config.address}")
        self.server.start()
        for service in ("", SERVICE_NAME):
            self.health.set(service, health_pb2.HealthCheckResponse.SERVING)
        if self.metrics is not None:
            self.metrics_port = self.metrics.serve(c.metrics_address)
        return self.port

    def stop(self, grace_s: float | None = None) -> None:
        """Refuses new calls, lets in-flight ones finish for ``grace_s``, then stops workers."""
        if self._stopped.is_set():
            self._stop_done.wait()  # another thread (a signal) is stopping: finish with it
            return
        self._stopped.set()
        try:
            self.health.enter_graceful_shutdown()  # health checks answer NOT_SERVING
            grace = self.config.shutdown_grace_s if grace_s is None else grace_s
            # Drain: new calls get UNAVAILABLE (retryable) while the ones in flight finish.
            drain_until = time.monotonic() + grace
            self.calls.drain()
            self.calls.wait_idle(grace)
            self.server.stop(max(0.0, drain_until - time.monotonic())).wait()
            self.servicer.close_realtime()  # jobs still running are recorded FAILED
            self.pool.close()
            if self.metrics is not None:
                self.metrics.close()
            self._health_pool.shutdown(wait=False)
        finally:
            self._stop_done.set()

    def wait(self) -> None:
        self.server.wait_for_termination()

    def install_signal_handlers(self) -> None:
        def handle(signum, _frame):
            log.info("signal %d: draining for up to %.1f s", signum, self.config.shutdown_grace_s)
            threading.Thread(target=self.stop, name="shutdown", daemon=True).start()

        signal.signal(signal.SIGTERM, handle)
        signal.signal(signal.SIGINT, handle)


def serve(config: ServerConfig) -> None:
    logging_setup.configure(config.log_format)
    if config.switch_interval_ms > 0:
        sys.setswitchinterval(config.switch_interval_ms / 1000.0)
    server = DispatchServer(config)
    server.install_signal_handlers()
    port = server.start()
    host = config.address.rsplit(":", 1)[0]
    log.info(
        "dispatch service listening on %s:%d (%d solver workers, %s, %s, reflection %s)",
        host, port, config.workers, "TLS" if config.tls_cert else "plaintext",
        f"{len(config.auth_tokens)} bearer token(s)" if config.auth_tokens else "no authentication",
        "on" if config.reflection else "off",
    )
    if server.metrics is not None:
        log.info("metrics on http://%s:%d/metrics", config.metrics_address.rpartition(":")[0], server.metrics_port)
    server.wait()
    server.stop()

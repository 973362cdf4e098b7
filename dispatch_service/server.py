"""The gRPC server: the DispatchService servicer, health checking, reflection and shutdown."""

from __future__ import annotations

import logging
import signal
import threading
import time
import uuid
from concurrent import futures
from dataclasses import replace

import grpc
from grpc_health.v1 import health, health_pb2, health_pb2_grpc
from grpc_reflection.v1alpha import reflection

from dispatch_service import convert, errors
from dispatch_service.api.v1 import dispatch_pb2 as pb
from dispatch_service.api.v1 import dispatch_pb2_grpc as pb_grpc
from dispatch_service.config import ServerConfig
from dispatch_service.worker_task import SolveTask
from dispatch_service.workers import QueueFull, SolveAborted, SolverPool, WorkerFailed
from solver.limits import Limits
from solver.validation import validate

log = logging.getLogger("dispatch_service")

SERVICE_NAME = pb.DESCRIPTOR.services_by_name["DispatchService"].full_name
MIN_TIME_LIMIT_S = 0.05
RETRY_AFTER_MS = "1000"


class DispatchServicer(pb_grpc.DispatchServiceServicer):
    def __init__(self, config: ServerConfig, pool: SolverPool) -> None:
        self.config = config
        self.pool = pool
        self.limits = Limits(max_orders=config.max_orders, max_engineers=config.max_engineers)

    def Solve(self, request: pb.SolveRequest, context: grpc.ServicerContext) -> pb.SolveResponse:
        request_id = uuid.uuid4().hex[:16]
        context.set_trailing_metadata((("request-id", request_id),))
        try:
            return self._solve(request, context, request_id)
        except _Abort as abort:
            if abort.trailers:
                context.set_trailing_metadata((("request-id", request_id), *abort.trailers))
            if abort.status is not None:
                context.abort_with_status(abort.status)
            context.abort(abort.code, abort.message)
        except Exception:
            log.exception("request %s: unexpected error", request_id)
            context.abort(grpc.StatusCode.INTERNAL, f"internal error (request id {request_id})")

    def _solve(self, request: pb.SolveRequest, context: grpc.ServicerContext, request_id: str) -> pb.SolveResponse:
        started = time.perf_counter()
        problem, violations = convert.request_to_problem(request)
        seen = {v.field for v in violations}
        violations += [v for v in validate(problem, self.limits) if v.field not in seen]
        if violations:
            log.info("request %s: invalid (%d violations)", request_id, len(violations))
            raise _Abort(status=errors.invalid_argument(violations))
        if request.validate_only:
            response = pb.SolveResponse(label=request.label)
            response.stats.status = pb.VALIDATED
            return response

        remaining = context.time_remaining()
        time_limit_s = problem.options.time_limit_s
        deadline = None
        if remaining is not None:
            # Python gRPC does not propagate deadlines: cap the search so the answer is sent
            # before the caller gives up.
            time_limit_s = max(MIN_TIME_LIMIT_S, min(time_limit_s, remaining - self.config.deadline_margin_s))
            deadline = time.monotonic() + remaining
        problem = replace(problem, options=replace(problem.options, time_limit_s=time_limit_s))

        done = threading.Event()
        context.add_callback(done.set)  # fires within milliseconds of a cancel
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
        self.pool = SolverPool(workers=config.workers, queue_size=config.queue_size)
        options = [
            ("grpc.max_receive_message_length", config.max_message_bytes),
            ("grpc.max_send_message_length", config.max_message_bytes),
        ]
        self.server = grpc.server(futures.ThreadPoolExecutor(max_workers=config.rpc_threads, thread_name_prefix="rpc"), options=options)
        pb_grpc.add_DispatchServiceServicer_to_server(DispatchServicer(config, self.pool), self.server)
        # Non-blocking health: answers come from the server's own threads even when every
        # handler thread is busy.
        self.health = health.HealthServicer(experimental_non_blocking=True, experimental_thread_pool=futures.ThreadPoolExecutor(max_workers=2))
        health_pb2_grpc.add_HealthServicer_to_server(self.health, self.server)
        if config.reflection:
            reflection.enable_server_reflection((SERVICE_NAME, health.SERVICE_NAME, reflection.SERVICE_NAME), self.server)
        self.port = 0
        self._stopped = threading.Event()

    def start(self) -> int:
        self.port = self.server.add_insecure_port(self.config.address)
        if self.port == 0:
            raise OSError(f"cannot listen on {self.config.address}")
        self.server.start()
        for service in ("", SERVICE_NAME):
            self.health.set(service, health_pb2.HealthCheckResponse.SERVING)
        return self.port

    def stop(self, grace_s: float | None = None) -> None:
        """Refuses new calls, lets in-flight ones finish for ``grace_s``, then stops workers."""
        if self._stopped.is_set():
            return
        self._stopped.set()
        self.health.enter_graceful_shutdown()
        grace = self.config.shutdown_grace_s if grace_s is None else grace_s
        self.server.stop(grace).wait()
        self.pool.close()

    def wait(self) -> None:
        self.server.wait_for_termination()

    def install_signal_handlers(self) -> None:
        def handle(signum, _frame):
            log.info("signal %d: draining for up to %.1f s", signum, self.config.shutdown_grace_s)
            threading.Thread(target=self.stop, name="shutdown", daemon=True).start()

        signal.signal(signal.SIGTERM, handle)
        signal.signal(signal.SIGINT, handle)


def serve(config: ServerConfig) -> None:
    logging.basicConfig(level=logging.INFO, format="%(asctime)s %(levelname)s %(name)s %(message)s")
    server = DispatchServer(config)
    server.install_signal_handlers()
    port = server.start()
    host = config.address.rsplit(":", 1)[0]
    log.info("dispatch service listening on %s:%d (%d solver workers)", host, port, config.workers)
    server.wait()
    server.stop()

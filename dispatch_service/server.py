"""The gRPC server: the thin DispatchService servicer (each method hands its request to the
app layer, ``app.py``, and maps a failure to a status in one place), health checking,
reflection and shutdown."""

from __future__ import annotations

import logging
import signal
import socket
import ssl
import sys
import threading
import time
import uuid
from concurrent import futures
from typing import TYPE_CHECKING

import grpc
from grpc_health.v1 import health, health_pb2, health_pb2_grpc
from grpc_reflection.v1alpha import reflection

from dispatch_service import errors, logging_setup, travel
from dispatch_service.api.v1 import dispatch_pb2 as pb
from dispatch_service.api.v1 import dispatch_pb2_grpc as pb_grpc
from dispatch_service.app import App, Call
from dispatch_service.config import ConfigError, ServerConfig
from dispatch_service.interceptors import RequestContextInterceptor
from dispatch_service.jobs import open_store
from dispatch_service.logging_setup import current_request_id
from dispatch_service.workers import SolverPool

if TYPE_CHECKING:
    from dispatch_service.http_api import HttpApi
    from dispatch_service.metrics import Metrics

log = logging.getLogger("dispatch_service")

SERVICE_NAME = pb.DESCRIPTOR.services_by_name["DispatchService"].full_name


def _call(context: grpc.ServicerContext) -> Call:
    cancelled = threading.Event()
    context.add_callback(cancelled.set)  # fires within milliseconds of a cancel
    remaining = context.time_remaining()
    return Call(cancelled, None if remaining is None else time.monotonic() + remaining)


def _unary(name: str):
    def handler(self, request, context):
        request_id = current_request_id() or uuid.uuid4().hex[:16]
        try:
            return getattr(self.app, name)(request, _call(context))
        except Exception as exc:
            errors.abort(context, exc, request_id)

    return handler


def _streaming(name: str):
    def handler(self, request, context):
        request_id = current_request_id() or uuid.uuid4().hex[:16]
        try:
            yield from getattr(self.app, name)(request, _call(context))
        except Exception as exc:
            errors.abort(context, exc, request_id)

    return handler


class DispatchServicer(pb_grpc.DispatchServiceServicer):
    """Thin: each RPC is one app call."""

    def __init__(self, app: App) -> None:
        self.app = app

    Solve = _unary("solve")
    SolveStream = _streaming("solve_stream")
    StartSolve = _unary("start_solve")
    GetSolve = _unary("get_solve")
    CancelSolve = _unary("cancel_solve")
    ListSolves = _unary("list_solves")
    CompareScenarios = _unary("compare")
    EvaluatePlan = _unary("evaluate")
    RecommendInsertion = _unary("recommend")
    RecommendSlots = _unary("slots")
    ComputeMatrix = _unary("compute_matrix")
    EstimateArrival = _unary("estimate_arrival")
    AnalyzeHistory = _unary("analyze_history")
    SolveLarge = _streaming("solve_large")


class DispatchServer:
    """Owns the gRPC server and the solver pool; ``start`` returns the bound port."""

    def __init__(self, config: ServerConfig) -> None:
        self.config = config
        # Maps load here (for the cheap geo RPCs) and in every worker before it reports ready,
        # so the port opens, and health says SERVING, only once they are all loaded.
        self.travel = travel.configure(dict(config.maps))
        self._check_tls()
        _check_address(config.address)
        if config.jobs_db:  # a corrupt database refuses the start before any worker is spawned
            open_store(config.jobs_db, config.jobs_lease_s).close()
        self.pool = SolverPool(
            workers=config.workers, queue_size=config.queue_size, grace_s=config.solver_stop_grace_s,
            max_worker_rss_mb=config.max_worker_rss_mb, map_paths=dict(config.maps), niceness=config.worker_niceness,
            memory_cap_mb=config.worker_memory_cap_mb, stall_s=config.worker_stall_s, wait_ready=False,
        )
        self.quick = SolverPool(
            workers=max(1, config.quick_workers), queue_size=config.quick_queue_size, grace_s=config.solver_stop_grace_s,
            max_worker_rss_mb=config.max_worker_rss_mb, map_paths=dict(config.maps), niceness=0,
            memory_cap_mb=config.worker_memory_cap_mb, stall_s=config.worker_stall_s, wait_ready=False, name="quick",
        )
        try:  # both pools start at once; the port opens only when every worker is ready
            self.pool.wait_ready()
            self.quick.wait_ready()
        except BaseException:
            self._close_pools()
            raise
        options = [
            ("grpc.max_receive_message_length", config.max_message_bytes),
            ("grpc.max_send_message_length", config.max_message_bytes),
            # A second server on the same port must fail to start, not share its connections.
            ("grpc.so_reuseport", 0),
        ]
        # Health checks run on their own threads (see RequestContextInterceptor), and at most
        # workers + queue_size handler threads ever wait for solves: the rest stay free for
        # cheap calls (validation, refusals), so those never wait behind solves.
        self._health_pool = futures.ThreadPoolExecutor(max_workers=2, thread_name_prefix="health")
        rpc_threads = max(
            config.rpc_threads,
            config.workers + config.queue_size + max(1, config.quick_workers) + config.quick_queue_size + config.reserved_rpc_threads,
        )
        self.calls = RequestContextInterceptor(self._health_pool)
        interceptors: list[grpc.ServerInterceptor] = [self.calls]
        self.metrics: Metrics | None = None
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
        try:
            self.app = App(config, self.pool, self.quick)
            self._ray_started = False
            if config.backend == "ray":
                self._start_ray()
        except Exception:
            self.pool.close()
            self.quick.close()
            raise
        self.app.metrics = self.metrics
        self.http: HttpApi | None = None
        self.http_port = 0
        if config.console and not config.http_address:
            self._close_pools()
            raise ConfigError("--console is served on the HTTP listener: give --http-address too")
        if config.http_address:
            if config.tls_cert:  # never plaintext HTTP beside a gRPC port that insists on TLS
                self._close_pools()
                raise ConfigError("--http-address serves plaintext only; with --tls-cert put a TLS proxy in front of it instead")
            from dispatch_service.http_api import HttpApi

            try:
                self.http = HttpApi(
                    self.app, self.calls, config.http_address, tokens=config.auth_tokens,
                    max_message_bytes=config.max_message_bytes, threads=rpc_threads,
                    console=self.travel if config.console else None,
                )
            except Exception:
                self._close_pools()
                raise
        self.servicer = DispatchServicer(self.app)
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

    def _start_ray(self) -> None:
        """Connects to the Ray cluster (a local runtime when no address is given) and starts the
        region actors, so the first large request finds them warm."""
        try:
            from dispatch_service import ray_engine
        except ImportError:
            raise ConfigError("--backend ray needs the optional extra: pip install 'field-dispatch[ray]'") from None
        import ray

        self._ray_started = not ray.is_initialized() and self.config.ray_address is None
        try:
            self.app.ray_address = ray_engine.init(self.config.ray_address)
        except (ConnectionError, RuntimeError, ValueError) as exc:
            raise ConfigError(f"--ray-address {self.config.ray_address}: cannot connect to the Ray cluster ({exc})") from None
        ray.get([actor.pid.remote() for actor in ray_engine.actors(map_paths=dict(self.config.maps))])

    def _check_tls(self) -> None:
        """TLS files that are missing, unreadable or do not match: one clear line, before anything
        starts (gRPC itself only says it failed to bind)."""
        c = self.config
        if (c.tls_cert is None) != (c.tls_key is None) or (c.tls_client_ca and not c.tls_cert):
            raise ConfigError("TLS needs both --tls-cert and --tls-key (and --tls-client-ca only with them)")
        if not c.tls_cert:
            return
        try:
            ssl.create_default_context(ssl.Purpose.CLIENT_AUTH).load_cert_chain(c.tls_cert, c.tls_key)
        except FileNotFoundError as exc:
            raise ConfigError(f"TLS: cannot read {exc.filename}") from None
        except (ssl.SSLError, OSError) as exc:
            raise ConfigError(f"TLS: --tls-key {c.tls_key} does not match --tls-cert {c.tls_cert}, or one is not PEM ({exc})") from None
        if c.tls_client_ca:
            try:
                ssl.create_default_context(cafile=c.tls_client_ca)
            except (ssl.SSLError, OSError) as exc:
                raise ConfigError(f"TLS: --tls-client-ca {c.tls_client_ca} is not a readable PEM CA bundle ({exc})") from None

    def start(self) -> int:
        c = self.config
        try:
            if c.tls_cert:
                from dispatch_service.security import server_credentials

                assert c.tls_key is not None  # _check_tls: a certificate comes with its key
                credentials = server_credentials(c.tls_cert, c.tls_key, c.tls_client_ca)
                self.port = self.server.add_secure_port(c.address, credentials)
            else:
                self.port = self.server.add_insecure_port(c.address)
        except RuntimeError:  # grpcio raises when the port cannot be bound
            self.port = 0
        if self.port == 0:
            self._close_pools()
            raise ConfigError(f"cannot listen on {c.address}: the address is in use or not available here")
        self.server.start()
        for service in ("", SERVICE_NAME):
            self.health.set(service, health_pb2.HealthCheckResponse.SERVING)
        if self.metrics is not None and c.metrics_address:
            self.metrics_port = self.metrics.serve(c.metrics_address)
        if self.http is not None:
            self.http_port = self.http.start()
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
            if self.http is not None:
                self.http.close()
            self.app.close()  # jobs still running are recorded FAILED
            self._close_pools()
            if self._ray_started:  # the local runtime this server started (its actors with it)
                import ray

                ray.shutdown()
            if self.metrics is not None:
                self.metrics.close()
            self._health_pool.shutdown(wait=False)
        finally:
            self._stop_done.set()

    def _close_pools(self) -> None:
        self.pool.close()
        self.quick.close()

    def wait(self) -> None:
        self.server.wait_for_termination()

    def install_signal_handlers(self) -> None:
        def handle(signum, _frame):
            log.info("signal %d: draining for up to %.1f s", signum, self.config.shutdown_grace_s)
            threading.Thread(target=self.stop, name="shutdown", daemon=True).start()

        signal.signal(signal.SIGTERM, handle)
        signal.signal(signal.SIGINT, handle)


def _check_address(address: str) -> None:
    """Refuses an address another process listens on, before workers start (and before gRPC's
    own bind error, which is a multi-line log). gRPC binds with SO_REUSEADDR, so the probe does
    too: a port left in TIME_WAIT by a previous server is free, a listening one is not."""
    host, _, port_text = address.rpartition(":")
    host = host.strip("[]")
    if not port_text.isdigit() or int(port_text) == 0:
        return
    try:
        infos = socket.getaddrinfo(host or None, int(port_text), type=socket.SOCK_STREAM, flags=socket.AI_PASSIVE)
    except OSError:
        return  # gRPC reports what it cannot resolve
    for family, kind, proto, _name, sockaddr in infos[:1]:
        with socket.socket(family, kind, proto) as probe:
            probe.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
            try:
                probe.bind(sockaddr)
            except OSError as exc:
                raise ConfigError(f"cannot listen on {address}: {exc.strerror or exc} (is another server running there?)") from None


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
    if server.http is not None and config.http_address:
        host_http = config.http_address.rpartition(":")[0]
        log.info("HTTP/JSON (Connect) on http://%s:%d/%s/<Method>", host_http, server.http_port, SERVICE_NAME)
        if config.console:
            log.info("planner console on http://%s:%d/console/", host_http, server.http_port)
    if server.metrics is not None and config.metrics_address:
        log.info("metrics on http://%s:%d/metrics", config.metrics_address.rpartition(":")[0], server.metrics_port)
    server.wait()
    server.stop()

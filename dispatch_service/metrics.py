"""Prometheus metrics on a separate port: calls by method and status code, call and solve
durations, and the solve queue's depth. Off unless ``--metrics-address`` is given."""

from __future__ import annotations

import time
from collections.abc import Callable
from typing import Any

import grpc
from prometheus_client import CollectorRegistry, Counter, Gauge, Histogram, start_http_server

from dispatch_service.interceptors import wrap_handler

_BUCKETS = (0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60, 120, 300, 600, 1800, 3600)


class Metrics:
    """One registry per server, so several servers in one process (tests) stay apart."""

    def __init__(self, queue_depth: Callable[[], float], workers: Callable[[], float]) -> None:
        self.registry = CollectorRegistry(auto_describe=True)
        self.requests = Counter(
            "dispatch_requests", "Finished calls by gRPC method and status code.", ["method", "code"], registry=self.registry
        )
        self.request_seconds = Histogram(
            "dispatch_request_duration_seconds", "Call handling time by gRPC method.", ["method"], buckets=_BUCKETS, registry=self.registry
        )
        self.solve_seconds = Histogram(
            "dispatch_solve_duration_seconds", "Time from admission to a solver worker's answer (queue wait included).",
            buckets=_BUCKETS, registry=self.registry,
        )
        self.queue_depth = Gauge("dispatch_solve_queue_depth", "Solves running or waiting for a worker.", registry=self.registry)
        self.queue_depth.set_function(queue_depth)
        self.workers = Gauge("dispatch_solver_workers", "Live solver worker processes.", registry=self.registry)
        self.workers.set_function(workers)
        self._httpd: Any = None  # the endpoint's WSGI server once serving

    def serve(self, address: str) -> int:
        """Starts the HTTP endpoint (``/metrics``) on ``host:port``; returns the bound port."""
        host, _, port = address.rpartition(":")
        self._httpd, _thread = start_http_server(int(port), addr=host.strip("[]") or "127.0.0.1", registry=self.registry)
        return self._httpd.server_address[1]

    def close(self) -> None:
        if self._httpd is not None:
            self._httpd.shutdown()
            self._httpd.server_close()
            self._httpd = None


class _CallScope:
    def __init__(self, metrics: Metrics, method: str, context: grpc.ServicerContext) -> None:
        self.metrics, self.method, self.context = metrics, method, context

    def __enter__(self):
        self.started = time.perf_counter()

    def __exit__(self, exc_type, exc, tb) -> None:
        code = self.context.code()
        if code is None:
            code = grpc.StatusCode.UNKNOWN if exc_type is not None and not isinstance(exc, GeneratorExit) else grpc.StatusCode.OK
        self.metrics.requests.labels(self.method, code.name).inc()
        self.metrics.request_seconds.labels(self.method).observe(time.perf_counter() - self.started)


class MetricsInterceptor(grpc.ServerInterceptor):
    """Counts every call to a known method by its final status code."""

    def __init__(self, metrics: Metrics) -> None:
        self.metrics = metrics

    def intercept_service(self, continuation, handler_call_details):
        method = handler_call_details.method
        return wrap_handler(continuation(handler_call_details), lambda context: _CallScope(self.metrics, method, context))

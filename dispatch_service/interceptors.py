"""Server interceptors shared by every RPC: request ids, a separate thread pool for health
checks, and the helper that wraps a method handler's behaviour (used by metrics too)."""

from __future__ import annotations

import threading
import uuid
from collections.abc import Callable
from concurrent import futures
from contextlib import AbstractContextManager
from typing import Any

import grpc

from dispatch_service.logging_setup import request_id_var

HEALTH_PREFIX = "/grpc.health.v1.Health/"

# A scope is entered before the behaviour runs and exited after it (with the exception, if
# any); it may read ``context.code()`` on exit.
ScopeFactory = Callable[[grpc.ServicerContext], AbstractContextManager[Any]]

_KINDS = (
    ("unary_unary", grpc.unary_unary_rpc_method_handler, False),
    ("unary_stream", grpc.unary_stream_rpc_method_handler, True),
    ("stream_unary", grpc.stream_unary_rpc_method_handler, False),
    ("stream_stream", grpc.stream_stream_rpc_method_handler, True),
)


def wrap_handler(
    handler: grpc.RpcMethodHandler | None,
    scope: ScopeFactory,
    thread_pool: futures.ThreadPoolExecutor | None = None,
) -> grpc.RpcMethodHandler | None:
    """The same handler with its behaviour run inside ``scope(context)``.

    Non-blocking behaviours (health ``Watch``) are returned unchanged: their responses are sent
    from callbacks after the behaviour returns, so a scope around them would mean nothing.
    """
    if handler is None:
        return None
    for attr, factory, streaming in _KINDS:
        behaviour = getattr(handler, attr)
        if behaviour is None:
            continue
        if getattr(behaviour, "experimental_non_blocking", False):
            return handler
        if streaming:
            def wrapped(request, context, _b=behaviour):
                with scope(context):
                    yield from _b(request, context)
        else:
            def wrapped(request, context, _b=behaviour):
                with scope(context):
                    return _b(request, context)
        pool = thread_pool or getattr(behaviour, "experimental_thread_pool", None)
        if pool is not None:
            setattr(wrapped, "experimental_thread_pool", pool)  # noqa: B010 - read by grpc when it schedules the call
        return factory(wrapped, request_deserializer=handler.request_deserializer, response_serializer=handler.response_serializer)
    return handler


class _RequestScope:
    def __init__(self, owner: RequestContextInterceptor | None, context: grpc.ServicerContext) -> None:
        self.owner, self.context = owner, context  # owner: counts the call as in flight

    def __enter__(self):
        request_id = uuid.uuid4().hex[:16]
        self.token = request_id_var.set(request_id)
        if self.owner is not None:
            self.context.set_trailing_metadata((("request-id", request_id),))
            self.owner._enter()
        return request_id

    def __exit__(self, *exc) -> None:
        request_id_var.reset(self.token)
        if self.owner is not None:
            self.owner._exit()


def _refuse_draining(_request, context):
    context.abort(grpc.StatusCode.UNAVAILABLE, "the server is shutting down; retry (on another instance)")


class RequestContextInterceptor(grpc.ServerInterceptor):
    """Gives every call a request id (logged with each line, echoed as the ``request-id``
    trailer) and runs health checks on their own small thread pool, so they never wait behind
    handler threads busy with solves. While draining (``drain``), new calls other than health
    checks are refused with UNAVAILABLE and ``wait_idle`` waits for the calls in flight."""

    def __init__(self, health_pool: futures.ThreadPoolExecutor) -> None:
        self.health_pool = health_pool
        self.draining = False
        self._active = 0
        self._changed = threading.Condition()

    def _enter(self) -> None:
        with self._changed:
            self._active += 1

    def _exit(self) -> None:
        with self._changed:
            self._active -= 1
            self._changed.notify_all()

    @property
    def active(self) -> int:
        """Calls other than health checks whose handlers are running."""
        return self._active

    def drain(self) -> None:
        self.draining = True

    def wait_idle(self, timeout_s: float) -> bool:
        with self._changed:
            return self._changed.wait_for(lambda: self._active == 0, timeout=max(0.0, timeout_s))

    def intercept_service(self, continuation, handler_call_details):
        handler = continuation(handler_call_details)
        is_health = handler_call_details.method.startswith(HEALTH_PREFIX)
        if self.draining and not is_health and handler is not None:
            for attr, factory, _streaming in _KINDS:
                if getattr(handler, attr) is not None:
                    return factory(_refuse_draining)
        return wrap_handler(
            handler,
            lambda context: _RequestScope(None if is_health else self, context),
            thread_pool=self.health_pool if is_health else None,
        )

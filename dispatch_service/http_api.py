"""HTTP/JSON beside gRPC: the Connect protocol (``connectrpc``), served by ``waitress`` on its own
port (``--http-address``).

The Connect application is generated from the same proto (``api/v1/dispatch_connect.py``) and
each of its methods is the same app call as the gRPC servicer's (``server.DispatchServicer``):
the same admission (``app.py``), limits and worker pools. Failures are mapped by
``errors.status_for`` exactly as for gRPC and then translated to Connect's error codes (which
carry their HTTP status: 400 for invalid_argument, 401 unauthenticated, 429 resource_exhausted,
...), with the ``google.rpc.BadRequest`` detail both as Connect's base64 ``value`` and, readable
by any JSON client, as its ``debug`` member. Bearer tokens are checked with the gRPC interceptor's
rule (``security.TokenCheck``) before the body is read, and calls count as in flight for the
server's drain like gRPC calls do.
"""

from __future__ import annotations

import functools
import logging
import threading
import time
import uuid
from collections.abc import Iterator
from typing import TYPE_CHECKING, Any

from connectrpc.code import Code
from connectrpc.errors import ConnectError, ErrorDetail
from google.protobuf import descriptor_pb2, descriptor_pool
from google.rpc import status_pb2

from dispatch_service import errors
from dispatch_service.api.v1 import dispatch_connect
from dispatch_service.app import App, Call
from dispatch_service.config import ConfigError
from dispatch_service.logging_setup import current_request_id, request_id_var
from dispatch_service.security import TokenCheck

if TYPE_CHECKING:
    from connectrpc.request import RequestContext

    from dispatch_service.interceptors import RequestContextInterceptor
    from dispatch_service.travel import TravelService

log = logging.getLogger("dispatch_service")

_STATUS_DETAILS = "grpc-status-details-bin"


def _call(ctx: RequestContext) -> tuple[Call, threading.Event]:
    remaining_ms = ctx.timeout_ms  # from the Connect-Timeout-Ms header, like a gRPC deadline
    cancelled = threading.Event()
    return Call(cancelled, None if remaining_ms is None else time.monotonic() + remaining_ms / 1000.0), cancelled


def connect_error(exc: BaseException, ctx: RequestContext) -> ConnectError:
    """``exc`` as the Connect error a gRPC call would have ended with (code, message, details);
    its trailers (``request-id``, ``retry-after-ms``) become response headers."""
    request_id = current_request_id() or uuid.uuid4().hex[:16]
    status = errors.status_for(exc, request_id)
    details: list[ErrorDetail] = []
    for key, value in status.trailing_metadata or ():
        if key == _STATUS_DETAILS:
            details = [_readable(any_detail) for any_detail in status_pb2.Status.FromString(value).details]
        elif key != "request-id" or "request-id" not in ctx.response_headers:
            ctx.response_headers[key] = value
    name = status.code.name.lower()
    code = Code.CANCELED if name == "cancelled" else Code(name)
    return ConnectError(code, status.details, details)


@functools.cache
def _detail_registry() -> Any:
    """protobuf-py descriptors of google.rpc's error details (connectrpc renders details with
    protobuf-py), built from the google.protobuf descriptors the service already has."""
    from google.rpc import error_details_pb2
    from protobuf._file_registry import create_file_registry
    from protobuf.wkt.google.protobuf.descriptor_pb import FileDescriptorProto

    def converted(name: str) -> FileDescriptorProto:
        proto = descriptor_pb2.FileDescriptorProto()
        descriptor_pool.Default().FindFileByName(name).CopyToProto(proto)
        for message in _all_messages(proto.message_type):
            for field in message.field:  # CopyToProto leaves JSON names out; protoc's rule
                field.json_name = _camel(field.name)
        return FileDescriptorProto.from_binary(proto.SerializeToString())

    return create_file_registry(converted(error_details_pb2.DESCRIPTOR.name), converted)


def _all_messages(messages) -> Iterator[descriptor_pb2.DescriptorProto]:
    for message in messages:
        yield message
        yield from _all_messages(message.nested_type)


def _camel(name: str) -> str:
    head, *rest = name.split("_")
    return head + "".join(part[:1].upper() + part[1:] for part in rest)


def _readable(detail) -> ErrorDetail:
    from protobuf.wkt import Any as PyAny

    packed = PyAny(type_url=detail.type_url, value=detail.value)
    descriptor = _detail_registry().message(detail.type_url.rpartition("/")[2])
    message = packed.unpack(descriptor) if descriptor is not None else None
    return ErrorDetail(message if message is not None else packed)


class ConnectService:
    """``DispatchServiceSync`` of the generated Connect code: each method is the app call the
    gRPC servicer makes."""

    def __init__(self, app: App) -> None:
        self.app = app

    def _unary(self, name: str, request, ctx: RequestContext):
        call, _ = _call(ctx)
        try:
            return getattr(self.app, name)(request, call)
        except Exception as exc:
            raise connect_error(exc, ctx) from None

    def _stream(self, name: str, request, ctx: RequestContext):
        call, cancelled = _call(ctx)
        try:
            yield from getattr(self.app, name)(request, call)
        except Exception as exc:
            raise connect_error(exc, ctx) from None
        finally:  # the client went away (the server closed the body) or the stream ended
            cancelled.set()

    def solve(self, request, ctx):
        return self._unary("solve", request, ctx)

    def solve_stream(self, request, ctx):
        return self._stream("solve_stream", request, ctx)

    def start_solve(self, request, ctx):
        return self._unary("start_solve", request, ctx)

    def get_solve(self, request, ctx):
        return self._unary("get_solve", request, ctx)

    def cancel_solve(self, request, ctx):
        return self._unary("cancel_solve", request, ctx)

    def list_solves(self, request, ctx):
        return self._unary("list_solves", request, ctx)

    def evaluate_plan(self, request, ctx):
        return self._unary("evaluate", request, ctx)

    def recommend_insertion(self, request, ctx):
        return self._unary("recommend", request, ctx)

    def recommend_slots(self, request, ctx):
        return self._unary("slots", request, ctx)

    def compare_scenarios(self, request, ctx):
        return self._unary("compare", request, ctx)

    def compute_matrix(self, request, ctx):
        return self._unary("compute_matrix", request, ctx)

    def estimate_arrival(self, request, ctx):
        return self._unary("estimate_arrival", request, ctx)

    def analyze_history(self, requests, ctx):
        return self._unary("analyze_history", requests, ctx)

    def solve_large(self, requests, ctx):
        # Half duplex: every chunk is read before the first part is answered (HTTP/1.1 is fine).
        return self._stream("solve_large", requests, ctx)


class CallGate:
    """A Connect metadata interceptor, run before the request body is read: refuses calls while
    the server drains (UNAVAILABLE) and calls without a valid bearer token (UNAUTHENTICATED),
    then gives the call a request id and counts it as in flight."""

    def __init__(self, calls: RequestContextInterceptor, tokens: TokenCheck | None) -> None:
        self.calls, self.tokens = calls, tokens

    def on_start_sync(self, ctx: RequestContext):
        if self.calls.draining:
            raise ConnectError(Code.UNAVAILABLE, "the server is shutting down; retry (on another instance)")
        if self.tokens is not None and not self.tokens.authorised(ctx.request_headers.get("authorization", "")):
            log.info("unauthenticated HTTP call to %s refused", ctx.method.name)
            raise ConnectError(Code.UNAUTHENTICATED, "a valid bearer token is required (authorization: Bearer <token>)")
        request_id = uuid.uuid4().hex[:16]
        ctx.response_headers["request-id"] = request_id
        self.calls._enter()
        return request_id_var.set(request_id)

    def on_end_sync(self, token, ctx: RequestContext, error: Exception | None) -> None:
        request_id_var.reset(token)
        self.calls._exit()


class HttpApi:
    """The Connect application on a waitress server; ``start`` returns the bound port."""

    def __init__(self, app: App, calls: RequestContextInterceptor, address: str, *, tokens: tuple[str, ...],
                 max_message_bytes: int, threads: int, console: TravelService | None = None) -> None:
        import waitress.server

        check = TokenCheck(tokens) if tokens else None
        gate = CallGate(calls, check)
        self.application: Any = dispatch_connect.DispatchServiceWSGIApplication(
            ConnectService(app), interceptors=[gate], read_max_bytes=max_message_bytes
        )
        if console is not None:  # the planner console's pages beside the API (console.py)
            from dispatch_service.console import ConsoleApp

            self.application = ConsoleApp(self.application, console, check)
        host, _, port = address.rpartition(":")
        try:
            self.server = waitress.server.create_server(
                self.application, host=host.strip("[]") or "127.0.0.1", port=int(port), threads=threads,
                max_request_body_size=max_message_bytes + 65536,  # Connect refuses first, in JSON ident="dispatch", clear_untrusted_proxy_headers=True,
            )
        except (OSError, ValueError) as exc:
            raise ConfigError(f"cannot listen on --http-address {address}: {exc}") from None
        self.port = int(self.server.effective_port)  # type: ignore[union-attr]
        self._closing = False
        self._thread = threading.Thread(target=self._run, name="http", daemon=True)

    def _run(self) -> None:
        try:
            self.server.run()
        except (OSError, ValueError):
            # ``close`` closes the sockets from another thread: the loop's select can then see a
            # closed descriptor (EBADF, or -1) on its way out. Anything else is a real failure.
            if not self._closing:
                raise

    def start(self) -> int:
        self._thread.start()
        return self.port

    def close(self) -> None:
        """Stops listening, then closes the connections still open (browsers keep them alive):
        waitress's loop ends when none is left."""
        self._closing = True
        self.server.close()
        self.server.task_dispatcher.shutdown()  # type: ignore[union-attr]
        for channel in list(self.server._map.values()):  # type: ignore[union-attr]
            channel.close()
        self._thread.join(timeout=5.0)

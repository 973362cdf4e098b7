"""SolveLarge: a request too large for one message, streamed in chunks; the plan streamed back
(``App.solve_large``).

The chunks are a header (the request without orders) and batches of orders. They are put
together into one ``SolveRequest`` as they arrive — each batch is appended and dropped, so the
server holds the request once, as ``Solve`` does — with the stream's bounds checked per chunk,
before the next one is read: the order count (``App.counts``, with ``--max-large-orders``), the
size of a batch, and the bytes of all chunks (``--max-large-request-bytes``). The request then
takes ``Solve``'s path (``App.admit``: same validation, same conversion), and is dropped before
the search starts. The answer is ``Solve``'s, cut into messages that each fit the message limit
(``convert.response_parts``).
"""

from __future__ import annotations

import logging
import time
from collections.abc import Iterator
from dataclasses import replace
from typing import TYPE_CHECKING

from dispatch_service import convert, failures
from dispatch_service.analytics_rpc import _until_cancelled
from dispatch_service.api.v1 import dispatch_pb2 as pb
from solver.errors import InvalidProblem, Violation

if TYPE_CHECKING:
    from dispatch_service.app import App, Call

log = logging.getLogger("dispatch_service")

MAX_BATCH_ORDERS = 5_000  # orders per OrderBatch (the API documents it)
UNASSIGNED_PER_PART = 1_000  # unassigned orders per UnassignedBatch (the API documents it)


def solve_large(app: App, chunks: Iterator[pb.SolveLargeRequest], call: Call) -> Iterator[pb.SolveLargeResponse]:
    started = time.perf_counter()
    limits = replace(app.limits, max_orders=app.config.max_large_orders)
    request, received_bytes = collect(app, chunks)
    problem = app.admit(request, solving=not request.validate_only, limits=limits)
    if request.validate_only:
        yield from convert.response_parts(convert.validated_response(request.label), UNASSIGNED_PER_PART)
        return
    log.info("request %s: SolveLarge of %d orders in %d bytes", call_id(), len(request.orders), received_bytes)
    del request  # the problem is what the solve needs
    yield from convert.response_parts(app.solve_admitted(problem, call, started, limits), UNASSIGNED_PER_PART)


def collect(app: App, chunks: Iterator[pb.SolveLargeRequest]) -> tuple[pb.SolveRequest, int]:
    """The request the chunks make, and their bytes; ``InvalidProblem`` for a stream out of
    order or too many orders, ``TooLarge`` past the byte limit, each at the chunk that breaks it."""
    limits = replace(app.limits, max_orders=app.config.max_large_orders)
    max_bytes = app.config.max_large_request_bytes
    request: pb.SolveRequest | None = None
    received = 0
    for k, chunk in enumerate(_until_cancelled(chunks)):
        received += chunk.ByteSize()
        if received > max_bytes:
            raise failures.TooLarge([Violation(
                f"chunks[{k}]", f"the chunks so far hold {received:,} bytes, more than the {max_bytes:,} allowed (--max-large-request-bytes)",
            )])
        kind = chunk.WhichOneof("chunk")
        if kind == "header":
            if request is not None:
                raise InvalidProblem([Violation(f"chunks[{k}].header", "must come once, in the first chunk")])
            if len(chunk.header.orders):
                raise InvalidProblem([Violation(f"chunks[{k}].header.orders", "must be empty: orders come in batches after the header")])
            request = chunk.header
            too_large = app.counts(request, limits=limits)
        elif kind == "orders":
            if request is None:
                raise InvalidProblem([Violation(f"chunks[{k}]", "the first chunk must be the header (the request without orders)")])
            n = len(chunk.orders.orders)
            if not 1 <= n <= MAX_BATCH_ORDERS:
                raise InvalidProblem([Violation(f"chunks[{k}].orders.orders", f"must hold 1 to {MAX_BATCH_ORDERS:,} orders, got {n:,}")])
            request.orders.extend(chunk.orders.orders)
            too_large = app.counts(request, limits=limits)
        else:
            raise InvalidProblem([Violation(f"chunks[{k}]", "must hold a header or a batch of orders")])
        if too_large:
            raise InvalidProblem(too_large)  # from the list lengths, before the next chunk is read
    if request is None:
        raise InvalidProblem([Violation("chunks[0].header", "is required: the stream held no chunk")])
    return request, received


def call_id() -> str:
    from dispatch_service.logging_setup import current_request_id

    return current_request_id() or "-"

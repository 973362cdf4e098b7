"""AnalyzeHistory: a stream of history batches in, one analysis out (``App.analyze_history``).

The server only collects columns (cheap: batches are columnar) and enforces the record limit;
checking and analysing a large history takes seconds of CPU under the GIL, so it runs in a
solver worker process, admitted through the same bounded queue as solves (RESOURCE_EXHAUSTED
when full) and bounded by the run limit of tasks without a time limit of their own
(``ServerConfig.quick_run_limit_s``, 120 s). A cancelled call or an expired deadline kills that
worker's analysis after the pool's stop grace (the analysis has no stop flag to poll), and the
worker is replaced.
"""

from __future__ import annotations

import logging
import time
from dataclasses import dataclass
from typing import TYPE_CHECKING

import grpc

from dispatch_service import convert, failures
from dispatch_service.api.v1 import dispatch_pb2 as pb
from solver.errors import InvalidProblem, Violation

if TYPE_CHECKING:  # the analytics package (pandas, PySAL) is imported only where it runs
    from dispatch_service.analytics.analysis import AnalysisOptions
    from dispatch_service.app import App, Call

log = logging.getLogger("dispatch_service.analytics")

MAX_LABEL_CHARS = 256


@dataclass(frozen=True)
class AnalyzeTask:
    """Runs in a solver worker (see ``worker_task.run_task``): check, analyse, serialise."""

    columns: dict
    options: AnalysisOptions
    label: str
    runs_itself = True

    def run(self) -> tuple[str, bytes]:
        from dispatch_service.analytics import records
        from dispatch_service.analytics.analysis import analyze

        history = records.check(self.columns, (), convert.HISTORY_FIELDS)
        # Serialised here, so the server process only parses bytes (no GIL time per cell).
        return "analysis", convert.analysis_to_response(analyze(history, self.options), self.label).SerializeToString()


def analyze_history(app: App, requests, call: Call) -> pb.AnalyzeHistoryResponse:
    from dispatch_service.app import result

    started = time.perf_counter()
    options, label, columns = collect(requests, app.config.max_history_records)
    records = len(columns["order_id"])
    outcome = app.run(app.pool, AnalyzeTask(columns, options, label), call)
    response = pb.AnalyzeHistoryResponse.FromString(result(outcome, "analysis"))
    log.info(
        "analysis: %d records, %d rejected, %d cells, %.3f s", records, response.summary.records_rejected,
        len(response.cells), time.perf_counter() - started,
    )
    return response


def collect(requests, max_records: int):
    """Options, label and concatenated canonical columns of a request stream; ``InvalidProblem``
    on a malformed batch or when the stream passes ``max_records`` (decided before converting)."""
    import numpy as np
    import pandas as pd
    import pyarrow as pa

    options = label = None
    parts: dict[str, list] = {name: [] for name in convert.HISTORY_FIELDS}
    received = 0
    for i, request in enumerate(_until_cancelled(requests)):
        if i == 0:
            options, violations = convert.analysis_options_from_pb(request.options, "options")
            label = request.label
            if len(label) > MAX_LABEL_CHARS:
                violations.append(Violation("label", f"must be at most {MAX_LABEL_CHARS} characters, got {len(label)}"))
            if violations:
                raise InvalidProblem(violations)
        n = len(request.batch.order_id)
        if received + n > max_records:
            raise InvalidProblem([Violation("batch.order_id", f"at most {max_records:,} records per call (the server's --max-history-records); this stream has more")])
        columns, violations = convert.history_batch_columns(request.batch, f"requests[{i}].batch")
        if violations:
            raise InvalidProblem(violations)
        for name, values in columns.items():
            parts[name].append(values)
        received += n
    if options is None:  # an empty stream: analyse nothing, with the default options
        options, _ = convert.analysis_options_from_pb(pb.AnalysisOptions())
        label = ""
    text_dtype = pd.StringDtype("pyarrow", na_value=np.nan)  # pandas' default "str"
    columns = {
        name: (
            pd.array(pa.chunked_array(chunks, type=pa.string()), dtype=text_dtype) if name in _TEXT
            else (np.concatenate(chunks) if chunks else np.empty(0))
        )
        for name, chunks in parts.items()
    }
    return options, label, columns


def _until_cancelled(requests):
    """The stream's messages; a client that cancels mid-stream ends the call as CANCELLED
    (grpc raises RpcError from the iterator, which is not a server error worth a traceback)."""
    try:
        yield from requests
    except grpc.RpcError:
        raise failures.Cancelled("the client cancelled the stream") from None


_TEXT = ("order_id", "fault_code", "asset_id", "asset_model", "engineer_id", "team", "follow_up_of")

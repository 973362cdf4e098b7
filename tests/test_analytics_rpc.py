"""AnalyzeHistory end to end: the real server on a loopback port, a real stub, streamed batches."""

from __future__ import annotations

import grpc
import pytest

from dispatch_service import client, convert
from dispatch_service.analytics import records
from dispatch_service.analytics.analysis import AnalysisOptions, analyze
from dispatch_service.analytics.generator import GeneratorConfig, generate
from dispatch_service.api.v1 import dispatch_pb2 as pb
from dispatch_service.api.v1 import dispatch_pb2_grpc as pb_grpc
from dispatch_service.errors import field_violations
from tests.conftest import start_server, wait_until

BATCH = 1_000


@pytest.fixture(scope="module")
def history():
    frame, truth = generate(GeneratorConfig(records=6_000, seed=13))
    frame = frame.copy()
    frame.loc[2_500, "arrived_s"] = frame.loc[2_500, "created_s"] - 60  # arrived before created
    frame.loc[4_001, "order_id"] = frame.loc[4_000, "order_id"]  # duplicate id
    return frame, truth


def _requests(frame, options=None, label="t"):
    options = options if options is not None else pb.AnalysisOptions(standby_count=3)
    for i, batch in enumerate(convert.history_batches(frame, BATCH)):
        yield pb.AnalyzeHistoryRequest(options=options if i == 0 else None, batch=batch, label=label if i == 0 else "")


def test_streamed_history_is_analysed_with_per_record_errors(stub, history):
    """Six batches in, one answer: bad records reported by stream index, field and rule and
    counted; the rest analysed exactly as the library does locally."""
    frame, truth = history
    response = stub.AnalyzeHistory(_requests(frame), timeout=120)
    assert response.label == "t"
    assert (response.summary.records_received, response.summary.records_rejected) == (6_000, 2)
    errors = {(e.index, e.field, e.rule) for e in response.record_errors}
    assert errors == {
        (2_500, "arrived_time_unix_s", "must not be before created_time_unix_s"),
        (4_001, "order_id", "must be unique (an earlier record has the same id)"),
    }
    assert sum(c.records for c in response.record_error_counts) == 2
    worst = max(response.asset_models, key=lambda m: m.repeat_rate)
    assert worst.asset_model == truth.bad_model and worst.HasField("repeat_z")
    assert any(c.hotspot == pb.HOTSPOT_HOT for c in response.cells)
    assert len(response.standby_positions) == 3

    local = analyze(records.check({c: frame[c].to_numpy() for c in records.COLUMNS}), AnalysisOptions(standby_count=3))
    remote = convert.response_to_analysis(response)
    assert remote.faults == local.faults
    assert remote.models == local.models
    assert [(c.cell, c.hotspot, c.failures) for c in remote.cells] == [(c.cell, c.hotspot, c.failures) for c in local.cells]
    assert remote.standby == local.standby
    assert [k.key for k in remote.kpis] == [k.key for k in local.kpis]
    assert remote.kpis[0].first_time_fix_rate == local.kpis[0].first_time_fix_rate


def test_standby_positions_are_valid_engineer_start_locations(stub, history):
    """The positions go straight into a SolveRequest as engineers' start locations."""
    frame, _ = history
    response = stub.AnalyzeHistory(_requests(frame.iloc[:3_000]), timeout=120)
    request = client.load_request("examples/small.json")
    for engineer, position in zip(request.engineers, response.standby_positions):
        engineer.start_location.CopyFrom(position.location)
    request.validate_only = True
    assert stub.Solve(request, timeout=30).stats.status == pb.VALIDATED


def test_batch_with_ragged_columns_is_invalid_argument(stub, history):
    frame, _ = history
    requests = list(_requests(frame.iloc[:2_000]))
    del requests[1].batch.latitude[-1]
    with pytest.raises(grpc.RpcError) as err:
        stub.AnalyzeHistory(iter(requests), timeout=60)
    assert err.value.code() == grpc.StatusCode.INVALID_ARGUMENT
    assert field_violations(err.value) == [("requests[1].batch.latitude", "must have one value per record (1000, as order_id), got 999")]


@pytest.mark.parametrize(
    "options, field",
    [
        (pb.AnalysisOptions(h3_resolution=11), "options.h3_resolution"),
        (pb.AnalysisOptions(hotspot_alpha=0.9), "options.hotspot_alpha"),
        (pb.AnalysisOptions(standby_count=-1), "options.standby_count"),
        (pb.AnalysisOptions(shift_hours=0), "options.shift_hours"),
    ],
    ids=["resolution", "alpha", "standby", "shift"],
)
def test_bad_options_name_the_field(stub, history, options, field):
    frame, _ = history
    with pytest.raises(grpc.RpcError) as err:
        stub.AnalyzeHistory(_requests(frame.iloc[:100], options=options), timeout=60)
    assert err.value.code() == grpc.StatusCode.INVALID_ARGUMENT
    assert [f for f, _ in field_violations(err.value)] == [field]


def test_record_limit_per_call_is_configurable():
    """A server started with a limit refuses a longer stream, naming the limit."""
    server = start_server(workers=1, max_history_records=1_500)
    try:
        frame, _ = generate(GeneratorConfig(records=2_000, seed=1))
        with grpc.insecure_channel(f"127.0.0.1:{server.port}") as channel:
            stub = pb_grpc.DispatchServiceStub(channel)
            with pytest.raises(grpc.RpcError) as err:
                stub.AnalyzeHistory(_requests(frame), timeout=60)
            assert err.value.code() == grpc.StatusCode.INVALID_ARGUMENT
            (field, rule), = field_violations(err.value)
            assert field == "batch.order_id" and "at most 1,500 records per call" in rule
            ok = stub.AnalyzeHistory(_requests(frame.iloc[:1_500]), timeout=120)
            assert ok.summary.records_analysed == 1_500
    finally:
        server.stop(grace_s=1.0)


def test_empty_stream_gives_an_empty_analysis(stub):
    response = stub.AnalyzeHistory(iter([]), timeout=30)
    assert response.summary.records_received == 0 and not response.cells and not response.faults


def test_client_cancelling_mid_stream_leaves_the_server_serving(stub, history):
    """A stream cancelled after its first batch ends there; the next call is answered."""
    import threading

    frame, _ = history
    sent_first = threading.Event()
    release = threading.Event()

    def requests():
        for i, request in enumerate(_requests(frame.iloc[:3_000])):
            if i == 1:
                sent_first.set()
                release.wait(30)  # held open until the test has cancelled the call
            yield request

    future = stub.AnalyzeHistory.future(requests(), timeout=60)
    assert sent_first.wait(30)
    future.cancel()
    release.set()
    with pytest.raises(grpc.FutureCancelledError):
        future.result()
    assert stub.AnalyzeHistory(_requests(frame.iloc[:500]), timeout=60).summary.records_analysed == 500


def test_analysis_waits_in_the_solve_queue_and_is_refused_when_it_is_full(history):
    """Analyses run in the solver workers, admitted by the same bounded queue: with the only
    worker taken by a solve job and no queue, AnalyzeHistory is RESOURCE_EXHAUSTED with a retry
    hint, and is answered once the job is cancelled."""
    from tests.test_realtime_stream import busy_request

    frame, _ = history
    server = start_server(workers=1, queue_size=0)
    try:
        with grpc.insecure_channel(f"127.0.0.1:{server.port}") as channel:
            stub = pb_grpc.DispatchServiceStub(channel)
            job = stub.StartSolve(busy_request(60), timeout=10)
            with pytest.raises(grpc.RpcError) as err:
                stub.AnalyzeHistory(_requests(frame.iloc[:500]), timeout=30)
            assert err.value.code() == grpc.StatusCode.RESOURCE_EXHAUSTED
            assert dict(err.value.trailing_metadata())["retry-after-ms"] == "1000"
            stub.CancelSolve(pb.CancelSolveRequest(job_id=job.job_id), timeout=30)
            wait_until(lambda: server.pool.depth == 0, what="the cancelled job to leave the queue")
            assert stub.AnalyzeHistory(_requests(frame.iloc[:500]), timeout=60).summary.records_analysed == 500
    finally:
        server.stop(grace_s=1.0)

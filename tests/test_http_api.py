"""HTTP/JSON beside gRPC (Connect protocol): the real server with ``--http-address`` on a loopback
port, called with a plain HTTP client (urllib) the way a ticketing system would: unary and
streaming RPCs, errors with field violations, authentication, limits and the OpenAPI file."""

from __future__ import annotations

import json
import pathlib
import struct
import urllib.error
import urllib.request

import grpc
import pytest
from google.protobuf import json_format

from dispatch_service import client
from dispatch_service.api.v1 import dispatch_pb2 as pb
from dispatch_service.api.v1 import dispatch_pb2_grpc as pb_grpc
from dispatch_service.errors import field_violations
from dispatch_service.security import bearer_metadata
from tests import builders as b
from tests.conftest import start_server

ROOT = pathlib.Path(__file__).resolve().parent.parent
TOKEN = "http-test-token"
SERVICE = "dispatch.v1.DispatchService"


@pytest.fixture(scope="module")
def served():
    server = start_server(workers=1, queue_size=2, http_address="127.0.0.1:0", auth_tokens=(TOKEN,), max_message_bytes=2_000_000)
    with grpc.insecure_channel(f"127.0.0.1:{server.port}") as channel:
        yield server, pb_grpc.DispatchServiceStub(channel)
    server.stop(grace_s=1.0)


def post(server, method: str, body: bytes, content_type: str = "application/json", token: str | None = TOKEN, headers=None):
    """(HTTP status, headers, body) of one POST, errors included."""
    sent = {"content-type": content_type, **(headers or {})}
    if token is not None:
        sent["authorization"] = f"Bearer {token}"
    request = urllib.request.Request(f"http://127.0.0.1:{server.http_port}/{SERVICE}/{method}", data=body, headers=sent)
    try:
        with urllib.request.urlopen(request, timeout=120) as response:
            return response.status, response.headers, response.read()
    except urllib.error.HTTPError as error:
        with error:
            return error.code, error.headers, error.read()


def post_json(server, method: str, message, **kw):
    status, headers, body = post(server, method, json_format.MessageToJson(message).encode(), **kw)
    return status, headers, json.loads(body)


def envelopes(*messages) -> bytes:
    out = b""
    for message in messages:
        data = json_format.MessageToJson(message).encode()
        out += struct.pack(">BI", 0, len(data)) + data
    return out


def read_envelopes(body: bytes) -> tuple[list[dict], dict]:
    """The messages of a Connect stream and its end-of-stream object (flag 2)."""
    messages, end, at = [], {}, 0
    while at < len(body):
        flags, size = struct.unpack(">BI", body[at:at + 5])
        payload = json.loads(body[at + 5:at + 5 + size])
        if flags & 2:
            end = payload
        else:
            messages.append(payload)
        at += 5 + size
    return messages, end


def small_request(**options) -> pb.SolveRequest:
    return b.request(
        [b.order(f"o{i}", i, 1) for i in range(4)], [b.engineer("e1"), b.engineer("e2", 3, 0)],
        searchMode="SEARCH_MODE_RETURN_FAST", randomSeed=1, **options,
    )


def test_unary_solve_answers_the_same_plan_as_grpc(served):
    """Solve over HTTP with JSON in and out: the same routes as the same request over gRPC, and a
    request id header."""
    server, stub = served
    request = small_request()
    status, headers, body = post_json(server, "Solve", request)
    assert status == 200 and headers["content-type"] == "application/json"
    assert headers["request-id"]
    over_http = json_format.ParseDict(body, pb.SolveResponse())
    over_grpc = stub.Solve(request, timeout=60, metadata=bearer_metadata(TOKEN))
    assert [[v.order_id for v in r.visits] for r in over_http.routes] == [[v.order_id for v in r.visits] for r in over_grpc.routes]
    assert sum(len(r.visits) for r in over_http.routes) == 4


def test_invalid_request_is_400_with_the_same_field_violations_as_grpc(served):
    server, stub = served
    request = small_request()
    request.orders[2].time_windows.add().start_time.FromSeconds(2_000_000_000)  # a window without an end
    request.orders[2].time_windows[0].end_time.FromSeconds(1_000_000_000)  # ... that ends before it starts
    status, headers, body = post_json(server, "Solve", request)
    assert status == 400 and body["code"] == "invalid_argument"
    (detail,) = body["details"]
    assert detail["type"] == "google.rpc.BadRequest"
    over_http = [(v["field"], v["description"]) for v in detail["debug"]["fieldViolations"]]
    with pytest.raises(grpc.RpcError) as caught:
        stub.Solve(request, timeout=60, metadata=bearer_metadata(TOKEN))
    assert over_http == field_violations(caught.value)
    assert any(field.startswith("orders[2].time_windows[0]") for field, _ in over_http)
    assert headers["request-id"]


def test_every_rpc_is_routed_and_admitted_like_grpc(served):
    """Each unary RPC with an empty body reaches the app's admission: the violations name the
    method's own required fields (or the call succeeds where nothing is required)."""
    server, _ = served
    expected = {
        "Solve": "engineers", "StartSolve": "engineers", "GetSolve": "job_id", "CancelSolve": "job_id",
        "EvaluatePlan": "problem.engineers", "RecommendInsertion": "problem.engineers", "RecommendSlots": "slot_grid",
        "CompareScenarios": "base", "EstimateArrival": "origin", "ListSolves": None, "ComputeMatrix": None,
    }
    for method, field in expected.items():
        status, _, raw = post(server, method, b"{}")
        body = json.loads(raw)
        if field is None:
            assert status == 200, (method, body)
        else:
            assert status == 400, (method, body)
            fields = [v["field"] for v in body["details"][0]["debug"]["fieldViolations"]]
            assert field in fields, (method, fields)


def test_server_streaming_solve_sends_progress_then_the_final_plan(served):
    server, _ = served
    status, headers, body = post(server, "SolveStream", envelopes(small_request()), content_type="application/connect+json")
    assert status == 200 and headers["content-type"] == "application/connect+json"
    messages, end = read_envelopes(body)
    assert end == {} and messages
    assert messages[-1]["final"] is True
    final = json_format.ParseDict(messages[-1], pb.SolveProgress())
    assert sum(len(r.visits) for r in final.plan.routes) == 4


def test_streaming_error_is_in_the_end_of_stream_message(served):
    server, _ = served
    status, _, body = post(server, "SolveStream", envelopes(pb.SolveRequest()), content_type="application/connect+json")
    assert status == 200  # Connect streams carry their error at the end
    messages, end = read_envelopes(body)
    assert messages == [] and end["error"]["code"] == "invalid_argument"
    assert end["error"]["details"][0]["debug"]["fieldViolations"][0]["field"] == "engineers"


def test_client_streaming_history_is_analysed(served):
    server, _ = served
    from dispatch_service import convert
    from dispatch_service.analytics.generator import GeneratorConfig, generate

    frame, _ = generate(GeneratorConfig(records=600, seed=3))
    requests = [
        pb.AnalyzeHistoryRequest(options=pb.AnalysisOptions(standby_count=2) if i == 0 else None, batch=batch, label="http" if i == 0 else "")
        for i, batch in enumerate(convert.history_batches(frame, 250))
    ]
    assert len(requests) == 3
    status, _, body = post(server, "AnalyzeHistory", envelopes(*requests), content_type="application/connect+json")
    assert status == 200
    (answer,), end = read_envelopes(body)
    assert end == {} and answer["label"] == "http"
    assert int(answer["summary"]["recordsAnalysed"]) == 600


def test_a_large_request_in_chunks_over_http(served):
    """SolveLarge over HTTP/JSON (half duplex: the chunks, then the plan's parts)."""
    server, _ = served
    req = small_request()
    status, _, body = post(server, "SolveLarge", envelopes(*client.large_chunks(req, orders_per_batch=2)),
                           content_type="application/connect+json")
    assert status == 200
    messages, end = read_envelopes(body)
    assert end == {} and "summary" in messages[-1]
    plan = client.plan_from_parts(json_format.ParseDict(m, pb.SolveLargeResponse()) for m in messages)
    assert sum(len(r.visits) for r in plan.routes) == len(req.orders)


def test_jobs_start_get_list_and_cancel_over_http(served):
    server, _ = served
    status, _, job = post_json(server, "StartSolve", small_request())
    assert status == 200 and job["jobId"]
    status, _, got = post_json(server, "GetSolve", pb.GetSolveRequest(job_id=job["jobId"]))
    assert status == 200 and got["jobId"] == job["jobId"]
    status, _, listed = post_json(server, "ListSolves", pb.ListSolvesRequest())
    assert job["jobId"] in [j["jobId"] for j in listed["jobs"]]
    status, _, cancelled = post_json(server, "CancelSolve", pb.CancelSolveRequest(job_id=job["jobId"]))
    assert status == 200 and cancelled["jobId"] == job["jobId"]
    status, _, missing = post_json(server, "GetSolve", pb.GetSolveRequest(job_id="no-such-job"))
    assert status == 404 and missing["code"] == "not_found"


def test_compute_matrix_over_http(served):
    server, _ = served
    request = json_format.ParseDict(
        {"origins": [b.place(0, 0)], "destinations": [b.place(6, 0), b.place(0, 12)],
         "travelModel": {"greatCircle": {"speedKmh": 60, "detourFactor": 1.0}}},
        pb.ComputeMatrixRequest(),
    )
    status, _, body = post_json(server, "ComputeMatrix", request)
    assert status == 200
    answer = json_format.ParseDict(body, pb.ComputeMatrixResponse())
    assert len(answer.distances_meters) == 2 and answer.distances_meters[1] == pytest.approx(2 * answer.distances_meters[0], rel=0.01)


def test_missing_or_wrong_token_is_401_and_the_body_is_not_parsed(served):
    server, _ = served
    for token in (None, "wrong-token"):
        status, _, raw = post(server, "Solve", b"this is not JSON", token=token)
        assert status == 401
        assert json.loads(raw)["code"] == "unauthenticated"
    status, _, raw = post(server, "Solve", b"this is not JSON")  # with the token: now it is parsed
    assert status == 400 and json.loads(raw)["code"] == "invalid_argument"


def test_a_body_over_the_message_limit_is_refused(served):
    server, _ = served
    status, _, raw = post(server, "Solve", b"{" + b" " * 2_010_000 + b"}")
    assert status == 429 and json.loads(raw)["code"] == "resource_exhausted"


def test_cli_flag_turns_http_on():
    import argparse

    from dispatch_service import config

    parser = argparse.ArgumentParser()
    config.add_arguments(parser)
    assert config.from_arguments(parser.parse_args(["--http-address", "127.0.0.1:8080"])).http_address == "127.0.0.1:8080"
    assert config.from_arguments(parser.parse_args([])).http_address is None


def test_openapi_describes_every_rpc():
    spec = json.loads((ROOT / "docs" / "openapi.json").read_text())
    methods = [m.name for m in pb.DESCRIPTOR.services_by_name["DispatchService"].methods]
    assert sorted(spec["paths"]) == sorted(f"/{SERVICE}/{m}" for m in methods)
    solve = spec["paths"][f"/{SERVICE}/Solve"]["post"]
    assert solve["requestBody"]["content"]["application/json"]["schema"] == {"$ref": "#/components/schemas/dispatch.v1.SolveRequest"}
    order = spec["components"]["schemas"]["dispatch.v1.Order"]["properties"]
    assert "timeWindows" in order and "slaDeadline" in order  # proto3 JSON names
    assert client.to_json(pb.SolveRequest())  # the same JSON mapping the client writes


def test_latency_benchmark_measures_each_transport():
    """benchmarks/http_latency.py runs (two calls each way) and reports every transport against gRPC."""
    from benchmarks.http_latency import measure

    server = start_server(workers=1, http_address="127.0.0.1:0")
    try:
        results = measure(server.port, server.http_port, calls=2)
    finally:
        server.stop(grace_s=1.0)
    assert set(results) == {"grpc", "http_json_keepalive", "http_json_new_connection"}
    assert results["grpc"]["median_over_grpc"] == 1.0
    assert all(r["calls"] == 2 and r["median_ms"] > 0 for r in results.values())

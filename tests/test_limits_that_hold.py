"""Limits that hold (issue 17): time, memory and stalls enforced by the service itself, model
size bounded before a worker is used, cheap count limits first, fail-closed start-up, exact
field paths for NaN territories and re-planning state, first-come-first-served admission."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import threading

import grpc
import pytest
from google.protobuf import json_format

from dispatch_service import app as app_module
from dispatch_service import config as config_module
from dispatch_service import convert
from dispatch_service.api.v1 import dispatch_pb2 as pb
from dispatch_service.api.v1 import dispatch_pb2_grpc as pb_grpc
from dispatch_service.config import ConfigError, ServerConfig
from dispatch_service.errors import field_violations
from dispatch_service.server import DispatchServer
from tests.builders import at, engineer, order, request
from tests.conftest import start_server, wait_until
from tests.test_server_lifecycle import long_request
from tests.tls_certs import make_pki

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))


def _small() -> pb.SolveRequest:
    return request([order("a", 1)], [engineer("e")])


def _stub(server):
    channel = grpc.insecure_channel(f"127.0.0.1:{server.port}")
    return channel, pb_grpc.DispatchServiceStub(channel)


def _state(pid: int) -> str:
    try:
        with open(f"/proc/{pid}/stat") as f:
            return f.read().rsplit(")", 1)[1].split()[0]
    except FileNotFoundError:
        return "gone"


# -- 1. time, model size, memory and stalls ------------------------------------------------------


def test_the_service_stops_a_search_at_its_own_run_limit_and_answers_with_the_best_plan():
    """A worker that runs past the service's limit (here made 1 s + 5 % of a 60 s time limit)
    is stopped by the service, not by the search; the caller gets the best plan found so far."""
    server = start_server(workers=1, queue_size=0, time_limit_overrun_s=1.0, time_limit_overrun_share=-0.95)
    channel, stub = _stub(server)
    try:
        with channel:
            response = stub.Solve(long_request(60), timeout=120)
            assert response.kpis.orders_served == 60
            assert response.stats.effective_time_limit.seconds >= 59  # the search was asked for 60 s ...
            assert response.stats.total_time.seconds < 30  # ... and the service stopped it after about 4 s
            wait_until(lambda: server.pool.depth == 0 and len(server.pool.worker_pids()) == 1, what="the worker to be free")
    finally:
        server.stop(grace_s=0.5)


def test_a_model_too_large_for_memory_is_resource_exhausted_naming_the_field_and_limit():
    """5 orders x 60 engineers x 4 shifts (OR-Tools nodes: 5 + 2 x 240) against a 1 MiB model
    cap: refused before any worker is used, like 2000 engineers x 16 shifts against the default."""
    server = start_server(workers=1, queue_size=0, max_model_mb=1)
    channel, stub = _stub(server)
    shifts = [{"startTime": at(d * 1440), "endTime": at(d * 1440 + 480)} for d in range(4)]
    big = request([order(f"o{k}", k) for k in range(5)], [engineer(f"e{j}", j % 7) | {"shifts": shifts} for j in range(60)])
    try:
        with channel:
            with pytest.raises(grpc.RpcError) as info:
                stub.Solve(big, timeout=30)
            assert info.value.code() == grpc.StatusCode.RESOURCE_EXHAUSTED
            (field, description), = field_violations(info.value)
            assert field == "engineers" and "--max-model-mb" in description and "1 MiB" in description
            assert "request-id" in dict(info.value.trailing_metadata())
            big.validate_only = True  # the request itself is valid
            assert stub.Solve(big, timeout=30).stats.status == pb.VALIDATED
            assert stub.Solve(_small(), timeout=30).routes[0].visits
    finally:
        server.stop(grace_s=0.5)


def test_the_default_model_cap_refuses_the_2000_engineer_16_shift_fleet():
    """The large fleet that grew a worker to 18.6 GB is refused from its sizes by default."""
    problem = convert.request_to_problem(_small())[0]
    fleet = [problem.engineers[0]] * 2000
    from dataclasses import replace

    shift = problem.engineers[0].shifts[0]
    fleet = tuple(replace(problem.engineers[0], id=f"e{j}", shifts=(shift,) * 16) for j in range(2000))
    estimate = app_module.model_size_mb(replace(problem, engineers=fleet))
    assert estimate > ServerConfig().max_model_mb * 50


def test_a_worker_past_its_memory_cap_during_a_task_is_killed_and_replaced():
    """A cap below any worker's size (OR-Tools and the kernel alone take more) kills the worker
    during the solve, not after it: RESOURCE_EXHAUSTED, and the pool is whole again."""
    server = start_server(workers=1, queue_size=0, worker_memory_cap_mb=50)
    channel, stub = _stub(server)
    try:
        with channel:
            before = server.pool.worker_pids()
            with pytest.raises(grpc.RpcError) as info:
                stub.Solve(_small(), timeout=30)
            assert info.value.code() == grpc.StatusCode.RESOURCE_EXHAUSTED
            assert "50 MiB" in info.value.details()
            wait_until(lambda: len(server.pool.worker_pids()) == 1 and server.pool.worker_pids() != before, what="a new worker")
    finally:
        server.stop(grace_s=0.5)


def test_a_stopped_worker_is_detected_by_its_cpu_heartbeat_and_replaced():
    """A SIGSTOPped worker would hold a call forever: with no CPU progress for the stall time
    the call fails UNAVAILABLE (retryable) and the worker is replaced; the next solve works."""
    server = start_server(workers=1, queue_size=0, worker_stall_s=1.0)
    channel, stub = _stub(server)
    try:
        with channel:
            (victim,) = server.pool.worker_pids()
            os.kill(victim, signal.SIGSTOP)
            with pytest.raises(grpc.RpcError) as info:
                stub.Solve(long_request(30), timeout=60)
            assert info.value.code() == grpc.StatusCode.UNAVAILABLE
            assert "stalled" in info.value.details()
            wait_until(lambda: len(server.pool.worker_pids()) == 1 and victim not in server.pool.worker_pids(), what="a new worker")
            assert _state(victim) in ("gone", "Z")
            assert stub.Solve(_small(), timeout=30).routes[0].visits
    finally:
        server.stop(grace_s=0.5)


# -- 2 / 3. heavy work in workers, only the asked pairs, bounded caches --------------------------


def test_compute_matrix_computes_only_the_asked_pairs(stub, monkeypatch):
    """1 x 5000 is 5000 pairs, not 5001²: the worker builds a 1 x 5000 rectangle."""
    from dispatch_service import travel

    service = travel.service()
    result = service.rectangle(convert.travel_model_from_pb(pb.TravelModel()), [41.15], [-8.61], [41.16] * 5000, [-8.62] * 5000)
    assert result.duration_s.shape == (1, 5000) and result.distance_m.shape == (1, 5000)
    req = pb.ComputeMatrixRequest(origins=[{"latitude": 41.15, "longitude": -8.61}],
                                  destinations=[{"latitude": 41.15 + k * 1e-4, "longitude": -8.61} for k in range(5000)])
    out = stub.ComputeMatrix(req, timeout=60)
    assert len(out.durations_seconds) == 5000 and out.durations_seconds[0] == 0 and out.durations_seconds[-1] > 0


def test_travel_cache_is_bounded_in_bytes(monkeypatch):
    from dispatch_service import travel

    service = travel.TravelService()
    monkeypatch.setattr(travel, "CACHE_BYTES", 3 * 2 * 8 * 30 * 30)  # room for about three 30-point problems
    for k in range(6):
        req = request([order(f"o{i}", i + k) for i in range(29)], [engineer("e", k)])
        service.cached_matrices_for(convert.request_to_problem(req)[0])
    assert 1 <= len(service._cache) <= 3


def test_scenario_matrices_are_not_computed_in_the_server_process(stub, monkeypatch):
    """CompareScenarios hands each scenario to a worker whole; the server computes no travel."""
    from dispatch_service import travel

    calls = []
    original = travel.TravelService.points
    monkeypatch.setattr(travel.TravelService, "points", lambda self, *a, **k: calls.append(1) or original(self, *a, **k))
    base = request([order(f"o{k}", k) for k in range(4)], [engineer("e")])
    out = stub.CompareScenarios(pb.CompareScenariosRequest(base=base, scenarios=[pb.Scenario(name="x3", order_scale=3)]), timeout=60)
    assert out.scenarios[0].kpis.orders_total == 12
    assert calls == []


# -- 5. authentication fails closed ----------------------------------------------------------------


@pytest.mark.parametrize("text", ["", "# only a comment\n", "   \n\t\n", "# a\n\n#b\n"], ids=["empty", "comment", "whitespace", "mixed"])
def test_a_tokens_file_without_tokens_refuses_to_start(tmp_path, text):
    path = tmp_path / "tokens"
    path.write_text(text)
    with pytest.raises(ConfigError, match="no token"):
        config_module.load_tokens(str(path))


def test_an_unreadable_tokens_file_or_empty_token_variable_refuses_to_start(tmp_path):
    with pytest.raises(ConfigError, match="cannot read"):
        config_module.load_tokens(str(tmp_path / "missing"))
    with pytest.raises(ConfigError, match="DISPATCH_AUTH_TOKENS"):
        config_module.load_tokens(None, " , ,")


def _serve(*argv: str, timeout_s: float = 60) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-m", "dispatch_service", "serve", "--address", "127.0.0.1:0", "--workers", "1", *argv],
                          check=False, cwd=ROOT, capture_output=True, text=True, timeout=timeout_s)


def test_serve_with_an_empty_tokens_file_exits_with_one_line(tmp_path):
    path = tmp_path / "tokens"
    path.write_text("# nobody yet\n")
    done = _serve("--auth-tokens-file", str(path))
    assert done.returncode == 2
    assert done.stderr.strip().count("\n") == 0 and "no token" in done.stderr


# -- 6. NaN in GeoJSON ---------------------------------------------------------------------------


def _nan_territory(text: str) -> pb.SolveRequest:
    return request([order("a", 1)], [engineer("e") | {"territory": {"geojson": text}}])


NAN_SQUARE = '{"type": "Polygon", "coordinates": [[[-8.7, 41.1], [NaN, 41.1], [-8.5, 41.2], [-8.7, 41.1]]]}'
HUGE_SQUARE = '{"type": "Polygon", "coordinates": [[[-8.7, 41.1], [1e999, 41.1], [-8.5, 41.2], [-8.7, 41.1]]]}'


@pytest.mark.parametrize("text", [NAN_SQUARE, HUGE_SQUARE, NAN_SQUARE.replace("NaN", "-Infinity")], ids=["nan", "overflow", "infinity"])
@pytest.mark.parametrize("rpc", ["Solve", "validate_only", "StartSolve", "EvaluatePlan", "CompareScenarios", "SolveStream"])
def test_non_finite_territory_coordinates_are_invalid_at_the_field(stub, rpc, text):
    req = _nan_territory(text)
    with pytest.raises(grpc.RpcError) as info:
        if rpc == "validate_only":
            req.validate_only = True
            stub.Solve(req, timeout=30)
        elif rpc == "EvaluatePlan":
            stub.EvaluatePlan(pb.EvaluatePlanRequest(problem=req), timeout=30)
        elif rpc == "CompareScenarios":
            stub.CompareScenarios(pb.CompareScenariosRequest(base=req), timeout=30)
        elif rpc == "SolveStream":
            list(stub.SolveStream(req, timeout=30))
        else:
            getattr(stub, rpc)(req, timeout=30)
    assert info.value.code() == grpc.StatusCode.INVALID_ARGUMENT
    fields = dict(field_violations(info.value))
    prefix = {"EvaluatePlan": "problem.", "CompareScenarios": "base."}.get(rpc, "")
    assert "finite" in fields[f"{prefix}engineers[0].territory.geojson"]


# -- 7. re-planning state validated in full --------------------------------------------------------


def _replan(body: dict) -> pb.SolveRequest:
    req = request([order("o1", 1), order("o2", 2)], [engineer("a"), engineer("b", 1)])
    plain = {**body, "engineerStates": [{k: v for k, v in s.items() if k != "inProgressStartTime"} for s in body.get("engineerStates", [])]}
    plain = {k: v for k, v in plain.items() if k != "freezeBeforeTime" and (k != "engineerStates" or v)}
    json_format.ParseDict(plain, req.replan)
    _with_seconds(req, body)
    req.validate_only = True
    return req


def _start(seconds: int) -> dict:
    return {"engineerStates": [{"engineerId": "a", "inProgressOrderId": "o1", "inProgressStartTime": seconds}]}


def _with_seconds(req: pb.SolveRequest, body: dict) -> None:
    """Timestamps outside what protobuf JSON can spell (before 1970, int64 edges), set directly."""
    for k, state in enumerate(body.get("engineerStates", [])):
        if isinstance(state.get("inProgressStartTime"), int):
            req.replan.engineer_states[k].in_progress_start_time.seconds = state["inProgressStartTime"]
    if isinstance(body.get("freezeBeforeTime"), int):
        req.replan.freeze_before_time.seconds = body["freezeBeforeTime"]


DAY_S = 86_400


@pytest.mark.parametrize(
    ("body", "field", "words"),
    [
        ({"engineerStates": [{"engineerId": "a"}, {"engineerId": "a"}]}, "replan.engineer_states[1].engineer_id", "already has a state"),
        (_start(-1), "replan.engineer_states[0].in_progress_start_time", "1970"),
        (_start(-(2**63)), "replan.engineer_states[0].in_progress_start_time", "1970"),
        (_start(2**63 - 1), "replan.engineer_states[0].in_progress_start_time", "2100"),
        (_start(1_000), "replan.engineer_states[0].in_progress_start_time", "7 days before"),
        ("forty_days", "replan.engineer_states[0].in_progress_start_time", "end of the last shift"),
        ({"freezeBeforeTime": -5}, "replan.freeze_before_time", "1970"),
        ({"previousRoutes": [{"engineerId": "a", "orderIds": ["o1"]}, {"engineerId": "a", "orderIds": ["o2"]}]},
         "replan.previous_routes[1].shift_index", "same engineer and shift"),
        ({"previousRoutes": [{"engineerId": "a", "orderIds": ["o1"]}, {"engineerId": "b", "orderIds": ["o1"]}]},
         "replan.previous_routes[1].order_ids[0]", "already in"),
    ],
    ids=["duplicate-state", "before-1970", "int64-min", "int64-max", "weeks-before", "forty-days-after", "freeze-1970",
         "route-twice", "order-twice"],
)
def test_replanning_state_is_validated_in_full_with_exact_paths(stub, body, field, words):
    """validate_only refuses what Solve could not carry out, at the field that is wrong."""
    if body == "forty_days":
        req = _replan({})
        body = _start(req.engineers[0].shifts[0].end_time.seconds + 40 * DAY_S)
    req = _replan(body)
    with pytest.raises(grpc.RpcError) as info:
        stub.Solve(req, timeout=30)
    assert info.value.code() == grpc.StatusCode.INVALID_ARGUMENT
    fields = dict(field_violations(info.value))
    assert field in fields and words in fields[field], fields


# -- 8. an address in use --------------------------------------------------------------------------


def test_a_second_server_on_an_address_in_use_refuses_to_start(server):
    with pytest.raises(ConfigError, match=r"in use|another server"):
        DispatchServer(ServerConfig(address=f"127.0.0.1:{server.port}", workers=1, queue_size=0)).start()


# -- 9. long ids -----------------------------------------------------------------------------------


@pytest.mark.parametrize("rpc", ["GetSolve", "CancelSolve"])
def test_a_100_kb_job_id_is_not_found_with_a_short_message(stub, rpc):
    job_id = "x" * 100_000
    message = pb.GetSolveRequest(job_id=job_id) if rpc == "GetSolve" else pb.CancelSolveRequest(job_id=job_id)
    with pytest.raises(grpc.RpcError) as info:
        getattr(stub, rpc)(message, timeout=30)
    assert info.value.code() == grpc.StatusCode.NOT_FOUND
    assert len(info.value.details()) < 200 and "xxxx" in info.value.details()


# -- 10. cheap limits first ------------------------------------------------------------------------


def test_20000_scenarios_are_refused_before_any_is_converted(stub, monkeypatch):
    calls = []
    original = convert.scenario_from_pb
    monkeypatch.setattr(convert, "scenario_from_pb", lambda *a, **k: calls.append(1) or original(*a, **k))
    req = pb.CompareScenariosRequest(base=_small())
    for k in range(20_000):
        req.scenarios.add(name=f"s{k}")
    with pytest.raises(grpc.RpcError) as info:
        stub.CompareScenarios(req, timeout=60)
    assert info.value.code() == grpc.StatusCode.INVALID_ARGUMENT
    assert "at most 16 scenarios" in dict(field_violations(info.value))["scenarios"]
    assert calls == []


@pytest.mark.parametrize("what", ["previous_routes", "engineer_states", "committed_ids"])
def test_100000_replanning_entries_are_refused_from_the_list_length(stub, monkeypatch, what):
    calls = []
    original = convert.request_to_problem
    monkeypatch.setattr(convert, "request_to_problem", lambda request, **kw: calls.append(1) or original(request, **kw))
    req = _small()
    req.validate_only = True
    if what == "previous_routes":
        for _ in range(100_000):
            req.replan.previous_routes.add(engineer_id="e")
    elif what == "engineer_states":
        for _ in range(100_000):
            req.replan.engineer_states.add(engineer_id="e")
    else:
        req.replan.engineer_states.add(engineer_id="e", committed_order_ids=["a"] * 100_000)
    with pytest.raises(grpc.RpcError) as info:
        stub.Solve(req, timeout=60)
    assert info.value.code() == grpc.StatusCode.INVALID_ARGUMENT
    assert any(f.startswith("replan.") and "at most" in d for f, d in field_violations(info.value))
    assert calls == []


def test_evaluation_routes_are_counted_before_conversion(stub, monkeypatch):
    calls = []
    original = convert.request_to_problem
    monkeypatch.setattr(convert, "request_to_problem", lambda request, **kw: calls.append(1) or original(request, **kw))
    routes = [pb.PlannedRoute(engineer_id="e", order_ids=["a"]) for _ in range(50_000)]
    with pytest.raises(grpc.RpcError) as info:
        stub.EvaluatePlan(pb.EvaluatePlanRequest(problem=_small(), routes=routes), timeout=60)
    assert info.value.code() == grpc.StatusCode.INVALID_ARGUMENT
    assert "at most" in dict(field_violations(info.value))["routes"]
    assert calls == []


# -- 11. first come, first served ------------------------------------------------------------------


def test_waiting_solves_get_the_worker_in_the_order_they_came():
    """One worker busy, three solves admitted one after the other: when it frees, they run in
    their order of arrival (workers used to go to whichever waiter polled first)."""
    server = start_server(workers=1, queue_size=3)
    channel, stub = _stub(server)
    finished: list[str] = []
    lock = threading.Lock()
    try:
        with channel:
            blocker = stub.Solve.future(long_request(60), timeout=120)
            wait_until(lambda: server.pool.depth == 1, what="the first solve to run")
            calls = []
            for k, name in enumerate("BCD"):
                call = stub.Solve.future(_small(), timeout=120)
                call.add_done_callback(lambda f, name=name: (lock.acquire(), finished.append(name), lock.release()))
                calls.append(call)
                wait_until(lambda k=k: server.pool.depth == k + 2 and len(server.pool._waiting) == k + 1, what=f"{name} to wait")
            blocker.cancel()
            for call in calls:
                assert call.result(timeout=60).routes[0].visits
            assert finished == ["B", "C", "D"]
    finally:
        server.stop(grace_s=0.5)


# -- 12. operator errors -----------------------------------------------------------------------------


def test_a_corrupt_jobs_database_exits_with_one_line(tmp_path):
    db = tmp_path / "jobs.db"
    db.write_bytes(b"this is not an SQLite database, just bytes" * 100)
    done = _serve("--jobs-db", str(db))
    assert done.returncode == 2
    assert done.stderr.strip().count("\n") == 0 and "--jobs-db" in done.stderr, done.stderr


def test_a_tls_key_that_does_not_match_its_certificate_exits_with_one_line(tmp_path):
    ours, other = make_pki(tmp_path), make_pki(tmp_path, prefix="other-")
    done = _serve("--tls-cert", ours["server.pem"], "--tls-key", other["server.key"])
    assert done.returncode == 2
    assert done.stderr.strip().count("\n") == 0 and "does not match" in done.stderr, done.stderr


def test_an_address_in_use_exits_with_one_line(server):
    done = subprocess.run([sys.executable, "-m", "dispatch_service", "serve", "--address", f"127.0.0.1:{server.port}", "--workers", "1"],
                          check=False, cwd=ROOT, capture_output=True, text=True, timeout=120)
    assert done.returncode == 2
    assert done.stderr.strip().count("\n") == 0 and "another server" in done.stderr, done.stderr


# -- 4. a plan Solve returned evaluates clean --------------------------------------------------------


def test_a_solved_plan_with_breaks_and_two_shifts_evaluates_without_violations(stub):
    """EvaluatePlan of the routes Solve returned (breaks, two shifts, windows) reports no
    violation and the same KPIs: the service's two paths time a route the same way."""
    def shift(day: int) -> dict:
        start = day * 1440
        return {"startTime": at(start), "endTime": at(start + 480),
                "breaks": [{"earliestStartTime": at(start + 180), "latestStartTime": at(start + 300), "duration": "1800s"}]}

    orders = [order(f"o{k}", (k * 7) % 11 - 5, (k * 3) % 7 - 3, service_min=40) | {
        "timeWindows": [{"startTime": at((k % 2) * 1440), "endTime": at((k % 2) * 1440 + 480)}]} for k in range(14)]
    engineers = [engineer("a", shift=(0, 480)) | {"shifts": [shift(0), shift(1)]},
                 engineer("b", 2, 2) | {"shifts": [shift(0), shift(1)], "costPerHour": 30, "costPerKm": 0.4}]
    req = request(orders, engineers, solutionLimit=50, randomSeed=3)
    solved = stub.Solve(req, timeout=60)
    assert solved.kpis.orders_served >= 10
    routes = [pb.PlannedRoute(engineer_id=r.engineer_id, shift_index=r.shift_index, order_ids=[v.order_id for v in r.visits])
              for r in solved.routes if r.visits]
    evaluated = stub.EvaluatePlan(pb.EvaluatePlanRequest(problem=req, routes=routes), timeout=60)
    assert list(evaluated.violations) == []
    for field in ("orders_served", "on_time_count", "overdue_count", "total_travel_distance_meters"):
        assert getattr(evaluated.kpis, field) == getattr(solved.kpis, field), field
    assert evaluated.kpis.total_working_duration == solved.kpis.total_working_duration
    starts = {v.order_id: v.start_time.seconds for r in solved.routes for v in r.visits}
    assert {v.order_id: v.start_time.seconds for r in evaluated.routes for v in r.visits} == starts


def test_a_quick_task_past_its_run_limit_is_stopped():
    """Evaluation has no time limit of its own: the configured bound stops it (here 0.01 s, so
    even a small evaluation overruns) and the worker is replaced."""
    server = start_server(workers=1, queue_size=0, quick_run_limit_s=0.01, solver_stop_grace_s=0.0)
    channel, stub = _stub(server)
    try:
        with channel:
            req = request([order(f"o{k}", k % 25, k // 25) for k in range(800)], [engineer(f"e{j}", j) for j in range(40)])
            routes = [pb.PlannedRoute(engineer_id="e0", order_ids=[f"o{k}" for k in range(10)])]
            with pytest.raises(grpc.RpcError) as info:
                stub.EvaluatePlan(pb.EvaluatePlanRequest(problem=req, routes=routes), timeout=60)
            assert info.value.code() == grpc.StatusCode.DEADLINE_EXCEEDED
            assert "did not stop" in info.value.details()
            wait_until(lambda: len(server.quick.worker_pids()) == 1, what="the quick worker to be replaced")
    finally:
        server.stop(grace_s=0.5)


# -- one exception -> status mapping: the request id is in every error's trailers ----------------


@pytest.mark.parametrize(
    ("call", "code"),
    [
        (lambda stub: stub.Solve(request([order("a", 1)], []), timeout=30), grpc.StatusCode.INVALID_ARGUMENT),
        (lambda stub: stub.GetSolve(pb.GetSolveRequest(job_id="nope"), timeout=30), grpc.StatusCode.NOT_FOUND),
        (lambda stub: stub.ListSolves(pb.ListSolvesRequest(page_size=5000), timeout=30), grpc.StatusCode.INVALID_ARGUMENT),
        (lambda stub: stub.ComputeMatrix(pb.ComputeMatrixRequest(origins=[{"latitude": 91, "longitude": 0}]), timeout=30),
         grpc.StatusCode.INVALID_ARGUMENT),
        (lambda stub: list(stub.SolveStream(request([order("a", 1)], []), timeout=30)), grpc.StatusCode.INVALID_ARGUMENT),
    ],
    ids=["solve", "get-solve", "list-solves", "compute-matrix", "solve-stream"],
)
def test_every_error_carries_the_request_id_in_its_trailers(stub, call, code):
    with pytest.raises(grpc.RpcError) as info:
        call(stub)
    assert info.value.code() == code
    trailers = dict(info.value.trailing_metadata())
    assert len(trailers.get("request-id", "")) == 16

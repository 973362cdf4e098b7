"""Server mechanics: solves in worker processes, health during solves, cancellation, admission,
deadlines, reflection, shutdown and workers dying with the server."""

from __future__ import annotations

import os
import signal
import subprocess
import sys

import grpc
import pytest
from grpc_health.v1 import health_pb2, health_pb2_grpc
from grpc_reflection.v1alpha.proto_reflection_descriptor_database import ProtoReflectionDescriptorDatabase

from dispatch_service.api.v1 import dispatch_pb2 as pb
from dispatch_service.api.v1 import dispatch_pb2_grpc as pb_grpc
from tests.builders import engineer, order, request
from tests.conftest import start_server, wait_until


def long_request(seconds: int = 60) -> pb.SolveRequest:
    """Keeps a worker busy for ``seconds`` (guided local search uses all of its time)."""
    orders = [order(f"o{k}", (k * 7) % 23 - 11, (k * 5) % 19 - 9, service_min=10) for k in range(60)]
    engineers = [engineer(f"e{j}", j - 2, 0) for j in range(5)]
    return request(orders, engineers, searchMode="SEARCH_MODE_CONSUME_ALL_TIME", timeLimit=f"{seconds}s")


@pytest.fixture()
def solo_server():
    """One worker and no queue, so the tests can tell when it is busy."""
    s = start_server(workers=1, queue_size=0)
    yield s
    s.stop(grace_s=0.5)


def _stub(server):
    channel = grpc.insecure_channel(f"127.0.0.1:{server.port}")
    return channel, pb_grpc.DispatchServiceStub(channel)


def test_health_answers_while_a_solve_runs(solo_server):
    channel, stub = _stub(solo_server)
    with channel:
        call = stub.Solve.future(long_request(), timeout=120)
        wait_until(lambda: solo_server.pool.depth == 1, what="the solve to be admitted")
        health = health_pb2_grpc.HealthStub(channel)
        for service in ("", "dispatch.v1.DispatchService"):
            reply = health.Check(health_pb2.HealthCheckRequest(service=service), timeout=2)
            assert reply.status == health_pb2.HealthCheckResponse.SERVING
        assert not call.done()
        call.cancel()


def test_a_cancelled_call_frees_its_worker(solo_server):
    """After a cancel the only worker serves the next request, long before the first one's 60 s."""
    channel, stub = _stub(solo_server)
    with channel:
        call = stub.Solve.future(long_request(60), timeout=120)
        wait_until(lambda: solo_server.pool.depth == 1, what="the solve to be admitted")
        call.cancel()
        wait_until(lambda: solo_server.pool.depth == 0, what="the worker to be released")
        response = stub.Solve(request([order("a", 1)], [engineer("e")]), timeout=20)
        assert [v.order_id for v in response.routes[0].visits] == ["a"]
        assert len(solo_server.pool.worker_pids()) == 1


def test_a_full_queue_is_resource_exhausted_with_a_retry_hint(solo_server):
    channel, stub = _stub(solo_server)
    with channel:
        call = stub.Solve.future(long_request(), timeout=120)
        wait_until(lambda: solo_server.pool.depth == 1, what="the solve to be admitted")
        with pytest.raises(grpc.RpcError) as info:
            stub.Solve(request([order("a", 1)], [engineer("e")]), timeout=20)
        assert info.value.code() == grpc.StatusCode.RESOURCE_EXHAUSTED
        assert dict(info.value.trailing_metadata())["retry-after-ms"] == "1000"
        call.cancel()


def test_the_call_deadline_caps_the_time_limit(stub):
    """A 60 s search asked for with a 3 s deadline answers in time with the best plan so far."""
    response = stub.Solve(long_request(60), timeout=3)
    assert response.stats.status == pb.TIME_LIMIT
    limit = response.stats.effective_time_limit
    assert 0 < limit.seconds + limit.nanos / 1e9 < 3
    assert response.kpis.orders_served == 60


def test_reflection_lists_the_services():
    """Reflection is off by default; a server started with it on lists its services."""
    s = start_server(workers=1, queue_size=0, reflection=True)
    try:
        with grpc.insecure_channel(f"127.0.0.1:{s.port}") as channel:
            services = set(ProtoReflectionDescriptorDatabase(channel).get_services())
        assert {"dispatch.v1.DispatchService", "grpc.health.v1.Health"} <= services
    finally:
        s.stop(grace_s=0.5)


def _children(pid: int) -> set[int]:
    out: set[int] = set()
    for task in os.listdir(f"/proc/{pid}/task"):
        with open(f"/proc/{pid}/task/{task}/children") as f:
            out |= {int(c) for c in f.read().split()}
    return out


def _alive(pid: int) -> bool:
    try:
        with open(f"/proc/{pid}/stat") as f:
            return f.read().split()[2] != "Z"
    except FileNotFoundError:
        return False


@pytest.fixture()
def served(tmp_path):
    """A server in its own process; killed at the end whatever the test did."""
    with open(tmp_path / "server.log", "w") as log:
        proc = subprocess.Popen(
            [sys.executable, "-m", "dispatch_service", "serve", "--address", "127.0.0.1:0", "--workers", "2", "--shutdown-grace", "1"],
            stdout=log, stderr=subprocess.STDOUT,
        )
    try:
        log_path = tmp_path / "server.log"
        wait_until(lambda: "listening on" in log_path.read_text(), what="the server to start")
        workers = _children(proc.pid)
        assert len(workers) >= 2  # the solver workers (and multiprocessing's resource tracker)
        yield proc, workers
    finally:
        if proc.poll() is None:
            proc.kill()
            proc.wait(timeout=10)


def test_workers_die_when_the_server_is_killed(served):
    proc, workers = served
    proc.kill()
    proc.wait(timeout=10)
    wait_until(lambda: not any(_alive(w) for w in workers), timeout_s=10, what="workers to exit")


def test_sigterm_stops_the_server_and_its_workers(served):
    proc, workers = served
    proc.send_signal(signal.SIGTERM)
    assert proc.wait(timeout=30) == 0
    wait_until(lambda: not any(_alive(w) for w in workers), timeout_s=10, what="workers to exit")


def _niceness(pid: int) -> int:
    with open(f"/proc/{pid}/stat") as f:
        return int(f.read().rsplit(")", 1)[1].split()[16])  # field 19: nice


def test_solver_workers_run_at_lower_priority(server):
    """Solves are batch work: the server's own threads (health, cheap RPCs) come first."""
    mine = _niceness(os.getpid())
    pids = server.pool.worker_pids()
    assert pids and all(_niceness(p) == min(19, mine + server.config.worker_niceness) for p in pids)


_CHILD = """
import sys
from dispatch_service.config import ServerConfig
from dispatch_service.server import DispatchServer
from dispatch_service.api.v1 import dispatch_pb2 as pb
from dispatch_service.api.v1 import dispatch_pb2_grpc as pb_grpc
from tests.builders import engineer, order, request
import grpc

def main():
    server = DispatchServer(ServerConfig(address="127.0.0.1:0", workers=1, queue_size=0))
    port = server.start()
    try:
        with grpc.insecure_channel(f"127.0.0.1:{port}") as channel:
            stub = pb_grpc.DispatchServiceStub(channel)
            req = request([order("a", 1), order("b", 2)], [engineer("e")])
            plan = stub.Solve(req, timeout=60)
            assert plan.routes[0].visits
            routes = [pb.PlannedRoute(engineer_id="e", order_ids=["a"])]
            stub.EvaluatePlan(pb.EvaluatePlanRequest(problem=req, routes=routes), timeout=60)
            new = request([order("c", 3)], [engineer("e")]).orders[0]
            stub.RecommendInsertion(pb.RecommendInsertionRequest(problem=req, current_routes=routes, order=new), timeout=60)
            stub.CompareScenarios(pb.CompareScenariosRequest(base=req, scenarios=[pb.Scenario(name="x", order_scale=2)]), timeout=60)
    finally:
        server.stop(grace_s=0.5)
    heavy = sorted(m for m in sys.modules if m.split(".")[0] in ("ortools", "numba", "llvmlite"))
    print("HEAVY", len(heavy), heavy[:5])

if __name__ == "__main__":
    main()
"""


def test_the_server_process_never_imports_ortools_or_numba(tmp_path):
    """Solves, evaluation, insertion and scenarios all run in workers: after serving each of
    them through a real stub, the server process has loaded neither OR-Tools nor numba."""
    script = tmp_path / "child.py"
    script.write_text(_CHILD)
    root = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
    done = subprocess.run([sys.executable, str(script)], cwd=root, env={**os.environ, "PYTHONPATH": root},
                          capture_output=True, text=True, timeout=300)
    assert done.returncode == 0, done.stderr[-2000:]
    assert "HEAVY 0 []" in done.stdout, done.stdout

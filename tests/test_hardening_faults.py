"""Admission per method and faults: health and cheap calls never wait behind solves, a killed
worker fails only its own call, SIGTERM drains in-flight calls, limits and graces configurable."""

from __future__ import annotations

import argparse
import os
import re
import signal
import subprocess
import sys

import grpc
import pytest
from grpc_health.v1 import health_pb2, health_pb2_grpc

from dispatch_service import config as config_module
from dispatch_service.api.v1 import dispatch_pb2 as pb
from dispatch_service.api.v1 import dispatch_pb2_grpc as pb_grpc
from dispatch_service.server import DispatchServer
from tests.builders import engineer, order, request, valid_request
from tests.conftest import start_server, wait_until
from tests.test_server_lifecycle import long_request

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))


def _state(pid: int) -> str:
    try:
        with open(f"/proc/{pid}/stat") as f:
            return f.read().rsplit(")", 1)[1].split()[0]
    except FileNotFoundError:
        return "gone"


def _small() -> pb.SolveRequest:
    return request([order("a", 1)], [engineer("e")])


def test_health_and_cheap_calls_never_wait_behind_solves():
    """With only 2 handler threads configured, 3 blocked solves (1 running, 2 queued) still leave
    threads for health checks, validation and refusals: solves never take the reserved ones."""
    server = start_server(workers=1, queue_size=2, rpc_threads=2)
    channel = grpc.insecure_channel(f"127.0.0.1:{server.port}")
    stub = pb_grpc.DispatchServiceStub(channel)
    try:
        calls = [stub.Solve.future(long_request(60), timeout=120) for _ in range(3)]
        wait_until(lambda: server.pool.depth == 3, what="three solves admitted")
        with pytest.raises(grpc.RpcError) as info:
            stub.Solve(_small(), timeout=20)
        assert info.value.code() == grpc.StatusCode.RESOURCE_EXHAUSTED
        health = health_pb2_grpc.HealthStub(channel)
        for _ in range(20):
            assert health.Check(health_pb2.HealthCheckRequest(), timeout=5).status == health_pb2.HealthCheckResponse.SERVING
        cheap = valid_request()
        cheap.validate_only = True
        assert stub.Solve(cheap, timeout=5).stats.status == pb.VALIDATED
        cheap.orders[0].id = ""
        with pytest.raises(grpc.RpcError) as info:
            stub.Solve(cheap, timeout=5)
        assert info.value.code() == grpc.StatusCode.INVALID_ARGUMENT
        assert not any(c.done() for c in calls)
        for c in calls:
            c.cancel()
        wait_until(lambda: server.pool.depth == 0, what="the solves to be released")
    finally:
        channel.close()
        server.stop(grace_s=0.5)


def test_a_worker_killed_mid_solve_fails_only_its_call_and_the_pool_recovers():
    server = start_server(workers=2, queue_size=2)
    channel = grpc.insecure_channel(f"127.0.0.1:{server.port}")
    stub = pb_grpc.DispatchServiceStub(channel)
    try:
        pids = server.pool.worker_pids()
        assert len(pids) == 2
        victim_call = stub.Solve.future(long_request(60), timeout=120)
        wait_until(lambda: [_state(p) for p in pids].count("R") == 1, what="one worker to be solving")
        victim = next(p for p in pids if _state(p) == "R")
        other_call = stub.Solve.future(long_request(3), timeout=120)
        wait_until(lambda: server.pool.depth == 2, what="the second solve to be admitted")
        os.kill(victim, signal.SIGKILL)
        error = victim_call.exception(timeout=30)
        assert error is not None and error.code() == grpc.StatusCode.INTERNAL
        request_id = dict(error.trailing_metadata())["request-id"]
        assert re.fullmatch(r"[0-9a-f]{16}", request_id) and request_id in error.details()
        assert other_call.result(timeout=60).kpis.orders_served == 60  # the other call is unharmed
        wait_until(lambda: len(server.pool.worker_pids()) == 2, what="the pool to be back to 2 workers")
        assert victim not in server.pool.worker_pids()
        assert [v.order_id for v in stub.Solve(_small(), timeout=30).routes[0].visits] == ["a"]
    finally:
        channel.close()
        server.stop(grace_s=0.5)


def _parse(*argv: str) -> config_module.ServerConfig:
    parser = argparse.ArgumentParser()
    config_module.add_arguments(parser)
    return config_module.from_arguments(parser.parse_args(list(argv)))


def test_limits_and_graces_come_from_flags_and_environment(monkeypatch):
    c = _parse("--max-orders", "3", "--max-engineers", "1", "--max-message-bytes", "4096", "--solver-stop-grace", "0.05", "--queue-size", "0")
    assert (c.max_orders, c.max_engineers, c.max_message_bytes, c.solver_stop_grace_s, c.queue_size) == (3, 1, 4096, 0.05, 0)
    monkeypatch.setenv("DISPATCH_MAX_ORDERS", "2")
    monkeypatch.setenv("DISPATCH_SOLVER_STOP_GRACE_S", "0.3")
    c = _parse()
    assert (c.max_orders, c.solver_stop_grace_s) == (2, 0.3)
    assert _parse("--max-orders", "7").max_orders == 7  # a flag beats the environment


def test_configured_limits_hold_end_to_end(monkeypatch):
    """From the environment through the configuration to the server's answers."""
    monkeypatch.setenv("DISPATCH_MAX_ORDERS", "2")
    monkeypatch.setenv("DISPATCH_MAX_MESSAGE_BYTES", "2048")
    monkeypatch.setenv("DISPATCH_SOLVER_STOP_GRACE_S", "0.1")
    c = _parse("--address", "127.0.0.1:0", "--workers", "1")
    server = DispatchServer(c)
    server.start()
    try:
        assert server.pool.grace_s == 0.1
        with grpc.insecure_channel(f"127.0.0.1:{server.port}") as channel:
            stub = pb_grpc.DispatchServiceStub(channel)
            three = request([order(f"o{k}", k) for k in range(3)], [engineer("e")])
            with pytest.raises(grpc.RpcError) as info:
                stub.Solve(three, timeout=30)
            assert info.value.code() == grpc.StatusCode.INVALID_ARGUMENT
            big = request([order(f"o{k}", k) for k in range(2)], [engineer("e")])
            big.label = "x" * 1000
            big.orders[0].id = "i" * 200
            big.orders[1].id = "j" * 200
            for name in range(5):
                big.engineers[0].skills.add(name=f"{name}" * 150, level=1)
            assert big.ByteSize() > 2048
            with pytest.raises(grpc.RpcError) as info:
                stub.Solve(big, timeout=30)
            assert info.value.code() == grpc.StatusCode.RESOURCE_EXHAUSTED
            assert stub.Solve(request([order("a", 1)], [engineer("e")]), timeout=30).routes[0].visits
    finally:
        server.stop(grace_s=0.5)


def _children(pid: int) -> set[int]:
    out: set[int] = set()
    for task in os.listdir(f"/proc/{pid}/task"):
        with open(f"/proc/{pid}/task/{task}/children") as f:
            out |= {int(c) for c in f.read().split()}
    return out


def test_sigterm_drains_in_flight_calls_and_refuses_new_ones(tmp_path):
    log_path = tmp_path / "server.log"
    with open(log_path, "w") as log:
        proc = subprocess.Popen(
            [sys.executable, "-m", "dispatch_service", "serve", "--address", "127.0.0.1:0", "--workers", "1", "--shutdown-grace", "60"],
            stdout=log, stderr=subprocess.STDOUT, cwd=ROOT,
        )
    try:
        wait_until(lambda: "listening on" in log_path.read_text(), what="the server to start")
        port = int(re.search(r"listening on [\d.]+:(\d+)", log_path.read_text()).group(1))
        workers = _children(proc.pid)
        with grpc.insecure_channel(f"127.0.0.1:{port}") as channel:
            stub = pb_grpc.DispatchServiceStub(channel)
            in_flight = stub.Solve.future(long_request(6), timeout=120)
            wait_until(lambda: any(_state(w) == "R" for w in workers), what="the solve to be running")
            proc.send_signal(signal.SIGTERM)
            probe = _small()
            probe.validate_only = True
            refusals: list[tuple[grpc.StatusCode, bool]] = []

            def refused() -> bool:
                try:
                    stub.Solve(probe, timeout=5)
                except grpc.RpcError as error:
                    refusals.append((error.code(), in_flight.done()))
                    return True
                return False

            wait_until(refused, what="new calls to be refused")
            assert refusals == [(grpc.StatusCode.UNAVAILABLE, False)]  # refused while the solve still ran
            health = health_pb2_grpc.HealthStub(channel).Check(health_pb2.HealthCheckRequest(), timeout=5)
            assert (health.status, in_flight.done()) == (health_pb2.HealthCheckResponse.NOT_SERVING, False)
            response = in_flight.result(timeout=60)
            assert response.stats.status == pb.TIME_LIMIT and response.kpis.orders_served == 60
        assert proc.wait(timeout=30) == 0
    finally:
        if proc.poll() is None:
            proc.kill()
            proc.wait()


def test_a_worker_that_outgrows_its_memory_limit_is_replaced():
    """With a limit below any worker's size, each solve's worker is replaced after answering."""
    server = start_server(workers=1, queue_size=0, max_worker_rss_mb=1)
    try:
        with grpc.insecure_channel(f"127.0.0.1:{server.port}") as channel:
            stub = pb_grpc.DispatchServiceStub(channel)
            first = server.pool.worker_pids()
            assert stub.Solve(_small(), timeout=30).routes[0].visits
            wait_until(lambda: len(server.pool.worker_pids()) == 1 and server.pool.worker_pids() != first, what="the worker to be replaced")
            assert stub.Solve(_small(), timeout=30).routes[0].visits
    finally:
        server.stop(grace_s=0.5)

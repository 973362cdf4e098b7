"""Observability: Prometheus metrics on their own port, JSON log lines carrying the request id
that the caller sees in the `request-id` trailer."""

from __future__ import annotations

import argparse
import io
import json
import logging
import urllib.request

import grpc
import pytest
from grpc_health.v1 import health_pb2, health_pb2_grpc
from prometheus_client.parser import text_string_to_metric_families

from dispatch_service import config as config_module
from dispatch_service.api.v1 import dispatch_pb2_grpc as pb_grpc
from dispatch_service.logging_setup import JsonFormatter, RequestIdFilter, configure
from dispatch_service.security import bearer_metadata
from tests.builders import engineer, order, request
from tests.conftest import start_server

SOLVE = "/dispatch.v1.DispatchService/Solve"
CHECK = "/grpc.health.v1.Health/Check"


def _scrape(port: int) -> dict[tuple[str, tuple], float]:
    with urllib.request.urlopen(f"http://127.0.0.1:{port}/metrics", timeout=10) as reply:
        text = reply.read().decode()
    return {(s.name, tuple(sorted(s.labels.items()))): s.value for family in text_string_to_metric_families(text) for s in family.samples}


def test_metrics_count_calls_by_method_and_code():
    s = start_server(workers=1, queue_size=2, metrics_address="127.0.0.1:0", auth_tokens=("t",))
    try:
        assert s.metrics_port not in (0, s.port)
        with grpc.insecure_channel(f"127.0.0.1:{s.port}") as channel:
            stub = pb_grpc.DispatchServiceStub(channel)
            good = request([order("a", 1)], [engineer("e")])
            for _ in range(2):
                stub.Solve(good, timeout=30, metadata=bearer_metadata("t"))
            bad = request([order("a", 1)], [])
            with pytest.raises(grpc.RpcError):
                stub.Solve(bad, timeout=30, metadata=bearer_metadata("t"))
            with pytest.raises(grpc.RpcError):
                stub.Solve(good, timeout=30)
            for _ in range(3):
                health_pb2_grpc.HealthStub(channel).Check(health_pb2.HealthCheckRequest(), timeout=5)
        m = _scrape(s.metrics_port)

        def count(method, code):
            return m.get(("dispatch_requests_total", (("code", code), ("method", method))), 0)

        assert (count(SOLVE, "OK"), count(SOLVE, "INVALID_ARGUMENT"), count(SOLVE, "UNAUTHENTICATED"), count(CHECK, "OK")) == (2, 1, 1, 3)
        assert m[("dispatch_solve_duration_seconds_count", ())] == 2
        assert m[("dispatch_request_duration_seconds_count", (("method", SOLVE),))] == 4
        assert m[("dispatch_solve_queue_depth", ())] == 0
        assert m[("dispatch_solver_workers", ())] == 1
    finally:
        s.stop(grace_s=0.5)


def test_metrics_are_off_by_default(server):
    assert server.metrics is None and server.config.metrics_address is None


def test_json_log_lines_carry_the_callers_request_id(stub):
    stream = io.StringIO()
    handler = logging.StreamHandler(stream)
    handler.addFilter(RequestIdFilter())
    handler.setFormatter(JsonFormatter())
    logger = logging.getLogger("dispatch_service")
    logger.addHandler(handler)
    old_level = logger.level
    logger.setLevel(logging.INFO)
    try:
        call = stub.Solve.with_call(request([order("a", 1)], [engineer("e")]), timeout=30)
        with pytest.raises(grpc.RpcError) as info:
            stub.Solve(request([order("a", 1)], []), timeout=30)
    finally:
        logger.removeHandler(handler)
        logger.setLevel(old_level)
    lines = [json.loads(line) for line in stream.getvalue().splitlines()]
    ids = [dict(call[1].trailing_metadata())["request-id"], dict(info.value.trailing_metadata())["request-id"]]
    assert ids[0] != ids[1]
    for request_id in ids:
        mine = [line for line in lines if line["request_id"] == request_id]
        assert mine, (request_id, lines)
        assert all({"time", "level", "logger", "message"} <= set(line) for line in mine)
        assert all(request_id in line["message"] for line in mine)


def test_log_format_and_metrics_address_flags(monkeypatch):
    parser = argparse.ArgumentParser()
    config_module.add_arguments(parser)
    c = config_module.from_arguments(parser.parse_args(["--log-format", "json", "--metrics-address", "127.0.0.1:9464"]))
    assert (c.log_format, c.metrics_address) == ("json", "127.0.0.1:9464")
    with pytest.raises(SystemExit):
        parser.parse_args(["--log-format", "xml"])
    stream = io.StringIO()
    root = logging.getLogger()
    saved = (list(root.handlers), root.level)
    try:
        configure("json", stream=stream)
        logging.getLogger("dispatch_service.x").info("hello %s", "world", extra={"orders": 3})
    finally:
        root.handlers[:] = saved[0]
        root.setLevel(saved[1])
    line = json.loads(stream.getvalue())
    assert (line["message"], line["level"], line["orders"], line["request_id"]) == ("hello world", "INFO", 3, None)

"""Access control: TLS, mutual TLS, bearer tokens (health open), reflection off by default, and
no secrets or request bodies in the logs."""

from __future__ import annotations

import argparse
import logging
import pathlib
import subprocess
import sys

import grpc
import pytest
from grpc_health.v1 import health_pb2, health_pb2_grpc
from grpc_reflection.v1alpha.proto_reflection_descriptor_database import ProtoReflectionDescriptorDatabase

from dispatch_service import config as config_module
from dispatch_service.api.v1 import dispatch_pb2_grpc as pb_grpc
from dispatch_service.security import bearer_metadata, open_channel
from tests.builders import engineer, order, request
from tests.conftest import start_server
from tests.tls_certs import make_pki

ROOT = pathlib.Path(__file__).resolve().parent.parent


def _small(label: str = "test"):
    r = request([order("a", 1)], [engineer("e")])
    r.label = label
    return r


def _serving(channel, **kw) -> bool:
    reply = health_pb2_grpc.HealthStub(channel).Check(health_pb2.HealthCheckRequest(), timeout=10, **kw)
    return reply.status == health_pb2.HealthCheckResponse.SERVING


@pytest.fixture(scope="module")
def pki(tmp_path_factory):
    directory = tmp_path_factory.mktemp("pki")
    return make_pki(directory), make_pki(directory, prefix="other-")


def test_tls_server_speaks_only_tls(pki):
    ours, other = pki
    s = start_server(workers=1, queue_size=0, tls_cert=ours["server.pem"], tls_key=ours["server.key"])
    try:
        with open_channel(f"localhost:{s.port}", ca=ours["ca.pem"]) as channel:
            assert pb_grpc.DispatchServiceStub(channel).Solve(_small(), timeout=30).routes[0].visits
            assert _serving(channel)
        with grpc.insecure_channel(f"127.0.0.1:{s.port}") as channel:
            with pytest.raises(grpc.RpcError) as info:
                pb_grpc.DispatchServiceStub(channel).Solve(_small(), timeout=10)
            assert info.value.code() == grpc.StatusCode.UNAVAILABLE
        with open_channel(f"127.0.0.1:{s.port}", ca=other["ca.pem"]) as channel:  # an untrusted server
            with pytest.raises(grpc.RpcError) as info:
                pb_grpc.DispatchServiceStub(channel).Solve(_small(), timeout=10)
            assert info.value.code() == grpc.StatusCode.UNAVAILABLE
    finally:
        s.stop(grace_s=0.5)


def test_mutual_tls_requires_a_client_certificate_from_the_configured_ca(pki):
    ours, other = pki
    s = start_server(workers=1, queue_size=0, tls_cert=ours["server.pem"], tls_key=ours["server.key"], tls_client_ca=ours["ca.pem"])
    try:
        address = f"127.0.0.1:{s.port}"
        with open_channel(address, ca=ours["ca.pem"], cert=ours["client.pem"], key=ours["client.key"]) as channel:
            assert pb_grpc.DispatchServiceStub(channel).Solve(_small(), timeout=30).routes[0].visits
        for cert, key in ((None, None), (other["client.pem"], other["client.key"])):
            with open_channel(address, ca=ours["ca.pem"], cert=cert, key=key) as channel:
                with pytest.raises(grpc.RpcError) as info:
                    pb_grpc.DispatchServiceStub(channel).Solve(_small(), timeout=10)
                assert info.value.code() == grpc.StatusCode.UNAVAILABLE
    finally:
        s.stop(grace_s=0.5)


@pytest.fixture(scope="module")
def token_server():
    s = start_server(workers=1, queue_size=2, auth_tokens=("tok-one", "tok-two"), metrics_address="127.0.0.1:0")
    yield s
    s.stop(grace_s=0.5)


@pytest.mark.parametrize("metadata", [None, (("authorization", "Bearer nope"),), (("authorization", "Basic tok-one"),),
                                      (("authorization", "Bearer tok-one-and-more"),), (("authorization", "tok-one"),)],
                         ids=["none", "wrong", "other-scheme", "prefix-of-nothing", "no-scheme"])
def test_calls_without_a_valid_token_are_unauthenticated(token_server, metadata):
    with grpc.insecure_channel(f"127.0.0.1:{token_server.port}") as channel:
        with pytest.raises(grpc.RpcError) as info:
            pb_grpc.DispatchServiceStub(channel).Solve(_small(), timeout=10, metadata=metadata)
        assert info.value.code() == grpc.StatusCode.UNAUTHENTICATED


def test_valid_tokens_pass_and_health_needs_none(token_server):
    with grpc.insecure_channel(f"127.0.0.1:{token_server.port}") as channel:
        stub = pb_grpc.DispatchServiceStub(channel)
        for token in ("tok-one", "tok-two"):
            assert stub.Solve(_small(), timeout=30, metadata=bearer_metadata(token)).routes[0].visits
        assert _serving(channel)  # load balancers probe without credentials


def test_the_body_of_an_unauthenticated_call_is_never_parsed(token_server):
    """Garbage bytes without a token are UNAUTHENTICATED, not a deserialisation error."""
    with grpc.insecure_channel(f"127.0.0.1:{token_server.port}") as channel:
        raw = channel.unary_unary("/dispatch.v1.DispatchService/Solve", request_serializer=None, response_deserializer=None)
        with pytest.raises(grpc.RpcError) as info:
            raw(b"\xff\xfe garbage", timeout=10)
        assert info.value.code() == grpc.StatusCode.UNAUTHENTICATED


def test_tokens_come_from_a_file_and_the_environment(tmp_path, monkeypatch):
    path = tmp_path / "tokens"
    path.write_text("# dispatchers\nfile-token-1\n\n  file-token-2  \n")
    monkeypatch.setenv("DISPATCH_AUTH_TOKENS", "env-token, file-token-1")
    parser = argparse.ArgumentParser()
    config_module.add_arguments(parser)
    c = config_module.from_arguments(parser.parse_args(["--auth-tokens-file", str(path)]))
    assert c.auth_tokens == ("file-token-1", "file-token-2", "env-token")
    monkeypatch.delenv("DISPATCH_AUTH_TOKENS")
    parser = argparse.ArgumentParser()
    config_module.add_arguments(parser)
    assert config_module.from_arguments(parser.parse_args([])).auth_tokens == ()


def test_reflection_is_off_by_default(server, channel):
    assert server.config.reflection is False
    with pytest.raises(grpc.RpcError) as info:
        ProtoReflectionDescriptorDatabase(channel).get_services()
    assert info.value.code() == grpc.StatusCode.UNIMPLEMENTED


def test_cli_calls_a_server_with_mutual_tls_and_a_token(pki, tmp_path):
    ours, _ = pki
    s = start_server(workers=1, queue_size=0, tls_cert=ours["server.pem"], tls_key=ours["server.key"], tls_client_ca=ours["ca.pem"], auth_tokens=("cli-token",))
    try:
        path = tmp_path / "req.json"
        from google.protobuf import json_format

        path.write_text(json_format.MessageToJson(_small()))
        base = [sys.executable, "-m", "dispatch_service", "solve", str(path), "--server", f"localhost:{s.port}",
                "--tls-ca", ours["ca.pem"], "--tls-cert", ours["client.pem"], "--tls-key", ours["client.key"]]
        ok = subprocess.run([*base, "--token", "cli-token", "--json"], capture_output=True, text=True, timeout=120, cwd=ROOT)
        assert ok.returncode == 0, ok.stderr
        assert '"orderId": "a"' in ok.stdout
        refused = subprocess.run(base, capture_output=True, text=True, timeout=120, cwd=ROOT)
        assert refused.returncode == 1 and "UNAUTHENTICATED" in refused.stderr
    finally:
        s.stop(grace_s=0.5)


def test_no_tokens_or_request_bodies_in_the_logs(token_server, caplog):
    caplog.set_level(logging.DEBUG)
    secret_label, secret_id = "LABEL-5ecret-label", "ORDER-5ecret-id"
    with grpc.insecure_channel(f"127.0.0.1:{token_server.port}") as channel:
        stub = pb_grpc.DispatchServiceStub(channel)
        body = _small(secret_label)
        body.orders[0].id = secret_id
        with pytest.raises(grpc.RpcError):
            stub.Solve(body, timeout=10, metadata=(("authorization", "Bearer wrong-5ecret-token"),))
        assert stub.Solve(body, timeout=30, metadata=bearer_metadata("tok-one")).routes[0].visits
        body.engineers[0].id = ""
        with pytest.raises(grpc.RpcError):
            stub.Solve(body, timeout=30, metadata=bearer_metadata("tok-two"))
    text = "\n".join(f"{r.getMessage()} {r.__dict__}" for r in caplog.records)
    assert "request " in text and "unauthenticated" in text  # the calls were logged ...
    for secret in ("5ecret", "tok-one", "tok-two"):  # ... without credentials or request contents
        assert secret not in text

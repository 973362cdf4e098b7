"""Test fixtures: the real server on a free loopback port and a real stub."""

from __future__ import annotations

import time
from collections.abc import Callable, Iterator

import grpc
import pytest

from dispatch_service.api.v1 import dispatch_pb2_grpc as pb_grpc
from dispatch_service.config import ServerConfig
from dispatch_service.server import DispatchServer
from tests import postgres


def start_server(**config) -> DispatchServer:
    server = DispatchServer(ServerConfig(address="127.0.0.1:0", **config))
    server.start()
    return server


@pytest.fixture(scope="session")
def server() -> Iterator[DispatchServer]:
    s = start_server(workers=2, queue_size=8)
    yield s
    s.stop(grace_s=1.0)


@pytest.fixture(scope="session")
def channel(server: DispatchServer) -> Iterator[grpc.Channel]:
    with grpc.insecure_channel(f"127.0.0.1:{server.port}") as ch:
        yield ch


@pytest.fixture(scope="session")
def stub(channel: grpc.Channel) -> pb_grpc.DispatchServiceStub:
    return pb_grpc.DispatchServiceStub(channel)


@pytest.fixture(scope="session")
def postgres_cluster() -> Iterator[postgres.Cluster]:
    """A real PostgreSQL server for the session (Debian's binaries, a throwaway cluster); a
    missing installation fails the tests that need it (``.ci/run`` installs it)."""
    try:
        cluster = postgres.start_cluster()
    except RuntimeError as exc:
        pytest.fail(str(exc))
    yield cluster
    postgres.remove(cluster)


@pytest.fixture
def jobs_pg(postgres_cluster: postgres.Cluster) -> str:
    """The URL of a new, empty database on the session's PostgreSQL server."""
    return postgres_cluster.new_database()


def wait_until(condition: Callable[[], bool], timeout_s: float = 30.0, what: str = "condition") -> None:
    """Waits for a condition the test cannot be notified of (e.g. a worker picking up a task).

    Checks every 5 ms; the timeout only bounds a failing test, it is not part of any assertion.
    """
    end = time.monotonic() + timeout_s
    while not condition():
        if time.monotonic() > end:
            raise AssertionError(f"timed out waiting for {what}")
        time.sleep(0.005)

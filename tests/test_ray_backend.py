"""The Ray back-end on a real local Ray runtime (2 CPUs, started once for the session): requests
split into regions solved by actors, through the real gRPC server with ``--backend ray``;
cancellation across the cluster; a killed actor costs its region's improvement, not the plan."""

from __future__ import annotations

import threading
from collections.abc import Iterator
from dataclasses import replace

import grpc
import pytest
import ray

from benchmarks.synthetic import make_problem
from dispatch_service import config as config_module
from dispatch_service import ray_engine, regional
from dispatch_service.api.v1 import dispatch_pb2 as pb
from dispatch_service.api.v1 import dispatch_pb2_grpc as pb_grpc
from dispatch_service.convert import plan_to_response, problem_to_request
from dispatch_service.server import DispatchServer
from solver.model import SearchMode
from tests.conftest import start_server, wait_until
from tests.plan_checks import assert_plan_obeys_hard_rules


@pytest.fixture(scope="session")
def ray_address() -> Iterator[str]:
    address = ray_engine.init(None, num_cpus=2)
    yield address
    ray.shutdown()


@pytest.fixture(scope="module")
def ray_server(ray_address: str) -> Iterator[DispatchServer]:
    server = start_server(workers=1, queue_size=2, backend="ray", ray_address=ray_address, region_orders=150)
    yield server
    server.stop(grace_s=1.0)


@pytest.fixture(scope="module")
def ray_stub(ray_server: DispatchServer) -> Iterator[pb_grpc.DispatchServiceStub]:
    with grpc.insecure_channel(f"127.0.0.1:{ray_server.port}") as channel:
        yield pb_grpc.DispatchServiceStub(channel)


def _request(orders: int, limit_s: int, seed: int) -> pb.SolveRequest:
    problem = make_problem(orders, seed=seed, time_limit_s=limit_s)
    return problem_to_request(replace(problem, options=replace(problem.options, search_mode=SearchMode.CONSUME_ALL_TIME)))


def test_the_server_solves_a_request_region_by_region_on_ray(ray_stub) -> None:
    """450 orders in regions of 150: three regions on two actors, then seam rounds."""
    request = _request(450, 6, seed=11)
    response = ray_stub.Solve(request, timeout=60)
    assert_plan_obeys_hard_rules(request, response)
    assert response.kpis.orders_served > 0.7 * 450
    assert response.stats.status == pb.SolveStatus.Value("TIME_LIMIT")
    assert response.stats.time_to_first_solution.ToTimedelta().total_seconds() < 6


def test_a_cancelled_job_stops_on_the_cluster_with_its_best_plan(ray_stub) -> None:
    request = _request(450, 120, seed=12)
    job = ray_stub.StartSolve(request, timeout=30)
    wait_until(lambda: ray_stub.GetSolve(pb.GetSolveRequest(job_id=job.job_id), timeout=10).HasField("plan"),
               timeout_s=120, what="a first plan")
    cancelled = ray_stub.CancelSolve(pb.CancelSolveRequest(job_id=job.job_id), timeout=60)
    assert cancelled.state == pb.JOB_STATE_CANCELLED
    assert_plan_obeys_hard_rules(request, cancelled.plan)
    assert cancelled.plan.kpis.orders_served > 0.7 * 450
    # The actors stopped too: a new request is answered by them within its own limit.
    quick = _request(300, 4, seed=13)
    assert_plan_obeys_hard_rules(quick, ray_stub.Solve(quick, timeout=60))


def test_a_killed_actor_costs_its_region_improvement_not_the_plan(ray_address: str) -> None:
    actors = ray_engine.actors(2)
    engine = ray_engine.RayEngine(actors)
    problem = make_problem(600, seed=14, time_limit_s=12.0)
    problem = replace(problem, options=replace(problem.options, search_mode=SearchMode.CONSUME_ALL_TIME))
    first: list = []
    killed = threading.Event()

    def kill_when_searching() -> None:
        # The seam rounds start from the first plan: kill actor 0 once its search has a plan.
        if ray.get(actors[0].wait_first_plan.remote(60.0)):
            ray.kill(actors[0], no_restart=False)
            killed.set()

    def on_progress(plan) -> None:
        if not first:
            first.append(plan)
            threading.Thread(target=kill_when_searching, daemon=True).start()

    report = regional.Report()
    plan = regional.solve(problem, engine, region_orders=200, report=report, on_progress=on_progress)
    assert killed.is_set()
    assert report.lost_calls >= 1
    assert plan.stats.objective <= first[0].stats.objective
    assert plan.kpis.orders_served >= first[0].kpis.orders_served - 0.05 * 600
    assert_plan_obeys_hard_rules(problem_to_request(problem), plan_to_response(plan, problem.options.time_limit_s))


def test_backend_flags() -> None:
    import argparse

    parser = argparse.ArgumentParser()
    config_module.add_arguments(parser)
    cfg = config_module.from_arguments(parser.parse_args(["--backend", "ray", "--ray-address", "10.0.0.5:6379"]))
    assert (cfg.backend, cfg.ray_address, config_module.region_orders(cfg)) == ("ray", "10.0.0.5:6379", 1000)
    cfg = config_module.from_arguments(parser.parse_args(["--region-orders", "500"]))
    assert (cfg.backend, config_module.region_orders(cfg)) == ("local", 500)
    assert config_module.region_orders(config_module.from_arguments(parser.parse_args([]))) == 0

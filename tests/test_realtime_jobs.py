"""Solve jobs through the real server: start, progress, cancel, list, retention, persistence."""

from __future__ import annotations

import grpc
import pytest

from dispatch_service.api.v1 import dispatch_pb2 as pb
from dispatch_service.api.v1 import dispatch_pb2_grpc as pb_grpc
from dispatch_service.errors import field_violations
from tests.builders import engineer, order, request
from tests.conftest import start_server, wait_until
from tests.plan_checks import assert_plan_obeys_hard_rules
from tests.test_realtime_stream import busy_request


def small_request() -> pb.SolveRequest:
    return request([order("a", 1), order("b", 2, 1), order("c", -1, 2)], [engineer("e1"), engineer("e2", 3)], timeLimit="5s")


def _get(stub, job_id: str) -> pb.SolveJob:
    return stub.GetSolve(pb.GetSolveRequest(job_id=job_id), timeout=10)


def test_a_job_answers_at_once_reports_progress_and_cancels_with_the_best_plan(stub):
    req = busy_request(60)
    job = stub.StartSolve(req, timeout=10)
    assert job.job_id and job.state in (pb.JOB_STATE_PENDING, pb.JOB_STATE_RUNNING)
    assert (job.label, job.order_count, job.engineer_count) == ("test", 60, 5)
    assert not job.HasField("end_time")
    wait_until(lambda: _get(stub, job.job_id).HasField("plan"), what="a first plan")
    running = _get(stub, job.job_id)
    assert running.state == pb.JOB_STATE_RUNNING and running.solutions_found >= 1
    assert_plan_obeys_hard_rules(req, running.plan)

    cancelled = stub.CancelSolve(pb.CancelSolveRequest(job_id=job.job_id), timeout=30)
    assert cancelled.state == pb.JOB_STATE_CANCELLED
    assert cancelled.HasField("end_time")
    assert_plan_obeys_hard_rules(req, cancelled.plan)
    assert cancelled.plan.kpis.orders_served == 60
    again = stub.CancelSolve(pb.CancelSolveRequest(job_id=job.job_id), timeout=30)
    assert again.state == pb.JOB_STATE_CANCELLED and again.end_time == cancelled.end_time

    listed = stub.ListSolves(pb.ListSolvesRequest(), timeout=10).jobs
    assert job.job_id in [j.job_id for j in listed]
    assert not any(j.HasField("plan") for j in listed)
    times = [j.create_time.ToNanoseconds() for j in listed]
    assert times == sorted(times, reverse=True), "newest first"


def test_a_job_outlives_the_call_that_started_it(server, stub):
    req = small_request()
    with grpc.insecure_channel(f"127.0.0.1:{server.port}") as other:
        job = pb_grpc.DispatchServiceStub(other).StartSolve(req, timeout=10)
    wait_until(lambda: _get(stub, job.job_id).state == pb.JOB_STATE_SUCCEEDED, what="the job to finish")
    done = _get(stub, job.job_id)
    assert_plan_obeys_hard_rules(req, done.plan)
    assert done.plan.kpis.orders_served == 3
    assert done.solutions_found == done.plan.stats.solutions_found >= 1


def test_unknown_and_missing_job_ids(stub):
    with pytest.raises(grpc.RpcError) as info:
        _get(stub, "no-such-job")
    assert info.value.code() == grpc.StatusCode.NOT_FOUND
    with pytest.raises(grpc.RpcError) as info:
        stub.CancelSolve(pb.CancelSolveRequest(job_id="no-such-job"), timeout=10)
    assert info.value.code() == grpc.StatusCode.NOT_FOUND
    with pytest.raises(grpc.RpcError) as info:
        _get(stub, "")
    assert info.value.code() == grpc.StatusCode.INVALID_ARGUMENT
    with pytest.raises(grpc.RpcError) as info:
        stub.ListSolves(pb.ListSolvesRequest(page_size=1001), timeout=10)
    assert field_violations(info.value)[0][0] == "page_size"


def test_an_invalid_request_is_refused_before_a_job_exists(stub):
    req = small_request()
    req.engineers[0].shifts[0].ClearField("end_time")
    with pytest.raises(grpc.RpcError) as info:
        stub.StartSolve(req, timeout=10)
    assert info.value.code() == grpc.StatusCode.INVALID_ARGUMENT
    assert "engineers[0].shifts[0].end_time" in [f for f, _ in field_violations(info.value)]


def test_a_full_queue_refuses_a_job():
    server = start_server(workers=1, queue_size=0)
    try:
        with grpc.insecure_channel(f"127.0.0.1:{server.port}") as channel:
            stub = pb_grpc.DispatchServiceStub(channel)
            job = stub.StartSolve(busy_request(60), timeout=10)
            with pytest.raises(grpc.RpcError) as info:
                stub.StartSolve(small_request(), timeout=10)
            assert info.value.code() == grpc.StatusCode.RESOURCE_EXHAUSTED
            assert dict(info.value.trailing_metadata())["retry-after-ms"] == "1000"
            with pytest.raises(grpc.RpcError) as info:  # Solve and SolveStream share the queue
                stub.Solve(small_request(), timeout=10)
            assert info.value.code() == grpc.StatusCode.RESOURCE_EXHAUSTED
            stub.CancelSolve(pb.CancelSolveRequest(job_id=job.job_id), timeout=30)
    finally:
        server.stop(grace_s=0.5)


def test_finished_jobs_expire_after_the_retention_time():
    server = start_server(workers=1, queue_size=2, job_retention_s=0.0)
    try:
        with grpc.insecure_channel(f"127.0.0.1:{server.port}") as channel:
            stub = pb_grpc.DispatchServiceStub(channel)
            job = stub.StartSolve(small_request(), timeout=10)

            def gone() -> bool:
                try:
                    _get(stub, job.job_id)
                except grpc.RpcError as exc:
                    assert exc.code() == grpc.StatusCode.NOT_FOUND
                    return True
                return False

            wait_until(gone, what="the finished job to expire")
            assert job.job_id not in [j.job_id for j in stub.ListSolves(pb.ListSolvesRequest(), timeout=10).jobs]
    finally:
        server.stop(grace_s=0.5)


def test_a_restart_keeps_finished_plans_and_fails_running_jobs(tmp_path):
    db = str(tmp_path / "jobs.sqlite")
    server = start_server(workers=2, queue_size=2, jobs_db=db)
    try:
        with grpc.insecure_channel(f"127.0.0.1:{server.port}") as channel:
            stub = pb_grpc.DispatchServiceStub(channel)
            finished = stub.StartSolve(small_request(), timeout=10)
            wait_until(lambda: _get(stub, finished.job_id).state == pb.JOB_STATE_SUCCEEDED, what="the job to finish")
            plan = _get(stub, finished.job_id).plan
            running = stub.StartSolve(busy_request(60), timeout=10)
            wait_until(lambda: _get(stub, running.job_id).state == pb.JOB_STATE_RUNNING, what="the job to run")
    finally:
        server.stop(grace_s=0.5)

    server = start_server(workers=1, queue_size=2, jobs_db=db)
    try:
        with grpc.insecure_channel(f"127.0.0.1:{server.port}") as channel:
            stub = pb_grpc.DispatchServiceStub(channel)
            kept = _get(stub, finished.job_id)
            assert kept.state == pb.JOB_STATE_SUCCEEDED and kept.plan == plan
            failed = _get(stub, running.job_id)
            assert failed.state == pb.JOB_STATE_FAILED
            assert failed.error_code == grpc.StatusCode.UNAVAILABLE.value[0]
            assert "server stopped" in failed.error_message
            assert [j.job_id for j in stub.ListSolves(pb.ListSolvesRequest(), timeout=10).jobs] == [running.job_id, finished.job_id]
    finally:
        server.stop(grace_s=0.5)

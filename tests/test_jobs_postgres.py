"""Solve jobs in a real PostgreSQL server shared by replicas (``--jobs-db postgresql://…``):
any replica answers for any job, a restart loses no finished plan, a killed replica's jobs are
ended by another, and replicas never end or overwrite each other's rows (row locks)."""

from __future__ import annotations

import os
import re
import signal
import subprocess
import sys
import threading
import uuid
from pathlib import Path

import grpc
import psycopg
import pytest

from dispatch_service.api.v1 import dispatch_pb2 as pb
from dispatch_service.api.v1 import dispatch_pb2_grpc as pb_grpc
from dispatch_service.jobstore import CANCELLED, FAILED, PENDING, RUNNING, SHUTDOWN_MESSAGE, SUCCEEDED, Job
from dispatch_service.jobstore_postgres import PostgresJobStore
from dispatch_service.jobstore_sqlite import SQLiteJobStore
from tests.conftest import start_server, wait_until
from tests.plan_checks import assert_plan_obeys_hard_rules
from tests.test_realtime_jobs import small_request
from tests.test_realtime_stream import busy_request

ROOT = Path(__file__).resolve().parents[1]


def _get(stub, job_id: str) -> pb.SolveJob:
    return stub.GetSolve(pb.GetSolveRequest(job_id=job_id), timeout=10)


class _Replica:
    """A server in this process and a stub to it."""

    def __init__(self, url: str, **config) -> None:
        self.server = start_server(workers=1, queue_size=2, jobs_db=url, **config)
        self.channel = grpc.insecure_channel(f"127.0.0.1:{self.server.port}")
        self.stub = pb_grpc.DispatchServiceStub(self.channel)

    def stop(self) -> None:
        self.channel.close()
        self.server.stop(grace_s=0.5)


def test_a_job_started_on_one_replica_is_answered_by_another(jobs_pg):
    """Two servers on one database: B reports A's job while it runs (with its best plan so far),
    when it has finished (the same plan A reports), and lists it."""
    a, b = _Replica(jobs_pg), _Replica(jobs_pg)
    try:
        small = small_request()
        done = a.stub.StartSolve(small, timeout=10)
        seen = b.stub.GetSolve(pb.GetSolveRequest(job_id=done.job_id), timeout=10)
        assert seen.state in (pb.JOB_STATE_PENDING, pb.JOB_STATE_RUNNING, pb.JOB_STATE_SUCCEEDED) and seen.order_count == 3
        wait_until(lambda: _get(b.stub, done.job_id).state == pb.JOB_STATE_SUCCEEDED, what="the job to finish, read on B")
        on_b, on_a = _get(b.stub, done.job_id), _get(a.stub, done.job_id)
        assert on_b.plan == on_a.plan and on_b.plan.kpis.orders_served == 3
        assert on_b.end_time == on_a.end_time
        assert_plan_obeys_hard_rules(small, on_b.plan)

        req = busy_request(60)
        running = a.stub.StartSolve(req, timeout=10)
        wait_until(lambda: _get(b.stub, running.job_id).HasField("plan"), what="A's first plan, read on B")
        assert _get(b.stub, running.job_id).state == pb.JOB_STATE_RUNNING
        assert_plan_obeys_hard_rules(req, _get(b.stub, running.job_id).plan)
        listed = [j.job_id for j in b.stub.ListSolves(pb.ListSolvesRequest(), timeout=10).jobs]
        assert listed == [running.job_id, done.job_id], "newest first, both of A's jobs"
        a.stub.CancelSolve(pb.CancelSolveRequest(job_id=running.job_id), timeout=30)
    finally:
        a.stop()
        b.stop()


def test_a_cancel_on_another_replica_stops_the_job_where_it_runs(jobs_pg):
    """CancelSolve on B for a job A runs: A stops the search at once (notified through the
    database) and B answers CANCELLED with the best plan found."""
    a, b = _Replica(jobs_pg), _Replica(jobs_pg)
    try:
        req = busy_request(60)
        job = a.stub.StartSolve(req, timeout=10)
        wait_until(lambda: _get(b.stub, job.job_id).HasField("plan"), what="a first plan")
        cancelled = b.stub.CancelSolve(pb.CancelSolveRequest(job_id=job.job_id), timeout=30)
        assert cancelled.state == pb.JOB_STATE_CANCELLED and cancelled.HasField("end_time")
        assert_plan_obeys_hard_rules(req, cancelled.plan)
        assert cancelled.elapsed.ToTimedelta().total_seconds() < 30, "stopped long before its 60 s limit"
        assert _get(a.stub, job.job_id).state == pb.JOB_STATE_CANCELLED
        wait_until(lambda: a.server.app.jobs.active() == 0, what="A's job thread to end")
    finally:
        a.stop()
        b.stop()


def test_a_restarted_replica_keeps_finished_plans_and_fails_its_running_jobs(jobs_pg):
    a = _Replica(jobs_pg)
    try:
        finished = a.stub.StartSolve(small_request(), timeout=10)
        wait_until(lambda: _get(a.stub, finished.job_id).state == pb.JOB_STATE_SUCCEEDED, what="the job to finish")
        plan = _get(a.stub, finished.job_id).plan
        running = a.stub.StartSolve(busy_request(60), timeout=10)
        wait_until(lambda: _get(a.stub, running.job_id).state == pb.JOB_STATE_RUNNING, what="the job to run")
    finally:
        a.stop()
    again = _Replica(jobs_pg)
    try:
        kept = _get(again.stub, finished.job_id)
        assert kept.state == pb.JOB_STATE_SUCCEEDED and kept.plan == plan
        failed = _get(again.stub, running.job_id)
        assert failed.state == pb.JOB_STATE_FAILED and failed.error_code == grpc.StatusCode.UNAVAILABLE.value[0]
        assert "server stopped" in failed.error_message
    finally:
        again.stop()


def test_a_killed_replica_s_job_is_failed_by_another_once_its_lease_expires(jobs_pg):
    """A replica killed with SIGKILL ends nothing: its running job's lease runs out and the
    surviving replica records it FAILED; its finished job stays answered."""
    env = {**os.environ, "PYTHONPATH": str(ROOT)}
    proc = subprocess.Popen(
        [sys.executable, "-m", "dispatch_service", "serve", "--address", "127.0.0.1:0", "--workers", "1",
         "--jobs-db", jobs_pg, "--jobs-lease", "1"],
        cwd=ROOT, env=env, stderr=subprocess.PIPE, text=True, start_new_session=True,
    )
    survivor = None
    drain = None
    try:
        assert proc.stderr is not None
        port = None
        for line in proc.stderr:
            found = re.search(r"listening on [\d.]+:(\d+)", line)
            if found:
                port = int(found.group(1))
                break
        assert port, "the replica did not start"
        drain = threading.Thread(target=proc.stderr.read, daemon=True)  # keep the pipe drained
        drain.start()
        with grpc.insecure_channel(f"127.0.0.1:{port}") as channel:
            stub = pb_grpc.DispatchServiceStub(channel)
            finished = stub.StartSolve(small_request(), timeout=10)
            wait_until(lambda: _get(stub, finished.job_id).state == pb.JOB_STATE_SUCCEEDED, what="the job to finish")
            plan = _get(stub, finished.job_id).plan
            running = stub.StartSolve(busy_request(60), timeout=10)
            wait_until(lambda: _get(stub, running.job_id).state == pb.JOB_STATE_RUNNING, what="the job to run")
        os.killpg(proc.pid, signal.SIGKILL)
        proc.wait(timeout=30)

        survivor = _Replica(jobs_pg, jobs_lease_s=1.0)
        wait_until(lambda: _get(survivor.stub, running.job_id).state == pb.JOB_STATE_FAILED, what="the orphan to be failed")
        failed = _get(survivor.stub, running.job_id)
        assert failed.error_message == SHUTDOWN_MESSAGE and failed.error_code == grpc.StatusCode.UNAVAILABLE.value[0]
        assert _get(survivor.stub, finished.job_id).plan == plan
    finally:
        if proc.poll() is None:
            os.killpg(proc.pid, signal.SIGKILL)
            proc.wait(timeout=30)
        if drain is not None:
            drain.join(timeout=30)
        assert proc.stderr is not None
        proc.stderr.close()
        if survivor is not None:
            survivor.stop()


# -- the stores themselves ---------------------------------------------------------------------


def _job(state=PENDING) -> Job:
    return Job(uuid.uuid4().hex, "test", state, 1_000.0, 3, 2)


@pytest.fixture(params=["sqlite", "postgresql"])
def store(request, tmp_path):
    if request.param == "sqlite":
        s = SQLiteJobStore(str(tmp_path / "jobs.sqlite"))
    else:
        s = PostgresJobStore(request.getfixturevalue("jobs_pg"))
    yield s
    s.close()


def test_both_stores_keep_the_same_rows_and_never_write_an_ended_job(store):
    """The protocol, on SQLite and on PostgreSQL: created, saved while live, read back, listed
    without plans, never changed once ended, purged after the retention time."""
    job = _job()
    store.create(job)
    assert store.get(job.job_id).state == PENDING
    job.state, job.plan, job.solutions = RUNNING, b"\x00plan\xff", 2
    assert store.save(job)
    assert (store.get(job.job_id).plan, store.get(job.job_id).solutions) == (b"\x00plan\xff", 2)
    job.state, job.end_time, job.elapsed_s = SUCCEEDED, 1_010.0, 9.5
    assert store.save(job)
    late = Job(job.job_id, "test", FAILED, 1_000.0, 3, 2, end_time=1_011.0, error_message="late")
    assert not store.save(late), "an ended row is never written again"
    back = store.get(job.job_id)
    assert (back.state, back.end_time, back.elapsed_s, back.error_message) == (SUCCEEDED, 1_010.0, 9.5, "")
    other = _job()
    other.create_time = 2_000.0
    store.create(other)
    assert [(j.job_id, j.plan) for j in store.newest(10)] == [(other.job_id, None), (job.job_id, None)]
    store.purge(ended_before=1_010.5)
    assert store.get(job.job_id) is None and store.get(other.job_id) is not None


def test_orphans_are_failed_once_even_by_two_replicas_at_the_same_time(jobs_pg):
    """A dead replica's live jobs (leases expired) are ended by exactly one of two replicas
    sweeping at once; the dead owner's late write changes nothing."""
    dead = PostgresJobStore(jobs_pg, lease_s=0.0)  # its leases have expired as soon as written
    jobs = [_job(RUNNING) for _ in range(50)]
    for job in jobs:
        dead.create(job)
    sweepers = [PostgresJobStore(jobs_pg) for _ in range(2)]
    counts: list[int] = []
    barrier = threading.Barrier(2)

    def sweep(s: PostgresJobStore) -> None:
        barrier.wait()
        counts.append(s.fail_orphans(5_000.0))

    threads = [threading.Thread(target=sweep, args=(s,)) for s in sweepers]
    for t in threads:
        t.start()
    for t in threads:
        t.join(timeout=60)
    assert sum(counts) == 50
    jobs[0].state, jobs[0].end_time = SUCCEEDED, 6_000.0
    assert not dead.save(jobs[0])
    rows = [sweepers[0].get(j.job_id) for j in jobs]
    assert {(r.state, r.end_time, r.error_message) for r in rows} == {(FAILED, 5_000.0, SHUTDOWN_MESSAGE)}
    for s in [dead, *sweepers]:
        s.close()


def test_a_row_its_owner_is_writing_is_skipped_not_waited_for(jobs_pg):
    """SKIP LOCKED: while the owner holds a row's lock (a write in progress) another replica's
    sweep neither blocks nor ends it; the owner's write then lands with a fresh lease."""
    owner = PostgresJobStore(jobs_pg, lease_s=0.0)
    job = _job(RUNNING)
    owner.create(job)
    sweeper = PostgresJobStore(jobs_pg)
    with psycopg.connect(jobs_pg) as writing:  # a transaction: the row stays locked until commit
        writing.execute("SELECT 1 FROM dispatch_jobs WHERE job_id = %s FOR UPDATE", (job.job_id,))
        assert sweeper.fail_orphans(5_000.0) == 0
    owner.lease_s = 60.0
    job.state = CANCELLED
    assert owner.save(job)
    assert sweeper.fail_orphans(5_000.0) == 0 and sweeper.get(job.job_id).state == CANCELLED
    owner.close()
    sweeper.close()


def test_a_jobs_database_that_cannot_be_reached_exits_with_one_line_without_the_password(postgres_cluster):
    url = postgres_cluster.url("no_such_database").replace("postgres@", "postgres:s3cret-pw@")
    done = subprocess.run([sys.executable, "-m", "dispatch_service", "serve", "--address", "127.0.0.1:0", "--workers", "1",
                           "--jobs-db", url], check=False, cwd=ROOT, capture_output=True, text=True, timeout=120)
    assert done.returncode == 2
    assert done.stderr.strip().count("\n") == 0 and "--jobs-db postgresql://" in done.stderr, done.stderr
    assert "no_such_database" in done.stderr and "s3cret-pw" not in done.stderr

"""Solve jobs: solves that outlive the call that started them.

``StartSolve`` admits a job into the solver pool at once (or refuses it with QueueFull) and runs
it on a thread of its own; ``GetSolve`` / ``CancelSolve`` / ``ListSolves`` read the registry.
Plans are kept as serialized ``SolveResponse`` bytes. Finished jobs are dropped after
``retention_s``.

With a store (``--jobs-db``; ``jobstore`` says what one must do), every job is written when it
is created, when it starts running, with its best plan at most every ``PROGRESS_WRITE_S`` (a
watcher thread writes what is left unsaved in between) and when it ends, so a restarted server
still answers for finished jobs, and with a shared store
(PostgreSQL) every replica answers for every job: the replica that runs a job answers from
memory, the others from the store. Jobs a stopped server left live are recorded FAILED with a
message: at start for SQLite, by any replica once their lease expires for PostgreSQL.
"""

from __future__ import annotations

import logging
import threading
import time
import uuid
from collections.abc import Callable
from typing import Any

from dispatch_service.jobstore import (
    CANCELLED,
    ENDED,
    FAILED,
    PENDING,
    RUNNING,
    SHUTDOWN_MESSAGE,
    SUCCEEDED,
    UNAVAILABLE_CODE,
    Job,
    JobsDatabaseError,
    JobState,
    JobStore,
)
from dispatch_service.workers import SolveAborted, SolverPool

log = logging.getLogger(__name__)

__all__ = ["Job", "JobRegistry", "JobState", "JobsDatabaseError", "open_store"]

DEFAULT_RETENTION_S = 24 * 3600.0
PROGRESS_WRITE_S = 1.0  # a running job's best plan reaches the store at most this often
PURGE_INTERVAL_S = 1.0  # expired rows are deleted from the store at most this often
PAUSE_STEP_S = 0.05  # how soon a paused thread notices the registry closing
CANCEL_POLL_S = 0.05  # how often a replica waiting for another's job to end reads its row

# What a failed job records: (status code number, message) for an exception and the job id.
DescribeFailure = Callable[[BaseException, str], tuple[int, str]]

# A job's work: given the job's cancel check and a progress sink, returns what ``finish`` needs.
# The registry runs it on its own thread after admission.
JobWork = Callable[[Callable[[], bool], Callable[[object], None]], object]


def open_store(where: str, lease_s: float | None = None) -> JobStore:
    """The store ``--jobs-db`` names: a ``postgresql://`` URL, else an SQLite file path."""
    from dispatch_service import jobstore_postgres

    if jobstore_postgres.is_postgres_url(where):
        if lease_s is None:
            return jobstore_postgres.PostgresJobStore(where)
        return jobstore_postgres.PostgresJobStore(where, lease_s=lease_s)
    from dispatch_service.jobstore_sqlite import SQLiteJobStore

    return SQLiteJobStore(where)


class JobRegistry:
    def __init__(self, pool: SolverPool, describe_failure: DescribeFailure, retention_s: float = DEFAULT_RETENTION_S,
                 db_path: str | None = None, clock: Callable[[], float] = time.time, lease_s: float | None = None) -> None:
        self.pool = pool
        self.describe_failure = describe_failure
        self.retention_s = retention_s
        self.clock = clock
        self._jobs: dict[str, Job] = {}  # this replica's live jobs, and ended ones when there is no store
        self._lock = threading.Lock()
        self._closed = False
        self._stop = threading.Event()
        self._purged_at = -PURGE_INTERVAL_S
        self.store = open_store(db_path, lease_s) if db_path else None
        if self.store is not None:
            interrupted = self.store.fail_orphans(clock())
            if interrupted:
                log.warning("%d job(s) were running when their server stopped; recorded as FAILED", interrupted)
        self._watcher: threading.Thread | None = None
        if self.store is not None:
            self._watcher = threading.Thread(target=self._watch, name="jobs-watch", daemon=True)
            self._watcher.start()

    # -- starting and running -------------------------------------------------------------------
    def start(self, label: str, order_count: int, engineer_count: int, work: JobWork,
              finish: Callable[[Job, Any], None], on_progress: Callable[[Job, Any], None]) -> Job:
        """Admits and starts a job; raises ``QueueFull`` (or ``SolveAborted`` when closing).

        ``work(cancelled, progress)`` runs the solve; ``finish(job, result)`` and
        ``on_progress(job, value)`` update the job under the registry's lock."""
        if self._closed:
            raise SolveAborted("server is shutting down")
        self.pool.admit()
        job = Job(uuid.uuid4().hex, label, PENDING, self.clock(), order_count, engineer_count)
        if self.store is not None:
            try:
                self.store.create(job)  # before anyone can ask for it, on any replica
            except BaseException:
                self.pool.release()
                raise
        self._purge_store()
        with self._lock:
            self._purge_locked()
            self._jobs[job.job_id] = job
        thread = threading.Thread(target=self._run, args=(job, work, finish, on_progress), name=f"job-{job.job_id[:8]}", daemon=True)
        thread.start()
        return job

    def _run(self, job: Job, work: JobWork, finish, on_progress) -> None:
        last_write = [time.monotonic()]

        def progress(value: object) -> None:
            with self._lock:
                if job.state in ENDED:
                    return
                started = job.state == PENDING
                if started:
                    job.state, job.started_at = RUNNING, time.monotonic()
                on_progress(job, value)
                job.unsaved = True
            # The row follows at once when the job starts, then at most every PROGRESS_WRITE_S
            # (the watcher writes what is left unsaved in between).
            if self.store is not None and (started or time.monotonic() - last_write[0] >= PROGRESS_WRITE_S):
                last_write[0] = time.monotonic()
                self._write(job)

        failed: BaseException | None = None
        result = None
        try:
            result = work(job.cancel.is_set, progress)
        except Exception as exc:
            failed = exc
        with self._lock:
            if job.state in ENDED:  # recorded FAILED by close() meanwhile
                return
            if job.started_at is not None:
                job.elapsed_s = time.monotonic() - job.started_at
            if failed is not None:
                if isinstance(failed, SolveAborted) and job.cancel.is_set():
                    job.state = CANCELLED  # cancelled while waiting, or killed: keep the best snapshot
                elif job.plan and getattr(failed, "kind", None) == "time":
                    job.state = SUCCEEDED  # stopped at the service's time limit: the best plan so far stands
                else:
                    job.state = FAILED
                    job.error_code, job.error_message = self.describe_failure(failed, job.job_id)
            else:
                finish(job, result)
                if job.state not in ENDED:
                    job.state = CANCELLED if job.cancel.is_set() else SUCCEEDED
            job.end_time = self.clock()
            job.unsaved = True
        if self.store is not None:
            self._write(job)  # written before it leaves memory: never unknown meanwhile
        job.done.set()

    def _write(self, job: Job) -> None:
        """Writes the job's row as it stands now; an ended job then leaves memory. Writes of one
        job never overtake each other (``job.writing``). When the database cannot be reached the
        job stays unsaved (and in memory) and the watcher writes it later. A live row another
        replica has ended (this one lost its lease: the database was out of reach too long) is
        left alone, and the search stopped."""
        assert self.store is not None
        with job.writing:
            with self._lock:
                copy = job.snapshot()
                job.unsaved = False
            try:
                landed = self.store.save(copy)
            except Exception as exc:  # the job goes on; the watcher writes it again
                log.warning("job %s: could not write it to the jobs database: %s", job.job_id, exc)
                with self._lock:
                    job.unsaved = True
                return
            if not landed:  # only another replica ends a row this one owns: its lease expired
                if copy.state in ENDED:
                    log.warning("job %s had been recorded FAILED by another replica (this one's lease expired)", job.job_id)
                else:
                    log.warning("job %s was recorded FAILED by another replica (this one's lease expired); stopping it", job.job_id)
                    job.cancel.set()
            if copy.state in ENDED:
                with self._lock:
                    self._jobs.pop(job.job_id, None)

    def _watch(self) -> None:
        """Writes what jobs left unsaved; with a shared store also keeps this replica's leases,
        ends orphans and applies cancel requests other replicas made (the store wakes this
        thread at once when one is made)."""
        assert self.store is not None
        beat_s = min(PROGRESS_WRITE_S, getattr(self.store, "lease_s", 15.0) / 3.0)
        while not self._stop.is_set():
            try:
                if self.store.shared:
                    for job_id in self.store.watch(beat_s):
                        with self._lock:
                            job = self._jobs.get(job_id)
                        if job is not None:
                            job.cancel.set()
                else:
                    self._pause(beat_s)
                with self._lock:
                    unsaved = [j for j in self._jobs.values() if j.unsaved]
                for job in unsaved:
                    if not self._stop.is_set():
                        self._write(job)
                if self.store.shared and not self._stop.is_set():
                    self.store.fail_orphans(self.clock())
            except Exception as exc:
                log.warning("jobs database: %s", exc)
                self._pause(beat_s)

    def _pause(self, seconds: float) -> None:
        """Sleeps up to ``seconds``, less when the registry closes. Short sleeps rather than
        ``Event.wait(timeout)``: under libfaketime (the suite's run with the clock years ahead)
        a timed wait on a lock never times out, a sleep does."""
        end = time.monotonic() + seconds
        while not self._stop.is_set() and time.monotonic() < end:
            time.sleep(min(PAUSE_STEP_S, max(0.0, end - time.monotonic())))

    # -- reading --------------------------------------------------------------------------------
    def get(self, job_id: str) -> Job | None:
        self._purge_store()
        with self._lock:
            self._purge_locked()
            job = self._jobs.get(job_id)
            if job is not None:
                return job.snapshot()
        if self.store is not None:
            job = self.store.get(job_id)
            if job is not None and not self._expired(job):
                return job
        return None

    def cancel(self, job_id: str, wait_s: float = 5.0) -> Job | None:
        """Asks the job to stop and waits (up to ``wait_s``) for it to end with its best plan;
        a job another replica runs is asked through the store."""
        with self._lock:
            job = self._jobs.get(job_id)
        if job is not None:
            job.cancel.set()
            job.done.wait(wait_s)
            return self.get(job_id)
        found = self.get(job_id)
        if found is None or found.state in ENDED or self.store is None:
            return found
        self.store.request_cancel(job_id)
        end = time.monotonic() + wait_s
        while found is not None and found.state not in ENDED and time.monotonic() < end:
            self._pause(CANCEL_POLL_S)  # its owner writes the end: read the row until then
            found = self.get(job_id)
        return found

    def list(self, limit: int) -> list[Job]:
        self._purge_store()
        with self._lock:
            self._purge_locked()
            live = [j.snapshot() for j in self._jobs.values()]
        if self.store is not None:
            known = {j.job_id for j in live}
            live += [j for j in self.store.newest(limit + len(known)) if j.job_id not in known and not self._expired(j)]
        live.sort(key=lambda j: j.create_time, reverse=True)
        return live[:limit]

    def active(self) -> int:
        with self._lock:
            return sum(1 for j in self._jobs.values() if j.state not in ENDED)

    # -- housekeeping ---------------------------------------------------------------------------
    def _expired(self, job: Job) -> bool:
        return job.end_time is not None and job.end_time < self.clock() - self.retention_s

    def _purge_locked(self) -> None:
        for job_id in [k for k, j in self._jobs.items() if self._expired(j)]:
            del self._jobs[job_id]

    def _purge_store(self) -> None:
        """Expired rows deleted, at most every ``PURGE_INTERVAL_S`` (reads skip expired rows
        anyway), outside the registry's lock: a database round trip must not hold up jobs."""
        now = time.monotonic()
        if self.store is None or now - self._purged_at < PURGE_INTERVAL_S:
            return
        self._purged_at = now
        self.store.purge(self.clock() - self.retention_s)

    def close(self) -> None:
        """Records jobs still running as FAILED (call before the solver pool closes)."""
        with self._lock:
            if self._closed:
                return
            self._closed = True
            now = self.clock()
            stopped = []
            for job in self._jobs.values():
                if job.state in ENDED:
                    continue
                if job.started_at is not None:
                    job.elapsed_s = time.monotonic() - job.started_at
                job.state, job.end_time = FAILED, now
                job.error_code, job.error_message = UNAVAILABLE_CODE, SHUTDOWN_MESSAGE
                job.cancel.set()
                job.unsaved = True
                stopped.append(job)
        self._stop.set()
        if self.store is not None:
            for job in stopped:
                self._write(job)
            self.store.close()
            if self._watcher is not None:
                self._watcher.join(timeout=PROGRESS_WRITE_S + 5.0)
        for job in stopped:
            job.done.set()

"""Solve jobs: solves that outlive the call that started them.

``StartSolve`` admits a job into the solver pool at once (or refuses it with QueueFull) and runs
it on a thread of its own; ``GetSolve`` / ``CancelSolve`` / ``ListSolves`` read the registry.
Plans are kept as serialized ``SolveResponse`` bytes. Finished jobs are dropped after
``retention_s``. With a database path, every job is written to SQLite when it is created and
when it ends, so a restarted server still answers for finished jobs; jobs that were running
when the server stopped are recorded FAILED with a message.
"""

from __future__ import annotations

import enum
import logging
import sqlite3
import threading
import time
import uuid
from collections.abc import Callable
from dataclasses import dataclass, field, replace
from typing import Any

from dispatch_service.workers import SolveAborted, SolverPool

log = logging.getLogger(__name__)


class JobState(enum.IntEnum):
    """A job's state; stored as these numbers (the API's ``JobState`` values, so databases
    written before this enum existed read back the same)."""

    PENDING = 1
    RUNNING = 2
    SUCCEEDED = 3
    FAILED = 4
    CANCELLED = 5


PENDING, RUNNING = JobState.PENDING, JobState.RUNNING
SUCCEEDED, FAILED, CANCELLED = JobState.SUCCEEDED, JobState.FAILED, JobState.CANCELLED
ENDED = frozenset({SUCCEEDED, FAILED, CANCELLED})
DEFAULT_RETENTION_S = 24 * 3600.0
SHUTDOWN_MESSAGE = "the server stopped while the job was running; start it again"
UNAVAILABLE_CODE = 14  # google.rpc.Code.UNAVAILABLE, recorded for jobs the server stopped


class JobsDatabaseError(RuntimeError):
    """The jobs database cannot be opened or is not one (one line for the operator)."""


# What a failed job records: (status code number, message) for an exception and the job id.
DescribeFailure = Callable[[BaseException, str], tuple[int, str]]


@dataclass
class Job:
    """One job's record. ``plan`` is a serialized SolveResponse (the best so far, or final)."""

    job_id: str
    label: str
    state: int
    create_time: float  # epoch seconds
    order_count: int
    engineer_count: int
    end_time: float | None = None
    elapsed_s: float = 0.0
    solutions: int = 0
    plan: bytes | None = None
    error_code: int = 0
    error_message: str = ""
    # Runtime only (not stored).
    started_at: float | None = field(default=None, repr=False)  # time.monotonic() when a worker took it
    cancel: threading.Event = field(default_factory=threading.Event, repr=False)
    done: threading.Event = field(default_factory=threading.Event, repr=False)

    def snapshot(self) -> Job:
        """A copy safe to read while the job goes on (elapsed brought up to now)."""
        elapsed = self.elapsed_s
        if self.state == RUNNING and self.started_at is not None:
            elapsed = time.monotonic() - self.started_at
        return replace(self, elapsed_s=elapsed)


# A job's work: given the job's cancel check and a progress sink, returns what ``finish`` needs.
# The registry runs it on its own thread after admission.
JobWork = Callable[[Callable[[], bool], Callable[[object], None]], object]

_COLUMNS = (
    "job_id", "label", "state", "create_time", "end_time", "elapsed_s", "solutions", "plan",
    "error_code", "error_message", "order_count", "engineer_count",
)


class JobStore:
    """SQLite persistence; one connection shared under a lock (jobs end on many threads)."""

    def __init__(self, path: str) -> None:
        self._lock = threading.Lock()
        try:
            self._db = sqlite3.connect(path, check_same_thread=False, isolation_level=None)
            self._db.execute("PRAGMA journal_mode=WAL")
            self._db.execute(
                "CREATE TABLE IF NOT EXISTS jobs (job_id TEXT PRIMARY KEY, label TEXT NOT NULL, state INTEGER NOT NULL,"
                " create_time REAL NOT NULL, end_time REAL, elapsed_s REAL NOT NULL, solutions INTEGER NOT NULL, plan BLOB,"
                " error_code INTEGER NOT NULL, error_message TEXT NOT NULL, order_count INTEGER NOT NULL,"
                " engineer_count INTEGER NOT NULL)"
            )
            self._db.execute("CREATE INDEX IF NOT EXISTS jobs_create_time ON jobs (create_time)")
            self._db.execute("SELECT job_id, state, plan FROM jobs LIMIT 1").fetchall()  # the table is ours
        except sqlite3.Error as exc:
            raise JobsDatabaseError(f"--jobs-db {path}: not a usable jobs database ({exc})") from None

    def mark_interrupted(self, now: float) -> int:
        """Jobs a previous server left running: FAILED, with a message."""
        with self._lock:
            cur = self._db.execute(
                "UPDATE jobs SET state = ?, end_time = ?, error_code = ?, error_message = ? WHERE state IN (?, ?)",
                (int(FAILED), now, UNAVAILABLE_CODE, SHUTDOWN_MESSAGE, int(PENDING), int(RUNNING)),
            )
            return cur.rowcount

    def put(self, job: Job) -> None:
        values = tuple(int(job.state) if c == "state" else getattr(job, c) for c in _COLUMNS)
        with self._lock:
            self._db.execute(f"INSERT OR REPLACE INTO jobs ({', '.join(_COLUMNS)}) VALUES ({', '.join('?' * len(_COLUMNS))})", values)

    def get(self, job_id: str) -> Job | None:
        with self._lock:
            row = self._db.execute(f"SELECT {', '.join(_COLUMNS)} FROM jobs WHERE job_id = ?", (job_id,)).fetchone()
        return None if row is None else _job(row)

    def newest(self, limit: int) -> list[Job]:
        cols = [c if c != "plan" else "NULL" for c in _COLUMNS]
        with self._lock:
            rows = self._db.execute(f"SELECT {', '.join(cols)} FROM jobs ORDER BY create_time DESC LIMIT ?", (limit,)).fetchall()
        return [_job(r) for r in rows]

    def purge(self, ended_before: float) -> None:
        with self._lock:
            self._db.execute("DELETE FROM jobs WHERE end_time IS NOT NULL AND end_time < ?", (ended_before,))

    def close(self) -> None:
        with self._lock:
            self._db.close()


def _job(row) -> Job:
    job = Job(**dict(zip(_COLUMNS, row)))
    job.state = JobState(job.state)
    job.done.set()  # stored jobs are only read back when ended (or by a new server)
    return job


class JobRegistry:
    def __init__(self, pool: SolverPool, describe_failure: DescribeFailure, retention_s: float = DEFAULT_RETENTION_S,
                 db_path: str | None = None, clock: Callable[[], float] = time.time) -> None:
        self.pool = pool
        self.describe_failure = describe_failure
        self.retention_s = retention_s
        self.clock = clock
        self._jobs: dict[str, Job] = {}  # running jobs, and ended ones when there is no store
        self._lock = threading.Lock()
        self._closed = False
        self.store = JobStore(db_path) if db_path else None
        if self.store is not None:
            interrupted = self.store.mark_interrupted(clock())
            if interrupted:
                log.warning("%d job(s) were running when the server last stopped; recorded as FAILED", interrupted)

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
        with self._lock:
            self._purge_locked()
            self._jobs[job.job_id] = job
        if self.store is not None:
            self.store.put(job)
        thread = threading.Thread(target=self._run, args=(job, work, finish, on_progress), name=f"job-{job.job_id[:8]}", daemon=True)
        thread.start()
        return job

    def _run(self, job: Job, work: JobWork, finish, on_progress) -> None:
        def progress(value: object) -> None:
            with self._lock:
                if job.state in ENDED:
                    return
                if job.state == PENDING:
                    job.state, job.started_at = RUNNING, time.monotonic()
                on_progress(job, value)

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
            if self.store is not None:  # written before it leaves memory: never unknown meanwhile
                self.store.put(job)
                self._jobs.pop(job.job_id, None)
        job.done.set()

    # -- reading --------------------------------------------------------------------------------
    def get(self, job_id: str) -> Job | None:
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
        """Asks the job to stop and waits (up to ``wait_s``) for it to end with its best plan."""
        with self._lock:
            job = self._jobs.get(job_id)
        if job is not None:
            job.cancel.set()
            job.done.wait(wait_s)
        return self.get(job_id)

    def list(self, limit: int) -> list[Job]:
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
        if self.store is not None:
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
                stopped.append(replace(job))
        if self.store is not None:
            for job in stopped:
                self.store.put(job)
            self.store.close()
        for job in stopped:
            job.done.set()

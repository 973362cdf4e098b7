"""What a solve job is, and what any place that keeps jobs must do (``JobStore``).

Two stores implement the protocol, one module each: ``jobstore_sqlite`` (a file, one server:
the default when ``--jobs-db`` is a path) and ``jobstore_postgres`` (a PostgreSQL server that
several replicas share: ``--jobs-db postgresql://…``). The job logic itself (admission, running,
progress, cancel, retention) is in ``jobs.JobRegistry`` alone; a store only keeps rows.

Who writes a row: the replica that started the job (its *owner*) writes it while it lives and
when it ends; ``save`` only changes a row that is still live and still that replica's, so an
owner can never overwrite a row another replica has already ended (``fail_orphans``), and a
job that ended is never written again. Other replicas only read rows, ask for a cancel
(``request_cancel``) and end orphans: jobs whose owner stopped without ending them.
"""

from __future__ import annotations

import enum
import threading
import time
from dataclasses import dataclass, field, replace
from typing import Protocol


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
LIVE_STATES = (int(PENDING), int(RUNNING))
SHUTDOWN_MESSAGE = "the server stopped while the job was running; start it again"
UNAVAILABLE_CODE = 14  # google.rpc.Code.UNAVAILABLE, recorded for jobs the server stopped

# The stored columns, in this order everywhere (both stores' SELECTs and INSERTs).
COLUMNS = (
    "job_id", "label", "state", "create_time", "end_time", "elapsed_s", "solutions", "plan",
    "error_code", "error_message", "order_count", "engineer_count",
)
# What an owner's ``save`` may change (the rest is fixed when the job is created).
MUTABLE_COLUMNS = ("state", "end_time", "elapsed_s", "solutions", "plan", "error_code", "error_message")


class JobsDatabaseError(RuntimeError):
    """The jobs database cannot be opened or is not one (one line for the operator)."""


class JobsDatabaseUnavailable(RuntimeError):
    """The jobs database stopped answering while the server runs (the call gets UNAVAILABLE)."""


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
    unsaved: bool = field(default=False, repr=False)  # changed since its row was last written
    writing: threading.Lock = field(default_factory=threading.Lock, repr=False)  # one write at a time, in order

    def snapshot(self) -> Job:
        """A copy safe to read while the job goes on (elapsed brought up to now)."""
        elapsed = self.elapsed_s
        if self.state == RUNNING and self.started_at is not None:
            elapsed = time.monotonic() - self.started_at
        return replace(self, elapsed_s=elapsed)

    def row(self, columns: tuple[str, ...] = COLUMNS) -> tuple:
        return tuple(int(self.state) if c == "state" else getattr(self, c) for c in columns)


def job_from_row(row) -> Job:
    job = Job(**dict(zip(COLUMNS, row)))
    job.state = JobState(job.state)
    job.plan = None if job.plan is None else bytes(job.plan)  # PostgreSQL answers memoryview
    job.done.set()  # a job read from a store is only waited for by its owner, which has it in memory
    return job


class JobStore(Protocol):
    """Where jobs are kept. Every method is one statement (atomic on its own); all may be called
    from any thread."""

    # True when other replicas read and write the same jobs: the registry then keeps a lease on
    # its live jobs, ends orphans as it goes and watches for cancel requests (``watch``).
    shared: bool

    def create(self, job: Job) -> None:
        """Stores a new job, owned by this replica."""

    def save(self, job: Job) -> bool:
        """Writes the job's ``MUTABLE_COLUMNS``; only while the stored row is live and this
        replica's. False when another replica ended it meanwhile (the row is left as it is)."""

    def get(self, job_id: str) -> Job | None: ...

    def newest(self, limit: int) -> list[Job]:
        """The ``limit`` most recently created jobs, without their plans."""

    def purge(self, ended_before: float) -> None:
        """Deletes jobs that ended before this time (epoch seconds)."""

    def fail_orphans(self, now: float) -> int:
        """Ends as FAILED (``SHUTDOWN_MESSAGE``) the live jobs no running replica owns; returns
        how many. SQLite: every live job (called once, at start). PostgreSQL: jobs whose owner's
        lease has expired."""

    def request_cancel(self, job_id: str) -> None:
        """Asks the owner of a live job to cancel it (for a job another replica runs)."""

    def watch(self, timeout_s: float) -> list[str]:
        """Waits up to ``timeout_s`` for cancel requests; returns the ids of this replica's live
        jobs with one pending, and renews this replica's lease on its live jobs."""

    def close(self) -> None: ...

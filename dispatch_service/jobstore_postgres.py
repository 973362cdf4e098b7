"""Jobs in PostgreSQL, shared by every replica (``--jobs-db postgresql://user@host:port/db``).

Any replica answers ``GetSolve`` and ``ListSolves`` from the table; the replica that started a
job runs it and is the only one that writes it while it lives (``save``). How replicas keep out
of each other's way, with row locks rather than a coordinator:

* **Ownership and leases.** Each live row names its owner (a replica id, made at start) and a
  lease (``lease_until``, in the database's clock, so replicas' clocks never matter). The owner
  renews its leases every ``lease_s / 3`` (``watch``). ``save`` is ``UPDATE … WHERE owner = me
  AND state is live``: an owner can never write a row that is not live, or not its own.
* **Orphans.** A replica that stops without ending its jobs (killed, machine lost) stops
  renewing; once a lease has expired, whichever replica looks first ends the job FAILED
  (``fail_orphans``: ``SELECT … FOR UPDATE SKIP LOCKED`` picks the rows, so two replicas never
  end the same job twice and never wait for each other; a row its owner is writing at that
  moment is locked, skipped, and comes back with a fresh lease). Jobs are never re-run
  elsewhere: a job runs once, on the replica that admitted it.
* **Cancel from another replica.** ``request_cancel`` sets ``cancel_requested`` and sends
  ``NOTIFY dispatch_job_cancel`` in the same statement; the owner, blocked in ``watch`` on its
  own listening connection, wakes at once, stops the search and ends the job with its best plan.
  The flag is also read at every lease renewal, so a lost notification costs at most a beat.
* **Schema.** Created at first start under an advisory lock (two replicas starting together do
  not race on ``CREATE TABLE``).

One connection for statements (each is one autocommit statement, so there are no transactions
to interleave; a lock keeps cursors apart) and one that only listens. A broken connection is
opened again once per statement; if that fails too the call gets UNAVAILABLE.
"""

from __future__ import annotations

import contextlib
import os
import socket
import threading
import uuid
from collections.abc import Callable
from typing import Any, TypeVar

import psycopg
from psycopg import conninfo

from dispatch_service.jobstore import (
    COLUMNS,
    FAILED,
    LIVE_STATES,
    MUTABLE_COLUMNS,
    SHUTDOWN_MESSAGE,
    UNAVAILABLE_CODE,
    Job,
    JobsDatabaseError,
    JobsDatabaseUnavailable,
    job_from_row,
)

DEFAULT_LEASE_S = 15.0
CONNECT_TIMEOUT_S = 5
CANCEL_CHANNEL = "dispatch_job_cancel"
_SCHEMA_LOCK_KEY = 0x64697370  # pg_advisory_xact_lock key while creating the table ("disp")
_SCHEMA = (
    "CREATE TABLE IF NOT EXISTS dispatch_jobs (job_id text PRIMARY KEY, label text NOT NULL, state smallint NOT NULL,"
    " create_time double precision NOT NULL, end_time double precision, elapsed_s double precision NOT NULL,"
    " solutions integer NOT NULL, plan bytea, error_code integer NOT NULL, error_message text NOT NULL,"
    " order_count integer NOT NULL, engineer_count integer NOT NULL,"
    " owner text, lease_until timestamptz, cancel_requested boolean NOT NULL DEFAULT false)",
    "CREATE INDEX IF NOT EXISTS dispatch_jobs_create_time ON dispatch_jobs (create_time)",
    "CREATE INDEX IF NOT EXISTS dispatch_jobs_live ON dispatch_jobs (lease_until) WHERE state IN (1, 2)",
)
T = TypeVar("T")


def is_postgres_url(value: str) -> bool:
    return value.startswith(("postgresql://", "postgres://"))


def describe(url: str) -> str:
    """The URL as the operator may see it in messages and logs: never the password."""
    try:
        parts = conninfo.conninfo_to_dict(url)
    except psycopg.ProgrammingError:
        return "postgresql://(unparsable URL)"
    host = parts.get("host") or "localhost"
    port = f":{parts['port']}" if parts.get("port") else ""
    return f"postgresql://{host}{port}/{parts.get('dbname') or ''}"


class PostgresJobStore:
    shared = True

    def __init__(self, url: str, lease_s: float = DEFAULT_LEASE_S) -> None:
        self._url = url
        self.lease_s = lease_s
        self.owner = f"{socket.gethostname()}:{os.getpid()}:{uuid.uuid4().hex[:8]}"
        self._lock = threading.Lock()
        self._listener: psycopg.Connection | None = None
        self._closed = False
        try:
            self._db = self._connect()
            with self._db.transaction():
                self._db.execute("SELECT pg_advisory_xact_lock(%s)", (_SCHEMA_LOCK_KEY,))
                for statement in _SCHEMA:
                    self._db.execute(statement)  # type: ignore[arg-type]  # constant SQL
            self._db.execute("SELECT job_id, state, plan, owner, lease_until FROM dispatch_jobs LIMIT 1").fetchall()
        except psycopg.Error as exc:
            raise JobsDatabaseError(f"--jobs-db {describe(url)}: not a usable jobs database ({_first_line(exc)})") from None

    def _connect(self) -> psycopg.Connection:
        return psycopg.connect(self._url, autocommit=True, connect_timeout=CONNECT_TIMEOUT_S, application_name="dispatch")

    def _run(self, statement: Callable[[psycopg.Connection], T]) -> T:
        """Runs one statement; a broken connection is opened again once."""
        with self._lock:
            if self._closed:
                raise JobsDatabaseUnavailable("the jobs database connection is closed (the server is stopping)")
            for attempt in (1, 2):
                try:
                    if self._db.closed:
                        self._db = self._connect()
                    return statement(self._db)
                except psycopg.OperationalError as exc:
                    if attempt == 2 or (not self._db.closed and not self._db.broken):
                        raise JobsDatabaseUnavailable(f"the jobs database {describe(self._url)} is not answering ({_first_line(exc)})") from None
                    self._db.close()
        raise AssertionError("unreachable")

    def _lease(self) -> str:
        return f"now() + interval '{float(self.lease_s)} seconds'"

    def create(self, job: Job) -> None:
        columns = (*COLUMNS, "owner")
        placeholders = ", ".join(["%s"] * len(columns))
        sql = f"INSERT INTO dispatch_jobs ({', '.join(columns)}, lease_until) VALUES ({placeholders}, {self._lease()})"
        self._run(lambda db: db.execute(sql, (*job.row(), self.owner)))  # type: ignore[call-overload]

    def save(self, job: Job) -> bool:
        assignments = ", ".join(f"{c} = %s" for c in MUTABLE_COLUMNS)
        sql = (f"UPDATE dispatch_jobs SET {assignments}, lease_until = {self._lease()}"
               " WHERE job_id = %s AND owner = %s AND state IN (%s, %s)")
        values = (*job.row(MUTABLE_COLUMNS), job.job_id, self.owner, *LIVE_STATES)
        return self._run(lambda db: db.execute(sql, values).rowcount == 1)  # type: ignore[call-overload]

    def get(self, job_id: str) -> Job | None:
        sql = f"SELECT {', '.join(COLUMNS)} FROM dispatch_jobs WHERE job_id = %s"
        row = self._run(lambda db: db.execute(sql, (job_id,)).fetchone())  # type: ignore[call-overload]
        return None if row is None else job_from_row(row)

    def newest(self, limit: int) -> list[Job]:
        cols = [c if c != "plan" else "NULL" for c in COLUMNS]
        sql = f"SELECT {', '.join(cols)} FROM dispatch_jobs ORDER BY create_time DESC LIMIT %s"
        rows = self._run(lambda db: db.execute(sql, (limit,)).fetchall())  # type: ignore[call-overload]
        return [job_from_row(r) for r in rows]

    def purge(self, ended_before: float) -> None:
        self._run(lambda db: db.execute("DELETE FROM dispatch_jobs WHERE end_time IS NOT NULL AND end_time < %s", (ended_before,)))

    def fail_orphans(self, now: float) -> int:
        sql = (
            "UPDATE dispatch_jobs SET state = %s, end_time = %s, error_code = %s, error_message = %s"
            " WHERE state IN (%s, %s) AND lease_until < now() AND job_id IN ("
            "  SELECT job_id FROM dispatch_jobs WHERE state IN (%s, %s) AND lease_until < now() FOR UPDATE SKIP LOCKED)"
        )
        values = (int(FAILED), now, UNAVAILABLE_CODE, SHUTDOWN_MESSAGE, *LIVE_STATES, *LIVE_STATES)
        return self._run(lambda db: db.execute(sql, values).rowcount)  # type: ignore[call-overload]

    def request_cancel(self, job_id: str) -> None:
        sql = (
            "WITH asked AS (UPDATE dispatch_jobs SET cancel_requested = true WHERE job_id = %s AND state IN (%s, %s)"
            f" RETURNING job_id) SELECT pg_notify('{CANCEL_CHANNEL}', job_id) FROM asked"
        )
        self._run(lambda db: db.execute(sql, (job_id, *LIVE_STATES)).fetchall())  # type: ignore[call-overload]

    def watch(self, timeout_s: float) -> list[str]:
        """Blocks on the listening connection until a cancel is asked or ``timeout_s`` passes;
        then renews this replica's leases and returns its live jobs with a cancel pending."""
        try:
            if self._listener is None or self._listener.closed:
                self._listener = self._connect()
                self._listener.execute(f"LISTEN {CANCEL_CHANNEL}")
            for _ in self._listener.notifies(timeout=timeout_s, stop_after=1):
                pass  # which job does not matter: the flags below are the truth
        except psycopg.OperationalError:
            if self._listener is not None:
                self._listener.close()
            self._listener = None
        if self._closed:  # woken by close(): the listening connection is this thread's to close
            if self._listener is not None:
                self._listener.close()
            return []
        sql = (f"UPDATE dispatch_jobs SET lease_until = {self._lease()} WHERE owner = %s AND state IN (%s, %s)"
               " RETURNING job_id, cancel_requested")
        rows: list[Any] = self._run(lambda db: db.execute(sql, (self.owner, *LIVE_STATES)).fetchall())  # type: ignore[call-overload]
        return [job_id for job_id, asked in rows if asked]

    def close(self) -> None:
        """Closes the statement connection, and wakes a thread blocked in ``watch`` so that it
        closes the listening one (a connection is closed by the thread that uses it)."""
        with self._lock:
            self._closed = True
            if self._listener is not None and not self._db.closed:
                with contextlib.suppress(psycopg.Error):  # the database is gone: the watcher wakes at its timeout
                    self._db.execute(f"SELECT pg_notify('{CANCEL_CHANNEL}', '')")
            self._db.close()


def _first_line(exc: BaseException) -> str:
    return (str(exc).strip().splitlines() or [exc.__class__.__name__])[0]

"""Jobs in an SQLite file: the single-server store (``--jobs-db PATH``).

One connection shared under a lock (jobs end on many threads). Only one server uses a file, so
every job still live when it starts was left by a previous run of it (``fail_orphans``).
"""

from __future__ import annotations

import sqlite3
import threading

from dispatch_service.jobstore import (
    COLUMNS,
    FAILED,
    LIVE_STATES,
    MUTABLE_COLUMNS,
    SHUTDOWN_MESSAGE,
    UNAVAILABLE_CODE,
    Job,
    JobsDatabaseError,
    job_from_row,
)


class SQLiteJobStore:
    shared = False

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

    def create(self, job: Job) -> None:
        with self._lock:
            self._db.execute(f"INSERT INTO jobs ({', '.join(COLUMNS)}) VALUES ({', '.join('?' * len(COLUMNS))})", job.row())

    def save(self, job: Job) -> bool:
        assignments = ", ".join(f"{c} = ?" for c in MUTABLE_COLUMNS)
        with self._lock:
            cur = self._db.execute(
                f"UPDATE jobs SET {assignments} WHERE job_id = ? AND state IN (?, ?)", (*job.row(MUTABLE_COLUMNS), job.job_id, *LIVE_STATES)
            )
            return cur.rowcount == 1

    def get(self, job_id: str) -> Job | None:
        with self._lock:
            row = self._db.execute(f"SELECT {', '.join(COLUMNS)} FROM jobs WHERE job_id = ?", (job_id,)).fetchone()
        return None if row is None else job_from_row(row)

    def newest(self, limit: int) -> list[Job]:
        cols = [c if c != "plan" else "NULL" for c in COLUMNS]
        with self._lock:
            rows = self._db.execute(f"SELECT {', '.join(cols)} FROM jobs ORDER BY create_time DESC LIMIT ?", (limit,)).fetchall()
        return [job_from_row(r) for r in rows]

    def purge(self, ended_before: float) -> None:
        with self._lock:
            self._db.execute("DELETE FROM jobs WHERE end_time IS NOT NULL AND end_time < ?", (ended_before,))

    def fail_orphans(self, now: float) -> int:
        with self._lock:
            cur = self._db.execute(
                "UPDATE jobs SET state = ?, end_time = ?, error_code = ?, error_message = ? WHERE state IN (?, ?)",
                (int(FAILED), now, UNAVAILABLE_CODE, SHUTDOWN_MESSAGE, *LIVE_STATES),
            )
            return cur.rowcount

    def request_cancel(self, job_id: str) -> None:
        """Nothing to do: one server uses the file, and it has every live job in memory."""

    def watch(self, timeout_s: float) -> list[str]:
        return []  # not shared: never watched

    def close(self) -> None:
        with self._lock:
            self._db.close()

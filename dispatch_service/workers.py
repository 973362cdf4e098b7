"""Solver worker processes.

OR-Tools holds the GIL for a whole solve, so a solve inside the server process would freeze
every other RPC, health checks and cancellation included. Each solve therefore runs in a worker
process (spawn context, started ahead of time so requests do not pay OR-Tools' import). A
cancelled or expired call sets the worker's stop flag, which the search polls at each improving
solution; a search that does not stop within ``grace_s`` (e.g. still building its first plan) has
its worker killed and replaced. Workers die with the server (``PR_SET_PDEATHSIG``).

The pool enforces limits whatever the task does: a task past its ``hard_deadline`` is stopped
(and killed after the grace), a worker whose resident memory passes ``memory_cap_mb`` is killed
at once, and a worker whose CPU time stops advancing for ``stall_s`` (stopped, or stuck in a
wait) is killed: each raises ``WorkerOverrun`` and the worker is replaced. Callers waiting for a
worker are served first come, first served.
"""

from __future__ import annotations

import contextlib
import ctypes
import logging
import multiprocessing as mp
import os
import queue
import signal
import threading
import time
import traceback
from collections import deque
from collections.abc import Callable
from concurrent.futures import Future
from dataclasses import dataclass
from typing import Any

log = logging.getLogger(__name__)

_CTX = mp.get_context("spawn")
_POLL_S = 0.02


class QueueFull(Exception):
    """More solves are running or waiting than the pool admits."""


class SolveAborted(Exception):
    """The caller went away (cancelled) or its deadline passed before a plan was ready."""


class WorkerFailed(Exception):
    """The worker died (e.g. a native abort) or raised an unexpected error."""


class WorkerOverrun(Exception):
    """The pool stopped a task at a limit: ``kind`` is "time", "memory" or "stalled"."""

    def __init__(self, kind: str, message: str) -> None:
        super().__init__(message)
        self.kind = kind


@dataclass(frozen=True)
class Outcome:
    kind: str  # "plan" | "invalid" | "error" (| "progress" between them, see SolverPool.run)
    value: Any


def _die_with_parent() -> None:
    """Ask Linux to SIGKILL this process when the thread that spawned it exits."""
    try:
        libc = ctypes.CDLL("libc.so.6", use_errno=True)
        PR_SET_PDEATHSIG = 1
        libc.prctl(PR_SET_PDEATHSIG, signal.SIGKILL)
    except OSError:  # not Linux: the parent's shutdown still terminates workers
        pass


def _worker_main(conn, stop_flag, parent_pid: int, map_paths: dict[str, str] | None = None, niceness: int = 0) -> None:
    _die_with_parent()
    if os.getppid() != parent_pid:  # the parent died before prctl took effect
        return
    if niceness > 0:
        os.nice(niceness)  # batch work: the server's own threads come first
    signal.signal(signal.SIGINT, signal.SIG_IGN)  # the server decides when workers stop
    from dispatch_service import travel
    from dispatch_service.worker_task import run_task  # imports OR-Tools once per worker

    travel.configure(map_paths)  # road-network maps load before the worker says it is ready

    conn.send(Outcome("ready", os.getpid()))
    while True:
        try:
            task = conn.recv()
        except EOFError:
            return
        if task is None:
            return
        try:
            kind, value = run_task(
                task, should_stop=lambda: stop_flag.value == 1, progress=lambda value: conn.send(Outcome("progress", value))
            )
            conn.send(Outcome(kind, value))
        except BaseException:
            conn.send(Outcome("error", traceback.format_exc(limit=20)))


_READY_TIMEOUT_S = 120.0


def _cpu_ticks(pid: int | None) -> int:
    """User + system CPU time of a process in clock ticks (Linux), -1 when unknown."""
    try:
        with open(f"/proc/{pid}/stat") as f:
            fields = f.read().rsplit(")", 1)[1].split()
        return int(fields[11]) + int(fields[12])  # utime, stime (fields 14 and 15)
    except (OSError, IndexError, ValueError):
        return -1


def _rss_kib(pid: int | None) -> int:
    """Resident memory of a process (Linux), 0 when unknown."""
    try:
        with open(f"/proc/{pid}/status") as f:
            return next((int(line.split()[1]) for line in f if line.startswith("VmRSS:")), 0)
    except OSError:
        return 0


class _Worker:
    def __init__(self, map_paths: dict[str, str] | None = None, niceness: int = 0) -> None:
        self.conn, child = _CTX.Pipe()
        self._kill_lock = threading.Lock()
        self._killed = False
        self.stop_flag = _CTX.Value("b", 0, lock=False)
        self.process = _CTX.Process(target=_worker_main, args=(child, self.stop_flag, os.getpid(), map_paths, niceness), daemon=True)
        self.process.start()
        child.close()
        # Wait until OR-Tools is imported, so the first request's time limit is all search.
        if not self.conn.poll(_READY_TIMEOUT_S):
            self.kill()
            raise WorkerFailed("solver worker did not start")
        self.conn.recv()

    def kill(self) -> None:
        """Idempotent and safe from two threads at once (a pool closing while the thread that
        runs a task replaces the same worker): the pipe is closed exactly once."""
        with self._kill_lock:
            if self._killed:
                return
            self._killed = True
        if self.process.is_alive():
            self.process.kill()
        self.process.join(timeout=5)
        self.conn.close()


class SolverPool:
    """A fixed set of solver processes with a bounded wait queue.

    ``run`` blocks the calling (gRPC handler) thread until the plan is ready, but never holds
    the GIL meanwhile: it waits on pipes with short timeouts so cancellation is seen promptly.
    """

    def __init__(
        self, workers: int = 2, queue_size: int = 8, grace_s: float = 0.2, max_worker_rss_mb: float = 0.0,
        map_paths: dict[str, str] | None = None,
        niceness: int = 0,
        memory_cap_mb: float = 0.0,
        stall_s: float = 0.0,
        wait_ready: bool = True,
        name: str = "solver",
    ) -> None:
        if workers < 1:
            raise ValueError("workers must be at least 1")
        self.name = name
        self.memory_cap_kib = int(memory_cap_mb * 1024)  # 0: no cap during a task
        self.stall_s = stall_s  # 0: no stall detection
        self.map_paths = dict(map_paths or {})
        self.niceness = niceness
        self.size = workers
        self.queue_size = queue_size
        self.grace_s = grace_s
        self.max_worker_rss_kib = int(max_worker_rss_mb * 1024)  # 0: never recycle a worker for its size
        self._idle: deque[_Worker] = deque()
        self._waiting: deque[object] = deque()  # tickets of callers waiting for a worker, in order
        self._admitted = 0
        self._lock = threading.Lock()
        self._changed = threading.Condition(self._lock)
        self._closed = False
        # Workers are spawned from one long-lived thread: PR_SET_PDEATHSIG fires when the
        # *thread* that forked the worker exits, and gRPC handler threads are not ours to keep.
        self._spawn_requests: queue.Queue[Future | None] = queue.Queue()
        self._spawner = threading.Thread(target=self._spawn_loop, name="solver-spawner", daemon=True)
        self._spawner.start()
        self._all: set[_Worker] = set()
        self._starting = [self._spawn() for _ in range(workers)]
        for future in self._starting:
            future.add_done_callback(self._idle_when_ready)
        if wait_ready:
            self.wait_ready()

    def wait_ready(self) -> None:
        """Returns once the first workers are ready (raises if one could not start)."""
        for future in self._starting:
            future.result()

    # -- spawning -------------------------------------------------------------------------------
    def _spawn_loop(self) -> None:
        while True:
            request = self._spawn_requests.get()
            if request is None:
                return
            try:
                worker = _Worker(self.map_paths, self.niceness)
            except BaseException as exc:
                request.set_exception(exc)
                continue
            with self._lock:
                if self._closed:
                    worker.kill()
                    request.set_exception(SolveAborted("server is shutting down"))
                    continue
                self._all.add(worker)
            request.set_result(worker)

    def _spawn(self) -> Future:
        future: Future = Future()
        self._spawn_requests.put(future)
        return future

    def _replace(self, worker: _Worker) -> None:
        """Kills ``worker``; its replacement joins the idle queue once it is ready."""
        worker.kill()
        with self._lock:
            self._all.discard(worker)
            if self._closed:
                return
        self._spawn().add_done_callback(self._idle_when_ready)

    def _idle_when_ready(self, future: Future) -> None:
        if future.exception() is None:
            self._put_idle(future.result())

    def _put_idle(self, worker: _Worker) -> None:
        with self._changed:
            self._idle.append(worker)
            self._changed.notify_all()

    # -- running --------------------------------------------------------------------------------
    @property
    def depth(self) -> int:
        """Solves running or waiting."""
        return self._admitted

    def admit(self) -> None:
        """Counts one solve in now (``QueueFull`` when there is no room); the caller must then
        call ``run(..., admitted=True)``, which releases it. For jobs that answer before they run."""
        with self._lock:
            if self._closed:
                raise SolveAborted("server is shutting down")
            if self._admitted >= self.size + self.queue_size:
                raise QueueFull(f"the {self.name} queue is full ({self._admitted} admitted); retry later")
            self._admitted += 1

    def release(self) -> None:
        """Gives back an admission taken with ``admit`` that will not be run after all."""
        with self._lock:
            self._admitted -= 1

    def run(
        self,
        task: Any,
        aborted: Callable[[], bool],
        deadline: float | None = None,
        on_progress: Callable[[Any], None] | None = None,
        admitted: bool = False,
        run_limit_s: float | None = None,
    ) -> Outcome:
        """Runs ``task`` in a worker. ``deadline`` is a ``time.monotonic()`` value (the caller's);
        ``run_limit_s`` bounds the task's own run from when a worker takes it (WorkerOverrun).

        ``on_progress`` receives, in this thread, each progress value the task sends before its
        outcome (see ``worker_task.run_task``)."""
        if not admitted:
            self.admit()
        try:
            worker = self._acquire(aborted, deadline)
            return self._run_on(worker, task, aborted, deadline, on_progress, run_limit_s)
        finally:
            with self._lock:
                self._admitted -= 1

    def _acquire(self, aborted: Callable[[], bool], deadline: float | None) -> _Worker:
        """The next idle worker, for the caller that has waited longest (a ticket queue: a
        worker coming free goes to the first ticket, never to whoever polls first)."""
        ticket = object()
        with self._changed:
            self._waiting.append(ticket)
            try:
                while True:
                    if self._idle and self._waiting[0] is ticket:
                        self._waiting.popleft()
                        self._changed.notify_all()  # the next ticket may take the next worker
                        return self._idle.popleft()
                    if aborted() or (deadline is not None and time.monotonic() >= deadline) or self._closed:
                        self._waiting.remove(ticket)
                        self._changed.notify_all()
                        raise SolveAborted("gave up waiting for a solver worker")
                    self._changed.wait(_POLL_S)  # woken when a worker frees; the timeout checks aborts
            except BaseException:
                if ticket in self._waiting:
                    self._waiting.remove(ticket)
                    self._changed.notify_all()
                raise

    def _run_on(
        self, worker: _Worker, task: Any, aborted: Callable[[], bool], deadline: float | None,
        on_progress: Callable[[Any], None] | None = None, run_limit_s: float | None = None,
    ) -> Outcome:
        worker.stop_flag.value = 0
        pid = worker.process.pid
        started = time.monotonic()
        hard_deadline = None if run_limit_s is None else started + run_limit_s
        overrun: WorkerOverrun | None = None
        next_check = started
        cpu_seen, cpu_moved_at = _cpu_ticks(pid), started
        try:
            worker.conn.send(task)
        except (BrokenPipeError, OSError):
            self._replace(worker)
            raise WorkerFailed("solver worker was not reachable") from None
        stop_sent_at: float | None = None
        while True:
            now = time.monotonic()
            # Memory and liveness, ten times a second, whatever the worker is sending: a task
            # streaming progress must not escape the checks.
            if now >= next_check:
                next_check = now + 0.1
                if self.memory_cap_kib and _rss_kib(pid) > self.memory_cap_kib:
                    log.warning("%s worker %d passed %d MiB during a task; killing it", self.name, pid, self.memory_cap_kib // 1024)
                    self._replace(worker)
                    raise WorkerOverrun("memory", f"the work needed more than the {self.memory_cap_kib // 1024} MiB a worker may use; make the request smaller")
                cpu = _cpu_ticks(pid)
                if cpu != cpu_seen:
                    cpu_seen, cpu_moved_at = cpu, now
                elif self.stall_s and now - cpu_moved_at >= self.stall_s:
                    log.warning("%s worker %d used no CPU for %.1f s during a task (stopped?); replacing it", self.name, pid, now - cpu_moved_at)
                    self._replace(worker)
                    raise WorkerOverrun("stalled", "the solver worker stalled and was replaced; retry")
            try:
                # After a stop request, wake exactly when its grace ends (the kill is not late).
                wait_s = _POLL_S if stop_sent_at is None else min(_POLL_S, max(0.0, stop_sent_at + self.grace_s - time.monotonic()))
                ready = worker.conn.poll(wait_s)
            except (EOFError, OSError):
                ready = True
            if ready:
                try:
                    outcome = worker.conn.recv()
                except (EOFError, OSError):
                    code = worker.process.exitcode
                    self._replace(worker)
                    raise WorkerFailed(f"solver worker died (exit code {code})") from None
                if outcome.kind == "progress":
                    if on_progress is not None:
                        try:
                            on_progress(outcome.value)
                        except Exception:  # a listener's bug must not lose the solve
                            log.exception("progress listener failed")
                    continue
                if self.max_worker_rss_kib and _rss_kib(worker.process.pid) > self.max_worker_rss_kib:
                    log.info("solver worker %d outgrew %d MiB; replacing it", worker.process.pid, self.max_worker_rss_kib // 1024)
                    self._replace(worker)  # bounds memory whatever leaks in native code
                else:
                    self._put_idle(worker)
                return outcome
            if not worker.process.is_alive():
                code = worker.process.exitcode
                self._replace(worker)
                raise WorkerFailed(f"solver worker died (exit code {code})")
            now = time.monotonic()
            if stop_sent_at is None and hard_deadline is not None and now >= hard_deadline:
                overrun = WorkerOverrun("time", f"the work did not stop at its time limit; stopped after {now - started:.1f} s")
                worker.stop_flag.value = 1
                stop_sent_at = now
            elif stop_sent_at is None and (aborted() or (deadline is not None and now >= deadline) or self._closed):
                worker.stop_flag.value = 1  # polled by the search at its next solution
                stop_sent_at = now
            elif stop_sent_at is not None and now - stop_sent_at >= self.grace_s:
                log.warning("%s worker did not stop within %.2f s; killing it", self.name, self.grace_s)
                self._replace(worker)
                if overrun is not None:
                    raise overrun
                raise SolveAborted("the search was stopped")

    def close(self) -> None:
        """Stops every worker now (in-flight solves fail with SolveAborted)."""
        with self._changed:
            self._closed = True
            workers = list(self._all)
            self._all.clear()
            self._changed.notify_all()
        for worker in workers:
            with contextlib.suppress(BrokenPipeError, OSError):  # already gone: killed below anyway
                worker.conn.send(None)
            worker.kill()
        self._spawn_requests.put(None)

    def worker_pids(self) -> list[int]:
        with self._lock:
            return [w.process.pid for w in self._all if w.process.pid is not None]

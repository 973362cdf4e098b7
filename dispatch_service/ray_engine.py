"""Regions solved on a Ray cluster (``dispatch serve --backend ray``; the optional extra ``ray``).

One long-lived actor per CPU of the cluster (named, detached: solves and server processes share
them, and they outlive a solve), each with OR-Tools loaded, the compiled kernel warm
(``solver.improve`` compiles or loads it on import) and the service's maps loaded. An actor runs
one region's search at a time (``solving.solve_region``, the same entry point as the local
path) and keeps its latest snapshot, which the driver polls; a cancel sets the search's stop
flag. So a stopped or killed actor costs its region's improvement since the last poll, never
the plan: the driver keeps the region's previous plan (or its last snapshot) and the actor is
restarted by Ray for the next call.
"""

from __future__ import annotations

import itertools
import logging
import os
import threading
import time
from collections.abc import Callable, Sequence
from typing import TYPE_CHECKING, Any

import ray
from ray.exceptions import RayError

from solver.model import Plan, PlannedRoute, Problem

if TYPE_CHECKING:  # the server imports this module to start actors; it never loads the solver
    from dispatch_service.regional import RegionCall

log = logging.getLogger(__name__)

NAMESPACE = "dispatch"
ACTOR_PREFIX = "dispatch-region-"
POLL_S = 0.5  # how often the driver asks running actors for their latest snapshot
STOP_GRACE_S = 0.3  # a call still running this long after the deadline is given up (its snapshot stands)


class RegionSolver:
    """Solves regions; ``latest``, ``cancel`` and ``wait_first_plan`` answer while it does."""

    def __init__(self, map_paths: dict[str, str] | None = None) -> None:
        from dispatch_service import solving, travel  # OR-Tools, the kernel (warm), the maps: once
        from solver import decompose

        decompose.fork_groups(False)  # this process has threads (polls): groups run in it, one CPU each
        travel.configure(map_paths)
        self._solve_region = solving.solve_region
        self._stop = threading.Event()
        self._first = threading.Event()
        self._latest: Plan | None = None
        self._version = 0
        self._call = ""  # the running call's id: a poll sent for another call gets nothing

    @ray.method(concurrency_group="solve")
    def solve(self, call_id: str, problem: Problem, start: tuple[PlannedRoute, ...] | None) -> Plan:
        self._stop.clear()
        self._first.clear()
        self._latest = None
        self._call = call_id
        try:
            return self._solve_region(problem, start, self._stop.is_set, on_progress=self._keep)
        finally:
            self._first.clear()

    def _keep(self, plan: Plan) -> None:
        self._latest = plan
        self._version += 1
        self._first.set()

    @ray.method(concurrency_group="peek")
    def latest(self, call_id: str, known_version: int) -> tuple[int, Plan | None]:
        """Call ``call_id``'s latest snapshot when newer than ``known_version`` (nothing while
        the actor still runs an earlier call, e.g. one a driver gave up at its deadline)."""
        version, plan = self._version, self._latest
        if self._call != call_id or version == known_version:
            return known_version, None
        return version, plan

    @ray.method(concurrency_group="peek")
    def cancel(self) -> None:
        self._stop.set()

    @ray.method(concurrency_group="peek")
    def wait_first_plan(self, timeout_s: float) -> bool:
        """Blocks until the running search has a snapshot (for tests that stop an actor mid-search)."""
        return self._first.wait(timeout_s)

    @ray.method(concurrency_group="peek")
    def pid(self) -> int:
        return os.getpid()


# One CPU each; Ray restarts a dead actor for the next call (the call it died in is lost, not
# retried: its region keeps its plan). Polls and cancels run beside the search.
_ACTOR_OPTIONS: dict[str, Any] = {"num_cpus": 1, "max_restarts": -1, "max_task_retries": 0,
                                  "concurrency_groups": {"solve": 1, "peek": 2}}
RegionActor: Any = ray.remote(**_ACTOR_OPTIONS)(RegionSolver)


def init(address: str | None, **kwargs) -> str:
    """Connects this process to the cluster (or starts a local one when ``address`` is None);
    returns the cluster's address for other processes."""
    if not ray.is_initialized():
        if address is not None:
            kwargs.pop("num_cpus", None)  # a running cluster has its resources
        # "local": a new runtime of this machine, never a cluster some earlier `ray start` left.
        ray.init(address=address or "local", namespace=NAMESPACE, include_dashboard=False, log_to_driver=False,
                 logging_level=logging.WARNING, **kwargs)
    return ray.get_runtime_context().gcs_address


def actors(count: int | None = None, map_paths: dict[str, str] | None = None) -> list:
    """The cluster's region actors, one per CPU (created when missing, else the running ones)."""
    count = count or max(1, int(ray.cluster_resources().get("CPU", 1)))
    return [RegionActor.options(name=f"{ACTOR_PREFIX}{k}", namespace=NAMESPACE, get_if_exists=True,
                                lifetime="detached").remote(map_paths) for k in range(count)]


class RayEngine:
    """``regional.Engine`` on Ray actors: at most one call per actor at a time."""

    _connected: RayEngine | None = None

    def __init__(self, handles: list) -> None:
        self.actors = handles
        self.workers = len(handles)
        self.call_s: list[float] = []
        self._ids = itertools.count()

    @classmethod
    def connect(cls, address: str | None, map_paths: dict[str, str] | None = None) -> RayEngine:
        """This process's engine (one connection and one set of actor handles per process)."""
        if cls._connected is None:
            init(address)
            cls._connected = cls(actors(map_paths=map_paths))
        return cls._connected

    def run(self, calls: Sequence[RegionCall], should_stop: Callable[[], bool], deadline: float) -> list[Plan | None]:
        results: list[Plan | None] = [None] * len(calls)
        latest: list[Plan | None] = [None] * len(calls)
        versions = [0] * len(calls)
        call_ids = [""] * len(calls)
        queue = list(range(len(calls)))
        free = list(range(len(self.actors)))
        running: dict = {}  # solve ref -> (call, actor, started)
        peeks: dict = {}  # latest() ref -> call
        polled = time.perf_counter()
        stopping = False
        self.call_s = []
        while running or (queue and not stopping):
            now = time.perf_counter()
            cancelled = should_stop()
            if not stopping and (cancelled or now >= deadline):
                stopping = True
                for _c, a, _ in running.values():
                    self.actors[a].cancel.remote()
            if cancelled:  # the caller waits: the snapshots polled so far stand
                for c, _, _ in running.values():
                    results[c] = latest[c]
                break
            while queue and free and not stopping:
                c, a = queue.pop(0), free.pop(0)
                call_ids[c] = f"{os.getpid()}-{next(self._ids)}"
                ref = self.actors[a].solve.remote(call_ids[c], calls[c].problem, calls[c].start)
                running[ref] = (c, a, time.perf_counter())
            if not running:
                break
            if now - polled >= POLL_S:
                polled = now
                busy = {c for c in peeks.values()}
                for c, a, _ in running.values():
                    if c not in busy:
                        peeks[self.actors[a].latest.remote(call_ids[c], versions[c])] = c
            ready, _ = ray.wait([*running, *peeks], num_returns=1, timeout=POLL_S)
            for ref in ready:
                if ref in peeks:
                    c = peeks.pop(ref)
                    try:
                        version, plan = ray.get(ref)
                    except RayError:
                        continue  # the actor is gone: its solve's error says so
                    if plan is not None:
                        latest[c], versions[c] = plan, version
                    continue
                c, a, t0 = running.pop(ref)
                free.append(a)
                try:
                    results[c] = ray.get(ref)
                    self.call_s.append(time.perf_counter() - t0)
                except RayError as exc:
                    results[c] = latest[c]
                    log.warning("region call %s lost (%s); %s stands", calls[c].key, type(exc).__name__,
                                "its last snapshot" if latest[c] is not None else "the previous plan")
            if stopping and time.perf_counter() > deadline + STOP_GRACE_S:
                for c, a, _ in running.values():  # late: their last snapshots stand
                    results[c] = latest[c]
                    log.warning("region call %s late on actor %d; %s stands", calls[c].key, a,
                                "its last snapshot" if latest[c] is not None else "the previous plan")
                break
        return results

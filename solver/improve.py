"""Improves a start plan with the compiled ruin-and-recreate kernel before OR-Tools searches.

``improve(inst, sequences, budget_s)`` takes the construction heuristic's flat instance
(``solver.construction.Instance``) and its sequences and returns better sequences (order
indices per vehicle), never worse by the kernel's own cost. The search runs in chunks of
steps so that the time limit and ``should_stop`` are honoured between chunks; on two cores
two independent chains run in threads (the kernel releases the GIL) and the better wins.

The kernel's cost is the routing model's on earliest-start schedules; OR-Tools re-reads the
plan against the full model (``RoutingModel.search``), so this module may only propose.
"""

from __future__ import annotations

import os
import threading
import time
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass

import numpy as np

from solver import ruin_recreate as kernel
from solver import rules
from solver.construction import Instance

NEIGHBOURS = 50  # nearest orders kept per order (ruin adjacency and insertion routes)
CHUNK_S = 0.02  # target length of one compiled call: the stop flag is polled this often
# Simulated-annealing temperature, as a multiple of the start plan's mean arc cost: from
# T_START to T_END over the budget (SISR's 100 -> 1 on Solomon distances is about 10 -> 0.1
# mean arcs, for 10^7+ steps; a budget of seconds affords 10^4-10^5, hence cooler;
# 3 -> 0.01 measured best of 0.3, 1, 3, 10 at the start on 14 hard Solomon instances at 1 s).
T_START = 3.0
T_END = 0.01


@dataclass
class Result:
    sequences: list[list[int]]
    cost: float  # kernel units (the model's scaled cost units)
    start_cost: float
    steps: int
    improvements: int


def _places(inst: Instance, locs: np.ndarray) -> dict[int, int]:
    """Location index -> the first location index with the same travel rows and columns
    (each engineer has a location of their own in the matrices, often at the same depot)."""
    seen: dict[bytes, int] = {}
    out = {-1: -1}
    for loc in np.unique(locs):
        if loc < 0:
            continue
        key = b"".join(m[loc, :].tobytes() + m[:, loc].tobytes() for m in (inst.duration, inst.distance))
        out[int(loc)] = seen.setdefault(key, int(loc))
    return out


def vehicle_classes(inst: Instance) -> np.ndarray:
    """Vehicles that are interchangeable for an empty route share a class number."""
    keys: dict[tuple, int] = {}
    out = np.empty(inst.v, dtype=np.int64)
    place = _places(inst, np.concatenate([inst.start_loc, inst.end_loc]))
    for v in range(inst.v):
        key = (place[int(inst.start_loc[v])], place[int(inst.end_loc[v])], float(inst.shift_lo[v]), float(inst.shift_hi[v]),
               float(inst.max_work[v]), float(inst.speed[v]), float(inst.a_time[v]), float(inst.b_dist[v]),
               float(inst.capacity[v]), tuple(inst.breaks[v]), rules.vehicle_key(inst, v),
               # Who may and who is preferred to serve an order also tells vehicles apart.
               inst.allowed[:, v].tobytes(), np.ascontiguousarray(inst.pref_cost[:, v]).tobytes())
        out[v] = keys.setdefault(key, len(keys))
    return out


def pack(inst: Instance) -> tuple:
    """The kernel's instance tuple: the rule book's (``solver.rules.pack``) with the kernel's
    neighbour lists and vehicle classes."""
    return rules.pack(inst, neighbours(inst), vehicle_classes(inst))


def _arc_cost(inst: Instance, rows: np.ndarray, cols: np.ndarray) -> np.ndarray:
    """Arc costs of the first vehicle (the usual case: one kind of vehicle), travel time as a
    tie-breaker so that zero-cost instances still get a meaningful neighbourhood."""
    d = inst.duration[np.ix_(rows, cols)].astype(np.float64)
    x = inst.distance[np.ix_(rows, cols)].astype(np.float64)
    if inst.v == 0:
        return d
    return inst.a_time[0] * d + inst.b_dist[0] * x + 1e-6 * d


def _nearness(inst: Instance) -> np.ndarray:
    """The matrix neighbours are ranked by: what the first vehicle's arcs cost (the usual case:
    one kind of vehicle), read straight from the integer matrix when one term prices them (a
    float cost matrix over all pairs took 4 s at 5000 orders); travel time when nothing does."""
    if inst.v == 0 or inst.b_dist[0] == 0:
        return inst.duration
    if inst.a_time[0] == 0:
        return inst.distance
    return np.rint(inst.a_time[0] / inst.b_dist[0] * inst.duration + inst.distance).astype(np.int64)


def neighbours(inst: Instance, k: int = NEIGHBOURS) -> np.ndarray:
    """Each order's ``k`` nearest orders (itself first), nearest first. Row blocks on two
    threads (numpy's partition releases the GIL)."""
    n = inst.n
    k = min(k, n)
    out = np.empty((n, k), dtype=np.int64)
    locs = inst.served
    near = _nearness(inst)
    contiguous = n > 0 and bool(np.array_equal(locs, np.arange(locs[0], locs[0] + n)))
    step = 512

    def block(r0: int) -> None:
        rows = locs[r0:r0 + step]
        if contiguous:
            c = np.array(near[rows[0]:rows[-1] + 1, locs[0]:locs[0] + n], dtype=np.int64)
        else:
            c = near[np.ix_(rows, locs)].astype(np.int64)
        c[np.arange(c.shape[0]), np.arange(r0, r0 + c.shape[0])] = -1  # itself first
        part = np.argpartition(c, k - 1, axis=1)[:, :k] if k < n else np.tile(np.arange(n), (c.shape[0], 1))
        order = np.argsort(np.take_along_axis(c, part, axis=1), axis=1, kind="stable")
        out[r0:r0 + c.shape[0]] = np.take_along_axis(part, order, axis=1)

    starts = range(0, n, step)
    if n < 2000 or (os.cpu_count() or 1) < 2:
        for r0 in starts:
            block(r0)
    else:
        with ThreadPoolExecutor(2) as pool:
            list(pool.map(block, starts))
    return out


def _far(inst: Instance) -> np.ndarray:
    """Each order's cost from the nearest vehicle start (SISR's "far first" recreate order)."""
    starts = np.unique(inst.start_loc)
    if starts.size == 0:
        return np.zeros(inst.n)
    return _arc_cost(inst, starts, inst.served).min(axis=0)


def _state(inst: Instance, packed: tuple, local_sequences: list[list[int]]) -> tuple:
    n, nv = inst.n, inst.v
    nn = n + 2 * nv
    nxt = np.full(nn, -1, dtype=np.int64)
    prv = np.full(nn, -1, dtype=np.int64)
    rte = np.full(nn, -1, dtype=np.int64)
    for r in range(nv):
        chain = [n + 2 * r] + list(local_sequences[r]) + [n + 2 * r + 1]
        for p, q in zip(chain, chain[1:]):
            nxt[p], prv[q] = q, p
        rte[chain] = r
    st = (nxt, prv, rte, np.zeros(nn), np.zeros(nn), np.zeros(nv), np.zeros(nv, dtype=np.int64),
          np.zeros(nv), np.zeros(2))
    for r in range(nv):
        kernel.update_route(packed, st, r)
    cost = kernel.total_cost(packed, st)
    st[8][:] = cost
    return st


def _sequences(inst: Instance, nxt: np.ndarray) -> list[list[int]]:
    n = inst.n
    out = []
    for r in range(inst.v):
        seq, node = [], int(nxt[n + 2 * r])
        while node != n + 2 * r + 1:
            seq.append(int(inst.served[node]))
            node = int(nxt[node])
        out.append(seq)
    return out


def _chain(packed: tuple, st: tuple, far: np.ndarray, budget_s: float, t_start: float, t_end: float,
           seed: int, should_stop: Callable[[], bool] | None, out: dict,
           on_best: Callable[[np.ndarray], None] | None = None, interval_s: float = 0.5) -> None:
    """One annealing chain over ``budget_s``, in chunks of compiled steps. ``on_best`` sees
    the best plan's successor array when it improved, at most every ``interval_s``."""
    best = (st[0].copy(), st[1].copy(), st[2].copy())
    started = time.perf_counter()
    kernel.seed(seed)
    steps = improvements = 0
    chunk = 16
    reported, sent = 0, started
    while True:
        elapsed = time.perf_counter() - started
        if on_best is not None and improvements > reported and time.perf_counter() - sent >= interval_s:
            reported, sent = improvements, time.perf_counter()
            on_best(best[0])
        if elapsed >= budget_s or (should_stop is not None and should_stop()):
            break
        frac0 = elapsed / budget_s
        t0 = t_start * (t_end / t_start) ** frac0
        t1c = time.perf_counter()
        # The chunk's temperatures assume it lasts about CHUNK_S.
        frac1 = min(1.0, (elapsed + CHUNK_S) / budget_s)
        t1 = t_start * (t_end / t_start) ** frac1
        improvements += kernel.run(packed, st, best, chunk, t0, t1, far)
        steps += chunk
        took = time.perf_counter() - t1c
        # Steer the chunk size towards CHUNK_S, never past the budget.
        rate = chunk / max(took, 1e-6)
        left = budget_s - (time.perf_counter() - started)
        chunk = int(max(1, min(rate * CHUNK_S, rate * left, 4 * chunk)))
    out.update(best=best, cost=float(st[8][1]), steps=steps, improvements=improvements)


def improve(inst: Instance, sequences: list[list[int]], budget_s: float,
            should_stop: Callable[[], bool] | None = None, seed: int = 0,
            threads: int | None = None,
            on_sequences: Callable[[list[list[int]], float], None] | None = None,
            interval_s: float = 0.5) -> Result:
    """Ruin-and-recreate from ``sequences`` (order indices per vehicle) for ``budget_s``.

    ``on_sequences(sequences, elapsed_s)`` sees a better plan at most every ``interval_s``
    (from the first chain; streaming callers want progress during a long budget)."""
    started = time.perf_counter()
    local = {int(i): u for u, i in enumerate(inst.served)}
    local_sequences = [[local[int(i)] for i in seq] for seq in sequences]
    if inst.n == 0 or inst.v == 0:
        return Result(sequences, 0.0, 0.0, 0, 0)
    packed = pack(inst)
    far = _far(inst)
    st0 = _state(inst, packed, local_sequences)
    start_cost = float(st0[8][1])
    arcs = sum(len(s) + 1 for s in local_sequences if s)
    served_cost = sum(float(st0[7][r]) for r in range(inst.v))
    mean_arc = served_cost / arcs if arcs and served_cost > 0 else 1.0
    t_start, t_end = T_START * mean_arc, T_END * mean_arc
    threads = threads if threads is not None else min(2, os.cpu_count() or 1)
    # Packing (neighbour lists: O(n^2)) is part of the budget.
    budget_s = max(0.0, budget_s - (time.perf_counter() - started))
    outs: list[dict] = [{} for _ in range(max(1, threads))]
    states = [st0] + [tuple(a.copy() for a in st0) for _ in range(len(outs) - 1)]
    workers = [threading.Thread(target=_chain, args=(packed, states[k], far, budget_s, t_start, t_end,
                                                     seed * 1000 + k, should_stop, outs[k]), daemon=True)
               for k in range(1, len(outs))]
    for w in workers:
        w.start()
    on_best = None
    if on_sequences is not None:
        def on_best(nxt: np.ndarray) -> None:
            on_sequences(_sequences(inst, nxt), time.perf_counter() - started)
    _chain(packed, states[0], far, budget_s, t_start, t_end, seed * 1000, should_stop, outs[0], on_best, interval_s)
    for w in workers:
        w.join()
    win = min((o for o in outs if "cost" in o), key=lambda o: o["cost"])  # a failed thread left none
    return Result(_sequences(inst, win["best"][0]), win["cost"], start_cost,
                  sum(o["steps"] for o in outs), sum(o["improvements"] for o in outs))


def warm_up() -> None:
    """Loads (on the first run ever: compiles, ~10 s, then cached beside the module) every
    kernel and rule-book function on a three-order instance, so that no time limit pays for
    it later (loading the rule book's functions on a plan's first timing took ~0.1 s)."""
    inf = np.inf
    duration = np.asarray([[0, 5, 6, 7], [5, 0, 3, 4], [6, 3, 0, 2], [7, 4, 2, 0]], dtype=np.int64)
    inst = Instance(
        served=np.asarray([1, 2, 3]), service=np.full(3, 1.0),
        win_lo=np.asarray([[0.0, 50.0], [0.0, inf], [0.0, inf]]), win_hi=np.asarray([[40.0, 90.0], [90.0, -inf], [90.0, -inf]]),
        demand=np.ones(3), sla=np.asarray([inf, 30.0, inf]), late_coef=np.asarray([0.0, 1.0, 0.0]),
        penalty=np.asarray([inf, 1e6, inf]), allowed=np.ones((3, 2), dtype=bool), pref_cost=np.zeros((3, 2)),
        start_loc=np.zeros(2, dtype=np.int64), end_loc=np.asarray([0, -1]), shift_lo=np.zeros(2),
        shift_hi=np.full(2, 100.0), max_work=np.asarray([100.0, 80.0]), speed=np.asarray([1.0, 1.5]),
        a_time=np.ones(2), b_dist=np.zeros(2), capacity=np.asarray([inf, 2.0]),
        breaks=[[(10, 60, 5)], []], duration=duration, distance=duration.copy(), span=np.asarray([0.0, 0.5]),
    )
    packed = pack(inst)
    st = _state(inst, packed, [[0, 1], [2]])
    best = (st[0].copy(), st[1].copy(), st[2].copy())
    kernel.seed(0)
    kernel.run(packed, st, best, 3, 1.0, 0.5, _far(inst))
    # The rule book as plans, evaluation and insertion call it: the plain tuple (no neighbour
    # lists), one extra site, every entry point.
    site = np.asarray([3, 3, 2, 0], dtype=np.int64)
    plain = rules.pack(inst, extra=(site, site, site, site))
    nodes = np.asarray([0, 1], dtype=np.int64)
    scratch = np.empty(2), np.empty(2), np.empty(1)
    rules.violations(plain, 0, nodes, 2, *scratch)
    rules.schedule(plain, 0, nodes, 2, *scratch)
    rules.route_cost(plain, 0, nodes, 2, *scratch)
    rules.travel_cost(plain, 0, nodes, 2)
    rules.travel_s(plain[25], plain[29][0], plain[29][1], 1.0, 4, 1)
    rules.distance_m(plain[26], plain[29][2], plain[29][3], 4, 1)
    v = inst.v
    out_i, out_f = np.empty(v, dtype=np.int64), np.empty(v)
    flat, offsets = np.asarray([0, 1, 2], dtype=np.int64), np.asarray([0, 2, 3], dtype=np.int64)
    rules.best_insertions(plain, flat, offsets, 2, out_i, out_f, out_i.copy(), out_f.copy(), out_f.copy())
    slot_lo, slot_hi = np.asarray([0.0, 40.0]), np.asarray([30.0, 80.0])
    grid_i, grid_f = np.empty((2, v), dtype=np.int64), np.empty((2, v))
    rules.slot_insertions(plain, flat, offsets, 2, slot_lo, slot_hi, grid_i, grid_f, grid_i.copy(), grid_f.copy(),
                          grid_f.copy())
    rules.earliest_alone(plain, 1)
    # The SLA targets' prices as construction, objective and KPIs call them.
    oext = np.zeros((rules.OEXT_ROWS, 1))
    rules.target_costs(oext, np.zeros(1, dtype=np.int64), np.zeros((1, 1)), np.zeros((1, 1)))
    rules.target_cost(oext, 0, 0.0)


# At import: a time-limited solve must not spend its time loading the compiled kernel.
warm_up()

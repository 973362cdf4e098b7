"""Slack induction by string removals (SISR), compiled with numba: the improvement kernel.

Why: OR-Tools' local search makes a few thousand moves per second from Python at 100 orders
and a few per second per order at 1000; ruin-and-recreate with string removals
(Christiaens & Vanden Berghe, "Slack induction by string removals for vehicle routing
problems", Transportation Science 54(2), 2020) in compiled code makes tens of thousands of
ruin/recreate steps per second and is what gets near best-known plans on VRPTW benchmarks.
Its plan is handed to OR-Tools (``solver.routing_model``), which checks it against the full
model and searches on from it; this module only proposes.

Rules kept: allowed vehicles (``allowed``), time windows (several per order, waiting allowed),
shift start and end, capacity; for vehicles flagged ``exact`` (breaks or a working-time limit)
every insertion is checked by an exact forward pass (the one of ``solver.construction``).
Costs: per-vehicle arc costs (time × cost per driven second + distance × cost per metre, time
scaled by the vehicle's speed factor), assignment costs, soft SLA lateness and working-time
cost on earliest-start schedules, unassigned penalties (mandatory orders: ``BIG``).

Node numbering: orders are nodes 0..n-1; route r has a start sentinel n + 2r and an end
sentinel n + 2r + 1. Routes are doubly linked lists (``nxt``/``prv``), ``rte`` is a node's
route (-1: unassigned). ``dep`` is the earliest departure after service, ``lat`` the latest
start (arrival bound) that keeps the rest of the route feasible.

The instance is a tuple (see ``solver.improve.pack``) so that numba compiles one signature.
"""

from __future__ import annotations

import math

import numpy as np
from numba import njit

from solver import rules
from solver.rules import EXACT, RICH

INF = np.inf
BIG = rules.BIG
AVG_REMOVED = 10.0  # c-bar: customers removed per ruin on average
MAX_STRING = 10.0  # L_max: longest removed string
BLINK = 0.01  # probability of skipping an insertion position
INSERT_NEIGHBOURS = 40  # an order is tried in the routes of its nearest orders (then anywhere)
RETRY_LEFT_OUT = 10  # orders left out of the plan retried per step (besides the ruined ones)
# An optional ruined order that fits no route near it tries this many other routes, drawn at
# random. Trying every route made a step cost O(routes): at 5000 orders (500 routes) steps were
# 8.2x (skills day) and 5.5x (synthetic Porto day) slower than at 200 orders; with 16, 2.0x and
# 2.4x, and plans better at equal CPU time (benchmarks/RESULTS.md, "Search for the dispatcher's day").
FALLBACK_ROUTES = 16
# Of the RETRY_LEFT_OUT, first those among the ruin seed's neighbours, where the ruin just made
# room (skills day, 5000 orders, 4 CPU-s: 1473 -> 1334 left out; with 5: 1345; with 20 of 20:
# 1319 but the synthetic Porto day worse at 200 and 1000 orders).
RETRY_NEAR = 10


@njit(cache=True, nogil=True)
def update_route(inst, st, r):
    """Recomputes route ``r``'s screening bounds (earliest departures ``dep`` without breaks,
    latest starts ``lat``), load, length, and its price by the rule book: the arcs and
    assignment costs on the way, and ``rules.route_cost`` for routes whose price depends on
    their schedule (``rich``: breaks, working time, soft deadlines)."""
    (loc, service, wlo, whi, demand, sla, late, pen, allowed, pref, vstart, vend, slo, shi, maxw,
     speed, a, b, cap, span, vflags, bofs, be, bl, bd, dur, dist, neigh, vclass, xtra, vext, pneed, pstock, oext) = inst
    xto_s, xfrom_s, xto_m, xfrom_m = xtra[0], xtra[1], xtra[2], xtra[3]
    nxt, prv, rte, dep, lat, load, rlen, rcost, scal = st
    n = loc.shape[0]
    s = n + 2 * r
    e = s + 1
    t = slo[r]
    dep[s] = t
    node = nxt[s]
    prev_loc = vstart[r]
    ld = 0.0
    length = 0
    cost = 0.0
    while node != e:
        lu = loc[node]
        tt = rules.travel_s(dur, xto_s, xfrom_s, speed[r], prev_loc, lu)
        t = rules.window_start(wlo, whi, node, t + tt) + service[node]
        cost += rules.arc_price(a[r], b[r], tt, rules.distance_m(dist, xto_m, xfrom_m, prev_loc, lu)) + pref[node, r]
        dep[node] = t
        ld += demand[node]
        length += 1
        prev_loc = lu
        node = nxt[node]
    if length > 0:
        cost += rules.arc_cost(a[r], b[r], speed[r], dur, dist, xto_s, xfrom_s, xto_m, xfrom_m, prev_loc, vend[r])
        dep[e] = t + rules.travel_s(dur, xto_s, xfrom_s, speed[r], prev_loc, vend[r])
    else:
        dep[e] = t
    lat[e] = shi[r]
    node = prv[e]
    next_loc = vend[r]
    while node != s:
        lu = loc[node]
        tt = rules.travel_s(dur, xto_s, xfrom_s, speed[r], lu, next_loc)
        lat[node] = rules.window_latest(wlo, whi, node, lat[nxt[node]] - tt - service[node])
        next_loc = lu
        node = prv[node]
    load[r] = ld
    rlen[r] = length
    if length > 0 and (vflags[r] & RICH) != 0:
        cost = _rich_cost(inst, st, r, length)
    rcost[r] = cost


@njit(cache=True, nogil=True)
def _rich_cost(inst, st, r, length):
    """``rules.route_cost`` of route ``r`` (kept out of ``update_route``: allocations there
    slowed its plain path by half, measured on R1_10_1)."""
    nodes = np.empty(length, dtype=np.int64)
    _route_nodes(st, inst[0].shape[0], r, nodes)
    return rules.route_cost(inst, r, nodes, length, np.empty(length), np.empty(length), np.empty(0))[1]


@njit(cache=True, nogil=True)
def exact_ok(inst, st, r, ins_u, ins_after, buf):
    """The rule book's check of route ``r`` with ``ins_u`` inserted after node ``ins_after``."""
    m = _with_insert(inst, st, r, ins_u, ins_after, buf)
    return rules.violations(inst, r, buf, m, np.empty(m), np.empty(m), np.empty(0)) == 0


@njit(cache=True, nogil=True)
def _rich_delta(inst, st, r, u, p, buf):
    """The rule book's price of route ``r`` with ``u`` after node ``p``, minus its price now
    (inf when the route would break a rule). Apart from ``_best_in_route``: allocations in
    a function slow its plain path."""
    m = _with_insert(inst, st, r, u, p, buf)
    viol, c = rules.checked_cost(inst, r, buf, m, np.empty(m), np.empty(m), np.empty(0))
    return INF if viol else c - st[7][r]


@njit(cache=True, nogil=True)
def _with_insert(inst, st, r, ins_u, ins_after, buf):
    """Route ``r``'s nodes into ``buf`` with ``ins_u`` after node ``ins_after``; the count."""
    nxt = st[0]
    n = inst[0].shape[0]
    s = n + 2 * r
    e = s + 1
    m = 0
    if ins_after == s:
        buf[m] = ins_u
        m += 1
    node = nxt[s]
    while node != e:
        buf[m] = node
        m += 1
        if node == ins_after:
            buf[m] = ins_u
            m += 1
        node = nxt[node]
    return m


@njit(cache=True, nogil=True)
def _best_in_route(inst, st, u, r, best, buf):
    """Best insertion of ``u`` into route ``r``: (delta, node to insert after) or (best, -1)."""
    (loc, service, wlo, whi, demand, sla, late, pen, allowed, pref, vstart, vend, slo, shi, maxw,
     speed, a, b, cap, span, vflags, bofs, be, bl, bd, dur, dist, neigh, vclass, xtra, vext, pneed, pstock, oext) = inst
    xto_s, xfrom_s, xto_m, xfrom_m = xtra[0], xtra[1], xtra[2], xtra[3]
    nxt, prv, rte, dep, lat, load, rlen, rcost, scal = st
    found = -1
    if not allowed[u, r] or load[r] + demand[u] > cap[r]:
        return best, found
    if pneed.shape[1] > 0 and not _parts_fit(pneed, pstock, nxt, loc.shape[0], r, u):
        return best, found
    n = loc.shape[0]
    s = n + 2 * r
    e = s + 1
    lu = loc[u]
    sp = speed[r]
    empty = rlen[r] == 0
    exact_price = (vflags[r] & RICH) != 0
    p = s
    lp = vstart[r]
    while True:
        q = nxt[p]
        lq = vend[r] if q == e else loc[q]
        tt_pu = rules.travel_s(dur, xto_s, xfrom_s, sp, lp, lu)
        start = rules.window_start(wlo, whi, u, dep[p] + tt_pu)
        if start == INF:
            break  # departures only grow along the route: later positions cannot do better
        tt_uq = rules.travel_s(dur, xto_s, xfrom_s, sp, lu, lq)
        if start + service[u] + tt_uq <= lat[q]:
            delta = rules.arc_price(a[r], b[r], tt_pu + tt_uq, rules.distance_m(dist, xto_m, xfrom_m, lp, lu)
                                    + rules.distance_m(dist, xto_m, xfrom_m, lu, lq)) + pref[u, r]
            if not empty:
                delta -= rules.arc_cost(a[r], b[r], sp, dur, dist, xto_s, xfrom_s, xto_m, xfrom_m, lp, lq)
            if late[u] > 0.0 and start > sla[u]:
                delta += late[u] * (start - sla[u])
            if oext.shape[1] > 0:
                delta += rules.target_cost(oext, u, start)
            # ``delta`` (the arcs and u's own lateness) screens positions: what the insertion
            # adds later in the route only raises the price.
            if delta < best and np.random.random() >= BLINK:
                if exact_price:
                    # The price of the whole route with u in it, minus the route's: lateness
                    # and working time the insertion causes further down the route are in it.
                    c = _rich_delta(inst, st, r, u, p, buf)
                    if c < best:
                        best = c
                        found = p
                elif (vflags[r] & EXACT) == 0 or exact_ok(inst, st, r, u, p, buf):
                    best = delta
                    found = p
        if q == e:
            break
        p = q
        lp = lq
    return best, found


@njit(cache=True, nogil=True)
def _parts_fit(pneed, pstock, nxt, n, r, u):
    """Whether route ``r``'s van holds the parts of its orders and ``u``'s (the rule book's
    parts rule, ``rules._load_and_who``, checked before positions are tried)."""
    s = n + 2 * r
    for q in range(pneed.shape[1]):
        if pneed[u, q] == 0.0:
            continue
        used = pneed[u, q]
        node = nxt[s]
        while node != s + 1:
            used += pneed[node, q]
            node = nxt[node]
        if used > pstock[r, q]:
            return False
    return True


@njit(cache=True, nogil=True)
def _link(st, u, p, r):
    nxt, prv, rte = st[0], st[1], st[2]
    q = nxt[p]
    nxt[p] = u
    prv[u] = p
    nxt[u] = q
    prv[q] = u
    rte[u] = r


@njit(cache=True, nogil=True)
def _unlink(st, u):
    nxt, prv, rte = st[0], st[1], st[2]
    p = prv[u]
    q = nxt[u]
    nxt[p] = q
    prv[q] = p
    rte[u] = -1


@njit(cache=True, nogil=True)
def insert(inst, st, u, stamp, cstamp, tick, buf, anywhere):
    """Inserts ``u`` at its cheapest position (routes of its neighbours first, then, with
    ``anywhere``, every route); leaves it out when that costs more than its penalty. Returns the
    route (-1: left out)."""
    (loc, service, wlo, whi, demand, sla, late, pen, allowed, pref, vstart, vend, slo, shi, maxw,
     speed, a, b, cap, span, vflags, bofs, be, bl, bd, dur, dist, neigh, vclass, xtra, vext, pneed, pstock, oext) = inst
    nxt, prv, rte, dep, lat, load, rlen, rcost, scal = st
    nv = vstart.shape[0]
    best = pen[u]
    best_r = -1
    best_p = -1
    k_max = min(INSERT_NEIGHBOURS, neigh.shape[1])
    for k in range(k_max):
        w = neigh[u, k]
        r = rte[w]
        if r < 0 or stamp[r] == tick:
            continue
        stamp[r] = tick
        best, p = _best_in_route(inst, st, u, r, best, buf)
        if p >= 0:
            best_r = r
            best_p = p
    # Empty routes: one per class of identical vehicles is enough.
    for r in range(nv):
        if rlen[r] == 0 and stamp[r] != tick and allowed[u, r] and cstamp[vclass[r]] != tick:
            cstamp[vclass[r]] = tick
            stamp[r] = tick
            best, p = _best_in_route(inst, st, u, r, best, buf)
            if p >= 0:
                best_r = r
                best_p = p
    if best_r < 0 and anywhere:
        # A mandatory order (left out: BIG) tries every route; an optional one a sample.
        every = pen[u] >= BIG
        for j in range(nv if every else FALLBACK_ROUTES):
            r = j if every else np.random.randint(0, nv)
            if stamp[r] != tick and rlen[r] > 0:
                stamp[r] = tick
                best, p = _best_in_route(inst, st, u, r, best, buf)
                if p >= 0:
                    best_r = r
                    best_p = p
    if best_r < 0:
        return -1
    _link(st, u, best_p, best_r)
    update_route(inst, st, best_r)
    return best_r


@njit(cache=True, nogil=True)
def _route_nodes(st, n, r, out):
    nxt = st[0]
    s = n + 2 * r
    e = s + 1
    m = 0
    node = nxt[s]
    while node != e:
        out[m] = node
        m += 1
        node = nxt[node]
    return m


@njit(cache=True, nogil=True)
def ruin(inst, st, removed, rstamp, tick, buf, touched):
    """String removals around a random seed order: returns (orders removed into ``removed``,
    routes ruined into ``touched``, the seed order or -1)."""
    (loc, service, wlo, whi, demand, sla, late, pen, allowed, pref, vstart, vend, slo, shi, maxw,
     speed, a, b, cap, span, vflags, bofs, be, bl, bd, dur, dist, neigh, vclass, xtra, vext, pneed, pstock, oext) = inst
    nxt, prv, rte, dep, lat, load, rlen, rcost, scal = st
    n = loc.shape[0]
    nv = vstart.shape[0]
    used = 0
    total = 0
    for r in range(nv):
        if rlen[r] > 0:
            used += 1
            total += rlen[r]
    if used == 0:
        return 0, 0, -1
    ls_max = min(MAX_STRING, total / used)
    ks_max = 4.0 * AVG_REMOVED / (1.0 + ls_max) - 1.0
    ks = int(np.random.random() * ks_max) + 1
    # A routed seed (tries a few times; the plan may leave orders out).
    seed = -1
    for _ in range(20):
        c = np.random.randint(0, n)
        if rte[c] >= 0:
            seed = c
            break
    if seed < 0:
        return 0, 0, -1
    n_removed = 0
    ruined = 0
    for k in range(neigh.shape[1]):
        if ruined >= ks:
            break
        c = neigh[seed, k]
        r = rte[c]
        if r < 0 or rstamp[r] == tick:
            continue
        rstamp[r] = tick
        touched[ruined] = r
        ruined += 1
        m = _route_nodes(st, n, r, buf)
        pos = 0
        for i in range(m):
            if buf[i] == c:
                pos = i
        lmax = min(float(m), ls_max)
        length = int(np.random.random() * lmax) + 1
        if np.random.random() < 0.5 or length >= m:
            # String: ``length`` consecutive orders containing c.
            lo = max(0, pos - length + 1)
            hi = min(pos, m - length)
            j = lo + int(np.random.random() * (hi - lo + 1))
            for i in range(j, j + length):
                _unlink(st, buf[i])
                removed[n_removed] = buf[i]
                n_removed += 1
        else:
            # Split string: a longer string with ``keep`` consecutive orders left in place.
            keep = 1
            while length + keep < m and np.random.random() < 0.5:
                keep += 1
            span_len = length + keep
            lo = max(0, pos - span_len + 1)
            hi = min(pos, m - span_len)
            j = lo + int(np.random.random() * (hi - lo + 1))
            kstart = j + int(np.random.random() * (length + 1))
            for i in range(j, j + span_len):
                if kstart <= i < kstart + keep:
                    continue
                _unlink(st, buf[i])
                removed[n_removed] = buf[i]
                n_removed += 1
        update_route(inst, st, r)
    return n_removed, ruined, seed


@njit(cache=True, nogil=True)
def total_cost(inst, st):
    pen = inst[7]
    rte, rcost = st[2], st[7]
    c = 0.0
    for r in range(rcost.shape[0]):
        c += rcost[r]
    for u in range(rte.shape[0] - 2 * rcost.shape[0]):
        if rte[u] < 0:
            c += pen[u]
    return c


@njit(cache=True, nogil=True)
def run(inst, st, best_st, iters, t_from, t_to, far):
    """``iters`` ruin-and-recreate steps with simulated-annealing acceptance, the temperature
    going geometrically from ``t_from`` to ``t_to``. ``st`` holds the current plan and
    ``best_st`` the best seen (both updated). Returns the number of improvements of the best.
    ``scal`` (st[8]) = [current cost, best cost]."""
    (loc, service, wlo, whi, demand, sla, late, pen, allowed, pref, vstart, vend, slo, shi, maxw,
     speed, a, b, cap, span, vflags, bofs, be, bl, bd, dur, dist, neigh, vclass, xtra, vext, pneed, pstock, oext) = inst
    nxt, prv, rte, dep, lat, load, rlen, rcost, scal = st
    n = loc.shape[0]
    nv = vstart.shape[0]
    nn = n + 2 * nv
    removed = np.empty(n, dtype=np.int64)
    out_pool = np.empty(n, dtype=np.int64)
    buf = np.empty(n + 2, dtype=np.int64)
    keys = np.empty(n, dtype=np.float64)
    stamp = np.zeros(nv, dtype=np.int64)
    cstamp = np.zeros(nv, dtype=np.int64)  # vehicle classes are numbered below nv
    rstamp = np.zeros(nv, dtype=np.int64)
    tick = 0
    # Saved copies of the routes a step touches, to undo a rejected step.
    save_nxt = np.empty(nn, dtype=np.int64)
    save_prv = np.empty(nn, dtype=np.int64)
    save_rte = np.empty(nn, dtype=np.int64)
    touched = np.empty(nv, dtype=np.int64)
    dirty = np.zeros(nv, dtype=np.int64)  # step number that last changed the route
    improvements = 0
    has_demand = False
    for u in range(n):
        if demand[u] != 0.0:
            has_demand = True
            break
    cur = scal[0]
    for it in range(iters):
        temp = t_from * (t_to / t_from) ** (it / max(1, iters)) if t_from > 0.0 else 0.0
        step = it + 1
        save_nxt[:] = nxt
        save_prv[:] = prv
        save_rte[:] = rte
        tick += 1
        k, n_touched, ruin_seed = ruin(inst, st, removed, rstamp, tick, buf, touched)
        for i in range(n_touched):
            dirty[touched[i]] = step
        # Orders the plan leaves out are retried too, a few at a time: retrying all of them at
        # every step made a step cost O(left out × routes) on over-subscribed days (1000
        # orders with 350 left out: ~60 steps/s). First those near the ruin's seed, where the
        # ruin just made room; then others drawn at random.
        n_ruined = k
        if ruin_seed >= 0:
            for j in range(neigh.shape[1]):
                if k - n_ruined >= RETRY_NEAR:
                    break
                u = neigh[ruin_seed, j]
                if rte[u] < 0 and _not_in(removed, n_ruined, u):
                    removed[k] = u
                    k += 1
        n_near = k
        n_out = 0
        for u in range(n):
            if rte[u] < 0 and _not_in(removed, n_near, u):
                out_pool[n_out] = u
                n_out += 1
        retry = min(n_out, RETRY_LEFT_OUT - (n_near - n_ruined))
        for i in range(retry):
            j = i + int(np.random.random() * (n_out - i))
            out_pool[i], out_pool[j] = out_pool[j], out_pool[i]
            removed[k] = out_pool[i]
            k += 1
        if k == 0:
            continue
        # Recreate order (SISR's weights): random 4, demand 4, far 2, close 1; window end 2.
        x = np.random.random() * 13.0
        for i in range(k):
            u = removed[i]
            if x < 4.0 or (x < 8.0 and not has_demand):
                keys[i] = np.random.random()
            elif x < 8.0:
                keys[i] = -demand[u]
            elif x < 10.0:
                keys[i] = -far[u]
            elif x < 11.0:
                keys[i] = far[u]
            else:
                keys[i] = whi[u, 0]
        order = np.argsort(keys[:k])
        for i in range(k):
            tick += 1
            # Orders taken out by this step's ruin may go anywhere; orders left out of the plan
            # before it are tried near their neighbours only (trying every route for each made
            # steps on over-subscribed days cost O(routes)).
            r = insert(inst, st, removed[order[i]], stamp, cstamp, tick, buf, order[i] < n_ruined)
            if r >= 0:
                dirty[r] = step
        new = total_cost(inst, st)
        if new < cur - temp * math.log(np.random.random() + 1e-300):
            cur = new
            if new < scal[1] - 1e-9:
                scal[1] = new
                best_st[0][:] = nxt
                best_st[1][:] = prv
                best_st[2][:] = rte
                improvements += 1
        else:
            # Undo: restore the links, then the bounds of the routes this step changed.
            nxt[:] = save_nxt
            prv[:] = save_prv
            rte[:] = save_rte
            for r in range(nv):
                if dirty[r] == step:
                    update_route(inst, st, r)
    scal[0] = cur
    return improvements


@njit(cache=True, nogil=True)
def _not_in(removed, k, u):
    """True when ``u`` is not among the first ``k`` removed orders."""
    for i in range(k):  # noqa: SIM110  (a plain loop: numba compiles it to a tight scan)
        if removed[i] == u:
            return False
    return True


@njit(cache=True, nogil=True)
def seed(value):
    """Seeds the calling thread's generator (numba keeps one per thread)."""
    np.random.seed(value)

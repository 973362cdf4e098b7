"""The rule book: how a route is timed and priced, defined once for every stage.

Every stage that times or prices a route calls these functions: the compiled search
(``solver.ruin_recreate``), the construction (``solver.construction``), the plan returned by
``solve`` and the plans a person made (``solver.schedule``, ``solver.routes``,
``solver.evaluate``), re-planning, progress snapshots and insertion (``solver.insertion``). The
OR-Tools model (``solver.routing_model``) keeps its own dimensions, but its coefficients come
from here, and the plan it finds is timed and priced here before it is returned.

The rules
---------
- **Travel** from location ``i`` to ``j`` for vehicle ``r`` takes ``ceil(d / speed)`` seconds
  (``travel_s``; the engineer's speed factor, rounded up so that a plan feasible in whole
  seconds is feasible in real time).
- **Windows**: service starts in the first window still open on arrival, as early as it may
  (``window_start``); windows are clipped to a hard SLA deadline. Arriving early means waiting.
- **Breaks** are placed so that the route ends as early as possible (fewest broken rules first,
  then earliest end, then least lateness): a break is taken in a gap between two stops (while
  driving, splitting the drive, or while waiting), never during service, in the order of its
  earliest start; breaks still pending after the last stop may be taken on the way to the end
  location or after the route (then they do not lengthen it). An exact dynamic programme over
  (stop, breaks taken): with few breaks per shift it costs O(stops × breaks²). Earliest times
  dominate (any continuation feasible from a later time is feasible from an earlier one), so a
  route that has any feasible break placement is found feasible.
- **Working time** runs from the departure to the arrival at the end location (the last visit
  for an open route). The engineer leaves as late as the first visit allows (breaks due before
  it are taken before leaving when they fit, and then do not count).
- **Lateness**: a soft SLA costs ``lateness_cost_per_hour × priority factor`` per hour after
  the deadline; a hard SLA is a window end. The priority factor includes the closure factor
  (``closure_factor``: older orders and orders visited before without closing weigh more).
- **SLA targets** optimised (``SolveOptions.sla_targets``) add, per visit, ``target_cost``: a
  step when service starts after the deadline, and a cost per second that service starts
  beyond the response targets after the order's creation (``target_rows``); it is part of the
  visit's lateness cost. An order left out pays, on top of its penalty, ``target_cost`` at the
  end of the plan (``left_out_costs``).
- **Overtime**: a route may end after its shift's end, and work longer than its working-time
  limit, by the engineer's overtime allowance (the hard limits are ``solver.vehicles``'); the
  overtime is the larger of the two excesses and costs ``overtime_cost_per_hour``.
- **Parts**: the parts of the orders on a route, SKU by SKU, must not exceed the van's stock
  (restocked for every shift), like the capacity.
- **Fairness**: with a fairness weight, a route of ``W`` working hours by an engineer who has
  worked ``H`` hours this week costs ``weight × ((H + W)² − H²)``: convex, so hours go to
  those who have worked less.
- **Cost** of a route (scaled integer units, ``COST_SCALE`` per cost unit): per arc the driven
  seconds × cost per driven second + metres × cost per metre, the assignment cost of each visit
  (non-preferred engineer, soft territory, re-assignment, follow-up by another engineer,
  expected revisits), the lateness cost, working seconds × cost per working second, overtime
  and fairness. An order left out costs its penalty.

Instance layout: the tuple made by ``solver.improve.pack`` (or ``rulebook``), indexed by
*local* order ids; ``loc[u]`` is the order's location in the travel matrices. One extra
location (index ``dur.shape[0]``) can be described by four vectors (``xto_s``/``xfrom_s``/
``xto_m``/``xfrom_m``): the site of an order not yet in the matrices (insertion, booking).
"""

from __future__ import annotations

import math

import numpy as np
from numba import njit

from solver.limits import COST_SCALE, DEFAULT_UNASSIGNED_PENALTY
from solver.model import (
    PRIORITY_FACTOR,
    Engineer,
    FirstTimeFix,
    ObjectiveWeights,
    Order,
    Problem,
    SlaMode,
    SolveOptions,
    TargetMode,
)

INF = np.inf

# Fields of the instance tuple, by position (numba unpacks tuples; names here for Python).
FIELDS = ("loc", "service", "wlo", "whi", "demand", "sla", "late", "pen", "allowed", "pref", "vstart", "vend",
          "slo", "shi", "maxw", "speed", "a", "b", "cap", "span", "vflags", "bofs", "be", "bl", "bd", "dur", "dist",
          "neigh", "vclass", "xtra", "vext", "pneed", "pstock", "oext")
# ``vflags`` bits per vehicle: EXACT, its routes need the full ``schedule`` to be checked;
# RICH, their price depends on their schedule. ``xtra`` rows: travel to / from the extra site
# (seconds, then metres). ``vext`` rows per vehicle: soft end, soft working limit, overtime
# cost per second, seconds worked this week before the plan, fairness cost per squared second.
# ``pneed`` (orders × parts) and ``pstock`` (vehicles × parts): the parts that constrain.
# ``oext``: per-order extras, float (OEXT_ROWS, n), or (OEXT_ROWS, 0) when no order has any:
# rows OX_OVERDUE_AT (the deadline after which the overdue step is due; inf: none),
# OX_OVERDUE_COST (the step, scaled units), OX_RESPONSE_AT / OX_RESPONSE_COEF (creation + the
# maximum response; scaled units per second started after it) and OX_MEAN_AT / OX_MEAN_COEF
# (the same for the mean-response target); see ``target_rows``.
# Kept few: compiled helpers that take the tuple copy it on each call.
EXACT = 1
RICH = 2
OT_END, OT_WORK, OT_COEF, HIST_S, FAIR_COEF = range(5)
OX_OVERDUE_AT, OX_OVERDUE_COST, OX_RESPONSE_AT, OX_RESPONSE_COEF, OX_MEAN_AT, OX_MEAN_COEF = range(6)
OEXT_ROWS = 6


# --------------------------------------------------------------------------------------------
# Coefficients, in cost units and in the search's scaled units


# Closure: why these numbers: a day open weighs like a tenth of a priority step, a failed
# visit like half of one (the customer already waited once); capped at the factor between LOW
# and HIGH times two, so age never outweighs a mandatory order or a CRITICAL one by much.
CLOSURE_PER_DAY = 0.1
CLOSURE_PER_ATTEMPT = 0.5
CLOSURE_FACTOR_MAX = 4.0


def closure_factor(order: Order) -> float:
    """min(4, 1 + 0.1 × days open + 0.5 × earlier attempts): how much an order's age and
    failed visits raise its priority (1 for a new order)."""
    return min(CLOSURE_FACTOR_MAX, 1.0 + CLOSURE_PER_DAY * order.age_s / 86400.0 + CLOSURE_PER_ATTEMPT * order.attempts)


def priority_factor(order: Order) -> float:
    """What scales an order's lateness, target and unassigned costs: its priority's factor
    times its closure factor."""
    return PRIORITY_FACTOR[order.priority] * closure_factor(order)


def lateness_cost_per_hour(order: Order) -> float:
    """Cost units per hour after a soft SLA deadline, before the ``lateness`` weight."""
    return order.lateness_cost_per_hour * priority_factor(order)


def unassigned_penalty(order: Order) -> float:
    """Cost units for leaving ``order`` unassigned, before the ``unassigned`` weight."""
    base = DEFAULT_UNASSIGNED_PENALTY if order.unassigned_penalty is None else order.unassigned_penalty
    return base * priority_factor(order)


def target_rows(orders, options: SolveOptions) -> np.ndarray:
    """``oext``'s rows for ``orders`` under the optimised SLA targets of ``options``, in scaled
    units (the priority factor and the ``lateness`` weight applied); (OEXT_ROWS, 0) when no
    target is optimised. See ``SlaTargets`` in the proto for the rule in words."""
    t = options.sla_targets
    if t is None or not t.optimised:
        return np.zeros((OEXT_ROWS, 0))
    scale = options.weights.lateness * COST_SCALE
    out = np.zeros((OEXT_ROWS, len(orders)))
    out[[OX_OVERDUE_AT, OX_RESPONSE_AT, OX_MEAN_AT]] = INF
    for k, o in enumerate(orders):
        f = scale * priority_factor(o)
        if t.overdue_mode is TargetMode.OPTIMISED and o.sla_deadline_s is not None and o.sla_mode is SlaMode.SOFT:
            out[OX_OVERDUE_AT, k], out[OX_OVERDUE_COST, k] = o.sla_deadline_s, f * t.overdue_breach_cost
        if o.create_time_s is None:
            continue
        if t.max_response_mode is TargetMode.OPTIMISED:
            out[OX_RESPONSE_AT, k] = o.create_time_s + t.max_response_s
            out[OX_RESPONSE_COEF, k] = f * t.response_breach_cost_per_hour / 3600.0
        if t.mean_response_mode is TargetMode.OPTIMISED:
            out[OX_MEAN_AT, k] = o.create_time_s + t.max_mean_response_s
            out[OX_MEAN_COEF, k] = f * t.mean_response_cost_per_hour / 3600.0
    return out


def late_coef_scaled(order: Order, w: ObjectiveWeights) -> int:
    """Scaled units per second late (0: no soft deadline). Rounded per second, as OR-Tools'
    soft upper bound takes an integer coefficient."""
    if order.sla_deadline_s is None or order.sla_mode is not SlaMode.SOFT:
        return 0
    return int(round(w.lateness * COST_SCALE * lateness_cost_per_hour(order) / 3600.0))


def penalty_scaled(order: Order, w: ObjectiveWeights) -> int:
    return int(round(w.unassigned * COST_SCALE * unassigned_penalty(order)))


def span_coef_scaled(engineer: Engineer, w: ObjectiveWeights) -> int:
    """Scaled units per second of working time (the engineer's cost per hour)."""
    return int(round(w.travel * COST_SCALE * engineer.cost_per_hour / 3600.0))


def arc_coefs_scaled(engineer: Engineer, w: ObjectiveWeights) -> tuple[float, float]:
    """(scaled units per driven second, per metre)."""
    return (w.travel * COST_SCALE * engineer.cost_per_traveled_hour / 3600.0,
            w.travel * COST_SCALE * engineer.cost_per_km / 1000.0)


def overtime_coef_scaled(engineer: Engineer, w: ObjectiveWeights) -> float:
    """Scaled units per second of overtime (see the rules above)."""
    if not engineer.max_overtime_s:
        return 0.0
    return w.travel * COST_SCALE * engineer.overtime_cost_per_hour / 3600.0


def fairness_coef_scaled(options: SolveOptions) -> float:
    """Scaled units per squared second of (hours this week + the route's working time)."""
    return options.weights.travel * COST_SCALE * options.fairness_weight / 3600.0**2


def first_time_fix_probability(order: Order, engineer: Engineer, ftf: FirstTimeFix, at_s: int | None = None) -> float:
    """The chance that ``engineer``'s visit fixes ``order`` at once (``FirstTimeFix``'s curve;
    the parts are a rule, so a served order has them)."""
    if not order.required_skills:
        return ftf.max_probability
    margin = min(engineer.skill_level(req.name, at_s) - req.min_level for req in order.required_skills)
    return float(_chance(np.asarray(margin, dtype=np.float64), ftf))


def first_time_fix_matrix(problem: Problem) -> np.ndarray:
    """``first_time_fix_probability`` of every order (rows) and engineer (columns), at once."""
    ftf = problem.options.first_time_fix
    m = len(problem.engineers)
    levels: dict[str, np.ndarray] = {}
    for j, engineer in enumerate(problem.engineers):
        for name, level in engineer.skills:
            levels.setdefault(name, np.zeros(m))[j] = level
    margin = np.full((len(problem.orders), m), np.inf)
    for i, order in enumerate(problem.orders):
        for req in order.required_skills:
            margin[i] = np.minimum(margin[i], levels.get(req.name, np.zeros(m)) - req.min_level)
    return _chance(margin, ftf)


def _chance(margin: np.ndarray, ftf: FirstTimeFix) -> np.ndarray:
    """The curve: base at margin 0, ``per_level`` more per level above, at most the maximum
    (an infinite margin: no skill required)."""
    with np.errstate(invalid="ignore"):
        raw = ftf.base_probability + ftf.per_level * np.maximum(0.0, margin)
    return np.where(np.isinf(margin), ftf.max_probability, np.minimum(ftf.max_probability, raw))


def vehicle_extras(problem: Problem, vehicles, served: np.ndarray) -> dict:
    """The overtime, fairness and parts fields of ``construction.Instance`` for ``vehicles``
    serving the orders ``served`` (None where nothing applies)."""
    w = problem.options.weights
    nv = vehicles.count
    engineers = [problem.engineers[e] for e in vehicles.engineer]
    out: dict = {}
    ot = np.asarray([overtime_coef_scaled(e, w) for e in engineers], dtype=np.float64)
    if ot.any():
        out.update(ot_end=vehicles.overtime_end_s.astype(np.float64), ot_work=vehicles.overtime_working_s.astype(np.float64),
                   ot_coef=ot)
    fair = fairness_coef_scaled(problem.options)
    if fair > 0:
        out.update(hist_s=np.asarray([float(e.worked_this_week_s) for e in engineers]), fair_coef=np.full(nv, fair))
    need, stock = part_matrices(problem, vehicles, served)
    if need.shape[1]:
        out.update(part_need=need, part_stock=stock)
    return out


def part_matrices(problem: Problem, vehicles, served: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """(units of each part each order of ``served`` needs, each vehicle's stock), over the parts
    some vehicle could run short of (a part no vehicle could run out of is left out)."""
    orders = [problem.orders[int(i)] for i in served]
    skus = sorted({p.sku for o in orders for p in o.parts})
    if not skus:
        return np.zeros((len(orders), 0)), np.zeros((vehicles.count, 0))
    col = {sku: k for k, sku in enumerate(skus)}
    need = np.zeros((len(orders), len(skus)))
    for r, o in enumerate(orders):
        for p in o.parts:
            need[r, col[p.sku]] += p.quantity
    stock = np.asarray([[float(problem.engineers[e].stock(sku)) for sku in skus] for e in vehicles.engineer],
                       dtype=np.float64).reshape(vehicles.count, len(skus))
    binding = (stock < need.sum(axis=0)[None, :]).any(axis=0)
    return np.ascontiguousarray(need[:, binding]), np.ascontiguousarray(stock[:, binding])


def scaled_durations(duration_s: np.ndarray, speed_factor: float) -> np.ndarray:
    """``travel_s`` over a whole matrix: travel times for an engineer driving
    ``speed_factor`` times the model's speed (rounded up)."""
    if speed_factor == 1.0:
        return duration_s
    return np.ceil(duration_s / speed_factor).astype(np.int64)


def scaled_travel(d, speed):
    """``travel_s`` on gathered values (arrays or floats; ``speed`` scalar or per value)."""
    return np.where(np.asarray(speed) == 1.0, d, np.ceil(d / speed))


# --------------------------------------------------------------------------------------------
# Compiled rules


@njit(cache=True, nogil=True)
def travel_s(dur, xto, xfrom, speed, i, j):
    """Seconds from location ``i`` to ``j`` (-1: an open route's free end)."""
    if j < 0:
        return 0.0
    nl = dur.shape[0]
    if i < nl and j < nl:  # the common case first: both in the matrix
        d = float(dur[i, j])
    elif i == nl:
        d = 0.0 if j == nl else float(xfrom[j])
    else:
        d = float(xto[i])
    if speed == 1.0:
        return d
    return math.ceil(d / speed)


@njit(cache=True, nogil=True)
def distance_m(dist, xto, xfrom, i, j):
    if j < 0:
        return 0.0
    nl = dist.shape[0]
    if i < nl and j < nl:
        return float(dist[i, j])
    if i == nl:
        return 0.0 if j == nl else float(xfrom[j])
    return float(xto[i])


@njit(cache=True, nogil=True)
def window_start(wlo, whi, u, t):
    """Earliest start at or after ``t`` inside a window of ``u`` (inf: every window closed)."""
    for k in range(wlo.shape[1]):
        if t <= whi[u, k]:
            return max(t, wlo[u, k])
    return INF


@njit(cache=True, nogil=True)
def window_latest(wlo, whi, u, t):
    """The latest start at or before ``t`` inside a window of ``u`` (-inf: none)."""
    for k in range(wlo.shape[1] - 1, -1, -1):
        if t >= wlo[u, k]:
            return min(t, whi[u, k])
    return -INF


@njit(cache=True, nogil=True)
def _gap(be, bl, bd, b0i, q0, q1, t, d, bstart):
    """Breaks ``q0..q1-1`` (offsets from ``b0i``) taken in a gap that starts at ``t`` with a
    drive of ``d``: (time ready at the next stop, breaks started after their latest start).
    Fills ``bstart`` with the breaks' starts when it is not empty."""
    gap_t = t
    rest = d
    broken = 0
    for q in range(q0, q1):
        bi = b0i + q
        b = max(be[bi], gap_t)
        if b > bl[bi]:
            broken += 1
        if bstart.shape[0] > 0:
            bstart[q] = b
        rest = max(0.0, rest - (b - gap_t))
        gap_t = b + bd[bi]
    return gap_t + rest, broken


def plan_end_s(problem) -> float:
    """The end of the plan's last shift (-inf without shifts)."""
    return float(max((s.end_s for e in problem.engineers for s in e.shifts), default=-INF))


def left_out_costs(oext: np.ndarray, end_s: float) -> np.ndarray:
    """Scaled target price of leaving each order of ``oext`` out: ``target_cost`` as if it were
    served at ``end_s``, the end of the plan (``plan_end_s``), added to its unassigned penalty
    so that leaving an order out never dodges a target it would breach."""
    return np.asarray([target_cost(oext, u, end_s) for u in range(oext.shape[1])])


def left_out_prices(problem, orders) -> np.ndarray:
    """Scaled price of leaving each of ``orders`` (Order objects of ``problem`` or a new one)
    out: ``penalty_scaled`` plus, with optimised SLA targets, ``left_out_costs``; inf for a
    mandatory order. Every stage prices an order left out with this."""
    w = problem.options.weights
    price = np.asarray([penalty_scaled(o, w) if o.allow_unassigned else INF for o in orders], dtype=np.float64)
    oext = target_rows(orders, problem.options)
    if oext.shape[1]:
        price += left_out_costs(oext, plan_end_s(problem))
    return price


@njit(cache=True, nogil=True)
def target_cost(oext, u, start):
    """Scaled price of the optimised SLA targets for order ``u`` starting at ``start``: the
    overdue step, then a linear cost past each response target (``target_rows``)."""
    cost = 0.0
    if start > oext[OX_OVERDUE_AT, u]:
        cost += oext[OX_OVERDUE_COST, u]
    if start > oext[OX_RESPONSE_AT, u]:
        cost += oext[OX_RESPONSE_COEF, u] * (start - oext[OX_RESPONSE_AT, u])
    if start > oext[OX_MEAN_AT, u]:
        cost += oext[OX_MEAN_COEF, u] * (start - oext[OX_MEAN_AT, u])
    return cost


@njit(cache=True, nogil=True)
def target_costs(oext, cand, starts, out):
    """``target_cost`` of ``cand[i]`` at each finite ``starts[i, j]`` into ``out[i, j]``."""
    for i in range(starts.shape[0]):
        for j in range(starts.shape[1]):
            s = starts[i, j]
            out[i, j] = target_cost(oext, cand[i], s) if s < INF else 0.0


@njit(cache=True, nogil=True)
def _visit(wlo, whi, service, sla, late, oext, u, ready):
    """(start, violations, lateness cost) of a visit to ``u`` ready at ``ready``; the lateness
    cost includes the optimised SLA targets' (``target_cost``)."""
    start = window_start(wlo, whi, u, ready)
    viol = 0
    if start == INF:
        start = ready  # every window has closed: served late, a broken rule
        viol = 1
    cost = 0.0
    if late[u] > 0.0 and start > sla[u]:
        cost = late[u] * (start - sla[u])
    if oext.shape[1] > 0:
        cost += target_cost(oext, u, start)
    return start, viol, cost


@njit(cache=True, nogil=True)
def schedule(inst, r, nodes, m, arrivals, starts, bstart):
    """Times vehicle ``r`` visiting ``nodes[:m]`` (local order ids) under the rules above.

    Fills ``arrivals[:m]`` (ready at the site: driven there, breaks on the way taken),
    ``starts[:m]`` (service starts) and ``bstart`` (break starts, the vehicle's breaks in
    order; may be empty when not wanted). Returns (broken rules, lateness cost, departure,
    end): broken rules count windows missed, breaks started late, the shift's end and the
    working-time limit exceeded (capacity and who may serve are ``violations``' business).
    """
    (loc, service, wlo, whi, demand, sla, late, pen, allowed, pref, vstart, vend, slo, shi, maxw,
     speed, a, b, cap, span, vflags, bofs, be, bl, bd, dur, dist, neigh, vclass, xtra, vext, pneed, pstock, oext) = inst
    xto_s, xfrom_s = xtra[0], xtra[1]
    sp = speed[r]
    t0 = slo[r]
    b0i = bofs[r]
    nb = bofs[r + 1] - b0i
    if m == 0:
        return 0, 0.0, t0, t0
    viol = 0
    late_cost = 0.0
    first_leg = travel_s(dur, xto_s, xfrom_s, sp, vstart[r], loc[nodes[0]])
    if nb == 0:
        t = t0
        prev = vstart[r]
        for k in range(m):
            u = nodes[k]
            lu = loc[u]
            ready = t + travel_s(dur, xto_s, xfrom_s, sp, prev, lu)
            start, v, c = _visit(wlo, whi, service, sla, late, oext, u, ready)
            arrivals[k] = ready
            starts[k] = start
            viol += v
            late_cost += c
            t = start + service[u]
            prev = lu
        end = t + travel_s(dur, xto_s, xfrom_s, sp, prev, vend[r])
        depart = max(t0, starts[0] - first_leg)
        arrivals[0] = max(arrivals[0], depart + first_leg)  # left just in time: no waiting
    else:
        # dp over (stop k, breaks taken j): earliest time ready to leave stop k, with its
        # broken rules and lateness so far; par[k, j] = breaks taken before reaching stop k.
        tt = np.empty((m + 1, nb + 1))
        vv = np.empty((m + 1, nb + 1), dtype=np.int64)
        cc = np.empty((m + 1, nb + 1))
        par = np.empty((m + 1, nb + 1), dtype=np.int64)
        nob = np.empty(0)
        for j in range(nb + 1):
            tt[0, j] = INF
            vv[0, j] = 1 << 40
            cc[0, j] = 0.0
        tt[0, 0] = t0
        vv[0, 0] = 0
        prev = vstart[r]
        for k in range(m):
            u = nodes[k]
            lu = loc[u]
            d = travel_s(dur, xto_s, xfrom_s, sp, prev, lu)
            for j2 in range(nb + 1):
                tt[k + 1, j2] = INF
                vv[k + 1, j2] = 1 << 40
                cc[k + 1, j2] = INF
                par[k + 1, j2] = -1
            for j in range(nb + 1):
                if tt[k, j] == INF:
                    continue
                for j2 in range(j, nb + 1):
                    ready, broken = _gap(be, bl, bd, b0i, j, j2, tt[k, j], d, nob)
                    start, v, c = _visit(wlo, whi, service, sla, late, oext, u, ready)
                    nv_ = vv[k, j] + broken + v
                    nt = start + service[u]
                    nc = cc[k, j] + c
                    if (nv_ < vv[k + 1, j2] or (nv_ == vv[k + 1, j2] and (nt < tt[k + 1, j2]
                                                or (nt == tt[k + 1, j2] and nc < cc[k + 1, j2])))):
                        vv[k + 1, j2] = nv_
                        tt[k + 1, j2] = nt
                        cc[k + 1, j2] = nc
                        par[k + 1, j2] = j
            prev = lu
        # The end: breaks j..j2-1 on the way to the end location, the rest after the route.
        d = travel_s(dur, xto_s, xfrom_s, sp, prev, vend[r])
        best_v = 1 << 40
        best_key = INF
        best_end = INF
        best_j = -1
        best_j2 = -1
        best_c = 0.0
        for j in range(nb + 1):
            if tt[m, j] == INF:
                continue
            for j2 in range(j, nb + 1):
                end_j, broken = _gap(be, bl, bd, b0i, j, j2, tt[m, j], d, nob)
                cursor = end_j
                for q in range(j2, nb):
                    bi = b0i + q
                    bq = max(be[bi], cursor)
                    if bq > bl[bi]:
                        broken += 1
                    cursor = bq + bd[bi]
                v = vv[m, j] + broken
                key = cc[m, j] + span[r] * end_j
                if v < best_v or (v == best_v and (key < best_key or (key == best_key and end_j < best_end))):
                    best_v = v
                    best_key = key
                    best_end = end_j
                    best_j = j
                    best_j2 = j2
                    best_c = cc[m, j]
        viol += best_v
        late_cost = best_c
        end = best_end
        # Walk back to read the chosen placement, then replay it forward for the times.
        taken = np.empty(m + 1, dtype=np.int64)  # breaks taken before stop k (k = m: before the end)
        j = best_j
        taken[m] = best_j
        for k in range(m, 0, -1):
            j = par[k, j]
            taken[k - 1] = j
        # taken[k] for k < m: breaks taken before reaching stop k (in gaps 0..k).
        t = t0
        prev = vstart[r]
        jt = 0
        for k in range(m):
            u = nodes[k]
            lu = loc[u]
            jn = taken[k + 1] if k + 1 < m else best_j
            d_k = travel_s(dur, xto_s, xfrom_s, sp, prev, lu)
            ready, broken = _gap(be, bl, bd, b0i, jt, jn, t, d_k, bstart)
            start, v, c = _visit(wlo, whi, service, sla, late, oext, u, ready)
            arrivals[k] = ready
            starts[k] = start
            t = start + service[u]
            jt = jn
            prev = lu
        end_j, broken = _gap(be, bl, bd, b0i, jt, best_j2, t, d, bstart)
        cursor = end_j
        for q in range(best_j2, nb):
            bi = b0i + q
            bq = max(be[bi], cursor)
            if bstart.shape[0] > 0:
                bstart[q] = bq
            cursor = bq + bd[bi]
        # Leave as late as the first visit allows; breaks before it are taken before leaving
        # when they fit between the shift start and that departure.
        latest = starts[0] - first_leg
        n0 = taken[1] if m > 1 else best_j  # breaks taken before the first visit
        cursor = t0
        fits = True
        for q in range(n0):
            bi = b0i + q
            bq = max(be[bi], cursor)
            if bq > bl[bi]:
                fits = False
            cursor = bq + bd[bi]
        if fits and cursor <= latest:
            depart = max(t0, latest)
            arrivals[0] = max(arrivals[0], depart + first_leg)
            if bstart.shape[0] > 0:
                cursor = t0
                for q in range(n0):
                    bi = b0i + q
                    bq = max(be[bi], cursor)
                    bstart[q] = bq
                    cursor = bq + bd[bi]
        else:
            depart = t0
    if end > shi[r]:
        viol += 1
    if end - depart > maxw[r]:
        viol += 1
    return viol, late_cost, depart, end


@njit(cache=True, nogil=True)
def _load_and_who(inst, r, nodes, m):
    """Rules broken beyond the schedule's: capacity, and visits ``r`` may not serve."""
    demand, allowed, cap, pneed, pstock = inst[4], inst[8], inst[18], inst[31], inst[32]
    viol = 0
    load = 0.0
    for k in range(m):
        load += demand[nodes[k]]
        if not allowed[nodes[k], r]:
            viol += 1
    if load > cap[r]:
        viol += 1
    for q in range(pneed.shape[1]):
        used = 0.0
        for k in range(m):
            used += pneed[nodes[k], q]
        if used > pstock[r, q]:
            viol += 1
    return viol


@njit(cache=True, nogil=True)
def violations(inst, r, nodes, m, arrivals, starts, bstart):
    """``schedule``'s broken rules plus capacity and who may serve (0: the route is feasible)."""
    viol, late_cost, depart, end = schedule(inst, r, nodes, m, arrivals, starts, bstart)
    return viol + _load_and_who(inst, r, nodes, m)


@njit(cache=True, nogil=True)
def earliest_alone(inst, u):
    """The earliest service start of order ``u`` alone on the route of a vehicle that may
    serve it (``allowed``), keeping every rule (breaks, windows, shift end, working time,
    capacity); inf when no vehicle can."""
    allowed = inst[8]
    nodes = np.empty(1, dtype=np.int64)
    nodes[0] = u
    arr = np.empty(1)
    sts = np.empty(1)
    nob = np.empty(0)
    best = INF
    for r in range(allowed.shape[1]):
        if allowed[u, r] and violations(inst, r, nodes, 1, arr, sts, nob) == 0 and sts[0] < best:
            best = sts[0]
    return best


@njit(cache=True, nogil=True)
def arc_price(a_r, b_r, secs, metres):
    """The price of driving ``secs`` seconds and ``metres`` metres: seconds × cost per driven
    second ``a_r`` + metres × cost per metre ``b_r`` (scaled units)."""
    return a_r * secs + b_r * metres


@njit(cache=True, nogil=True)
def arc_cost(a_r, b_r, speed_r, dur, dist, xto_s, xfrom_s, xto_m, xfrom_m, i, j):
    """``arc_price`` of a vehicle driving from location ``i`` to ``j``. Arrays, not the
    instance tuple, are passed: a tuple of 34 arrays passed to a compiled helper made its
    caller 4× slower."""
    return arc_price(a_r, b_r, travel_s(dur, xto_s, xfrom_s, speed_r, i, j), distance_m(dist, xto_m, xfrom_m, i, j))


@njit(cache=True, nogil=True)
def travel_cost(inst, r, nodes, m):
    """(arc cost, driven seconds, metres) of vehicle ``r`` visiting ``nodes[:m]``."""
    loc, vstart, vend, speed, a, b, dur, dist, xtra = inst[0], inst[10], inst[11], inst[15], inst[16], inst[17], inst[25], inst[26], inst[29]
    xto_s, xfrom_s, xto_m, xfrom_m = xtra[0], xtra[1], xtra[2], xtra[3]
    if m == 0:
        return 0.0, 0.0, 0.0
    prev = vstart[r]
    secs = 0.0
    metres = 0.0
    cost = 0.0
    for k in range(m + 1):
        nxt = vend[r] if k == m else loc[nodes[k]]
        secs += travel_s(dur, xto_s, xfrom_s, speed[r], prev, nxt)
        metres += distance_m(dist, xto_m, xfrom_m, prev, nxt)
        cost += arc_cost(a[r], b[r], speed[r], dur, dist, xto_s, xfrom_s, xto_m, xfrom_m, prev, nxt)
        prev = nxt
    return cost, secs, metres


@njit(cache=True, nogil=True)
def _price(inst, r, nodes, m, late_cost, depart, end):
    """The cost of a scheduled route: arcs, assignment costs, lateness and working time."""
    pref, span, vext = inst[9], inst[19], inst[30]
    if m == 0:
        return 0.0
    arcs, secs, metres = travel_cost(inst, r, nodes, m)
    cost = arcs + late_cost + span[r] * (end - depart)
    if vext.shape[1] > 0:
        over_s, over_cost, fair_cost = shift_extras(vext, r, depart, end)
        cost += over_cost + fair_cost
    for k in range(m):
        cost += pref[nodes[k], r]
    return cost


@njit(cache=True, nogil=True)
def shift_extras(vext, r, depart, end):
    """(overtime seconds, overtime cost, fairness cost) of vehicle ``r``'s route from
    ``depart`` to ``end`` (``vext``: the instance's per-vehicle extras, not empty)."""
    work = end - depart
    over = max(0.0, end - vext[OT_END, r], work - vext[OT_WORK, r])
    hist = vext[HIST_S, r]
    return over, vext[OT_COEF, r] * over, vext[FAIR_COEF, r] * ((hist + work) * (hist + work) - hist * hist)


@njit(cache=True, nogil=True)
def route_cost(inst, r, nodes, m, arrivals, starts, bstart):
    """(broken rules, cost) of vehicle ``r`` visiting ``nodes[:m]``: arcs, assignment costs,
    lateness and working time, in scaled units."""
    viol, late_cost, depart, end = schedule(inst, r, nodes, m, arrivals, starts, bstart)
    return viol, _price(inst, r, nodes, m, late_cost, depart, end)


@njit(cache=True, nogil=True)
def checked_cost(inst, r, nodes, m, arrivals, starts, bstart):
    """(``violations``, ``route_cost``'s cost) from one schedule."""
    viol, late_cost, depart, end = schedule(inst, r, nodes, m, arrivals, starts, bstart)
    return viol + _load_and_who(inst, r, nodes, m), _price(inst, r, nodes, m, late_cost, depart, end)


# --------------------------------------------------------------------------------------------
# The instance tuple


def exact_vehicles(inst) -> np.ndarray:
    """Vehicles whose routes need the full ``schedule`` to be checked: breaks, or a working-time
    limit shorter than the shift, which the windows' latest-start bounds do not capture."""
    # Parts are checked like the capacity, by the construction and the kernel, before positions.
    return np.asarray([len(inst.breaks[v]) > 0 or inst.max_work[v] < inst.shift_hi[v] - inst.shift_lo[v]
                       for v in range(inst.v)], dtype=np.bool_)


def rich_vehicles(inst) -> np.ndarray:
    """Vehicles whose insertion price depends on the rest of the route (breaks, working-time
    cost or limit, soft deadlines anywhere): priced by ``route_cost`` rather than the arcs."""
    late_any = bool(np.asarray(inst.late_coef).any()) or _oext(inst).shape[1] > 0
    priced = np.zeros(inst.v, dtype=np.bool_)
    if inst.ot_coef is not None:
        priced |= inst.ot_coef > 0
    if inst.fair_coef is not None:
        priced |= inst.fair_coef > 0
    return exact_vehicles(inst) | (np.asarray(inst.span) > 0) | late_any | priced


def vehicle_key(inst, v: int) -> tuple:
    """What tells vehicle ``v`` apart beyond times, costs and breaks: overtime, fairness, parts."""
    key: tuple = ()
    for name in ("ot_end", "ot_work", "ot_coef", "hist_s", "fair_coef"):
        x = getattr(inst, name)
        key += (None if x is None else float(x[v]),)
    if inst.part_stock is not None:
        key += (inst.part_stock[v].tobytes(),)
    return key


def _vext(inst) -> np.ndarray:
    nv = inst.v
    if inst.ot_coef is None and inst.fair_coef is None:
        return np.zeros((5, 0))
    zeros = np.zeros(nv)
    rows = [inst.shift_hi if inst.ot_end is None else inst.ot_end,
            inst.max_work if inst.ot_work is None else inst.ot_work,
            zeros if inst.ot_coef is None else inst.ot_coef,
            zeros if inst.hist_s is None else inst.hist_s,
            zeros if inst.fair_coef is None else inst.fair_coef]
    return np.ascontiguousarray(np.vstack([np.asarray(x, dtype=np.float64) for x in rows]))


def pack(inst, neigh: np.ndarray | None = None, vclass: np.ndarray | None = None,
         extra: tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray] | None = None) -> tuple:
    """The instance tuple of the compiled rules (and of the search kernel, which adds its
    neighbour lists ``neigh`` and vehicle classes ``vclass``) from a
    ``solver.construction.Instance``. ``extra``: (to_s, from_s, to_m, from_m) travel between
    every location and one extra site (index ``duration.shape[0]``)."""
    n, nv = inst.n, inst.v
    offsets = np.zeros(nv + 1, dtype=np.int64)
    flat = [b for v in range(nv) for b in inst.breaks[v]]
    for v in range(nv):
        offsets[v + 1] = offsets[v] + len(inst.breaks[v])
    brk = np.asarray(flat, dtype=np.float64).reshape(-1, 3)
    # Mandatory orders cost BIG when left out, so that any plan serving more of them wins.
    penalty = np.where(np.isfinite(inst.penalty), inst.penalty, BIG)
    if extra is None:
        empty = np.zeros(0, dtype=np.int64)
        extra = (empty, empty, empty, empty)
    return (
        np.ascontiguousarray(inst.served, dtype=np.int64),
        inst.service.astype(np.float64), np.ascontiguousarray(inst.win_lo), np.ascontiguousarray(inst.win_hi),
        inst.demand.astype(np.float64), inst.sla.astype(np.float64), inst.late_coef.astype(np.float64),
        penalty.astype(np.float64), np.ascontiguousarray(inst.allowed, dtype=np.bool_),
        np.ascontiguousarray(inst.pref_cost, dtype=np.float64),
        inst.start_loc.astype(np.int64), inst.end_loc.astype(np.int64),
        inst.shift_lo.astype(np.float64), inst.shift_hi.astype(np.float64), inst.max_work.astype(np.float64),
        inst.speed.astype(np.float64), inst.a_time.astype(np.float64), inst.b_dist.astype(np.float64),
        inst.capacity.astype(np.float64), np.asarray(inst.span, dtype=np.float64),
        (exact_vehicles(inst) * EXACT + rich_vehicles(inst) * RICH).astype(np.int8), offsets,
        np.ascontiguousarray(brk[:, 0]), np.ascontiguousarray(brk[:, 1]), np.ascontiguousarray(brk[:, 2]),
        _int64(inst.duration), _int64(inst.distance),
        np.zeros((n, 1), dtype=np.int64) if neigh is None else neigh,
        np.arange(nv, dtype=np.int64) if vclass is None else vclass,
        np.ascontiguousarray(np.vstack([np.asarray(x, dtype=np.int64) for x in extra]).reshape(4, -1)),
        _vext(inst),
        np.zeros((n, 0)) if inst.part_need is None else np.ascontiguousarray(inst.part_need, dtype=np.float64),
        np.zeros((nv, 0)) if inst.part_stock is None else np.ascontiguousarray(inst.part_stock, dtype=np.float64),
        _oext(inst),
    )


def _oext(inst) -> np.ndarray:
    """The instance's ``oext`` (``target_rows``), (OEXT_ROWS, 0) when it has none."""
    oext = getattr(inst, "oext", None)
    if oext is None or oext.shape[1] == 0 or not (oext[[OX_OVERDUE_COST, OX_RESPONSE_COEF, OX_MEAN_COEF]] > 0).any():
        return np.zeros((OEXT_ROWS, 0))
    return np.ascontiguousarray(oext, dtype=np.float64)


def _int64(m: np.ndarray) -> np.ndarray:
    return m if m.dtype == np.int64 and m.flags.c_contiguous else np.ascontiguousarray(m, dtype=np.int64)


BIG = 1e15  # penalty of a mandatory order left out: above any plan's cost


@njit(cache=True, nogil=True)
def best_insertion_in_route(inst, flat, lo, m, r, u, with_u, arr, sts, skip):
    """Vehicle ``r``'s best position for ``u`` in its route ``flat[lo:lo + m]``: the position
    where inserting ``u`` breaks the fewest rules and then costs least, among those where ``u``
    itself starts inside a window and ends within the shift. Returns (position (-1: none),
    the route's price with ``u``, broken rules, ``u``'s arrival, ``u``'s start). ``with_u``,
    ``arr`` and ``sts`` are scratch arrays of at least ``m + 1``; positions ``p`` with
    ``skip[p]`` are not tried (``skip`` may be empty)."""
    service, wlo, whi, shi = inst[1], inst[2], inst[3], inst[13]
    nob = np.empty(0)
    best_p, best_c, best_b, best_a, best_s = -1, 0.0, 0, 0.0, 0.0
    for p in range(m + 1):
        if skip.shape[0] > 0 and skip[p]:
            continue
        for k in range(p):
            with_u[k] = flat[lo + k]
        with_u[p] = u
        for k in range(p, m):
            with_u[k + 1] = flat[lo + k]
        viol, c = checked_cost(inst, r, with_u, m + 1, arr, sts, nob)
        s_u = sts[p]
        inside = False
        for w in range(wlo.shape[1]):
            if wlo[u, w] <= s_u <= whi[u, w]:
                inside = True
        if not inside or s_u + service[u] > shi[r]:
            continue
        if best_p < 0 or viol < best_b or (viol == best_b and c < best_c):
            best_p, best_c, best_b = p, c, viol
            best_a, best_s = arr[p], sts[p]
    return best_p, best_c, best_b, best_a, best_s


@njit(cache=True, nogil=True)
def best_insertions(inst, flat, offsets, u, pos, cost, broken, arrival, start):
    """For each vehicle ``r`` (its route ``flat[offsets[r]:offsets[r + 1]]``) that may serve
    ``u``: ``best_insertion_in_route``. Fills ``pos`` (-1: none), ``cost`` (the route's price
    with ``u``), ``broken``, and ``u``'s ``arrival`` and ``start`` there."""
    allowed = inst[8]
    nv = offsets.shape[0] - 1
    longest = 0
    for r in range(nv):
        longest = max(longest, offsets[r + 1] - offsets[r])
    with_u = np.empty(longest + 1, dtype=np.int64)
    arr = np.empty(longest + 1)
    sts = np.empty(longest + 1)
    noskip = np.empty(0, dtype=np.bool_)
    for r in range(nv):
        pos[r] = -1
        if not allowed[u, r]:
            continue
        lo = offsets[r]
        pos[r], cost[r], broken[r], arrival[r], start[r] = best_insertion_in_route(
            inst, flat, lo, offsets[r + 1] - lo, r, u, with_u, arr, sts, noskip)


@njit(cache=True, nogil=True)
def slot_insertions(inst, flat, offsets, u, slot_lo, slot_hi, pos, cost, broken, arrival, start):
    """``best_insertions`` once per slot: for slot ``s`` the order ``u`` has the one window
    ``[slot_lo[s], slot_hi[s]]`` (already clipped like every window; lo > hi: none) and rows
    ``s`` of the outputs (slots × vehicles) are filled. Only vehicles whose shift can hold a
    visit starting in the slot are priced (the others keep ``pos`` -1), and only positions
    that could keep every rule: a forward pass without breaks (which only delay) bounds ``u``'s
    arrival from below, and a backward pass the latest start of each visit that keeps every
    later window and the shift's end from above; positions where ``u`` cannot start in the slot
    or would push the next stop past that bound are left out. So every position that keeps
    every rule is priced, and a vehicle's answer is the cheapest of those whenever it has one
    (positions that break rules may be missing). Overwrites ``u``'s windows in ``inst`` (the
    caller's copy)."""
    loc, service, wlo, whi, sla, late, allowed, oext = inst[0], inst[1], inst[2], inst[3], inst[5], inst[6], inst[8], inst[33]
    vstart, vend, slo, shi, speed = inst[10], inst[11], inst[12], inst[13], inst[15]
    dur, xto_s, xfrom_s = inst[25], inst[29][0], inst[29][1]
    nv = offsets.shape[0] - 1
    longest = 0
    for r in range(nv):
        longest = max(longest, offsets[r + 1] - offsets[r])
    with_u = np.empty(longest + 1, dtype=np.int64)
    arr = np.empty(longest + 1)
    sts = np.empty(longest + 1)
    reach_u = np.empty(longest + 1)  # lower bound of u's arrival at each position
    latest = np.empty(longest + 1)  # upper bound of each visit's start (m: arrival at the end)
    skip = np.empty(longest + 1, dtype=np.bool_)
    for w in range(wlo.shape[1]):
        wlo[u, w] = INF
        whi[u, w] = -INF
    for s in range(slot_lo.shape[0]):
        for r in range(nv):
            pos[s, r] = -1
    lu = loc[u]
    for r in range(nv):
        if not allowed[u, r]:
            continue
        lo = offsets[r]
        m = offsets[r + 1] - lo
        sp = speed[r]
        # Earliest ends of service along the route, breaks aside; u's arrival after each.
        t = slo[r]
        prev = vstart[r]
        for p in range(m + 1):
            reach_u[p] = t + travel_s(dur, xto_s, xfrom_s, sp, prev, lu)
            if p == m:
                break
            v = flat[lo + p]
            st, _, _ = _visit(wlo, whi, service, sla, late, oext, v, t + travel_s(dur, xto_s, xfrom_s, sp, prev, loc[v]))
            t = st + service[v]
            prev = loc[v]
        # Latest starts that keep every later window (the last one) and the shift's end.
        latest[m] = shi[r]
        nxt = vend[r]
        for k in range(m - 1, -1, -1):
            v = flat[lo + k]
            hi = -INF
            for w in range(whi.shape[1]):
                hi = max(hi, whi[v, w])
            latest[k] = min(hi, latest[k + 1] - travel_s(dur, xto_s, xfrom_s, sp, loc[v], nxt) - service[v])
            nxt = loc[v]
        for s in range(slot_lo.shape[0]):
            if slot_lo[s] > slot_hi[s] or slot_lo[s] + service[u] > shi[r] or slot_hi[s] < slo[r]:
                continue  # no start in the slot lies in this shift
            anywhere = False
            for p in range(m + 1):
                nloc = vend[r] if p == m else loc[flat[lo + p]]
                s_u = max(reach_u[p], slot_lo[s])
                skip[p] = (reach_u[p] > slot_hi[s]
                           or s_u + service[u] + travel_s(dur, xto_s, xfrom_s, sp, lu, nloc) > latest[p])
                anywhere |= not skip[p]
            if not anywhere:
                continue
            wlo[u, 0] = slot_lo[s]
            whi[u, 0] = slot_hi[s]
            pos[s, r], cost[s, r], broken[s, r], arrival[s, r], start[s, r] = best_insertion_in_route(
                inst, flat, lo, m, r, u, with_u, arr, sts, skip[: m + 1])

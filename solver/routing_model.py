"""The OR-Tools model: the one module that speaks ``pywrapcp``.

Identifiers: callers' string ids stay in ``solver.model``; here orders and engineers are dense
indices, *nodes* are this model's locations (served orders, then depots, then a virtual end for
open routes), and *routing indices* are OR-Tools' own: convert only through ``self.manager``.

Units: seconds and metres as int64; costs in cost units × ``COST_SCALE``. Transits are registered
as matrices (``RegisterTransitMatrix``), never as Python callbacks: callbacks cost a Python call
per arc evaluation and OR-Tools swallows their exceptions (the cost silently becomes 0).
"""

from __future__ import annotations

import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np
from ortools.constraint_solver import pywrapcp, routing_enums_pb2

from solver import rules
from solver.errors import InvalidProblem, Violation
from solver.limits import COST_SCALE, MAX_OBJECTIVE_BOUND
from solver.model import Order, Problem, SearchMode, SlaMode, SolveStatus, TravelMatrices
from solver.replan import Context as ReplanContext
from solver.rules import scaled_durations
from solver.vehicles import Vehicles

_FSS = routing_enums_pb2.FirstSolutionStrategy
_LSM = routing_enums_pb2.LocalSearchMetaheuristic
_STATUS = routing_enums_pb2.RoutingSearchStatus
_BOOL_FALSE = 2  # util/optional_boolean.proto: BOOL_FALSE

# An order that must not be left unassigned still sits in a disjunction so that a plan always
# exists; its penalty dwarfs any route cost, and is cut for very large problems to keep the
# objective inside int64.
_MANDATORY_PENALTY = 10**15


@dataclass(frozen=True)
class Solution:
    """What a search found: order indices per vehicle. Times and prices come from the rule book
    (``solver.schedule``), never from the search's own schedule."""

    sequences: list[list[int]]
    status: SolveStatus
    objective_scaled: int  # in the search's own units; -1: no search priced these sequences
    first_solution_s: float | None
    solutions_found: int
    search_s: float

    @classmethod
    def empty(cls, vehicles: int, status: SolveStatus, first_s: float | None = None, count: int = 0,
              search_s: float = 0.0) -> Solution:
        return cls([[] for _ in range(vehicles)], status, 0, first_s, count, search_s)


@dataclass(frozen=True)
class SearchConfig:
    """The search levers, kept in one place so that benchmarks can compare them; the time
    shares are one policy for both search paths (``solver.search``)."""

    metaheuristic: str = "GUIDED_LOCAL_SEARCH"  # for CONSUME_ALL_TIME; RETURN_FAST: greedy descent
    first_solution: str = "PARALLEL_CHEAPEST_INSERTION"  # only when no start could be read
    construction: bool = True
    # Of the time limit, at most (both search paths). At 5000 orders the construction needs
    # ~2.3 s; at 0.5 of a 5 s limit a third of the orders were left out.
    construction_share: float = 0.65
    construction_from: int = 50  # orders; below, OR-Tools' own first solution takes milliseconds
    # Compiled ruin-and-recreate (solver.improve) between the construction and OR-Tools, for
    # CONSUME_ALL_TIME searches without a solution limit or a previous plan; it gets this share
    # of the time left after the construction, OR-Tools the rest.
    improve: bool = True
    # One share for every day: the kernel prices lateness and working time exactly (through
    # the rule book), so days with breaks or soft SLAs need no smaller one; the decomposition
    # uses the same shares.
    improve_share: float = 0.85
    gls_lambda: float = 0.1
    # A second search in a forked process, from the same start with another metaheuristic
    # (tabu search: it wins where GLS stalls, e.g. R101, R105 at 1 s; simulated annealing did not);
    # the better plan wins. Only where forking is safe (see ``_can_fork``), for CONSUME_ALL_TIME
    # searches of at most ``portfolio_max_orders`` orders (above, the decomposition uses the cores).
    portfolio: str | None = "TABU_SEARCH"
    portfolio_max_orders: int = 1000
    portfolio_min_s: float = 0.3  # time limits below this: one search (fork + join cost ~10 ms)
    idle_operators: tuple[str, ...] = (
        "use_relocate_pair", "use_light_relocate_pair", "use_exchange_pair", "use_relocate_subtrip",
        "use_exchange_subtrip", "use_global_cheapest_insertion_visit_types_lns",
        "use_local_cheapest_insertion_visit_types_lns",
    )

    @classmethod
    def default(cls) -> SearchConfig:
        return cls()

    def parameters(self, mode: SearchMode, n_orders: int, metaheuristic: str | None = None):
        params = pywrapcp.DefaultRoutingSearchParameters()
        params.first_solution_strategy = getattr(_FSS, self.first_solution)
        params.local_search_metaheuristic = (
            _LSM.GREEDY_DESCENT if mode is SearchMode.RETURN_FAST else getattr(_LSM, metaheuristic or self.metaheuristic)
        )
        params.guided_local_search_lambda_coefficient = self.gls_lambda
        # The model has no pickup-and-delivery pairs and no visit types: their operators find
        # no move and only cost time (one search, 8-instance CI subset at 1 s: mean gap 6.0 -> 3.9 %).
        ops = params.local_search_operators
        for name in self.idle_operators:
            setattr(ops, name, _BOOL_FALSE)
        return params


def span_costs(problem: Problem, vehicles: Vehicles) -> np.ndarray:
    """Per vehicle: scaled cost units per second of working time (``rules.span_coef_scaled``)."""
    w = problem.options.weights
    return np.asarray([rules.span_coef_scaled(problem.engineers[e], w) for e in vehicles.engineer], dtype=np.float64)


def improves(problem: Problem) -> bool:
    """Whether ``solver.improve`` runs: searches that use their whole time limit, without a
    solution limit (exact answers belong to OR-Tools alone)."""
    opts = problem.options
    return opts.search_mode is SearchMode.CONSUME_ALL_TIME and not opts.solution_limit


def _can_fork() -> bool:
    """Forking is safe only from a single-threaded, non-daemonic process with two cores.

    The service's solver workers are daemonic (no children allowed) and the server's main
    process runs gRPC threads (a fork could copy a lock some other thread holds).
    """
    import multiprocessing
    import os
    import threading

    return ((os.cpu_count() or 1) >= 2 and threading.active_count() == 1
            and not multiprocessing.current_process().daemon)


class _Partner:
    """A second search in a forked child: the child runs ``work`` and sends its Solution back."""

    def __init__(self, process, receiver) -> None:
        self.process, self.receiver = process, receiver

    @classmethod
    def start(cls, work: Callable[[], Solution], state: dict) -> _Partner | None:
        import multiprocessing

        ctx = multiprocessing.get_context("fork")
        receiver, sender = ctx.Pipe(duplex=False)

        def child() -> None:
            state["partner"] = True
            try:
                sender.send(work())
            finally:
                sender.close()

        try:
            process = ctx.Process(target=child, daemon=True)
            process.start()
        except (OSError, AssertionError, ValueError):
            receiver.close()
            sender.close()
            return None
        sender.close()
        return cls(process, receiver)

    def best_of(self, mine: Solution, give_up_s: float, abandon: bool) -> Solution:
        """``mine`` or the partner's plan, whichever costs less; waits at most ``give_up_s``."""
        theirs = None
        try:
            if not abandon and self.receiver.poll(max(0.0, give_up_s)):
                theirs = self.receiver.recv()
        except (EOFError, OSError):
            theirs = None
        finally:
            self.receiver.close()
            if self.process.is_alive():
                self.process.kill()  # our own child, past its time
            self.process.join()
        if theirs is None or not any(theirs.sequences):
            return mine
        count = mine.solutions_found + theirs.solutions_found
        if not any(mine.sequences) or theirs.objective_scaled < mine.objective_scaled:
            from dataclasses import replace

            return replace(theirs, first_solution_s=mine.first_solution_s, solutions_found=count)
        from dataclasses import replace

        return replace(mine, solutions_found=count)


class RoutingModel:
    """Builds the model for the orders in ``served`` and the given vehicles, then searches."""

    def __init__(
        self,
        problem: Problem,
        matrices: TravelMatrices,
        vehicles: Vehicles,
        allowed: np.ndarray,
        served: np.ndarray,
        assignment_cost: np.ndarray | None = None,
        replan: ReplanContext | None = None,
    ) -> None:
        """``assignment_cost`` (orders × engineers, cost units): who serves what costs extra;
        ``replan``: routes' pinned beginnings, the previous plan and its start times."""
        self.problem = problem
        self.vehicles = vehicles
        opts = problem.options
        orders = problem.orders
        self.served = served = np.asarray(served, dtype=np.int64)
        self.t0_s = int(vehicles.shift_start_s.min())
        horizon_s = int(vehicles.shift_end_s.max()) - self.t0_s
        self.horizon_s = horizon_s

        # --- nodes ---------------------------------------------------------------------------
        depots = np.unique(np.concatenate([vehicles.start_loc, vehicles.end_loc[vehicles.end_loc >= 0]]))
        locs = np.concatenate([served, depots])
        has_open = bool((vehicles.end_loc < 0).any())
        n_real = locs.shape[0]
        n_nodes = n_real + (1 if has_open else 0)
        depot_node = {int(loc): len(served) + k for k, loc in enumerate(depots)}
        virtual_end = n_real if has_open else -1
        starts = [depot_node[int(s)] for s in vehicles.start_loc]
        ends = [depot_node[int(e)] if e >= 0 else virtual_end for e in vehicles.end_loc]
        self.manager = manager = pywrapcp.RoutingIndexManager(n_nodes, vehicles.count, starts, ends)
        self.routing = routing = pywrapcp.RoutingModel(manager)
        self.node_order = np.full(n_nodes, -1, dtype=np.int64)
        self.node_order[: len(served)] = served

        def padded(matrix: np.ndarray) -> np.ndarray:
            """The matrix over this model's nodes; the virtual end is reached for free."""
            out = np.zeros((n_nodes, n_nodes), dtype=np.int64)
            out[:n_real, :n_real] = matrix[np.ix_(locs, locs)]
            return out

        duration = padded(matrices.duration_s)
        distance = padded(matrices.distance_m)
        self.service_node = np.zeros(n_nodes, dtype=np.int64)
        self.service_node[: len(served)] = [orders[i].service_duration_s for i in served]

        # --- transits and arc costs, one matrix per distinct vehicle kind ----------------------
        w = opts.weights
        time_cb: dict[float, int] = {}
        cost_cb: dict[tuple[float, float, float], int] = {}
        time_eval, max_arc_cost = [], 0
        durations_by_speed: dict[float, np.ndarray] = {}
        for v in range(vehicles.count):
            engineer = problem.engineers[vehicles.engineer[v]]
            factor = float(vehicles.speed_factor[v])
            if factor not in time_cb:
                durations_by_speed[factor] = dv = scaled_durations(duration, factor)
                # Leaving a node takes its service time plus the drive: the cumul is the start of
                # service, so waiting shows up as slack.
                time_cb[factor] = routing.RegisterTransitMatrix((self.service_node[:, None] + dv).tolist())
            time_eval.append(time_cb[factor])
            a_s, b_m = rules.arc_coefs_scaled(engineer, w)
            key = (factor, a_s, b_m)
            if key not in cost_cb:
                cost = np.rint(a_s * durations_by_speed[factor] + b_m * distance).astype(np.int64)
                max_arc_cost = max(max_arc_cost, int(cost.max(initial=0)))
                cost_cb[key] = routing.RegisterTransitMatrix(cost.tolist())
            routing.SetArcCostEvaluatorOfVehicle(cost_cb[key], v)
        self.durations_by_speed = durations_by_speed
        self.distance = distance

        # --- time: shifts, working time, windows, SLA -----------------------------------------
        routing.AddDimensionWithVehicleTransits(time_eval, horizon_s, horizon_s, False, "time")
        self.time = time_dim = routing.GetDimensionOrDie("time")
        self.span_cost = span_costs(problem, vehicles)
        bound = max_arc_cost * (n_nodes + vehicles.count)
        for v in range(vehicles.count):
            lo, hi = int(vehicles.shift_start_s[v]) - self.t0_s, int(vehicles.shift_end_s[v]) - self.t0_s
            time_dim.CumulVar(routing.Start(v)).SetRange(lo, hi)
            time_dim.CumulVar(routing.End(v)).SetRange(lo, hi)
            time_dim.SetSpanUpperBoundForVehicle(int(vehicles.max_working_s[v]), v)
            coef = int(self.span_cost[v])
            if coef > 0:
                time_dim.SetSpanCostCoefficientForVehicle(coef, v)
                bound += coef * horizon_s
            # Overtime past the shift's end (the rule book prices working-time overtime too and
            # fairness, which OR-Tools cannot express; the plan kept is the rule book's choice).
            ot = int(round(rules.overtime_coef_scaled(problem.engineers[vehicles.engineer[v]], w)))
            soft_end = int(vehicles.overtime_end_s[v]) - self.t0_s
            if ot > 0 and soft_end < hi:
                time_dim.SetCumulVarSoftUpperBound(routing.End(v), soft_end, ot)
                bound += ot * horizon_s

        n_served = len(served)
        mandatory = max(1, min(_MANDATORY_PENALTY, MAX_OBJECTIVE_BOUND // (4 * (n_served + 1))))
        all_vehicles = allowed.shape[1]
        oext = rules.target_rows([orders[i] for i in served], problem.options)
        left_out = rules.left_out_prices(problem, [orders[i] for i in served])
        for node, i in enumerate(served):
            order = orders[i]
            index = manager.NodeToIndex(node)
            cumul = time_dim.CumulVar(index)
            windows = self._relative_windows(order)
            cumul.SetRange(windows[0][0], windows[-1][1])
            for (_, prev_hi), (next_lo, _) in zip(windows, windows[1:]):
                cumul.RemoveInterval(prev_hi + 1, next_lo - 1)
            soft = _soft_bound(order, rules.late_coef_scaled(order, w), oext, node)
            if soft is not None:
                time_dim.SetCumulVarSoftUpperBound(index, soft[0] - self.t0_s, soft[1])
                bound += soft[1] * horizon_s
            if order.allow_unassigned:
                penalty = int(round(left_out[node]))
            else:
                penalty = mandatory
            routing.AddDisjunction([index], penalty)
            bound += penalty
            vs = np.flatnonzero(allowed[i])
            if len(vs) < all_vehicles:
                routing.VehicleVar(index).SetValues([-1] + vs.tolist())

        # --- load ---------------------------------------------------------------------------
        demand = np.zeros(n_nodes, dtype=np.int64)
        demand[:n_served] = [orders[i].demand for i in served]
        if demand.any():
            capacities = [
                int(demand.sum()) if problem.engineers[e].capacity is None else int(problem.engineers[e].capacity)
                for e in vehicles.engineer
            ]
            routing.AddDimensionWithVehicleCapacity(
                routing.RegisterUnaryTransitVector(demand.tolist()), 0, capacities, True, "load"
            )

        # --- parts: one load dimension per part some van could run short of ----------------------
        need, stock = rules.part_matrices(problem, vehicles, served)
        for q in range(need.shape[1]):
            units = np.zeros(n_nodes, dtype=np.int64)
            units[:n_served] = need[:, q].astype(np.int64)
            routing.AddDimensionWithVehicleCapacity(
                routing.RegisterUnaryTransitVector(units.tolist()), 0, stock[:, q].astype(np.int64).tolist(), True, f"part:{q}"
            )

        # --- who serves what: preferences, soft territories, re-assignment ---------------------
        if assignment_cost is not None:
            bound += self._add_assignment_costs(served, assignment_cost)

        # --- breaks -----------------------------------------------------------------------------
        self.break_intervals: dict[int, list] = {}
        visit_transits = [int(self.service_node[manager.IndexToNode(i)]) for i in range(routing.Size())]
        solver = routing.solver()
        for v in range(vehicles.count):
            shift = problem.engineers[vehicles.engineer[v]].shifts[vehicles.shift[v]]
            if not shift.breaks:
                continue
            intervals = [
                solver.FixedDurationIntervalVar(
                    b.earliest_start_s - self.t0_s, b.latest_start_s - self.t0_s, b.duration_s, False, f"break:{v}:{k}"
                )
                for k, b in enumerate(shift.breaks)
            ]
            time_dim.SetBreakIntervalsOfVehicle(intervals, v, visit_transits)
            self.break_intervals[v] = intervals
        for v in range(vehicles.count):
            # Leave as late as the plan allows, break as early, come back as early: no idle time
            # at either end. Breaks go before the end, or the end is fixed while a break may still
            # lie late and stays pushed out by it.
            routing.AddVariableMaximizedByFinalizer(time_dim.CumulVar(routing.Start(v)))
            for interval in self.break_intervals.get(v, ()):
                routing.AddVariableMinimizedByFinalizer(interval.StartExpr().Var())
            routing.AddVariableMinimizedByFinalizer(time_dim.CumulVar(routing.End(v)))

        # --- re-planning ---------------------------------------------------------------------------
        self.replan = replan
        if replan is not None:
            bound += self._add_replan(replan, time_eval)

        if bound > MAX_OBJECTIVE_BOUND:
            raise InvalidProblem(
                [Violation("options.objective_weights", "costs and weights are too large for the solver's integer range over this horizon; lower them")]
            )

    def _relative_windows(self, order: Order) -> list[tuple[int, int]]:
        """Start-of-service windows relative to t0, clipped to the horizon and a hard SLA."""
        hi_cap = self.horizon_s
        if order.sla_mode is SlaMode.HARD and order.sla_deadline_s is not None:
            hi_cap = min(hi_cap, order.sla_deadline_s - self.t0_s)
        out = []
        for window in order.time_windows or ():
            lo = 0 if window.start_s is None else max(0, window.start_s - self.t0_s)
            hi = hi_cap if window.end_s is None else min(hi_cap, window.end_s - self.t0_s)
            if lo <= hi:
                out.append((lo, hi))
        if not order.time_windows:
            out.append((0, hi_cap))
        return out  # never empty: feasibility kept out orders with no reachable window

    def _add_assignment_costs(self, served: np.ndarray, cost: np.ndarray) -> int:
        """A unary transit per engineer: leaving an order's node costs what serving it costs."""
        routing = self.routing
        n_nodes = self.node_order.shape[0]
        scaled = np.zeros((n_nodes, cost.shape[1]), dtype=np.int64)
        scaled[: len(served)] = np.rint(COST_SCALE * cost[served]).astype(np.int64)
        if not scaled.any():
            return 0
        callbacks: dict[bytes, int] = {}
        evals = []
        for e in self.vehicles.engineer:
            column = np.ascontiguousarray(scaled[:, e])
            key = column.tobytes()
            if key not in callbacks:
                callbacks[key] = routing.RegisterUnaryTransitVector(column.tolist())
            evals.append(callbacks[key])
        total = int(scaled.max(axis=1).sum())
        routing.AddDimensionWithVehicleTransits(evals, 0, total, True, "assignment")
        routing.GetDimensionOrDie("assignment").SetSpanCostCoefficientForAllVehicles(1)
        return total

    def _add_replan(self, replan: ReplanContext, time_eval: list[int]) -> int:
        """Pinned route beginnings, and a cost for moving a visit in time beyond the tolerance."""
        routing, manager, time_dim = self.routing, self.manager, self.time
        node_of = {int(i): node for node, i in enumerate(self.served)}
        # Pin each route's beginning: start -> first -> second ... (like ApplyLocksToAllVehicles,
        # which needs a closed model; restricting the next variables works before closing).
        for v, lock in enumerate(replan.locks):
            previous = routing.Start(v)
            for i in lock:
                if i not in node_of:
                    break
                index = manager.NodeToIndex(node_of[i])
                routing.NextVar(previous).SetValue(index)
                routing.VehicleVar(index).SetValue(v)
                previous = index
        ctx = self.problem.replan
        coef = int(round(COST_SCALE * ctx.arrival_shift_cost_per_hour / 3600.0)) if ctx else 0
        moved = [(node_of[i], t) for i, t in replan.previous_start_s.items() if i in node_of]
        if ctx is None or coef <= 0 or not moved:
            return 0
        # OR-Tools keeps one soft upper bound per cumul, and the SLA uses the time dimension's:
        # a mirror dimension, equal on these visits, carries the "too late" side.
        routing.AddDimensionWithVehicleTransits(time_eval, self.horizon_s, self.horizon_s, False, "arrival_shift")
        mirror = routing.GetDimensionOrDie("arrival_shift")
        solver = routing.solver()
        tol = ctx.arrival_tolerance_s
        for node, t in moved:
            index = manager.NodeToIndex(node)
            solver.Add(mirror.CumulVar(index) == time_dim.CumulVar(index))
            mirror.SetCumulVarSoftUpperBound(index, t + tol - self.t0_s, coef)
            time_dim.SetCumulVarSoftLowerBound(index, t - tol - self.t0_s, coef)
        return 2 * coef * self.horizon_s * len(moved)

    def search(
        self,
        time_limit_s: float,
        should_stop: Callable[[], bool] | None = None,
        on_solution: Callable[[int, float], None] | None = None,
        on_sequences: Callable[[list[list[int]], int, float], None] | None = None,
        sequences_interval_s: float = 0.5,
        starts: Sequence[list[list[int]]] = (),
        start_streamed: bool = False,
        first_solution_s: float | None = None,
        origin_s: float | None = None,
        read_budget_s: float | None = None,
        config: SearchConfig | None = None,
    ) -> Solution:
        """OR-Tools' search for at most ``time_limit_s``, timed from this call.

        It starts from, in this order of preference: the previous plan (re-planning), the first
        of ``starts`` (order indices per vehicle) that OR-Tools accepts, or OR-Tools' own first
        solution (which ignores the time limit at scale: ``solver.search`` gives it a start).
        ``start_streamed``: the start plan was already sent to ``on_sequences`` (its first
        OR-Tools solution is then not sent again). ``origin_s`` (a ``time.perf_counter()``
        value, default: this call) is what reported times count from. ``read_budget_s``: time
        OR-Tools may take to check a start plan (default: a fifth of the limit, 0.1-2 s).

        ``on_solution(objective, elapsed_s)`` sees every solution; ``on_sequences(sequences,
        objective, elapsed_s)`` sees the order sequences of the first solution and then of the
        newest one at most every ``sequences_interval_s`` (reading them costs O(nodes) Python).
        """
        started = time.perf_counter()
        origin = started if origin_s is None else origin_s
        config = config or SearchConfig.default()
        opts = self.problem.options
        routing = self.routing
        params = config.parameters(opts.search_mode, len(self.served))
        if opts.solution_limit:
            params.solution_limit = opts.solution_limit
        routing.solver().ReSeed(opts.random_seed)

        state: dict[str, Any] = {"first": first_solution_s, "count": 0, "stopped": False, "sent": -1.0, "best": None,
                 "partner": False, "start_streamed": start_streamed}
        if start_streamed:
            state["sent"] = started - origin

        def at_solution() -> None:
            state["count"] += 1
            elapsed = time.perf_counter() - origin
            if state["first"] is None:
                state["first"] = elapsed
            if state["partner"]:
                return  # the forked partner search reports nothing: the parent does
            if on_solution is not None:
                on_solution(int(routing.CostVar().Value()), elapsed)
            objective = int(routing.CostVar().Value())
            # OR-Tools' first solution from a start plan already streamed sets the bar in
            # OR-Tools' units but is not sent again.
            again = state["count"] == 1 and state["start_streamed"]
            improving = not again and (state["best"] is None or objective < state["best"])
            if again or improving:
                state["best"] = objective
            # Metaheuristics also report worse solutions they move through: only improvements.
            if on_sequences is not None and improving and (state["sent"] < 0 or elapsed - state["sent"] >= sequences_interval_s):
                state["sent"] = elapsed
                on_sequences(self._current_sequences(), objective, elapsed)
            if should_stop is not None and should_stop():
                state["stopped"] = True
                routing.solver().FinishCurrentSearch()

        routing.AddAtSolutionCallback(at_solution)
        # Reading a start plan runs OR-Tools' own check of it under the closing parameters' time
        # limit; with breaks on asymmetric (road) matrices that check was seen to use all of it.
        # Bound it; the search proper gets the rest (set again below).
        if read_budget_s is None:
            read_budget_s = min(max(0.1, min(2.0, 0.2 * time_limit_s)), time_limit_s)
        if opts.solution_limit:
            # A search that ends on a solution count must not depend on the machine's speed:
            # the start plan is checked for as long as the time limit allows.
            read_budget_s = time_limit_s
        params.time_limit.FromMilliseconds(max(1, int(read_budget_s * 1000)))
        routing.CloseModelWithParameters(params)  # before reading routes, with our parameters
        node_of = {int(i): node for node, i in enumerate(self.served)}

        def read(sequences: list[list[int]]):
            routes = [[self.manager.NodeToIndex(node_of[i]) for i in seq if i in node_of] for seq in sequences]
            return routing.ReadAssignmentFromRoutes(routes, True)

        initial = None
        start_sequences = None  # a start plan OR-Tools accepted, kept when its search returns none
        if self.replan is not None and any(self.replan.previous_routes):
            # Start from the previous plan (its orders this model serves) so little changes.
            initial = read(self.replan.previous_routes)
        for candidate in starts:
            if initial is not None:
                break
            initial = read(candidate)
            start_sequences = candidate if initial is not None else None
        if start_sequences is None and starts:
            # OR-Tools' check refused every start, or ran out of its time on them: the first
            # (the kernel's or the construction's, feasible by the rule book) remains the answer
            # if OR-Tools finds nothing of its own.
            start_sequences = starts[0]
        state["start_streamed"] = state["start_streamed"] and start_sequences is not None
        if initial is not None and time.perf_counter() - started >= read_budget_s:
            # The check ran out of time: its assignment may be partial. OR-Tools' own first
            # plan is the safer start (it was measured to find one within a second at 200 orders);
            # the start plan stays the answer if OR-Tools finds none.
            initial = None

        remaining_s = max(0.001, time_limit_s - (time.perf_counter() - started))
        params.time_limit.FromMilliseconds(max(1, int(remaining_s * 1000)))

        def run(run_params) -> Solution:
            if initial is not None:
                assignment = routing.SolveFromAssignmentWithParameters(initial, run_params)
            else:
                assignment = routing.SolveWithParameters(run_params)
            search_s = time.perf_counter() - origin
            status = self._status(routing.status(), assignment, state["stopped"], state["count"])
            nothing = assignment is None or (status is SolveStatus.TIME_LIMIT and state["count"] <= 1
                                             and not any(self._read(assignment, status, None, 0, 0.0).sequences))
            if nothing and start_sequences is not None:
                # OR-Tools had too little time left to hand the start plan back (seen at a few
                # ms), or only its trivial "nothing performed" plan: the start plan it accepted
                # stands (the rule book times and prices it).
                status = SolveStatus.CANCELLED if state["stopped"] else SolveStatus.TIME_LIMIT
                return Solution([list(s) for s in start_sequences], status, -1, state["first"],
                                max(1, state["count"]), search_s)
            if assignment is None:
                return Solution.empty(self.vehicles.count, status, state["first"], state["count"], search_s)
            return self._read(assignment, status, state["first"], state["count"], search_s)

        partner = None
        if (config.portfolio and opts.search_mode is SearchMode.CONSUME_ALL_TIME and not opts.solution_limit
                and len(self.served) <= config.portfolio_max_orders and remaining_s >= config.portfolio_min_s
                and self.replan is None and _can_fork()):
            other = config.parameters(opts.search_mode, len(self.served), config.portfolio)
            other.time_limit.FromMilliseconds(max(1, int(remaining_s * 1000)))
            partner = _Partner.start(lambda: run(other), state)
        solution = run(params)
        if partner is not None:
            solution = partner.best_of(solution, give_up_s=started + time_limit_s * 1.05 - time.perf_counter(),
                                       abandon=state["stopped"])
        # The callback OR-Tools keeps refers back to the model through its closure; left as is,
        # the pair is never freed and each solve leaked about 2 MB in a long-lived worker.
        for cell in at_solution.__closure__ or ():
            cell.cell_contents = None
        return solution

    def _current_sequences(self) -> list[list[int]]:
        """Order sequences of the solution being reported (inside an at-solution callback)."""
        routing, manager = self.routing, self.manager
        out = []
        for v in range(self.vehicles.count):
            seq = []
            index = routing.NextVar(routing.Start(v)).Value()
            while not routing.IsEnd(index):
                seq.append(int(self.node_order[manager.IndexToNode(index)]))
                index = routing.NextVar(index).Value()
            out.append(seq)
        return out

    def _status(self, code: int, assignment: object, stopped: bool, count: int) -> SolveStatus:
        if assignment is None:
            return SolveStatus.CANCELLED if stopped else SolveStatus.NO_SOLUTION
        if stopped:
            return SolveStatus.CANCELLED
        if self.problem.options.solution_limit and count >= self.problem.options.solution_limit:
            return SolveStatus.SOLUTION_LIMIT
        if code in (_STATUS.ROUTING_SUCCESS, _STATUS.ROUTING_OPTIMAL) and self.problem.options.search_mode is SearchMode.RETURN_FAST:
            return SolveStatus.LOCAL_OPTIMUM
        return SolveStatus.TIME_LIMIT

    def _read(self, assignment, status: SolveStatus, first_s, count: int, search_s: float) -> Solution:
        routing, manager = self.routing, self.manager
        sequences = []
        for v in range(self.vehicles.count):
            seq = []
            index = assignment.Value(routing.NextVar(routing.Start(v)))
            while not routing.IsEnd(index):
                seq.append(int(self.node_order[manager.IndexToNode(index)]))
                index = assignment.Value(routing.NextVar(index))
            sequences.append(seq)
        return Solution(sequences, status, int(assignment.ObjectiveValue()), first_s, count, search_s)


def _soft_bound(order, late_coef: int, oext, node: int) -> tuple[int, int] | None:
    """The one soft upper bound OR-Tools allows per visit: (epoch second, scaled units per
    second after it). Without optimised SLA targets: the soft deadline and its lateness
    coefficient, exactly. With them (``rules.target_rows``) the rule book's price is a step at
    the deadline plus linear costs after up to three times; here: the earliest of those times
    with the sum of the linear coefficients (exact beyond the last one, dearer before it), the
    step left out. The plan is priced by the rule book before it is kept."""
    points: list[tuple[int, float]] = [(int(order.sla_deadline_s), float(late_coef))] if late_coef > 0 else []
    if oext.shape[1]:
        for at, coef in ((rules.OX_RESPONSE_AT, rules.OX_RESPONSE_COEF), (rules.OX_MEAN_AT, rules.OX_MEAN_COEF)):
            if oext[coef, node] > 0:
                points.append((int(oext[at, node]), float(oext[coef, node])))
    if not points:
        return None
    total = int(round(sum(c for _, c in points)))
    return (min(t for t, _ in points), total) if total > 0 else None

"""Timing and pricing given sequences of orders by the rule book (``solver.rules``).

Used wherever a plan's times are reported: the plan ``solve`` returns, plans made by people
(``evaluate``), progress snapshots, re-planning and insertion. Because all of them, and the
search, call the same compiled rules, a plan the search found feasible is timed the same way
everywhere, and its evaluation reports the same times, KPIs and objective.
"""

from __future__ import annotations

import math
from collections.abc import Iterable, Sequence
from dataclasses import dataclass

import numpy as np

from solver import construction, rules
from solver.limits import COST_SCALE
from solver.model import Problem, TravelMatrices
from solver.vehicles import Vehicles


@dataclass(frozen=True)
class Timing:
    """One vehicle's route timed by the rule book (epoch seconds)."""

    arrivals_s: list[int]  # ready at each site: driven there, breaks on the way taken
    service_starts_s: list[int]
    route_start_s: int  # departure
    route_end_s: int  # arrival at the end location (the last visit's end for an open route)
    breaks_s: list[tuple[int, int]]  # (start, end) of each break of the shift, in order
    late_windows: list[int]  # positions whose service starts after every window closed
    broken: int  # rules broken (0: feasible), capacity and who may serve included
    cost_scaled: float  # the route's price: arcs, assignment costs, lateness, working time
    travel_cost_scaled: float  # arcs and working time only (the route's own ``cost``)
    overtime_s: int = 0  # past the shift's end or the working-time limit (the larger)
    overtime_cost_scaled: float = 0.0
    fairness_cost_scaled: float = 0.0


class RuleBook:
    """The rule book's instance over a whole problem: every order, every vehicle.

    ``allowed`` (orders × vehicles) and ``assignment_cost`` (orders × engineers, cost units)
    are the search's; without them every vehicle may serve every order at no extra cost.
    ``extra``: travel between every location and one more site (``rules.pack``).
    """

    def __init__(self, problem: Problem, matrices: TravelMatrices, vehicles: Vehicles,
                 allowed: np.ndarray | None = None, assignment_cost: np.ndarray | None = None,
                 extra_orders: int = 0) -> None:
        n = len(problem.orders)
        if allowed is None:
            allowed = np.ones((n, vehicles.count), dtype=bool)
        self.problem, self.vehicles = problem, vehicles
        self.inst = construction.prepare(problem, matrices, vehicles, allowed, np.arange(n), assignment_cost)
        self.packed = rules.pack(self.inst)
        # Windows of follow-ups before ``plan_rules`` cut them to their intervals.
        self.uncut_windows: dict[int, tuple[np.ndarray, np.ndarray]] = {}
        self.nbreaks = [len(b) for b in self.inst.breaks]
        self.break_duration = [[d for _, _, d in b] for b in self.inst.breaks]
        self._alone: dict[int, int | None] = {}  # order -> ``next_possible``

    def time(self, v: int, seq: Sequence[int]) -> Timing:
        """Times vehicle ``v`` visiting ``seq`` (order indices)."""
        nodes = np.asarray(seq, dtype=np.int64)
        m = nodes.size
        arrivals, starts, bstart = np.empty(m), np.empty(m), np.empty(self.nbreaks[v])
        broken = rules.violations(self.packed, v, nodes, m, arrivals, starts, bstart)
        _, late_cost, depart, end = rules.schedule(self.packed, v, nodes, m, arrivals, starts, bstart)
        _, cost = rules.route_cost(self.packed, v, nodes, m, arrivals, starts, bstart)
        arcs, _, _ = rules.travel_cost(self.packed, v, nodes, m)
        span = float(self.packed[19][v])
        inst = self.inst
        late = [k for k in range(m)
                if not np.any((inst.win_lo[nodes[k]] <= starts[k]) & (starts[k] <= inst.win_hi[nodes[k]]))]
        breaks = [] if m == 0 else [(int(b), int(b) + int(d)) for b, d in zip(bstart, self.break_duration[v])]
        over_s = over_cost = fair_cost = 0.0
        vext = self.packed[30]
        if m and vext.shape[1] > 0:
            over_s, over_cost, fair_cost = rules.shift_extras(vext, v, depart, end)
        return Timing(
            arrivals_s=[int(x) for x in arrivals], service_starts_s=[int(x) for x in starts],
            route_start_s=int(depart), route_end_s=int(end), breaks_s=breaks, late_windows=late, broken=int(broken),
            cost_scaled=float(cost), travel_cost_scaled=float(arcs + span * (end - depart)) if m else 0.0,
            overtime_s=int(math.ceil(over_s)), overtime_cost_scaled=float(over_cost), fairness_cost_scaled=float(fair_cost),
        )

    def next_possible(self, i: int) -> int | None:
        """The earliest start of order ``i`` alone on the route of a vehicle that may serve it
        (``rules.earliest_alone``); None when none can. Kept per order: it does not depend on
        the plan."""
        if i not in self._alone:
            t = rules.earliest_alone(self.packed, i)
            self._alone[i] = int(t) if np.isfinite(t) else None
        return self._alone[i]

    def times(self, sequences: Sequence[Sequence[int]]) -> list[Timing]:
        return [self.time(v, seq) for v, seq in enumerate(sequences)]

    def objective(self, sequences: Sequence[Sequence[int]], orders: Iterable[int]) -> float:
        """Scaled price of a plan of ``orders``: its routes, the penalties of those it leaves
        out (mandatory ones: ``rules.BIG``), and ``rules.BIG`` per route breaking a rule."""
        total = 0.0
        for v, seq in enumerate(sequences):
            nodes = np.asarray(seq, dtype=np.int64)
            m = nodes.size
            scratch = np.empty(m), np.empty(m), np.empty(0)
            if rules.violations(self.packed, v, nodes, m, *scratch):
                total += rules.BIG
            total += rules.route_cost(self.packed, v, nodes, m, *scratch)[1]
        routed = {i for seq in sequences for i in seq}
        pen = self.packed[7]
        return total + float(sum(pen[i] for i in orders if int(i) not in routed))

    def repair(self, v: int, seq: Sequence[int]) -> list[int]:
        """``seq`` without the fewest visits whose removal makes the route keep every rule
        (the visit whose removal breaks the fewest rules, then costs least, first). A plan
        from OR-Tools' schedule could in rare cases rely on a placement the rules do not
        make (a break before the departure when the working time is tight); the plan
        returned must keep the rules it is evaluated by."""
        seq = list(seq)
        m = len(seq)
        scratch = np.empty(m), np.empty(m), np.empty(self.nbreaks[v])
        while seq and rules.violations(self.packed, v, np.asarray(seq, dtype=np.int64), len(seq), *scratch):
            best: tuple[tuple[int, float], int] | None = None
            for k in range(len(seq)):
                rest = np.asarray(seq[:k] + seq[k + 1:], dtype=np.int64)
                broken = rules.violations(self.packed, v, rest, rest.size, *scratch)
                _, cost = rules.route_cost(self.packed, v, rest, rest.size, *scratch)
                key = (broken, cost)
                if best is None or key < best[0]:
                    best = (key, k)
            assert best is not None  # seq is not empty
            seq.pop(best[1])
        return seq


def to_cost_units(scaled: float) -> float:
    return scaled / COST_SCALE


def time_routes(problem: Problem, matrices: TravelMatrices, vehicles: Vehicles,
                sequences: Sequence[Sequence[int]]) -> list[Timing]:
    """Every vehicle's sequence timed by the rule book."""
    return RuleBook(problem, matrices, vehicles).times(sequences)

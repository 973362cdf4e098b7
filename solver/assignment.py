"""Costs that depend on who serves an order: preferences, soft territories, re-assignment,
a follow-up by another engineer than the first visit's, and expected revisits (the chance the
engineer does not fix it at once × ``FirstTimeFix.revisit_cost``).

One mechanism for all: a cost matrix (orders × engineers, cost units) that the OR-Tools
model turns into one per-engineer vector (engineers with equal columns share one).
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from solver import rules
from solver.model import Problem, SameEngineer, TerritoryMode


@dataclass(frozen=True)
class AssignmentCosts:
    preference: np.ndarray | None  # float (orders, engineers)
    territory: np.ndarray | None
    reassignment: np.ndarray | None
    follow_up: np.ndarray | None = None
    revisit: np.ndarray | None = None

    def total(self) -> np.ndarray | None:
        parts = [p for p in (self.preference, self.territory, self.reassignment, self.follow_up, self.revisit)
                 if p is not None]
        return sum(parts[1:], parts[0]) if parts else None


def assignment_costs(problem: Problem, inside_territory: np.ndarray | None, previous_engineer: dict[int, int] | None) -> AssignmentCosts:
    n, m = len(problem.orders), len(problem.engineers)
    index = {e.id: j for j, e in enumerate(problem.engineers)}

    preference = None
    cost = problem.options.non_preferred_engineer_cost
    if cost > 0 and any(o.preferred_engineer_ids for o in problem.orders):
        preference = np.zeros((n, m))
        for i, order in enumerate(problem.orders):
            if order.preferred_engineer_ids:
                preference[i] = cost
                preference[i, [index[e] for e in order.preferred_engineer_ids]] = 0.0

    territory = None
    soft = np.array([e.territory is not None and e.territory.mode is TerritoryMode.SOFT for e in problem.engineers], dtype=bool)
    if inside_territory is not None and soft.any():
        outside_cost = np.array([e.territory.outside_cost if s and e.territory is not None else 0.0
                                 for e, s in zip(problem.engineers, soft)])
        territory = np.where(~inside_territory & soft[None, :], outside_cost[None, :], 0.0)
        if not territory.any():
            territory = None

    reassignment = None
    ctx = problem.replan
    if ctx is not None and ctx.reassignment_cost > 0 and previous_engineer:
        reassignment = np.zeros((n, m))
        for i, e in previous_engineer.items():
            reassignment[i] = ctx.reassignment_cost
            reassignment[i, e] = 0.0
    follow_up = None
    for i, order in enumerate(problem.orders):
        f = order.follow_up
        if f is not None and f.same_engineer is SameEngineer.PREFERRED and f.previous_engineer_id in index and f.other_engineer_cost > 0:
            if follow_up is None:
                follow_up = np.zeros((n, m))
            follow_up[i] = f.other_engineer_cost
            follow_up[i, index[f.previous_engineer_id]] = 0.0

    revisit = None
    ftf = problem.options.first_time_fix
    if ftf.revisit_cost > 0 and n and m:
        revisit = ftf.revisit_cost * (1.0 - rules.first_time_fix_matrix(problem))
    return AssignmentCosts(preference, territory, reassignment, follow_up, revisit)

"""Vehicles: one per (engineer, shift). OR-Tools plans vehicles; callers think in engineers."""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from solver.locations import Locations
from solver.model import Problem


@dataclass(frozen=True)
class Vehicles:
    engineer: np.ndarray  # int64 (v,): engineer index
    shift: np.ndarray  # int64 (v,): shift index within the engineer
    start_loc: np.ndarray  # int64 (v,): location index where the route starts
    end_loc: np.ndarray  # int64 (v,): location index where it ends, -1 for an open route
    shift_start_s: np.ndarray  # int64 (v,) epoch seconds
    shift_end_s: np.ndarray
    max_working_s: np.ndarray  # int64 (v,): shift length when the engineer has no maximum
    speed_factor: np.ndarray  # float64 (v,)

    @property
    def count(self) -> int:
        return int(self.engineer.shape[0])

    @classmethod
    def of(cls, problem: Problem, locations: Locations) -> Vehicles:
        rows = []
        for e, engineer in enumerate(problem.engineers):
            home = locations.end_index[e]
            for k, shift in enumerate(engineer.shifts):
                # Only the first shift starts where the engineer is now; later ones from home.
                start = locations.start_index[e] if k == 0 or home < 0 else home
                length = shift.end_s - shift.start_s
                max_work = length if engineer.max_working_time_s is None else min(length, engineer.max_working_time_s)
                rows.append((e, k, start, home, shift.start_s, shift.end_s, max_work, engineer.speed_factor))
        cols = list(zip(*rows)) if rows else [()] * 8
        ints = [np.asarray(col, dtype=np.int64) for col in cols[:7]]
        return cls(ints[0], ints[1], ints[2], ints[3], ints[4], ints[5], ints[6],
                   speed_factor=np.asarray(cols[7], dtype=np.float64))



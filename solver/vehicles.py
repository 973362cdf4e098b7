"""Vehicles: one per (engineer, shift). OR-Tools plans vehicles; callers think in engineers.

A vehicle's times are the hard limits every stage enforces; the engineer's shift rules are
applied here, once:

- **Rest**: with ``min_rest_s`` a shift starts no earlier than the rest after the previous
  shift's end (or ``last_shift_end_s`` for the first), and its overtime never eats into the
  rest before the next shift.
- **Overtime**: the hard end is the shift's end plus ``max_overtime_s`` (within the rest), and
  the hard working-time limit is ``max_working_time_s`` (or the shift's length) plus the same
  allowance; ``soft_end_s`` and ``soft_working_s`` are where overtime, priced by the rule book
  (``solver.rules``), begins.
"""

from __future__ import annotations

from dataclasses import dataclass, fields
from typing import Any

import numpy as np

from solver.locations import Locations
from solver.model import Engineer, Problem


@dataclass(frozen=True)
class Vehicles:
    engineer: np.ndarray  # int64 (v,): engineer index
    shift: np.ndarray  # int64 (v,): shift index within the engineer
    start_loc: np.ndarray  # int64 (v,): location index where the route starts
    end_loc: np.ndarray  # int64 (v,): location index where it ends, -1 for an open route
    shift_start_s: np.ndarray  # int64 (v,) epoch seconds, after the rest
    shift_end_s: np.ndarray  # hard end: the shift's end plus the overtime allowed
    max_working_s: np.ndarray  # int64 (v,): hard working-time limit, overtime included
    speed_factor: np.ndarray  # float64 (v,)
    soft_end_s: np.ndarray | None = None  # int64 (v,): the shift's end; later is overtime
    soft_working_s: np.ndarray | None = None  # int64 (v,): working time beyond it is overtime

    @property
    def count(self) -> int:
        return int(self.engineer.shape[0])

    @property
    def overtime_end_s(self) -> np.ndarray:
        return self.shift_end_s if self.soft_end_s is None else self.soft_end_s

    @property
    def overtime_working_s(self) -> np.ndarray:
        return self.max_working_s if self.soft_working_s is None else self.soft_working_s

    def take(self, ix) -> Vehicles:
        """The vehicles ``ix`` (indices), every field alike."""
        ix = np.asarray(ix, dtype=np.int64)
        columns: dict[str, Any] = {f.name: getattr(self, f.name) for f in fields(self)}
        taken: dict[str, Any] = {name: None if col is None else col[ix] for name, col in columns.items()}
        return Vehicles(**taken)

    @classmethod
    def of(cls, problem: Problem, locations: Locations) -> Vehicles:
        rows = []
        for e, engineer in enumerate(problem.engineers):
            home = locations.end_index[e]
            for k, (start, soft_end, hard_end, soft_work, hard_work) in enumerate(shift_limits(engineer)):
                # Only the first shift starts where the engineer is now; later ones from home.
                start_loc = locations.start_index[e] if k == 0 or home < 0 else home
                rows.append((e, k, start_loc, home, start, hard_end, hard_work, soft_end, soft_work,
                             engineer.speed_factor))
        cols = list(zip(*rows)) if rows else [()] * 10
        ints = [np.asarray(col, dtype=np.int64) for col in cols[:9]]
        return cls(ints[0], ints[1], ints[2], ints[3], ints[4], ints[5], ints[6],
                   speed_factor=np.asarray(cols[9], dtype=np.float64), soft_end_s=ints[7], soft_working_s=ints[8])


def shift_limits(engineer: Engineer) -> list[tuple[int, int, int, int, int]]:
    """Per shift: (start, soft end, hard end, soft working limit, hard working limit), epoch
    seconds and seconds, after rest and overtime (see the module's notes). A shift the rest
    leaves no time in starts and ends at its end."""
    out = []
    overtime = engineer.max_overtime_s or 0
    rest = engineer.min_rest_s
    shifts = engineer.shifts
    for k, shift in enumerate(shifts):
        start = shift.start_s
        if rest is not None:
            before = engineer.last_shift_end_s if k == 0 else shifts[k - 1].end_s
            if before is not None:
                start = min(max(start, before + rest), shift.end_s)
        hard_end = shift.end_s + overtime
        if rest is not None and k + 1 < len(shifts):
            hard_end = max(shift.end_s, min(hard_end, shifts[k + 1].start_s - rest))
        if start >= shift.end_s:  # no time left after the rest: the shift cannot be used
            out.append((shift.end_s, shift.end_s, shift.end_s, 0, 0))
            continue
        length = shift.end_s - start
        soft_work = length if engineer.max_working_time_s is None else min(length, engineer.max_working_time_s)
        hard_work = min(soft_work + overtime, hard_end - start)
        out.append((start, shift.end_s, hard_end, soft_work, max(soft_work, hard_work)))
    return out

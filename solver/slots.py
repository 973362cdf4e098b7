"""Appointment slots as the API speaks of them: the grid, the slots it makes, an offer for one
slot and why a slot cannot be kept, the grade. Plain data and arithmetic (no compiled code), so
that the server process can read and write them; ``solver.booking`` prices the slots.
"""

from __future__ import annotations

import datetime
import enum
from collections.abc import Sequence
from dataclasses import dataclass

from solver.errors import Violation
from solver.model import UnassignedReason

# The grade: cost is worth GRADE_COST_POINTS, risk GRADE_RISK_POINTS (see ``grade``).
GRADE_COST_POINTS = 60
GRADE_RISK_POINTS = 40
GRADE_FULL_SLACK_S = 2 * 3600  # slack at which a slot counts as riskless

MAX_GRID_SLOTS = 1000
MAX_GRID_DAYS_AFTER = 31
MAX_DAILY_STARTS = 96
MAX_BLACKOUTS = 1000
MAX_UTC_OFFSET_S = 14 * 3600
DAY_S = 86_400
DEFAULT_DAY_START_S, DEFAULT_DAY_END_S = 8 * 3600, 18 * 3600


class SlotReason(enum.Enum):
    """Why a slot cannot be kept."""

    BLACKOUT = "blackout"  # the slot overlaps a blackout interval of the request
    UNROUTABLE = "unroutable"  # the order's site is not reachable on the map
    NO_QUALIFIED_ENGINEER = "no_qualified_engineer"  # skills, required / excluded engineers
    OUTSIDE_TERRITORY = "outside_territory"  # outside every qualified engineer's hard territory
    CAPACITY_EXCEEDED = "capacity_exceeded"  # the demand fits no qualified route's load left
    OUTSIDE_SHIFTS = "outside_shifts"  # no qualified shift can hold the visit in the slot
    UNREACHABLE_IN_SLOT = "unreachable_in_slot"  # alone, no shift gets there in the slot and back
    SLA_DEADLINE = "sla_deadline"  # the hard SLA deadline falls before the slot can be kept
    WORKING_TIME_EXCEEDED = "working_time_exceeded"  # alone, the trip exceeds every maximum working time
    DAY_FULL = "day_full"  # servable alone, but every route of the slot's day would break a rule


_FROM_FEASIBILITY = {
    UnassignedReason.UNROUTABLE: SlotReason.UNROUTABLE,
    UnassignedReason.NO_QUALIFIED_ENGINEER: SlotReason.NO_QUALIFIED_ENGINEER,
    UnassignedReason.OUTSIDE_TERRITORY: SlotReason.OUTSIDE_TERRITORY,
    UnassignedReason.CAPACITY_EXCEEDED: SlotReason.CAPACITY_EXCEEDED,
    UnassignedReason.OUTSIDE_SHIFTS: SlotReason.OUTSIDE_SHIFTS,
    UnassignedReason.UNREACHABLE_IN_TIME_WINDOWS: SlotReason.UNREACHABLE_IN_SLOT,
    UnassignedReason.SLA_DEADLINE_UNREACHABLE: SlotReason.SLA_DEADLINE,
    UnassignedReason.WORKING_TIME_EXCEEDED: SlotReason.WORKING_TIME_EXCEEDED,
}


@dataclass(frozen=True)
class Slot:
    """A promise the customer could be offered: service starts in ``[start_s, end_s]``."""

    start_s: int
    end_s: int
    blacked_out: bool = False


@dataclass(frozen=True)
class SlotOffer:
    """One slot for one order: kept (with who keeps it and at what price) or why not."""

    slot: Slot
    kept: bool
    reason: SlotReason | None = None  # set when not kept
    engineer_id: str = ""
    shift_index: int = 0
    position: int = 0  # index in the route's order ids at which the order goes
    arrival_s: int = 0
    visit_start_s: int = 0
    added_cost: float = 0.0  # cost units: exactly the change in the plan's objective
    sla_slack_s: int | None = None  # deadline - start; None without a deadline
    slot_slack_s: int = 0  # slot end - start: delay the promise itself can absorb
    day_slack_s: int = 0  # the engineer's day left: min(shift end - route end, working time left)
    grade: int = 0  # 0-100, see ``grade``
    vehicle: int = -1  # the engineer shift's vehicle index (for ``booked_plan``)


@dataclass(frozen=True)
class SlotGrid:
    """Visit slots over a range of local days (see ``RecommendSlotsRequest.slot_grid``)."""

    slot_length_s: int
    first_day: datetime.date
    last_day: datetime.date | None = None  # None: first_day
    utc_offset_s: int = 0  # local time minus UTC
    daily_starts_s: tuple[int, ...] = ()  # local times of day; empty: tile the day window
    day_start_s: int | None = None  # None: DEFAULT_DAY_START_S
    day_end_s: int | None = None  # None: DEFAULT_DAY_END_S
    blackouts: tuple[tuple[int | None, int | None], ...] = ()  # [start, end), None: open

    def offsets_s(self) -> list[int]:
        """Local times of day at which slots start."""
        if self.daily_starts_s:
            return list(self.daily_starts_s)
        lo = DEFAULT_DAY_START_S if self.day_start_s is None else self.day_start_s
        hi = DEFAULT_DAY_END_S if self.day_end_s is None else self.day_end_s
        return list(range(lo, hi - self.slot_length_s + 1, self.slot_length_s)) if self.slot_length_s > 0 else []

    def day_starts_s(self) -> list[int]:
        """Each day's local midnight as epoch seconds."""
        last = self.last_day or self.first_day
        epoch = datetime.date(1970, 1, 1)
        first = (self.first_day - epoch).days
        return [(first + d) * DAY_S - self.utc_offset_s for d in range((last - self.first_day).days + 1)]

    def slots(self) -> list[Slot]:
        return blacked_out(grid(self.day_starts_s(), self.offsets_s(), self.slot_length_s), self.blackouts)


def grid_violations(g: SlotGrid, path: str = "slot_grid") -> list[Violation]:
    """Every rule a slot grid breaks, by field path; checked before any work."""
    out: list[Violation] = []

    def minutes(value: int, field: str, lo: int, hi: int, what: str) -> bool:
        if not lo <= value <= hi or value % 60:
            out.append(Violation(f"{path}.{field}", f"must be whole minutes in {what}, got {value} s"))
            return False
        return True

    minutes(g.slot_length_s, "slot_length", 60, DAY_S, "[1 min, 24 h]")
    last = g.last_day or g.first_day
    if last < g.first_day:
        out.append(Violation(f"{path}.last_day", f"must not be before first_day ({g.first_day.isoformat()}), got {last.isoformat()}"))
    elif (last - g.first_day).days > MAX_GRID_DAYS_AFTER:
        out.append(Violation(f"{path}.last_day", f"must be at most {MAX_GRID_DAYS_AFTER} days after first_day, got {(last - g.first_day).days}"))
    minutes(g.utc_offset_s, "utc_offset", -MAX_UTC_OFFSET_S, MAX_UTC_OFFSET_S, "[-14 h, 14 h]")
    if len(g.daily_starts_s) > MAX_DAILY_STARTS:
        out.append(Violation(f"{path}.daily_slot_starts", f"at most {MAX_DAILY_STARTS} are accepted, got {len(g.daily_starts_s)}"))
    for k, start in enumerate(g.daily_starts_s[:MAX_DAILY_STARTS]):
        if minutes(start, f"daily_slot_starts[{k}]", 0, DAY_S - 60, "[0, 24 h)") and k and start <= g.daily_starts_s[k - 1]:
            out.append(Violation(f"{path}.daily_slot_starts[{k}]", "must be later than the one before (strictly increasing)"))
    if not g.daily_starts_s:
        lo = DEFAULT_DAY_START_S if g.day_start_s is None else g.day_start_s
        hi = DEFAULT_DAY_END_S if g.day_end_s is None else g.day_end_s
        ok = minutes(lo, "day_start", 0, DAY_S - 60, "[0, 24 h)") & minutes(hi, "day_end", 60, DAY_S, "(0, 24 h]")
        if ok and hi <= lo:
            out.append(Violation(f"{path}.day_end", f"must be after day_start ({lo} s), got {hi} s"))
        elif ok and g.slot_length_s >= 60 and lo + g.slot_length_s > hi:
            out.append(Violation(f"{path}.slot_length", f"must fit in the day window [day_start, day_end] ({hi - lo} s), got {g.slot_length_s} s"))
    if len(g.blackouts) > MAX_BLACKOUTS:
        out.append(Violation(f"{path}.blackouts", f"at most {MAX_BLACKOUTS} are accepted, got {len(g.blackouts)}"))
    for k, (b_lo, b_hi) in enumerate(g.blackouts[:MAX_BLACKOUTS]):
        if b_lo is None and b_hi is None:
            out.append(Violation(f"{path}.blackouts[{k}]", "must set start_time, end_time or both"))
        elif b_lo is not None and b_hi is not None and b_hi <= b_lo:
            out.append(Violation(f"{path}.blackouts[{k}].end_time", "must be after start_time (the end is exclusive)"))
    if not out:
        count = len(g.day_starts_s()) * len(g.offsets_s())
        if count > MAX_GRID_SLOTS:
            out.append(Violation(path, f"must make at most {MAX_GRID_SLOTS} slots (days × slots a day), got {count}"))
        elif count == 0:
            out.append(Violation(path, "makes no slot"))
    return out


def grid(day_starts_s: Sequence[int], offsets_s: Sequence[int], length_s: int) -> list[tuple[int, int]]:
    """Slots of a grid: on each day (its start, epoch seconds), one slot starting at each
    offset, ``length_s`` long, end inclusive; in time order."""
    return sorted({(d + o, d + o + length_s) for d in day_starts_s for o in offsets_s})


def blacked_out(slots: Sequence[tuple[int, int]], blackouts: Sequence[tuple[int | None, int | None]]) -> list[Slot]:
    """``slots`` with those overlapping a blackout (``[start, end)``, None: open) marked."""
    out = []
    for lo, hi in slots:
        hit = any((b_lo is None or b_lo < hi) and (b_hi is None or lo < b_hi) for b_lo, b_hi in blackouts)
        out.append(Slot(lo, hi, hit))
    return out


def grade(added_cost: float, cheapest: float, cost_scale: float, slack_s: float) -> int:
    """0-100: ``GRADE_COST_POINTS`` × the cost score plus ``GRADE_RISK_POINTS`` × the risk score.

    Cost score: 1 - (added cost - the cheapest kept slot's) / ``cost_scale``, at least 0;
    ``cost_scale`` is the order's own price of being left out (its unassigned penalty in the
    objective), so a slot dearer than the cheapest by that much scores 0 (1 when the scale is 0).
    Risk score: the least of the slot slack, day slack and SLA slack over
    ``GRADE_FULL_SLACK_S``, capped at 1 (0 when negative). The cheapest slot with two hours of
    slack everywhere grades 100."""
    extra = max(0.0, added_cost - cheapest)
    cost_score = 1.0 if cost_scale <= 0 else max(0.0, 1.0 - extra / cost_scale)
    risk_score = min(1.0, max(0.0, slack_s) / GRADE_FULL_SLACK_S)
    return int(round(GRADE_COST_POINTS * cost_score + GRADE_RISK_POINTS * risk_score))



def ranked(offers: Sequence[SlotOffer]) -> list[SlotOffer]:
    """Kept offers, best first: highest grade, then least added cost, then earliest."""
    return sorted((o for o in offers if o.kept), key=lambda o: (-o.grade, o.added_cost, o.slot.start_s))

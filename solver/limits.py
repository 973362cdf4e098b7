"""Allowed ranges of every number the solver accepts, and its fixed integer scales.

Validation (``solver.validation``) enforces these so that nothing reaching OR-Tools can overflow
its int64 arithmetic or mislead it (the design notes list inputs that crash or silently corrupt
a solve). The service may lower the count limits through its configuration.
"""

from __future__ import annotations

from dataclasses import dataclass

# Timestamps: the Unix epoch up to 2100-01-01. Benchmarks use times near 0; year 9999 is a typo.
MIN_TIME_S = 0
MAX_TIME_S = 4_102_444_800
MAX_HORIZON_S = 31 * 24 * 3600  # from the earliest shift start to the latest shift end
MAX_DURATION_S = 7 * 24 * 3600  # any single service, break or working-time value
MAX_ID_LENGTH = 256
MAX_LABEL_LENGTH = 1024
MAX_SKILL_LEVEL = 100
MAX_COST = 1e6  # any cost per hour / per km / lateness per hour / penalty, in cost units
MAX_PENALTY = 1e9
MAX_WEIGHT = 1e6
MAX_LOAD = 1_000_000_000
MIN_SPEED_FACTOR, MAX_SPEED_FACTOR = 0.1, 10.0
MIN_SPEED_KMH, MAX_SPEED_KMH = 1.0, 200.0
MIN_DETOUR, MAX_DETOUR = 1.0, 3.0
MAX_TIME_LIMIT_S = 3600.0
MAX_PARTS_PER_ORDER = 64
MAX_STOCK_ITEMS = 1000
MAX_PART_UNITS = 1_000_000
MAX_OVERTIME_S = 12 * 3600
MAX_REST_S = 48 * 3600
MAX_AGE_S = 3650 * 24 * 3600  # an order open for ten years is a data error
MAX_ATTEMPTS = 1000
MAX_ORDERS_AT_RISK = 1000

# OR-Tools optimises int64 costs. One cost unit is COST_SCALE integer units: 36,000 keeps a cost of
# 1 per hour at 10 integer units per second, so per-second coefficients never round to zero.
COST_SCALE = 36_000
# Objective values must stay clear of int64 overflow (2^63) with room for OR-Tools' own sums.
MAX_OBJECTIVE_BOUND = 2**61

DEFAULT_UNASSIGNED_PENALTY = 100.0  # cost units, before the priority factor


@dataclass(frozen=True, slots=True)
class Limits:
    """Per-request size limits; the server takes them from its configuration."""

    max_orders: int = 20_000
    max_engineers: int = 2_000
    max_shifts_per_engineer: int = 31
    max_time_windows_per_order: int = 16
    max_breaks_per_shift: int = 8
    max_skills: int = 64
    max_engineer_refs: int = 2_000  # required / preferred / excluded ids per order

"""What-if scenarios on domain objects: applying a variant to a problem, and how a variant's
plan differs from the base plan (KPI deltas, plan diff).

No protobuf here; ``convert`` reads and writes the wire shapes.
"""

from __future__ import annotations

import math
import re
from collections.abc import Sequence
from dataclasses import dataclass, replace

import numpy as np

from solver import limits as L
from solver.errors import Violation
from solver.model import Break, Engineer, LatLng, Order, Plan, Problem, Shift

MAX_SCENARIOS = 16
MAX_NOISE_SEEDS = 4
COPY_JITTER_M = 500.0
_M_PER_DEG = 6_371_008.8 * math.pi / 180.0


@dataclass(frozen=True)
class ScenarioSpec:
    """A variant of a base problem; defaults leave the base as it is."""

    name: str
    remove_engineer_ids: tuple[str, ...] = ()
    add_engineers: tuple[Engineer, ...] = ()
    remove_order_ids: tuple[str, ...] = ()
    add_orders: tuple[Order, ...] = ()
    order_scale: float | None = None  # (0, 10]
    sla_hours: float | None = None  # (0, 720]
    speed_scale: float | None = None  # [0.1, 10]
    shift_end_offset_s: int = 0
    shift_start_offset_s: int = 0


@dataclass(frozen=True)
class ScenarioProblem:
    """A scenario's problem, with where each of its orders and engineers came from, so that
    violations found in it can be reported against the scenario's fields."""

    problem: Problem
    order_origin: tuple[tuple[str, int], ...]  # ("base", i) | ("add", j) | ("copy", i)
    engineer_origin: tuple[tuple[str, int], ...]  # ("base", i) | ("add", j)


def check_specs(specs: Sequence[ScenarioSpec], base: Problem, prefix: str = "scenarios") -> list[Violation]:
    """Rules a scenario breaks on its own (names, ranges, references to the base)."""
    out: list[Violation] = []
    if len(specs) > MAX_SCENARIOS:
        out.append(Violation(prefix, f"at most {MAX_SCENARIOS} scenarios are accepted, got {len(specs)}"))
    names: dict[str, int] = {}
    order_ids = {o.id for o in base.orders}
    engineer_ids = {e.id for e in base.engineers}
    for k, s in enumerate(specs):
        p = f"{prefix}[{k}]"
        if not s.name:
            out.append(Violation(f"{p}.name", "is required"))
        elif len(s.name) > L.MAX_ID_LENGTH:
            out.append(Violation(f"{p}.name", f"must be at most {L.MAX_ID_LENGTH} characters"))
        elif s.name in names:
            out.append(Violation(f"{p}.name", f"duplicates scenarios[{names[s.name]}].name {s.name!r}"))
        else:
            names[s.name] = k
        for j, eid in enumerate(s.remove_engineer_ids):
            if eid not in engineer_ids:
                out.append(Violation(f"{p}.remove_engineer_ids[{j}]", f"names no engineer of the base: {eid!r}"))
        for j, oid in enumerate(s.remove_order_ids):
            if oid not in order_ids:
                out.append(Violation(f"{p}.remove_order_ids[{j}]", f"names no order of the base: {oid!r}"))
        kept_engineers = engineer_ids - set(s.remove_engineer_ids)
        for j, e in enumerate(s.add_engineers):
            if e.id in kept_engineers:
                out.append(Violation(f"{p}.add_engineers[{j}].id", f"is already an engineer of the base: {e.id!r}"))
        kept_orders = order_ids - set(s.remove_order_ids)
        for j, o in enumerate(s.add_orders):
            if o.id in kept_orders:
                out.append(Violation(f"{p}.add_orders[{j}].id", f"is already an order of the base: {o.id!r}"))
        if s.order_scale is not None and not (0 < s.order_scale <= 10 and math.isfinite(s.order_scale)):
            out.append(Violation(f"{p}.order_scale", f"must be in (0, 10], got {s.order_scale}"))
        if s.sla_hours is not None and not (0 < s.sla_hours <= 720 and math.isfinite(s.sla_hours)):
            out.append(Violation(f"{p}.sla_hours", f"must be in (0, 720], got {s.sla_hours}"))
        if s.speed_scale is not None and not (0.1 <= s.speed_scale <= 10 and math.isfinite(s.speed_scale)):
            out.append(Violation(f"{p}.speed_scale", f"must be in [0.1, 10], got {s.speed_scale}"))
        for name, value in (("shift_end_offset", s.shift_end_offset_s), ("shift_start_offset", s.shift_start_offset_s)):
            if abs(value) > L.MAX_DURATION_S:
                out.append(Violation(f"{p}.{name}", "must be within ±7 days"))
    return out


def noise_seed_violations(seeds: list[int], base_seed: int) -> list[Violation]:
    """Noise seeds must be valid search seeds, and differ from the base's and each other (a
    repeat with the same seed measures nothing)."""
    out = []
    for i, seed in enumerate(seeds):
        if not 0 <= seed < 2**31:
            out.append(Violation(f"noise_seeds[{i}]", f"must be in [0, 2^31), got {seed}"))
        elif seed == base_seed or seed in seeds[:i]:
            out.append(Violation(f"noise_seeds[{i}]", f"repeats seed {seed} (the base's options.random_seed or an earlier noise seed)"))
    return out


def apply_scenario(base: Problem, spec: ScenarioSpec) -> ScenarioProblem:
    """The base problem changed as ``spec`` says (assumes ``check_specs`` found nothing)."""
    removed_o, removed_e = set(spec.remove_order_ids), set(spec.remove_engineer_ids)
    engineers = [(e, ("base", i)) for i, e in enumerate(base.engineers) if e.id not in removed_e]
    engineers += [(e, ("add", j)) for j, e in enumerate(spec.add_engineers)]
    orders = [(o, ("base", i)) for i, o in enumerate(base.orders) if o.id not in removed_o]
    orders += [(o, ("add", j)) for j, o in enumerate(spec.add_orders)]

    if spec.order_scale is not None and spec.order_scale != 1 and orders:
        rng = np.random.default_rng(base.options.random_seed)
        n = len(orders)
        if spec.order_scale < 1:
            keep = np.sort(rng.choice(n, size=int(round(n * spec.order_scale)), replace=False))
            orders = [orders[int(i)] for i in keep]
        else:
            extra = int(round(n * (spec.order_scale - 1)))
            picks = rng.integers(0, n, size=extra)
            dist = COPY_JITTER_M * np.sqrt(rng.random(extra))
            bearing = rng.random(extra) * 2 * math.pi
            taken = {o.id for o, _ in orders}
            copies: dict[str, int] = {}
            for k in range(extra):
                source, origin = orders[int(picks[k])]
                copies[source.id] = copies.get(source.id, 0) + 1
                new_id = f"{source.id}~{copies[source.id]}"
                while new_id in taken:
                    copies[source.id] += 1
                    new_id = f"{source.id}~{copies[source.id]}"
                taken.add(new_id)
                lat = source.location.lat + dist[k] * math.cos(bearing[k]) / _M_PER_DEG
                cos_lat = max(1e-6, math.cos(math.radians(source.location.lat)))
                lng = source.location.lng + dist[k] * math.sin(bearing[k]) / (_M_PER_DEG * cos_lat)
                lat = min(90.0, max(-90.0, lat))
                lng = (lng + 180.0) % 360.0 - 180.0
                orders.append((replace(source, id=new_id, location=LatLng(lat, lng)), ("copy", origin[1]) if origin[0] == "base" else origin))

    if spec.sla_hours is not None:
        hours_s = int(round(spec.sla_hours * 3600))
        orders = [(replace(o, sla_deadline_s=o.create_time_s + hours_s) if o.create_time_s is not None else o, src) for o, src in orders]
    if spec.speed_scale is not None:
        engineers = [(replace(e, speed_factor=e.speed_factor * spec.speed_scale), src) for e, src in engineers]
    if spec.shift_start_offset_s or spec.shift_end_offset_s:
        engineers = [(replace(e, shifts=tuple(_move_shift(s, spec) for s in e.shifts)), src) for e, src in engineers]

    label = f"{base.label} [{spec.name}]" if base.label else spec.name
    problem = replace(base, orders=tuple(o for o, _ in orders), engineers=tuple(e for e, _ in engineers), label=label[: L.MAX_LABEL_LENGTH])
    return ScenarioProblem(problem, tuple(src for _, src in orders), tuple(src for _, src in engineers))


def _move_shift(shift: Shift, spec: ScenarioSpec) -> Shift:
    start, end = shift.start_s + spec.shift_start_offset_s, shift.end_s + spec.shift_end_offset_s
    breaks = []
    for b in shift.breaks:  # kept inside the moved shift; dropped when it no longer fits
        earliest = max(b.earliest_start_s, start)
        latest = min(b.latest_start_s, end - b.duration_s)
        if earliest <= latest:
            breaks.append(Break(earliest, latest, b.duration_s))
    return Shift(start, end, tuple(breaks))


_ITEM = re.compile(r"^(orders|engineers)\[(\d+)\](.*)$")


def scenario_violation_paths(sp: ScenarioProblem, violations: Sequence[Violation], prefix: str) -> list[Violation]:
    """Violations of a scenario's problem as paths into the scenario (``scenarios[2].order_scale``)."""
    out = []
    for v in violations:
        m = _ITEM.match(v.field)
        if m:
            kind, index, rest = m.group(1), int(m.group(2)), m.group(3)
            origin = (sp.order_origin if kind == "orders" else sp.engineer_origin)[index]
            if origin[0] == "add":
                out.append(Violation(f"{prefix}.add_{kind}[{origin[1]}]{rest}", v.description))
                continue
            field = _field_for(kind, rest, origin[0])
            out.append(Violation(f"{prefix}.{field}", f"makes {v.field} invalid: {v.description}"))
        elif v.field == "engineers":
            out.append(Violation(f"{prefix}.remove_engineer_ids", v.description))
        elif v.field == "orders":
            out.append(Violation(f"{prefix}.order_scale", v.description))
        else:
            out.append(Violation(f"{prefix}.shift_end_offset", f"makes {v.field} invalid: {v.description}"))
    return out


def _field_for(kind: str, rest: str, origin: str) -> str:
    if kind == "orders":
        if origin == "copy":
            return "order_scale"
        return "sla_hours" if "sla_deadline" in rest else "order_scale"
    if "speed_factor" in rest:
        return "speed_scale"
    if "start_time" in rest and ".breaks" not in rest:
        return "shift_start_offset"
    return "shift_end_offset"


# ---------------------------------------------------------------------------------------------
# Comparing plans


@dataclass(frozen=True)
class KpiDelta:
    orders_served: int
    orders_unassigned: int
    on_time_rate: float
    overdue_count: int
    mean_response_s: float | None  # None when either plan has no response times
    total_travel_duration_s: int
    total_travel_distance_m: int
    total_working_s: int
    objective: float


@dataclass(frozen=True)
class PlanDiff:
    moved_order_ids: tuple[str, ...]
    newly_unassigned_order_ids: tuple[str, ...]
    newly_served_order_ids: tuple[str, ...]
    changed_engineer_ids: tuple[str, ...]
    mean_arrival_shift_s: float
    max_arrival_shift_s: int


def kpi_delta(base: Plan, other: Plan) -> KpiDelta:
    a, b = base.kpis, other.kpis
    response = None
    if a.mean_response_s is not None and b.mean_response_s is not None:
        response = b.mean_response_s - a.mean_response_s
    return KpiDelta(
        orders_served=b.orders_served - a.orders_served,
        orders_unassigned=b.orders_unassigned - a.orders_unassigned,
        on_time_rate=b.on_time_rate - a.on_time_rate,
        overdue_count=b.overdue_count - a.overdue_count,
        mean_response_s=response,
        total_travel_duration_s=b.total_travel_duration_s - a.total_travel_duration_s,
        total_travel_distance_m=b.total_travel_distance_m - a.total_travel_distance_m,
        total_working_s=b.total_working_s - a.total_working_s,
        objective=other.stats.objective - base.stats.objective,
    )


def kpi_range(plans: list[Plan]) -> KpiDelta:
    """The range (largest minus smallest) of each KPI over plans of one problem solved with
    different search seeds: how far the search alone moves it."""
    deltas = [kpi_delta(plans[0], p) for p in plans]

    def span(values):
        return max(values) - min(values)

    responses = [d.mean_response_s for d in deltas]
    return KpiDelta(
        orders_served=span([d.orders_served for d in deltas]),
        orders_unassigned=span([d.orders_unassigned for d in deltas]),
        on_time_rate=span([d.on_time_rate for d in deltas]),
        overdue_count=span([d.overdue_count for d in deltas]),
        mean_response_s=None if None in responses else span(responses),
        total_travel_duration_s=span([d.total_travel_duration_s for d in deltas]),
        total_travel_distance_m=span([d.total_travel_distance_m for d in deltas]),
        total_working_s=span([d.total_working_s for d in deltas]),
        objective=span([d.objective for d in deltas]),
    )


def _served(plan: Plan) -> dict[str, tuple[str, int]]:
    return {v.order_id: (r.engineer_id, v.start_s) for r in plan.routes for v in r.visits}


def _sequences(plan: Plan) -> dict[str, tuple[tuple[int, tuple[str, ...]], ...]]:
    out: dict[str, list] = {}
    for r in plan.routes:
        out.setdefault(r.engineer_id, []).append((r.shift_index, tuple(v.order_id for v in r.visits)))
    return {k: tuple(sorted((s, ids) for s, ids in v if ids)) for k, v in out.items()}


def plan_diff(base: Plan, other: Plan) -> PlanDiff:
    """How ``other`` differs from ``base``; ids are listed in ``other``'s (then base's) order."""
    a, b = _served(base), _served(other)
    other_ids = [v.order_id for r in other.routes for v in r.visits] + [u.order_id for u in other.unassigned]
    moved = [oid for oid in other_ids if oid in a and oid in b and a[oid][0] != b[oid][0]]
    newly_unassigned = [u.order_id for u in other.unassigned if u.order_id in a]
    newly_served = [oid for oid in other_ids if oid in b and oid not in a]
    sa, sb = _sequences(base), _sequences(other)
    engineers = list(dict.fromkeys([r.engineer_id for r in other.routes] + [r.engineer_id for r in base.routes]))
    changed = [e for e in engineers if sa.get(e, ()) != sb.get(e, ())]
    shifts = [abs(b[oid][1] - a[oid][1]) for oid in b if oid in a]
    return PlanDiff(
        moved_order_ids=tuple(moved),
        newly_unassigned_order_ids=tuple(newly_unassigned),
        newly_served_order_ids=tuple(newly_served),
        changed_engineer_ids=tuple(changed),
        mean_arrival_shift_s=(sum(shifts) / len(shifts)) if shifts else 0.0,
        max_arrival_shift_s=max(shifts, default=0),
    )

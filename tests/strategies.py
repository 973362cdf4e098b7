"""Hypothesis strategies for our messages: small valid requests (every field family used, every
cross-reference consistent) and invalid ones made by breaking random fields of a valid one.

Sizes stay small and every request stops after at most three improving solutions, so a property
test of 25 examples takes a few seconds.
"""

from __future__ import annotations

import math

from hypothesis import strategies as st

from dispatch_service.api.v1 import dispatch_pb2 as pb
from tests.builders import at, engineer, order, request

SKILLS = ("hvac", "gas", "electrical")
PRIORITIES = ("PRIORITY_UNSPECIFIED", "PRIORITY_LOW", "PRIORITY_NORMAL", "PRIORITY_HIGH", "PRIORITY_CRITICAL")
SLA_MODES = ("SLA_MODE_UNSPECIFIED", "SLA_MODE_SOFT", "SLA_MODE_HARD")

km = st.integers(-15, 15)


@st.composite
def _engineer(draw, index: int) -> dict:
    start = draw(st.integers(0, 180))  # minutes after 08:00
    length = draw(st.integers(60, 600))
    e = engineer(f"e{index}", draw(km), draw(km), shift=(start, start + length), home=draw(st.booleans()))
    skills = draw(st.lists(st.tuples(st.sampled_from(SKILLS), st.integers(1, 5)), unique_by=lambda s: s[0], max_size=3))
    if skills:
        e["skills"] = [{"name": n, "level": level} for n, level in skills]
    if draw(st.booleans()):
        e["maxWorkingTime"] = f"{draw(st.integers(30, 600)) * 60}s"
    if draw(st.booleans()):
        e["capacity"] = draw(st.integers(0, 10))
    if draw(st.booleans()):
        e["speedFactor"] = draw(st.sampled_from((0.5, 0.8, 1.0, 1.5, 2.0)))
    e["costPerHour"] = draw(st.sampled_from((0.0, 20.0, 45.5)))
    e["costPerKm"] = draw(st.sampled_from((0.0, 0.3)))
    if draw(st.booleans()) and length >= 120:
        earliest = start + draw(st.integers(0, length // 2))
        duration = draw(st.integers(5, 45))
        latest = min(earliest + draw(st.integers(0, 60)), start + length - duration)
        if latest >= earliest:
            e["shifts"][0]["breaks"] = [{"earliestStartTime": at(earliest), "latestStartTime": at(latest), "duration": f"{duration * 60}s"}]
    return e


@st.composite
def _windows(draw) -> list[dict]:
    points = sorted(draw(st.sets(st.integers(-60, 780), min_size=0, max_size=4)))
    windows = []
    for k in range(0, len(points) - 1, 2):  # (p0, p1), (p2, p3): sorted, not touching
        windows.append({"startTime": at(points[k]), "endTime": at(points[k + 1])})
    if windows and draw(st.booleans()):  # an open start on the first window
        del windows[0]["startTime"]
    return windows


@st.composite
def _order(draw, index: int, engineer_ids: list[str]) -> dict:
    o = order(f"o{index}", draw(km), draw(km), service_min=draw(st.integers(0, 90)))
    windows = draw(_windows())
    if windows:
        o["timeWindows"] = windows
    if draw(st.booleans()):
        created = draw(st.integers(-240, 60))
        o["createTime"] = at(created)
        o["slaDeadline"] = at(created + draw(st.integers(0, 480)))
        o["slaMode"] = draw(st.sampled_from(SLA_MODES))
        o["latenessCostPerHour"] = draw(st.sampled_from((0.0, 10.0, 1000.0)))
    o["priority"] = draw(st.sampled_from(PRIORITIES))
    skills = draw(st.lists(st.tuples(st.sampled_from(SKILLS), st.integers(1, 5)), unique_by=lambda s: s[0], max_size=2))
    if skills:
        o["requiredSkills"] = [{"name": n, "minLevel": level} for n, level in skills]
    role = st.sampled_from(("none", "required", "excluded", "preferred"))
    for eid in engineer_ids:
        kind = draw(role)
        if kind != "none":
            o.setdefault(f"{kind}EngineerIds", []).append(eid)
    o["demand"] = draw(st.integers(0, 4))
    o["mandatory"] = draw(st.booleans())
    if draw(st.booleans()):
        o["unassignedPenalty"] = draw(st.sampled_from((0.0, 50.0, 1e4)))
    return o


@st.composite
def valid_requests(draw, max_orders: int = 6, max_engineers: int = 3) -> pb.SolveRequest:
    engineers = [draw(_engineer(j)) for j in range(draw(st.integers(1, max_engineers)))]
    ids = [e["id"] for e in engineers]
    orders = [draw(_order(k, ids)) for k in range(draw(st.integers(0, max_orders)))]
    return request(
        orders,
        engineers,
        searchMode=draw(st.sampled_from(("SEARCH_MODE_UNSPECIFIED", "SEARCH_MODE_RETURN_FAST"))),
        solutionLimit=draw(st.integers(1, 3)),
        randomSeed=draw(st.integers(0, 2**31 - 1)),
        timeLimit="5s",
    )


# -- invalid requests ---------------------------------------------------------------------------
EVIL_FLOATS = st.sampled_from((math.nan, math.inf, -math.inf, 1e308, -1e308, -1.0, -0.0, 1e12, 91.0, -181.0, 5e-324)) | st.floats()
EVIL_INTS = st.sampled_from((-(2**63), 2**63 - 1, -1, 0, 2**31, 10**12, 253_402_300_799, -62_135_596_800)) | st.integers(-(2**63), 2**63 - 1)
EVIL_ENUMS = st.integers(-(2**31), 2**31 - 1)
EVIL_TEXT = st.sampled_from(("", "x" * 300, "o0", "e0", "hvac", "é✓\u0000")) | st.text(max_size=12)


def _pick(draw, items):
    return items[draw(st.integers(0, len(items) - 1))] if len(items) else None


def _window(draw, r):
    o = _pick(draw, r.orders)
    if o is None:
        return None
    return _pick(draw, o.time_windows) or o.time_windows.add()


def _shift(draw, r):
    e = _pick(draw, r.engineers)
    return _pick(draw, e.shifts) if e is not None else None


def _set(target, field, value):
    if target is not None:
        setattr(target, field, value)


MUTATIONS = [
    lambda d, r: _set(getattr(_pick(d, r.orders), "location", None), d(st.sampled_from(("latitude", "longitude"))), d(EVIL_FLOATS)),
    lambda d, r: _set(getattr(_pick(d, r.engineers), "start_location", None), d(st.sampled_from(("latitude", "longitude"))), d(EVIL_FLOATS)),
    lambda d, r: _set(_pick(d, r.orders), "id", d(EVIL_TEXT)),
    lambda d, r: _set(_pick(d, r.engineers), "id", d(EVIL_TEXT)),
    lambda d, r: _set(getattr(_pick(d, r.orders), "service_duration", None), "seconds", d(EVIL_INTS)),
    lambda d, r: _set(getattr(_window(d, r), d(st.sampled_from(("start_time", "end_time"))), None), "seconds", d(EVIL_INTS)),
    lambda d, r: _set(getattr(_pick(d, r.orders), d(st.sampled_from(("sla_deadline", "create_time"))), None), "seconds", d(EVIL_INTS)),
    lambda d, r: _set(_pick(d, r.orders), d(st.sampled_from(("priority", "sla_mode"))), d(EVIL_ENUMS)),
    lambda d, r: _set(_pick(d, r.orders), d(st.sampled_from(("lateness_cost_per_hour", "unassigned_penalty"))), d(EVIL_FLOATS)),
    lambda d, r: _set(_pick(d, r.orders), "demand", d(EVIL_INTS)),
    lambda d, r: _set(_pick(d, r.engineers), d(st.sampled_from(("cost_per_hour", "cost_per_km", "cost_per_traveled_hour", "speed_factor"))), d(EVIL_FLOATS)),
    lambda d, r: _set(_pick(d, r.engineers), "capacity", d(EVIL_INTS)),
    lambda d, r: _set(getattr(_shift(d, r), d(st.sampled_from(("start_time", "end_time"))), None), "seconds", d(EVIL_INTS)),
    lambda d, r: _set(getattr(_pick(d, r.engineers), "max_working_time", None), "seconds", d(EVIL_INTS)),
    lambda d, r: _shift(d, r) is not None and _shift(d, r).breaks.add(
        earliest_start_time={"seconds": d(EVIL_INTS)}, latest_start_time={"seconds": d(EVIL_INTS)}, duration={"seconds": d(EVIL_INTS)}
    ),
    lambda d, r: _pick(d, r.orders) is not None and _pick(d, r.orders).required_engineer_ids.append(d(EVIL_TEXT)),
    lambda d, r: _pick(d, r.orders) is not None and _pick(d, r.orders).required_skills.add(name=d(EVIL_TEXT), min_level=d(EVIL_ENUMS)),
    lambda d, r: _set(r.options, d(st.sampled_from(("search_mode",))), d(EVIL_ENUMS)),
    lambda d, r: _set(r.options, "random_seed", d(EVIL_INTS)),
    lambda d, r: _set(r.options.time_limit, "seconds", d(st.integers(-(2**40), 3600))),
    lambda d, r: _set(r.options.travel_model.great_circle, d(st.sampled_from(("speed_kmh", "detour_factor"))), d(EVIL_FLOATS)),
    lambda d, r: _set(r.options.objective_weights, d(st.sampled_from(("travel", "lateness", "unassigned"))), d(EVIL_FLOATS)),
    lambda d, r: r.ClearField(d(st.sampled_from(("orders", "engineers")))),
]


@st.composite
def invalid_requests(draw) -> pb.SolveRequest:
    """A valid request with one to three fields set to hostile values (the result may happen to
    be valid: callers accept a plan or INVALID_ARGUMENT)."""
    r = draw(valid_requests(max_orders=4, max_engineers=2))
    for _ in range(draw(st.integers(1, 3))):
        draw(st.sampled_from(MUTATIONS))(draw, r)
    return r

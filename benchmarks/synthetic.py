"""A synthetic but realistic field-service day, for timing the service at chosen sizes.

Public VRPTW sets have no skills, breaks, SLAs or priorities, which are what make dispatch
models heavy. This generator produces one planning day in a real city: work orders clustered
around a few hotspots (plus a uniform background), engineers living across the city with one
to three skills, a shift with a lunch break, customer appointment slots for a share of orders,
and soft SLA deadlines four hours after each order was raised.

Only ``solver.model`` objects are produced; the gRPC path converts them to protobuf. A fixed
seed gives an identical ``Problem`` (all randomness goes through one ``numpy`` Generator).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, time
from zoneinfo import ZoneInfo

import numpy as np

from solver.model import (
    Break,
    Engineer,
    GreatCircleModel,
    LatLng,
    Order,
    Priority,
    Problem,
    SearchMode,
    Shift,
    SkillRequirement,
    SlaMode,
    SolveOptions,
    TimeWindow,
)


@dataclass(frozen=True)
class City:
    name: str
    timezone: str
    lat_min: float
    lat_max: float
    lng_min: float
    lng_max: float


CITIES: dict[str, City] = {
    "porto": City("porto", "Europe/Lisbon", 41.10, 41.25, -8.70, -8.55),
    # Cities the solver was never tuned on, for the realistic-day suite.
    "lyon": City("lyon", "Europe/Paris", 45.70, 45.82, 4.77, 4.93),
    "leeds": City("leeds", "Europe/London", 53.74, 53.86, -1.66, -1.44),
}

SKILLS: tuple[str, ...] = ("electrical", "hvac", "plumbing")
PLAN_DAY = date(2026, 11, 24)  # a Tuesday; Lisbon is on UTC+0 in November
SHIFT_START = time(8, 0)
SHIFT_END = time(17, 0)
LUNCH_EARLIEST = time(12, 0)
LUNCH_LATEST = time(13, 30)
LUNCH_S = 30 * 60
SLA_AFTER_CREATE_S = 4 * 3600
# Customer appointment slots (local start hour, 2 h each), chosen to fit inside the shift.
SLOT_START_HOURS: tuple[int, ...] = (8, 10, 13, 15)
SLOT_S = 2 * 3600
SHARE_WITH_SLOT = 0.3
SHARE_CLUSTERED = 0.7  # the rest is spread uniformly over the bounding box
N_HOTSPOTS = 5
HOTSPOT_SIGMA_DEG = 0.008  # about 0.9 km north-south, 0.7 km east-west at Porto
PRIORITY_SHARES: dict[Priority, float] = {
    Priority.LOW: 0.2,
    Priority.NORMAL: 0.55,
    Priority.HIGH: 0.2,
    Priority.CRITICAL: 0.05,
}


def _epoch_s(day: date, at: time, timezone: str) -> int:
    return int(datetime.combine(day, at, tzinfo=ZoneInfo(timezone)).timestamp())


def make_problem(
    n_orders: int,
    seed: int = 0,
    n_engineers: int | None = None,
    city: str = "porto",
    time_limit_s: float = 10.0,
    backlog_s: int = 4 * 3600,
    slot_deadlines: bool = False,
    raised_through_day: bool = False,
) -> Problem:
    """One planning day of ``n_orders`` work orders and ``n_engineers`` (default n // 10, at
    least 1) engineers in ``city``.

    The default ratio deliberately overloads the day a little (ten orders of 20–90 min each
    rarely fit in one 9-hour shift with travel), so the solver must choose what to leave
    unassigned, as dispatchers must on a real day.

    Switches (defaults: the day above): ``backlog_s``, orders are raised in this many seconds
    before the shift (whole minutes); ``slot_deadlines``, an order with an appointment slot is
    due by the slot's end (the appointment is its promise) rather than 4 h after creation.
    ``raised_through_day``: orders are raised between 06:00 and 15:00 instead of as a morning
    backlog, and none may be started before it is raised (a window opening then; an appointment
    slot, when the order has one, is the first starting at least an hour later, else none).
    With the backlog, a mean response of 2 h is out of reach for any fleet (the backlog is on
    average 2 h old when the shift starts and 30 % of orders wait for afternoon slots); this is
    the day on which a right-sized fleet can meet overdue ≤ 5 % and mean response ≤ 2 h.
    """
    if n_orders < 1:
        raise ValueError(f"n_orders must be positive, got {n_orders}")
    if city not in CITIES:
        raise ValueError(f"unknown city {city!r}; known: {', '.join(sorted(CITIES))}")
    place = CITIES[city]
    n_engineers = max(1, n_orders // 10) if n_engineers is None else n_engineers
    if n_engineers < 1:
        raise ValueError(f"n_engineers must be positive, got {n_engineers}")
    rng = np.random.default_rng(seed)

    shift_start_s = _epoch_s(PLAN_DAY, SHIFT_START, place.timezone)
    shift = Shift(
        start_s=shift_start_s,
        end_s=_epoch_s(PLAN_DAY, SHIFT_END, place.timezone),
        breaks=(
            Break(
                earliest_start_s=_epoch_s(PLAN_DAY, LUNCH_EARLIEST, place.timezone),
                latest_start_s=_epoch_s(PLAN_DAY, LUNCH_LATEST, place.timezone),
                duration_s=LUNCH_S,
            ),
        ),
    )

    lat, lng = _order_points(rng, place, n_orders)
    skill_of = rng.integers(0, len(SKILLS), size=n_orders)
    level_of = np.where(rng.random(n_orders) < 0.7, 1, 2)
    service_s = rng.integers(4, 19, size=n_orders) * 5 * 60  # 20–90 min in 5-min steps
    # Raised during the 4 hours before the shift, to the minute: the morning backlog.
    create_s = shift_start_s - rng.integers(0, backlog_s // 60 + 1, size=n_orders) * 60
    if raised_through_day:
        # Drawn after the backlog so both variants share every other draw for a seed.
        create_s = shift_start_s + rng.integers(-2 * 60, 7 * 60 + 1, size=n_orders) * 60
    has_slot = rng.random(n_orders) < SHARE_WITH_SLOT
    slot_hour = rng.choice(np.asarray(SLOT_START_HOURS), size=n_orders)
    priorities = list(PRIORITY_SHARES)
    priority_of = rng.choice(len(priorities), size=n_orders, p=list(PRIORITY_SHARES.values()))

    orders = []
    for i in range(n_orders):
        windows: tuple[TimeWindow, ...] = ()
        deadline_s = int(create_s[i]) + SLA_AFTER_CREATE_S
        if has_slot[i]:
            slot_start_s = _epoch_s(PLAN_DAY, time(int(slot_hour[i])), place.timezone)
            windows = (TimeWindow(start_s=slot_start_s, end_s=slot_start_s + SLOT_S),)
            if slot_deadlines:
                deadline_s = slot_start_s + SLOT_S
        if raised_through_day:
            later = [
                start_s
                for h in SLOT_START_HOURS
                if (start_s := _epoch_s(PLAN_DAY, time(h), place.timezone)) >= create_s[i] + 3600
            ]
            if has_slot[i] and later:
                windows = (TimeWindow(start_s=later[0], end_s=later[0] + SLOT_S),)
            else:
                windows = (TimeWindow(start_s=int(create_s[i]), end_s=None),)
        orders.append(
            Order(
                id=f"WO-{i + 1:05d}",
                location=LatLng(lat=float(lat[i]), lng=float(lng[i])),
                service_duration_s=int(service_s[i]),
                time_windows=windows,
                sla_deadline_s=deadline_s,
                sla_mode=SlaMode.SOFT,
                priority=priorities[int(priority_of[i])],
                required_skills=(
                    SkillRequirement(name=SKILLS[int(skill_of[i])], min_level=int(level_of[i])),
                ),
                create_time_s=int(create_s[i]),
            )
        )

    engineers = []
    home_lat = rng.uniform(place.lat_min, place.lat_max, size=n_engineers)
    home_lng = rng.uniform(place.lng_min, place.lng_max, size=n_engineers)
    for k in range(n_engineers):
        home = LatLng(lat=round(float(home_lat[k]), 6), lng=round(float(home_lng[k]), 6))
        engineers.append(
            Engineer(
                id=f"ENG-{k + 1:03d}",
                start_location=home,
                end_location=home,
                shifts=(shift,),
                skills=_engineer_skills(rng, k),
            )
        )

    options = SolveOptions(
        time_limit_s=float(time_limit_s),
        search_mode=SearchMode.CONSUME_ALL_TIME,
        random_seed=seed,
        travel_model=GreatCircleModel(),
    )
    return Problem(
        orders=tuple(orders),
        engineers=tuple(engineers),
        options=options,
        label=f"synthetic-{city}-n{n_orders}-s{seed}" + ("-through-day" if raised_through_day else ""),
    )


def _order_points(rng: np.random.Generator, place: City, n: int) -> tuple[np.ndarray, np.ndarray]:
    """Points clustered around hotspots (neighbourhoods with old housing stock) plus uniform."""
    # Hotspots sit away from the bounding-box edge so their clusters stay mostly inside it.
    margin_lat = 0.2 * (place.lat_max - place.lat_min)
    margin_lng = 0.2 * (place.lng_max - place.lng_min)
    hot_lat = rng.uniform(place.lat_min + margin_lat, place.lat_max - margin_lat, N_HOTSPOTS)
    hot_lng = rng.uniform(place.lng_min + margin_lng, place.lng_max - margin_lng, N_HOTSPOTS)
    clustered = rng.random(n) < SHARE_CLUSTERED
    which = rng.integers(0, N_HOTSPOTS, size=n)
    lat = np.where(
        clustered,
        hot_lat[which] + rng.normal(0.0, HOTSPOT_SIGMA_DEG, n),
        rng.uniform(place.lat_min, place.lat_max, n),
    )
    lng = np.where(
        clustered,
        hot_lng[which] + rng.normal(0.0, HOTSPOT_SIGMA_DEG, n),
        rng.uniform(place.lng_min, place.lng_max, n),
    )
    # Clip to the box: a Gaussian tail would otherwise put a customer in the Atlantic.
    lat = np.round(np.clip(lat, place.lat_min, place.lat_max), 6)
    lng = np.round(np.clip(lng, place.lng_min, place.lng_max), 6)
    return lat, lng


def _engineer_skills(rng: np.random.Generator, k: int) -> tuple[tuple[str, int], ...]:
    """One to three skills, levels 1–3.

    The k-th engineer's main skill is ``SKILLS[k % 3]`` at level 2 or 3, so with three or more
    engineers every order (at most level 2) has someone qualified: the benchmark measures
    routing, not impossible orders.
    """
    main = k % len(SKILLS)
    levels = {main: int(rng.integers(2, 4))}
    n_extra = int(rng.integers(0, len(SKILLS)))  # 0..2 extra skills
    others = [s for s in range(len(SKILLS)) if s != main]
    for s in rng.permutation(others)[:n_extra]:
        levels[int(s)] = int(rng.integers(1, 4))
    return tuple((SKILLS[s], levels[s]) for s in sorted(levels))

"""Concise builders for requests in tests: plain dicts in protobuf-JSON shape, parsed at the end.

Times are minutes after DAY (08:00 UTC on a fixed day); places are offsets in kilometres east
and north of a point in Porto, so distances can be worked out by hand.
"""

from __future__ import annotations

import copy
import math
from datetime import datetime, timezone
from typing import Any

from google.protobuf import json_format

from dispatch_service.api.v1 import dispatch_pb2 as pb

DAY = int(datetime(2026, 11, 24, 8, 0, tzinfo=timezone.utc).timestamp())
ORIGIN = (41.15, -8.61)
KM_PER_DEG_LAT = 6_371.0088 * math.pi / 180.0


def at(minutes: float) -> str:
    return datetime.fromtimestamp(DAY + int(minutes * 60), tz=timezone.utc).strftime("%Y-%m-%dT%H:%M:%SZ")


def place(east_km: float = 0.0, north_km: float = 0.0) -> dict[str, float]:
    lat = ORIGIN[0] + north_km / KM_PER_DEG_LAT
    lng = ORIGIN[1] + east_km / (KM_PER_DEG_LAT * math.cos(math.radians(ORIGIN[0])))
    return {"latitude": lat, "longitude": lng}


def order(id_: str, east_km: float = 0.0, north_km: float = 0.0, service_min: float = 30, **extra: Any) -> dict[str, Any]:
    return {"id": id_, "location": place(east_km, north_km), "serviceDuration": f"{int(service_min * 60)}s", **extra}


def engineer(id_: str, east_km: float = 0.0, north_km: float = 0.0, shift: tuple[float, float] = (0, 480), home: bool = True, **extra: Any) -> dict[str, Any]:
    e = {"id": id_, "startLocation": place(east_km, north_km), "shifts": [{"startTime": at(shift[0]), "endTime": at(shift[1])}], **extra}
    if home:
        e["endLocation"] = place(east_km, north_km)
    return e


def request(orders: list[dict], engineers: list[dict], **options: Any) -> pb.SolveRequest:
    # Straight lines (detour 1) at 60 km/h: one kilometre takes one minute.
    opts = {"travelModel": {"greatCircle": {"speedKmh": 60, "detourFactor": 1.0}}, "timeLimit": "10s"}
    opts.update(options)
    body = {"label": "test", "orders": copy.deepcopy(orders), "engineers": copy.deepcopy(engineers), "options": opts}
    return json_format.ParseDict(body, pb.SolveRequest())


def valid_request() -> pb.SolveRequest:
    """A request touching every field, valid as is; mutations of it make the invalid cases."""
    return request(
        [
            order("o1", 2, 0) | {
                "timeWindows": [{"startTime": at(0), "endTime": at(120)}, {"startTime": at(180), "endTime": at(300)}],
                "slaDeadline": at(240), "createTime": at(-60), "priority": "PRIORITY_HIGH",
                "requiredSkills": [{"name": "hvac", "minLevel": 2}], "preferredEngineerIds": ["e1"],
                "excludedEngineerIds": ["e2"], "demand": 1, "parts": [{"sku": "filter", "quantity": 1}],
                "age": "86400s", "attemptCount": 1,
            },
            order("o2", 0, 3) | {
                "requiredEngineerIds": ["e1", "e2"], "mandatory": True,
                "followUp": {"previousVisit": {"endTime": at(-3 * 1440), "engineerId": "e1"}, "minDelay": f"{2 * 86400}s",
                             "maxDelay": f"{4 * 86400}s", "sameEngineer": "SAME_ENGINEER_RULE_PREFERRED"},
            },
        ],
        [
            engineer("e1", skills=[{"name": "hvac", "level": 3, "validUntil": at(30 * 1440)}], capacity=5, maxWorkingTime="28800s",
                     costPerKm=0.5, vanStock=[{"sku": "filter", "quantity": 2}], maxOvertime="3600s", overtimeCostPerHour=20,
                     minRest=f"{11 * 3600}s", lastShiftEndTime=at(-12 * 60), maxWeeklyWorkingTime=f"{40 * 3600}s",
                     workedThisWeek=f"{8 * 3600}s", consecutiveDaysWorked=1) | {
                "shifts": [{"startTime": at(0), "endTime": at(480), "breaks": [{"earliestStartTime": at(240), "latestStartTime": at(300), "duration": "1800s"}]}],
            },
            engineer("e2", 1, 1, speedFactor=0.8),
        ],
        fairnessWeight=0.5, firstTimeFix={"revisitCost": 30, "targetRate": 0.85},
        slaTargets={"maxOverdueRate": 0.05, "overdueMode": "TARGET_MODE_OPTIMISED", "maxMeanResponse": "7200s",
                    "meanResponseMode": "TARGET_MODE_REPORTED", "maxResponse": "14400s",
                    "maxResponseMode": "TARGET_MODE_OPTIMISED", "overdueBreachCost": 50, "responseBreachCostPerHour": 20,
                    "meanResponseCostPerHour": 5, "maxOrdersAtRisk": 10},
    )

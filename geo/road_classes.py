"""Which OSM ways are drivable, and how fast each road class is driven.

Kept apart from the map build so the speed table can be read (and tested) without osmnx.
"""

from __future__ import annotations

import json
import re
from collections.abc import Mapping
from pathlib import Path

# Effective free-flow speeds (km/h) per OSM `highway` class, for urban/regional field service.
# Explicit on purpose: few ways carry `maxspeed` (about 5 % in Porto) and osmnx's imputation
# (mean of the tagged ways of that class) gave living streets 59 km/h.
DEFAULT_SPEED_TABLE_KPH: dict[str, float] = {
    "motorway": 100.0,
    "motorway_link": 60.0,
    "trunk": 80.0,
    "trunk_link": 50.0,
    "primary": 50.0,
    "primary_link": 40.0,
    "secondary": 45.0,
    "secondary_link": 35.0,
    "tertiary": 40.0,
    "tertiary_link": 30.0,
    "unclassified": 35.0,
    "residential": 30.0,
    "living_street": 10.0,
    "road": 30.0,
    "busway": 30.0,
}
# Used for a class missing from a user-supplied table.
DEFAULT_FALLBACK_SPEED_KPH = 30.0

# Ways a car may drive on (the osmnx "drive" network, spelled as an allow-list so an unknown
# new tag value is excluded rather than silently routed over).
DRIVABLE_HIGHWAY_CLASSES = frozenset(DEFAULT_SPEED_TABLE_KPH) - {"busway"}

_NO_ACCESS = frozenset({"no", "private"})
_EXCLUDED_SERVICE = frozenset(
    {"alley", "driveway", "emergency_access", "parking", "parking_aisle", "private"}
)


def is_drivable_way(tags: Mapping[str, str]) -> bool:
    """True when an OSM way with these tags belongs to the public drive network."""
    if tags.get("highway") not in DRIVABLE_HIGHWAY_CLASSES:
        return False
    if tags.get("area") == "yes":
        return False
    if tags.get("access") in _NO_ACCESS:
        return False
    if tags.get("motor_vehicle") in _NO_ACCESS or tags.get("motorcar") in _NO_ACCESS:
        return False
    return tags.get("service") not in _EXCLUDED_SERVICE


_MAXSPEED_RE = re.compile(r"^\s*(\d+(?:\.\d+)?)\s*(mph|km/h|kmh|kph)?\s*$")


def parse_maxspeed_kph(value: object) -> float | None:
    """A `maxspeed` tag in km/h, or None when absent or not a plain number ("PT:urban", "none")."""
    if isinstance(value, list):  # osmnx merges tags of simplified ways into lists
        parsed = [parse_maxspeed_kph(v) for v in value]
        numbers = [p for p in parsed if p is not None]
        return min(numbers) if numbers else None
    if not isinstance(value, str):
        return None
    m = _MAXSPEED_RE.match(value)
    if m is None:
        return None
    speed = float(m.group(1))
    if m.group(2) == "mph":
        speed *= 1.609344
    return speed if speed > 0 else None


def load_speed_table(path: str | Path | None) -> dict[str, float]:
    """The default table, overridden class by class by a JSON object {"residential": 25, ...}."""
    table = dict(DEFAULT_SPEED_TABLE_KPH)
    if path is None:
        return table
    with open(path, encoding="utf-8") as f:
        user = json.load(f)
    if not isinstance(user, dict):
        raise ValueError(f"speed table {path} must be a JSON object of class -> km/h")
    for road_class, speed in user.items():
        if not isinstance(speed, (int, float)) or not speed > 0:
            raise ValueError(f"speed for {road_class!r} must be a positive number, got {speed!r}")
        table[str(road_class)] = float(speed)
    return table


def edge_speed_kph(
    highway: object, maxspeed: object, speed_table_kph: Mapping[str, float]
) -> float:
    """Speed for one graph edge: the class speed, capped by a tagged `maxspeed` (a legal limit).

    A simplified edge can span ways of several classes (a list): take the slowest, which is the
    conservative choice for promised arrival times.
    """
    classes = highway if isinstance(highway, list) else [highway]
    speeds = [speed_table_kph.get(str(c), DEFAULT_FALLBACK_SPEED_KPH) for c in classes]
    speed = min(speeds) if speeds else DEFAULT_FALLBACK_SPEED_KPH
    limit = parse_maxspeed_kph(maxspeed)
    if limit is not None:
        speed = min(speed, limit)
    return speed


def road_class_of(highway: object) -> str:
    """One class name per edge (the first of a merged list), for the artifact."""
    if isinstance(highway, list):
        return str(highway[0]) if highway else "unknown"
    return str(highway) if highway is not None else "unknown"

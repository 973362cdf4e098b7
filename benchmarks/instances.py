"""Readers for VRPTW benchmark instances and their best-known solutions.

Two file formats are read into one in-memory form, ``VrptwInstance``:

- Solomon text (Solomon 1987, Gehring & Homberger 1999): a ``VEHICLE`` block and a
  ``CUSTOMER`` table whose row 0 is the depot.
- VRPLIB (CVRPLIB / PyVRP style): ``KEY : value`` headers and ``*_SECTION`` blocks.

Best-known values come from a ``.sol`` file beside the instance (VRPLIB / DIMACS convention:
distances truncated to one decimal) or from a ``bks.csv`` in the instance's folder (see
``benchmarks/data/solomon/README.md`` for its columns). Nothing here knows about the solver.
"""

from __future__ import annotations

import csv
import enum
import re
from dataclasses import dataclass
from pathlib import Path

import numpy as np


class CostConvention(enum.Enum):
    """How the distance of an edge is counted when comparing with a best-known value."""

    EXACT = "exact"  # unrounded Euclidean (Solomon / SINTEF tables)
    DIMACS = "dimacs"  # floor(10 * d) / 10 per edge (DIMACS challenge, CVRPLIB .sol files)


@dataclass(frozen=True)
class VrptwInstance:
    """A VRPTW instance in instance units. Index 0 is the depot, 1..n the customers.

    Customer ``k`` (index ``k``) is Solomon's ``CUST NO. k`` and VRPLIB's node ``k + 1``;
    route files number customers the same way (1..n), without the depot.
    """

    name: str
    path: Path | None
    fleet_size: int
    capacity: int
    x: np.ndarray  # float64 (n + 1,)
    y: np.ndarray
    demand: np.ndarray  # int64 (n + 1,); demand[0] == 0
    ready: np.ndarray  # float64 (n + 1,): earliest service start; ready[0] opens the depot
    due: np.ndarray  # latest service start; due[0] is the horizon (return by then)
    service: np.ndarray  # float64 (n + 1,); service[0] == 0

    @property
    def n_customers(self) -> int:
        return int(self.x.shape[0]) - 1

    def distances(self) -> np.ndarray:
        """Exact Euclidean distance matrix, float64 (n + 1, n + 1)."""
        dx = self.x[:, None] - self.x[None, :]
        dy = self.y[:, None] - self.y[None, :]
        return np.sqrt(dx * dx + dy * dy)


@dataclass(frozen=True)
class BestKnown:
    """A best-known total distance and where it came from."""

    distance: float
    convention: CostConvention
    source: str  # e.g. "R2_10_1.sol" or "bks.csv:distance_only_distance"
    vehicles: int | None = None
    routes: tuple[tuple[int, ...], ...] | None = None  # customer numbers, when a .sol has them


@dataclass(frozen=True)
class Solution:
    """A route file: customer numbers per route (depot omitted) and the stated cost."""

    routes: tuple[tuple[int, ...], ...]
    cost: float | None


# ---------------------------------------------------------------------------------------------
# Solomon text format


def read_solomon(path: str | Path) -> VrptwInstance:
    """Parse a Solomon-format file (also Gehring–Homberger ``.txt``)."""
    path = Path(path)
    lines = [line.strip() for line in path.read_text().splitlines()]
    lines = [line for line in lines if line]
    name = lines[0]
    upper = [line.upper() for line in lines]
    try:
        vehicle_at = upper.index("VEHICLE")
        customer_at = upper.index("CUSTOMER")
    except ValueError as exc:
        raise ValueError(f"{path}: not a Solomon-format file (VEHICLE/CUSTOMER missing)") from exc
    # The line after VEHICLE is the "NUMBER CAPACITY" header, then the two numbers.
    fleet_size, capacity = (int(v) for v in lines[vehicle_at + 2].split()[:2])
    rows = []
    for line in lines[customer_at + 1 :]:
        fields = line.split()
        if not fields or not _is_number(fields[0]):
            continue  # the column header
        if len(fields) < 7:
            raise ValueError(f"{path}: customer row with {len(fields)} fields: {line!r}")
        rows.append([float(v) for v in fields[:7]])
    table = np.asarray(rows, dtype=np.float64)
    if table.shape[0] < 2 or not np.array_equal(table[:, 0], np.arange(table.shape[0])):
        raise ValueError(f"{path}: customers must be numbered 0..n with the depot first")
    return VrptwInstance(
        name=name,
        path=path,
        fleet_size=fleet_size,
        capacity=capacity,
        x=table[:, 1].copy(),
        y=table[:, 2].copy(),
        demand=table[:, 3].astype(np.int64),
        ready=table[:, 4].copy(),
        due=table[:, 5].copy(),
        service=table[:, 6].copy(),
    )


def _is_number(text: str) -> bool:
    try:
        float(text)
    except ValueError:
        return False
    return True


# ---------------------------------------------------------------------------------------------
# VRPLIB format

_SECTION_RE = re.compile(r"^([A-Z_]+_SECTION)\s*$")


def read_vrplib(path: str | Path) -> VrptwInstance:
    """Parse a VRPLIB VRPTW file with ``EDGE_WEIGHT_TYPE : EUC_2D``.

    Edges are taken as unrounded Euclidean distances; the DIMACS truncation, when wanted, is
    applied by the evaluator so that one instance object serves both conventions.
    """
    path = Path(path)
    headers: dict[str, str] = {}
    sections: dict[str, list[list[str]]] = {}
    current: str | None = None
    for raw in path.read_text().splitlines():
        line = raw.strip()
        if not line or line == "EOF":
            continue
        match = _SECTION_RE.match(line)
        if match:
            current = match.group(1)
            sections[current] = []
        elif ":" in line and not _is_number(line.split(":")[0].strip()):
            key, _, value = line.partition(":")
            headers[key.strip().upper()] = value.strip()
            current = None
        elif current is not None:
            sections[current].append(line.split())
    weight_type = headers.get("EDGE_WEIGHT_TYPE", "EUC_2D").upper()
    if weight_type not in ("EUC_2D", "EXACT_2D", "FLOOR_2D"):
        raise ValueError(f"{path}: EDGE_WEIGHT_TYPE {weight_type} is not supported (EUC_2D only)")
    dimension = int(headers["DIMENSION"])
    coords = _node_table(sections, "NODE_COORD_SECTION", dimension, 2, path)
    demand = _node_table(sections, "DEMAND_SECTION", dimension, 1, path)[:, 0]
    windows = _node_table(sections, "TIME_WINDOW_SECTION", dimension, 2, path)
    if "SERVICE_TIME_SECTION" in sections:
        service = _node_table(sections, "SERVICE_TIME_SECTION", dimension, 1, path)[:, 0]
    else:
        # A scalar header applies to every customer, not to the depot.
        service = np.full(dimension, float(headers.get("SERVICE_TIME", "0")))
        service[0] = 0.0
    depots = [int(row[0]) for row in sections.get("DEPOT_SECTION", [["1"]]) if row[0] != "-1"]
    if depots != [1]:
        # Route files number customers relative to a depot at node 1; anything else would need
        # a renumbering that no instance we use requires.
        raise ValueError(f"{path}: only a single depot at node 1 is supported, got {depots}")
    if "VEHICLES" not in headers:
        raise ValueError(f"{path}: VEHICLES header missing (the fleet size is needed)")
    return VrptwInstance(
        name=headers.get("NAME", path.stem),
        path=path,
        fleet_size=int(headers["VEHICLES"]),
        capacity=int(float(headers["CAPACITY"])),
        x=coords[:, 0].copy(),
        y=coords[:, 1].copy(),
        demand=demand.astype(np.int64),
        ready=windows[:, 0].copy(),
        due=windows[:, 1].copy(),
        service=service.astype(np.float64),
    )


def _node_table(
    sections: dict[str, list[list[str]]], name: str, dimension: int, width: int, path: Path
) -> np.ndarray:
    """Rows ``node v1 .. v_width`` of a section as a float array indexed by ``node - 1``."""
    if name not in sections:
        raise ValueError(f"{path}: {name} missing")
    table = np.full((dimension, width), np.nan)
    for row in sections[name]:
        node = int(row[0])
        if not 1 <= node <= dimension or len(row) < width + 1:
            raise ValueError(f"{path}: bad {name} row {' '.join(row)!r}")
        table[node - 1] = [float(v) for v in row[1 : width + 1]]
    if np.isnan(table).any():
        raise ValueError(f"{path}: {name} does not cover all {dimension} nodes")
    return table


# ---------------------------------------------------------------------------------------------
# Solutions and best-known values

_ROUTE_RE = re.compile(r"^Route\s*#?\s*\d+\s*:(.*)$", re.IGNORECASE)


def read_solution(path: str | Path) -> Solution:
    """Parse a route file: ``Route #i: c1 c2 ...`` (VRPLIB) or ``Route i : ...`` (SINTEF).

    The cost is the ``Cost X`` line of VRPLIB files, ``None`` if there is none.
    """
    routes: list[tuple[int, ...]] = []
    cost: float | None = None
    for raw in Path(path).read_text().splitlines():
        line = raw.strip()
        match = _ROUTE_RE.match(line)
        if match:
            routes.append(tuple(int(v) for v in match.group(1).split()))
        elif line.lower().startswith("cost"):
            cost = float(line.split()[-1])
    return Solution(routes=tuple(routes), cost=cost)


def read_instance(path: str | Path) -> VrptwInstance:
    """Read either format; VRPLIB files are recognised by their ``.vrp`` suffix or headers."""
    path = Path(path)
    if path.suffix.lower() == ".vrp":
        return read_vrplib(path)
    head = path.read_text()[:2000].upper()
    if "NODE_COORD_SECTION" in head or re.search(r"^\s*DIMENSION\s*:", head, re.MULTILINE):
        return read_vrplib(path)
    return read_solomon(path)


def find_best_known(path: str | Path) -> BestKnown | None:
    """The best-known distance for the instance at ``path``, or ``None`` if none is on disk.

    Order of preference:
    1. ``<stem>.sol`` beside the instance with a ``Cost`` line (DIMACS convention);
    2. ``bks.csv`` in the folder or its parent (Gehring–Homberger keeps one table above its
       ``200/`` and ``1000/`` folders), row matched by instance name ignoring case, column
       ``distance_only_distance`` (Solomon: minimum distance with a free fleet, the objective
       the benchmark gives the solver), else ``dimacs_distance`` for ``.vrp`` files, else
       ``distance`` (SINTEF's hierarchical fewest-vehicles-first value: an upper bound on the
       distance-only optimum, so gaps against it are optimistic).
    """
    path = Path(path)
    sol_path = path.with_suffix(".sol")
    if sol_path.is_file():
        solution = read_solution(sol_path)
        if solution.cost is not None:
            return BestKnown(
                distance=solution.cost,
                convention=CostConvention.DIMACS,
                source=sol_path.name,
                vehicles=len(solution.routes) or None,
                routes=solution.routes or None,
            )
    row, csv_path = _bks_row(path)
    if row is None or csv_path is None:
        return None
    columns = [("distance_only_distance", "distance_only_vehicles", CostConvention.EXACT)]
    if path.suffix.lower() == ".vrp":
        columns.append(("dimacs_distance", "dimacs_vehicles", CostConvention.DIMACS))
    columns.append(("distance", "vehicles", CostConvention.EXACT))
    for distance_col, vehicles_col, convention in columns:
        value = (row.get(distance_col) or "").strip()
        if value:
            vehicles = (row.get(vehicles_col) or "").strip()
            return BestKnown(
                distance=float(value),
                convention=convention,
                source=f"{csv_path.name}:{distance_col}",
                vehicles=int(vehicles) if vehicles else None,
            )
    return None


def _bks_row(path: Path) -> tuple[dict[str, str] | None, Path | None]:
    for folder in (path.parent, path.parent.parent):
        csv_path = folder / "bks.csv"
        if not csv_path.is_file():
            continue
        with csv_path.open(newline="") as handle:
            for row in csv.DictReader(handle):
                if (row.get("instance") or "").strip().upper() == path.stem.upper():
                    return row, csv_path
    return None, None


def instance_paths(target: str | Path) -> list[Path]:
    """The instance files named by ``target``: the file itself, or a folder's .txt/.vrp files."""
    target = Path(target)
    if target.is_dir():
        found = [
            p
            for p in target.iterdir()
            if p.suffix.lower() in (".txt", ".vrp")
            and "license" not in p.name.lower()
            and p.name.lower() != "readme.txt"
        ]
        return sorted(found, key=_natural_key)
    if not target.is_file():
        raise FileNotFoundError(f"no instance file or folder at {target}")
    return [target]


def _natural_key(path: Path) -> tuple[object, ...]:
    # C101 < C102 < ... < R101 and rc1_2_1 < rc1_2_10, as people list them.
    return tuple(int(t) if t.isdigit() else t.upper() for t in re.split(r"(\d+)", path.stem))

"""Back into planning: where to keep engineers on standby, and what to stock there.

Standby positions solve a demand-weighted p-median over the cells (weights: failures per day;
candidates: the cell centres): choose ``count`` centres minimising the weighted great-circle
distance from each cell to its nearest centre. Greedy addition, then Teitz-Bart vertex
substitution until no swap improves (bounded rounds). Each position is a latitude/longitude,
i.e. an engineer start location (``Engineer.start_location``) for a what-if ``SolveRequest``.

Parts: per position's area (the cells nearest to it), the fault codes expected in one shift
(area failures per day x shift hours / 24 x the code's share there). Fault codes stand in for
parts until the service knows which parts a fault needs.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

EARTH_RADIUS_M = 6_371_000.0
MAX_CANDIDATES = 3_000  # p-median candidates (the busiest cells); keeps the matrix under 100 MB
MAX_SWAP_ROUNDS = 20


@dataclass(frozen=True)
class StockItem:
    fault_code: str
    expected_per_shift: float


@dataclass(frozen=True)
class StandbyPosition:
    latitude_deg: float
    longitude_deg: float
    cell: str
    demand_per_day: float  # failures per day in the cells nearest to this position
    mean_distance_m: float  # demand-weighted great-circle distance from those cells
    stock: tuple[StockItem, ...]


def distances_m(lat1, lng1, lat2, lng2) -> np.ndarray:
    """Great-circle (haversine) distances between every point of 1 and every point of 2."""
    p1, p2 = np.radians(np.asarray(lat1))[:, None], np.radians(np.asarray(lat2))[None, :]
    dl = np.radians(np.asarray(lng2))[None, :] - np.radians(np.asarray(lng1))[:, None]
    a = np.sin((p2 - p1) / 2) ** 2 + np.cos(p1) * np.cos(p2) * np.sin(dl / 2) ** 2
    return 2 * EARTH_RADIUS_M * np.arcsin(np.sqrt(np.clip(a, 0.0, 1.0)))


def p_median(d: np.ndarray, weight: np.ndarray, count: int) -> list[int]:
    """Indices (columns of ``d``: cells x candidates) of ``count`` centres."""
    count = min(count, d.shape[1])
    chosen: list[int] = []
    nearest = np.full(d.shape[0], np.inf)
    for _ in range(count):
        cost = (weight[:, None] * np.minimum(nearest[:, None], d)).sum(axis=0)
        cost[chosen] = np.inf
        best = int(np.argmin(cost))
        chosen.append(best)
        nearest = np.minimum(nearest, d[:, best])
    total = float((weight * nearest).sum())
    for _ in range(MAX_SWAP_ROUNDS):
        improved = False
        for slot in range(len(chosen)):
            others = [c for k, c in enumerate(chosen) if k != slot]
            base = d[:, others].min(axis=1) if others else np.full(d.shape[0], np.inf)
            cost = (weight[:, None] * np.minimum(base[:, None], d)).sum(axis=0)
            cost[others] = np.inf
            best = int(np.argmin(cost))
            if cost[best] < total - 1e-9:
                chosen[slot], total, improved = best, float(cost[best]), True
        if not improved:
            break
    return chosen


def suggest(
    cell_ids: list[str], lat_deg: np.ndarray, lng_deg: np.ndarray, demand_per_day: np.ndarray,
    fault_counts: dict[str, dict[str, int]], count: int, shift_hours: float, stock_items: int = 5,
) -> list[StandbyPosition]:
    """``fault_counts``: per cell, failures by fault code over the history."""
    if count <= 0 or len(cell_ids) == 0:
        return []
    candidates = np.argsort(-demand_per_day, kind="stable")[:MAX_CANDIDATES]
    d = distances_m(lat_deg, lng_deg, lat_deg[candidates], lng_deg[candidates])
    centres = [int(candidates[j]) for j in p_median(d, demand_per_day, count)]
    d_centres = distances_m(lat_deg, lng_deg, lat_deg[centres], lng_deg[centres])
    area = d_centres.argmin(axis=1)
    out = []
    for k, c in enumerate(centres):
        members = np.flatnonzero(area == k)
        w = demand_per_day[members]
        demand = float(w.sum())
        mean_d = float((w * d_centres[members, k]).sum() / demand) if demand > 0 else 0.0
        codes: dict[str, int] = {}
        for m in members:
            for code, n in fault_counts.get(cell_ids[m], {}).items():
                codes[code] = codes.get(code, 0) + n
        total = sum(codes.values())
        top = sorted(codes.items(), key=lambda kv: (-kv[1], kv[0]))[:stock_items]
        per_shift = demand * shift_hours / 24.0
        stock = tuple(StockItem(code, per_shift * n / total) for code, n in top) if total else ()
        out.append(StandbyPosition(float(lat_deg[c]), float(lng_deg[c]), cell_ids[c], demand, mean_d, stock))
    return out

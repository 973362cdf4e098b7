"""High-risk areas: failures on Uber's H3 hexagonal grid, and hotspots by Getis-Ord Gi*.

Each failure falls in one H3 cell at the caller's resolution (8: cells of about 0.74 km², edge
about 460 m). Per cell: demand per day, SLA breach rate, mean and p90 response, repeat-failure
rate. Hotspots come from PySAL's local Getis-Ord Gi* (``esda.G_Local`` with ``star=True`` on
binary first-ring H3 contiguity from ``libpysal``). p-values are two-sided, from the normal
approximation of Gi* (``2 * p_norm``; Getis and Ord's z, as in ArcGIS's Hot Spot Analysis):
esda's permutation inference costs a numba compilation of about 30 s in every fresh process, and
its 999 permutations cannot give p-values small enough to survive the multiple-testing cut over
hundreds of cells. A cell is hot or cold when its p-value passes the Benjamini-Hochberg
false-discovery-rate cut (``esda.fdr``) at ``alpha``. The lattice is the set of cells with at
least one failure.
"""

from __future__ import annotations

import warnings
from dataclasses import dataclass

import h3
import numpy as np
import pandas as pd

HOTSPOT_VARIABLES = ("demand_per_day", "sla_breaches_per_day", "repeat_failures_per_day")
MIN_CELLS_FOR_GI = 5  # below this a local statistic says nothing


@dataclass(frozen=True)
class CellStat:
    cell: str  # H3 index (hex string)
    latitude_deg: float  # cell centre
    longitude_deg: float
    failures: int
    demand_per_day: float
    sla_breach_rate: float | None  # of failures with a deadline
    response_mean_s: float | None
    response_p90_s: float | None
    repeat_rate: float
    gi_z: float | None  # Gi* z-score of the hotspot variable (None: too few cells)
    gi_p: float | None  # its two-sided p-value
    hotspot: str  # "hot", "cold" or "" (not significant)


def cells_of(lat_deg: np.ndarray, lng_deg: np.ndarray, resolution: int) -> np.ndarray:
    """H3 cells (64-bit ints) of points; each distinct point is indexed once (sites repeat)."""
    # Micro-degree keys (about 0.1 m) to find repeated sites cheaply before the per-point h3 call.
    key = np.round(lat_deg * 1e6).astype(np.int64) * 400_000_000 + np.round(lng_deg * 1e6).astype(np.int64)
    codes, uniques = pd.factorize(key)
    first = np.zeros(uniques.size, dtype=np.int64)
    first[codes[::-1]] = np.arange(codes.size)[::-1]  # the first record of each distinct site
    lat_u, lng_u = lat_deg[first].tolist(), lng_deg[first].tolist()
    to_cell = h3.api.basic_int.latlng_to_cell
    cells_u = np.fromiter((to_cell(a, b, resolution) for a, b in zip(lat_u, lng_u)), dtype=np.uint64, count=len(lat_u))
    return cells_u[codes]


def cell_stats(
    failures: pd.DataFrame, cells: np.ndarray, days: float, hotspot_variable: str, alpha: float,
) -> list[CellStat]:
    """``failures``: response_s, breach (1/0/NaN), repeat; ``cells``: each failure's cell."""
    if failures.empty:
        return []
    frame = pd.DataFrame(
        {"cell": cells, "response": failures["response_s"].to_numpy(), "breach": failures["breach"].to_numpy(),
         "repeat": failures["repeat"].to_numpy().astype(float)}
    )
    g = frame.groupby("cell", sort=True)
    table = g.agg(
        failures=("repeat", "size"), repeat_rate=("repeat", "mean"), repeats=("repeat", "sum"), breach_rate=("breach", "mean"),
        breaches=("breach", "sum"), response_mean=("response", "mean"),
    )
    table["response_p90"] = g["response"].quantile(0.9)
    days = max(days, 1.0)
    table["demand_per_day"] = table["failures"] / days
    table["sla_breaches_per_day"] = table["breaches"] / days
    table["repeat_failures_per_day"] = table["repeats"] / days
    ids = [h3.int_to_str(int(c)) for c in table.index]
    z, p, kind = gi_star(ids, table[hotspot_variable].to_numpy(dtype=float), alpha)
    out = []
    for i, (cell, row) in enumerate(zip(ids, table.itertuples(index=False))):
        lat, lng = h3.cell_to_latlng(cell)
        out.append(
            CellStat(
                cell=cell, latitude_deg=lat, longitude_deg=lng, failures=int(row.failures), demand_per_day=float(row.demand_per_day),
                sla_breach_rate=_opt(row.breach_rate), response_mean_s=_opt(row.response_mean), response_p90_s=_opt(row.response_p90),
                repeat_rate=float(row.repeat_rate), gi_z=_opt(z[i]) if z is not None else None,
                gi_p=_opt(p[i]) if p is not None else None, hotspot=kind[i],
            )
        )
    return out


def gi_star(cells: list[str], y: np.ndarray, alpha: float):
    """Gi* z-scores, two-sided p-values and "hot"/"cold"/"" per cell (FDR-controlled)."""
    if len(cells) < MIN_CELLS_FOR_GI or np.allclose(y, y[0]):
        return None, None, [""] * len(cells)
    from esda import fdr
    from esda.getisord import G_Local
    from libpysal.weights import W

    index = {c: i for i, c in enumerate(cells)}
    neighbours = {c: [n for n in h3.grid_ring(c, 1) if n in index] for c in cells}
    with warnings.catch_warnings():
        # Islands (cells with no occupied neighbour) are legitimate here; libpysal warns about
        # them, and the test suite turns warnings into errors.
        warnings.simplefilter("ignore")
        w = W(neighbours, id_order=cells, silence_warnings=True)
        stat = G_Local(y, w, transform="B", permutations=0, star=True)
    z = np.asarray(stat.Zs, dtype=float)
    p = np.minimum(1.0, 2.0 * np.asarray(stat.p_norm, dtype=float))
    cut = fdr(p, alpha)
    kind = np.where(p <= cut, np.where(z > 0, "hot", "cold"), "")
    return z, p, kind.tolist()


def _opt(v) -> float | None:
    return None if v is None or pd.isna(v) else float(v)

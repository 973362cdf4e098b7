"""The travel-time provider interface: the one seam between coordinates and the solver."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Protocol

import numpy as np


@dataclass(frozen=True)
class TravelResult:
    """Travel between every ordered pair of points, ``[from, to]``.

    ``duration_s`` and ``distance_m`` are int64 arrays of shape (n, n) with a zero diagonal.
    ``snap_distance_m`` (float64, n) is how far each point lies from where travel starts (0 for
    great-circle); ``unroutable`` (bool, n) marks points the provider could not place, whose rows
    and columns hold no meaningful value.
    """

    duration_s: np.ndarray
    distance_m: np.ndarray
    snap_distance_m: np.ndarray
    unroutable: np.ndarray


class TravelProvider(Protocol):
    """Computes travel matrices for points given as degrees (WGS84)."""

    def matrices(self, lat_deg: np.ndarray, lng_deg: np.ndarray) -> TravelResult: ...

"""Where the travel matrices' rows and columns come from.

Layout: order ``i`` is location ``i``; then each engineer's start location, then its end
location if it has one. Keeping the layout in one place lets the service build matrices and the
solver read them without either knowing how the other works.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from solver.model import Problem


@dataclass(frozen=True)
class Locations:
    lat_deg: np.ndarray  # float64 (n,)
    lng_deg: np.ndarray
    start_index: np.ndarray  # int64 (engineers,): location of each engineer's start
    end_index: np.ndarray  # int64 (engineers,): location of its end, -1 for none

    @property
    def size(self) -> int:
        return int(self.lat_deg.shape[0])

    @classmethod
    def of(cls, problem: Problem) -> Locations:
        lat = [o.location.lat for o in problem.orders]
        lng = [o.location.lng for o in problem.orders]
        starts, ends = [], []
        for engineer in problem.engineers:
            starts.append(len(lat))
            lat.append(engineer.start_location.lat)
            lng.append(engineer.start_location.lng)
            if engineer.end_location is None:
                ends.append(-1)
            else:
                ends.append(len(lat))
                lat.append(engineer.end_location.lat)
                lng.append(engineer.end_location.lng)
        return cls(
            lat_deg=np.asarray(lat, dtype=np.float64),
            lng_deg=np.asarray(lng, dtype=np.float64),
            start_index=np.asarray(starts, dtype=np.int64),
            end_index=np.asarray(ends, dtype=np.int64),
        )

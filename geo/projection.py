"""The one place where (lat, lng) degrees become planar metres (x = east from lng, y = north from lat).

A local equirectangular projection around the map's centre: at city/region scale (tens of km)
its scale error is well under 1 %, which is plenty for snapping and cutting polylines, and it
needs no pyproj on the request path.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from geo.great_circle import EARTH_RADIUS_M


@dataclass(frozen=True)
class LocalProjection:
    lat0_deg: float
    lng0_deg: float

    @classmethod
    def centred_on(cls, lat_deg: np.ndarray, lng_deg: np.ndarray) -> LocalProjection:
        return cls(
            lat0_deg=float((np.min(lat_deg) + np.max(lat_deg)) / 2.0),
            lng0_deg=float((np.min(lng_deg) + np.max(lng_deg)) / 2.0),
        )

    @property
    def _m_per_deg_lat(self) -> float:
        return EARTH_RADIUS_M * np.pi / 180.0

    @property
    def _m_per_deg_lng(self) -> float:
        return self._m_per_deg_lat * float(np.cos(np.radians(self.lat0_deg)))

    def to_xy_m(self, lat_deg: np.ndarray, lng_deg: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        """(x_m, y_m): x from longitude, y from latitude."""
        lat = np.asarray(lat_deg, dtype=np.float64)
        lng = np.asarray(lng_deg, dtype=np.float64)
        return (lng - self.lng0_deg) * self._m_per_deg_lng, (lat - self.lat0_deg) * self._m_per_deg_lat

    def to_lat_lng_deg(self, x_m: np.ndarray, y_m: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        """Inverse of `to_xy_m`: (lat_deg, lng_deg)."""
        return (
            np.asarray(y_m) / self._m_per_deg_lat + self.lat0_deg,
            np.asarray(x_m) / self._m_per_deg_lng + self.lng0_deg,
        )

"""Engineer service areas (territories) as GeoJSON (Multi)Polygons; which points lie inside.

The one geo module that imports shapely. A point on a territory's boundary counts as inside
(a customer on the border street can be served from either side).
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence

import numpy as np
import shapely
from shapely.geometry import shape


def territory_geometry(geojson: Mapping) -> shapely.Geometry:
    """A shapely (Multi)Polygon from a GeoJSON geometry or Feature; raises ValueError."""
    geometry = geojson.get("geometry") if geojson.get("type") == "Feature" else geojson
    if not isinstance(geometry, Mapping) or geometry.get("type") not in ("Polygon", "MultiPolygon"):
        raise ValueError("a territory must be a GeoJSON Polygon or MultiPolygon (or a Feature of one)")
    try:
        geom = shape(geometry)
    except (ValueError, TypeError, AttributeError, IndexError) as exc:
        raise ValueError(f"invalid territory geometry: {exc}") from exc
    if geom.is_empty:
        raise ValueError("territory geometry is empty")
    if not geom.is_valid:  # e.g. a self-intersecting ring drawn by hand
        geom = shapely.make_valid(geom)
    return geom


def inside_matrix(
    territories: Sequence[Mapping], lat_deg: np.ndarray, lng_deg: np.ndarray
) -> np.ndarray:
    """bool (len(territories), n): point j lies inside (or on the edge of) territory i."""
    lat = np.asarray(lat_deg, dtype=np.float64)
    lng = np.asarray(lng_deg, dtype=np.float64)
    out = np.zeros((len(territories), lat.size), dtype=bool)
    for i, territory in enumerate(territories):
        geom = territory_geometry(territory)
        shapely.prepare(geom)
        # GeoJSON and shapely use x = longitude, y = latitude.
        out[i] = shapely.intersects_xy(geom, lng, lat)
    return out

"""Google's encoded polyline algorithm (precision 5 by default) and GeoJSON LineStrings."""

from __future__ import annotations

import numpy as np


def _encode_value(v: int, out: list[str]) -> None:
    v = ~(v << 1) if v < 0 else v << 1
    while v >= 0x20:
        out.append(chr((0x20 | (v & 0x1F)) + 63))
        v >>= 5
    out.append(chr(v + 63))


def encode_polyline(lat_deg, lng_deg, precision: int = 5) -> str:
    """Encode (lat, lng) degrees; about 60 bytes per km of road at precision 5."""
    factor = 10**precision
    lat_i = np.rint(np.asarray(lat_deg, dtype=np.float64) * factor).astype(np.int64)
    lng_i = np.rint(np.asarray(lng_deg, dtype=np.float64) * factor).astype(np.int64)
    d_lat = np.diff(lat_i, prepend=0)
    d_lng = np.diff(lng_i, prepend=0)
    out: list[str] = []
    for a, b in zip(d_lat.tolist(), d_lng.tolist()):
        _encode_value(a, out)
        _encode_value(b, out)
    return "".join(out)


def decode_polyline(encoded: str, precision: int = 5) -> tuple[np.ndarray, np.ndarray]:
    """Inverse of `encode_polyline`: (lat_deg, lng_deg)."""
    values: list[int] = []
    shift = result = 0
    for ch in encoded:
        b = ord(ch) - 63
        if b < 0 or b > 0x3F:
            raise ValueError(f"invalid polyline character {ch!r}")
        result |= (b & 0x1F) << shift
        shift += 5
        if b < 0x20:
            values.append(~(result >> 1) if result & 1 else result >> 1)
            shift = result = 0
    if shift or len(values) % 2:
        raise ValueError("truncated polyline")
    coords = np.cumsum(np.asarray(values, dtype=np.int64).reshape(-1, 2), axis=0) / 10**precision
    return coords[:, 0], coords[:, 1]


def geojson_linestring(lat_deg, lng_deg) -> dict:
    """GeoJSON LineString; note GeoJSON's [lng, lat] order."""
    return {
        "type": "LineString",
        "coordinates": [[float(x), float(y)] for y, x in zip(lat_deg, lng_deg)],
    }

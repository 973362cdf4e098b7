import numpy as np
import pytest

from geo.polyline import decode_polyline, encode_polyline, geojson_linestring
from geo.territories import inside_matrix


def test_polyline_matches_googles_documented_example():
    lat = [38.5, 40.7, 43.252]
    lng = [-120.2, -120.95, -126.453]
    assert encode_polyline(lat, lng) == "_p~iF~ps|U_ulLnnqC_mqNvxq`@"


def test_polyline_round_trip_keeps_five_decimals():
    rng = np.random.default_rng(3)
    lat = rng.uniform(-80, 80, 200)
    lng = rng.uniform(-179, 179, 200)
    back_lat, back_lng = decode_polyline(encode_polyline(lat, lng))
    assert np.max(np.abs(back_lat - lat)) <= 0.5e-5 + 1e-12
    assert np.max(np.abs(back_lng - lng)) <= 0.5e-5 + 1e-12


def test_truncated_polyline_is_rejected():
    with pytest.raises(ValueError):
        decode_polyline("_p~iF~ps|U_ulL")


def test_geojson_linestring_is_lng_lat():
    assert geojson_linestring([47.1, 47.2], [9.5, 9.6]) == {
        "type": "LineString",
        "coordinates": [[9.5, 47.1], [9.6, 47.2]],
    }


SQUARE = {"type": "Polygon", "coordinates": [[[9.5, 47.1], [9.6, 47.1], [9.6, 47.2], [9.5, 47.2], [9.5, 47.1]]]}
TWO_SQUARES = {
    "type": "Feature",
    "properties": {"engineer": "e2"},
    "geometry": {
        "type": "MultiPolygon",
        "coordinates": [
            [[[0, 0], [1, 0], [1, 1], [0, 1], [0, 0]]],
            [[[9.57, 47.155], [9.7, 47.155], [9.7, 47.3], [9.57, 47.3], [9.57, 47.155]]],
        ],
    },
}


def test_inside_matrix_polygon_multipolygon_and_boundary():
    lat = np.array([47.15, 47.25, 47.16, 0.5, 47.1])
    lng = np.array([9.55, 9.55, 9.58, 0.5, 9.55])  # inside, outside, both, far square, boundary
    inside = inside_matrix([SQUARE, TWO_SQUARES], lat, lng)
    assert inside.shape == (2, 5)
    assert inside[0].tolist() == [True, False, True, False, True]
    assert inside[1].tolist() == [False, False, True, True, False]


def test_territory_must_be_a_polygon():
    with pytest.raises(ValueError):
        inside_matrix([{"type": "Point", "coordinates": [9.5, 47.1]}], np.array([47.1]), np.array([9.5]))

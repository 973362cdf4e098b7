"""The default travel model: great-circle distance × detour ÷ speed, in integers."""

from __future__ import annotations

import numpy as np
import pytest

from geo import GreatCircleProvider, haversine_m


def test_haversine_matches_a_known_distance():
    """Porto (São Bento) to Lisbon (Rossio) is about 274 km as the crow flies."""
    d = haversine_m(np.array(41.1456), np.array(-8.6106), np.array(38.7139), np.array(-9.1394))
    assert d == pytest.approx(274_000, rel=0.01)


def test_one_degree_of_latitude_is_111_km():
    assert haversine_m(np.array(0.0), np.array(0.0), np.array(1.0), np.array(0.0)) == pytest.approx(111_195, abs=5)


def test_matrices_apply_detour_and_speed():
    lat = np.array([0.0, 1.0, 0.0])
    lng = np.array([0.0, 0.0, 1.0])
    result = GreatCircleProvider(speed_kmh=36.0, detour_factor=1.5).matrices(lat, lng)
    assert result.distance_m.dtype == np.int64 and result.duration_s.dtype == np.int64
    assert result.distance_m[0, 1] == pytest.approx(1.5 * 111_195, abs=10)
    assert result.duration_s[0, 1] == pytest.approx(1.5 * 111_195 / 10.0, abs=2)  # 36 km/h = 10 m/s
    assert np.array_equal(result.distance_m, result.distance_m.T)
    assert not result.distance_m.diagonal().any() and not result.unroutable.any()


@pytest.mark.parametrize("speed,detour", [(0.0, 1.3), (-5.0, 1.3), (float("nan"), 1.3), (40.0, 0.9)])
def test_bad_parameters_are_refused(speed, detour):
    with pytest.raises(ValueError):
        GreatCircleProvider(speed_kmh=speed, detour_factor=detour)

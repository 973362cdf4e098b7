"""Road-graph artifacts built once per test session from the OSM extracts in tests/data/osm."""

from __future__ import annotations

from pathlib import Path

import pytest

from geo.mapbuild import build_map
from geo.road_network import RoadNetwork

OSM_DIR = Path(__file__).resolve().parents[1] / "data" / "osm"
OAKLAND_OSM = OSM_DIR / "West-Oakland.osm.bz2"
LIECHTENSTEIN_OSM = OSM_DIR / "liechtenstein-2015-07-27_highways.osm.bz2"


@pytest.fixture(scope="session")
def map_dir(tmp_path_factory) -> Path:
    return tmp_path_factory.mktemp("maps")


@pytest.fixture(scope="session")
def oakland_map(map_dir) -> Path:
    path = map_dir / "oakland.npz"
    build_map(OAKLAND_OSM, path)
    return path


@pytest.fixture(scope="session")
def liechtenstein_map(map_dir) -> Path:
    path = map_dir / "liechtenstein.npz"
    build_map(LIECHTENSTEIN_OSM, path)
    return path


@pytest.fixture(scope="session")
def li_network(liechtenstein_map) -> RoadNetwork:
    return RoadNetwork.load(liechtenstein_map)

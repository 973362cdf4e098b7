import json
import subprocess
import sys
from pathlib import Path

import numpy as np
from scipy.sparse import coo_matrix
from scipy.sparse.csgraph import connected_components

from geo.mapbuild import build_map, filter_drivable_to_xml, main
from geo.road_classes import DEFAULT_SPEED_TABLE_KPH, DRIVABLE_HIGHWAY_CLASSES, parse_maxspeed_kph
from geo.road_graph import RoadGraph

from .conftest import OAKLAND_OSM


def test_artifact_is_one_strong_component_of_drivable_unique_edges(liechtenstein_map):
    g = RoadGraph.load(liechtenstein_map)
    assert g.node_count > 1000 and g.edge_count > 2000
    adj = coo_matrix((np.ones(g.edge_count), (g.edge_tail, g.edge_head)), shape=(g.node_count,) * 2)
    assert connected_components(adj, directed=True, connection="strong")[0] == 1
    pairs = g.edge_tail.astype(np.int64) * g.node_count + g.edge_head
    assert np.unique(pairs).size == g.edge_count  # csr_matrix would sum duplicates
    assert not np.any(g.edge_tail == g.edge_head)
    classes = set(np.array(g.meta["road_classes"])[g.edge_class])
    assert classes <= DRIVABLE_HIGHWAY_CLASSES and "residential" in classes
    # One-way streets exist and two-way streets are paired with their reverse edge.
    rev = g.edge_reverse
    assert np.any(rev < 0) and np.any(rev >= 0)
    paired = np.flatnonzero(rev >= 0)
    assert np.all(rev[rev[paired]] == paired)
    assert np.all(g.edge_tail[rev[paired]] == g.edge_head[paired])


def test_speeds_come_from_the_table(liechtenstein_map):
    g = RoadGraph.load(liechtenstein_map)
    names = np.array(g.meta["road_classes"])[g.edge_class]
    living = names == "living_street"
    assert living.any()
    assert np.all(g.edge_speed_kph[living] <= DEFAULT_SPEED_TABLE_KPH["living_street"])
    np.testing.assert_allclose(g.edge_time_s, g.edge_length_m / (g.edge_speed_kph / 3.6), rtol=1e-5)


def test_custom_speed_table_changes_travel_times(tmp_path, oakland_map):
    speeds = tmp_path / "speeds.json"
    speeds.write_text(json.dumps({"residential": 15, "unclassified": 15, "secondary": 15}))
    assert main([str(OAKLAND_OSM), "-o", str(tmp_path / "slow.npz"), "--speeds", str(speeds)]) == 0
    slow, default = RoadGraph.load(tmp_path / "slow.npz"), RoadGraph.load(oakland_map)
    assert np.all(slow.edge_speed_kph == 15)
    assert slow.edge_count == default.edge_count
    assert np.all(slow.edge_time_s > default.edge_time_s)


def test_cli_reports_a_bad_extract(tmp_path, capsys):
    missing = tmp_path / "nope.osm"
    assert main([str(missing), "-o", str(tmp_path / "x.npz")]) == 1
    assert "map build failed" in capsys.readouterr().err


def test_clipped_extract_splits_ways_at_missing_nodes(tmp_path):
    osm = tmp_path / "clipped.osm"
    osm.write_text(
        '<?xml version="1.0"?><osm version="0.6">'
        '<node id="1" lat="47.10" lon="9.50"/><node id="2" lat="47.101" lon="9.50"/>'
        '<node id="4" lat="47.103" lon="9.50"/><node id="5" lat="47.104" lon="9.50"/>'
        '<way id="10"><nd ref="1"/><nd ref="2"/><nd ref="3"/><nd ref="4"/><nd ref="5"/>'
        '<tag k="highway" v="residential"/></way>'
        '<way id="11"><nd ref="1"/><nd ref="5"/><tag k="building" v="yes"/></way>'
        '<way id="12"><nd ref="1"/><nd ref="4"/><tag k="highway" v="footway"/></way>'
        "</osm>"
    )
    out = tmp_path / "drivable.osm"
    stats = filter_drivable_to_xml(osm, out)
    assert stats["missing_node_refs"] == 1 and stats["way_splits"] == 1 and stats["ways_kept"] == 2
    text = out.read_text()
    assert 'v="footway"' not in text and "building" not in text
    assert '<nd ref="2"/><nd ref="4"/>' not in text  # not bridged across the missing node


def test_maxspeed_parsing():
    assert parse_maxspeed_kph("50") == 50
    assert abs(parse_maxspeed_kph("30 mph") - 48.28) < 0.01
    assert parse_maxspeed_kph("PT:urban") is None
    assert parse_maxspeed_kph(["50", "30"]) == 30


def test_query_modules_do_not_import_osmnx_or_shapely():
    code = (
        "import sys, geo.road_network, geo.road_graph, geo.snapping;"
        "bad = [m for m in ('osmnx', 'geopandas', 'shapely', 'osmium') if m in sys.modules];"
        "assert not bad, bad"
    )
    root = Path(__file__).resolve().parents[2]
    subprocess.run([sys.executable, "-c", code], check=True, cwd=root)

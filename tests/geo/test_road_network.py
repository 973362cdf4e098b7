import numpy as np
import pytest
from scipy.sparse import csr_matrix
from scipy.sparse.csgraph import dijkstra

from geo.great_circle import haversine_m
from geo.polyline import decode_polyline
from geo.provider import TravelResult
from geo.road_network import RoadNetwork, RoadNetworkProvider, UnroutablePointError


def random_points(network: RoadNetwork, n: int, seed: int, jitter_deg: float = 2e-4):
    """Points near random nodes (so they snap within a few tens of metres)."""
    g = network.graph
    rng = np.random.default_rng(seed)
    i = rng.integers(0, g.node_count, n)
    return (
        g.node_lat_deg[i] + rng.normal(0, jitter_deg, n),
        g.node_lng_deg[i] + rng.normal(0, jitter_deg, n),
    )


def point_on_edge(network: RoadNetwork, edge: int, fraction: float):
    """A point at `fraction` along an edge's polyline (by projected length)."""
    x, y = network.index.edge_sub_polyline_xy(edge, 0.0, fraction)
    lat, lng = network.projection.to_lat_lng_deg(x[-1], y[-1])
    return float(lat), float(lng)


def reference_packed(network: RoadNetwork, lat, lng) -> np.ndarray:
    """Independent reference: every point becomes a source node and a target node joined to
    the edge endpoints by the partial edges; scipy Dijkstra on the same packed weights."""
    g, w = network.graph, network.weights
    snaps = network.snap(lat, lng)
    opts = network.point_options(snaps)
    n, big_n = len(lat), g.node_count
    tails, heads, weights = [g.edge_tail], [g.edge_head], [w.edge_packed]
    for p in range(n):
        out_node, in_node = big_n + p, big_n + n + p
        for k in range(2):
            if opts.src_nodes[p, k] >= 0:
                tails.append([out_node]); heads.append([opts.src_nodes[p, k]]); weights.append([opts.src_offsets[p, k]])
            if opts.tgt_nodes[p, k] >= 0:
                tails.append([opts.tgt_nodes[p, k]]); heads.append([in_node]); weights.append([opts.tgt_offsets[p, k]])
        for q in range(n):  # straight along a shared street
            if q != p and opts.street[p] == opts.street[q]:
                d = network._direct_same_street(opts, np.array([p]), np.array([q]))[0]
                if d < 2**50:
                    tails.append([out_node]); heads.append([big_n + n + q]); weights.append([d])
    size = big_n + 2 * n
    t, h, wt = (np.concatenate([np.asarray(a, dtype=np.int64) for a in x]) for x in (tails, heads, weights))
    # Parallel point edges may repeat a (tail, head) pair: keep the minimum, never the sum.
    order = np.lexsort((wt, h, t))
    t, h, wt = t[order], h[order], wt[order]
    first = np.ones(t.size, dtype=bool)
    first[1:] = (t[1:] != t[:-1]) | (h[1:] != h[:-1])
    wt = np.maximum(wt[first], 1)  # explicit zeros vanish in csgraph; a 0-unit offset becomes 1
    adj = csr_matrix((wt.astype(np.float64), (t[first], h[first])), shape=(size, size))
    dist = dijkstra(adj, indices=np.arange(big_n, big_n + n))[:, big_n + n :]
    np.fill_diagonal(dist, 0)
    return dist


def test_matrices_equal_a_scipy_reference(li_network):
    lat, lng = random_points(li_network, 40, seed=1)
    lat[1], lng[1] = lat[0] + 2e-6, lng[0] + 2e-6  # two points on one street
    result = li_network.matrices(lat, lng)
    assert not result.unroutable.any()
    ref_t, ref_d = li_network.weights.unpack(reference_packed(li_network, lat, lng).astype(np.int64))
    # Reference rounds 0-unit offsets up to 1 unit (0.1 s), hence the 1 s tolerance.
    assert np.max(np.abs(result.duration_s - ref_t)) <= 1
    mismatch = np.abs(result.distance_m - ref_d) > 10
    assert mismatch.mean() < 0.01


def test_times_match_float_edge_times(li_network):
    """Packing into integer units barely changes travel times (exact float Dijkstra)."""
    g = li_network.graph
    nodes = np.random.default_rng(2).choice(g.node_count, 30, replace=False)
    lat, lng = g.node_lat_deg[nodes], g.node_lng_deg[nodes]
    adj = csr_matrix((g.edge_time_s, (g.edge_tail, g.edge_head)), shape=(g.node_count,) * 2)
    exact = dijkstra(adj, indices=nodes)[:, nodes]
    result = li_network.matrices(lat, lng)
    assert np.all(np.abs(result.duration_s - exact) <= 2 + 0.01 * exact)


def test_engines_agree(liechtenstein_map, li_network):
    lat, lng = random_points(li_network, 25, seed=4)
    scipy_net = RoadNetwork.load(liechtenstein_map, engine="scipy")
    a, b = li_network.matrices(lat, lng), scipy_net.matrices(lat, lng)
    np.testing.assert_array_equal(a.duration_s, b.duration_s)
    np.testing.assert_array_equal(a.distance_m, b.distance_m)


def test_one_way_street_is_asymmetric(li_network):
    g = li_network.graph
    one_way = np.flatnonzero((g.edge_reverse < 0) & (g.edge_length_m > 200))
    assert one_way.size
    e = int(one_way[np.argmax(g.edge_length_m[one_way])])
    a, b = point_on_edge(li_network, e, 0.25), point_on_edge(li_network, e, 0.75)
    r = li_network.matrices(np.array([a[0], b[0]]), np.array([a[1], b[1]]))
    along_s = 0.5 * g.edge_time_s[e]
    assert abs(r.duration_s[0, 1] - along_s) <= 1.0
    assert abs(r.distance_m[0, 1] - 0.5 * g.edge_length_m[e]) <= 0.02 * g.edge_length_m[e] + 5
    assert r.duration_s[1, 0] > r.duration_s[0, 1] + 5  # must go round the block


def test_two_way_street_is_driven_straight_both_ways(li_network):
    g = li_network.graph
    two_way = np.flatnonzero((g.edge_reverse >= 0) & (g.edge_length_m > 200))
    e = int(two_way[0])
    a, b = point_on_edge(li_network, e, 0.3), point_on_edge(li_network, e, 0.6)
    r = li_network.matrices(np.array([a[0], b[0]]), np.array([a[1], b[1]]))
    expected_s = 0.3 * g.edge_time_s[e]
    assert abs(r.duration_s[0, 1] - expected_s) <= 1.0
    assert abs(r.duration_s[1, 0] - 0.3 * g.edge_time_s[g.edge_reverse[e]]) <= 1.0


def test_snapping_reports_distance_to_the_road(li_network):
    g = li_network.graph
    e = int(np.argmax(g.edge_length_m))
    lat, lng = point_on_edge(li_network, e, 0.5)
    snap = li_network.snap(np.array([lat, lat + 0.0003]), np.array([lng, lng]))
    assert snap.snap_distance_m[0] < 0.5
    assert 0.0 < snap.snap_distance_m[1] <= 0.0003 * 111_195 + 1
    # The reported distance is the distance to the snapped position.
    measured = haversine_m(np.array([lat + 0.0003]), np.array([lng]), snap.lat_deg[1:], snap.lng_deg[1:])
    assert abs(measured[0] - snap.snap_distance_m[1]) <= 0.01 * measured[0] + 0.1
    # Exhaustive check: no road vertex is closer than the snapped position.
    vx = haversine_m(lat + 0.0003, lng, g.geom_lat_deg, g.geom_lng_deg)
    assert snap.snap_distance_m[1] <= vx.min() + 0.5


def test_far_and_invalid_points_are_unroutable_not_errors(li_network):
    lat, lng = random_points(li_network, 6, seed=5)
    base = li_network.matrices(lat, lng)
    lat2 = np.append(lat, [47.6, np.nan])  # 35 km north of the map; missing coordinate
    lng2 = np.append(lng, [9.5, 9.5])
    provider = RoadNetworkProvider(li_network, max_snap_distance_m=500)
    r = provider.matrices(lat2, lng2)
    assert isinstance(r, TravelResult)
    assert r.unroutable.tolist() == [False] * 6 + [True, True]
    assert r.snap_distance_m[6] > 30_000 and np.isnan(r.snap_distance_m[7])
    np.testing.assert_array_equal(r.duration_s[:6, :6], base.duration_s)
    assert not r.duration_s[6:].any() and not r.duration_s[:, 6:].any()
    tight = RoadNetworkProvider(li_network, max_snap_distance_m=1e-3).matrices(lat, lng)
    assert tight.unroutable.all()


def test_result_shape_and_types(li_network):
    lat, lng = random_points(li_network, 10, seed=6)
    r = RoadNetworkProvider(li_network).matrices(lat, lng)
    assert r.duration_s.dtype == np.int64 and r.distance_m.dtype == np.int64
    assert r.duration_s.shape == r.distance_m.shape == (10, 10)
    assert not np.diag(r.duration_s).any() and not np.diag(r.distance_m).any()
    off = ~np.eye(10, dtype=bool)
    assert np.all(r.duration_s[off] > 0) and np.all(r.distance_m[off] > 0)


def test_extend_matrix_equals_full_recompute(li_network):
    lat, lng = random_points(li_network, 12, seed=7)
    lat[11], lng[11] = lat[3] + 3e-6, lng[3]  # the new point shares a street with point 3
    provider = RoadNetworkProvider(li_network)
    prev = provider.matrices(lat[:11], lng[:11])
    extended = provider.extend_matrix(prev, lat[:11], lng[:11], lat[11], lng[11])
    full = provider.matrices(lat, lng)
    np.testing.assert_array_equal(extended.duration_s, full.duration_s)
    np.testing.assert_array_equal(extended.distance_m, full.distance_m)
    np.testing.assert_array_equal(extended.unroutable, full.unroutable)


def test_route_geometry_matches_the_matrix(li_network):
    lat, lng = random_points(li_network, 2, seed=8)
    r = li_network.matrices(lat, lng)
    route = li_network.route(lat[0], lng[0], lat[1], lng[1])
    assert route.duration_s == r.duration_s[0, 1] and route.distance_m == r.distance_m[0, 1]
    seg_m = haversine_m(route.lat_deg[:-1], route.lng_deg[:-1], route.lat_deg[1:], route.lng_deg[1:]).sum()
    assert abs(seg_m - route.distance_m) <= 0.02 * route.distance_m + 10
    back_lat, back_lng = decode_polyline(route.encoded_polyline())
    assert np.max(np.abs(back_lat - route.lat_deg)) <= 1e-5
    coords = route.geojson()["coordinates"]
    assert coords[0] == [route.lng_deg[0], route.lat_deg[0]] and len(coords) == route.lat_deg.size
    with pytest.raises(UnroutablePointError):
        li_network.route(lat[0], lng[0], 47.6, 9.5)


def test_oakland_map_builds_and_routes(oakland_map):
    net = RoadNetwork.load(oakland_map, engine="scipy")
    lat, lng = random_points(net, 8, seed=9, jitter_deg=1e-4)
    r = net.matrices(lat, lng)
    assert not r.unroutable.any() and r.duration_s[~np.eye(8, dtype=bool)].min() >= 0


def test_a_rectangle_equals_the_block_of_the_full_matrix(li_network):
    """ComputeMatrix asks for origins x destinations only: the same numbers as that block of the
    full matrix, including two points on one street and an unroutable destination."""
    lat, lng = random_points(li_network, 30, seed=4)
    lat[8], lng[8] = lat[2] + 2e-6, lng[2] + 2e-6  # a destination on an origin's street
    lat, lng = np.append(lat, 47.3769), np.append(lng, 8.5417)  # Zürich: off this map
    full = li_network.matrices(lat, lng)
    rect = li_network.rectangle(lat, lng, 5)
    assert rect.duration_s.shape == (5, 26)
    assert np.array_equal(rect.unroutable, full.unroutable) and rect.unroutable[-1]
    ok = ~full.unroutable[5:]
    assert np.array_equal(rect.duration_s[:, ok], full.duration_s[:5, 5:][:, ok])
    assert np.array_equal(rect.distance_m[:, ok], full.distance_m[:5, 5:][:, ok])

"""The service on a real road network (Liechtenstein, built from the OSM extract in the repo)."""

from __future__ import annotations

import json

import grpc
import numpy as np
import pytest
from google.protobuf import json_format

from dispatch_service.api.v1 import dispatch_pb2 as pb
from dispatch_service.api.v1 import dispatch_pb2_grpc as pb_grpc
from dispatch_service.errors import field_violations
from geo.polyline import decode_polyline
from tests.builders import at
from tests.conftest import start_server
from tests.plan_checks import assert_plan_obeys_hard_rules

# Places on Liechtenstein's road network (nodes of the map, so they snap exactly).
VADUZ = (47.13335, 9.52211)
SCHAAN = (47.15701, 9.50833)
TRIESEN = (47.12274, 9.51927)
ESCHEN = (47.21065, 9.50066)
NENDELN = (47.18639, 9.54383)
ZURICH = (47.3769, 8.5417)  # far from any road of this map


@pytest.fixture(scope="module")
def map_server(liechtenstein_map):
    server = start_server(workers=1, queue_size=4, maps=(("li", str(liechtenstein_map)),))
    yield server
    server.stop(grace_s=0.5)


@pytest.fixture(scope="module")
def map_stub(map_server):
    with grpc.insecure_channel(f"127.0.0.1:{map_server.port}") as channel:
        yield pb_grpc.DispatchServiceStub(channel)


def _ll(p):
    return {"latitude": p[0], "longitude": p[1]}


def _request(orders, engineers, **options):
    body = {
        "label": "li",
        "orders": orders,
        "engineers": engineers,
        "options": {"travelModel": {"roadNetwork": {"mapId": "li"}}, "timeLimit": "10s", **options},
    }
    return json_format.ParseDict(body, pb.SolveRequest())


def _order(id_, p, **extra):
    return {"id": id_, "location": _ll(p), "serviceDuration": "900s", **extra}


def _engineer(id_, p, **extra):
    return {"id": id_, "startLocation": _ll(p), "endLocation": _ll(p), "shifts": [{"startTime": at(0), "endTime": at(480)}], **extra}


def test_solve_on_the_road_network_uses_road_times_and_returns_geometry(map_stub, li_network):
    req = _request(
        [_order("schaan", SCHAAN), _order("triesen", TRIESEN), _order("eschen", ESCHEN)],
        [_engineer("e", VADUZ)],
        geometryFormat="GEOMETRY_FORMAT_ENCODED_POLYLINE",
    )
    response = map_stub.Solve(req, timeout=60)
    assert_plan_obeys_hard_rules(req, response)
    (route,) = response.routes
    assert len(route.visits) == 3
    # Each leg's time is the map's shortest time between the two places.
    points = [VADUZ] + [{"schaan": SCHAAN, "triesen": TRIESEN, "eschen": ESCHEN}[v.order_id] for v in route.visits]
    lat = np.array([p[0] for p in points])
    lng = np.array([p[1] for p in points])
    m = li_network.matrices(lat, lng)
    for k, visit in enumerate(route.visits):
        assert visit.travel_duration.seconds == m.duration_s[k, k + 1]
        assert visit.travel_distance_meters == m.distance_m[k, k + 1]
        path_lat, path_lng = decode_polyline(visit.leg_geometry)
        assert len(path_lat) >= 2
        assert path_lat[0] == pytest.approx(points[k][0], abs=1e-3) and path_lat[-1] == pytest.approx(points[k + 1][0], abs=1e-3)
    assert route.end_leg_geometry


def test_an_order_off_the_map_is_unroutable_not_an_error(map_stub):
    req = _request([_order("zurich", ZURICH), _order("schaan", SCHAAN)], [_engineer("e", VADUZ)])
    response = map_stub.Solve(req, timeout=60)
    assert {u.order_id: u.reason for u in response.unassigned_orders} == {"zurich": pb.UNROUTABLE}
    assert [v.order_id for v in response.routes[0].visits] == ["schaan"]


def test_an_unknown_map_is_invalid_argument(map_stub):
    req = _request([_order("a", SCHAAN)], [_engineer("e", VADUZ)])
    req.options.travel_model.road_network.map_id = "atlantis"
    with pytest.raises(grpc.RpcError) as info:
        map_stub.Solve(req, timeout=30)
    assert info.value.code() == grpc.StatusCode.INVALID_ARGUMENT
    assert "options.travel_model.road_network.map_id" in dict(field_violations(info.value))


SOUTH = {"type": "Polygon", "coordinates": [[[9.45, 47.05], [9.65, 47.05], [9.65, 47.145], [9.45, 47.145], [9.45, 47.05]]]}


def test_hard_territories_keep_engineers_inside_and_explain_the_rest(map_stub):
    """The only engineer works the south; the northern order is outside every territory."""
    territory = {"geojson": json.dumps(SOUTH), "mode": "TERRITORY_MODE_HARD"}
    req = _request([_order("triesen", TRIESEN), _order("eschen", ESCHEN)], [_engineer("south", VADUZ, territory=territory)])
    response = map_stub.Solve(req, timeout=60)
    assert [v.order_id for v in response.routes[0].visits] == ["triesen"]
    (u,) = response.unassigned_orders
    assert (u.order_id, u.reason) == ("eschen", pb.OUTSIDE_TERRITORY)


def test_soft_territories_cost_but_allow(map_stub):
    territory = {"geojson": json.dumps(SOUTH), "mode": "TERRITORY_MODE_SOFT", "outsideCost": 7}
    req = _request([_order("eschen", ESCHEN)], [_engineer("south", VADUZ, territory=territory)])
    response = map_stub.Solve(req, timeout=60)
    assert [v.order_id for v in response.routes[0].visits] == ["eschen"]
    assert response.stats.objective_breakdown.territory == pytest.approx(7.0)


def test_a_broken_territory_is_invalid_argument(map_stub):
    territory = {"geojson": '{"type": "Point", "coordinates": [9.5, 47.1]}'}
    req = _request([_order("a", SCHAAN)], [_engineer("e", VADUZ, territory=territory)])
    with pytest.raises(grpc.RpcError) as info:
        map_stub.Solve(req, timeout=30)
    assert "engineers[0].territory.geojson" in dict(field_violations(info.value))


def test_compute_matrix_matches_the_map_and_is_asymmetric(map_stub, li_network):
    places = [VADUZ, SCHAAN, TRIESEN, ESCHEN, NENDELN]
    req = pb.ComputeMatrixRequest(travel_model=pb.TravelModel(road_network=pb.RoadNetwork(map_id="li")))
    for p in places:
        req.origins.add(latitude=p[0], longitude=p[1])
        req.destinations.add(latitude=p[0], longitude=p[1])
    req.destinations.add(latitude=ZURICH[0], longitude=ZURICH[1])
    response = map_stub.ComputeMatrix(req, timeout=30)
    n = len(places)
    durations = np.array(response.durations_seconds).reshape(n, n + 1)
    expected = li_network.matrices(np.array([p[0] for p in places]), np.array([p[1] for p in places]))
    assert np.array_equal(durations[:, :n], expected.duration_s)
    assert (durations[:, n] == -1).all() and list(response.destination_unroutable) == [False] * n + [True]
    assert not np.array_equal(durations[:, :n], durations[:, :n].T), "one-way streets make times asymmetric"


def test_estimate_arrival(map_stub, li_network):
    req = pb.EstimateArrivalRequest(
        travel_model=pb.TravelModel(road_network=pb.RoadNetwork(map_id="li")),
        geometry_format=pb.GEOMETRY_FORMAT_GEOJSON, speed_factor=0.5,
    )
    req.origin.latitude, req.origin.longitude = VADUZ
    req.destination.latitude, req.destination.longitude = ESCHEN
    req.departure_time.FromJsonString(at(0))
    response = map_stub.EstimateArrival(req, timeout=30)
    m = li_network.matrices(np.array([VADUZ[0], ESCHEN[0]]), np.array([VADUZ[1], ESCHEN[1]]))
    assert response.routable
    assert response.travel_duration.seconds == 2 * m.duration_s[0, 1]  # half the speed
    assert response.arrival_time.seconds - req.departure_time.seconds == response.travel_duration.seconds
    assert json.loads(response.geometry)["type"] == "LineString"
    req.destination.latitude, req.destination.longitude = ZURICH
    assert not map_stub.EstimateArrival(req, timeout=30).routable


def test_breaks_on_road_times_still_give_a_plan(map_stub, li_network):
    """60 orders and lunch breaks on asymmetric road times: a plan that keeps every rule."""
    g = li_network.graph
    rng = np.random.default_rng(3)
    nodes = rng.choice(g.node_lat_deg.size, 64, replace=False)
    points = [(float(g.node_lat_deg[i]), float(g.node_lng_deg[i])) for i in nodes]
    engineers = []
    for k in range(4):
        e = _engineer(f"e{k}", points[60 + k])
        e["shifts"][0]["breaks"] = [{"earliestStartTime": at(240), "latestStartTime": at(300), "duration": "1800s"}]
        engineers.append(e)
    req = _request([_order(f"o{k}", points[k]) for k in range(60)], engineers, timeLimit="4s")
    response = map_stub.Solve(req, timeout=60)
    assert_plan_obeys_hard_rules(req, response)
    assert response.stats.status != pb.NO_SOLUTION
    assert response.kpis.orders_served >= 40

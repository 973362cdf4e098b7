"""Regions of a large request (dispatch_service/regions.py) and the region-by-region solve on the
default back-end (dispatch_service/regional.py, in this process): balanced, complete, and the
plan obeys every hard rule."""

from __future__ import annotations

import json
from dataclasses import replace

import numpy as np

from benchmarks.synthetic import make_problem
from dispatch_service import regional, regions
from dispatch_service.convert import plan_to_response, problem_to_request
from dispatch_service.travel import inside_territory
from solver.model import SearchMode, Territory
from tests.plan_checks import assert_plan_obeys_hard_rules


def test_regions_cover_every_order_and_engineer_once_and_are_balanced() -> None:
    problem = make_problem(2300, seed=3)
    parts = regions.partition(problem, 500)
    assert len(parts) == 5
    orders = np.concatenate([r.orders for r in parts])
    engineers = np.concatenate([r.engineers for r in parts])
    assert sorted(orders.tolist()) == list(range(2300))
    assert sorted(engineers.tolist()) == list(range(230))
    assert max(r.orders.size for r in parts) - min(r.orders.size for r in parts) <= 1
    # Engineers follow the orders: about one per ten orders in every region.
    assert all(abs(r.engineers.size - r.orders.size / 10) <= 1 for r in parts)


def test_regions_are_compact_cuts_of_the_map() -> None:
    """Bisection: two halves of the orders do not overlap along the cut."""
    problem = make_problem(1000, seed=4)
    left, right = regions.partition(problem, 500)
    lng = np.array([o.location.lng for o in problem.orders])
    lat = np.array([o.location.lat for o in problem.orders])
    coord = lng if np.ptp(lng) * np.cos(np.radians(lat.mean())) > np.ptp(lat) else lat
    assert coord[left.orders].max() <= coord[right.orders].min() or coord[right.orders].max() <= coord[left.orders].min()


def test_small_requests_are_one_region() -> None:
    problem = make_problem(300, seed=1)
    (only,) = regions.partition(problem, 500)
    assert only.orders.size == 300 and only.engineers.size == 30


def test_orders_with_required_engineers_go_to_their_region() -> None:
    problem = make_problem(1000, seed=5)
    first = regions.partition(problem, 500)
    engineer = problem.engineers[int(first[1].engineers[0])].id
    moved = int(first[0].orders[0])
    orders = list(problem.orders)
    orders[moved] = replace(orders[moved], required_engineer_ids=(engineer,))
    parts = regions.partition(replace(problem, orders=tuple(orders)), 500)
    assert moved in parts[1].orders and moved not in parts[0].orders


def _square(lat0: float, lng0: float, side: float) -> str:
    ring = [[lng0, lat0], [lng0 + side, lat0], [lng0 + side, lat0 + side], [lng0, lat0 + side], [lng0, lat0]]
    return json.dumps({"type": "Polygon", "coordinates": [ring]})


def test_territories_are_regions_when_every_engineer_has_one() -> None:
    """West and east halves of the city as two territories: orders go to the one holding them."""
    problem = make_problem(400, seed=6)
    west, east = _square(41.0, -8.80, 0.4), _square(41.0, -8.625, 0.4)
    engineers = tuple(replace(e, territory=Territory(west if e.start_location.lng < -8.625 else east))
                      for e in problem.engineers)
    problem = replace(problem, engineers=engineers)
    parts = regions.partition(problem, 300, inside_territory(problem))
    assert len(parts) >= 2
    lng = np.array([o.location.lng for o in problem.orders])
    for part in parts:
        crews = {problem.engineers[int(j)].territory.geojson for j in part.engineers}
        assert len(crews) == 1
        if crews == {west}:
            assert (lng[part.orders] < -8.625).all()


def test_a_request_solved_region_by_region_obeys_every_hard_rule() -> None:
    """Three regions solved one after the other in this process, then seam rounds; the plan
    accounts for every order and keeps windows, skills, breaks and shifts."""
    problem = make_problem(600, seed=7, time_limit_s=8.0)
    problem = replace(problem, options=replace(problem.options, search_mode=SearchMode.CONSUME_ALL_TIME))
    report = regional.Report()
    seen = []
    plan = regional.solve(problem, regional.InProcess(), region_orders=200, report=report, on_progress=seen.append)
    assert report.regions == 3 and report.rounds >= 1
    assert seen and seen[0].stats.objective >= plan.stats.objective  # the first plan, then only better ones
    assert all(b.stats.objective < a.stats.objective for a, b in zip(seen, seen[1:]))
    assert plan.kpis.orders_served > 0.7 * 600  # the synthetic day overloads its engineers a little
    request = problem_to_request(problem)
    assert_plan_obeys_hard_rules(request, plan_to_response(plan, problem.options.time_limit_s))
    # The merged objective is the sum of the regions' terms, and equals the routes' own costs.
    assert abs(plan.stats.breakdown.travel - sum(r.cost for r in plan.routes)) < 1e-6 * max(1.0, plan.stats.breakdown.travel)


def test_the_server_splits_large_requests_with_region_orders_on_the_local_backend() -> None:
    """``--region-orders`` on the default back-end: regions one after the other in the solve's
    worker process, through the real server and stub."""
    import grpc

    from dispatch_service.api.v1 import dispatch_pb2_grpc as pb_grpc
    from tests.conftest import start_server

    problem = make_problem(360, seed=8, time_limit_s=5.0)
    request = problem_to_request(replace(problem, options=replace(problem.options, search_mode=SearchMode.CONSUME_ALL_TIME)))
    server = start_server(workers=1, queue_size=1, region_orders=120)
    try:
        with grpc.insecure_channel(f"127.0.0.1:{server.port}") as channel:
            response = pb_grpc.DispatchServiceStub(channel).Solve(request, timeout=60)
    finally:
        server.stop(grace_s=1.0)
    assert_plan_obeys_hard_rules(request, response)
    assert response.kpis.orders_served > 0.7 * 360


def test_follow_ups_stay_with_their_first_visit() -> None:
    from solver.model import FollowUp

    problem = make_problem(1000, seed=9)
    first = regions.partition(problem, 500)
    a, b = int(first[0].orders[0]), int(first[1].orders[0])
    orders = list(problem.orders)
    orders[b] = replace(orders[b], follow_up=FollowUp(previous_order_id=orders[a].id, min_delay_s=0, max_delay_s=86400))
    parts = regions.partition(replace(problem, orders=tuple(orders)), 500)
    assert a in parts[0].orders and b in parts[0].orders

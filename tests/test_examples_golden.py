"""Golden plans for the requests in ``examples/``: solved through the real server with a
solution limit and a fixed seed, and compared with the plan recorded in ``tests/data/golden/``.

Deterministic by construction: OR-Tools' large-neighbourhood operators have a time limit of
their own, so past its first solution a search depends on the machine's speed. The search
stops at the first solution: our construction read back by OR-Tools (from 50 orders) or
OR-Tools' own first solution, then timed and priced by the rule book and converted.

A change that moves these plans must say so: regenerate with
``UPDATE_GOLDEN=1 ./scripts/test tests/test_examples_golden.py`` and commit the new files, so
the diff shows what moved (routes, objective, unassigned orders).
"""

from __future__ import annotations

import json
import os
from pathlib import Path

import pytest
from google.protobuf import json_format

from dispatch_service.api.v1 import dispatch_pb2 as pb

ROOT = Path(__file__).resolve().parents[1]
# Multi-day examples are checked by their rules instead (``test_service_week_example_keeps_every_rule``):
# OR-Tools' restore of the start plan under a solution limit of 1 failed in 1 to 2 of 4 runs on
# the five-day week (ROUTING_FAIL, the construction's plan standing instead), so its first plan is
# not reproducible.
MULTI_DAY = {"service-week.json"}
EXAMPLES = sorted(p for p in (ROOT / "examples").glob("*.json") if p.name not in MULTI_DAY)
GOLDEN = ROOT / "tests" / "data" / "golden"


def _summary(response: pb.SolveResponse) -> dict:
    return {
        "routes": [
            {"engineer": r.engineer_id, "shift": r.shift_index, "orders": [v.order_id for v in r.visits],
             "start": r.start_time.seconds, "end": r.end_time.seconds}
            for r in response.routes if r.visits
        ],
        "unassigned": sorted((u.order_id, pb.UnassignedReason.Name(u.reason)) for u in response.unassigned_orders),
        "objective": round(response.stats.objective, 6),
        "served": response.kpis.orders_served,
    }


@pytest.mark.parametrize("path", EXAMPLES, ids=[p.name for p in EXAMPLES])
def test_example_plan_matches_its_golden_file(stub, path: Path) -> None:
    request = json_format.Parse(path.read_text(), pb.SolveRequest())
    request.options.solution_limit = 1
    request.options.random_seed = 7
    request.options.search_mode = pb.SEARCH_MODE_RETURN_FAST
    request.options.time_limit.seconds = 120  # the solution limit ends the search, not the clock
    response = stub.Solve(request, timeout=300)
    assert response.stats.status == pb.SOLUTION_LIMIT
    got = _summary(response)
    golden = GOLDEN / f"{path.stem}.json"
    if os.environ.get("UPDATE_GOLDEN"):
        golden.write_text(json.dumps(got, indent=1) + "\n")
    expected = json.loads(golden.read_text())
    expected["unassigned"] = [tuple(u) for u in expected["unassigned"]]
    assert got == expected


def test_service_week_example_keeps_every_rule(stub) -> None:
    """The service week (five days, follow-ups, parts, rest, weekly hours, fairness, overtime)
    solves within its limit, keeps every rule by the independent checker, and reports its
    service KPIs."""
    from tests.plan_checks import assert_plan_obeys_hard_rules

    request = json_format.Parse((ROOT / "examples" / "service-week.json").read_text(), pb.SolveRequest())
    request.options.time_limit.seconds = 4
    response = stub.Solve(request, timeout=120)
    assert_plan_obeys_hard_rules(request, response)
    k = response.kpis
    assert k.orders_served >= 0.9 * k.orders_total
    assert k.follow_ups_due > 0 and k.follow_ups_planned_in_window > 0
    assert 0 < k.expected_first_time_fix_rate <= 1 and 0 < k.fairness_index <= 1
    assert k.shortest_rest.seconds >= 11 * 3600

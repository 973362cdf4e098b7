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
EXAMPLES = sorted((ROOT / "examples").glob("*.json"))
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

"""The ``dispatch`` command line against the real server."""

from __future__ import annotations

import json
import pathlib
import subprocess
import sys

import pytest
from google.protobuf import json_format

from dispatch_service.api.v1 import dispatch_pb2 as pb

ROOT = pathlib.Path(__file__).resolve().parent.parent
EXAMPLES = ROOT / "examples"


def dispatch(*args: str) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-m", "dispatch_service", *args], capture_output=True, text=True, timeout=120, cwd=ROOT)


def test_solve_prints_routes_unassigned_and_kpis(server):
    result = dispatch("solve", str(EXAMPLES / "small.json"), "--server", f"127.0.0.1:{server.port}")
    assert result.returncode == 0, result.stderr
    out = result.stdout
    for text in ("ana (shift 0)", "WO-1001", "Unassigned (1)", "WO-1006", "NO_QUALIFIED_ENGINEER", "KPIs", "on time (SLA)"):
        assert text in out


def test_solve_json_is_the_raw_response(server):
    result = dispatch("solve", str(EXAMPLES / "small.json"), "--server", f"127.0.0.1:{server.port}", "--json")
    assert result.returncode == 0, result.stderr
    response = json_format.Parse(result.stdout, pb.SolveResponse())
    assert response.label.startswith("small example")
    assert response.kpis.orders_total == 6


def test_malformed_json_is_a_clear_error(tmp_path, server):
    bad = tmp_path / "bad.json"
    bad.write_text('{"orders": [')
    result = dispatch("solve", str(bad), "--server", f"127.0.0.1:{server.port}")
    assert result.returncode == 2
    assert "not valid JSON" in result.stderr


def test_json_that_is_not_a_request_is_a_clear_error(tmp_path, server):
    bad = tmp_path / "bad.json"
    bad.write_text(json.dumps({"orders": [{"idd": "x"}]}))
    result = dispatch("solve", str(bad), "--server", f"127.0.0.1:{server.port}")
    assert result.returncode == 2
    assert "not a SolveRequest" in result.stderr and "idd" in result.stderr


def test_undecodable_bytes_are_a_clear_error(tmp_path, server):
    bad = tmp_path / "bad.json"
    bad.write_bytes(b"\xff\xfe\x00garbage")
    result = dispatch("solve", str(bad), "--server", f"127.0.0.1:{server.port}")
    assert result.returncode == 2
    assert "cannot read" in result.stderr


def test_invalid_request_prints_each_field(tmp_path, server):
    body = json.loads((EXAMPLES / "small.json").read_text())
    body["orders"][2]["location"]["latitude"] = 123
    path = tmp_path / "invalid.json"
    path.write_text(json.dumps(body))
    result = dispatch("solve", str(path), "--server", f"127.0.0.1:{server.port}")
    assert result.returncode == 1
    assert "INVALID_ARGUMENT" in result.stderr and "orders[2].location.latitude" in result.stderr


def test_examples_are_valid_requests(stub):
    """Every example in examples/ passes validation as it is shipped."""
    for path in sorted(EXAMPLES.glob("*.json")):
        request = json_format.Parse(path.read_text(), pb.SolveRequest())
        request.validate_only = True
        assert stub.Solve(request, timeout=30).stats.status == pb.VALIDATED, path.name


def test_porto_day_is_the_size_the_readme_promises():
    request = json_format.Parse((EXAMPLES / "porto-day.json").read_text(), pb.SolveRequest())
    assert len(request.orders) == 200 and len(request.engineers) == 20
    assert {s.name for o in request.orders for s in o.required_skills} == {"electrical", "hvac", "plumbing"}
    assert all(o.sla_deadline.seconds - o.create_time.seconds == 4 * 3600 for o in request.orders)


def test_slots_prints_the_graded_slots_and_why_not(server):
    """``dispatch slots`` on the README's example: kept slots with grade and engineer, the
    blacked-out afternoon of day 2 as slots that cannot be kept."""
    result = dispatch("slots", str(EXAMPLES / "booking" / "request.json"), str(EXAMPLES / "booking" / "order.json"), "--server", f"127.0.0.1:{server.port}")
    assert result.returncode == 0, result.stderr
    out = result.stdout
    for text in ("Order CALL-1: 5 slots offered", "grade", "ana", "cannot be kept: blackout"):
        assert text in out, out


def test_slots_reserve_and_json(server):
    """``--reserve --json``: the raw response with the reserved slot and the resulting plan."""
    result = dispatch("slots", str(EXAMPLES / "booking" / "request.json"), str(EXAMPLES / "booking" / "order.json"), "--server",
                      f"127.0.0.1:{server.port}", "--reserve", "--json")
    assert result.returncode == 0, result.stderr
    response = json_format.Parse(result.stdout, pb.RecommendSlotsResponse())
    assert response.orders[0].HasField("reserved_slot")
    assert "CALL-1" in {oid for r in response.routes for oid in r.order_ids}


@pytest.mark.parametrize("command", [["serve"], ["console"], ["solve"], ["demo"], ["whatif"], ["slots"], ["analyze"], ["map"], ["map", "build"]],
                         ids=lambda c: " ".join(c))
@pytest.mark.parametrize("flag", ["-h", "--help"])
def test_every_subcommand_answers_help(command, flag, capsys) -> None:
    """``dispatch … -h`` and ``--help`` print the subcommand's usage and exit 0 (``whatif -h`` and
    ``map build -h`` used to fail with "unrecognized arguments")."""
    from dispatch_service.cli import main

    with pytest.raises(SystemExit) as info:
        main([*command, flag])
    assert info.value.code == 0
    assert "usage: dispatch " + " ".join(command) in capsys.readouterr().out

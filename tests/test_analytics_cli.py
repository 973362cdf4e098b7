"""``dispatch analyze``: locally and through a server, the same report, errors at file lines."""

from __future__ import annotations

import json

import pytest

from dispatch_service.analytics import records
from dispatch_service.analytics.generator import GeneratorConfig, generate
from dispatch_service.cli import main


@pytest.fixture(scope="module")
def history_csv(tmp_path_factory):
    """A CSV with a value that does not parse (line 3) and a record breaking a rule (line 10)."""
    frame, _ = generate(GeneratorConfig(records=4_000, seed=17))
    frame = frame.copy()
    frame.loc[8, "closed_s"] = frame.loc[8, "created_s"] - 3_600  # line 10: closed before created
    path = tmp_path_factory.mktemp("cli") / "history.csv"
    records.write_file(frame, path)
    lines = path.read_text().splitlines()
    cells = lines[2].split(",")
    cells[2] = "east-ish"  # longitude of line 3
    lines[2] = ",".join(cells)
    path.write_text("\n".join(lines) + "\n")
    return path


def _run(tmp_path, history_csv, *extra, capsys):
    out, js = tmp_path / "report.html", tmp_path / "analysis.json"
    code = main(["analyze", str(history_csv), "-o", str(out), "--json", str(js), "--standby", "3", *extra])
    err = capsys.readouterr().err
    return code, out, json.loads(js.read_text()), err


def test_local_analysis_writes_report_json_and_names_bad_lines(tmp_path, history_csv, capsys):
    code, out, data, err = _run(tmp_path, history_csv, capsys=capsys)
    assert code == 0
    assert out.read_text().startswith("<!DOCTYPE html>") and "history.csv" in out.read_text()
    assert data["summary"]["records_received"] == 4_000 and data["summary"]["records_rejected"] == 2
    assert "line 3: longitude: must be a number of degrees" in err
    assert "line 10: closed_time: must not be before completed_time (or created_time)" in err
    assert len(data["standby"]) == 3


def test_server_analysis_gives_the_same_answer_with_file_lines(tmp_path, history_csv, capsys, server):
    """Through AnalyzeHistory the unparsable record stays home, the server's error is mapped back
    to its file line and column name, and the analysis equals the local one."""
    _, _, local, _ = _run(tmp_path, history_csv, capsys=capsys)
    code, _, remote, err = _run(tmp_path, history_csv, "--server", f"127.0.0.1:{server.port}", "--batch-size", "700", capsys=capsys)
    assert code == 0, err
    assert "line 3: longitude: must be a number of degrees" in err
    assert "line 10: closed_time: must not be before completed_time (or created_time)" in err
    assert remote["summary"] == local["summary"]
    assert remote["errors"] == local["errors"]
    assert remote["error_counts"] == local["error_counts"]
    assert remote["faults"] == local["faults"]
    assert remote["models"] == local["models"]
    assert [c["cell"] for c in remote["cells"]] == [c["cell"] for c in local["cells"]]
    assert remote["standby"] == local["standby"]


def test_unusable_file_and_bad_options_exit_2(tmp_path, capsys):
    bad = tmp_path / "h.xlsx"
    bad.write_text("x")
    assert main(["analyze", str(bad), "-o", str(tmp_path / "r.html")]) == 2
    assert "unknown history format" in capsys.readouterr().err
    good = tmp_path / "h.csv"
    good.write_text("order_id,latitude,longitude,fault_code,created_time\nA,41,-8,E1,2025-01-01T00:00:00Z\n")
    assert main(["analyze", str(good), "-o", str(tmp_path / "r.html"), "--h3-resolution", "11"]) == 2
    assert "--h3-resolution: must be in [0, 10]" in capsys.readouterr().err


def test_server_down_is_exit_1(tmp_path, history_csv, capsys):
    code = main(["analyze", str(history_csv), "-o", str(tmp_path / "r.html"), "--server", "127.0.0.1:1", "--timeout", "5"])
    assert code == 1
    assert "UNAVAILABLE" in capsys.readouterr().err


def test_report_names_rejected_records_by_csv_line(tmp_path, history_csv, capsys):
    _, out, _, _ = _run(tmp_path, history_csv, capsys=capsys)
    assert "<li>line 3: longitude must be a number of degrees</li>" in out.read_text()


def test_server_with_tokens_needs_one(tmp_path, history_csv, capsys):
    from tests.conftest import start_server

    server = start_server(workers=1, auth_tokens=("s3cret",))
    try:
        address = f"127.0.0.1:{server.port}"
        code = main(["analyze", str(history_csv), "-o", str(tmp_path / "r.html"), "--server", address])
        assert code == 1 and "UNAUTHENTICATED" in capsys.readouterr().err
        code = main(["analyze", str(history_csv), "-o", str(tmp_path / "r.html"), "--server", address, "--token", "s3cret"])
        assert code == 0, capsys.readouterr().err
    finally:
        server.stop(grace_s=1.0)


def test_standby_positions_go_into_a_what_if_request(tmp_path, history_csv, capsys, stub):
    """--standby-request writes the SolveRequest with its engineers at the standby positions; the
    server accepts it."""
    from dispatch_service import client
    from dispatch_service.api.v1 import dispatch_pb2 as pb

    out = tmp_path / "whatif.json"
    code, _, data, err = _run(tmp_path, history_csv, "--standby-request", "examples/small.json", str(out), capsys=capsys)
    assert code == 0, err
    request = client.load_request(out)
    original = client.load_request("examples/small.json")
    placed = min(len(original.engineers), len(data["standby"]))
    assert placed > 0 and f"{placed} engineer(s)" in err
    for engineer, position in zip(request.engineers, data["standby"]):
        assert (engineer.start_location.latitude, engineer.start_location.longitude) == (position["latitude_deg"], position["longitude_deg"])
    assert [e.id for e in request.engineers] == [e.id for e in original.engineers]
    request.validate_only = True
    assert stub.Solve(request, timeout=30).stats.status == pb.VALIDATED

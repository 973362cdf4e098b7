"""`dispatch whatif`: a scenario file in, a report with a KPI table and route maps out."""

from __future__ import annotations

import json

from google.protobuf import json_format

from dispatch_service import cli
from dispatch_service.whatif import load
from tests.test_realtime_scenarios import base_request

SCENARIOS = """
base: base.json
options: {timeLimit: 2s}
scenarios:
  - name: no east
    remove_engineer_ids: [east]
  - name: More orders
    orderScale: 1.5
  - name: SLA 1 h
    sla_hours: 1
"""


def _files(tmp_path):
    (tmp_path / "base.json").write_text(json.dumps(json_format.MessageToDict(base_request())))
    (tmp_path / "s.yaml").write_text(SCENARIOS)
    return tmp_path / "s.yaml"


def test_the_scenario_file_becomes_a_compare_request(tmp_path):
    request = load(_files(tmp_path))
    assert request.include_plans and len(request.base.orders) == 4
    assert request.base.options.time_limit.seconds == 2
    assert [s.name for s in request.scenarios] == ["no east", "More orders", "SLA 1 h"]
    assert request.scenarios[1].order_scale == 1.5 and request.scenarios[2].sla_hours == 1


def test_whatif_writes_markdown_and_html_reports_with_maps(server, tmp_path, capsys):
    path = _files(tmp_path)
    for name in ("report.md", "report.html"):
        out = tmp_path / "out" / name
        assert cli.main(["whatif", str(path), "--server", f"127.0.0.1:{server.port}", "-o", str(out)]) == 0
        text = out.read_text()
        for scenario in ("base", "no east", "More orders", "SLA 1 h"):
            assert scenario in text
        for slug in ("base", "no-east", "more-orders", "sla-1-h"):
            png = tmp_path / "out" / f"report-{slug}.png"
            assert png.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"
            assert png.name in text
    md = (tmp_path / "out" / "report.md").read_text()
    assert "6/6 (+2 ±0)" in md  # 4 orders × 1.5, all served, whatever the seed
    assert "0.0% (-100.0 pp ±0.0 pp)" in md  # SLA 1 h: none on time, a real difference
    assert "4/4 (≈ 0 ±0)" in md  # one engineer fewer still serves all: no difference
    assert "search seeds 0, 1" in md  # the base's seed and the default noise seed
    assert "<table>" in (tmp_path / "out" / "report.html").read_text()
    assert "no east" in capsys.readouterr().out


def test_the_scenario_file_names_its_noise_seeds(tmp_path):
    path = _files(tmp_path)
    assert list(load(path).noise_seeds) == [1]  # default: the base's seed + 1
    path.write_text(SCENARIOS + "noise_seeds: [5, 9]\n")
    assert list(load(path).noise_seeds) == [5, 9]
    path.write_text(SCENARIOS + "noise_seeds: []\n")
    assert list(load(path).noise_seeds) == []


def test_whatif_reports_invalid_scenarios_by_field(server, tmp_path, capsys):
    path = _files(tmp_path)
    path.write_text(SCENARIOS.replace("orderScale: 1.5", "orderScale: 12"))
    assert cli.main(["whatif", str(path), "--server", f"127.0.0.1:{server.port}", "-o", str(tmp_path / "r.md")]) == 1
    assert "scenarios[1].order_scale" in capsys.readouterr().err


def test_whatif_without_a_server_starts_one(tmp_path):
    path = _files(tmp_path)
    assert cli.main(["whatif", str(path), "-o", str(tmp_path / "r.md"), "--workers", "1"]) == 0
    assert (tmp_path / "r-no-east.png").exists()

"""The analytics benchmark runs end to end on a small history and records what it measured."""

from __future__ import annotations

import json

from benchmarks import analytics_bench


def test_small_run_writes_every_figure(tmp_path, capsys):
    out = tmp_path / "bench.json"
    analytics_bench.main(["--records", "3000", "--json", str(out), "--keep", str(tmp_path / "run")])
    data = json.loads(out.read_text())
    assert data["records"] == data["records_analysed"] == 3000
    for key in ("read_s", "check_s", "analyse_s", "report_s", "total_s", "peak_rss_mb"):
        assert data[key] > 0, key
    assert data["cells"] > 0 and data["report_bytes"] > 10_000
    assert (tmp_path / "run" / "report.html").exists() and (tmp_path / "run" / "analysis.json").exists()
    assert "end to end (target ≤ 10 s)" in capsys.readouterr().out

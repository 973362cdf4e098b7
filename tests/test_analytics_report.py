"""The HTML report, rendered by real headless Chromium (Debian's ``chromium``; `.ci/run` installs
it), shows the KPI table against targets, the risk-cell map with its hotspots and standby
positions, the Pareto chart and the rejected records, and fetches nothing."""

from __future__ import annotations

import json
import re
import shutil
import subprocess

import pytest
from PIL import Image

from dispatch_service.analytics import records, report
from dispatch_service.analytics.analysis import AnalysisOptions, analyze
from dispatch_service.analytics.generator import GeneratorConfig, generate

CHROMIUM_FLAGS = (
    "--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking", "--disable-component-update",
    "--disable-sync", "--no-first-run", "--hide-scrollbars",
    # Any lookup fails: the page must render from itself alone.
    "--host-resolver-rules=MAP * ~NOTFOUND",
)


def _chromium(tmp_path, *args: str) -> str:
    exe = shutil.which("chromium") or shutil.which("chromium-browser")
    assert exe, "Debian's chromium is needed for the report tests (apt-get install chromium; .ci/run does it)"
    profile = tmp_path / "profile"
    result = subprocess.run(
        [exe, *CHROMIUM_FLAGS, f"--user-data-dir={profile}", *args], capture_output=True, text=True, timeout=120, check=True
    )
    return result.stdout


@pytest.fixture(scope="module")
def rendered(tmp_path_factory):
    tmp = tmp_path_factory.mktemp("report")
    frame, _ = generate(GeneratorConfig(records=8_000, seed=21))
    columns = {c: frame[c].to_numpy().copy() for c in records.COLUMNS}
    columns["latitude_deg"][[5, 6]] = 95.0  # two bad records
    analysis = analyze(records.check(columns), AnalysisOptions(standby_count=4))
    page = tmp / "report.html"
    page.write_text(report.render_html(analysis), encoding="utf-8")
    dom = _chromium(tmp, "--dump-dom", page.as_uri())
    shot = tmp / "shot.png"
    _chromium(tmp, "--window-size=1000,1400", f"--screenshot={shot}", page.as_uri())
    return analysis, page.read_text(encoding="utf-8"), dom, shot


def test_page_is_self_contained(rendered):
    """No scripts, stylesheets, images or fonts from anywhere: the only URL is SVG's namespace."""
    _, text, _, _ = rendered
    assert "<script" not in text and "<link" not in text and "<img" not in text and "@import" not in text
    urls = set(re.findall(r"https?://[^\"' )]+", text))
    assert urls == {"http://www.w3.org/2000/svg"}


def test_kpi_table_shows_each_target_and_its_verdict(rendered):
    analysis, _, dom, _ = rendered
    table = re.search(r'<table id="kpis">.*?</table>', dom, re.DOTALL).group(0)
    for label in ("Mean response", "Overdue", "First-time fix", "Closure", "Follow-up in window"):
        assert label in table
    overall = next(k for k in analysis.kpis if k.scope == "overall")
    follow = re.search(r'<tr data-kpi="follow_up_in_window_rate">(.*?)</tr>', table, re.DOTALL).group(1)
    # Overall is the first value column: the generator puts about a third of follow-ups outside 3-7 days.
    first_value = re.findall(r'<td class="(\w+)">([^<]*)</td>', follow)[0]
    assert first_value == ("missed", f"{overall.follow_up_in_window_rate:.1%}")
    response = re.search(r'<tr data-kpi="response_mean">(.*?)</tr>', table, re.DOTALL).group(1)
    assert re.findall(r'<td class="(\w+)">', response)[0] == "met"
    teams = {k.key for k in analysis.kpis if k.scope == "team"}
    assert all(f"Team {t}" in table for t in teams)


def test_map_shows_every_cell_the_hotspots_and_standby_positions(rendered):
    analysis, _, dom, _ = rendered
    cells = re.findall(r'<polygon class="cell[^"]*" data-cell="([0-9a-f]+)" data-hotspot="(\w*)"', dom)
    assert len(cells) == len(analysis.cells)
    hot = {c.cell for c in analysis.cells if c.hotspot == "hot"}
    assert hot and {c for c, kind in cells if kind == "hot"} == hot
    assert len(re.findall(r'<g class="standby">', dom)) == 4


def test_pareto_chart_has_a_bar_per_fault_in_order(rendered):
    analysis, _, dom, _ = rendered
    bars = re.findall(r'<rect class="bar" data-fault="([^"]+)"', dom)
    assert bars == [f.fault_code for f in analysis.faults]
    assert '<polyline class="cumulative"' in dom


def test_rejected_records_are_listed(rendered):
    _, _, dom, _ = rendered
    errors = re.search(r'<table id="errors">.*?</table>', dom, re.DOTALL).group(0)
    assert "latitude" in errors and "[-90, 90]" in errors and "<td>2</td>" in errors
    assert "<li>record 5: latitude is required" in dom


def test_screenshot_shows_the_map_drawn(rendered):
    """The SVG is painted: the darkest demand colour and the standby markers' green are on screen."""
    _, _, _, shot = rendered
    image = Image.open(shot).convert("RGB")
    colours = {c for _, c in image.getcolors(maxcolors=1 << 20)}
    assert (0x8C, 0x2D, 0x04) in colours  # darkest fill (busiest cells)
    assert (0x1A, 0x98, 0x50) in colours  # standby marker


def test_json_has_the_same_data(rendered):
    analysis, _, _, _ = rendered
    data = json.loads(json.dumps(report.to_dict(analysis)))
    assert data["summary"]["records_rejected"] == 2
    assert [f["fault_code"] for f in data["faults"]] == [f.fault_code for f in analysis.faults]
    assert len(data["cells"]) == len(analysis.cells)
    overall = next(k for k in data["kpis"] if k["scope"] == "overall")
    assert overall["met"]["follow_up_in_window_rate"] is False
    assert data["error_counts"][0]["records"] == 2

"""The planner console end to end in real headless Chromium (Debian's ``chromium``, driven by
Playwright): the page the server serves on ``--console`` loads a request, solves it, draws the
routes, the timeline and the KPI cards, runs what-if scenarios and compares two plans side by
side, all from the service itself (no other host is even resolvable)."""

from __future__ import annotations

import io
import json
import re
import shutil
import urllib.error
import urllib.request

import numpy as np
import pytest
from PIL import Image

from tests import builders as b
from tests.conftest import start_server

CHROMIUM = shutil.which("chromium") or shutil.which("chromium-browser")
# Any name lookup fails: the page must work from the service alone.
CHROMIUM_ARGS = ["--no-sandbox", "--disable-gpu", "--host-resolver-rules=MAP * ~NOTFOUND, EXCLUDE 127.0.0.1"]
ROUTE_BLUE = (0x1F, 0x77, 0xB4)  # the console's first route colour (PALETTE[0])


@pytest.fixture(scope="module")
def browser():
    from playwright.sync_api import sync_playwright

    assert CHROMIUM, "Debian's chromium is needed for the console tests (apt-get install chromium; .ci/run does it)"
    with sync_playwright() as p:
        chromium = p.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        yield chromium
        chromium.close()


@pytest.fixture(scope="module")
def console_server():
    server = start_server(workers=2, http_address="127.0.0.1:0", console=True)
    yield server
    server.stop(grace_s=1.0)


def _open(browser, server, requests: list[str] | None = None):
    page = browser.new_page(viewport={"width": 1300, "height": 1600})
    errors: list[str] = []
    page.on("pageerror", lambda e: errors.append(str(e)))
    if requests is not None:
        page.on("request", lambda r: requests.append(r.url))
    page.goto(f"http://127.0.0.1:{server.http_port}/")
    page.wait_for_selector("body[data-ready='1']")
    return page, errors


def _pixels_near(png: bytes, colour: tuple[int, int, int], box: dict, tolerance: int = 12) -> int:
    image = Image.open(io.BytesIO(png)).convert("RGB")
    left, top = int(box["x"]), int(box["y"])
    crop = np.asarray(image.crop((left, top, left + int(box["width"]), top + int(box["height"]))), dtype=np.int16)
    return int(np.all(np.abs(crop - np.array(colour, dtype=np.int16)) <= tolerance, axis=-1).sum())


def test_load_solve_whatif_and_compare(browser, console_server):
    requests: list[str] = []
    page, errors = _open(browser, console_server, requests)
    page.select_option("#example", "small.json")
    page.wait_for_selector("#solve:not([disabled])")
    page.fill("#time-limit", "1")
    page.click("#solve")
    page.wait_for_selector("#map polyline.route")

    # Routes per engineer, in their own colours; the unassigned order with its reason.
    routes = page.locator("#map polyline.route")
    engineers = sorted(routes.nth(i).get_attribute("data-engineer") for i in range(routes.count()))
    assert engineers == ["ana", "rui"]
    assert len({routes.nth(i).get_attribute("stroke") for i in range(routes.count())}) == 2
    assert page.locator("#map g.unassigned[data-order='WO-1006']").count() == 1
    row = page.locator("#unassigned tr[data-order='WO-1006']")
    assert "no qualified engineer" in row.inner_text()
    assert "straight lines between coordinates" in page.inner_text("#map")  # no road map: plain coordinates

    # KPI cards against the targets.
    served = page.locator(".card[data-kpi='served']")
    assert "5/6" in served.inner_text() and "missed" in served.get_attribute("class")
    assert "target ≤ 2h00" in page.inner_text(".card[data-kpi='response_mean']")
    assert "target ≤ 4h00" in page.inner_text(".card[data-kpi='response_p90']")
    assert "target ≤ 5.0 %" in page.inner_text(".card[data-kpi='overdue_rate']")

    # A timeline row per engineer, a bar per visit, driving before it.
    assert page.locator("#timeline g.timeline-row").count() == 2
    assert page.locator("#timeline rect.visit").count() == 5
    assert page.locator("#timeline rect.travel").count() >= 2

    # The screenshot shows the routes drawn: pixels of the first route colour inside the map.
    shot = page.screenshot(full_page=True)
    assert _pixels_near(shot, ROUTE_BLUE, page.locator("#map svg").bounding_box()) > 50

    # What-if with the default scenarios (one engineer fewer, SLA 2 h), then A/B side by side.
    page.click("#run-whatif")
    page.wait_for_selector("#compare:not([hidden]) #map-b polyline.route", timeout=120_000)
    names = page.locator("#whatif-results tbody tr").evaluate_all("rows => rows.map(r => r.dataset.scenario)")
    assert names == ["base", "one engineer fewer", "SLA 2 h"]
    assert "±" in page.inner_text("#whatif-results")  # every delta with its noise
    assert "B = one engineer fewer" in page.inner_text("#compare-title")
    assert page.locator("#map-b polyline.route").count() == 1  # rui removed (no order names him): ana alone
    assert page.locator("#map-b polyline.route").get_attribute("data-engineer") == "ana"
    delta = page.locator("#compare-kpis tr[data-kpi='served'] td.delta").inner_text()
    served_a, served_b = (int(page.locator("#compare-kpis tr[data-kpi='served'] td").nth(i).inner_text()) for i in (1, 2))
    assert int(delta.replace("+", "") or 0) == served_b - served_a
    # Rui's orders in A: each moved to ana or served in A only.
    rui_orders = sorted(page.locator("#map-a circle.visit[data-engineer='rui']").evaluate_all("cs => cs.map(c => c.dataset.order)"))
    moved = page.locator("#moved-orders li").evaluate_all("items => items.map(i => i.dataset.order)")
    assert all(text.endswith("rui → ana") for text in page.locator("#moved-orders li").all_inner_texts())
    lost = page.inner_text("#lost").removeprefix("Served in A only: ").rstrip(".")
    assert rui_orders and sorted(moved + ([] if lost == "none" else lost.split(", "))) == rui_orders

    # Choosing another plan for B redraws the comparison.
    page.locator("#whatif-results tr[data-scenario='SLA 2 h'] input[name='side-b']").check()
    page.wait_for_selector("#compare-title:has-text('B = SLA 2 h')")
    assert page.locator("#map-b polyline.route").count() == 2

    # The job list offers the console's own solves... and nothing came from anywhere else.
    hosts = {re.match(r"\w+://([^/]+)", url).group(1) for url in requests if not url.startswith("data:")}
    assert hosts == {f"127.0.0.1:{console_server.http_port}"}
    assert errors == []
    page.close()


def test_road_network_is_the_base_map_when_a_map_is_loaded(browser, tmp_path_factory):
    from geo.mapbuild import build_map
    from tests.geo.conftest import OAKLAND_OSM

    path = tmp_path_factory.mktemp("console-map") / "oakland.npz"
    build_map(OAKLAND_OSM, path)
    server = start_server(workers=1, http_address="127.0.0.1:0", console=True, maps=(("oakland", str(path)),))
    try:
        request = {
            "label": "oakland",
            "orders": [{"id": f"o{i}", "location": {"latitude": lat, "longitude": lng}, "serviceDuration": "600s"}
                       for i, (lat, lng) in enumerate([(37.8100, -122.2950), (37.8150, -122.3000), (37.8080, -122.2920)])],
            "engineers": [{"id": "e1", "startLocation": {"latitude": 37.8120, "longitude": -122.2980},
                           "shifts": [{"startTime": b.at(0), "endTime": b.at(480)}]}],
            "options": {"travelModel": {"roadNetwork": {"mapId": "oakland"}}, "geometryFormat": "GEOMETRY_FORMAT_ENCODED_POLYLINE",
                        "timeLimit": "1s"},
        }
        page, errors = _open(browser, server)
        file = tmp_path_factory.mktemp("console-request") / "oakland.json"
        file.write_text(json.dumps(request))
        page.set_input_files("#file", str(file))
        page.wait_for_selector("#solve:not([disabled])")
        page.select_option("#search-mode", "SEARCH_MODE_RETURN_FAST")
        page.click("#solve")
        page.wait_for_selector("#map polyline.route")
        assert int(page.locator("#map g.roads").get_attribute("data-count")) > 10
        assert page.locator("#map g.roads polyline").count() > 10
        assert "streets: oakland" in page.inner_text("#map")
        # The route follows the streets: many more points than its four stops.
        points = page.locator("#map polyline.route").get_attribute("points").split()
        assert len(points) > 8
        assert errors == []
        page.close()
    finally:
        server.stop(grace_s=1.0)


def test_console_documents_need_the_token_when_the_service_has_tokens(browser):
    server = start_server(workers=1, http_address="127.0.0.1:0", console=True, auth_tokens=("console-token",))
    try:
        base = f"http://127.0.0.1:{server.http_port}/console/"
        with urllib.request.urlopen(base + "config.json") as answer:
            assert json.loads(answer.read())["auth"] is True
        with pytest.raises(urllib.error.HTTPError) as refused:
            urllib.request.urlopen(base + "examples/")
        assert refused.value.code == 401
        refused.value.close()
        sent = urllib.request.Request(base + "examples/", headers={"authorization": "Bearer console-token"})
        with urllib.request.urlopen(sent) as answer:
            assert "small.json" in json.loads(answer.read())["examples"]
        page, errors = _open(browser, server)
        assert page.locator("#token-label").is_visible()
        page.fill("#token", "console-token")
        page.dispatch_event("#token", "change")
        page.wait_for_selector("#example option[value='small.json']", state="attached")
        assert errors == []
        page.close()
    finally:
        server.stop(grace_s=1.0)


def test_console_files_are_served_by_the_service_and_fetch_nothing_else(console_server):
    base = f"http://127.0.0.1:{console_server.http_port}"
    texts = []
    for path in ("/console/", "/console/static/console.js", "/console/static/console.css"):
        with urllib.request.urlopen(base + path) as answer:
            assert answer.status == 200
            assert "default-src 'self'" in answer.headers["content-security-policy"]
            texts.append(answer.read().decode())
    urls = set(re.findall(r"https?://[^\"' )`]+", "".join(texts)))
    assert urls == {"http://www.w3.org/2000/svg"}
    with pytest.raises(urllib.error.HTTPError) as missing:
        urllib.request.urlopen(base + "/console/static/../../server.py")
    assert missing.value.code == 404
    missing.value.close()


def test_console_flag_needs_the_http_listener():
    from dispatch_service.config import ConfigError, ServerConfig
    from dispatch_service.server import DispatchServer

    with pytest.raises(ConfigError, match="--http-address"):
        DispatchServer(ServerConfig(address="127.0.0.1:0", workers=1, console=True))

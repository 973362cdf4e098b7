"""Takes the README's screenshot of the planner console (docs/console.png): a server with the
console on loopback ports, the Porto day solved for 5 s, a what-if run, in headless Chromium.

Usage: .venv/bin/python scripts/console_screenshot.py [OUT.png]
"""

from __future__ import annotations

import pathlib
import shutil
import sys

ROOT = pathlib.Path(__file__).resolve().parent.parent


def main() -> None:
    from playwright.sync_api import sync_playwright

    from dispatch_service.config import ServerConfig
    from dispatch_service.server import DispatchServer

    out = pathlib.Path(sys.argv[1]) if len(sys.argv) > 1 else ROOT / "docs" / "console.png"
    server = DispatchServer(ServerConfig(address="127.0.0.1:0", workers=2, http_address="127.0.0.1:0", console=True))
    server.start()
    try:
        with sync_playwright() as p:
            browser = p.chromium.launch(executable_path=shutil.which("chromium"), args=["--no-sandbox", "--disable-gpu"])
            page = browser.new_page(viewport={"width": 1280, "height": 1000})
            page.goto(f"http://127.0.0.1:{server.http_port}/")
            page.wait_for_selector("body[data-ready='1']")
            page.select_option("#example", "porto-day.json")
            page.wait_for_selector("#solve:not([disabled])")
            page.fill("#time-limit", "5")
            page.click("#solve")
            page.wait_for_selector("#map polyline.route", timeout=120_000)
            page.click("#run-whatif")
            page.wait_for_selector("#compare:not([hidden]) #map-b polyline.route", timeout=300_000)
            page.screenshot(path=str(out), full_page=True)  # the plan, its timeline, the what-if and the comparison
            browser.close()
    finally:
        server.stop(grace_s=1.0)
    print(out)


if __name__ == "__main__":
    main()

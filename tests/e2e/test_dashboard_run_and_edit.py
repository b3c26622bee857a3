"""The dashboard's run panel, units toggle and plan editor, in real Chromium against a real
``coachkit dashboard`` (Voila) server.

Map tiles come from a tile server on 127.0.0.1 (``COACHKIT_TILE_URL``): the network is closed
here, and the page must ask no one else. Screenshots land in reports/e2e/.
"""

from __future__ import annotations

import os
import struct
import threading
import time
import zlib
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import pandas as pd
import pytest

from coachkit.app.coach import adaptations, plan_frame
from coachkit.core.localtime import local_day
from coachkit.store import Store
from tests.dashboard_support import (
    ARTIFACTS,
    DEMO_DAY,
    chromium,
    close,
    dashboard_server,
    demo_plan_store,
    require_chromium,
    wait_for_pool,
    watch_requests,
)

pytestmark = [pytest.mark.e2e, pytest.mark.slow]
TIMEOUT_MS = 180_000  # 2 shared cores: a kernel that starts while others run is slow


def _png(rgb: tuple[int, int, int], size: int = 256) -> bytes:
    """A plain-coloured PNG tile with a dark one-pixel border (the grid shows in a screenshot)."""
    edge = bytes((60, 60, 60))
    fill = bytes(rgb)
    rows = []
    for y in range(size):
        line = edge * size if y in (0, size - 1) else edge + fill * (size - 2) + edge
        rows.append(b"\x00" + line)
    raw = zlib.compress(b"".join(rows))

    def chunk(kind: bytes, data: bytes) -> bytes:
        return (
            struct.pack(">I", len(data)) + kind + data + struct.pack(">I", zlib.crc32(kind + data))
        )

    head = struct.pack(">IIBBBBB", size, size, 8, 2, 0, 0, 0)
    return b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", head) + chunk(b"IDAT", raw) + chunk(b"IEND", b"")


@pytest.fixture(scope="module")
def tiles():
    """A tile server on 127.0.0.1 that records the tiles asked for."""
    asked: list[str] = []
    light, dark = _png((214, 232, 208)), _png((190, 212, 236))

    class Handler(BaseHTTPRequestHandler):
        def do_GET(self) -> None:  # noqa: N802
            asked.append(self.path)
            parts = self.path.strip("/").removesuffix(".png").split("/")
            body = light if sum(int(p) for p in parts[-2:] if p.isdigit()) % 2 else dark
            self.send_response(200)
            self.send_header("Content-Type", "image/png")
            # plotly loads layout images as anonymous cross-origin images, as OSM allows
            self.send_header("Access-Control-Allow-Origin", "*")
            self.send_header("Content-Length", str(len(body)))
            self.end_headers()
            self.wfile.write(body)

        def log_message(self, *args: object) -> None:
            pass

    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    yield f"http://127.0.0.1:{server.server_address[1]}/{{z}}/{{x}}/{{y}}.png", asked
    server.shutdown()


@pytest.fixture(scope="module")
def server(tmp_path_factory, tiles):
    require_chromium()
    store = demo_plan_store(tmp_path_factory, "e2e-run")
    log = tmp_path_factory.mktemp("e2e-run-log") / "voila.log"
    old = os.environ.get("COACHKIT_TILE_URL")
    os.environ["COACHKIT_TILE_URL"] = tiles[0]  # the dashboard's kernels inherit it
    try:
        with dashboard_server(store, log, pool_size=1) as url:
            wait_for_pool(log)
            yield {"url": url, "store": store}
    finally:
        if old is None:
            os.environ.pop("COACHKIT_TILE_URL", None)
        else:
            os.environ["COACHKIT_TILE_URL"] = old


@pytest.fixture(scope="module")
def browser(server):
    with chromium() as b:
        yield b


def _open(browser, url, external):
    page = browser.new_page(viewport={"width": 1366, "height": 1800})
    watch_requests(page, external)
    page.goto(url, wait_until="commit", timeout=TIMEOUT_MS)
    page.wait_for_selector(".ck-today[data-version]", timeout=TIMEOUT_MS)
    page.wait_for_selector(".ck-run[data-activity]", timeout=TIMEOUT_MS)
    return page


def _shot(page, locator, name: str) -> None:
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    path = ARTIFACTS / name
    locator.screenshot(path=str(path))
    print(f"screenshot: {path}")


def test_the_run_panel_shows_the_newest_run_with_its_route_and_map_tiles(server, browser, tiles):
    external: list[str] = []
    page = _open(browser, server["url"], external)
    try:
        acts = Store(server["store"]).activities("demo")
        runs = acts[local_day(acts) <= pd.Timestamp(DEMO_DAY)]
        newest = runs.sort_values("start_time").iloc[-1]
        card = page.locator(".ck-run")
        assert card.get_attribute("data-activity") == newest["activity_id"]
        assert page.locator(".ck-run .ck-splits tbody tr").count() >= 1
        page.wait_for_selector(".ck-fig-route .plot-container", state="attached", timeout=60_000)
        page.wait_for_selector(".ck-fig-profile .plot-container", state="attached", timeout=60_000)
        # the line is drawn with no tiles (the default: nothing leaves the machine)
        assert page.locator(".ck-fig-route .scatterlayer path.js-line").count() >= 1
        # (images on axes are drawn in the subplot's own image layer)
        assert page.locator(".ck-fig-route image").count() == 0
        page.locator(".ck-map-tiles input").check()
        page.wait_for_selector(".ck-fig-route image", state="attached", timeout=60_000)
        deadline = time.monotonic() + 30
        while not tiles[1] and time.monotonic() < deadline:
            time.sleep(0.2)
        assert tiles[1], "the browser asked the tile server for nothing"
        assert all(p.count("/") == 3 and p.endswith(".png") for p in tiles[1])  # /z/x/y.png
        assert page.locator(".ck-fig-route .scatterlayer path.js-line").count() >= 1
        time.sleep(1.0)
        _shot(page, page.locator(".ck-run-panel"), "dashboard-run-panel.png")
        assert external == [], f"the page asked the internet for {external}"
        assert page.locator("text=Traceback").count() == 0
    finally:
        close(page)


def test_units_toggle_says_the_run_and_today_in_miles(server, browser):
    page = _open(browser, server["url"], [])
    try:
        page.locator(".ck-units button", has_text="mi").click()
        page.wait_for_selector('.ck-run[data-units="mi"]', timeout=120_000)
        run = page.locator(".ck-run").inner_text()
        assert "/mi" in run and "km" not in run
        assert "km" not in page.locator(".ck-today").inner_text()
    finally:
        close(page)


def _set_day(page, cls: str, day: str) -> None:
    box = page.locator(f".{cls} input[type=date]")
    box.fill(day)
    box.dispatch_event("change")


def test_the_plan_editor_skips_a_session_and_refuses_a_past_day(server, browser):
    store = Store(server["store"])
    plan = plan_frame(store, "demo")
    ahead = plan[(plan["date"] > pd.Timestamp(DEMO_DAY)) & (plan["kind"] != "rest")]
    target = ahead["date"].iloc[0]
    page = _open(browser, server["url"], [])
    try:
        page.locator(".ck-edit-op button", has_text="Skip a session").click()
        _set_day(page, "ck-edit-day", f"{target:%Y-%m-%d}")
        page.locator(".ck-edit-reason input").fill("e2e: a work trip")
        page.locator(".ck-edit-apply").click()
        page.wait_for_selector('.ck-edit-result [data-ok="1"]', timeout=120_000)
        log = adaptations(store, "demo")
        assert log["rule"].iloc[-1] == "runner_edit"
        assert log["explanation"].iloc[-1] in page.locator(".ck-edit-result").inner_text()
        after = plan_frame(store, "demo").set_index("date").loc[target]
        assert after["kind"] == "rest"
        assert f"{target:%Y-%m-%d}" in page.locator(".ck-calendar").inner_html()
        # a day already gone is refused, with the reason, and nothing is written
        n = len(log)
        _set_day(page, "ck-edit-day", "2021-03-16")
        page.locator(".ck-edit-apply").click()
        page.wait_for_selector('.ck-edit-result [data-ok="0"]', timeout=120_000)
        assert "Refused" in page.locator(".ck-edit-result").inner_text()
        assert len(adaptations(store, "demo")) == n
        _shot(page, page.locator(".ck-plan-edit"), "dashboard-plan-edit.png")
    finally:
        close(page)

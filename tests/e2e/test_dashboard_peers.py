"""The "runners like you" band on the dashboard's weekly-distance chart, in real Chromium
against a real ``coachkit dashboard`` (Voila) server: drawn, filled, and with its n in the
legend. A screenshot of the chart lands in reports/e2e/."""

from __future__ import annotations

import pytest

from coachkit.app.peers import runners_like_you_in_store
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


def test_weekly_distance_chart_shows_the_peer_band_with_its_n(tmp_path_factory):
    require_chromium()
    store = demo_plan_store(tmp_path_factory, "peers")
    expected = runners_like_you_in_store(Store(store), "demo", DEMO_DAY).peers.n
    assert expected == 10
    log = tmp_path_factory.mktemp("peers-log") / "voila.log"
    with dashboard_server(store, log, pool_size=1) as url, chromium() as browser:
        wait_for_pool(log)
        page = browser.new_page(viewport={"width": 1366, "height": 2600})
        external: list[str] = []
        watch_requests(page, external)
        try:
            page.goto(url, wait_until="commit", timeout=TIMEOUT_MS)
            page.wait_for_selector(
                ".ck-fig-volume .plot-container", state="attached", timeout=TIMEOUT_MS
            )
            legend = page.locator(".ck-fig-volume .legendtext").all_text_contents()
            assert f"runners like you, middle half (n = {expected})" in legend
            assert f"runners like you, median (n = {expected})" in legend
            assert page.locator(".ck-fig-volume .scatterlayer path.js-fill").count() >= 1
            assert page.locator("text=Traceback").count() == 0
            assert external == [], f"the page asked the internet for {external}"
            ARTIFACTS.mkdir(parents=True, exist_ok=True)
            shot = ARTIFACTS / "dashboard-peers-band.png"
            page.locator(".ck-fig-volume").screenshot(path=str(shot))
            print(f"screenshot: {shot}")
        finally:
            close(page)

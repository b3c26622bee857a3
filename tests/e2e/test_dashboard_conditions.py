"""The conditions inputs by today's card, in real Chromium against a real ``coachkit dashboard``
(Voila) server: typing 30 °C with dew point 22 °C re-draws the card with a slower pace band,
the same HR band, and the sentence with Hadley's table (Maximum Performance Running, 2013):
86 + 71.6 = 157.6 °F, in the 4.5-6 % band, 4.5 + 1.5 × 7.6 / 10 = 5.64 % slower.
"""

from __future__ import annotations

import pytest

from coachkit.coach.explain import format_pace_range
from coachkit.store import Store
from tests.dashboard_support import (
    ARTIFACTS,
    chromium,
    close,
    dashboard_server,
    demo_plan_store,
    require_chromium,
    wait_for_pool,
    watch_requests,
)
from tests.integration.test_dashboard_conditions import first_paced_day

pytestmark = [pytest.mark.e2e, pytest.mark.slow]
TIMEOUT_MS = 180_000  # 2 shared cores: a kernel that starts while others run is slow


@pytest.fixture(scope="module")
def server(tmp_path_factory):
    require_chromium()
    store = demo_plan_store(tmp_path_factory, "e2e-conditions")
    with Store(store) as s:
        day = first_paced_day(s)
        from coachkit.app.today import todays_prescription

        planned = todays_prescription(s, "demo", day)
    log = tmp_path_factory.mktemp("e2e-conditions-log") / "voila.log"
    with dashboard_server(store, log, pool_size=1) as url:
        wait_for_pool(log)
        yield {"url": url, "planned": planned}


def test_30_with_dew_point_22_slows_the_band_keeps_hr_and_says_why(server):
    p = server["planned"]
    factor = 1 + (4.5 + 1.5 * (86 + 71.6 - 150) / 10) / 100
    slowed = format_pace_range(p["pace_low_s_per_km"] * factor, p["pace_high_s_per_km"] * factor)
    planned = format_pace_range(p["pace_low_s_per_km"], p["pace_high_s_per_km"])
    hr = f"{p['hr_low']:.0f}–{p['hr_high']:.0f} bpm"
    external: list[str] = []
    with chromium() as browser:
        page = browser.new_page(viewport={"width": 1366, "height": 1400})
        watch_requests(page, external)
        try:
            page.goto(server["url"], wait_until="commit", timeout=TIMEOUT_MS)
            page.wait_for_selector(".ck-today[data-version]", timeout=TIMEOUT_MS)
            picker = page.locator(".ck-day input[type=date]")  # the plan's first paced day
            picker.fill(p["date"])
            picker.dispatch_event("change")
            page.wait_for_selector(f'.ck-today[data-date="{p["date"]}"]', timeout=TIMEOUT_MS)
            assert page.locator(".ck-today .ck-pace").inner_text().endswith(planned)
            for cls, value in (("ck-cond-temp-c", "30"), ("ck-cond-dew-point-c", "22")):
                box = page.locator(f".{cls} input")
                box.fill(value)
                box.press("Enter")
            page.wait_for_selector(".ck-today .ck-conditions-why", timeout=TIMEOUT_MS)
            page.wait_for_function(
                "document.querySelector('.ck-today .ck-conditions-why').innerText.includes('158')",
                timeout=TIMEOUT_MS,
            )
            card = page.locator(".ck-today")
            assert page.locator(".ck-today .ck-pace").inner_text().endswith(slowed)
            assert hr in page.locator(".ck-today .ck-hr").inner_text()
            why = page.locator(".ck-today .ck-conditions-why").inner_text()
            assert why.startswith(f"Pace band slowed 5.6 % to {slowed.replace('/km', '')}")
            assert "temperature + dew point 158 °F" in why and "Hadley" in why
            ARTIFACTS.mkdir(parents=True, exist_ok=True)
            card.screenshot(path=str(ARTIFACTS / "dashboard-conditions.png"))
            assert page.locator("text=Traceback").count() == 0
            page.set_viewport_size({"width": 390, "height": 2400})  # a phone: the fields wrap
            page.wait_for_timeout(1500)
            page.locator(".ck-conditions").screenshot(
                path=str(ARTIFACTS / "dashboard-conditions-phone.png")
            )
            width = page.evaluate("document.documentElement.scrollWidth")
            assert width <= 400, f"the page scrolls sideways on a phone ({width} px)"
        finally:
            close(page)
    assert external == []

"""Issue 19's check-in in real Chromium against a real ``coachkit dashboard`` (Voila) server.

The page opens on the plan's Wed 2021-03-17 and the viewer picks Sat 2021-03-27 in the header.
The demo's half-marathon plan starts Mon 2021-03-15 and the demo runs nothing after Sun
2021-03-14, so on Sat 2021-03-27 its last three planned sessions (Fri 19, Sun 21, Fri 26) had no
run and no log: the page asks what happened, with the six answers as buttons. Clicking "Busy"
logs the answer through the same service as ``coachkit log --checkin`` and the question gives way
to the coach's reaction. A screenshot lands in reports/e2e/.
"""

from __future__ import annotations

import pytest

from coachkit.app.coach import adaptations
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

pytestmark = [pytest.mark.e2e, pytest.mark.slow]
TIMEOUT_MS = 180_000  # 2 shared cores: a kernel that starts while others run is slow
SILENT_DAY = "2021-03-27"


@pytest.fixture(scope="module")
def server(tmp_path_factory):
    require_chromium()
    store = demo_plan_store(tmp_path_factory, "e2e-checkin")
    log = tmp_path_factory.mktemp("e2e-checkin-log") / "voila.log"
    with dashboard_server(store, log, pool_size=1) as url:
        wait_for_pool(log)
        yield {"url": url, "store": store}


def test_the_checkin_asks_after_three_silent_sessions_and_busy_answers_it(server):
    external: list[str] = []
    with chromium() as browser:
        page = browser.new_page(viewport={"width": 1280, "height": 1600})
        watch_requests(page, external)
        try:
            page.goto(server["url"], wait_until="commit", timeout=TIMEOUT_MS)
            page.wait_for_selector(".ck-today[data-version]", timeout=TIMEOUT_MS)
            assert page.locator(".ck-checkin-card").count() == 0  # Wed 17 Mar: nothing to ask
            day = page.locator(".ck-day input[type=date]")  # the header's day picker
            day.fill(SILENT_DAY)
            day.dispatch_event("change")
            page.wait_for_selector(f'.ck-today[data-date="{SILENT_DAY}"]', timeout=TIMEOUT_MS)
            ARTIFACTS.mkdir(parents=True, exist_ok=True)
            page.wait_for_selector(".ck-checkin-card", timeout=TIMEOUT_MS)
            question = page.locator(".ck-checkin-card").inner_text()
            assert "No run or log for your last 3 planned sessions (Fri 19, Sun 21, Fri 26 Mar" in (
                question
            )
            assert "no data for 12 days" in question  # Mon 15 .. Fri 26 Mar
            labels = page.locator(".ck-checkin-answer").all_inner_texts()
            assert labels == ["Ill", "Injured", "Busy", "Travelling", "Lost motivation", "Other"]
            page.locator(".ck-checkin").screenshot(path=str(ARTIFACTS / "dashboard-checkin.png"))

            page.locator(".ck-checkin-busy").click()
            page.wait_for_selector('.ck-checkin-result [data-answer="busy"]', timeout=TIMEOUT_MS)
            assert page.locator(".ck-checkin-card").count() == 0  # asked and answered
            with Store(server["store"]) as s:
                said = adaptations(s, "demo")
                fb = s.feedback("demo")
            assert fb["checkin"].tolist() == ["busy"]
            reaction = said.loc[said["rule"] == "checkin", "explanation"].tolist()
            assert len(reaction) == 1 and reaction[0].startswith("You were busy for your last 3")
            result = page.locator(".ck-checkin-result").inner_text()
            assert reaction[0] in result
            # the redrawn today card and week carry the reaction too
            page.wait_for_function(
                "s => document.querySelector('.ck-today').innerText.includes(s)",
                arg="You were busy",
                timeout=TIMEOUT_MS,
            )
            assert "You were busy" in page.locator(".ck-week").text_content()
            page.screenshot(path=str(ARTIFACTS / "dashboard-checkin-answered.png"))
            assert page.locator("text=Traceback").count() == 0
        finally:
            close(page)
    assert external == []

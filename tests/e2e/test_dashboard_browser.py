"""The dashboard in real Chromium against a real ``coachkit dashboard`` (Voila) server.

Debian's /usr/bin/chromium through Playwright's sync API (skipped with a reason when missing).
Screenshots land in reports/e2e/ (laptop and phone width); their paths are printed.
"""

from __future__ import annotations

import re
import time
import urllib.request

import pandas as pd
import pytest

from coachkit.app.coach import adaptations, todays_prescription
from coachkit.store import Store
from tests.dashboard_support import (
    ARTIFACTS,
    DEMO_DAY,
    assert_plan_consistent,
    chromium,
    close,
    dashboard_server,
    demo_plan_store,
    require_chromium,
    wait_for_pool,
    watch_requests,
)

pytestmark = [pytest.mark.e2e, pytest.mark.slow]
CARD_TIMEOUT_MS = 180_000  # 2 shared cores: kernels that start while others run are slow


@pytest.fixture(scope="module")
def server(tmp_path_factory):
    require_chromium()
    store = demo_plan_store(tmp_path_factory, "e2e")
    log = tmp_path_factory.mktemp("e2e-log") / "voila.log"
    with dashboard_server(store, log, pool_size=1) as url:
        wait_for_pool(log)
        yield {"url": url, "store": store, "log": log}


@pytest.fixture(scope="module")
def browser(server):
    with chromium() as b:
        yield b


def _open(browser, url, *, width=1366, height=900, external=None):
    page = browser.new_page(viewport={"width": width, "height": height})
    watch_requests(page, external if external is not None else [])
    page.goto(url, wait_until="commit", timeout=CARD_TIMEOUT_MS)
    page.wait_for_selector(".ck-today[data-version]", timeout=CARD_TIMEOUT_MS)
    return page


def test_the_page_shows_todays_workout_for_the_demo_athlete_offline(server, browser):
    external: list[str] = []
    page = _open(browser, server["url"], external=external)
    try:
        p = todays_prescription(Store(server["store"]), "demo", pd.Timestamp(DEMO_DAY))
        card = page.locator(".ck-today")
        assert card.get_attribute("data-kind") == p["kind"]
        assert p["explanation"] in card.inner_text()
        for cls in ("ck-feedback", "ck-week", "ck-risk", "ck-race", "ck-calendar", "ck-export"):
            assert page.locator(f".{cls}").count() >= 1, cls
        page.wait_for_selector(".ck-fig-pmc .plot-container", state="attached", timeout=60_000)
        assert page.locator("text=Traceback").count() == 0
        assert external == [], f"the page asked the internet for {external}"
        ARTIFACTS.mkdir(parents=True, exist_ok=True)
        page.set_viewport_size({"width": 1366, "height": 2600})
        time.sleep(1.5)  # plotly resizes to the new width
        shot = ARTIFACTS / "dashboard-laptop.png"
        page.screenshot(path=str(shot))
        print(f"screenshot: {shot}")
    finally:
        close(page)


def test_feedback_rpe_9_feel_1_changes_the_sessions_ahead_in_place(server, browser):
    store = Store(server["store"])
    page = _open(browser, server["url"])
    try:
        today = page.locator(".ck-today")
        version = int(today.get_attribute("data-version"))
        page.locator(".ck-rpe select").select_option(label="9 · really, really hard")
        page.locator(".ck-feel button", has_text=re.compile(r"^1$")).click()
        page.locator(".ck-note textarea").fill("e2e: heavy legs")
        page.locator(".ck-submit").click()
        page.wait_for_selector(".ck-result .ck-ok", timeout=120_000)
        explanation = adaptations(store, "demo")["explanation"].iloc[-1]
        # today's run is done once rated: it keeps its version, and what comes next changes
        assert int(page.locator(".ck-today").get_attribute("data-version")) == version
        assert explanation in page.locator(".ck-today").inner_text()  # the coach's answer
        assert explanation in page.locator(".ck-week").inner_text()  # and the reason in the week
        assert page.url.rstrip("/") == server["url"].rstrip("/")  # no reload, no navigation
        fb = store.feedback("demo")
        row = fb[fb["note"] == "e2e: heavy legs"]
        assert len(row) == 1 and row["rpe"].iloc[0] == 9 and row["feel"].iloc[0] == 1
        page.set_viewport_size({"width": 390, "height": 2400})  # a phone
        time.sleep(1.5)
        shot = ARTIFACTS / "dashboard-phone-after-feedback.png"
        page.screenshot(path=str(shot))
        print(f"screenshot: {shot}")
        width = page.evaluate("document.documentElement.scrollWidth")
        assert width <= 400, f"the page scrolls sideways on a phone ({width} px)"
    finally:
        close(page)


def test_five_sessions_submit_at_once_and_every_row_lands_once(server, browser):
    store = Store(server["store"])
    before = len(store.feedback("demo"))
    pages = [_open(browser, server["url"]) for _ in range(5)]
    try:
        for i, page in enumerate(pages):
            page.locator(".ck-rpe select").select_option(label="7 · very hard")
            page.locator(".ck-note textarea").fill(f"concurrent {i}")
        for page in pages:  # five kernels now work at the same time
            page.locator(".ck-submit").click()
        for page in pages:
            page.wait_for_selector(".ck-result .ck-ok", timeout=CARD_TIMEOUT_MS)
        fb = store.feedback("demo")
        notes = fb["note"].dropna()
        assert len(fb) == before + 5
        assert sorted(notes[notes.str.startswith("concurrent")]) == [
            f"concurrent {i}" for i in range(5)
        ]
        ids = [int(p.locator(".ck-ok").get_attribute("data-feedback-id")) for p in pages]
        assert len(set(ids)) == 5
        assert_plan_consistent(store)  # one row per day, no lost update
    finally:
        for page in pages:
            close(page)


def test_a_token_is_required_when_one_is_set(tmp_path_factory):
    require_chromium()
    store = demo_plan_store(tmp_path_factory, "e2e-token")
    log = tmp_path_factory.mktemp("token-log") / "voila.log"
    with dashboard_server(store, log, pool_size=0, token="s3cret-for-test") as url:
        denied = urllib.request.urlopen(url, timeout=60)
        assert "/login" in denied.geturl()  # no token: the login page, not the dashboard
        assert b"ck-today" not in denied.read()
        allowed = urllib.request.urlopen(url + "?token=s3cret-for-test", timeout=180)
        assert allowed.status == 200 and "/login" not in allowed.geturl()
    assert "s3cret-for-test" not in log.read_text()

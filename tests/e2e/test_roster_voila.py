"""The roster notebook under Voila in real Chromium: one row per athlete, and the filter works."""

from __future__ import annotations

import shutil
import subprocess
import sys
import time
import urllib.request
from pathlib import Path

import pytest

from tests.conftest import COACH_ATHLETES, REPO
from tests.dashboard_support import CHROMIUM, chromium, free_port


@pytest.mark.e2e
@pytest.mark.real_data
def test_roster_under_voila_shows_every_athlete_and_filters(coach_store, tmp_path):
    pytest.importorskip("playwright.sync_api")
    papermill = pytest.importorskip("papermill")
    voila = Path(sys.executable).with_name("voila")
    if not CHROMIUM.exists() or not voila.exists():
        pytest.skip("needs /usr/bin/chromium and voila")
    store = tmp_path / "store"
    shutil.copytree(coach_store, store)
    nb = tmp_path / "roster.ipynb"
    papermill.execute_notebook(str(REPO / "notebooks" / "05_coach_roster.ipynb"), str(nb),
                               parameters={"store": str(store), "today": "last"},
                               prepare_only=True)  # fmt: skip
    port = free_port()
    server = subprocess.Popen(
        [str(voila), str(nb), "--no-browser", f"--port={port}", "--Voila.ip=127.0.0.1"],
        cwd=tmp_path, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
    )  # fmt: skip
    try:
        url = f"http://127.0.0.1:{port}/"
        for _ in range(120):
            try:
                urllib.request.urlopen(url, timeout=2)
                break
            except OSError:
                time.sleep(0.5)
        with chromium() as browser:
            page = browser.new_page()
            page.goto(url, timeout=180_000)
            view = page.locator(".ck-roster-view table.ck-roster")
            view.wait_for(timeout=180_000)
            rows = view.locator("tr.ck-roster-row")
            assert rows.count() == len(COACH_ATHLETES)
            page.locator(".ck-roster-filter input").fill("interv")
            page.wait_for_function(
                "document.querySelectorAll('.ck-roster-view tr.ck-roster-row').length === 1",
                timeout=30_000,
            )
            assert rows.first.get_attribute("data-athlete") == "intervals"
    finally:
        server.terminate()
        server.wait(timeout=30)

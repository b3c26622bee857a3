"""Shared by the dashboard's widget, browser and benchmark tests: the demo athlete with a plan
in a fresh store, a real ``coachkit dashboard`` (Voila) on a free 127.0.0.1 port, and
Chromium through Playwright."""

from __future__ import annotations

import contextlib
import shutil
import socket
import subprocess
import sys
import time
import urllib.error
import urllib.request
from collections.abc import Iterator
from datetime import date
from pathlib import Path

import pytest

from tests.conftest import REPO, SAMPLE

CHROMIUM = Path("/usr/bin/chromium")
CHROMIUM_ARGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
                 "--disable-background-networking", "--disable-component-update",
                 "--disable-sync"]  # fmt: skip
# the demo's runs end on Sunday 2021-03-14: its plan starts the next day (as `make demo` does)
# and Wednesday 2021-03-17 is the plan's first run day
PLAN_START, DEMO_DAY, RACE_DAY = "2021-03-15", "2021-03-17", date(2021, 6, 13)
ARTIFACTS = REPO / "reports" / "e2e"
_BUILT: dict[str, Path] = {}


def demo_plan_store(tmp_path_factory: pytest.TempPathFactory, name: str) -> Path:
    """A private copy of a store holding the demo athlete and a half-marathon plan."""
    from coachkit.app.coach import create_plan
    from coachkit.app.ingest import ingest
    from coachkit.coach.plan import Goal
    from coachkit.store import Store

    if "base" not in _BUILT:
        root = tmp_path_factory.mktemp("demo-plan") / "store"
        with Store(root) as s:
            ingest(s, [SAMPLE], "demo")
            goal = Goal(race_distance_m=21097.5, race_date=RACE_DAY)
            create_plan(s, "demo", goal, start=PLAN_START, days_per_week=5)
            s.conn.execute("PRAGMA wal_checkpoint(TRUNCATE)")
        _BUILT["base"] = root
    dst = tmp_path_factory.mktemp(name) / "store"
    shutil.copytree(_BUILT["base"], dst)
    return dst


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def require_chromium() -> None:
    if not CHROMIUM.exists():
        pytest.skip(
            f"needs Debian's Chromium at {CHROMIUM} (apt-get install -y chromium); "
            "Playwright cannot download browsers here"
        )
    pytest.importorskip("playwright.sync_api", reason="needs playwright (the dev extra)")
    pytest.importorskip("voila", reason="needs voila (the dashboard extra)")


@contextlib.contextmanager
def dashboard_server(
    store: Path, log: Path, *, pool_size: int = 1, token: str | None = None
) -> Iterator[str]:
    """``coachkit dashboard`` on a free port; yields its URL once it answers (and stops it)."""
    port = free_port()
    cmd = [sys.executable, "-m", "coachkit.cli", "dashboard", "--store", str(store), "--port",
           str(port), "--date", DEMO_DAY, "--pool-size", str(pool_size)]  # fmt: skip
    if token:
        cmd += ["--token", token]
    url = f"http://127.0.0.1:{port}/"
    with open(log, "wb") as out:
        proc = subprocess.Popen(cmd, cwd=REPO, stdout=out, stderr=subprocess.STDOUT)
        try:
            deadline = time.monotonic() + 120
            while True:
                if proc.poll() is not None:
                    raise RuntimeError(f"the dashboard exited: {log.read_text()[-2000:]}")
                try:
                    urllib.request.urlopen(url + "voila/static/voila.js", timeout=5).close()
                    break
                except (urllib.error.URLError, ConnectionError, TimeoutError):
                    if time.monotonic() > deadline:
                        raise RuntimeError(
                            f"no dashboard after 120 s: {log.read_text()[-2000:]}"
                        ) from None
                    time.sleep(0.5)
            yield url
        finally:
            proc.terminate()
            try:
                proc.wait(timeout=30)
            except subprocess.TimeoutExpired:
                proc.kill()


def wait_for_pool(log: Path, timeout_s: float = 120, *, ready: int = 1) -> None:
    """Wait until Voila says its pre-heated kernel pool is filled (the kernels started) and
    ``ready`` pre-heated kernels in all have run the notebook up to waiting for a viewer (the
    dashboard logs ``coachkit dashboard: ready``)."""
    deadline = time.monotonic() + timeout_s
    while time.monotonic() < deadline:
        text = log.read_text(errors="replace")
        if "is filled with" in text and text.count("coachkit dashboard: ready in") >= ready:
            return
        time.sleep(0.5)


@contextlib.contextmanager
def chromium() -> Iterator[object]:
    from playwright.sync_api import sync_playwright

    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path=str(CHROMIUM), args=CHROMIUM_ARGS)
        try:
            yield browser
        finally:
            browser.close()


def watch_requests(page: object, external: list[str]) -> None:
    """Record every request that leaves 127.0.0.1 (the page must work offline) and block it."""

    def route(r: object) -> None:
        external.append(r.request.url)  # type: ignore[attr-defined]
        r.abort()  # type: ignore[attr-defined]

    page.route(  # type: ignore[attr-defined]
        lambda u: not (u.startswith("http://127.0.0.1") or u.startswith(("data:", "blob:"))),
        route,
    )


def close(page: object) -> None:
    """Close a page the way a viewer does, so Voila shuts its kernel down."""
    with contextlib.suppress(Exception):
        page.close(run_before_unload=True)  # type: ignore[attr-defined]


def assert_plan_consistent(store: object) -> None:
    """One current row per day, versions 1..n without gaps, and no two adaptations starting
    from the same version of a day (the sign of a lost update: two writers adapting the same
    plan version, the second overwriting the first)."""
    import json

    from coachkit.app.coach import adaptations, plan_frame

    assert plan_frame(store, "demo")["date"].is_unique
    rows = store.conn.execute(  # type: ignore[attr-defined]
        "SELECT date, COUNT(*), MAX(version) FROM plan_workouts GROUP BY plan_id, date"
    ).fetchall()
    assert all(n == top for _, n, top in rows), "a version of a day is missing"
    starts = [
        json.dumps(json.loads(c).get("before"), sort_keys=True)
        for c in adaptations(store, "demo")["change"]  # type: ignore[arg-type]
    ]
    assert len(starts) == len(set(starts)), "two adaptations changed the same version of a day"

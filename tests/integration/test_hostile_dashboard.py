"""The dashboard's secrets and static paths (issue 20): the token never reaches a log line,
malformed static paths answer 403/404 without a traceback, and the Strava token lock files are
0600 in 0700 folders."""

from __future__ import annotations

import logging
import os
import stat
import urllib.error
import urllib.request

import pytest

from coachkit.app.sync.tokens import TokenStore
from coachkit.viz.voila_server import install_redaction, redact
from tests.dashboard_support import dashboard_server

TOKEN = "s3cret-T0KEN-for-test"
BAD_STATIC = [
    "voila/templates/coachkit/static/..%2F..%2F..%2F..%2Fetc%2Fpasswd",
    "voila/templates/coachkit/static/..%2Fconf.json",
    "voila/templates/coachkit/static/%00",
    "voila/templates/coachkit",
    "voila/templates/..%2F..%2Fetc%2Fpasswd",
    "voila/static/..%2F..%2F..%2Fetc%2Fpasswd",
    "voila/static/%00",
    "voila/api/themes/..%2F..%2Fetc%2Fpasswd",
]


def test_redact_removes_token_parameters_and_the_token_itself():
    assert (
        redact(f"200 GET /?token={TOKEN}&a=1 (1.2.3.4)")
        == "200 GET /?token=<redacted>&a=1 (1.2.3.4)"
    )
    assert redact("GET /x?a=1&_xsrf=abc%3D") == "GET /x?a=1&_xsrf=<redacted>"
    assert redact(f"/login?next=%2F%3Ftoken%3D{TOKEN}") == "/login?next=%2F%3Ftoken%3D<redacted>"
    assert redact(f"Bearer {TOKEN} seen", (TOKEN,)) == "Bearer <redacted> seen"


def test_every_log_record_of_the_process_is_redacted(caplog):
    before = logging.getLogRecordFactory()
    try:
        install_redaction((TOKEN,))
        # loggers of their own: tornado's and Voila's may be configured by earlier tests
        with caplog.at_level(logging.INFO):
            logging.getLogger("ck-test.access").info("%d GET %s", 200, f"/?token={TOKEN}")
            logging.getLogger("ck-test.voila").warning("header %s", TOKEN)
    finally:
        logging.setLogRecordFactory(before)
    assert TOKEN not in caplog.text and caplog.text.count("<redacted>") == 2


@pytest.mark.timeout(300)
def test_a_served_dashboard_logs_no_token_and_refuses_bad_static_paths(tmp_path):
    pytest.importorskip("voila", reason="needs voila (the dashboard extra)")
    from typer.testing import CliRunner

    from coachkit.cli import app

    store, log = tmp_path / "store", tmp_path / "voila.log"
    assert CliRunner().invoke(app, ["init", "--store", str(store)]).exit_code == 0
    codes = {}
    with dashboard_server(store, log, pool_size=0, token=TOKEN) as url:
        for _ in range(3):  # the page, as a viewer's browser asks it again and again
            with urllib.request.urlopen(f"{url}?token={TOKEN}", timeout=180) as page:
                assert page.status == 200
        for path in BAD_STATIC:
            try:
                with urllib.request.urlopen(f"{url}{path}?token={TOKEN}", timeout=60) as r:
                    codes[path] = r.status
            except urllib.error.HTTPError as exc:
                codes[path] = exc.code
        ok = urllib.request.urlopen(f"{url}voila/templates/coachkit/static/index.css", timeout=60)
        assert ok.status == 200  # a real static file is still served
        text = log.read_text(errors="replace")  # before the shutdown and what it may print
    assert {p: c for p, c in codes.items() if c not in (403, 404)} == {}
    assert TOKEN not in text and "?token=<redacted>" in text
    assert "Traceback" not in text and "Uncaught exception" not in text


def test_the_token_lock_and_its_folders_are_private(tmp_path):
    old = os.umask(0o022)
    try:
        tokens = TokenStore(tmp_path / "config")
        with tokens.locked("me"):
            pass
        lock = tokens.path("me").with_suffix(".lock")
        assert stat.S_IMODE(lock.stat().st_mode) == 0o600
        for folder in (lock.parent, lock.parent.parent, tmp_path / "config"):
            assert stat.S_IMODE(folder.stat().st_mode) == 0o700, folder
        # files and folders left looser by an older coachkit are tightened on the next use
        lock.chmod(0o644)
        lock.parent.chmod(0o755)
        lock.parent.parent.chmod(0o755)
        with tokens.locked("me"):
            pass
        assert stat.S_IMODE(lock.stat().st_mode) == 0o600
        assert stat.S_IMODE(lock.parent.stat().st_mode) == 0o700
        assert stat.S_IMODE(lock.parent.parent.stat().st_mode) == 0o700
    finally:
        os.umask(old)

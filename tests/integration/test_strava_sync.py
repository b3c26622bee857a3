"""Strava sync against a local fake of the API serving the real JSON of ../shared/data/real.

Nothing here touches the network: the fake runs on 127.0.0.1 (tests/fake_strava.py).
"""

from __future__ import annotations

import copy
import json
import logging
import stat
from pathlib import Path

import pytest

pytest.importorskip("requests")

from coachkit.app.ingest import ingest
from coachkit.app.sync.state import last_synced
from coachkit.app.sync.strava import authorize, sync_strava
from coachkit.app.sync.strava_api import StravaAPI
from coachkit.app.sync.strava_limits import QUARTER_S
from coachkit.app.sync.tokens import Token, TokenStore, load_app
from coachkit.store import Store
from tests.conftest import real_file
from tests.fake_strava import FakeStrava, running

pytestmark = pytest.mark.real_data
ATHLETE = "runner1"
RECIFE = "athlete_history/runpandas_recife_runner/extra_formats/2020-12-06_strava_api_"


def _load(rel: str):
    return json.loads(real_file(rel).read_text("utf-8"))


def _key_by_type(flat: dict) -> dict:
    """sports-lib saved streams flattened ({type: [...]}); the API sends {type: {"data": ...}}."""
    return {
        k: {"data": v, "series_type": "distance", "resolution": "high"} for k, v in flat.items()
    }


@pytest.fixture()
def fake() -> FakeStrava:
    page = _load("strava_api/elevate_athlete_activities_page.json")[0]  # 50 real summaries
    detailed = _load("strava_api/stravalib_activity.3.json")  # a 2013 run, no streams served
    recife = _load(RECIFE + "activity.json")
    recife_streams = _load(RECIFE + "streams.json")
    return FakeStrava(
        activities=page + [detailed, recife], streams={str(recife["id"]): recife_streams}
    )


@pytest.fixture()
def env(tmp_path, monkeypatch, fake):
    monkeypatch.setenv("COACHKIT_CONFIG_DIR", str(tmp_path / "config"))
    monkeypatch.setenv("STRAVA_CLIENT_ID", fake.client_id)
    monkeypatch.setenv("STRAVA_CLIENT_SECRET", fake.client_secret)
    with running(fake) as base:
        monkeypatch.setenv("COACHKIT_STRAVA_BASE_URL", base)
        yield base


def _connect(fake: FakeStrava) -> Token:
    import requests

    return authorize(
        ATHLETE, open_browser=lambda url: requests.get(url, timeout=10), show=lambda s: None
    )


def _api(fake: FakeStrava, slept: list[float] | None = None, **kw) -> StravaAPI:
    def sleep(seconds: float) -> None:
        if slept is not None:
            slept.append(seconds)
        before = fake.now
        fake.now += seconds
        if fake.now // QUARTER_S != before // QUARTER_S:
            fake.reset_window()

    return StravaAPI(ATHLETE, load_app(), TokenStore(), clock=lambda: fake.now, sleep=sleep, **kw)


def _strava_ids(store: Store) -> list[str]:
    df = store.activities(ATHLETE, include_extra=True)
    return sorted(x.get("external_id", "") for x in df["extra"])


def test_oauth_code_flow_saves_tokens_0600(env, fake, tmp_path):
    token = _connect(fake)
    path = TokenStore().path(ATHLETE)
    assert stat.S_IMODE(path.stat().st_mode) == 0o600
    assert stat.S_IMODE(path.parent.stat().st_mode) == 0o700
    assert json.loads(path.read_text())["refresh_token"] == fake.refresh
    assert token.access_token in fake.access and "fake-" not in repr(token)
    assert str(tmp_path / "config") in str(path)


def test_first_full_sync_then_incremental_pulls_only_new(env, fake, store_dir):
    recife = fake.activities.pop()  # the newest run (2020) arrives later
    _connect(fake)
    store = Store(store_dir)
    api = _api(fake)
    api.page_size = 20  # 51 activities = 3 pages: paging is exercised
    report = sync_strava(store, ATHLETE, api=api)
    assert report.status == "ok", report.message
    assert report.new == 51 and not report.quarantined
    acts = store.activities(ATHLETE)
    assert len(acts) == 51
    assert set(acts["source_kind"]) == {"strava_api"}  # no streams served for these
    assert (acts["sport"] == "ride").sum() == 37  # 36 Ride + 1 VirtualRide
    assert (acts["sport"] == "run").sum() == 7
    assert len(fake.paths("/api/v3/athlete/activities")) == 3
    runs_listed = 7
    assert len(fake.paths("/api/v3/activities/")) == runs_listed  # streams asked for runs only
    first = last_synced(store, ATHLETE)["strava"]
    assert first["status"] == "ok" and first["last_success_at"]

    fake.activities.append(recife)
    fake.log.clear()
    again = sync_strava(store, ATHLETE, api=_api(fake))
    assert again.status == "ok" and again.new == 1 and again.merged == 0
    assert fake.paths("/api/v3/activities/") == [f"/api/v3/activities/{recife['id']}/streams"]
    acts = store.activities(ATHLETE)
    assert len(acts) == 52
    new = acts[acts["source_kind"] == "strava_streams"]
    assert len(new) == 1 and bool(new["has_samples"].iloc[0])
    assert new["distance_m"].iloc[0] == pytest.approx(12019.7)
    assert len(store.read_samples(ATHLETE, new["activity_id"].iloc[0])) == 1747

    fake.log.clear()
    third = sync_strava(store, ATHLETE, api=_api(fake))  # nothing new: one list request
    assert (third.new, third.merged, third.status) == (0, 0, "ok")
    assert fake.paths("/api/v3/") == ["/api/v3/athlete/activities"]
    assert len(_strava_ids(store)) == len(set(_strava_ids(store))) == 52


def test_expired_token_is_refreshed_and_rotated_refresh_token_persisted(env, fake, store_dir):
    _connect(fake)
    old = TokenStore().load(ATHLETE)
    fake.now += fake.token_life_s + 10  # the access token has expired
    report = sync_strava(Store(store_dir), ATHLETE, api=_api(fake))
    assert report.status == "ok", report.message
    saved = TokenStore().load(ATHLETE)
    assert saved.refresh_token == fake.refresh != old.refresh_token  # rotated and persisted
    assert saved.access_token != old.access_token and saved.expires_at > fake.now
    assert stat.S_IMODE(TokenStore().path(ATHLETE).stat().st_mode) == 0o600
    assert ("POST", "/oauth/token") in fake.log[1:]

    # a token revoked early answers 401: refreshed once and the call repeated
    fake.access.clear()
    fake.activities.append(dict(fake.activities[0], id=1, start_date="2021-05-01T07:00:00Z"))
    report = sync_strava(Store(store_dir), ATHLETE, api=_api(fake))
    assert report.status == "ok" and report.new == 1
    assert TokenStore().load(ATHLETE).refresh_token == fake.refresh


def test_rate_limit_mid_sync_pauses_and_resumes_without_loss_or_duplicates(env, fake, store_dir):
    for i, run in enumerate(("3156040843", "3183465494")):  # two more runs with streams
        fake.activities.append(
            dict(fake.activities[-1], id=int(run), start_date=f"2021-0{i + 1}-10T08:00:00Z")
        )
        flat = _load(f"strava_api/sportslib_strava_streams_run_{run}.json")
        fake.streams[run] = _key_by_type(flat)
    _connect(fake)
    fake.read_limits = (4, 1000)  # 4 reads per 15 minutes: the list and 3 streams
    store = Store(store_dir)
    slept: list[float] = []
    first = sync_strava(store, ATHLETE, api=_api(fake, slept, max_wait_s=0))
    assert first.status == "paused" and "15-minute read limit" in first.message
    assert "run the sync again after" in first.message and not slept
    assert last_synced(store, ATHLETE)["strava"]["status"] == "paused"
    assert last_synced(store, ATHLETE)["strava"]["last_success_at"] is None
    n_first = len(store.activities(ATHLETE))
    assert 0 < n_first < 54
    n_requests = len(fake.log)  # asked again before the window resets: no request is spent
    early = sync_strava(store, ATHLETE, api=_api(fake, slept, max_wait_s=0))
    assert early.status == "paused" and len(fake.log) == n_requests
    assert early.resume_at == first.resume_at

    rounds = 0
    while True:  # the user runs the sync again in each new window
        fake.now = (fake.now // QUARTER_S + 1) * QUARTER_S
        fake.reset_window()
        report = sync_strava(store, ATHLETE, api=_api(fake, slept, max_wait_s=0))
        rounds += 1
        if report.status == "ok":
            break
        assert report.status == "paused" and rounds < 10
    acts = store.activities(ATHLETE)
    assert len(acts) == 54
    ids = _strava_ids(store)
    assert len(ids) == len(set(ids)) == 54
    assert not acts["quality_flags"].str.contains("duplicate_of").any()
    streams_calls = fake.paths("/api/v3/activities/")
    assert len(streams_calls) == len(set(streams_calls)) == 10  # each run's streams once
    assert (acts["source_kind"] == "strava_streams").sum() == 3

    # a short wait is waited out instead: the same limits with max_wait_s = 15 minutes
    fresh = Store(store_dir.parent / "store2")
    fake.reset_window()
    done = sync_strava(fresh, ATHLETE, api=_api(fake, slept, max_wait_s=QUARTER_S))
    assert done.status == "ok" and len(fresh.activities(ATHLETE)) == 54
    assert slept and max(slept) <= QUARTER_S + 1


def test_a_429_answer_is_waited_out_or_paused(env, fake, store_dir):
    _connect(fake)
    fake.throttle["/api/v3/athlete/activities"] = 1
    slept: list[float] = []
    report = sync_strava(Store(store_dir), ATHLETE, api=_api(fake, slept, max_wait_s=QUARTER_S))
    assert report.status == "ok" and report.new == 52 and len(slept) == 1


def test_dropped_connection_is_retried_then_resumed_later(env, fake, store_dir):
    _connect(fake)
    recife_id = str(fake.activities[-1]["id"])
    streams = f"/api/v3/activities/{recife_id}/streams"
    fake.drop[streams] = 1  # one dropped connection: retried at once
    store = Store(store_dir)
    report = sync_strava(store, ATHLETE, api=_api(fake))
    assert report.status == "ok" and report.new == 52
    assert fake.paths(streams) == [streams, streams]

    store2 = Store(store_dir.parent / "store2")
    fake.drop[streams] = 50  # the line stays down: stop cleanly
    report = sync_strava(store2, ATHLETE, api=_api(fake, retries=2))
    assert report.status == "interrupted" and "connection to Strava failed" in report.message
    n = len(store2.activities(ATHLETE))
    fake.drop.clear()
    report = sync_strava(store2, ATHLETE, api=_api(fake))
    assert report.status == "ok" and report.new == 52 - n
    assert len(set(_strava_ids(store2))) == len(store2.activities(ATHLETE)) == 52


def test_unknown_activity_type_and_a_broken_entry_never_stop_the_batch(env, fake, store_dir):
    odd = copy.deepcopy(fake.activities[5])
    odd.update(id=7, type="Zorbing", sport_type="Zorbing", start_date="2021-06-01T10:00:00Z")
    broken = dict(fake.activities[6], id=8, start_date="yesterday-ish")
    fake.activities += [odd, broken, "not an activity"]
    fake.streams["906581465"] = {}  # a run whose streams come back empty
    fake.streams["888821043"] = {"time": {"data": "garbage"}}  # and one with broken streams
    _connect(fake)
    store = Store(store_dir)
    report = sync_strava(store, ATHLETE, api=_api(fake))
    assert report.status == "ok"
    assert report.new == 53  # the 52 plus the unknown type
    assert {q[0] for q in report.quarantined} == {"8", "page 1"}
    acts = store.activities(ATHLETE, include_extra=True)
    zorb = acts[[x.get("external_id") == "strava:7" for x in acts["extra"]]]
    assert zorb["sport"].tolist() == ["other"]
    for run in ("906581465", "888821043"):  # their summaries stand in for the streams
        row = acts[[x.get("external_id") == f"strava:{run}" for x in acts["extra"]]]
        assert row["source_kind"].tolist() == ["strava_api"] and row["distance_m"].iloc[0] > 0
    again = sync_strava(store, ATHLETE, api=_api(fake))  # the broken one is not retried forever
    assert again.new == 0 and [q[0] for q in again.quarantined] == ["page 1"]


@pytest.mark.parametrize("fit_first", [True, False])
def test_same_run_from_strava_and_fit_file_is_one_activity_fit_wins(
    env, fake, store_dir, fit_first
):
    fit = real_file("fit/elevate_bloemendaal_suunto_trail_power.fit")
    flat = _load("strava_api/sportslib_strava_streams_run_3156040843.json")
    # the Strava summary of that run, from the FIT's own start and distance (sports-lib saved
    # only its streams); every other field comes from a real summary of the page
    summary = dict(
        fake.activities[-1],
        id=3156040843,
        name="Bloemendaal trail",
        type="Run",
        sport_type="TrailRun",
        start_date="2020-03-04T16:14:31Z",
        start_date_local="2020-03-04T17:14:31Z",
        utc_offset=3600.0,
        distance=6458.0,
        elapsed_time=2196,
        moving_time=2161,
    )
    fake.activities, fake.streams = [summary], {"3156040843": _key_by_type(flat)}
    _connect(fake)
    store = Store(store_dir)
    if fit_first:
        ingest(store, [fit], ATHLETE)
    report = sync_strava(store, ATHLETE, api=_api(fake))
    if not fit_first:
        assert report.new == 1
        ingest(store, [fit], ATHLETE)
    else:
        assert report.merged == 1 and report.new == 0
    acts = store.activities(ATHLETE)
    assert len(acts) == 1
    row = acts.iloc[0]
    assert row["source_kind"] == "fit"  # the device file wins
    linked = store.linked_sources(row["activity_id"])
    assert sorted(linked["source_kind"]) == ["fit", "strava_streams"]
    assert linked.loc[linked["is_primary"] == 1, "source_kind"].tolist() == ["fit"]


def test_no_token_or_secret_in_logs_output_or_errors(env, fake, store_dir, caplog, capsys):
    caplog.set_level(logging.DEBUG)
    token = _connect(fake)
    fake.now += fake.token_life_s + 10  # forces a refresh: new tokens in flight
    report = sync_strava(Store(store_dir), ATHLETE, api=_api(fake))
    assert report.status == "ok"
    fake.access.clear()
    fake.refresh = "revoked"  # the refresh now fails: an error message is produced
    failed = sync_strava(Store(store_dir), ATHLETE, api=_api(fake))
    assert failed.status == "failed" and "coachkit strava auth" in failed.message
    out = capsys.readouterr()
    secrets = fake.issued + [fake.client_secret]
    assert len(fake.issued) >= 4
    texts = {
        "log": caplog.text,
        "stdout": out.out,
        "stderr": out.err,
        "messages": json.dumps([report.as_dict(), failed.as_dict()]),
        "repr": repr(token) + repr(load_app()),
        "store": "".join(p.read_text("latin-1") for p in Path(store_dir).glob("catalog.sqlite*")),
    }
    for where, text in texts.items():
        for secret in secrets:
            assert secret not in text, f"a secret leaked into {where}"


def _cli(*args: str):
    """``python -m coachkit.cli ARGS`` in a child process, with this test's environment."""
    import os
    import subprocess
    import sys

    return subprocess.run(
        [sys.executable, "-m", "coachkit.cli", *args],
        capture_output=True,
        text=True,
        env={**os.environ},
        timeout=120,
    )


def test_cli_sync_strava_all_and_status(env, fake, store_dir, tmp_path):
    _connect(fake)
    out = _cli("sync", "strava", "--athlete", ATHLETE, "--store", str(store_dir), "--json")
    assert out.returncode == 0, out.stderr
    (report,) = json.loads(out.stdout)
    assert report["status"] == "ok" and report["new"] == 52
    fake.read_limits = (fake.read_usage[0], 1000)  # the 15-minute read window is spent
    out = _cli("sync", "all", "--athlete", ATHLETE, "--store", str(store_dir), "--max-wait", "0")
    assert out.returncode == 3, out.stdout + out.stderr  # paused: run again later
    assert "strava: 0 new" in out.stdout and "paused" in out.stdout
    status = _cli("sync", "status", "--athlete", ATHLETE, "--store", str(store_dir))
    state = json.loads(status.stdout)["strava"]
    assert state["status"] == "paused" and state["last_success_at"] <= state["last_attempt_at"]
    for secret in fake.issued + [fake.client_secret]:
        assert secret not in out.stdout + out.stderr + status.stdout


def test_help_imports_no_sync_libraries():
    import subprocess
    import sys

    code = (
        "import sys; from typer.testing import CliRunner; from coachkit.cli import app; "
        "r = CliRunner().invoke(app, ['sync', '--help']); assert r.exit_code == 0, r.output; "
        "bad = {'pandas', 'requests', 'stravalib', 'garminconnect'} & set(sys.modules); "
        "assert not bad, bad"
    )
    subprocess.run([sys.executable, "-c", code], check=True)


def test_synced_store_rebuilds_to_the_same_activities_and_shows_freshness(env, fake, store_dir):
    from datetime import datetime, timedelta, timezone

    from coachkit.app.rebuild import rebuild
    from coachkit.app.sync.state import freshness

    _connect(fake)
    store = Store(store_dir)
    assert sync_strava(store, ATHLETE, api=_api(fake)).status == "ok"
    before = store.activities(ATHLETE).drop(columns=["load", "load_method"])
    report = rebuild(store)
    assert report.count("quarantined") == 0
    after = store.activities(ATHLETE).drop(columns=["load", "load_method"])
    assert before.equals(after)  # the raw Strava JSON in raw/ is enough to rebuild
    last_success = last_synced(store, ATHLETE)["strava"]["last_success_at"]
    done = datetime.fromisoformat(last_success.replace("Z", "+00:00"))
    (line,) = freshness(store, ATHLETE, now=done + timedelta(hours=3))
    assert line.startswith("Strava: synced 3 h ago (") and line.endswith(" UTC)")
    assert done.tzinfo == timezone.utc


def test_cli_strava_auth_connects_and_reports_without_secrets(env, fake, monkeypatch):
    import webbrowser

    import requests
    from typer.testing import CliRunner

    from coachkit.cli import app

    monkeypatch.setattr(webbrowser, "open", lambda url: requests.get(url, timeout=10))
    result = CliRunner().invoke(app, ["strava", "auth", "--athlete", ATHLETE, "--timeout", "20"])
    assert result.exit_code == 0, result.output
    assert "Strava connected for runner1" in result.output
    assert TokenStore().load(ATHLETE).refresh_token == fake.refresh
    for secret in fake.issued + [fake.client_secret]:
        assert secret not in result.output
    monkeypatch.delenv("STRAVA_CLIENT_SECRET")
    missing = CliRunner().invoke(app, ["strava", "auth", "--athlete", ATHLETE])
    assert missing.exit_code == 1 and "STRAVA_CLIENT_SECRET" in missing.output

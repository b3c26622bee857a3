"""Garmin: the account export zip (built here from real files) and live sync against a fake.

The fake stands at the garminconnect API boundary (the ``Garmin`` methods coachkit calls) and
answers with real Garmin Connect JSON from ../shared/data/real/wellness/garmin_connect_garth.
"""

from __future__ import annotations

import datetime as dt
import io
import json
import stat
import zipfile

import pytest

from coachkit.app.ingest import ingest
from coachkit.app.sync.garmin import GarminSession, sync_garmin
from coachkit.app.sync.state import last_synced
from coachkit.store import Store
from tests.conftest import real_file

pytestmark = pytest.mark.real_data
ATHLETE = "runner1"
GARTH = "wellness/garmin_connect_garth"
FIT_A = "fit/elevate_garmin_export_20171011_run_vivoactiveHR.fit"
FIT_B = "fit/sportslib_2067489619_vivoactiveHR_run.fit"


def _zip(members: dict[str, bytes]) -> bytes:
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w", zipfile.ZIP_DEFLATED) as zf:
        for name, data in members.items():
            zf.writestr(name, data)
    return buf.getvalue()


def test_garmin_account_export_zip_gives_activities_and_wellness(store_dir, tmp_path):
    """Laid out like Garmin's export: uploaded FIT files in a zip inside the zip, wellness JSON
    in DI-Connect-Wellness. (The wellness members are real Garmin Connect responses for those
    endpoints; a real account export's own JSON is not available under an open licence.)"""
    uploads = _zip(
        {
            "garmin_export_20171011_run.fit": real_file(FIT_A).read_bytes(),
            "2067489619.fit": real_file(FIT_B).read_bytes(),
        }
    )
    wellness = {
        f"DI_CONNECT/DI-Connect-Wellness/{name}": real_file(f"{GARTH}/{name}").read_bytes()
        for name in (
            "hrv_daily_status_2023-06-11_2023-06-22.json",
            "sleep_daily_2021-07-01.json",
            "training_readiness_2025-07-06.json",
            "heart_rate_daily_2026-01-05.json",
        )
    }
    # the export's daily summaries (UDSFile) are a list of the user-summary objects
    uds = [
        json.loads(real_file(f"{GARTH}/daily_summary_2025-06-1{d}.json").read_text())
        for d in (3, 4)
    ]
    wellness["DI_CONNECT/DI-Connect-Aggregator/UDSFile_2025-06-13_2025-06-14.json"] = json.dumps(
        uds
    ).encode()
    export = tmp_path / "garmin_export.zip"
    export.write_bytes(
        _zip(
            {
                "DI_CONNECT/DI-Connect-Uploaded-Files/UploadedFiles_0-_Part1.zip": uploads,
                **wellness,
                "DI_CONNECT/DI-Connect-User/user_profile.html": b"<html></html>",
            }
        )
    )
    store = Store(store_dir)
    report = ingest(store, [export], ATHLETE)
    assert report.count("quarantined") == 0, [o.reason for o in report.quarantined]
    acts = store.activities(ATHLETE)
    assert len(acts) == 2 and set(acts["source_kind"]) == {"fit"}
    assert acts["has_samples"].all() and set(acts["sport"]) == {"run"}
    assert sorted(acts["start_time"].dt.date.astype(str)) == ["2017-10-08", "2017-10-11"]
    w = store.wellness(ATHLETE).set_index("date")
    assert w.loc["2021-07-01", "sleep_s"] == 18540
    assert w.loc["2025-07-06", "readiness"] == 66
    assert w.loc["2026-01-05", "resting_hr"] == 49
    assert w.loc["2025-06-14", ["resting_hr", "stress"]].tolist() == [51, 24]
    assert w["rmssd_ms"].notna().sum() == 12  # the HRV status of 2023-06-11..22
    again = ingest(store, [export], ATHLETE)  # re-ingesting the export changes nothing
    assert again.totals()["new_activities"] == 0 and len(store.activities(ATHLETE)) == 2


class FakeGarmin:
    """The garminconnect.Garmin methods coachkit uses, answering with real saved responses."""

    def __init__(self, real, fail_on: str | None = None) -> None:
        self.real, self.calls, self.fail_on = real, [], fail_on
        self.listing = json.loads((real / GARTH / "activity_list_start0.json").read_text())

    def _file(self, stem: str, day: str):
        path = self.real / GARTH / f"{stem}_{day}.json"
        return json.loads(path.read_text()) if path.exists() else None

    def get_activities_by_date(self, start, end, *a):
        self.calls.append(("list", start, end))
        return [x for x in self.listing if start <= x["startTimeGMT"][:10] <= end]

    def download_activity(self, activity_id, dl_fmt=None):
        self.calls.append(("download", str(activity_id)))
        if self.fail_on == str(activity_id):
            from garminconnect import GarminConnectTooManyRequestsError

            raise GarminConnectTooManyRequestsError("Too many requests: 429")
        if self.fail_on == "404":
            from garminconnect import GarminConnectConnectionError

            raise GarminConnectConnectionError("API Error 404 - Not Found")
        if str(activity_id) == str(self.listing[0]["activityId"]):
            return _zip({f"{activity_id}_ACTIVITY.fit": real_file(FIT_A).read_bytes()})
        return _zip({f"{activity_id}_ACTIVITY.fit": b"not a FIT file at all"})

    def get_hrv_data(self, day):
        self.calls.append(("hrv", day))
        return self._file("hrv_night_detail", day)

    def get_sleep_data(self, day):
        return self._file("sleep_daily", day)

    def get_heart_rates(self, day):
        return self._file("heart_rate_daily", day)

    def get_stress_data(self, day):
        return self._file("body_battery_stress_daily", day)

    def get_training_readiness(self, day):
        return self._file("training_readiness", day)


def test_garmin_live_sync_against_a_fake(real_dir, store_dir):
    pytest.importorskip("garminconnect")
    fake = FakeGarmin(real_dir)
    store = Store(store_dir)
    report = sync_garmin(store, ATHLETE, client=fake, today=dt.date(2026, 1, 8), days=5)
    assert report.status == "ok", report.message
    assert report.new == 2 and not report.quarantined
    acts = store.activities(ATHLETE)
    # the first download is a real FIT; the second is broken, so its listing entry stands in
    assert sorted(acts["source_kind"]) == ["fit", "garmin_json"]
    assert store.wellness(ATHLETE).set_index("date").loc["2026-01-05", "resting_hr"] == 49
    assert last_synced(store, ATHLETE)["garmin"]["status"] == "ok"

    fake.calls.clear()
    again = sync_garmin(store, ATHLETE, client=fake, today=dt.date(2026, 1, 9))
    assert again.status == "ok" and again.new == 0
    assert not [c for c in fake.calls if c[0] == "download"]  # nothing fetched twice
    listed = [c for c in fake.calls if c[0] == "list"]
    assert listed and listed[0][1] >= "2025-12-31"  # incremental: from the last sync on
    assert len(store.activities(ATHLETE)) == 2


def test_garmin_rate_limit_pauses_and_resumes(real_dir, store_dir):
    pytest.importorskip("garminconnect")
    fake = FakeGarmin(real_dir, fail_on=str(json.loads(
        (real_dir / GARTH / "activity_list_start0.json").read_text())[0]["activityId"]))  # fmt: skip
    store = Store(store_dir)
    report = sync_garmin(store, ATHLETE, client=fake, today=dt.date(2026, 1, 8), days=5)
    assert report.status == "paused" and "continues where it stopped" in report.message
    assert len(store.activities(ATHLETE)) == 1
    fake.fail_on = None
    report = sync_garmin(store, ATHLETE, client=fake, today=dt.date(2026, 1, 8), days=5)
    assert report.status == "ok" and report.new == 1
    assert len(store.activities(ATHLETE)) == 2


def test_garmin_session_tokens_are_private(tmp_path, monkeypatch):
    monkeypatch.setenv("COACHKIT_CONFIG_DIR", str(tmp_path))

    class Client:
        class client:  # noqa: N801 (the shape of garminconnect.Garmin().client)
            @staticmethod
            def dumps() -> str:
                return json.dumps({"di_token": "tok-secret", "di_refresh_token": "ref-secret"})

    session = GarminSession()
    session.save(ATHLETE, Client())
    path = session.path(ATHLETE)
    assert stat.S_IMODE(path.stat().st_mode) == 0o600
    assert stat.S_IMODE(path.parent.stat().st_mode) == 0o700
    assert session.has(ATHLETE) and str(tmp_path) in str(path)


def test_garmin_activity_without_an_original_file_keeps_its_summary(real_dir, store_dir):
    pytest.importorskip("garminconnect")
    fake = FakeGarmin(real_dir, fail_on="404")  # manual entries have no original to download
    store = Store(store_dir)
    report = sync_garmin(store, ATHLETE, client=fake, today=dt.date(2026, 1, 8), days=5)
    assert report.status == "ok" and report.new == 2
    acts = store.activities(ATHLETE)
    assert set(acts["source_kind"]) == {"garmin_json"} and acts["distance_m"].gt(0).all()


def test_garmin_login_uses_env_or_prompt_keeps_only_the_session(tmp_path, monkeypatch):
    garminconnect = pytest.importorskip("garminconnect")
    from coachkit.app.sync.garmin import GarminLoginError

    seen: list = []

    class FakeLogin:  # garminconnect.Garmin at its boundary: login() and client.dumps()
        def __init__(self, email=None, password=None, **kw):
            self.email, self.password = email, password
            outer = self

            class _Client:
                @staticmethod
                def dumps() -> str:
                    return json.dumps({"di_token": f"session-for-{outer.email}"})

            self.client = _Client()

        def login(self, tokenstore=None):
            seen.append((self.email, tokenstore))
            if tokenstore is None and self.password != "right-pass-5150":
                raise garminconnect.GarminConnectAuthenticationError(
                    f"bad password right? wrong-pass-5150 for {self.email}"
                )

    monkeypatch.setattr(garminconnect, "Garmin", FakeLogin)
    monkeypatch.setenv("GARMIN_EMAIL", "me@example.org")
    monkeypatch.setenv("GARMIN_PASSWORD", "wrong-pass-5150")
    session = GarminSession(tmp_path)
    with pytest.raises(GarminLoginError) as err:
        session.login(ATHLETE)
    assert "wrong-pass-5150" not in str(err.value) and not session.has(ATHLETE)
    monkeypatch.delenv("GARMIN_PASSWORD")
    asked = []
    session.login(
        ATHLETE, prompt=lambda label, hidden: asked.append((label, hidden)) or "right-pass-5150"
    )
    assert asked == [("Garmin Connect password", True)]
    saved = session.path(ATHLETE)
    assert stat.S_IMODE(saved.stat().st_mode) == 0o600
    assert (
        "right-pass-5150" not in saved.read_text()
        and "session-for-me@example.org" in saved.read_text()
    )
    session.login(ATHLETE)  # the saved session is used: no credentials asked
    assert seen[-1] == (None, str(saved.parent))


def test_doctor_flags_sync_credentials_readable_by_others(tmp_path, monkeypatch):
    from coachkit.app.doctor import run_checks
    from coachkit.app.sync.tokens import Token, TokenStore

    monkeypatch.setenv("COACHKIT_CONFIG_DIR", str(tmp_path))
    TokenStore().save(ATHLETE, Token("a-tok-1", "r-tok-1", 1))
    (check,) = [c for c in run_checks(tmp_path / "no-store") if c[1] == "sync credentials"]
    assert check[0] == "ok" and "1 saved session" in check[2]
    TokenStore().path(ATHLETE).chmod(0o644)
    (check,) = [c for c in run_checks(tmp_path / "no-store") if c[1] == "sync credentials"]
    assert check[0] == "fail" and "chmod 600" in check[2]

"""The Strava protocol layer with recorded-style responses (the `responses` library): rate-limit
headers, waits versus clean stops, 401 refresh with rotation, retries, redaction."""

from __future__ import annotations

import json
import stat

import pytest

responses = pytest.importorskip("responses")
requests = pytest.importorskip("requests")

from coachkit.app.sync.strava_api import (  # noqa: E402
    AuthError,
    NotFound,
    RateLimited,
    StravaAPI,
    Unavailable,
)
from coachkit.app.sync.strava_limits import RateState  # noqa: E402
from coachkit.app.sync.tokens import StravaApp, Token, TokenStore  # noqa: E402

BASE = "https://strava.test"
LIST = f"{BASE}/api/v3/athlete/activities"
TOKEN_URL = f"{BASE}/oauth/token"
T0 = 1_700_000_000.0  # 22:13:20 UTC: 100 s before a quarter-hour, 6,400 s before midnight
SECRET = "client-secret-9d8c7b"


def _headers(usage="10,100", read_usage="5,50", limit="200,2000", read_limit="100,1000"):
    return {
        "X-RateLimit-Limit": limit,
        "X-RateLimit-Usage": usage,
        "X-ReadRateLimit-Limit": read_limit,
        "X-ReadRateLimit-Usage": read_usage,
    }


@pytest.fixture()
def api(tmp_path):
    tokens = TokenStore(tmp_path)
    tokens.save("me", Token("access-old-1111", "refresh-old-2222", int(T0 + 3600)))
    slept: list[float] = []
    clock = {"now": T0}

    def sleep(s: float) -> None:
        slept.append(s)
        clock["now"] += s

    a = StravaAPI(
        "me",
        StravaApp("42", SECRET),
        tokens,
        base=BASE,
        clock=lambda: clock["now"],
        sleep=sleep,
        retries=2,
    )
    a.slept, a.clock_state = slept, clock  # type: ignore[attr-defined]
    return a


def test_rate_state_reads_both_windows_for_overall_and_read_requests():
    r = RateState()
    r.update(_headers(usage="200,300", read_usage="20,900"))
    at, what = r.reset_at(T0, read=True)
    assert what == "15-minute limit (200)" and at - T0 == 100
    r.update(_headers(usage="20,300", read_usage="20,1000"))
    at, what = r.reset_at(T0, read=True)
    assert what == "daily read limit (1000)" and at - T0 == 6400
    assert r.reset_at(T0, read=False) is None  # writes are not bound by the read limit
    r.update({"X-RateLimit-Usage": "garbage"})  # unparsable headers keep the last good ones
    assert r.usage == (20, 300)


@responses.activate
def test_short_wait_is_waited_out_then_the_request_is_made(api):
    responses.get(LIST, json=[], headers=_headers(read_usage="100,500"))
    api.activities_page(0, 1)  # this answer says the 15-minute read window is now spent
    responses.get(LIST, json=[{"id": 1}], headers=_headers())
    assert json.loads(api.activities_page(0, 2)) == [{"id": 1}]
    assert api.slept == [101]  # to the quarter-hour, plus a second
    assert len(responses.calls) == 2


@responses.activate
def test_long_wait_stops_cleanly_without_spending_a_request(api):
    responses.get(LIST, json=[], headers=_headers(usage="10,2000"))
    api.activities_page(0, 1)
    with pytest.raises(RateLimited) as err:
        api.activities_page(0, 2)
    assert "daily limit (2000)" in str(err.value) and "2023-11-15 00:00 UTC" in str(err.value)
    assert err.value.resume_at_s == T0 + 6400
    assert len(responses.calls) == 1 and not api.slept


@responses.activate
def test_429_is_retried_after_a_short_wait(api):
    spent = _headers(usage="200,300")
    responses.get(LIST, status=429, json={"message": "Rate Limit Exceeded"}, headers=spent)
    responses.get(LIST, json=[], headers=_headers(usage="1,301"))
    assert api.activities_page(0, 1) == b"[]"
    assert api.slept == [101] and len(responses.calls) == 2


@responses.activate
def test_429_without_headers_pauses_when_waiting_is_not_allowed(api):
    api.max_wait_s = 0
    responses.get(LIST, status=429, body="")
    with pytest.raises(RateLimited, match="15-minute limit"):
        api.activities_page(0, 1)
    assert len(responses.calls) == 1


@responses.activate
def test_401_refreshes_once_and_persists_the_rotated_refresh_token(api, tmp_path):
    responses.get(LIST, status=401, json={"message": "Authorization Error"})
    responses.post(
        TOKEN_URL,
        json={
            "access_token": "access-new-3333",
            "refresh_token": "refresh-new-4444",
            "expires_at": int(T0 + 21600),
        },
    )
    responses.get(LIST, json=[], headers=_headers())
    assert api.activities_page(0, 1) == b"[]"
    form = responses.calls[1].request.body
    assert "refresh_token=refresh-old-2222" in form and "grant_type=refresh_token" in form
    assert responses.calls[2].request.headers["Authorization"] == "Bearer access-new-3333"
    saved = TokenStore(tmp_path).load("me")
    assert (saved.access_token, saved.refresh_token) == ("access-new-3333", "refresh-new-4444")
    assert stat.S_IMODE(TokenStore(tmp_path).path("me").stat().st_mode) == 0o600


@responses.activate
def test_expiring_token_is_refreshed_before_the_call_and_kept_if_not_rotated(api, tmp_path):
    api.clock_state["now"] = T0 + 3590  # expires in 10 s: refresh first
    responses.post(
        TOKEN_URL, json={"access_token": "access-new-5555", "expires_at": int(T0 + 30000)}
    )
    responses.get(LIST, json=[], headers=_headers())
    api.activities_page(0, 1)
    assert responses.calls[0].request.url == TOKEN_URL
    saved = TokenStore(tmp_path).load("me")
    assert saved.refresh_token == "refresh-old-2222" and saved.access_token == "access-new-5555"


@responses.activate
def test_refused_refresh_is_an_auth_error_without_secrets(api):
    api.clock_state["now"] = T0 + 7200
    responses.post(TOKEN_URL, status=400, json={"message": "Bad Request"})
    with pytest.raises(AuthError) as err:
        api.activities_page(0, 1)
    text = str(err.value)
    assert "coachkit strava auth --athlete me" in text
    for secret in (SECRET, "access-old-1111", "refresh-old-2222"):
        assert secret not in text


@responses.activate
def test_dropped_connections_are_retried_then_reported(api):
    responses.get(LIST, body=requests.ConnectionError("Connection reset by peer"))
    responses.get(LIST, json=[], headers=_headers())
    assert api.activities_page(0, 1) == b"[]"
    assert api.slept == [1.0]
    responses.reset()
    responses.get(LIST, body=requests.ConnectionError("reset"))
    with pytest.raises(Unavailable, match="connection to Strava failed"):
        api.activities_page(0, 1)
    assert len(responses.calls) == 3  # the first try and 2 retries


@responses.activate
def test_server_errors_are_retried_and_404_is_not_found(api):
    responses.get(LIST, status=503, body="busy")
    responses.get(LIST, json=[], headers=_headers())
    assert api.activities_page(0, 1) == b"[]"
    responses.get(f"{BASE}/api/v3/activities/9/streams", status=404, json={"message": "nope"})
    with pytest.raises(NotFound):
        api.streams("9")


def test_token_and_app_reprs_hide_secrets():
    token = Token("tok-a-81f3", "tok-r-81f3", 1)
    app = StravaApp("1", "tok-s-81f3")
    assert "81f3" not in repr(token) + str(token) + repr(app) + str(app)


@responses.activate
def test_a_refresh_done_by_another_process_is_picked_up_not_repeated(api, tmp_path):
    api.token()  # this process holds the old access token
    # meanwhile another process refreshed: the old refresh token is rotated away
    TokenStore(tmp_path).save(
        "me", Token("access-other-6666", "refresh-other-7777", int(T0 + 9000))
    )
    responses.get(LIST, status=401, json={"message": "Authorization Error"})
    responses.get(LIST, json=[], headers=_headers())
    assert api.activities_page(0, 1) == b"[]"
    assert [c.request.url.split("?")[0] for c in responses.calls] == [LIST, LIST]  # no POST
    assert responses.calls[1].request.headers["Authorization"] == "Bearer access-other-6666"
    assert TokenStore(tmp_path).load("me").refresh_token == "refresh-other-7777"


@responses.activate
def test_bodies_are_handed_on_byte_for_byte_even_when_not_json(api):
    streams = f"{BASE}/api/v3/activities/9/streams"
    sent = b'{"time": {"data": [0, 1]},  "distance":{"data":[0.0,2.5]}}\n'
    responses.get(streams, body=sent, headers=_headers())
    assert api.streams("9") == sent  # the store keeps Strava's bytes, not a re-serialisation
    responses.get(LIST, body=b'[{"id": 1', headers=_headers())
    assert api.activities_page(0, 1) == b'[{"id": 1'  # the caller judges a truncated answer


@responses.activate
def test_403_of_an_inactive_application_is_an_auth_error_and_other_4xx_unavailable(api):
    inactive = {"errors": [{"resource": "Application", "field": "Status", "code": "Inactive"}]}
    responses.get(LIST, status=403, json={"message": "Forbidden", **inactive})
    with pytest.raises(AuthError, match=r"HTTP 403"):
        api.activities_page(0, 1)
    responses.reset()
    responses.get(LIST, status=400, json={"message": "Bad Request"})
    with pytest.raises(Unavailable, match=r"HTTP 400 for /athlete/activities"):
        api.activities_page(0, 1)


def test_stravalib_takes_no_credentials_from_the_environment(api, monkeypatch, caplog):
    monkeypatch.setenv("STRAVA_CLIENT_ID", "42")
    monkeypatch.setenv("STRAVA_CLIENT_SECRET", SECRET)
    monkeypatch.delenv("SILENCE_TOKEN_WARNINGS", raising=False)
    fresh = StravaAPI("me", StravaApp("42", SECRET), api.tokens, base=BASE)
    assert fresh.protocol.client_secret is None  # so ApiV3 never refreshes behind the lock
    monkeypatch.delenv("STRAVA_CLIENT_ID")
    StravaAPI("me", StravaApp("42", SECRET), api.tokens, base=BASE)
    assert not [r for r in caplog.records if r.levelname == "WARNING"]

"""Strava API v3 calls for one athlete: token refresh, rate limits, retries and error mapping.

:mod:`coachkit.app.sync.strava` is the facade over this. The HTTP goes through stravalib's
protocol layer, ``stravalib.protocol.ApiV3`` (stravalib 2.6.0, as adapted in
:mod:`coachkit.app.sync.strava_protocol`): it builds each request (the bearer header for API
calls, the form body for the token endpoint, and a URL starting with "http" used as given, so
``$COACHKIT_STRAVA_BASE_URL`` can point at a local fake), hands each API answer's headers to its
``rate_limiter`` callable, here coachkit's :class:`RateState`, and raises ``stravalib.exc``
faults for error statuses, mapped here onto coachkit's errors:

* ``AccessUnauthorized`` (401): the token is refreshed once and the call repeated, then
  :class:`AuthError`; ``ApplicationInactive`` and any other 403: :class:`AuthError` (from the
  token endpoint, a 400, 401 or 403 is an AuthError at once);
* ``ObjectNotFound`` (404): :class:`NotFound`;
* a ``Fault`` with 429: waited out or :class:`RateLimited` (see below); with a 5xx, like a
  dropped connection: retried, then :class:`Unavailable`; with any other status: Unavailable.
  (``RateLimitExceeded`` comes only from stravalib's own limiters, which are not used.)

What stays coachkit's own, and why:

* The bodies. Not stravalib's ``Client``, which turns Strava's JSON into pydantic models: the
  store keeps the originals of what it imports so ``coachkit rebuild`` can re-parse them, here
  Strava's JSON itself (the streams byte for byte, each listed activity as its own object with
  every field), read by the tolerant readers of :mod:`coachkit.io.strava_json`. So the bytes
  are taken from the response ``ApiV3.get`` received and its parsed value is not used; a 2xx
  body that is not JSON is handed on as it is for the caller to judge, as before.
* The limiter. stravalib's ``SleepingRateLimitRule`` reads only the read limit for a GET when
  Strava sends it, so a spent overall window goes unseen, and it sleeps after the answer for as
  long as the reset takes. :class:`RateState` checks both windows of both limits before each
  request, and waits only up to ``max_wait_s``.
* Token requests. ``ApiV3.post`` to ``{base}/oauth/token``, not ``exchange_code_for_token`` /
  ``refresh_access_token``: in stravalib 2.6.0 those always post to
  ``https://{ApiV3.server}/oauth/token``, so the local fake (plain http) is out of reach, and
  they require a refresh token in the answer, where coachkit keeps the one it holds when Strava
  sends none (``ApiV3.post`` hands back the whole answer; and as ``ApiV3`` gives only API
  answers to ``rate_limiter``, the token answer's headers are read here). Minimal snippets::

      p = ApiV3(); p.server = "127.0.0.1:8000"  # an http.server listening there
      p.exchange_code_for_token(1, "secret", "code")  # requests.exceptions.SSLError
      # with Strava answering {"access_token": "a", "expires_at": 1}:
      ApiV3().refresh_access_token(1, "secret", "old")  # KeyError: 'refresh_token'

  ``ApiV3.authorization_url`` also starts with ``https://{server}``, so
  :func:`coachkit.app.sync.strava.authorize` builds its URL itself. Refreshes run under the
  athlete's token lock and are saved at once (:mod:`coachkit.app.sync.tokens`).
* Retries: ``ApiV3`` makes each request once.

The windows and headers of Strava's rate limits are read by :class:`RateState`
(:mod:`coachkit.app.sync.strava_limits`). Before each request the last seen usage is checked:
when a window is spent, the client sleeps if the reset is at most ``max_wait_s`` away, and
otherwise raises :class:`RateLimited` (with the reset time) without spending a request. A 429
is handled the same way.
"""

from __future__ import annotations

import json
import logging
import os
import time
from collections.abc import Callable
from typing import Any

from coachkit.app.sync.strava_limits import QUARTER_S, RateState
from coachkit.app.sync.tokens import StravaApp, Token, TokenStore, redact

log = logging.getLogger(__name__)

DEFAULT_BASE_URL = "https://www.strava.com"
PAGE_SIZE = 200  # the largest page Strava serves: fewest requests for the rate budget
STREAM_KEYS = (
    "time,latlng,distance,altitude,velocity_smooth,heartrate,cadence,watts,temp,moving,grade_smooth"
)


class StravaError(RuntimeError):
    """A Strava problem a user can act on; the message never holds a token or secret."""


class AuthError(StravaError):
    """Strava refused the credentials (revoked access, missing scope, bad client secret)."""


class NotFound(StravaError):
    """The resource does not exist (a deleted activity, an activity without streams)."""


class Unavailable(StravaError):
    """The connection dropped or Strava failed, even after retries; try again later."""


class RateLimited(StravaError):
    """A rate-limit window is spent and its reset is further away than the caller will wait."""

    def __init__(self, message: str, resume_at_s: float) -> None:
        super().__init__(message)
        self.resume_at_s = resume_at_s


def base_url() -> str:
    """``$COACHKIT_STRAVA_BASE_URL`` (tests point it at a local fake), else Strava's."""
    return os.environ.get("COACHKIT_STRAVA_BASE_URL", DEFAULT_BASE_URL).rstrip("/")


class StravaAPI:
    """Authenticated Strava API v3 calls for one coachkit athlete.

    Parameters
    ----------
    athlete_id
        The coachkit athlete whose tokens (in ``tokens``) are used.
    app, tokens
        The Strava app credentials and the token files (see :mod:`coachkit.app.sync.tokens`).
    base
        Server root; default :func:`base_url`.
    max_wait_s
        Longest sleep for a rate-limit reset; beyond it :class:`RateLimited` is raised.
    retries
        Attempts after a dropped connection or a 5xx answer (with 1, 2, 4 ... s backoff).
    timeout_s
        Seconds to wait for Strava on each request.
    session, clock, sleep
        A ``requests.Session``, the wall clock and the sleeper (tests pass their own).
    """

    def __init__(
        self,
        athlete_id: str,
        app: StravaApp,
        tokens: TokenStore,
        *,
        base: str | None = None,
        max_wait_s: float = 900.0,
        retries: int = 3,
        timeout_s: float = 30.0,
        session: Any = None,
        clock: Callable[[], float] = time.time,
        sleep: Callable[[float], None] = time.sleep,
    ) -> None:
        import requests

        from coachkit.app.sync.strava_protocol import StravaProtocol, TimedSession

        self.athlete_id, self.app, self.tokens = athlete_id, app, tokens
        self.base = (base or base_url()).rstrip("/")
        self.max_wait_s, self.retries = max_wait_s, retries
        self.clock, self.sleep = clock, sleep
        self.rate = RateState()
        self.http = TimedSession(session or requests.Session(), timeout_s)
        self.protocol = StravaProtocol(
            requests_session=self.http,
            rate_limiter=lambda headers, _method: self.rate.update(headers),
        )
        self.requests_made = 0
        self.page_size = PAGE_SIZE
        self._token: Token | None = None
        self._forced: tuple[float, str] | None = None  # a 429 whose headers show no spent window

    # -- secrets ----------------------------------------------------------------------------
    def _secrets(self) -> list[str | None]:
        return [self.app.client_secret] + (self._token.secrets if self._token else [])

    def _error(self, cls: type[StravaError], message: str) -> StravaError:
        return cls(redact(message, self._secrets()))

    # -- tokens -----------------------------------------------------------------------------
    def token(self) -> Token:
        """A valid access token, refreshed (and the rotated refresh token saved) when due."""
        if self._token is None:
            self._token = self.tokens.load(self.athlete_id)
        if self._token.expired(self.clock()):
            self.refresh()
        return self._token

    def refresh(self) -> Token:
        """Exchange the refresh token for a new access token; persist the answer at once.

        Under the athlete's token lock, and from the token file as it is now: another process
        may have refreshed (and so rotated the refresh token) meanwhile, and then its fresh
        token is used as is.
        """
        with self.tokens.locked(self.athlete_id):
            on_disk = self.tokens.load(self.athlete_id)
            held = self._token
            self._token = on_disk
            if held is not None and on_disk.access_token != held.access_token:
                if not on_disk.expired(self.clock()):
                    return on_disk
            obj = self._oauth(
                {"grant_type": "refresh_token", "refresh_token": on_disk.refresh_token}
            )
            self._token = Token.from_response(obj, previous=on_disk)
            self.tokens.save(self.athlete_id, self._token)
        log.info("Strava access token refreshed for %s", self.athlete_id)
        return self._token

    def exchange_code(self, code: str) -> Token:
        """Trade an OAuth authorisation code for tokens and save them for this athlete."""
        self._token = Token.from_response(
            self._oauth({"grant_type": "authorization_code", "code": code})
        )
        self.tokens.save(self.athlete_id, self._token)
        return self._token

    def _oauth(self, form: dict[str, str]) -> dict[str, Any]:
        from stravalib.exc import Fault

        body = {"client_id": self.app.client_id, "client_secret": self.app.client_secret, **form}
        url = _as_template(f"{self.base}/oauth/token")
        try:
            resp = self._send(lambda: self.protocol.post(url, data=body), read=False, auth=False)
        except Fault as fault:
            status = fault.response.status_code
            if status in (400, 401, 403):
                raise self._error(
                    AuthError,
                    f"Strava refused the token request (HTTP {status}): run "
                    f"`coachkit strava auth --athlete {self.athlete_id}` again",
                ) from None
            resp = fault.response  # any other answer is read for a token, which it lacks
        return self._json(resp)

    # -- requests ---------------------------------------------------------------------------
    def get(self, path: str, params: dict[str, Any] | None = None) -> bytes:
        """GET ``/api/v3{path}`` through ``ApiV3.get``; returns the body bytes of a 2xx answer.

        Raises
        ------
        AuthError, NotFound, RateLimited, Unavailable
            Mapped from stravalib's faults: 401 (after one refresh) and 403, 404, 429 (or a
            spent window), and dropped connections/5xx after the retries.
        """
        from stravalib import exc

        url = _as_template(f"{self.base}/api/v3{path}")
        query = params or {}
        try:
            try:
                resp = self._send(lambda: self.protocol.get(url, **query), read=True, auth=True)
            except exc.AccessUnauthorized:  # expired early or revoked: refresh once, then give up
                self.refresh()
                resp = self._send(lambda: self.protocol.get(url, **query), read=True, auth=True)
        except exc.ObjectNotFound:
            raise NotFound(f"Strava has no {path} (HTTP 404)") from None
        except exc.Fault as fault:  # AccessUnauthorized, ApplicationInactive and other 4xx
            status = fault.response.status_code
            if status in (401, 403):
                raise self._error(
                    AuthError,
                    f"Strava refused access (HTTP {status}): run `coachkit strava auth "
                    f"--athlete {self.athlete_id}` and allow 'activity:read_all'",
                ) from None
            raise self._error(Unavailable, f"Strava answered HTTP {status} for {path}") from None
        if not 200 <= resp.status_code < 300:
            raise self._error(Unavailable, f"Strava answered HTTP {resp.status_code} for {path}")
        return resp.content

    def _wait_or_stop(self, read: bool) -> None:
        now = self.clock()
        spent = self.rate.reset_at(now, read=read) or self._forced
        self._forced = None
        if spent is None:
            return
        at, what = spent
        wait = at - now
        if wait > self.max_wait_s:
            resume = time.strftime("%Y-%m-%d %H:%M UTC", time.gmtime(at))
            raise RateLimited(
                f"Strava's {what} is used up; run the sync again after {resume} and it "
                "continues where it stopped",
                at,
            )
        log.info("Strava %s reached: waiting %.0f s", what, wait)
        self.sleep(wait + 1)
        self.rate.usage = self.rate.read_usage = None  # a new window: the next answer says more

    def _send(self, call: Callable[[], Any], *, read: bool, auth: bool) -> Any:
        """Make one ``ApiV3`` call with the rate check before it and the retries after it.

        Returns the response of an answer below 400 (or a 2xx stravalib still faulted on); a
        429 is waited out or raises :class:`RateLimited`, a dropped connection or a 5xx is
        retried, and any other stravalib ``Fault`` is raised for the caller to map.
        """
        import requests

        attempt = limited = 0
        while True:
            self._wait_or_stop(read)
            if auth:
                self.protocol.access_token = self.token().access_token
            try:
                resp, fault = self._answer(call)
            except (requests.ConnectionError, requests.Timeout) as exc:
                problem = f"connection to Strava failed ({exc.__class__.__name__})"
            else:
                self.requests_made += 1
                if not auth:  # the token endpoint: ApiV3 hands only API answers to rate_limiter
                    self.rate.update(resp.headers)
                if resp.status_code == 429:
                    limited += 1
                    now = self.clock()
                    if limited > 3 or self.rate.reset_at(now, read=read) is None:
                        # no spent window in the headers (or still refused after waiting):
                        # treat the current 15-minute window as spent
                        self._forced = ((now // QUARTER_S + 1) * QUARTER_S, "15-minute limit")
                    if limited > 3:
                        self.max_wait_s = 0.0  # do not sleep again in this run: stop and resume
                    continue  # _wait_or_stop sleeps or raises RateLimited
                if resp.status_code < 500:
                    if fault is not None and resp.status_code >= 400:
                        raise fault
                    return resp
                problem = f"Strava answered HTTP {resp.status_code}"
            attempt += 1
            if attempt > self.retries:
                raise self._error(Unavailable, f"{problem}; run the sync again later")
            log.info("%s; retry %d of %d", problem, attempt, self.retries)
            self.sleep(2.0 ** (attempt - 1))

    def _answer(self, call: Callable[[], Any]) -> tuple[Any, Any]:
        """Run ``call``: the response it got, and the stravalib ``Fault`` raised for it if any."""
        import requests
        from stravalib.exc import Fault

        try:
            call()
        except Fault as fault:
            return fault.response, fault
        except requests.JSONDecodeError:
            pass  # a 2xx body that is not JSON: the bytes are judged by the caller
        return self.http.last, None

    def _json(self, resp: Any) -> Any:
        try:
            return json.loads(resp.content)
        except ValueError:
            raise self._error(Unavailable, "Strava sent a truncated or non-JSON answer") from None

    # -- endpoints --------------------------------------------------------------------------
    def activities_page(self, after_s: int, page: int) -> bytes:
        """One page of ``GET /athlete/activities?after=`` (oldest first), as sent."""
        return self.get(
            "/athlete/activities",
            {"after": int(after_s), "page": page, "per_page": self.page_size},
        )

    def streams(self, strava_id: str) -> bytes:
        """``GET /activities/{id}/streams`` keyed by type, as sent."""
        return self.get(
            f"/activities/{strava_id}/streams", {"keys": STREAM_KEYS, "key_by_type": "true"}
        )


def _as_template(url: str) -> str:
    """``url`` as ``ApiV3`` wants it: it formats the URL with its keyword arguments."""
    return url.replace("{", "{{").replace("}", "}}")

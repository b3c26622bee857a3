"""The Strava API v3 protocol layer: HTTP, token refresh, rate limits and error mapping.

:mod:`coachkit.app.sync.strava` is the small facade over this (as stravalib's ``Client`` sits over
its ``ApiV3``). Why not stravalib itself, which the design card names? Reasons from
the sync's contract:

* stravalib validates every activity against pydantic models generated from Strava's Swagger
  spec, and one activity with a type the spec does not list fails the whole page of
  ``get_activities`` (stravalib issues #441 and #460: "the entire batch fails and there isn't
  a good way to skip just the bad activity"). coachkit must never let one odd activity stop a
  batch, so it keeps Strava's JSON as sent and reads it with the tolerant readers of
  :mod:`coachkit.io.strava_json`, the same ones that read saved API files.
* The store keeps the originals of everything it imports so ``coachkit rebuild`` can
  re-parse them: here that is Strava's JSON itself (each listed activity as its own object,
  the streams byte for byte), with every field, not models re-serialised by a client library.
* stravalib builds ``https://www.strava.com/api/v3`` URLs itself, so tests could only
  reach a local fake by patching it; here the base URL is a parameter
  (``$COACHKIT_STRAVA_BASE_URL``).
* stravalib 2.6's limiter reads only the read limit for a GET when Strava sends it, so a spent
  overall window goes unseen; :class:`RateState` checks both windows of both limits.

Rate limits (https://developers.strava.com/docs/rate-limits/): every response carries
``X-RateLimit-Limit`` / ``X-RateLimit-Usage`` ("15-minute,daily") for all requests and
``X-ReadRateLimit-Limit`` / ``X-ReadRateLimit-Usage`` for reads. 15-minute windows reset at
0, 15, 30 and 45 minutes past the hour, the daily one at midnight UTC. Before each request the
last seen usage is checked: when a window is spent, the client sleeps if the reset is at most
``max_wait_s`` away, and otherwise raises :class:`RateLimited` (with the reset time) without
spending a request. A 429 is handled the same way.
"""

from __future__ import annotations

import json
import logging
import os
import time
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from coachkit.app.sync.tokens import StravaApp, Token, TokenStore, redact

log = logging.getLogger(__name__)

DEFAULT_BASE_URL = "https://www.strava.com"
PAGE_SIZE = 200  # the largest page Strava serves: fewest requests for the rate budget
STREAM_KEYS = (
    "time,latlng,distance,altitude,velocity_smooth,heartrate,cadence,watts,temp,moving,grade_smooth"
)
QUARTER_S, DAY_S = 900, 86400


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


def _pair(value: str | None) -> tuple[int, int] | None:
    try:
        short, daily = (int(x) for x in str(value).split(","))
    except (TypeError, ValueError):
        return None
    return short, daily


@dataclass
class RateState:
    """The last usage and limits Strava reported, for all requests and for reads."""

    limit: tuple[int, int] | None = None
    usage: tuple[int, int] | None = None
    read_limit: tuple[int, int] | None = None
    read_usage: tuple[int, int] | None = None

    def update(self, headers: Any) -> None:
        for attr, name in (
            ("limit", "X-RateLimit-Limit"),
            ("usage", "X-RateLimit-Usage"),
            ("read_limit", "X-ReadRateLimit-Limit"),
            ("read_usage", "X-ReadRateLimit-Usage"),
        ):
            parsed = _pair(headers.get(name))
            if parsed is not None:
                setattr(self, attr, parsed)

    def reset_at(self, now_s: float, *, read: bool) -> tuple[float, str] | None:
        """When the spent window resets (epoch s) and which it is; None if none is spent."""
        pairs = [("", self.limit, self.usage)]
        if read:
            pairs.append(("read ", self.read_limit, self.read_usage))
        worst: tuple[float, str] | None = None
        for label, limit, usage in pairs:
            if not limit or not usage:
                continue
            if usage[1] >= limit[1]:
                at, what = (now_s // DAY_S + 1) * DAY_S, f"daily {label}limit ({limit[1]})"
            elif usage[0] >= limit[0]:
                at, what = (
                    (now_s // QUARTER_S + 1) * QUARTER_S,
                    f"15-minute {label}limit ({limit[0]})",
                )
            else:
                continue
            if worst is None or at > worst[0]:
                worst = (at, what)
        return worst


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

        self.athlete_id, self.app, self.tokens = athlete_id, app, tokens
        self.base = (base or base_url()).rstrip("/")
        self.max_wait_s, self.retries, self.timeout_s = max_wait_s, retries, timeout_s
        self.session = session or requests.Session()
        self.clock, self.sleep = clock, sleep
        self.rate = RateState()
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
        body = {"client_id": self.app.client_id, "client_secret": self.app.client_secret, **form}
        resp = self._send("POST", f"{self.base}/oauth/token", data=body, read=False, auth=False)
        if resp.status_code in (400, 401, 403):
            raise self._error(
                AuthError,
                f"Strava refused the token request (HTTP {resp.status_code}): run "
                f"`coachkit strava auth --athlete {self.athlete_id}` again",
            )
        return self._json(resp)

    # -- requests ---------------------------------------------------------------------------
    def get(self, path: str, params: dict[str, Any] | None = None) -> bytes:
        """GET ``/api/v3{path}``; returns the body bytes of a 2xx answer.

        Raises
        ------
        AuthError, NotFound, RateLimited, Unavailable
            Mapped from 401/403, 404, 429 (or a spent window) and dropped connections/5xx.
        """
        url = f"{self.base}/api/v3{path}"
        resp = self._send("GET", url, params=params, read=True, auth=True)
        if resp.status_code == 401:  # expired early or revoked: refresh once, then give up
            self.refresh()
            resp = self._send("GET", url, params=params, read=True, auth=True)
        if resp.status_code in (401, 403):
            raise self._error(
                AuthError,
                f"Strava refused access (HTTP {resp.status_code}): run `coachkit strava auth "
                f"--athlete {self.athlete_id}` and allow 'activity:read_all'",
            )
        if resp.status_code == 404:
            raise NotFound(f"Strava has no {path} (HTTP 404)")
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

    def _send(self, method: str, url: str, *, read: bool, auth: bool, **kwargs: Any) -> Any:
        import requests

        attempt = limited = 0
        while True:
            self._wait_or_stop(read)
            headers = {"Authorization": f"Bearer {self.token().access_token}"} if auth else {}
            try:
                resp = self.session.request(
                    method, url, headers=headers, timeout=self.timeout_s, **kwargs
                )
                _ = resp.content  # read the whole body now: a drop mid-body is a drop
            except (requests.ConnectionError, requests.Timeout) as exc:
                problem = f"connection to Strava failed ({exc.__class__.__name__})"
            else:
                self.requests_made += 1
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
                    return resp
                problem = f"Strava answered HTTP {resp.status_code}"
            attempt += 1
            if attempt > self.retries:
                raise self._error(Unavailable, f"{problem}; run the sync again later")
            log.info("%s; retry %d of %d", problem, attempt, self.retries)
            self.sleep(2.0 ** (attempt - 1))

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

"""stravalib's ``ApiV3`` as coachkit's Strava client sends through it (stravalib 2.6.0).

:class:`StravaProtocol` is ``stravalib.protocol.ApiV3`` without the credential handling it does
on its own: at construction ``ApiV3`` reads ``STRAVA_CLIENT_ID`` / ``STRAVA_CLIENT_SECRET`` from
the environment (and logs warnings on the root logger, so on the CLI's stderr, when they are not
set), and with them it refreshes an expired access token before a request, judged on
``time.time()``, without the athlete's token lock and without saving the rotated refresh token.
coachkit does all of that itself (:mod:`coachkit.app.sync.tokens`), so that habit is switched
off. Minimal snippet, stravalib 2.6.0, neither variable set::

    from stravalib.protocol import ApiV3
    ApiV3()  # WARNING:root:Please make sure your STRAVA_CLIENT_ID is set in your environment...

:class:`TimedSession` is the session ``ApiV3`` sends through: it gives every request a timeout
(``ApiV3`` passes none, and a silent server would hang the sync) and keeps the last response,
because ``ApiV3`` returns the parsed JSON while the store keeps Strava's bytes as sent.

This module is imported only when a Strava call is made: stravalib loads its pydantic models at
import (about a second), and ``stravalib.exc`` resets the process's warning filters and routes
warnings into logging when imported, which ``warnings.catch_warnings`` undoes here.
"""

from __future__ import annotations

import warnings
from typing import Any

with warnings.catch_warnings():  # keep the process's warning filters as they were
    from stravalib.protocol import ApiV3


class StravaProtocol(ApiV3):
    """``ApiV3`` that takes no credentials from the environment and so never refreshes tokens.

    The access token is set on ``access_token`` before each API call; token requests are
    ``post`` calls with the client id and secret in the form body.
    """

    def _check_credentials(self) -> None:
        # client_id and client_secret stay None: ApiV3 then never refreshes by itself
        return None


class TimedSession:
    """The session ``ApiV3`` sends through: a timeout on every request, the last response kept.

    Parameters
    ----------
    session
        The ``requests.Session`` that sends.
    timeout_s
        Seconds to wait for the server (connect, then each read).
    """

    def __init__(self, session: Any, timeout_s: float) -> None:
        self.session, self.timeout_s = session, timeout_s
        self.last: Any = None

    def request(self, method: str, url: str, **kwargs: Any) -> Any:
        """Send and return the response, with its whole body read (a drop mid-body is a drop)."""
        self.last = None
        kwargs.setdefault("timeout", self.timeout_s)
        resp = self.session.request(method, url, **kwargs)
        _ = resp.content
        self.last = resp
        return resp

    # the four ApiV3 looks up on its session for every request
    def get(self, url: str, **kwargs: Any) -> Any:
        return self.request("GET", url, **kwargs)

    def post(self, url: str, **kwargs: Any) -> Any:
        return self.request("POST", url, **kwargs)

    def put(self, url: str, **kwargs: Any) -> Any:
        return self.request("PUT", url, **kwargs)

    def delete(self, url: str, **kwargs: Any) -> Any:
        return self.request("DELETE", url, **kwargs)

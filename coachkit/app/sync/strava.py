"""Strava: connect an athlete (OAuth on a local redirect) and sync their activities.

The facade over :mod:`coachkit.app.sync.strava_api` (token refresh, rate limits, retries and
error mapping over stravalib's ``ApiV3``; its docstring says what stays coachkit's own and why).

:func:`authorize` runs the OAuth code flow: a one-shot web server on ``127.0.0.1`` receives
Strava's redirect, the code is traded for tokens and those are saved 0600 in the user's config
directory (:mod:`coachkit.app.sync.tokens`).

:func:`sync_strava` is incremental and resumable:

1. list ``/athlete/activities?after=`` from the newest activity already listed (less one day,
   for late uploads; known ones are ignored), 200 per page, into ``sync_items``;
2. for each listed run fetch its streams; every activity is then imported through the same
   ingest path as files (Strava JSON kept in ``raw/``, read by :mod:`coachkit.io.strava_json`),
   so the same run from a FIT file and from Strava becomes one activity with the FIT winning.

A spent rate-limit window (15-minute or daily, overall or read) is waited out when it resets
within ``max_wait_s``; otherwise the run stops with status ``paused`` and the next run goes on
from there. A dropped connection is retried, then the run stops as ``interrupted``. An activity
that cannot be read is quarantined with its reason and the batch goes on. Activities synced
from Strava keep ``source_kind`` ``strava_api`` / ``strava_streams``: Strava's API terms allow
showing them to their owner only, and population fitting leaves them out (see
:func:`coachkit.core.schemas.without_strava_api`).
"""

from __future__ import annotations

import html
import json
import logging
import secrets
import threading
import time
from collections.abc import Callable
from http.server import BaseHTTPRequestHandler, HTTPServer
from typing import TYPE_CHECKING, Any
from urllib.parse import parse_qs, urlencode, urlparse

from coachkit.app.sync.state import (
    SyncReport,
    begin_sync,
    canonical_json,
    import_item,
    last_synced,
    quarantine_item,
    record_sync,
)
from coachkit.app.sync.strava_api import (
    AuthError,
    NotFound,
    RateLimited,
    StravaAPI,
    StravaError,
    Unavailable,
    base_url,
)
from coachkit.app.sync.tokens import CredentialsError, Token, TokenStore, load_app
from coachkit.core.sports import RUN_SPORTS
from coachkit.store.sync_state import list_item, newest_start, pending_items

if TYPE_CHECKING:
    from coachkit.store import Store

log = logging.getLogger(__name__)

SOURCE = "strava"
SCOPE = "read,activity:read_all"
LATE_UPLOAD_OVERLAP_S = 86400  # re-list the last day: a watch may upload a run hours later


# -- OAuth ---------------------------------------------------------------------------------------


def authorize(
    athlete_id: str,
    *,
    tokens: TokenStore | None = None,
    base: str | None = None,
    port: int = 0,
    timeout_s: float = 300.0,
    open_browser: Callable[[str], Any] | None = None,
    show: Callable[[str], None] = print,
) -> Token:
    """Connect ``athlete_id`` to Strava with the OAuth code flow on a 127.0.0.1 redirect.

    Parameters
    ----------
    athlete_id
        The coachkit athlete the tokens are saved for.
    tokens
        Where tokens go (default: the user config directory).
    base
        Strava's server root (default :func:`~coachkit.app.sync.strava_api.base_url`).
    port
        Local port for the redirect (0 = any free port; the app's "Authorization Callback
        Domain" must be ``127.0.0.1`` or ``localhost``).
    timeout_s
        How long to wait for the browser to come back.
    open_browser
        Called with the authorisation URL (default :func:`webbrowser.open`).
    show
        Prints the URL for the user to open by hand.

    Returns
    -------
    Token
        The saved token (its secrets redacted in ``repr``).

    Raises
    ------
    CredentialsError
        No app credentials, a timeout, a denied or tampered answer, or missing scope.
    """
    app = load_app()
    tokens = tokens or TokenStore()
    base = (base or base_url()).rstrip("/")
    state = secrets.token_urlsafe(16)
    got: dict[str, str] = {}
    done = threading.Event()

    class Callback(BaseHTTPRequestHandler):
        def do_GET(self) -> None:  # noqa: N802 (http.server's name)
            query = {k: v[0] for k, v in parse_qs(urlparse(self.path).query).items()}
            if query.get("state") != state:
                self._answer(400, "This answer is not for the coachkit sign-in you started.")
                return
            got.update(query)
            ok = "code" in query and "error" not in query
            self._answer(
                200 if ok else 400,
                "coachkit is connected to Strava: you can close this tab."
                if ok
                else "Strava access was not granted: coachkit cannot sync.",
            )
            done.set()

        def _answer(self, code: int, text: str) -> None:
            body = f"<!doctype html><title>coachkit</title><p>{html.escape(text)}</p>".encode()
            self.send_response(code)
            self.send_header("Content-Type", "text/html; charset=utf-8")
            self.send_header("Content-Length", str(len(body)))
            self.end_headers()
            self.wfile.write(body)

        def log_message(self, *args: Any) -> None:  # the request line holds the code: no logs
            pass

    server = HTTPServer(("127.0.0.1", port), Callback)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        redirect = f"http://127.0.0.1:{server.server_port}/authorized"
        url = f"{base}/oauth/authorize?" + urlencode(
            {
                "client_id": app.client_id,
                "redirect_uri": redirect,
                "response_type": "code",
                "approval_prompt": "auto",
                "scope": SCOPE,
                "state": state,
            }
        )
        show(f"Open this address to connect Strava (waiting on {redirect}):\n{url}")
        if open_browser is None:
            import webbrowser

            open_browser = webbrowser.open
        open_browser(url)
        if not done.wait(timeout_s):
            raise CredentialsError(
                f"no answer from Strava within {timeout_s:.0f} s: run `coachkit strava auth` again"
            )
    finally:
        server.shutdown()
        server.server_close()
    if "error" in got or "code" not in got:
        raise CredentialsError(
            f"Strava access was not granted ({got.get('error', 'no code')}): run "
            "`coachkit strava auth` again and press Authorize"
        )
    granted = set(got.get("scope", SCOPE).split(","))
    if not granted & {"activity:read", "activity:read_all"}:
        raise CredentialsError(
            "Strava access was granted without permission to read activities: run "
            "`coachkit strava auth` again and keep 'View data about your activities' ticked"
        )
    api = StravaAPI(athlete_id, app, tokens, base=base)
    return api.exchange_code(got["code"])


# -- sync ----------------------------------------------------------------------------------------


def sync_strava(
    store: Store,
    athlete_id: str,
    *,
    api: StravaAPI | None = None,
    max_wait_s: float = 900.0,
) -> SyncReport:
    """Sync one athlete's new Strava activities into ``store`` (see the module docstring).

    Parameters
    ----------
    store
        The coachkit store.
    athlete_id
        The coachkit athlete (connected with :func:`authorize`).
    api
        A ready :class:`~coachkit.app.sync.strava_api.StravaAPI` (tests pass one with a fake
        clock); default: one built from the saved credentials.
    max_wait_s
        Longest wait for a rate-limit reset before stopping with status ``paused``.

    Returns
    -------
    SyncReport
        Counts, status (ok, paused, interrupted, failed) and a message; also recorded in the
        store for :func:`coachkit.app.sync.state.last_synced`.
    """
    report = SyncReport(SOURCE, athlete_id)
    begin_sync(store, athlete_id)
    before = last_synced(store, athlete_id).get(SOURCE) or {}
    now = api.clock() if api is not None else time.time()
    if before.get("status") == "paused" and (before.get("resume_at") or 0) > now:
        # the window is still spent: asking would only spend a request on a 429
        report.status, report.message = "paused", before["message"]
        report.resume_at = before["resume_at"]
        record_sync(store, report)
        return report
    try:
        api = api or StravaAPI(athlete_id, load_app(), TokenStore(), max_wait_s=max_wait_s)
        _import_pending(store, api, athlete_id, report)  # what an interrupted run left
        _list_new(store, api, athlete_id, report)
        _import_pending(store, api, athlete_id, report)
    except RateLimited as exc:
        report.status, report.message, report.resume_at = "paused", str(exc), exc.resume_at_s
    except Unavailable as exc:
        report.status, report.message = "interrupted", str(exc)
    except (AuthError, CredentialsError, StravaError) as exc:
        report.status, report.message = "failed", str(exc)
    except OSError as exc:  # the store's disk, not Strava: nothing half-done, run again later
        report.status = "interrupted"
        report.message = f"the store could not be written ({exc}); run the sync again"
    except BaseException:
        report.status, report.message = "interrupted", "stopped before the end; run it again"
        raise
    finally:
        report.requests = api.requests_made if api is not None else 0
        record_sync(store, report)
    log.info("%s", report.summary())
    return report


def _list_new(store: Store, api: StravaAPI, athlete_id: str, report: SyncReport) -> None:
    from coachkit.io.timeparse import utc
    from coachkit.store.merge import iso_utc

    newest = newest_start(store, athlete_id, SOURCE)
    ts = utc(newest) if newest else None
    after = max(0, int(ts.timestamp()) - LATE_UPLOAD_OVERLAP_S) if ts is not None else 0
    page = 1
    while True:
        body = api.activities_page(after, page)
        try:
            items = json.loads(body)
        except ValueError:
            raise Unavailable("Strava sent a truncated activity list; run the sync again") from None
        if not isinstance(items, list):
            raise StravaError("Strava's activity list is not a list: nothing was changed")
        for obj in items:
            if not isinstance(obj, dict) or isinstance(obj.get("id"), bool) or "id" not in obj:
                report.quarantined.append((f"page {page}", "an entry without an activity id"))
                continue
            start = utc(obj.get("start_date"))
            report.listed += list_item(
                store,
                athlete_id,
                SOURCE,
                str(obj["id"]),
                start_time=iso_utc(start) if start is not None else None,
                kind=str(obj.get("sport_type") or obj.get("type") or ""),
                payload=canonical_json(obj).decode(),
            )
        if len(items) < api.page_size:
            return
        page += 1


def _import_pending(store: Store, api: StravaAPI, athlete_id: str, report: SyncReport) -> None:
    from coachkit.io.containers import Unit
    from coachkit.io.sports import strava_sport

    for item in pending_items(store, athlete_id, SOURCE):
        item_id = item["item_id"]
        name = f"strava:{athlete_id}/{item_id}"
        try:
            obj = json.loads(item["payload"])
            summary = canonical_json(obj)
            sport = strava_sport(
                obj.get("sport_type") or obj.get("type"), trainer=obj.get("trainer")
            )
            streams = None  # streams are fetched for runs only
            if sport in RUN_SPORTS and obj.get("manual") is not True:
                try:
                    streams = api.streams(item_id)
                except NotFound:
                    streams = None  # deleted meanwhile, or no streams: the summary still counts
            only_summary = Unit(f"{name}.json", summary)
            if streams:
                unit = Unit(f"{name}_streams.json", streams, companion=summary)
                import_item(store, athlete_id, SOURCE, item_id, unit, report, fallback=only_summary)
            else:
                import_item(store, athlete_id, SOURCE, item_id, only_summary, report)
        except (StravaError, CredentialsError, OSError):
            raise  # stop cleanly; this item stays listed and is done next time
        except Exception as exc:  # one odd activity never stops the batch
            log.debug("Strava activity %s not importable", item_id, exc_info=True)
            quarantine_item(
                store,
                athlete_id,
                SOURCE,
                item_id,
                f"could not be read ({exc.__class__.__name__}: {str(exc)[:120]})",
                report,
            )

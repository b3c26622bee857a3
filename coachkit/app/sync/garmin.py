"""Garmin: the account export zip (first-class, through ``coachkit ingest``) and live sync.

The official export (Garmin Connect > Account > Export your data) is a zip holding zips of the
original FIT uploads plus wellness JSON. ``coachkit ingest export.zip --athlete ID`` reads it
member by member through :mod:`coachkit.io.containers` (nested zips, bombs and ``../`` refused)
and the FIT / Garmin JSON readers; nothing here is needed for it.

Live sync (``coachkit sync garmin``, the ``garmin`` extra) uses ``garminconnect``. Credentials
come from ``GARMIN_EMAIL`` / ``GARMIN_PASSWORD`` or an interactive prompt, and are used once:
only the session tokens are kept, 0600 in ``<config>/garmin/<athlete>/garmin_tokens.json``.
Each run lists activities since the last complete sync (less a day) and downloads each new
one's original FIT, then reads the wellness endpoints (HRV, sleep, resting HR, stress,
training readiness) day by day. Everything goes through :func:`coachkit.app.ingest.import_unit`,
so a run also imported from a FIT file or Strava merges into one activity.
"""

from __future__ import annotations

import datetime as dt
import getpass
import logging
import os
from collections.abc import Callable
from pathlib import Path
from typing import TYPE_CHECKING, Any

from coachkit.app.sync.state import (
    SyncReport,
    begin_sync,
    canonical_json,
    import_item,
    last_synced,
    record_sync,
)
from coachkit.app.sync.tokens import config_dir, redact, write_private
from coachkit.store import check_athlete_id
from coachkit.store.sync_state import list_item, pending_items

if TYPE_CHECKING:
    from coachkit.store import Store

log = logging.getLogger(__name__)

SOURCE = "garmin"
DEFAULT_DAYS = 30  # the first sync reaches this far back
#: garminconnect method -> what it gives (read by coachkit.io.garmin_json)
WELLNESS_CALLS = (
    "get_hrv_data",
    "get_sleep_data",
    "get_heart_rates",
    "get_stress_data",
    "get_training_readiness",
)


class GarminLoginError(RuntimeError):
    """Garmin refused the login or the saved session; the message says what to do."""


class GarminSession:
    """Garmin Connect session tokens per athlete, stored 0600 under the user config dir."""

    def __init__(self, directory: Path | None = None) -> None:
        self.root = (directory or config_dir()) / "garmin"

    def path(self, athlete_id: str) -> Path:
        return self.root / check_athlete_id(athlete_id) / "garmin_tokens.json"

    def has(self, athlete_id: str) -> bool:
        return self.path(athlete_id).is_file()

    def save(self, athlete_id: str, client: Any) -> None:
        write_private(self.path(athlete_id), client.client.dumps().encode())

    def login(
        self,
        athlete_id: str,
        *,
        email: str | None = None,
        password: str | None = None,
        prompt: Callable[[str, bool], str] | None = None,
    ) -> Any:
        """A logged-in ``garminconnect.Garmin``: from the saved session, else credentials.

        ``prompt(label, hidden)`` asks for what the environment does not give.
        """
        from garminconnect import Garmin

        path = self.path(athlete_id)
        if path.is_file():
            client = Garmin()
            try:
                client.login(tokenstore=str(path.parent))
                self.save(athlete_id, client)  # tokens may have been refreshed
                return client
            except Exception:  # expired or damaged session: log in again below
                log.info("saved Garmin session of %s not usable; logging in again", athlete_id)
        ask = prompt or _prompt
        email = email or os.environ.get("GARMIN_EMAIL") or ask("Garmin Connect email", False)
        password = (
            password or os.environ.get("GARMIN_PASSWORD") or ask("Garmin Connect password", True)
        )
        client = Garmin(email, password)
        try:
            client.login()
        except Exception as exc:
            raise GarminLoginError(
                "Garmin Connect refused the login "
                f"({redact(str(exc)[:160], [password])}): check the email and password and run "
                "`coachkit sync garmin` again"
            ) from None
        self.save(athlete_id, client)
        return client


def _prompt(label: str, hidden: bool) -> str:
    return getpass.getpass(f"{label}: ") if hidden else input(f"{label}: ")


def _classify(exc: Exception) -> str:
    """garminconnect's exceptions -> sync status (paused, interrupted or failed)."""
    name = exc.__class__.__name__
    if "TooManyRequests" in name or "429" in str(exc):
        return "paused"
    if "Authentication" in name:
        return "failed"
    if "Connection" in name or "Timeout" in name or isinstance(exc, OSError):
        return "interrupted"
    return "failed"


def _not_there(exc: Exception) -> bool:
    """True when Garmin answered that there is nothing there (HTTP 4xx, not 429): an activity
    without an original file, a wellness endpoint this watch does not feed.

    garminconnect reports HTTP errors as ``GarminConnectConnectionError("API Error 404 ...")``.
    """
    text = str(exc)
    if _classify(exc) == "paused" or "Authentication" in exc.__class__.__name__:
        return False
    return "API Error 4" in text


def sync_garmin(
    store: Store,
    athlete_id: str,
    *,
    client: Any = None,
    today: dt.date | None = None,
    days: int = DEFAULT_DAYS,
) -> SyncReport:
    """Sync new Garmin Connect activities and recent wellness days into ``store``.

    Parameters
    ----------
    store, athlete_id
        Where to, and for whom.
    client
        A logged-in ``garminconnect.Garmin`` (or an object with the same methods); default:
        :meth:`GarminSession.login`.
    today
        The last day to fetch (default: today's UTC date).
    days
        How far back the first sync reaches; later syncs start the day before the last
        complete one.

    Returns
    -------
    SyncReport
        Counts and status (ok, paused, interrupted, failed); also recorded in the store.
    """
    report = SyncReport(SOURCE, athlete_id)
    today = today or dt.datetime.now(dt.timezone.utc).date()
    begin_sync(store, athlete_id)
    done = (last_synced(store, athlete_id).get(SOURCE) or {}).get("last_success_at")
    since = (
        dt.date.fromisoformat(done[:10]) - dt.timedelta(days=1)
        if done
        else today - dt.timedelta(days=days - 1)
    )
    since = min(since, today)
    try:
        client = client or GarminSession().login(athlete_id)
        _list_activities(store, client, athlete_id, since, today, report)
        _import_activities(store, client, athlete_id, report)
        _import_wellness(store, client, athlete_id, since, today, report)
    except GarminLoginError as exc:
        report.status, report.message = "failed", str(exc)
    except Exception as exc:
        report.status = _classify(exc)
        report.message = (
            f"Garmin Connect stopped the sync ({exc.__class__.__name__}: {str(exc)[:160]}); "
            "run it again later and it continues where it stopped"
        )
    finally:
        record_sync(store, report)
    log.info("%s", report.summary())
    return report


def _list_activities(
    store: Store, client: Any, athlete_id: str, since: dt.date, today: dt.date, report: SyncReport
) -> None:
    from coachkit.io.timeparse import utc
    from coachkit.store.merge import iso_utc

    for obj in client.get_activities_by_date(since.isoformat(), today.isoformat()) or []:
        if not isinstance(obj, dict) or "activityId" not in obj:
            report.quarantined.append(("activity list", "an entry without an activityId"))
            continue
        start = utc(str(obj.get("startTimeGMT") or "").replace(" ", "T"))
        kind = obj.get("activityType") if isinstance(obj.get("activityType"), dict) else {}
        report.listed += list_item(
            store,
            athlete_id,
            SOURCE,
            f"activity:{obj['activityId']}",
            start_time=iso_utc(start) if start is not None else None,
            kind=str(kind.get("typeKey") or ""),
            payload=canonical_json([obj]).decode(),
        )


def _import_activities(store: Store, client: Any, athlete_id: str, report: SyncReport) -> None:
    from garminconnect import Garmin

    from coachkit.io.containers import Unit, expand_bytes

    for item in pending_items(store, athlete_id, SOURCE):
        item_id = item["item_id"]
        garmin_id = item_id.split(":", 1)[1]
        name = f"garmin:{athlete_id}/{garmin_id}"
        summary = Unit(f"{name}.json", item["payload"].encode())
        try:
            original = client.download_activity(
                garmin_id, dl_fmt=Garmin.ActivityDownloadFormat.ORIGINAL
            )
        except Exception as exc:
            if not _not_there(exc):
                raise  # rate limit, login or network: stop, this item stays listed
            original = None  # a manual entry or a deleted file: the listing entry stands in
        units = [u for u in expand_bytes(original or b"", f"{name}.zip") if u.data]
        fit = next((u for u in units if u.data[8:12] == b".FIT"), units[0] if units else None)
        if fit is None:
            import_item(store, athlete_id, SOURCE, item_id, summary, report)
        else:
            import_item(store, athlete_id, SOURCE, item_id, fit, report, fallback=summary)


def _import_wellness(
    store: Store, client: Any, athlete_id: str, since: dt.date, today: dt.date, report: SyncReport
) -> None:
    from coachkit.app.ingest import import_unit
    from coachkit.io.containers import Unit

    day = since
    while day <= today:
        for call in WELLNESS_CALLS:
            try:
                obj = getattr(client, call)(day.isoformat())
            except Exception as exc:
                if not _not_there(exc):
                    raise
                continue
            if not obj:
                continue
            unit = Unit(f"garmin:{athlete_id}/{call}_{day}.json", canonical_json(obj))
            with store.ingest_lock():
                outcome = import_unit(store, athlete_id, unit)
            if outcome.status == "error":
                raise OSError(outcome.reason)
            report.wellness_days += outcome.n_wellness
        day += dt.timedelta(days=1)

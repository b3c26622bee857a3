"""Every connected source at once: which sources an athlete has connected, and ``sync all``."""

from __future__ import annotations

from collections.abc import Callable
from typing import TYPE_CHECKING

from coachkit.app.sync.state import SyncReport, record_sync

if TYPE_CHECKING:
    from coachkit.store import Store


def configured_sources(athlete_id: str) -> list[str]:
    """The sources this athlete has connected (saved tokens), in :data:`SOURCES` order."""
    from coachkit.app.sync.garmin import GarminSession
    from coachkit.app.sync.tokens import TokenStore

    found = []
    if GarminSession().has(athlete_id):
        found.append("garmin")
    if TokenStore().has(athlete_id):
        found.append("strava")
    return found


def sync_all(
    store: Store,
    athlete_id: str,
    *,
    runners: dict[str, Callable[[Store, str], SyncReport]] | None = None,
    max_wait_s: float = 900.0,
) -> list[SyncReport]:
    """Run every configured source for one athlete; a failing source never stops the others.

    ``max_wait_s`` bounds a Strava rate-limit wait (see :func:`coachkit.app.sync.strava.sync_strava`).
    """
    if runners is None:
        from coachkit.app.sync.garmin import sync_garmin
        from coachkit.app.sync.strava import sync_strava

        all_runners: dict[str, Callable[[Store, str], SyncReport]] = {
            "garmin": sync_garmin,
            "strava": lambda s, a: sync_strava(s, a, max_wait_s=max_wait_s),
        }
        runners = {s: all_runners[s] for s in configured_sources(athlete_id)}
    reports = []
    for source, run in runners.items():
        try:
            reports.append(run(store, athlete_id))
        except Exception as exc:  # one source's failure is reported, the next still runs
            report = SyncReport(source, athlete_id, status="failed", message=str(exc)[:300])
            record_sync(store, report)
            reports.append(report)
    return reports

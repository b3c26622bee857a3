"""Live sync bookkeeping shared by every source (Strava, Garmin Connect): docs/design.md §8, §10.

A sync lists remote items first (``sync_items``, status ``listed``), then imports each one
through :func:`coachkit.app.ingest.import_unit` (so raw originals, dedupe and the best-source merge
with device files are exactly those of ``coachkit ingest``) and marks it ``done`` or
``quarantined``. An interruption anywhere (a rate limit, a dropped connection, Ctrl-C) leaves
the listed items for the next run: nothing is fetched twice and nothing is added twice.

``sync_state`` keeps, per athlete and source, when the source last synced completely and how
the last attempt went, so the dashboard can say how fresh each source is without webhooks.
Both tables are read and written by :mod:`coachkit.store.sync_state`.
"""

from __future__ import annotations

import hashlib
import json
from dataclasses import dataclass, field
from datetime import datetime
from typing import TYPE_CHECKING, Any

from coachkit.store import utc_now_iso
from coachkit.store.sync_state import (
    finish_item,
    save_sync_state,
    set_item_quarantined,
    sync_states,
)

if TYPE_CHECKING:
    from coachkit.io.containers import Unit
    from coachkit.store import Store

#: sources ``coachkit sync all`` knows, in the order it runs them
SOURCES = ("garmin", "strava")


@dataclass
class SyncReport:
    """What one sync run did. ``status``: ok, paused (rate limit), interrupted, failed."""

    source: str
    athlete_id: str
    status: str = "ok"
    message: str = ""
    listed: int = 0
    new: int = 0
    merged: int = 0
    unchanged: int = 0
    quarantined: list[tuple[str, str]] = field(default_factory=list)
    wellness_days: int = 0
    requests: int = 0
    resume_at: float | None = None  # paused: when the rate-limit window resets (epoch s)

    @property
    def complete(self) -> bool:
        return self.status == "ok"

    def summary(self) -> str:
        """One plain sentence with the numbers."""
        text = (
            f"{self.source}: {self.new} new, {self.merged} merged into existing activities, "
            f"{self.unchanged} unchanged, {len(self.quarantined)} quarantined"
        )
        if self.wellness_days:
            text += f", {self.wellness_days} wellness days"
        if self.status == "failed" and not (self.new or self.merged or self.unchanged):
            return f"{self.source} did not sync: {self.message}"
        if self.requests:
            text += f" ({self.requests} requests)"
        return text + ("." if self.complete else f"; {self.status}: {self.message}")

    def as_dict(self) -> dict[str, Any]:
        return {**self.__dict__, "quarantined": [list(q) for q in self.quarantined]}


def last_synced(store: Store, athlete_id: str) -> dict[str, dict[str, Any]]:
    """Per source: ``last_success_at``, ``last_attempt_at`` (ISO-8601 UTC), ``status``, ``message``,
    ``n_new`` and ``resume_at`` (epoch seconds; set while paused by a rate limit).

    Examples
    --------
    >>> from coachkit.store import Store
    >>> last_synced(Store("/tmp/ck-doctest-sync"), "me")
    {}
    """
    return sync_states(store, athlete_id)


_LABELS = {"strava": "Strava", "garmin": "Garmin Connect"}


def freshness(store: Store, athlete_id: str, *, now: datetime) -> list[str]:
    """One plain line per synced source for the dashboard, e.g. ``"Strava: synced 3 h ago"``.

    ``now`` is a tz-aware UTC datetime (a parameter, so replays and tests choose the day).

    >>> from datetime import timezone
    >>> from coachkit.store import Store
    >>> freshness(Store("/tmp/ck-doctest-sync"), "me", now=datetime.now(timezone.utc))
    []
    """
    lines = []
    for source, state in last_synced(store, athlete_id).items():
        label = _LABELS.get(source, source)
        done = state["last_success_at"]
        if done:
            age_h = (
                now - datetime.fromisoformat(done.replace("Z", "+00:00"))
            ).total_seconds() / 3600
            age = f"{age_h:.0f} h ago" if age_h < 48 else f"{age_h / 24:.0f} days ago"
            line = f"{label}: synced {age} ({done[:16].replace('T', ' ')} UTC)"
        else:
            line = f"{label}: never synced completely"
        if state["status"] != "ok":
            line += f"; the last try was {state['status']}: {state['message'] or ''}".rstrip(": ")
        lines.append(line)
    return lines


def begin_sync(store: Store, athlete_id: str) -> None:
    """Make sure the athlete exists and finish any write a crash interrupted (once per run)."""
    with store.ingest_lock():
        store.recover()
        with store.transaction() as conn:
            store.ensure_athlete(athlete_id, conn=conn)


def record_sync(store: Store, report: SyncReport, *, now_iso: str | None = None) -> None:
    """Store how this run ended; a complete run also moves ``last_success_at``."""
    now = now_iso or utc_now_iso()
    save_sync_state(
        store,
        report.athlete_id,
        report.source,
        success_at=now if report.complete else None,
        attempt_at=now,
        status=report.status,
        message=report.message or None,
        n_new=report.new,
        resume_at=report.resume_at,
    )


# -- items ---------------------------------------------------------------------------------------


def import_item(
    store: Store,
    athlete_id: str,
    source: str,
    item_id: str,
    unit: Unit,
    report: SyncReport,
    *,
    fallback: Unit | None = None,
) -> str:
    """Import one fetched item with the ingest machinery and mark it done or quarantined.

    When ``unit`` is quarantined or holds nothing (empty streams) and a ``fallback`` is given
    (the Strava summary alone), the fallback is imported instead. Returns the final outcome status.
    """
    from coachkit.app.ingest import import_unit

    with store.ingest_lock():  # short: one item; a long network wait never holds it
        outcome = import_unit(store, athlete_id, unit)
        if outcome.status in ("quarantined", "skipped") and fallback is not None:
            unit, outcome = fallback, import_unit(store, athlete_id, fallback)
    if outcome.status == "error":  # the disk or the database failed: leave it listed, retry
        raise OSError(outcome.reason)
    report.new += outcome.n_new
    report.merged += outcome.n_merged
    report.wellness_days += outcome.n_wellness
    report.unchanged += outcome.status == "unchanged"
    status = "quarantined" if outcome.status == "quarantined" else "done"
    if status == "quarantined":
        report.quarantined.append((item_id, outcome.reason))
    sha = hashlib.sha256(unit.data or b"").hexdigest()
    finish_item(
        store, athlete_id, source, item_id, status=status, reason=outcome.reason or None, sha256=sha
    )
    return outcome.status


def quarantine_item(
    store: Store, athlete_id: str, source: str, item_id: str, reason: str, report: SyncReport
) -> None:
    """Mark one item as not importable (with its reason) so the batch goes on without it."""
    report.quarantined.append((item_id, reason))
    set_item_quarantined(store, athlete_id, source, item_id, reason[:300])


def canonical_json(obj: Any) -> bytes:
    """Stable bytes for one JSON object (the same item always hashes the same)."""
    return json.dumps(obj, sort_keys=True, separators=(",", ":"), ensure_ascii=False).encode()

"""Live sync bookkeeping in the catalog (docs/design.md §8, §10): ``sync_state``, one row per
athlete and source (when it last synced completely, how the last attempt went), and
``sync_items``, every remote item seen, listed first and marked done or quarantined once
imported, so an interrupted sync resumes without fetching or adding anything twice.

What a sync does with these (the report of a run, importing an item through the ingest) is
:mod:`coachkit.app.sync.state`'s; this module only reads and writes them.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import TYPE_CHECKING, Any

from coachkit.store.base import check_athlete_id, utc_now_iso

if TYPE_CHECKING:
    from coachkit.store import Store


def sync_states(store: Store, athlete_id: str) -> dict[str, dict[str, Any]]:
    """Per source: ``last_success_at``, ``last_attempt_at``, ``status``, ``message``, ``n_new``
    and ``resume_at``."""
    rows = store.conn.execute(
        "SELECT source, last_success_at, last_attempt_at, status, message, n_new, resume_at "
        "FROM sync_state WHERE athlete_id=? ORDER BY source",
        (check_athlete_id(athlete_id),),
    ).fetchall()
    return {r["source"]: {k: r[k] for k in dict(r) if k != "source"} for r in rows}


def save_sync_state(
    store: Store,
    athlete_id: str,
    source: str,
    *,
    success_at: str | None,
    attempt_at: str,
    status: str,
    message: str | None,
    n_new: int,
    resume_at: float | None,
) -> None:
    """Store how a run ended (registering the athlete); ``success_at`` None keeps the last one."""
    with store.transaction() as conn:
        store.ensure_athlete(athlete_id, conn=conn)
        conn.execute(
            "INSERT INTO sync_state (athlete_id, source, last_success_at, last_attempt_at, status, "
            "message, n_new, resume_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?) "
            "ON CONFLICT(athlete_id, source) DO UPDATE "
            "SET last_success_at=COALESCE(excluded.last_success_at, last_success_at), "
            "last_attempt_at=excluded.last_attempt_at, status=excluded.status, "
            "message=excluded.message, n_new=excluded.n_new, resume_at=excluded.resume_at",
            (athlete_id, source, success_at, attempt_at, status, message, n_new, resume_at),
        )


def list_item(
    store: Store,
    athlete_id: str,
    source: str,
    item_id: str,
    *,
    start_time: str | None,
    kind: str | None,
    payload: str | None,
) -> bool:
    """Remember a remote item as ``listed`` (idempotent); True when it was not known before."""
    with store.transaction() as conn:
        cur = conn.execute(
            "INSERT OR IGNORE INTO sync_items (athlete_id, source, item_id, start_time, kind, "
            "payload, status, updated_at) VALUES (?, ?, ?, ?, ?, ?, 'listed', ?)",
            (athlete_id, source, item_id, start_time, kind, payload, utc_now_iso()),
        )
        return cur.rowcount > 0


def pending_items(store: Store, athlete_id: str, source: str) -> Iterator[dict[str, Any]]:
    """Listed but not yet imported items, oldest first."""
    rows = store.conn.execute(
        "SELECT * FROM sync_items WHERE athlete_id=? AND source=? AND status='listed' "
        "ORDER BY start_time, item_id",
        (athlete_id, source),
    ).fetchall()
    for row in rows:
        yield dict(row)


def newest_start(store: Store, athlete_id: str, source: str) -> str | None:
    """Start time (ISO UTC) of the newest item ever listed from this source."""
    row = store.conn.execute(
        "SELECT MAX(start_time) FROM sync_items WHERE athlete_id=? AND source=?",
        (athlete_id, source),
    ).fetchone()
    return row[0] if row else None


def finish_item(
    store: Store,
    athlete_id: str,
    source: str,
    item_id: str,
    *,
    status: str,
    reason: str | None,
    sha256: str,
) -> None:
    """Mark an imported item ``done`` or ``quarantined``, linked to the activity the unit
    ``sha256`` delivered (if any), and drop its payload."""
    with store.transaction() as conn:
        row = conn.execute(
            "SELECT activity_id FROM activity_sources WHERE athlete_id=? AND sha256=? LIMIT 1",
            (athlete_id, sha256),
        ).fetchone()
        conn.execute(
            "UPDATE sync_items SET status=?, reason=?, activity_id=?, payload=NULL, updated_at=? "
            "WHERE athlete_id=? AND source=? AND item_id=?",
            (
                status,
                reason,
                row[0] if row else None,
                utc_now_iso(),
                athlete_id,
                source,
                item_id,
            ),
        )


def set_item_quarantined(
    store: Store, athlete_id: str, source: str, item_id: str, reason: str
) -> None:
    """Mark one item as not importable, with its reason."""
    with store.transaction() as conn:
        conn.execute(
            "UPDATE sync_items SET status='quarantined', reason=?, updated_at=? "
            "WHERE athlete_id=? AND source=? AND item_id=?",
            (reason, utc_now_iso(), athlete_id, source, item_id),
        )

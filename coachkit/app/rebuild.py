"""``coachkit rebuild``: re-parse every raw original into a fresh catalog (docs/design.md §4).

Parsers improve; the runner should not have to re-download anything. The derived tables are
rebuilt in a scratch catalog beside the live one, then copied into the live catalog in one
transaction, so the catalog file is never replaced under processes that have it open (a
dashboard kernel keeps writing feedback safely) and an interrupted rebuild changes nothing.
What exists only in the catalog (athletes, feedback, plans, adaptations, per-activity settings)
is never touched, except that feedback and settings pointing at an activity whose id changed
are pointed at its new id.
"""

from __future__ import annotations

from collections.abc import Callable

from coachkit.app.ingest import IngestReport, import_unit
from coachkit.io.containers import Unit
from coachkit.store import Store, StoreError
from coachkit.store.catalog import REBUILD_CATALOG, REBUILD_SAMPLES

#: tables derived from raw/ (everything else in the catalog is the user's and is kept)
DERIVED_TABLES = ("sources", "activities", "activity_sources", "laps", "wellness")


def _missing_originals(store: Store) -> list[str]:
    """Names of imported units whose original (or companion) is not in raw/."""
    missing = []
    for row in store.conn.execute("SELECT name, sha256, companion_sha256, status FROM sources"):
        needed = [row["companion_sha256"]]
        if row["status"] != "quarantined":  # quarantined units refused unread have no raw
            needed.append(row["sha256"])
        if any(sha and not store.raw_path(sha).exists() for sha in needed):
            missing.append(row["name"])
    return missing


def rebuild(store: Store, *, progress: Callable[[str], None] | None = None) -> IngestReport:
    """Rebuild ``store``'s derived tables and samples from ``raw/``; return what each unit became.

    Raises
    ------
    StoreError
        When originals of imported files are missing from ``raw/``: rebuilding would lose them.
    """
    report = IngestReport()
    with store.ingest_lock():
        store.recover()
        missing = _missing_originals(store)
        if missing:
            raise StoreError(
                f"{len(missing)} imported file(s) have no original in {store.raw_dir} "
                f"(e.g. {missing[0]}): a rebuild would drop them; re-ingest those files first"
            )
        fresh = Store(store.root, catalog_name=REBUILD_CATALOG, samples_name=REBUILD_SAMPLES)
        rows = [dict(r) for r in store.conn.execute("SELECT * FROM sources ORDER BY seq")]
        for row in rows:
            if progress:
                progress(row["name"])
            fresh.ensure_athlete(row["athlete_id"])
            raw = store.raw_path(row["sha256"])
            if raw.exists():
                companion = row["companion_sha256"]
                unit = Unit(
                    row["name"],
                    raw.read_bytes(),
                    companion=store.raw_path(companion).read_bytes() if companion else None,
                )
            else:  # refused before reading (unsafe zip member): nothing to re-parse, keep the verdict
                unit = Unit(row["name"], None, row["reason"])
            report.outcomes.append(import_unit(fresh, row["athlete_id"], unit))
        fresh.close()
        _apply(store)
        store.recover()  # swaps the rebuilt samples in and drops the scratch catalog
    return report


def _apply(store: Store) -> None:
    """Copy the fresh derived tables into the live catalog in one transaction, re-pointing
    feedback at new activity ids, then mark the commit so the samples swap can be finished."""
    conn = store.conn
    conn.execute("ATTACH DATABASE ? AS fresh", (str(store.root / REBUILD_CATALOG),))
    try:
        with store.transaction():
            # old id -> new id through the source that delivered it (athlete, sha256, index)
            conn.execute(
                """CREATE TEMP TABLE id_map AS
                   SELECT o.activity_id AS old_id, MIN(n.activity_id) AS new_id
                   FROM main.activity_sources o JOIN fresh.activity_sources n
                     ON o.athlete_id = n.athlete_id AND o.sha256 = n.sha256 AND o.idx = n.idx
                   GROUP BY o.activity_id"""
            )
            conn.execute(
                """UPDATE feedback SET activity_id =
                       (SELECT new_id FROM id_map WHERE old_id = feedback.activity_id)
                   WHERE activity_id IN (SELECT old_id FROM id_map WHERE new_id != old_id)"""
            )
            conn.execute(
                """UPDATE OR REPLACE activity_settings SET activity_id =
                       (SELECT new_id FROM id_map WHERE old_id = activity_settings.activity_id)
                   WHERE activity_id IN (SELECT old_id FROM id_map WHERE new_id != old_id)"""
            )
            conn.execute("DROP TABLE temp.id_map")
            for table in DERIVED_TABLES:
                conn.execute(f"DELETE FROM main.{table}")
                conn.execute(f"INSERT INTO main.{table} SELECT * FROM fresh.{table}")
            conn.execute("INSERT OR IGNORE INTO main.athletes SELECT * FROM fresh.athletes")
            conn.execute("INSERT OR REPLACE INTO meta VALUES ('rebuild_samples', 'pending')")
    finally:
        conn.execute("DETACH DATABASE fresh")

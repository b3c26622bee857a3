"""The store side of ``coachkit rebuild`` (docs/design.md §4): the scratch catalog and samples
tree a rebuild fills beside the live ones, and the swap that puts them in place.

The derived tables are copied into the live catalog in one transaction that also records
``meta.rebuild_samples``; the samples tree is swapped after that commit, and
:func:`finish_samples_swap` (run by :meth:`coachkit.store.Store.recover`) completes a swap a
crash interrupted. The catalog file itself is never replaced under processes that have it open.
"""

from __future__ import annotations

import contextlib
import os
import shutil
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from coachkit.store import Store

REBUILD_CATALOG, REBUILD_SAMPLES = "catalog.rebuild.sqlite", "samples.rebuild"
#: tables derived from raw/ (everything else in the catalog is the user's and is kept)
#: tables rebuilt from raw/ (run_summaries: the fresh catalog's are empty, filled again on use)
DERIVED_TABLES = (
    "sources",
    "activities",
    "activity_sources",
    "laps",
    "wellness",
    "run_summaries",
)


def missing_originals(store: Store) -> list[str]:
    """Names of imported units whose original (or companion) is not in raw/."""
    missing = []
    for row in store.conn.execute("SELECT name, sha256, companion_sha256, status FROM sources"):
        needed = [row["companion_sha256"]]
        if row["status"] != "quarantined":  # quarantined units refused unread have no raw
            needed.append(row["sha256"])
        if any(sha and not store.raw_path(sha).exists() for sha in needed):
            missing.append(row["name"])
    return missing


def sources_in_order(store: Store) -> list[dict[str, Any]]:
    """Every row of the manifest, in the order the units were first ingested."""
    return [dict(r) for r in store.conn.execute("SELECT * FROM sources ORDER BY seq")]


def swap_in_rebuilt_tables(store: Store) -> None:
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


def finish_samples_swap(store: Store) -> None:
    """Swap the rebuilt samples tree in if the catalog swap committed (``meta.rebuild_samples``
    says so), then, in the live store, drop what a rebuild leaves behind."""
    staged, old = store.root / REBUILD_SAMPLES, store.root / "samples.old"
    row = store.conn.execute("SELECT value FROM meta WHERE key='rebuild_samples'").fetchone()
    if row is not None:
        if staged.exists():
            if store.samples_dir.exists():
                shutil.rmtree(old, ignore_errors=True)
                os.replace(store.samples_dir, old)
            os.replace(staged, store.samples_dir)
        with store.transaction() as conn:
            conn.execute("DELETE FROM meta WHERE key='rebuild_samples'")
    if store.samples_dir.name == "samples":  # only the live store cleans up after a rebuild
        shutil.rmtree(staged, ignore_errors=True)
        shutil.rmtree(old, ignore_errors=True)
        for suffix in ("", "-wal", "-shm"):
            with contextlib.suppress(FileNotFoundError):
                os.unlink(f"{store.root / REBUILD_CATALOG}{suffix}")

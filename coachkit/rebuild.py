"""``coachkit rebuild``: re-parse every raw original into a fresh catalog (DESIGN §4).

Parsers improve; the runner should not have to re-download anything. The fresh catalog and
samples tree are built beside the live ones and swapped in at the end, so an interrupted
rebuild leaves the store as it was. Data that exists only in the catalog (athletes, feedback,
plans, adaptations) is carried over unchanged.
"""

from __future__ import annotations

import contextlib
import os
import shutil
from collections.abc import Callable

from coachkit.ingest import IngestReport, Outcome, import_unit
from coachkit.io.containers import Unit
from coachkit.store import Store

USER_TABLES = ("athletes", "seen_paths", "feedback", "plans", "plan_workouts", "adaptations")
_NEW_CATALOG, _NEW_SAMPLES = "catalog.rebuild.sqlite", "samples.rebuild"


def _remove_sqlite(path: os.PathLike[str] | str) -> None:
    """Delete a SQLite file with its WAL and shared-memory companions."""
    for suffix in ("", "-wal", "-shm"):
        with contextlib.suppress(FileNotFoundError):
            os.unlink(f"{path}{suffix}")


def rebuild(store: Store, *, progress: Callable[[str], None] | None = None) -> IngestReport:
    """Rebuild ``store``'s catalog and samples from ``raw/``; return what each unit became.

    No other coachkit process should have the store open while this runs (the swap replaces
    the catalog file).
    """
    report = IngestReport()
    with store.ingest_lock():
        store.recover()
        _remove_sqlite(store.root / _NEW_CATALOG)
        shutil.rmtree(store.root / _NEW_SAMPLES, ignore_errors=True)
        fresh = Store(store.root, catalog_name=_NEW_CATALOG, samples_name=_NEW_SAMPLES)
        conn = fresh.conn
        conn.execute("ATTACH DATABASE ? AS old", (str(store.catalog_path),))
        with fresh.transaction():
            for table in USER_TABLES:
                conn.execute(f"INSERT INTO main.{table} SELECT * FROM old.{table}")
        conn.execute("DETACH DATABASE old")
        for row in [dict(r) for r in store.conn.execute("SELECT * FROM sources ORDER BY seq")]:
            if progress:
                progress(row["name"])
            raw = store.raw_path(row["sha256"])
            if raw.exists():
                companion = row.get("companion_sha256")
                unit = Unit(
                    row["name"],
                    raw.read_bytes(),
                    companion=store.raw_path(companion).read_bytes() if companion else None,
                )
                outcome = import_unit(fresh, row["athlete_id"], unit)
            else:  # refused before reading (unsafe zip member): nothing to re-parse, keep the verdict
                outcome = import_unit(
                    fresh, row["athlete_id"], Unit(row["name"], None, row["reason"])
                )
            report.outcomes.append(outcome)
        for db in (fresh, store):  # fold the WALs in so that the swap moves one complete file
            db.conn.execute("PRAGMA wal_checkpoint(TRUNCATE)")
            db.close()
        for suffix in ("-wal", "-shm"):
            for path in (f"{store.catalog_path}{suffix}", f"{store.root / _NEW_CATALOG}{suffix}"):
                with contextlib.suppress(FileNotFoundError):
                    os.unlink(path)
        os.replace(store.root / _NEW_CATALOG, store.catalog_path)
        old = store.root / "samples.old"
        shutil.rmtree(old, ignore_errors=True)
        if store.samples_dir.exists():
            os.replace(store.samples_dir, old)
        if (store.root / _NEW_SAMPLES).exists():
            os.replace(store.root / _NEW_SAMPLES, store.samples_dir)
        shutil.rmtree(old, ignore_errors=True)
    return report


__all__ = ["rebuild", "Outcome"]

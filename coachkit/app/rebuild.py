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

from coachkit.app.ingest import import_unit
from coachkit.io.containers import Unit
from coachkit.store import Store, StoreError
from coachkit.store.manifest import IngestReport
from coachkit.store.rebuild import (
    REBUILD_CATALOG,
    REBUILD_SAMPLES,
    missing_originals,
    sources_in_order,
    swap_in_rebuilt_tables,
)


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
        missing = missing_originals(store)
        if missing:
            raise StoreError(
                f"{len(missing)} imported file(s) have no original in {store.raw_dir} "
                f"(e.g. {missing[0]}): a rebuild would drop them; re-ingest those files first"
            )
        fresh = Store(store.root, catalog_name=REBUILD_CATALOG, samples_name=REBUILD_SAMPLES)
        rows = sources_in_order(store)
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
        swap_in_rebuilt_tables(store)
        store.recover()  # swaps the rebuilt samples in and drops the scratch catalog
    return report

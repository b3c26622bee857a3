"""The ingest report and the manifest's size+mtime fast path, without pandas (docs/design.md §4).

A re-ingest of an unchanged folder must read no file bytes, and from the command line it should
also not pay for importing pandas and the readers (about a second). :func:`unchanged_report`
answers such a re-run from the catalog alone; when any path needs reading it returns None and
the caller runs the full :func:`coachkit.app.ingest.ingest`, which checks every path the same way.
"""

from __future__ import annotations

import os
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path

from coachkit.io import companion_path
from coachkit.store import Store, check_athlete_id


@dataclass
class Outcome:
    """What happened to one unit: new, merged, unchanged, skipped, quarantined or error.

    ``error`` means the disk or the database failed, not the file: nothing was recorded and
    the next ingest tries again.
    """

    name: str
    status: str
    reason: str = ""
    kind: str = ""
    decoder: str = ""
    n_new: int = 0
    n_merged: int = 0
    n_wellness: int = 0


@dataclass
class IngestReport:
    outcomes: list[Outcome] = field(default_factory=list)

    def count(self, status: str) -> int:
        return sum(o.status == status for o in self.outcomes)

    @property
    def quarantined(self) -> list[Outcome]:
        return [o for o in self.outcomes if o.status == "quarantined"]

    def totals(self) -> dict[str, int]:
        return {
            "files": len(self.outcomes),
            "new_activities": sum(o.n_new for o in self.outcomes),
            "merged_activities": sum(o.n_merged for o in self.outcomes),
            "wellness_days": sum(o.n_wellness for o in self.outcomes),
            **{
                s: self.count(s)
                for s in ("new", "merged", "unchanged", "skipped", "quarantined", "error")
            },
        }


def path_key(path: Path) -> str:
    """The manifest key of a path: a file read with a companion is remembered with it, so a
    partner that appears later makes the file read again."""
    partner = companion_path(path)
    return str(path.resolve()) + (f"|with:{partner.resolve()}" if partner is not None else "")


def is_unchanged(store: Store, athlete_id: str, path: Path, st: os.stat_result) -> bool:
    """True when ``path`` was ingested for ``athlete_id`` with this size and mtime."""
    seen = store.conn.execute(
        "SELECT size, mtime_ns FROM seen_paths WHERE athlete_id=? AND path=?",
        (athlete_id, path_key(path)),
    ).fetchone()
    return bool(seen) and (seen["size"], seen["mtime_ns"]) == (st.st_size, st.st_mtime_ns)


def unchanged_report(store: Store, files: Sequence[Path], athlete_id: str) -> IngestReport | None:
    """The report of re-ingesting ``files`` when every one is unchanged, else None.

    ``files`` are the paths :func:`coachkit.io.containers.iter_paths` yields. Like a full ingest
    it holds the ingest lock, finishes writes a crash interrupted and registers the athlete, so
    the store ends up the same either way; it reads no file bytes and imports no reader.
    """
    check_athlete_id(athlete_id)
    with store.ingest_lock():
        store.recover()
        for path in files:
            try:
                st = path.stat()
            except OSError:
                return None  # the full ingest reports it
            if not is_unchanged(store, athlete_id, path, st):
                return None
        with store.transaction() as conn:
            store.ensure_athlete(athlete_id, conn=conn)
    return IngestReport([Outcome(str(path), "unchanged") for path in files])

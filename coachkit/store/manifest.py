"""The manifest of ingested units (``sources``), its size+mtime fast path (``seen_paths``) and
the ingest report, without pandas (docs/design.md §4).

Every parsed unit gets one ``sources`` row, keyed by the sha256 of its bytes, with its verdict
(imported, quarantined or skipped) and why. A re-ingest of an unchanged folder must read no file bytes, and from the command line it should
also not pay for importing pandas and the readers (about a second). :func:`unchanged_report`
answers such a re-run from the catalog alone; when any path needs reading it returns None and
the caller runs the full :func:`coachkit.app.ingest.ingest`, which checks every path the same way.
"""

from __future__ import annotations

import json
import os
import sqlite3
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path

from coachkit.core.files import fs_key, fs_text
from coachkit.io import companion_path
from coachkit.io.containers import Entry
from coachkit.store import Store, check_athlete_id, utc_now_iso


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

    def __post_init__(self) -> None:
        # a file name of any bytes becomes text that SQLite, JSON and a terminal accept
        self.name = fs_text(self.name)
        self.reason = fs_text(self.reason)


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
    key = fs_key(path.resolve())
    return key + (f"|with:{fs_key(partner.resolve())}" if partner is not None else "")


def is_unchanged(store: Store, athlete_id: str, path: Path, st: os.stat_result) -> bool:
    """True when ``path`` was ingested for ``athlete_id`` with this size and mtime."""
    seen = store.conn.execute(
        "SELECT size, mtime_ns FROM seen_paths WHERE athlete_id=? AND path=?",
        (athlete_id, path_key(path)),
    ).fetchone()
    return bool(seen) and (seen["size"], seen["mtime_ns"]) == (st.st_size, st.st_mtime_ns)


def unchanged_report(store: Store, files: Sequence[Entry], athlete_id: str) -> IngestReport | None:
    """The report of re-ingesting ``files`` when every one is unchanged or skipped, else None.

    ``files`` are the entries :func:`coachkit.io.containers.iter_paths` yields; one it does not
    read (a FIFO, a symlink out of the tree) is reported skipped with its reason. Like a full ingest
    it holds the ingest lock, finishes writes a crash interrupted and registers the athlete, so
    the store ends up the same either way; it reads no file bytes and imports no reader.
    """
    check_athlete_id(athlete_id)
    with store.ingest_lock():
        store.recover()
        for entry in files:
            if entry.skip:
                continue
            try:
                st = entry.path.stat()
            except OSError:
                return None  # the full ingest reports it
            if not is_unchanged(store, athlete_id, entry.path, st):
                return None
        with store.transaction() as conn:
            store.ensure_athlete(athlete_id, conn=conn)
    return IngestReport(
        [
            Outcome(e.name, "skipped", e.skip) if e.skip else Outcome(e.name, "unchanged")
            for e in files
        ]
    )


def known_unit(store: Store, athlete_id: str, sha256: str) -> sqlite3.Row | None:
    """The manifest's ``status`` and ``companion_sha256`` of a unit already seen, else None."""
    return store.conn.execute(
        "SELECT status, companion_sha256 FROM sources WHERE athlete_id=? AND sha256=?",
        (athlete_id, sha256),
    ).fetchone()


def record_source(
    conn: sqlite3.Connection,
    athlete_id: str,
    sha256: str,
    outcome: Outcome,
    warnings: list[str],
    companion_sha256: str | None = None,
) -> None:
    """Write (or replace) a unit's manifest row inside the caller's transaction; new and merged
    outcomes are recorded as ``imported``."""
    seq = conn.execute("SELECT COALESCE(MAX(seq), 0) + 1 FROM sources").fetchone()[0]
    status = {"new": "imported", "merged": "imported"}.get(outcome.status, outcome.status)
    conn.execute(
        "INSERT OR REPLACE INTO sources (athlete_id, sha256, name, kind, decoder, status, reason, "
        "n_activities, n_wellness, warnings, companion_sha256, seq, ingested_at) "
        "VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
        (
            athlete_id,
            sha256,
            fs_text(outcome.name),
            outcome.kind,
            outcome.decoder,
            status,
            fs_text(outcome.reason) or None,
            outcome.n_new + outcome.n_merged,
            outcome.n_wellness,
            json.dumps(warnings) if warnings else None,
            companion_sha256,
            seq,
            utc_now_iso(),
        ),
    )


def remember_path(store: Store, athlete_id: str, key: str, st: os.stat_result, sha256: str) -> None:
    """Remember that the path keyed ``key`` (:func:`path_key`) was read with this size and
    mtime, so that :func:`is_unchanged` skips it next time."""
    with store.transaction() as conn:
        conn.execute(
            "INSERT OR REPLACE INTO seen_paths VALUES (?, ?, ?, ?, ?)",
            (athlete_id, key, st.st_size, st.st_mtime_ns, sha256),
        )


def latest_imports(store: Store, athlete_id: str) -> list[tuple[str | None, str]]:
    """(kind, ISO time) of the athlete's latest imported unit of each kind, newest first, at
    most three."""
    rows = store.conn.execute(
        "SELECT kind, MAX(ingested_at) FROM sources WHERE athlete_id=? AND status='imported' "
        "GROUP BY kind ORDER BY 2 DESC LIMIT 3",
        (athlete_id,),
    )
    return [(kind, when) for kind, when in rows]

"""Ingest: files in, one transaction per parsed unit, deduplicated activities out (docs/design.md §3, §4).

The manifest is keyed by sha256 and a size+mtime fast path keeps a re-run over an unchanged
folder from reading any bytes. A unit that fails to parse is quarantined with its reason and its
original kept in ``raw/``, so a better parser can pick it up later through ``coachkit rebuild``.
"""

from __future__ import annotations

import hashlib
import logging
import os
import sqlite3
from collections.abc import Callable, Iterable
from pathlib import Path

import pandas as pd

from coachkit.core.files import fs_text, sha256_file
from coachkit.io import NothingToImport, companion_path, read_bytes
from coachkit.io.base import finish_activity, refuse_damaged_nonsense
from coachkit.io.containers import Unit, check_path, expand_path, iter_paths
from coachkit.io.errors import UnreadableFile
from coachkit.store import Store, check_athlete_id
from coachkit.store.manifest import (
    IngestReport,
    Outcome,
    is_unchanged,
    known_unit,
    path_key,
    record_source,
    remember_path,
)
from coachkit.store.merge import import_activity
from coachkit.store.wellness import import_wellness

log = logging.getLogger(__name__)

_TRANSIENT = "not imported this time, will be retried: "


def import_unit(
    store: Store, athlete_id: str, unit: Unit, *, now: pd.Timestamp | None = None
) -> Outcome:
    """Parse one unit and write everything it holds in a single transaction."""
    if unit.data == b"":  # every empty file has one hash: each gets its own verdict, by name
        unit = Unit(unit.name, None, "empty file (0 bytes): nothing to read")
    if unit.data is None:
        sha = hashlib.sha256(f"refused|{fs_text(unit.name)}".encode()).hexdigest()
        o = Outcome(unit.name, "quarantined", unit.error or "refused")
        with store.transaction() as conn:
            record_source(conn, athlete_id, sha, o, [])
        return o
    sha = hashlib.sha256(unit.data).hexdigest()
    companion_sha = (
        hashlib.sha256(unit.companion).hexdigest() if unit.companion is not None else None
    )
    seen = known_unit(store, athlete_id, sha)
    # Known content is unchanged, unless it failed before and now comes with the companion it
    # needed (Strava streams quarantined alone, then ingested beside their activity JSON).
    if seen and not (
        companion_sha and seen["status"] != "imported" and seen["companion_sha256"] != companion_sha
    ):
        return Outcome(unit.name, "unchanged")
    try:
        store.put_raw(sha, unit.data)
        if unit.companion is not None and companion_sha:
            store.put_raw(companion_sha, unit.companion)
    except OSError as exc:
        return Outcome(unit.name, "error", f"{_TRANSIENT}{exc.strerror or exc}")
    base = unit.name.rsplit("::", 1)[-1].rsplit("/", 1)[-1]
    warnings: list[str] = []
    pending: list[Path] = []
    try:
        parsed = read_bytes(unit.data, name=base, companion=unit.companion)
        warnings = list(parsed.warnings)
        o = Outcome(
            unit.name,
            "new",
            kind=(parsed.activities[0].source_kind if parsed.activities else ""),
            decoder=parsed.decoder,
        )
        if parsed.is_empty:
            raise NothingToImport("no activities or wellness days in it")
        finished = [finish_activity(act, now=now) for act in parsed.activities]
        refuse_damaged_nonsense(warnings, finished)
        with store.transaction() as conn:
            for idx, act in enumerate(finished):
                status = import_activity(
                    store,
                    conn,
                    athlete_id,
                    act,
                    sha,
                    idx,
                    unit.name,
                    pending,
                )
                o.n_new += status == "new"
                o.n_merged += status == "merged"
            if parsed.wellness is not None and not parsed.wellness.empty:
                o.n_wellness = import_wellness(conn, athlete_id, parsed.wellness, sha)
                o.kind = o.kind or str(parsed.wellness["source"].iloc[0])
            if o.n_new == 0 and o.n_merged:
                o.status = "merged"
            o.reason = "; ".join(warnings)[:300]
            record_source(conn, athlete_id, sha, o, warnings, companion_sha)
    except (sqlite3.OperationalError, OSError) as exc:
        # the disk or the database failed, not the file: record nothing, so the next run retries
        for p in pending:
            p.unlink(missing_ok=True)
        return Outcome(unit.name, "error", f"{_TRANSIENT}{exc}")
    except NothingToImport as exc:
        for p in pending:
            p.unlink(missing_ok=True)
        o = Outcome(unit.name, "skipped", f"nothing to import: {exc}")
    except UnreadableFile as exc:
        for p in pending:
            p.unlink(missing_ok=True)
        o = Outcome(unit.name, "quarantined", str(exc))
    except Exception as exc:  # a reader bug must not stop the batch: quarantine and say so
        for p in pending:
            p.unlink(missing_ok=True)
        log.debug("reader failure on %s", unit.name, exc_info=True)
        o = Outcome(
            unit.name,
            "quarantined",
            f"could not be read ({exc.__class__.__name__}: {str(exc)[:120]})",
        )
    else:
        for p in pending:
            store.publish_samples(p)
        return o
    try:
        with store.transaction() as conn:
            record_source(conn, athlete_id, sha, o, warnings, companion_sha)
    except sqlite3.OperationalError as exc:
        return Outcome(unit.name, "error", f"{_TRANSIENT}{exc}")
    return o


# -- batch ---------------------------------------------------------------------------------------


def ingest(
    store: Store,
    paths: Iterable[str | os.PathLike[str]],
    athlete_id: str,
    *,
    progress: Callable[[str], None] | None = None,
    now: pd.Timestamp | None = None,
) -> IngestReport:
    """Ingest files and folders for one athlete; see the module docstring for the guarantees."""
    check_athlete_id(athlete_id)
    report = IngestReport()
    with store.ingest_lock():
        store.recover()
        with store.transaction() as conn:
            store.ensure_athlete(athlete_id, conn=conn)
        given = [Path(p) for p in paths]
        roots = [p.resolve() for p in given]
        for entry in iter_paths(given):
            if progress:
                progress(entry.name)
            if entry.skip:  # a FIFO, a device, a symlink out of the tree: never opened
                report.outcomes.append(Outcome(entry.name, "skipped", entry.skip))
                continue
            report.outcomes.extend(_ingest_path(store, athlete_id, entry.path, roots, now))
    return report


def _ingest_path(
    store: Store,
    athlete_id: str,
    path: Path,
    roots: list[Path],
    now: pd.Timestamp | None,
) -> list[Outcome]:
    """Everything one path holds; the path is remembered (fast path) only if nothing failed."""
    partner = companion_path(path)
    if partner is not None and check_path(partner, roots):
        partner = None  # a companion is read only where the file itself could be
    key = path_key(path)
    try:
        st = path.stat()
        if is_unchanged(store, athlete_id, path, st):
            return [Outcome(str(path), "unchanged")]
        digest = sha256_file(path)
        companion = None
        if partner is not None:
            companion = next((u.data for u in expand_path(partner) if u.data), None)
        outcomes = []
        for unit in expand_path(path):
            if companion is not None and unit.data is not None:
                unit.companion = companion
            outcomes.append(import_unit(store, athlete_id, unit, now=now))
    except OSError as exc:
        return [Outcome(str(path), "error", f"{_TRANSIENT}cannot read: {exc.strerror or exc}")]
    except Exception as exc:  # never let one path stop the batch; nothing recorded, so retried
        log.debug("failure on %s", path, exc_info=True)
        return [
            Outcome(
                str(path), "quarantined", f"could not be read ({exc.__class__.__name__}: {exc})"
            )
        ]
    if all(o.status != "error" for o in outcomes):
        remember_path(store, athlete_id, key, st, digest)
    return outcomes

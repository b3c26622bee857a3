"""Ingest: files in, one transaction per parsed unit, deduplicated activities out (DESIGN §3, §4).

The manifest is keyed by sha256 and a size+mtime fast path keeps a re-run over an unchanged
folder from reading any bytes. A unit that fails to parse is quarantined with its reason and its
original kept in ``raw/``, so a better parser can pick it up later through ``coachkit rebuild``.
"""

from __future__ import annotations

import hashlib
import json
import logging
import math
import os
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pandas as pd

from coachkit.io import NothingToImport, companion_path, read_bytes
from coachkit.io.base import ParsedActivity, UnreadableFile, finish_activity
from coachkit.io.containers import Unit, expand_bytes, iter_paths
from coachkit.schemas import ACTIVITY_COLUMNS, SOURCE_PRIORITY, WELLNESS_COLUMNS
from coachkit.store import Store, check_athlete_id, utc_now_iso

log = logging.getLogger(__name__)

MERGE_WINDOW_S = 60  # DESIGN §3: same run if starts are within 60 s ...
MERGE_DISTANCE_TOL = 0.03  # ... and distances within 3 %
# Exports of one recording carry the device's start to the second, while their distances can
# differ by far more than 3 % on short runs (device odometer vs GPS track): same start = same run.
SAME_START_S = 2
MERGE_OVERLAP = 0.9  # two recordings sharing 90 % of the shorter one's time are one session
_SPORT_FAMILY = {"run": "run", "trail_run": "run", "treadmill": "run"}
_SUMMARY_COLS = [
    c
    for c in ACTIVITY_COLUMNS
    if c
    not in (
        "athlete_id",
        "activity_id",
        "source_kind",
        "source_file",
        "has_samples",
        "quality_flags",
        "load",
        "load_method",
    )
]
_WELLNESS_VALUES = [c for c in WELLNESS_COLUMNS if c not in ("date", "source")]


@dataclass
class Outcome:
    """What happened to one unit: new, merged, unchanged, quarantined or skipped."""

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
            **{s: self.count(s) for s in ("new", "merged", "unchanged", "skipped", "quarantined")},
        }


def activity_id_for(athlete_id: str, start: pd.Timestamp, sport: str) -> str:
    """Deterministic id: the same run gets the same id from whichever file it came (DESIGN §3)."""
    key = f"{athlete_id}|{pd.Timestamp(start).tz_convert('UTC'):%Y-%m-%dT%H:%M:%SZ}|{sport}"
    return hashlib.sha256(key.encode()).hexdigest()[:16]


def _iso(ts: Any) -> str | None:
    if ts is None or pd.isna(ts):
        return None
    return f"{pd.Timestamp(ts).tz_convert('UTC'):%Y-%m-%dT%H:%M:%SZ}"


def _num(value: Any) -> Any:
    if value is None:
        return None
    if isinstance(value, float) and math.isnan(value):
        return None
    if value is pd.NA or value is pd.NaT:
        return None
    if hasattr(value, "item"):
        value = value.item()
    return value


# -- per-unit import ------------------------------------------------------------------------------


def _overlap_share(start_a: pd.Timestamp, dur_a: Any, start_b: pd.Timestamp, dur_b: Any) -> float:
    """Shared time of two recordings as a share of the shorter one (0 when a duration is unknown)."""
    if not dur_a or not dur_b:
        return 0.0
    end_a, end_b = start_a + pd.Timedelta(seconds=dur_a), start_b + pd.Timedelta(seconds=dur_b)
    shared = (min(end_a, end_b) - max(start_a, start_b)).total_seconds()
    return max(0.0, shared) / min(dur_a, dur_b)


def _find_match(conn: Any, athlete_id: str, summary: dict[str, Any]) -> tuple[Any, bool]:
    """Existing activity this one duplicates: (row, same_run). ``same_run`` False = near-duplicate.

    Same run (DESIGN §3 and the notes at the top): same sport family, start within 60 s, and
    distances within 3 %, or the same start to 2 s, or recordings that overlap in time by 90 %.
    The overlap test matters because a GPS track's distance and a watch's odometer can differ
    by 5-15 % for the very same run.
    """
    start = pd.Timestamp(summary["start_time"])
    lo, hi = (
        _iso(start - pd.Timedelta(seconds=MERGE_WINDOW_S)),
        _iso(start + pd.Timedelta(seconds=MERGE_WINDOW_S)),
    )
    family = _SPORT_FAMILY.get(summary["sport"], summary["sport"])
    near = None
    for row in conn.execute(
        "SELECT * FROM activities WHERE athlete_id=? AND start_time BETWEEN ? AND ? ORDER BY start_time",
        (athlete_id, lo, hi),
    ):
        if _SPORT_FAMILY.get(row["sport"], row["sport"]) != family:
            continue
        row_start = pd.Timestamp(row["start_time"])
        d_new, d_old = _num(summary.get("distance_m")), row["distance_m"]
        t_new, t_old = _num(summary.get("elapsed_time_s")), row["elapsed_time_s"]
        if (
            abs((row_start - start).total_seconds()) <= SAME_START_S
            or (d_new and d_old and abs(d_new - d_old) <= MERGE_DISTANCE_TOL * max(d_new, d_old))
            or _overlap_share(start, t_new, row_start, t_old) >= MERGE_OVERLAP
            or (not (d_new and d_old) and not (t_new and t_old))  # nothing to tell them apart
        ):
            return row, True
        near = near or row
    return near, False


def _import_activity(
    store: Store,
    conn: Any,
    athlete_id: str,
    act: ParsedActivity,
    sha: str,
    idx: int,
    name: str,
    pending: list[Path],
) -> str:
    """Insert or merge one activity inside the caller's transaction; return 'new' or 'merged'."""
    summary = act.summary
    if summary.get("start_time") is None or pd.isna(summary.get("start_time")):
        raise UnreadableFile("activity without a start time")
    priority = SOURCE_PRIORITY.get(act.source_kind, 5)
    match, same_run = _find_match(conn, athlete_id, summary)
    flags = list(act.flags)
    row_values = {c: _num(summary.get(c)) for c in _SUMMARY_COLS}
    row_values["start_time"] = _iso(summary["start_time"])
    extra = {
        k: _num(v) for k, v in summary.items() if k not in ACTIVITY_COLUMNS and k != "has_samples"
    }
    has_samples = bool(act.samples is not None and not act.samples.empty)

    if match is not None and same_run:
        activity_id = match["activity_id"]
        primary = conn.execute(
            "SELECT priority FROM activity_sources WHERE activity_id=? AND is_primary=1",
            (activity_id,),
        ).fetchone()
        promote = primary is None or priority > primary["priority"]
        if promote:
            conn.execute(
                "UPDATE activity_sources SET is_primary=0 WHERE activity_id=?", (activity_id,)
            )
            merged = {
                c: row_values[c] if row_values[c] is not None else match[c] for c in _SUMMARY_COLS
            }
            if merged.get("avg_hr") is not None:
                flags = [f for f in flags if f != "no_hr"]
            take_samples = has_samples or not match["has_samples"]
            conn.execute(
                f"UPDATE activities SET {', '.join(f'{c}=?' for c in _SUMMARY_COLS)}, source_kind=?, "
                "source_file=?, source_sha256=?, has_samples=?, quality_flags=?, extra_json=? WHERE activity_id=?",
                [merged[c] for c in _SUMMARY_COLS]
                + [
                    act.source_kind,
                    name,
                    sha,
                    int(has_samples or bool(match["has_samples"])),
                    ";".join(flags),
                    json.dumps({**json.loads(match["extra_json"]), **extra}),
                    activity_id,
                ],
            )
            if has_samples and take_samples:
                pending.append(store.stage_samples(athlete_id, activity_id, act.samples, sha[:16]))
            if act.laps is not None and not act.laps.empty:
                conn.execute("DELETE FROM laps WHERE activity_id=?", (activity_id,))
                _insert_laps(conn, activity_id, act.laps)
        elif has_samples and not match["has_samples"]:
            # a lower-priority source still fills a gap: samples where the primary had none
            pending.append(store.stage_samples(athlete_id, activity_id, act.samples, sha[:16]))
            conn.execute("UPDATE activities SET has_samples=1 WHERE activity_id=?", (activity_id,))
        _link(conn, athlete_id, sha, idx, activity_id, act, name, priority, promote)
        return "merged"

    activity_id = activity_id_for(athlete_id, summary["start_time"], summary["sport"])
    if (
        match is not None
        or conn.execute("SELECT 1 FROM activities WHERE activity_id=?", (activity_id,)).fetchone()
    ):
        if match is not None:
            flags.append(f"duplicate_of:{match['activity_id']}")
        activity_id = hashlib.sha256(f"{activity_id}|{sha}|{idx}".encode()).hexdigest()[:16]
    conn.execute(
        f"INSERT INTO activities (activity_id, athlete_id, {', '.join(_SUMMARY_COLS)}, source_kind, "
        "source_file, source_sha256, has_samples, quality_flags, extra_json) VALUES "
        f"(?, ?, {', '.join('?' for _ in _SUMMARY_COLS)}, ?, ?, ?, ?, ?, ?)",
        [activity_id, athlete_id]
        + [row_values[c] for c in _SUMMARY_COLS]
        + [
            act.source_kind,
            name,
            sha,
            int(has_samples),
            ";".join(dict.fromkeys(flags)),
            json.dumps(extra),
        ],
    )
    if has_samples:
        pending.append(store.stage_samples(athlete_id, activity_id, act.samples, sha[:16]))
    if act.laps is not None and not act.laps.empty:
        _insert_laps(conn, activity_id, act.laps)
    _link(conn, athlete_id, sha, idx, activity_id, act, name, priority, True)
    return "new"


def _link(
    conn: Any,
    athlete_id: str,
    sha: str,
    idx: int,
    activity_id: str,
    act: ParsedActivity,
    name: str,
    priority: int,
    is_primary: bool,
) -> None:
    conn.execute(
        "INSERT OR REPLACE INTO activity_sources VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
        (
            athlete_id,
            sha,
            idx,
            activity_id,
            act.source_kind,
            name,
            priority,
            _iso(act.summary.get("start_time")),
            _num(act.summary.get("distance_m")),
            int(is_primary),
        ),
    )


def _insert_laps(conn: Any, activity_id: str, laps: pd.DataFrame) -> None:
    for i, lap in enumerate(laps.to_dict("records")):
        conn.execute(
            "INSERT OR REPLACE INTO laps VALUES (?, ?, ?, ?, ?, ?)",
            (
                activity_id,
                i,
                _iso(lap.get("start_time")),
                _num(lap.get("elapsed_time_s")),
                _num(lap.get("distance_m")),
                _num(lap.get("avg_hr")),
            ),
        )


def _import_wellness(conn: Any, athlete_id: str, wellness: pd.DataFrame, sha: str) -> int:
    n = 0
    cols = ", ".join(_WELLNESS_VALUES)
    updates = ", ".join(f"{c}=COALESCE(excluded.{c}, {c})" for c in _WELLNESS_VALUES)
    for rec in wellness.to_dict("records"):
        if rec.get("date") is None or pd.isna(rec["date"]):
            continue
        conn.execute(
            f"INSERT INTO wellness (athlete_id, date, source, {cols}, sha256) "
            f"VALUES (?, ?, ?, {', '.join('?' for _ in _WELLNESS_VALUES)}, ?) "
            f"ON CONFLICT(athlete_id, date, source) DO UPDATE SET {updates}, sha256=excluded.sha256",
            [athlete_id, f"{pd.Timestamp(rec['date']):%Y-%m-%d}", rec.get("source") or "unknown"]
            + [_num(rec.get(c)) for c in _WELLNESS_VALUES]
            + [sha],
        )
        n += 1
    return n


def _record_source(
    conn: Any,
    athlete_id: str,
    sha: str,
    o: Outcome,
    warnings: list[str],
    companion_sha: str | None = None,
) -> None:
    seq = conn.execute("SELECT COALESCE(MAX(seq), 0) + 1 FROM sources").fetchone()[0]
    status = {"new": "imported", "merged": "imported"}.get(o.status, o.status)
    conn.execute(
        "INSERT OR REPLACE INTO sources (athlete_id, sha256, name, kind, decoder, status, reason, "
        "n_activities, n_wellness, warnings, companion_sha256, seq, ingested_at) "
        "VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
        (
            athlete_id,
            sha,
            o.name,
            o.kind,
            o.decoder,
            status,
            o.reason or None,
            o.n_new + o.n_merged,
            o.n_wellness,
            json.dumps(warnings) if warnings else None,
            companion_sha,
            seq,
            utc_now_iso(),
        ),
    )


def import_unit(
    store: Store, athlete_id: str, unit: Unit, *, now: pd.Timestamp | None = None
) -> Outcome:
    """Parse one unit and write everything it holds in a single transaction."""
    if unit.data is None:
        sha = hashlib.sha256(f"refused|{unit.name}".encode()).hexdigest()
        o = Outcome(unit.name, "quarantined", unit.error or "refused")
        with store.transaction() as conn:
            _record_source(conn, athlete_id, sha, o, [])
        return o
    sha = hashlib.sha256(unit.data).hexdigest()
    if store.conn.execute(
        "SELECT 1 FROM sources WHERE athlete_id=? AND sha256=?", (athlete_id, sha)
    ).fetchone():
        return Outcome(unit.name, "unchanged")
    store.put_raw(sha, unit.data)
    companion_sha = None
    if unit.companion is not None:
        companion_sha = hashlib.sha256(unit.companion).hexdigest()
        store.put_raw(companion_sha, unit.companion)
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
        with store.transaction() as conn:
            for idx, act in enumerate(parsed.activities):
                status = _import_activity(
                    store,
                    conn,
                    athlete_id,
                    finish_activity(act, now=now),
                    sha,
                    idx,
                    unit.name,
                    pending,
                )
                o.n_new += status == "new"
                o.n_merged += status == "merged"
            if parsed.wellness is not None and not parsed.wellness.empty:
                o.n_wellness = _import_wellness(conn, athlete_id, parsed.wellness, sha)
                o.kind = o.kind or str(parsed.wellness["source"].iloc[0])
            if o.n_new == 0 and o.n_merged:
                o.status = "merged"
            o.reason = "; ".join(warnings)[:300]
            _record_source(conn, athlete_id, sha, o, warnings, companion_sha)
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
    with store.transaction() as conn:
        _record_source(conn, athlete_id, sha, o, warnings, companion_sha)
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
        for path in iter_paths([Path(p) for p in paths]):
            if progress:
                progress(str(path))
            key = str(path.resolve())
            try:
                st = path.stat()
            except OSError as exc:
                report.outcomes.append(
                    Outcome(str(path), "quarantined", f"cannot stat: {exc.strerror}")
                )
                continue
            seen = store.conn.execute(
                "SELECT size, mtime_ns FROM seen_paths WHERE athlete_id=? AND path=?",
                (athlete_id, key),
            ).fetchone()
            if seen and seen["size"] == st.st_size and seen["mtime_ns"] == st.st_mtime_ns:
                report.outcomes.append(Outcome(str(path), "unchanged"))
                continue
            try:
                data = path.read_bytes()
            except OSError as exc:
                report.outcomes.append(
                    Outcome(str(path), "quarantined", f"cannot read: {exc.strerror}")
                )
                continue
            partner = companion_path(path)
            for unit in expand_bytes(data, str(path)):
                if partner is not None and unit.data is not None:
                    unit.companion = next(
                        (
                            u.data
                            for u in expand_bytes(partner.read_bytes(), str(partner))
                            if u.data
                        ),
                        None,
                    )
                report.outcomes.append(import_unit(store, athlete_id, unit, now=now))
            with store.transaction() as conn:
                conn.execute(
                    "INSERT OR REPLACE INTO seen_paths VALUES (?, ?, ?, ?, ?)",
                    (athlete_id, key, st.st_size, st.st_mtime_ns, hashlib.sha256(data).hexdigest()),
                )
    return report

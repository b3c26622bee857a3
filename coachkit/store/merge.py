"""How one parsed activity lands in the catalog: a new activity, a merge into the same run from
another source, or a near-duplicate flagged ``duplicate_of:<id>`` (docs/design.md §3).

Same run: same sport family, start within 60 s, and distances within 3 %, or the same start to
2 s, or recordings that overlap in time by 90 %. The best source (``SOURCE_PRIORITY``) fills
the activities row; values it lacks are filled from the others; every source stays linked in
``activity_sources``. All functions here run inside the caller's transaction.
"""

from __future__ import annotations

import hashlib
import json
from pathlib import Path
from typing import Any

import pandas as pd

from coachkit.core.schemas import ACTIVITY_COLUMNS, SOURCE_PRIORITY
from coachkit.core.sports import RUN_SPORTS
from coachkit.core.values import plain
from coachkit.io.base import ParsedActivity
from coachkit.io.errors import UnreadableFile
from coachkit.store import Store

MERGE_WINDOW_S = 60  # docs/design.md §3: same run if starts are within 60 s ...
MERGE_DISTANCE_TOL = 0.03  # ... and distances within 3 %
# Exports of one recording carry the device's start to the second, while their distances can
# differ by far more than 3 % on short runs (device odometer vs GPS track): same start = same run.
SAME_START_S = 2
MERGE_OVERLAP = 0.9  # two recordings sharing 90 % of the shorter one's time are one session
_SPORT_FAMILY = dict.fromkeys(RUN_SPORTS, "run")  # a run on a trail or a treadmill is a run
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


def activity_id_for(athlete_id: str, start: pd.Timestamp, sport: str) -> str:
    """Deterministic id: the same run gets the same id from whichever file it came (docs/design.md §3)."""
    key = f"{athlete_id}|{pd.Timestamp(start).tz_convert('UTC'):%Y-%m-%dT%H:%M:%SZ}|{sport}"
    return hashlib.sha256(key.encode()).hexdigest()[:16]


def iso_utc(ts: Any) -> str | None:
    if ts is None or pd.isna(ts):
        return None
    return f"{pd.Timestamp(ts).tz_convert('UTC'):%Y-%m-%dT%H:%M:%SZ}"


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

    Same run (docs/design.md §3 and the notes at the top): same sport family, start within 60 s, and
    distances within 3 %, or the same start to 2 s, or recordings that overlap in time by 90 %.
    The overlap test matters because a GPS track's distance and a watch's odometer can differ
    by 5-15 % for the very same run.
    """
    start = pd.Timestamp(summary["start_time"])
    lo, hi = (
        iso_utc(start - pd.Timedelta(seconds=MERGE_WINDOW_S)),
        iso_utc(start + pd.Timedelta(seconds=MERGE_WINDOW_S)),
    )
    family = _SPORT_FAMILY.get(summary["sport"], summary["sport"])
    near = None
    rows = conn.execute(
        "SELECT * FROM activities WHERE athlete_id=? AND start_time BETWEEN ? AND ?",
        (athlete_id, lo, hi),
    ).fetchall()
    # the closest start first: two runs a minute apart each find their own twin
    rows.sort(
        key=lambda r: (
            abs((pd.Timestamp(r["start_time"]) - start).total_seconds()),
            r["activity_id"],
        )
    )
    for row in rows:
        if _SPORT_FAMILY.get(row["sport"], row["sport"]) != family:
            continue
        row_start = pd.Timestamp(row["start_time"])
        d_new, d_old = plain(summary.get("distance_m")), row["distance_m"]
        t_new, t_old = plain(summary.get("elapsed_time_s")), row["elapsed_time_s"]
        if (
            abs((row_start - start).total_seconds()) <= SAME_START_S
            or (d_new and d_old and abs(d_new - d_old) <= MERGE_DISTANCE_TOL * max(d_new, d_old))
            or _overlap_share(start, t_new, row_start, t_old) >= MERGE_OVERLAP
            or (not (d_new and d_old) and not (t_new and t_old))  # nothing to tell them apart
        ):
            return row, True
        near = near or row
    return near, False


def _fill_gaps(
    store: Store,
    conn: Any,
    athlete_id: str,
    match: Any,
    act: ParsedActivity,
    row_values: dict[str, Any],
    extra: dict[str, Any],
    sha: str,
    pending: list[Path],
) -> None:
    """A lower-priority source fills what the primary lacks: values, samples, laps.

    This makes the merged row the same whichever order the sources arrive in (the id aside).
    """
    activity_id = match["activity_id"]
    flags = [f for f in (match["quality_flags"] or "").split(";") if f]
    if match["avg_hr"] is None and row_values.get("avg_hr") is not None:
        flags = [f for f in flags if f != "no_hr"]
    conn.execute(
        f"UPDATE activities SET {', '.join(f'{c}=COALESCE({c}, ?)' for c in _SUMMARY_COLS)}, "
        "quality_flags=?, extra_json=? WHERE activity_id=?",
        [row_values[c] for c in _SUMMARY_COLS]
        + [";".join(flags), json.dumps({**extra, **json.loads(match["extra_json"])}), activity_id],
    )
    if act.samples is not None and not act.samples.empty and not match["has_samples"]:
        pending.append(store.stage_samples(athlete_id, activity_id, act.samples, sha[:16]))
        conn.execute("UPDATE activities SET has_samples=1 WHERE activity_id=?", (activity_id,))
    has_laps = conn.execute("SELECT 1 FROM laps WHERE activity_id=?", (activity_id,)).fetchone()
    if act.laps is not None and not act.laps.empty and not has_laps:
        _insert_laps(conn, activity_id, act.laps)


def import_activity(
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
    row_values = {c: plain(summary.get(c)) for c in _SUMMARY_COLS}
    row_values["start_time"] = iso_utc(summary["start_time"])
    extra = {
        k: plain(v) for k, v in summary.items() if k not in ACTIVITY_COLUMNS and k != "has_samples"
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
        else:
            _fill_gaps(store, conn, athlete_id, match, act, row_values, extra, sha, pending)
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
            iso_utc(act.summary.get("start_time")),
            plain(act.summary.get("distance_m")),
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
                iso_utc(lap.get("start_time")),
                plain(lap.get("elapsed_time_s")),
                plain(lap.get("distance_m")),
                plain(lap.get("avg_hr")),
            ),
        )

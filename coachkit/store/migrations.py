"""Numbered schema migrations of ``catalog.sqlite`` (docs/design.md §4).

Each entry upgrades the schema by one version; ``PRAGMA user_version`` records where a store
is. Never edit a released migration: add a new one. Opening a store written by a newer
coachkit fails with a clear message instead of guessing.
"""

from __future__ import annotations

import sqlite3
from collections.abc import Iterator

MIGRATIONS: list[str] = [
    # 1: the foundation
    """
    -- small facts about the store itself (e.g. a rebuild whose samples swap is unfinished)
    CREATE TABLE meta (
        key TEXT PRIMARY KEY,
        value TEXT NOT NULL
    );
    CREATE TABLE athletes (
        athlete_id TEXT PRIMARY KEY,
        name TEXT,
        settings_json TEXT NOT NULL DEFAULT '{}',
        created_at TEXT NOT NULL
    );
    -- the manifest: one row per parsed unit (a file, or a member of an archive), keyed by content
    CREATE TABLE sources (
        athlete_id TEXT NOT NULL,
        sha256 TEXT NOT NULL,
        name TEXT NOT NULL,
        kind TEXT,
        decoder TEXT,
        status TEXT NOT NULL CHECK (status IN ('imported', 'quarantined', 'skipped')),
        reason TEXT,
        n_activities INTEGER NOT NULL DEFAULT 0,
        n_wellness INTEGER NOT NULL DEFAULT 0,
        warnings TEXT,
        companion_sha256 TEXT,  -- a second original this unit was read with (Strava streams + activity)
        seq INTEGER NOT NULL,
        ingested_at TEXT NOT NULL,
        PRIMARY KEY (athlete_id, sha256)
    );
    -- the fast path: a path whose size and mtime are unchanged is not read again
    CREATE TABLE seen_paths (
        athlete_id TEXT NOT NULL,
        path TEXT NOT NULL,
        size INTEGER NOT NULL,
        mtime_ns INTEGER NOT NULL,
        sha256 TEXT NOT NULL,
        PRIMARY KEY (athlete_id, path)
    );
    CREATE TABLE activities (
        activity_id TEXT PRIMARY KEY,
        athlete_id TEXT NOT NULL,
        sport TEXT NOT NULL,
        start_time TEXT NOT NULL,
        utc_offset_s INTEGER,
        elapsed_time_s REAL,
        moving_time_s REAL,
        distance_m REAL,
        elevation_gain_m REAL,
        avg_hr REAL,
        max_hr REAL,
        avg_cadence_spm REAL,
        avg_power_w REAL,
        name TEXT,
        device TEXT,
        source_kind TEXT,
        source_file TEXT,
        source_sha256 TEXT,
        has_samples INTEGER NOT NULL DEFAULT 0,
        quality_flags TEXT NOT NULL DEFAULT '',
        load REAL,
        load_method TEXT,
        extra_json TEXT NOT NULL DEFAULT '{}'
    );
    CREATE INDEX activities_by_athlete_time ON activities (athlete_id, start_time);
    -- every source that delivered a given activity; the primary one fills the activities row
    CREATE TABLE activity_sources (
        athlete_id TEXT NOT NULL,
        sha256 TEXT NOT NULL,
        idx INTEGER NOT NULL,
        activity_id TEXT NOT NULL,
        source_kind TEXT NOT NULL,
        source_file TEXT,
        priority INTEGER NOT NULL,
        start_time TEXT,
        distance_m REAL,
        is_primary INTEGER NOT NULL DEFAULT 0,
        PRIMARY KEY (athlete_id, sha256, idx)
    );
    CREATE INDEX activity_sources_by_activity ON activity_sources (activity_id);
    CREATE TABLE laps (
        activity_id TEXT NOT NULL,
        lap INTEGER NOT NULL,
        start_time TEXT,
        elapsed_time_s REAL,
        distance_m REAL,
        avg_hr REAL,
        PRIMARY KEY (activity_id, lap)
    );
    CREATE TABLE wellness (
        athlete_id TEXT NOT NULL,
        date TEXT NOT NULL,
        source TEXT NOT NULL,
        rmssd_ms REAL,
        ln_rmssd REAL,
        resting_hr REAL,
        sleep_s REAL,
        sleep_score REAL,
        stress REAL,
        readiness REAL,
        sha256 TEXT,
        PRIMARY KEY (athlete_id, date, source)
    );
    CREATE TABLE feedback (
        feedback_id INTEGER PRIMARY KEY AUTOINCREMENT,
        athlete_id TEXT NOT NULL,
        activity_id TEXT,
        date TEXT NOT NULL,
        rpe REAL,
        feel REAL,
        soreness REAL,
        niggle_site TEXT,
        niggle_severity REAL,
        illness INTEGER,
        missed_reason TEXT,
        note TEXT,
        created_at TEXT NOT NULL
    );
    CREATE INDEX feedback_by_athlete_date ON feedback (athlete_id, date);
    CREATE TABLE plans (
        plan_id TEXT PRIMARY KEY,
        athlete_id TEXT NOT NULL,
        goal_json TEXT NOT NULL,
        created_at TEXT NOT NULL,
        active INTEGER NOT NULL DEFAULT 1
    );
    CREATE TABLE plan_workouts (
        plan_id TEXT NOT NULL,
        athlete_id TEXT NOT NULL,
        date TEXT NOT NULL,
        version INTEGER NOT NULL DEFAULT 1,
        kind TEXT NOT NULL,
        distance_m REAL,
        duration_s REAL,
        pace_low_s_per_km REAL,
        pace_high_s_per_km REAL,
        hr_low REAL,
        hr_high REAL,
        steps TEXT,
        purpose TEXT,
        status TEXT NOT NULL DEFAULT 'planned',
        PRIMARY KEY (plan_id, date, version)
    );
    CREATE TABLE adaptations (
        adaptation_id INTEGER PRIMARY KEY AUTOINCREMENT,
        athlete_id TEXT NOT NULL,
        date TEXT NOT NULL,
        rule TEXT NOT NULL,
        evidence TEXT NOT NULL,
        change TEXT NOT NULL,
        explanation TEXT NOT NULL,
        created_at TEXT NOT NULL
    );
    """,
    # 2: live sync (Strava, Garmin Connect): per-source freshness and per-item progress
    """
    -- one row per athlete and source: when it last synced completely, and how the last try went
    CREATE TABLE sync_state (
        athlete_id TEXT NOT NULL,
        source TEXT NOT NULL,
        last_success_at TEXT,
        last_attempt_at TEXT,
        status TEXT NOT NULL,  -- ok, paused (rate limit), interrupted (network), failed
        message TEXT,
        n_new INTEGER NOT NULL DEFAULT 0,
        resume_at REAL,  -- paused: epoch seconds when the spent rate-limit window resets
        PRIMARY KEY (athlete_id, source)
    );
    -- every remote item seen (a Strava activity, a Garmin activity or wellness day): listed
    -- first, imported later, so an interrupted sync resumes without fetching or adding twice
    CREATE TABLE sync_items (
        athlete_id TEXT NOT NULL,
        source TEXT NOT NULL,
        item_id TEXT NOT NULL,
        start_time TEXT,
        kind TEXT,
        payload TEXT,
        status TEXT NOT NULL CHECK (status IN ('listed', 'done', 'quarantined')),
        reason TEXT,
        activity_id TEXT,
        updated_at TEXT NOT NULL,
        PRIMARY KEY (athlete_id, source, item_id)
    );
    CREATE INDEX sync_items_pending ON sync_items (athlete_id, source, status, start_time);
    """,
    # 3: the athlete's own choice of load method for single activities (`coachkit settings
    # --activity`); IF NOT EXISTS so that the order of appended migrations cannot break a store
    """
    CREATE TABLE IF NOT EXISTS activity_settings (
        activity_id TEXT PRIMARY KEY,
        athlete_id TEXT NOT NULL,
        load_method TEXT NOT NULL,
        updated_at TEXT NOT NULL
    );
    CREATE INDEX IF NOT EXISTS activity_settings_by_athlete ON activity_settings (athlete_id);
    """,
    # 4: local time (issue 17): the IANA zone of an activity (from its GPS track at ingest) and
    # where its utc_offset_s came from ('file' or 'gps'; NULL when the source gave neither, and
    # for activities ingested before this version: `coachkit rebuild` fills them from raw/)
    """
    ALTER TABLE activities ADD COLUMN tz_name TEXT;
    ALTER TABLE activities ADD COLUMN tz_source TEXT;
    """,
    # 5: the runner's corrections to single activities (`coachkit activity ID --exclude
    # --sport --race`): the load method becomes optional, so the table is rebuilt (SQLite cannot
    # drop a NOT NULL); rows keep their ids, which `coachkit rebuild` re-points
    """
    CREATE TABLE activity_settings_v5 (
        activity_id TEXT PRIMARY KEY,
        athlete_id TEXT NOT NULL,
        load_method TEXT,  -- NULL: the athlete's default method
        excluded INTEGER NOT NULL DEFAULT 0,  -- 1: counts nowhere, still listed
        excluded_reason TEXT,
        sport_override TEXT,  -- the sport the runner says it was
        race INTEGER,  -- 1 a race, 0 not a race (whatever the source says), NULL the source's word
        updated_at TEXT NOT NULL
    );
    INSERT INTO activity_settings_v5 (activity_id, athlete_id, load_method, updated_at)
        SELECT activity_id, athlete_id, load_method, updated_at FROM activity_settings;
    DROP TABLE activity_settings;
    ALTER TABLE activity_settings_v5 RENAME TO activity_settings;
    CREATE INDEX IF NOT EXISTS activity_settings_by_athlete ON activity_settings (athlete_id);
    """,
    # 6: what each run's samples come down to (features, best efforts, held HR), computed once
    # per samples file (issue 18); `key` names the samples file's size and mtime and the code's
    # summary version, so a rewritten file or a changed feature is summarised again
    """
    CREATE TABLE IF NOT EXISTS run_summaries (
        athlete_id TEXT NOT NULL,
        activity_id TEXT NOT NULL,
        key TEXT NOT NULL,
        body TEXT NOT NULL,  -- JSON
        PRIMARY KEY (athlete_id, activity_id)
    );
    """,
    # 7: a coach that checks in (issue 19): the runner's answer to "what happened?" after three
    # silent planned sessions (ill, injured, busy, travelling, motivation, other)
    """
    ALTER TABLE feedback ADD COLUMN checkin TEXT;
    """,
]

SCHEMA_VERSION = len(MIGRATIONS)


def statements(script: str) -> Iterator[str]:
    """Split a migration script into complete statements (comments may contain ';')."""
    buf = ""
    for line in script.splitlines(keepends=True):
        buf += line
        if sqlite3.complete_statement(buf):
            yield buf
            buf = ""
    if buf.strip() and not all(
        ln.strip().startswith("--") or not ln.strip() for ln in buf.splitlines()
    ):
        yield buf

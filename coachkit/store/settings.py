"""What the athlete chose: their own values (HR max, threshold pace, sex, units, load method)
in ``athletes.settings_json``, and the load method of single activities in
``activity_settings`` (``coachkit settings``).

:class:`AthleteSettings` is one part of :class:`coachkit.store.Store`, which gives it ``root``,
``conn``, ``transaction`` and ``ensure_athlete``.
"""

from __future__ import annotations

import json
import sqlite3
from pathlib import Path
from typing import Any

from coachkit.store.base import StoreError, check_athlete_id, utc_now_iso


def _athlete_of(conn: sqlite3.Connection, activity_id: str) -> str | None:
    row = conn.execute(
        "SELECT athlete_id FROM activities WHERE activity_id=?", (activity_id,)
    ).fetchone()
    return None if row is None else str(row[0])


class AthleteSettings:
    """The athlete's settings and per-activity choices."""

    root: Path
    conn: sqlite3.Connection

    def athlete_of(self, activity_id: str) -> str | None:
        """The athlete whose activity ``activity_id`` is, or None when the store has no such id."""
        return _athlete_of(self.conn, activity_id)

    def athlete_settings(self, athlete_id: str) -> dict[str, Any]:
        """The athlete's own values (hr_max, hr_rest, lthr, threshold_pace_s_per_km, sex, units, ...)."""
        row = self.conn.execute(
            "SELECT settings_json FROM athletes WHERE athlete_id=?", (check_athlete_id(athlete_id),)
        ).fetchone()
        return json.loads(row[0]) if row else {}

    def update_athlete_settings(self, athlete_id: str, **values: Any) -> dict[str, Any]:
        """Set (or with None, clear) settings; returns the new settings."""
        with self.transaction() as conn:
            self.ensure_athlete(athlete_id, conn=conn)
            row = conn.execute(
                "SELECT settings_json FROM athletes WHERE athlete_id=?", (athlete_id,)
            ).fetchone()
            settings = {**json.loads(row[0]), **values}
            settings = {k: v for k, v in settings.items() if v is not None}
            conn.execute(
                "UPDATE athletes SET settings_json=? WHERE athlete_id=?",
                (json.dumps(settings), athlete_id),
            )
        return settings

    def load_overrides(self, athlete_id: str) -> dict[str, str]:
        """activity_id -> load method the athlete chose for that activity (``coachkit settings``)."""
        rows = self.conn.execute(
            "SELECT activity_id, load_method FROM activity_settings WHERE athlete_id=?"
            " ORDER BY activity_id",
            (check_athlete_id(athlete_id),),
        ).fetchall()
        return {r[0]: r[1] for r in rows}

    def set_load_override(self, activity_id: str, load_method: str | None) -> str:
        """Choose (or with None, clear) one activity's load method; returns its athlete id.

        The method is checked by the caller (:data:`coachkit.features.load.LOAD_METHODS`).
        """
        with self.transaction() as conn:
            athlete_id = _athlete_of(conn, activity_id)
            if athlete_id is None:
                raise StoreError(
                    f"no activity {activity_id!r} in the store at {self.root}: "
                    "`coachkit activities` lists the ids"
                )
            if load_method is None:
                conn.execute("DELETE FROM activity_settings WHERE activity_id=?", (activity_id,))
            else:
                conn.execute(
                    "INSERT OR REPLACE INTO activity_settings VALUES (?, ?, ?, ?)",
                    (activity_id, athlete_id, load_method, utc_now_iso()),
                )
        return athlete_id

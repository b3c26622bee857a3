"""What the athlete chose: their own values (HR max, threshold pace, sex, units, load method)
in ``athletes.settings_json``, and per activity in ``activity_settings``: the load method
(``coachkit settings --activity``) and the runner's corrections (``coachkit activity ID
--exclude/--include/--sport/--race/--not-race``), all kept across ``coachkit rebuild``.

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


#: the per-activity columns of ``activity_settings`` beside its keys (migration 4)
EDIT_COLUMNS = ("load_method", "excluded", "excluded_reason", "sport_override", "race")


def _upsert(conn: sqlite3.Connection, activity_id: str, athlete_id: str, **values: Any) -> None:
    """Write ``values`` into the activity's row (created when missing); a row left with no
    choice at all is deleted, so ``activity_settings`` holds only what the runner chose."""
    if "excluded" in values:
        values["excluded"] = int(bool(values["excluded"]))
    if "race" in values and values["race"] is not None:
        values["race"] = int(bool(values["race"]))
    conn.execute(
        "INSERT OR IGNORE INTO activity_settings (activity_id, athlete_id, updated_at)"
        " VALUES (?, ?, ?)",
        (activity_id, athlete_id, utc_now_iso()),
    )
    for col, value in values.items():  # the names are EDIT_COLUMNS, checked by the callers
        conn.execute(
            f"UPDATE activity_settings SET {col}=?, updated_at=? WHERE activity_id=?",
            (value, utc_now_iso(), activity_id),
        )
    conn.execute(
        "DELETE FROM activity_settings WHERE activity_id=? AND load_method IS NULL"
        " AND excluded=0 AND sport_override IS NULL AND race IS NULL",
        (activity_id,),
    )


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
            " AND load_method IS NOT NULL ORDER BY activity_id",
            (check_athlete_id(athlete_id),),
        ).fetchall()
        return {r[0]: r[1] for r in rows}

    def set_load_override(self, activity_id: str, load_method: str | None) -> str:
        """Choose (or with None, clear) one activity's load method; returns its athlete id.

        The method is checked by the caller (:data:`coachkit.features.load.LOAD_METHODS`).
        """
        return self._set_activity_values(activity_id, load_method=load_method)

    def activity_edits(self, athlete_id: str) -> dict[str, dict[str, Any]]:
        """activity_id -> the runner's corrections of that activity: ``excluded`` (bool),
        ``excluded_reason``, ``sport`` (None: as recorded) and ``race`` (True, False, or None:
        the source's word). Only activities with at least one correction."""
        rows = self.conn.execute(
            "SELECT activity_id, excluded, excluded_reason, sport_override, race"
            " FROM activity_settings WHERE athlete_id=? AND"
            " (excluded=1 OR sport_override IS NOT NULL OR race IS NOT NULL) ORDER BY activity_id",
            (check_athlete_id(athlete_id),),
        ).fetchall()
        return {
            r[0]: {
                "excluded": bool(r[1]),
                "excluded_reason": r[2],
                "sport": r[3],
                "race": None if r[4] is None else bool(r[4]),
            }
            for r in rows
        }

    def set_activity_edit(self, activity_id: str, **values: Any) -> str:
        """Set the runner's corrections of one activity (``excluded``, ``excluded_reason``,
        ``sport_override``, ``race``; None clears a correction); returns its athlete id."""
        unknown = set(values) - set(EDIT_COLUMNS)
        if unknown:
            raise ValueError(f"unknown activity edit {', '.join(sorted(unknown))}")
        return self._set_activity_values(activity_id, **values)

    def _set_activity_values(self, activity_id: str, **values: Any) -> str:
        """Write one activity's settings row in a transaction; its athlete id, or a StoreError
        naming the unknown id."""
        with self.transaction() as conn:
            athlete_id = _athlete_of(conn, activity_id)
            if athlete_id is None:
                raise StoreError(
                    f"no activity {activity_id!r} in the store at {self.root}: "
                    "`coachkit activities` lists the ids"
                )
            _upsert(conn, activity_id, athlete_id, **values)
        return athlete_id

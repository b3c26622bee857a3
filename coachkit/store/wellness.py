"""How one parsed unit's wellness days land in the catalog (docs/design.md §3): one row per
athlete, day and source; a later unit fills the values it has and keeps the others.
"""

from __future__ import annotations

import sqlite3

import pandas as pd

from coachkit.core.schemas import WELLNESS_COLUMNS
from coachkit.core.values import plain

_VALUES = [c for c in WELLNESS_COLUMNS if c not in ("date", "source")]


def import_wellness(
    conn: sqlite3.Connection, athlete_id: str, wellness: pd.DataFrame, sha256: str
) -> int:
    """Upsert the days of ``wellness`` from the unit ``sha256`` inside the caller's transaction;
    return how many days it held (rows without a date are skipped)."""
    n = 0
    cols = ", ".join(_VALUES)
    updates = ", ".join(f"{c}=COALESCE(excluded.{c}, {c})" for c in _VALUES)
    for rec in wellness.to_dict("records"):
        if rec.get("date") is None or pd.isna(rec["date"]):
            continue
        conn.execute(
            f"INSERT INTO wellness (athlete_id, date, source, {cols}, sha256) "
            f"VALUES (?, ?, ?, {', '.join('?' for _ in _VALUES)}, ?) "
            f"ON CONFLICT(athlete_id, date, source) DO UPDATE SET {updates}, sha256=excluded.sha256",
            [
                athlete_id,
                f"{pd.Timestamp(rec['date']):%Y-%m-%d}",
                plain(rec.get("source")) or "unknown",
            ]
            + [plain(rec.get(c)) for c in _VALUES]
            + [sha256],
        )
        n += 1
    return n

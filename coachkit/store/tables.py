"""What was imported, read from the catalog: the athletes, their activities and wellness days as
the frames of docs/design.md §3, and the manifest of every ingested unit.

:class:`ImportedTables` is one part of :class:`coachkit.store.Store`, which gives it ``root``,
``conn`` and :meth:`~coachkit.store.Store.query_frame`.
"""

from __future__ import annotations

import json
import sqlite3
from collections.abc import Sequence
from pathlib import Path
from typing import TYPE_CHECKING, Any

from coachkit.store.base import StoreError, check_athlete_id, utc_now_iso

if TYPE_CHECKING:
    import pandas as pd


class ImportedTables:
    """Athletes, activities, wellness and sources of the catalog."""

    root: Path
    conn: sqlite3.Connection

    if TYPE_CHECKING:

        def athlete_settings(self, athlete_id: str) -> dict[str, Any]: ...

    def query_frame(self, sql: str, params: tuple[Any, ...]) -> pd.DataFrame:
        """The rows of one query as a frame (its columns named as the query names them)."""
        import pandas as pd

        cur = self.conn.execute(sql, params)
        cols = [d[0] for d in cur.description]
        return pd.DataFrame.from_records(cur.fetchall(), columns=cols)

    # -- athletes ---------------------------------------------------------------------------
    def ensure_athlete(
        self, athlete_id: str, name: str | None = None, conn: sqlite3.Connection | None = None
    ) -> None:
        """Register the athlete if new (inside ``conn``'s transaction when one is given)."""
        check_athlete_id(athlete_id)
        (conn or self.conn).execute(
            "INSERT OR IGNORE INTO athletes (athlete_id, name, created_at) VALUES (?, ?, ?)",
            (athlete_id, name or athlete_id, utc_now_iso()),
        )

    def require_athlete(self, athlete_id: str) -> str:
        """Return ``athlete_id`` if the store knows it; raise StoreError naming those it knows."""
        check_athlete_id(athlete_id)
        if not self.conn.execute(
            "SELECT 1 FROM athletes WHERE athlete_id=?", (athlete_id,)
        ).fetchone():
            known = ", ".join(a["athlete_id"] for a in self.athletes()) or "none yet"
            raise StoreError(
                f"no athlete {athlete_id!r} in the store at {self.root} (known: {known})"
            )
        return athlete_id

    def athletes(self) -> list[dict[str, Any]]:
        """Every athlete with the number of activities, first and last start and wellness days."""
        rows = self.conn.execute(
            """SELECT a.athlete_id, a.name, a.created_at,
                      (SELECT COUNT(*) FROM activities x WHERE x.athlete_id=a.athlete_id) AS n_activities,
                      (SELECT MIN(start_time) FROM activities x WHERE x.athlete_id=a.athlete_id) AS first,
                      (SELECT MAX(start_time) FROM activities x WHERE x.athlete_id=a.athlete_id) AS last,
                      (SELECT COUNT(*) FROM wellness w WHERE w.athlete_id=a.athlete_id) AS n_wellness_days
               FROM athletes a ORDER BY a.athlete_id"""
        ).fetchall()
        return [dict(r) for r in rows]

    # -- frames -----------------------------------------------------------------------------
    def activities(
        self,
        athlete_id: str | None = None,
        *,
        include_extra: bool = False,
        since: Any = None,
        until: Any = None,
        local: bool = True,
    ) -> pd.DataFrame:
        """The activities frame of docs/design.md §3, sorted by start time; ``since`` and
        ``until`` (UTC times) keep those starting in ``[since, until)``.

        With ``local`` (the default) an offset the source did not record is filled by
        :func:`coachkit.core.localtime.resolve_local` from each athlete's time zone setting or
        their own nearest known zone, and ``tz_source`` says which; ``local=False`` gives the
        stored rows as they are. (A ``since``/``until`` window borrows zones only inside it.)
        """
        from coachkit.core.schemas import ACTIVITY_COLUMNS, conform
        from coachkit.store.merge import iso_utc

        clauses = [("athlete_id=?", athlete_id)] if athlete_id else []
        clauses += [("start_time>=?", iso_utc(since))] if since is not None else []
        clauses += [("start_time<?", iso_utc(until))] if until is not None else []
        where = ("WHERE " + " AND ".join(c for c, _ in clauses)) if clauses else ""
        df = self.query_frame(
            f"SELECT * FROM activities {where} ORDER BY start_time, activity_id",
            tuple(v for _, v in clauses),
        )
        df["has_samples"] = df["has_samples"].astype(bool) if len(df) else df.get("has_samples")
        out = conform(df, ACTIVITY_COLUMNS, keep_extra=("extra_json",) if include_extra else ())
        if include_extra and "extra_json" in out:
            out["extra"] = out.pop("extra_json").map(json.loads)
        return self._with_local_time(out) if local and len(out) else out

    def _with_local_time(self, acts: pd.DataFrame) -> pd.DataFrame:
        """Each athlete's rows through :func:`~coachkit.core.localtime.resolve_local` with their
        own time zone setting (``coachkit settings --timezone``)."""
        import pandas as pd

        from coachkit.core.localtime import resolve_local

        parts = []
        for athlete_id, rows in acts.groupby("athlete_id", sort=False, dropna=False):
            parts.append(resolve_local(rows, self.athlete_zone(athlete_id)))
        return pd.concat(parts).loc[acts.index] if len(parts) > 1 else parts[0]

    def activity_rows(
        self, athlete_id: str, since: str, until: str, columns: Sequence[str]
    ) -> list[dict[str, Any]]:
        """``columns`` of the athlete's activities starting in ``[since, until)`` (ISO-8601 UTC
        text, as stored), as plain rows by start time: for a daily command that needs a few
        fields of a month of runs and not pandas."""
        from coachkit.core.schemas import ACTIVITY_COLUMNS

        unknown = set(columns) - set(ACTIVITY_COLUMNS)
        if unknown:
            raise ValueError(f"not activity columns: {sorted(unknown)}")
        rows = self.conn.execute(
            f"SELECT {', '.join(columns)} FROM activities WHERE athlete_id=? AND start_time>=? "
            "AND start_time<? ORDER BY start_time, activity_id",
            (athlete_id, since, until),
        )
        return [dict(zip(columns, row)) for row in rows]

    def laps(self, activity_id: str) -> pd.DataFrame:
        """The device's laps of one activity, in order: ``lap`` (from 0), ``start_time`` (UTC),
        ``elapsed_time_s``, ``distance_m``, ``avg_hr`` (empty when the file had none)."""
        import pandas as pd

        df = self.query_frame(
            "SELECT lap, start_time, elapsed_time_s, distance_m, avg_hr FROM laps "
            "WHERE activity_id=? ORDER BY lap",
            (activity_id,),
        )
        df["start_time"] = pd.to_datetime(df["start_time"], utc=True, format="ISO8601")
        return df

    def athlete_zone(self, athlete_id: Any) -> str | None:
        """The athlete's time zone setting (``coachkit settings --timezone``), None when unset
        (or no longer a zone this machine knows: the runner's own zones stand in then)."""
        from coachkit.core.timezones import check_zone

        if not isinstance(athlete_id, str):
            return None
        zone = self.athlete_settings(athlete_id).get("timezone")
        try:
            return check_zone(zone) if zone else None
        except ValueError:
            return None

    def zone_near(self, athlete_id: str, at: str) -> tuple[int | None, str | None] | None:
        """(utc_offset_s, tz_name) of the athlete's last activity with a stored offset starting
        before ``at`` (ISO-8601 UTC text), else of their first one after; None when none has one."""
        sql = (
            "SELECT utc_offset_s, tz_name FROM activities WHERE athlete_id=? AND utc_offset_s "
            "IS NOT NULL AND start_time{} ? ORDER BY start_time {} LIMIT 1"
        )
        for op, order in (("<", "DESC"), (">=", "ASC")):
            row = self.conn.execute(sql.format(op, order), (athlete_id, at)).fetchone()
            if row is not None:
                return int(row[0]), row[1]
        return None

    def wellness(self, athlete_id: str | None = None) -> pd.DataFrame:
        """The wellness frame of docs/design.md §3 (one row per athlete, day and source)."""
        from coachkit.core.schemas import WELLNESS_COLUMNS, conform

        where, params = ("WHERE athlete_id=?", (athlete_id,)) if athlete_id else ("", ())
        df = self.query_frame(
            f"SELECT * FROM wellness {where} ORDER BY athlete_id, date, source", params
        )
        return conform(df, {"athlete_id": "string", **WELLNESS_COLUMNS})

    def sources(self, athlete_id: str | None = None) -> pd.DataFrame:
        """The manifest: every unit ever ingested with its status and reason."""
        where, params = ("WHERE athlete_id=?", (athlete_id,)) if athlete_id else ("", ())
        return self.query_frame(f"SELECT * FROM sources {where} ORDER BY seq", params)

    def linked_sources(self, activity_id: str) -> pd.DataFrame:
        """Every source that delivered the activity, the best (highest priority) first."""
        return self.query_frame(
            "SELECT * FROM activity_sources WHERE activity_id=? ORDER BY priority DESC",
            (activity_id,),
        )

    def data_fingerprint(self, athlete_id: str) -> tuple:
        """Changes whenever an activity, a wellness day or a feedback row is added or replaced."""
        counts = (
            "SELECT COUNT(*), MAX(rowid) FROM activities WHERE athlete_id=?",
            "SELECT COUNT(*), MAX(rowid) FROM wellness WHERE athlete_id=?",
            "SELECT COUNT(*), MAX(feedback_id) FROM feedback WHERE athlete_id=?",
        )
        return tuple(tuple(self.conn.execute(sql, (athlete_id,)).fetchone()) for sql in counts)

"""What the athlete told the coach, in the catalog's feedback table (docs/design.md §3): RPE,
feel, soreness, niggles, illness, missed days and check-in answers, one row per report.

:class:`FeedbackLog` is one part of :class:`coachkit.store.Store`, which gives it
``transaction``, ``ensure_athlete`` and ``query_frame``.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from coachkit.store.base import StoreError, utc_now_iso

if TYPE_CHECKING:
    import pandas as pd

#: the fields a feedback row may carry besides its athlete and day
FEEDBACK_FIELDS = (
    "activity_id",
    "rpe",
    "feel",
    "soreness",
    "niggle_site",
    "niggle_severity",
    "illness",
    "missed_reason",
    "note",
    "checkin",
)


class FeedbackLog:
    """Read and add the athlete's feedback."""

    def feedback(self, athlete_id: str | None = None) -> pd.DataFrame:
        """The feedback frame of docs/design.md §3 (RPE, feel, niggles, missed days), oldest first."""
        from coachkit.core.schemas import FEEDBACK_COLUMNS, conform

        where, params = ("WHERE athlete_id=?", (athlete_id,)) if athlete_id else ("", ())
        df = self.query_frame(f"SELECT * FROM feedback {where} ORDER BY date, created_at", params)
        if len(df):
            df["illness"] = df["illness"].map(lambda v: None if v is None else bool(v))
        return conform(df, FEEDBACK_COLUMNS)

    def add_feedback(self, athlete_id: str, date: str, **values: Any) -> int:
        """Log feedback for a day (rpe, feel, soreness, niggle_site, niggle_severity, illness,
        missed_reason, note, checkin, activity_id) in one short transaction; returns its id.

        Safe with several writers at once (one Voila kernel per viewer): WAL + busy timeout.
        """
        unknown = set(values) - set(FEEDBACK_FIELDS)
        if unknown:
            raise StoreError(f"unknown feedback field(s): {', '.join(sorted(unknown))}")
        cols = [c for c in FEEDBACK_FIELDS if values.get(c) is not None]
        with self.transaction() as conn:
            self.ensure_athlete(athlete_id, conn=conn)
            cur = conn.execute(
                f"INSERT INTO feedback (athlete_id, date, {''.join(c + ', ' for c in cols)}created_at) "
                f"VALUES (?, ?, {''.join('?, ' for _ in cols)}?)",
                [athlete_id, date, *[values[c] for c in cols], utc_now_iso()],
            )
            return int(cur.lastrowid)

    def feedback_days(self, athlete_id: str, since: str, until: str) -> dict[str, list[str]]:
        """The days in ``[since, until]`` (``YYYY-MM-DD``) with any feedback, each with its
        check-in answers (an empty list for other logs): plain rows, no pandas, for
        ``coachkit today``'s check-in."""
        out: dict[str, list[str]] = {}
        rows = self.conn.execute(
            "SELECT date, checkin FROM feedback WHERE athlete_id=? AND date>=? AND date<=? "
            "ORDER BY date, created_at",
            (athlete_id, since, until),
        )
        for day, answer in rows:
            out.setdefault(day, [])
            if answer:
                out[day].append(answer)
        return out

"""Plans in the catalog (docs/design.md §3, §7): the ``plans``, ``plan_workouts`` and
``adaptations`` tables.

``plan_workouts`` keeps every version of a day (primary key plan, date, version), so an
adaptation never overwrites what was planned before: the current plan is the latest version of
each date of the athlete's active plan. An athlete has at most one active plan; earlier plans
are kept, inactive. What goes in (which days changed, what a plan's meta holds) is decided by
:mod:`coachkit.app.coach`; this module only reads and writes it.
"""

from __future__ import annotations

import contextlib
import json
import math
from collections.abc import Iterable
from typing import TYPE_CHECKING, Any

from coachkit.core.schemas import PLAN_COLUMNS, PLAN_TARGETS
from coachkit.core.values import plain
from coachkit.store.base import utc_now_iso

if TYPE_CHECKING:
    import sqlite3

    import pandas as pd

    from coachkit.store import Store


def _insert_workouts(conn: sqlite3.Connection, rows: pd.DataFrame) -> None:
    cols = PLAN_COLUMNS
    for rec in rows.to_dict("records"):
        conn.execute(
            f"INSERT OR REPLACE INTO plan_workouts ({', '.join(cols)}) VALUES ({', '.join('?' * len(cols))})",
            [plain(rec.get(c)) for c in cols],
        )


def save_active_plan(
    store: Store, plan_id: str, athlete_id: str, meta: dict[str, Any], workouts: pd.DataFrame
) -> None:
    """Store a plan (its meta as JSON, its days with dates as ``YYYY-MM-DD``) as the athlete's
    only active plan, in one transaction."""
    with store.transaction() as conn:
        store.ensure_athlete(athlete_id, conn=conn)
        conn.execute("UPDATE plans SET active=0 WHERE athlete_id=?", (athlete_id,))
        conn.execute("DELETE FROM plan_workouts WHERE plan_id=?", (plan_id,))
        conn.execute(
            "INSERT OR REPLACE INTO plans (plan_id, athlete_id, goal_json, created_at, active) VALUES (?, ?, ?, ?, 1)",
            (plan_id, athlete_id, json.dumps(meta, default=str), utc_now_iso()),
        )
        _insert_workouts(conn, workouts)


def has_active_plan(store: Store, athlete_id: str) -> bool:
    """True when the athlete has an active plan."""
    row = store.conn.execute(
        "SELECT 1 FROM plans WHERE athlete_id=? AND active=1", (athlete_id,)
    ).fetchone()
    return bool(row)


def active_plan_meta(store: Store, athlete_id: str) -> dict[str, Any] | None:
    """The athlete's active plan: its id and meta (goal, units, rules, phases); None without one."""
    row = store.conn.execute(
        "SELECT plan_id, goal_json FROM plans WHERE athlete_id=? AND active=1 ORDER BY created_at DESC LIMIT 1",
        (athlete_id,),
    ).fetchone()
    if row is None:
        return None
    return {"plan_id": row["plan_id"], **json.loads(row["goal_json"])}


def plan_created_at(store: Store, plan_id: str) -> str | None:
    """When the plan was created (ISO-8601 UTC), or None for an unknown plan."""
    row = store.conn.execute("SELECT created_at FROM plans WHERE plan_id=?", (plan_id,)).fetchone()
    return None if row is None else row[0]


_LATEST = """SELECT w.* FROM plan_workouts w
       JOIN (SELECT date, MAX(version) AS v FROM plan_workouts WHERE plan_id=? GROUP BY date) m
         ON w.date = m.date AND w.version = m.v
       WHERE w.plan_id=? ORDER BY w.date"""


def latest_workouts(store: Store, plan_id: str) -> pd.DataFrame:
    """The latest version of each date of the plan, by date, with dates as timestamps and the
    targets as floats (NaN where a day has none)."""
    import pandas as pd

    frame = store.query_frame(_LATEST, (plan_id, plan_id))
    frame["date"] = pd.to_datetime(frame["date"])
    for col in PLAN_TARGETS:
        frame[col] = pd.to_numeric(frame[col], errors="coerce").astype(float)
    return frame


def latest_workout_rows(store: Store, plan_id: str) -> list[dict[str, Any]]:
    """:func:`latest_workouts` as plain rows, without pandas: dates as ``YYYY-MM-DD``, the
    targets as floats (None where a day has none)."""
    rows = store.conn.execute(_LATEST, (plan_id, plan_id)).fetchall()
    return [_targets_as_floats(dict(row)) for row in rows]


def workout_on(store: Store, plan_id: str, day: str) -> dict[str, Any] | None:
    """The latest version of the plan's day ``day`` (``YYYY-MM-DD``) as a plain row, the targets
    as floats (None where the day has none): that day of :func:`latest_workouts` without
    pandas. None when the plan has no such day."""
    row = store.conn.execute(
        "SELECT * FROM plan_workouts WHERE plan_id=? AND date=? ORDER BY version DESC LIMIT 1",
        (plan_id, day),
    ).fetchone()
    return None if row is None else _targets_as_floats(dict(row))


def _targets_as_floats(row: dict[str, Any]) -> dict[str, Any]:
    """A stored plan row with its targets as floats, None where missing or not a number."""
    for col in PLAN_TARGETS:
        try:
            value = float(row[col])
        except (TypeError, ValueError):
            value = None
        row[col] = None if value is None or math.isnan(value) else value
    return row


def workouts_between(store: Store, plan_id: str, first: str, last: str) -> list[dict[str, Any]]:
    """The latest version of each plan day in ``[first, last]`` (``YYYY-MM-DD``) as plain rows
    (date, kind, distance_m, duration_s, status), by date: :func:`latest_workouts` without pandas."""
    rows = store.conn.execute(
        """SELECT w.date, w.kind, w.distance_m, w.duration_s, w.status FROM plan_workouts w
           JOIN (SELECT date, MAX(version) AS v FROM plan_workouts
                 WHERE plan_id=? AND date>=? AND date<=? GROUP BY date) m
             ON w.date = m.date AND w.version = m.v
           WHERE w.plan_id=? ORDER BY w.date""",
        (plan_id, first, last, plan_id),
    )
    return [dict(zip(("date", "kind", "distance_m", "duration_s", "status"), r)) for r in rows]


def plan_dates(store: Store, plan_id: str) -> tuple[str | None, str | None]:
    """The plan's first and last day (``YYYY-MM-DD``)."""
    first, last = store.conn.execute(
        "SELECT MIN(date), MAX(date) FROM plan_workouts WHERE plan_id=?", (plan_id,)
    ).fetchone()
    return first, last


def save_plan_changes(
    store: Store,
    athlete_id: str,
    changed: pd.DataFrame,
    adaptations: Iterable[Any],
    *,
    in_transaction: bool = False,
) -> None:
    """Store changed days (new versions, dates as ``YYYY-MM-DD``) and log the adaptations that
    made them (objects with ``date``, ``rule``, ``evidence``, ``change`` and ``explanation``, as
    :class:`coachkit.coach.adapt.Adaptation`), all in one transaction.

    With ``in_transaction`` the caller already holds the store's write transaction."""
    import pandas as pd

    with contextlib.nullcontext(store.conn) if in_transaction else store.transaction() as conn:
        if len(changed):
            _insert_workouts(conn, changed)
        for a in adaptations:
            conn.execute(
                "INSERT INTO adaptations (athlete_id, date, rule, evidence, change, explanation, created_at) "
                "VALUES (?, ?, ?, ?, ?, ?, ?)",
                (
                    athlete_id,
                    f"{pd.Timestamp(a.date):%Y-%m-%d}",
                    a.rule,
                    json.dumps(a.evidence, default=str),
                    json.dumps(a.change, default=str),
                    a.explanation,
                    utc_now_iso(),
                ),
            )


def adaptation_log(store: Store, athlete_id: str) -> pd.DataFrame:
    """Every logged adaptation of the athlete, oldest first (docs/design.md §3)."""
    return store.query_frame(
        "SELECT athlete_id, date, rule, evidence, change, explanation, created_at FROM adaptations "
        "WHERE athlete_id=? ORDER BY adaptation_id",
        (athlete_id,),
    )


def week_reviewed(store: Store, athlete_id: str, week_start: str) -> bool:
    """True when the week starting ``week_start`` (``YYYY-MM-DD``) was already reviewed."""
    row = store.conn.execute(
        "SELECT 1 FROM adaptations WHERE athlete_id=? AND rule='week_review' "
        "AND json_extract(evidence, '$.week_start')=?",
        (athlete_id, week_start),
    ).fetchone()
    return bool(row)

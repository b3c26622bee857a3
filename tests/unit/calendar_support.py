"""Hand-made plans and calendars for the calendar tests (issue 19)."""

from __future__ import annotations

from datetime import date, datetime, timedelta

import pandas as pd

from coachkit.coach import edits
from coachkit.coach import workouts as wk
from coachkit.coach.plan import workout_row

VDOT, LTHR = 45.0, 170.0
MON = pd.Timestamp("2027-03-08")  # a Monday
T = wk.Targets.for_fitness(VDOT, LTHR)
KM = {
    "race": 10,
    "easy": 8,
    "recovery": 5,
    "long": 16,
    "tempo": 10,
    "intervals": 10,
    "hills": 8,
    "strides": 6,
}


def day(n: int) -> pd.Timestamp:
    """The ``n``-th day of the plan (0 is Monday 8 March 2027)."""
    return MON + pd.Timedelta(days=n)


def plan(kinds: list[str], km: dict[str, float] | None = None) -> pd.DataFrame:
    """A plan frame of real workouts at VDOT 45: one kind a day from :data:`MON`."""
    sizes = {**KM, **(km or {})}
    rows = []
    for n, kind in enumerate(kinds):
        w = (
            None
            if kind == "rest"
            else edits.build(kind.replace("race", "easy"), sizes[kind] * 1000.0, T)
        )
        rec = workout_row(day(n).date(), w, units="km")
        if kind == "race":
            rec.update(kind="race", purpose="Race day.")
        rows.append({**rec, "date": day(n), "status": "planned", "version": 1})
    return pd.DataFrame(rows).assign(plan_id="p", athlete_id="a")


def row(frame: pd.DataFrame, n: int) -> pd.Series:
    return frame.loc[edits.row_of(frame, day(n))]


def ics(*events: str) -> bytes:
    """A calendar of VEVENT bodies (the lines between BEGIN:VEVENT and END:VEVENT)."""
    body = "".join(
        f"BEGIN:VEVENT\r\nUID:e{i}@test\r\nDTSTAMP:20270101T000000Z\r\n{e.strip()}\r\nEND:VEVENT\r\n"
        for i, e in enumerate(events)
    )
    return (
        "BEGIN:VCALENDAR\r\nVERSION:2.0\r\nPRODID:-//test//EN\r\n" + body + "END:VCALENDAR\r\n"
    ).encode()


def timed(first: date, start: str, end: str, summary: str, *, rrule: str = "", tz: str = "") -> str:
    """A timed event's lines: ``start``/``end`` as HH:MM on ``first`` (in ``tz`` when given)."""
    zone = f";TZID={tz}" if tz else ""
    a = datetime.combine(first, datetime.strptime(start, "%H:%M").time())
    b = datetime.combine(first, datetime.strptime(end, "%H:%M").time())
    lines = [
        f"DTSTART{zone}:{a:%Y%m%dT%H%M%S}",
        f"DTEND{zone}:{b:%Y%m%dT%H%M%S}",
        f"SUMMARY:{summary}",
    ]
    return "\r\n".join([*lines, *([f"RRULE:{rrule}"] if rrule else [])])


def all_day(first: date, summary: str, *, days: int = 1, rrule: str = "") -> str:
    """An all-day event's lines from ``first``, ``days`` long."""
    lines = [
        f"DTSTART;VALUE=DATE:{first:%Y%m%d}",
        f"DTEND;VALUE=DATE:{first + timedelta(days=days):%Y%m%d}",
        f"SUMMARY:{summary}",
    ]
    return "\r\n".join([*lines, *([f"RRULE:{rrule}"] if rrule else [])])

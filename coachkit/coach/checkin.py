"""When the runner goes quiet: the check-in question (issue 19).

A planned session with no run and no log on its day is *silent*. Counting back from the day
before ``today`` to the last day with a run or any log (RPE, feel, a niggle, illness, a missed
session, a note, an earlier check-in answer), three silent planned sessions make a check-in due:
the coach asks what happened instead of reading the gap as rest. The answer is itself a log,
so the count starts again from it: the next check-in needs three more silent sessions.

Pure and light: plain dates and tuples in, a :class:`CheckIn` out. ``coachkit today`` calls it
from plain store rows (no pandas), the adaptation signals from the plan frame.
"""

from __future__ import annotations

from collections.abc import Collection, Iterable
from dataclasses import dataclass
from datetime import date, timedelta

from coachkit.core.units import format_distance
from coachkit.core.values import finite

#: the answers, in the order the dashboard shows them
ANSWERS = ("ill", "injured", "busy", "travelling", "motivation", "other")
#: the answers in words ("you were ...", "you lost ...")
ANSWER_WORDS = {
    "ill": "ill",
    "injured": "injured",
    "busy": "busy",
    "travelling": "travelling",
    "motivation": "short of motivation",
    "other": "away for another reason",
}
SILENT_SESSIONS = 3  # the threshold: three planned sessions without a run or a log
LOOKBACK_DAYS = 60  # how far back the silent sessions are looked for
NOT_SESSIONS = frozenset({"rest"})
#: plan statuses of a day whose session is not (or no longer) on that day
NOT_PLANNED_THERE = frozenset({"moved", "skipped"})


@dataclass(frozen=True)
class PlannedDay:
    """One day of the current plan, as the check-in reads it."""

    day: date
    kind: str
    distance_m: float | None = None
    duration_s: float | None = None
    status: str = "planned"

    @property
    def is_session(self) -> bool:
        """A run the plan still holds on this day (not a rest day, not moved away or skipped)."""
        return self.kind not in NOT_SESSIONS and self.status not in NOT_PLANNED_THERE


@dataclass(frozen=True)
class CheckIn:
    """A silent stretch: its planned sessions and the days without any data.

    ``since`` is the first day without a run or a log (the day after the last one, or the first
    day looked at); ``no_data_days`` counts the days from ``since`` to the day before ``today``.
    """

    today: date
    since: date
    sessions: tuple[PlannedDay, ...]

    @property
    def no_data_days(self) -> int:
        """Days without a run or a log, before ``today``."""
        return (self.today - self.since).days

    @property
    def due(self) -> bool:
        """Three or more silent planned sessions: the coach asks."""
        return len(self.sessions) >= SILENT_SESSIONS

    def planned_volume(self, units: str = "km") -> str:
        """The silent sessions' planned volume in words: a distance when every one has one."""
        dists = [s.distance_m for s in self.sessions]
        if dists and all(finite(d) is not None for d in dists):
            return format_distance(sum(dists), units)  # type: ignore[arg-type]
        return format_minutes(sum(finite(s.duration_s) or 0.0 for s in self.sessions))

    def gap(self, units: str = "km") -> str:
        """``"Tue 9, Thu 11, Sat 13 Mar, 13.2 km planned; no data for 6 days"``."""
        return (
            f"{format_days([s.day for s in self.sessions])}, {self.planned_volume(units)} "
            f"planned; no data for {self.no_data_days} days"
        )

    def ask(self, units: str = "km") -> str:
        """The check-in as one sentence with its numbers (the dashboard's, above its buttons)."""
        return (
            f"No run or log for your last {len(self.sessions)} planned sessions "
            f"({self.gap(units)}): what happened?"
        )

    def question(self, units: str = "km") -> str:
        """:meth:`ask` and the command that answers it (``coachkit today``'s)."""
        return f"{self.ask(units)} Answer with `coachkit log --checkin {'|'.join(ANSWERS)}`."

    def to_dict(self, units: str = "km") -> dict:
        """The JSON form (``coachkit today --json``'s ``checkin``)."""
        return {
            "due": self.due,
            "since": self.since.isoformat(),
            "no_data_days": self.no_data_days,
            "sessions": [
                {"date": s.day.isoformat(), "kind": s.kind, "distance_m": s.distance_m}
                for s in self.sessions
            ],
            "planned": self.planned_volume(units),
            "question": self.question(units),
            "answers": list(ANSWERS),
        }


def silent_stretch(
    today: date, plan: Iterable[PlannedDay], active_days: Collection[date]
) -> CheckIn | None:
    """The planned sessions before ``today`` since the last day with a run or a log.

    Parameters
    ----------
    today
        The day asked about; a run or a log on it means the runner is not silent.
    plan
        The current plan's days (any order; days outside the plan simply are not sessions).
    active_days
        Every day with a run or any log (feedback of any kind, check-in answers included).

    Returns
    -------
    CheckIn or None
        ``None`` when the runner ran or logged today or no day before today is in the window;
        otherwise the stretch (its ``due`` says whether to ask).

    Examples
    --------
    >>> plan = [PlannedDay(date(2021, 3, d), "easy", 4400.0) for d in (9, 11, 13)]
    >>> plan += [PlannedDay(date(2021, 3, d), "rest") for d in (8, 10, 12, 14)]
    >>> c = silent_stretch(date(2021, 3, 15), plan, {date(2021, 3, 7)})
    >>> c.due, c.no_data_days, c.gap()
    (True, 7, 'Tue 9, Thu 11, Sat 13 Mar, 13.2 km planned; no data for 7 days')
    """
    if today in active_days:
        return None
    by_day = {p.day: p for p in plan}
    first = today - timedelta(days=LOOKBACK_DAYS)
    if by_day:
        first = max(first, min(by_day))
    sessions: list[PlannedDay] = []
    day = today - timedelta(days=1)
    while day >= first and day not in active_days:
        p = by_day.get(day)
        if p is not None and p.is_session:
            sessions.append(p)
        day -= timedelta(days=1)
    since = day + timedelta(days=1)
    if since >= today:
        return None
    return CheckIn(today, since, tuple(reversed(sessions)))


def format_days(days: list[date]) -> str:
    """Days as ``"Tue 9, Thu 11, Sat 13 Mar"``: the month once after its last day listed.

    >>> format_days([date(2021, 2, 27), date(2021, 3, 1)])
    'Sat 27 Feb, Mon 1 Mar'
    """
    out = []
    for i, d in enumerate(days):
        text = f"{d:%a} {d.day}"
        if i == len(days) - 1 or days[i + 1].month != d.month:
            text += f" {d:%b}"
        out.append(text)
    return ", ".join(out)


def format_minutes(seconds: float) -> str:
    """A duration as ``"1 h 05 min"`` or ``"45 min"``."""
    minutes = round(seconds / 60.0)
    return f"{minutes // 60} h {minutes % 60:02d} min" if minutes >= 60 else f"{minutes} min"


__all__ = [
    "ANSWERS",
    "ANSWER_WORDS",
    "SILENT_SESSIONS",
    "CheckIn",
    "PlannedDay",
    "format_days",
    "silent_stretch",
]

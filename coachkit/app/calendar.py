"""The plan fitted to the runner's calendar and travel: ``coachkit plan create|adapt --busy
FILE.ics --travel FROM:TO:ZONE`` (issue 19; docs/design.md, "Calendar").

Reads the calendar (:mod:`coachkit.io.busy_ics`), works out each plan day's zone and free time
(:mod:`coachkit.coach.calendar_days`) in the runner's own zone, lets the pure rules change the
plan from ``day`` on (:mod:`coachkit.coach.calendar_fit`), and stores the changed days as new
versions with one logged adaptation per change, inside one write transaction, as
:func:`coachkit.app.coach.readapt` does. Days before ``day`` are kept as they were.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import date
from typing import TYPE_CHECKING, Any

import pandas as pd

from coachkit.app.coach import plan_frame, write_adaptations
from coachkit.app.today import active_plan, longest_before
from coachkit.coach.calendar_days import DEFAULT_WINDOW, DayWindow, Stay, calendar_days
from coachkit.coach.calendar_fit import fit_to_calendar
from coachkit.io.busy_ics import BusyCalendar, read_busy_ics

if TYPE_CHECKING:
    from coachkit.store import Store


@dataclass(frozen=True)
class CalendarResult:
    """What fitting the plan to the calendar did: the adaptations (each with its sentence),
    the busy events read, the plan-export events left out, and the home zone used."""

    changes: list[Any] = field(default_factory=list)
    events: int | None = None  # None: no calendar given (trips only)
    own_events: int = 0
    zone: str = "UTC"

    def sentences(self) -> list[str]:
        """One sentence per change."""
        return [c.explanation for c in self.changes]


def check_calendar(data: bytes, name: str) -> None:
    """Raise ``ValueError`` (one sentence) when ``data`` is not a readable iCalendar file."""
    read_busy_ics(data, first=date(2000, 1, 1), last=date(2000, 1, 1), name=name)


def home_zone(store: Store, athlete_id: str) -> str:
    """The runner's zone: their setting, else that of their latest activity with one, else UTC."""
    zone = store.athlete_zone(athlete_id)
    if zone:
        return zone
    near = store.zone_near(athlete_id, "9999-12-31T00:00:00Z")
    return near[1] if near is not None and near[1] else "UTC"


def fit_plan_to_calendar(
    store: Store,
    athlete_id: str,
    *,
    day: Any,
    busy: bytes | None = None,
    busy_name: str = "calendar",
    travel: Iterable[Stay] = (),
    window: DayWindow | str = DEFAULT_WINDOW,
    units: str | None = None,
) -> CalendarResult:
    """Fit the athlete's active plan from ``day`` on to the ``busy`` calendar (.ics bytes)
    and the ``travel`` stays; store and return the changes.

    Raises ``ValueError`` for a calendar that cannot be read and
    :class:`~coachkit.store.StoreError` when the athlete has no plan.
    """
    meta = active_plan(store, athlete_id)
    units = units or meta.get("units", "km")
    window = DayWindow.parse(window) if isinstance(window, str) else window
    first = pd.Timestamp(day).normalize()
    zone = home_zone(store, athlete_id)
    longest = longest_before(store, athlete_id, first)
    with store.transaction():
        before = plan_frame(store, athlete_id)
        dates = [d.date() for d in sorted(before["date"]) if d >= first]
        if not dates:
            return CalendarResult(zone=zone)
        cal = (
            read_busy_ics(busy, first=dates[0], last=dates[-1], name=busy_name)
            if busy is not None
            else BusyCalendar(())
        )
        days = calendar_days(cal.events, dates, home_zone=zone, window=window, stays=travel)
        after, changes = fit_to_calendar(
            before,
            days,
            start=first,
            units=units,
            vdot=meta.get("rules", {}).get("vdot"),
            longest_run_m=longest,
        )
        write_adaptations(store, athlete_id, before, after, changes, in_transaction=True)
    return CalendarResult(
        changes, len(cal.events) if busy is not None else None, cal.own_events, zone
    )

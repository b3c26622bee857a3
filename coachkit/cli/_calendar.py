"""The calendar options of ``coachkit plan create`` and ``plan adapt`` (issue 19): ``--busy``,
``--travel`` and ``--day-window``, their parsers, and the one helper both commands call.

The parsers import the (light, standard-library) :mod:`coachkit.coach.calendar_days` only when
an option is given, so ``coachkit --help`` stays light.
"""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING, Any

import typer

from coachkit.cli._common import fail, need_packages

if TYPE_CHECKING:
    from coachkit.store import Store

TRAVEL_FORMAT = "FROM:TO:ZONE"
WINDOW_FORMAT = "HH:MM-HH:MM"
#: what reading a calendar needs (the dashboard extra)
CALENDAR_NEEDS = ("icalendar", "recurring_ical_events")


def travel_stay(value: Any) -> str:
    """``--travel``: ``YYYY-MM-DD:YYYY-MM-DD:Area/City``, checked; returned as given."""
    from coachkit.coach.calendar_days import Stay

    try:
        Stay.parse(str(value))
    except ValueError as exc:
        raise typer.BadParameter(f"{exc} ({TRAVEL_FORMAT})") from None
    return str(value)


def day_window(value: Any) -> str:
    """``--day-window``: ``HH:MM-HH:MM``, checked; returned as given."""
    from coachkit.coach.calendar_days import DayWindow

    try:
        DayWindow.parse(str(value))
    except ValueError as exc:
        raise typer.BadParameter(f"{exc} ({WINDOW_FORMAT})") from None
    return str(value)


BusyOpt = typer.Option(
    None,
    "--busy",
    metavar="FILE.ics",
    help="Your calendar (.ics): no session on a day busy all day, none longer than a partly "
    "busy day's free time (shortened or moved, never crammed).",
)
TravelOpt = typer.Option(
    [],
    "--travel",
    parser=travel_stay,
    metavar=TRAVEL_FORMAT,
    help="A trip: away in ZONE (IANA, e.g. America/New_York) from FROM to TO (YYYY-MM-DD; "
    "no hard session on either day). Repeatable.",
)
WindowOpt = typer.Option(
    "06:00-21:00",
    "--day-window",
    parser=day_window,
    metavar=WINDOW_FORMAT,
    help="Your waking hours: the part of a day a session can go in.",
)


def read_busy(path: Path | None) -> bytes | None:
    """The bytes of the ``--busy`` file, checked to be an iCalendar file (exit 2 otherwise)."""
    if path is None:
        return None
    need_packages(CALENDAR_NEEDS, "--busy")
    if not path.is_file():
        fail(f"--busy: {path} is not a file: give your calendar exported as .ics")
    try:
        data = path.read_bytes()
    except OSError as exc:
        fail(f"--busy: cannot read {path} ({exc.strerror})")
    from coachkit.app.calendar import check_calendar

    try:
        check_calendar(data, path.name)
    except ValueError as exc:
        fail(f"--busy: {exc}")
    return data


def apply_calendar(
    s: Store,
    who: str,
    *,
    day: Any,
    busy: bytes | None,
    busy_path: Path | None,
    travel: list[str],
    window: str,
    units: str | None = None,
) -> Any:
    """Fit the active plan to the calendar from ``day`` on (exit 2 with the reason when that
    cannot be done); returns the :class:`~coachkit.app.calendar.CalendarResult`."""
    from coachkit.app.calendar import fit_plan_to_calendar
    from coachkit.coach.calendar_days import Stay
    from coachkit.store import StoreError

    try:
        return fit_plan_to_calendar(
            s,
            who,
            day=day,
            busy=busy,
            busy_name=busy_path.name if busy_path is not None else "calendar",
            travel=[Stay.parse(t) for t in travel],
            window=window,
            units=units,
        )
    except (StoreError, ValueError) as exc:
        fail(str(exc))


def calendar_lines(result: Any) -> list[str]:
    """What the calendar did, one line each: the events read, then each change's sentence."""
    head = (
        f"Calendar: {result.events} busy events read (your zone: {result.zone})"
        if result.events is not None
        else f"Calendar: your trips only (your zone: {result.zone})"
    )
    if result.own_events:
        head += f"; {result.own_events} events of a coachkit plan export left out (the plan itself)"
    head += f"; {len(result.changes) or 'no'} change{'' if len(result.changes) == 1 else 's'}."
    return [head, *(f"  calendar: {t}" for t in result.sentences())]

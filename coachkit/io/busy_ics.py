"""The runner's calendar: an iCalendar (.ics) file -> the busy times of a span of days.

Read with ``icalendar``; recurring events (RRULE, RDATE, EXDATE) are expanded with
``recurring-ical-events`` over the days asked for, so "every Tuesday 06:00-20:00" becomes one
:class:`BusyEvent` per Tuesday. Both packages come with the ``dashboard`` extra and are imported
inside :func:`read_busy_ics`, so nothing else pays for them.

What counts as busy (docs/design.md, "Calendar"):

* an all-day event (``DTSTART;VALUE=DATE``) makes each of its days busy all day;
* a timed event is busy from its start to its end, in its own zone (``TZID`` or UTC); a
  floating time (no zone) is read in whatever zone the runner is in that day;
* an event marked free (``TRANSP:TRANSPARENT``) or cancelled is not busy;
* the events of coachkit's own plan export (``UID`` ending ``@coachkit``) are the plan itself,
  not a commitment: they are counted in :attr:`BusyCalendar.own_events` and left out, so feeding
  the plan's export back as ``--busy`` changes nothing.

An event that starts in one time zone and ends in another (a flight booked as
``DTSTART;TZID=Europe/London`` ... ``DTEND;TZID=America/New_York``) is travel: its
``start_zone`` and ``end_zone`` differ.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from typing import Any

from coachkit.core.extras import require

#: the UID suffix of the events of coachkit's own .ics export (coachkit.coach.export.to_ics)
OWN_UID_SUFFIX = "@coachkit"


@dataclass(frozen=True)
class BusyEvent:
    """One busy occurrence: ``start`` and ``end`` are dates for an all-day event (``end``
    exclusive), else datetimes, tz-aware unless the calendar wrote a floating time."""

    summary: str
    start: date | datetime
    end: date | datetime
    start_zone: str | None = None
    end_zone: str | None = None

    @property
    def all_day(self) -> bool:
        """The event takes whole days (its times are dates)."""
        return not isinstance(self.start, datetime)

    @property
    def travel(self) -> bool:
        """The event starts in one time zone and ends in another."""
        return bool(self.start_zone and self.end_zone and self.start_zone != self.end_zone)


@dataclass(frozen=True)
class BusyCalendar:
    """The busy events of a calendar between two days, and how many of its events were
    coachkit's own plan export (left out)."""

    events: tuple[BusyEvent, ...]
    own_events: int = 0


def zone_name(value: Any) -> str | None:
    """The IANA name of a datetime's zone (zoneinfo or pytz), ``"UTC"`` for UTC, None when
    the time is floating."""
    tz = getattr(value, "tzinfo", None)
    if tz is None:
        return None
    name = getattr(tz, "key", None) or getattr(tz, "zone", None)
    if name:
        return str(name)
    return "UTC" if value.utcoffset() == timedelta(0) else str(tz)


def read_busy_ics(data: bytes, *, first: date, last: date, name: str = "calendar") -> BusyCalendar:
    """The busy events of the iCalendar ``data`` that touch the days ``first`` to ``last``.

    Raises ``ValueError`` with one sentence when ``data`` is not an iCalendar file.

    Examples
    --------
    >>> ics = (b"BEGIN:VCALENDAR\\r\\nVERSION:2.0\\r\\nBEGIN:VEVENT\\r\\nUID:a\\r\\n"
    ...        b"DTSTART;VALUE=DATE:20210316\\r\\nRRULE:FREQ=WEEKLY\\r\\nSUMMARY:Away\\r\\n"
    ...        b"END:VEVENT\\r\\nEND:VCALENDAR\\r\\n")
    >>> [e.start for e in read_busy_ics(ics, first=date(2021, 3, 15), last=date(2021, 3, 28)).events]
    [datetime.date(2021, 3, 16), datetime.date(2021, 3, 23)]
    """
    require("icalendar", "Reading a calendar (--busy)")
    require("recurring_ical_events", "Reading a calendar (--busy)")
    import icalendar
    import recurring_ical_events

    hint = f"{name} is not an iCalendar (.ics) file: export your calendar as .ics and try again"
    try:
        cal = icalendar.Calendar.from_ical(data)
    except (ValueError, IndexError, KeyError) as exc:
        raise ValueError(hint) from exc
    if getattr(cal, "name", None) != "VCALENDAR":
        raise ValueError(hint)
    try:
        found = recurring_ical_events.of(cal).between(first, last + timedelta(days=1))
    except Exception as exc:  # the library raises its own errors for broken rules
        raise ValueError(f"{name}: a recurring event could not be read ({exc})") from exc
    zones = _declared_zones(cal)
    events, own = [], 0
    for component in found:
        if component.name != "VEVENT":
            continue
        if str(component.get("uid", "")).endswith(OWN_UID_SUFFIX):
            own += 1
            continue
        event = _busy(component, zones.get(str(component.get("uid", ""))))
        if event is not None:
            events.append(event)
    events.sort(key=lambda e: (str(e.start), e.summary))
    return BusyCalendar(tuple(events), own)


def _declared_zones(cal: Any) -> dict[str, tuple[str | None, str | None]]:
    """UID -> the zones of its DTSTART and DTEND as written (the expanded occurrences carry
    their end in the start's zone, which would hide a journey)."""
    out = {}
    for event in cal.walk("VEVENT"):
        if event.get("dtstart") is not None and event.get("dtend") is not None:
            ends = (event.decoded("dtstart"), event.decoded("dtend"))
            out.setdefault(str(event.get("uid", "")), (zone_name(ends[0]), zone_name(ends[1])))
    return out


def _busy(component: Any, zones: tuple[str | None, str | None] | None) -> BusyEvent | None:
    """The event as busy time, or None when it is free, cancelled or has no start; ``zones``
    are the zones its start and end were written in."""
    if str(component.get("transp", "OPAQUE")).upper() == "TRANSPARENT":
        return None
    if str(component.get("status", "")).upper() == "CANCELLED":
        return None
    if component.get("dtstart") is None:
        return None
    start = component.decoded("dtstart")
    if component.get("dtend") is not None:
        end = component.decoded("dtend")
    elif component.get("duration") is not None:
        end = start + component.decoded("duration")
    else:  # RFC 5545 §3.6.1: a DATE start lasts one day, a DATE-TIME start no time at all
        end = start if isinstance(start, datetime) else start + timedelta(days=1)
    if not isinstance(start, datetime) and isinstance(end, datetime):
        end = end.date()
    elif isinstance(start, datetime) and not isinstance(end, datetime):
        end = datetime.combine(end, time(), start.tzinfo)
    summary = str(component.get("summary", "")).strip() or "busy"
    start_zone, end_zone = zones or (zone_name(start), zone_name(end))
    return BusyEvent(
        summary, start, end, start_zone or zone_name(start), end_zone or zone_name(end)
    )

"""Each plan day as the runner's calendar leaves it: the zone the runner is in, the free
windows inside the waking hours, whether the day is busy all day or a travel day
(docs/design.md, "Calendar").

Pure: busy events come in as :class:`~coachkit.io.busy_ics.BusyEvent`-like objects (``summary``,
``start``, ``end``, ``all_day``, ``travel``, ``start_zone``, ``end_zone``), days as dates.

* A day counts in the zone the runner **ends it in**: the home zone, or the destination from
  the day a travel event arrives (an event that starts in one zone and ends in another), or the
  ``ZONE`` of ``--travel FROM:TO:ZONE`` from ``FROM`` up to the day before ``TO`` (``TO`` is
  the day home). Timed events are read in that zone, so a 07:00 New York meeting blocks
  07:00-08:00 of a day spent in New York.
* The days a journey starts and ends are travel days.
* The waking window (default 06:00-21:00, ``--day-window``) bounds the free time: an all-day
  event, or timed events covering the whole window, leave no free time at all.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from typing import Any
from zoneinfo import ZoneInfo

DEFAULT_WINDOW = "06:00-21:00"
_WINDOW = re.compile(r"\s*([01]?\d|2[0-3]):([0-5]\d)\s*-\s*([01]?\d|2[0-4]):([0-5]\d)\s*")
_DAY = re.compile(r"\d{4}-\d{2}-\d{2}")


@dataclass(frozen=True)
class DayWindow:
    """The runner's waking hours, the part of a day a session can go in.

    >>> DayWindow.parse("06:00-21:00").minutes
    900
    """

    start: time
    end: time  # time.max stands for 24:00

    @classmethod
    def parse(cls, text: str) -> DayWindow:
        """``HH:MM-HH:MM`` (start before end; 24:00 allowed as the end)."""
        m = _WINDOW.fullmatch(text or "")
        if m is None:
            raise ValueError(f"{text!r} is not HH:MM-HH:MM (e.g. {DEFAULT_WINDOW})")
        h1, m1, h2, m2 = (int(g) for g in m.groups())
        if h2 == 24 and m2:
            raise ValueError(f"{text!r}: the day ends at 24:00 at the latest")
        start, end = time(h1, m1), time.max if h2 == 24 else time(h2, m2)
        if end <= start:
            raise ValueError(f"{text!r}: the window must end after it starts")
        return cls(start, end)

    @property
    def minutes(self) -> int:
        """The window's length in minutes."""
        lo, hi = self.bounds(date(2000, 1, 1))
        return round((hi - lo).total_seconds() / 60)

    def bounds(self, day: date) -> tuple[datetime, datetime]:
        """The window on ``day`` as naive local datetimes."""
        end = (
            datetime.combine(day + timedelta(days=1), time())
            if self.end == time.max
            else datetime.combine(day, self.end)
        )
        return datetime.combine(day, self.start), end

    def __str__(self) -> str:
        return f"{self.start:%H:%M}-{'24:00' if self.end == time.max else f'{self.end:%H:%M}'}"


@dataclass(frozen=True)
class Stay:
    """``--travel FROM:TO:ZONE``: away in ``zone`` from ``first`` (the day out) to ``last``
    (the day home).

    >>> Stay.parse("2021-04-05:2021-04-09:America/New_York").zone
    'America/New_York'
    """

    first: date
    last: date
    zone: str

    @classmethod
    def parse(cls, text: str) -> Stay:
        """``YYYY-MM-DD:YYYY-MM-DD:Area/City`` (an IANA zone)."""
        parts = (text or "").split(":", 2)
        if len(parts) != 3 or not all(_DAY.fullmatch(p.strip()) for p in parts[:2]):
            raise ValueError(
                f"{text!r} is not FROM:TO:ZONE (e.g. 2027-03-08:2027-03-12:America/New_York)"
            )
        try:
            first, last = (date.fromisoformat(p.strip()) for p in parts[:2])
        except ValueError as exc:
            raise ValueError(f"{text!r}: {exc}") from None
        if last < first:
            raise ValueError(f"{text!r}: the trip ends before it starts")
        zone = parts[2].strip()
        try:
            ZoneInfo(zone)
        except (ValueError, KeyError, OSError):
            raise ValueError(
                f"{text!r}: {zone!r} is not an IANA time zone (e.g. Europe/Berlin)"
            ) from None
        return cls(first, last, zone)


@dataclass(frozen=True)
class DayFree:
    """One day under the calendar: its zone, free windows (naive local) and why it is busy."""

    day: date
    zone: str
    windows: tuple[tuple[datetime, datetime], ...]
    blockers: tuple[str, ...] = ()
    busy_all_day: bool = False
    travel_to: str | None = None  # the zone a journey that day goes to
    away: bool = False  # not in the home zone

    @property
    def full(self) -> bool:
        """No free time at all inside the waking window."""
        return self.busy_all_day or not self.windows

    @property
    def longest(self) -> tuple[datetime, datetime] | None:
        """The longest free window (the earlier one on a tie)."""
        return max(self.windows, key=lambda w: (w[1] - w[0], -w[0].timestamp()), default=None)

    @property
    def longest_s(self) -> float:
        """The longest free window in seconds (0 when the day is full)."""
        w = None if self.busy_all_day else self.longest
        return (w[1] - w[0]).total_seconds() if w else 0.0


def _local(value: Any, zone: str) -> datetime:
    """A busy time as naive wall-clock time in ``zone`` (a floating time as it is)."""
    if value.tzinfo is None:
        return value
    return value.astimezone(ZoneInfo(zone)).replace(tzinfo=None)


def _zone_changes(
    events: Iterable[Any], home: str
) -> tuple[list[tuple[date, str]], dict[date, str]]:
    """From the travel events: (arrival day, zone) in order, and travel day -> destination."""
    changes, travel = [], {}
    for e in events:
        if getattr(e, "all_day", True) or not e.travel:
            continue
        out_day = _local(e.start, e.start_zone).date()
        in_day = _local(e.end, e.end_zone).date()
        changes.append((in_day, e.end_zone))
        travel.setdefault(out_day, e.end_zone)
        travel.setdefault(in_day, e.end_zone)
    return sorted(changes), travel


def day_zones(
    days: Sequence[date], events: Iterable[Any], home: str, stays: Iterable[Stay] = ()
) -> dict[date, tuple[str, str | None]]:
    """day -> (the zone the runner ends it in, the destination when it is a travel day)."""
    changes, travel = _zone_changes(list(events), home)
    out: dict[date, tuple[str, str | None]] = {}
    for d in days:
        zone = home
        for when, z in changes:
            if when <= d:
                zone = z
        out[d] = (zone, travel.get(d))
    for s in stays:
        for d in days:
            if s.first <= d < s.last:
                out[d] = (s.zone, s.zone if d == s.first else out[d][1])
            elif d == s.last:
                out[d] = (home, home)
    return out


def calendar_days(
    events: Iterable[Any],
    days: Sequence[date],
    *,
    home_zone: str,
    window: DayWindow,
    stays: Iterable[Stay] = (),
) -> dict[date, DayFree]:
    """Each of ``days`` under the busy ``events``: zone, free windows, blockers, travel."""
    events = list(events)
    zones = day_zones(days, events, home_zone, stays)
    out = {}
    for d in days:
        zone, travel_to = zones[d]
        lo, hi = window.bounds(d)
        busy, names, all_day = [], [], False
        for e in events:
            if e.all_day:
                if e.start <= d < e.end:
                    all_day = True
                    names.append(e.summary)
                continue
            a, b = max(_local(e.start, zone), lo), min(_local(e.end, zone), hi)
            if a < b:
                busy.append((a, b))
                names.append(e.summary)
        free = [] if all_day else _free(lo, hi, busy)
        blockers = tuple(dict.fromkeys(names))
        out[d] = DayFree(d, zone, tuple(free), blockers, all_day, travel_to, zone != home_zone)
    return out


def _free(
    lo: datetime, hi: datetime, busy: list[tuple[datetime, datetime]]
) -> list[tuple[datetime, datetime]]:
    """The gaps of ``[lo, hi]`` that no busy interval covers."""
    free, at = [], lo
    for a, b in sorted(busy):
        if a > at:
            free.append((at, a))
        at = max(at, b)
    if at < hi:
        free.append((at, hi))
    return free

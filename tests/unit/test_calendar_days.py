"""The runner's calendar read from .ics (issue 19): recurring events expanded, all-day and
timed busy time, free events and the plan's own export left out, travel found; then each day's
zone and free windows inside the waking hours (:mod:`coachkit.coach.calendar_days`)."""

from __future__ import annotations

import doctest
from datetime import date, datetime, time
from zoneinfo import ZoneInfo

import pytest

from coachkit.coach import calendar_days as cd
from coachkit.coach.calendar_days import DayWindow, Stay, calendar_days
from coachkit.io import busy_ics
from coachkit.io.busy_ics import BusyEvent, read_busy_ics
from tests.unit.calendar_support import all_day, day, ics, timed

FIRST, LAST = date(2027, 3, 8), date(2027, 3, 21)


def test_doctests() -> None:
    assert doctest.testmod(busy_ics).failed == 0
    assert doctest.testmod(cd).failed == 0


def test_a_weekly_rule_gives_one_busy_event_each_week() -> None:
    data = ics(
        timed(day(1).date(), "06:00", "20:00", "Work", rrule="FREQ=WEEKLY", tz="Europe/Berlin"),
        all_day(day(3).date(), "Offsite", rrule="FREQ=WEEKLY;COUNT=1"),
    )
    cal = read_busy_ics(data, first=FIRST, last=LAST)
    starts = [(e.summary, e.start) for e in cal.events]
    berlin = ZoneInfo("Europe/Berlin")
    assert starts == [
        ("Work", datetime(2027, 3, 9, 6, tzinfo=berlin)),
        ("Offsite", date(2027, 3, 11)),
        ("Work", datetime(2027, 3, 16, 6, tzinfo=berlin)),
    ]
    assert cal.events[1].all_day and not cal.events[0].all_day


def test_free_and_cancelled_events_and_the_plan_s_own_export_are_not_busy() -> None:
    data = ics(
        timed(day(0).date(), "09:00", "10:00", "Lunch idea") + "\r\nTRANSP:TRANSPARENT",
        timed(day(0).date(), "11:00", "12:00", "Called off") + "\r\nSTATUS:CANCELLED",
        timed(day(0).date(), "13:00", "14:00", "Dentist"),
    ).replace(b"UID:e0@test", b"UID:p-2027-03-09@coachkit")
    cal = read_busy_ics(data, first=FIRST, last=LAST)
    assert [e.summary for e in cal.events] == ["Called off", "Dentist"][1:]
    assert cal.own_events == 1


@pytest.mark.parametrize("data", [b"hello, not a calendar", b"BEGIN:VCARD\r\nEND:VCARD\r\n", b""])
def test_anything_but_a_calendar_is_refused_in_one_sentence(data: bytes) -> None:
    with pytest.raises(ValueError, match="notes.txt is not an iCalendar"):
        read_busy_ics(data, first=FIRST, last=LAST, name="notes.txt")


def test_a_flight_between_zones_is_travel() -> None:
    flight = (
        "DTSTART;TZID=Europe/London:20270309T100000\r\n"
        "DTEND;TZID=America/New_York:20270309T130000\r\nSUMMARY:BA 117"
    )
    (event,) = read_busy_ics(ics(flight), first=FIRST, last=LAST).events
    assert event.travel and (event.start_zone, event.end_zone) == (
        "Europe/London",
        "America/New_York",
    )
    days = calendar_days(
        [event],
        [day(n).date() for n in range(4)],
        home_zone="Europe/London",
        window=DayWindow.parse("06:00-21:00"),
    )
    assert [days[day(n).date()].zone for n in range(4)] == ["Europe/London"] + [
        "America/New_York"
    ] * 3
    assert days[day(1).date()].travel_to == "America/New_York"
    assert days[day(2).date()].travel_to is None


def test_free_windows_are_the_gaps_of_the_waking_hours() -> None:
    window = DayWindow.parse("06:00-21:00")
    d = day(1).date()
    events = [
        BusyEvent("Standup", datetime(2027, 3, 9, 7, 45), datetime(2027, 3, 9, 8, 0)),
        BusyEvent("Work", datetime(2027, 3, 9, 8, 0), datetime(2027, 3, 9, 19, 0)),
        BusyEvent("Dinner", datetime(2027, 3, 9, 19, 30), datetime(2027, 3, 9, 23, 0)),
    ]
    free = calendar_days(events, [d], home_zone="UTC", window=window)[d]
    at = lambda h, m: datetime.combine(d, time(h, m))  # noqa: E731
    assert free.windows == ((at(6, 0), at(7, 45)), (at(19, 0), at(19, 30)))
    assert free.longest == (at(6, 0), at(7, 45)) and free.longest_s == 105 * 60
    assert free.blockers == ("Standup", "Work", "Dinner") and not free.full


def test_timed_events_are_read_in_the_zone_the_runner_is_in() -> None:
    """A call at 14:00-15:00 UTC is 09:00-10:00 in New York in March 2027 (EST, UTC-5, until
    the switch to summer time on 14 March 2027)."""
    call = BusyEvent(
        "Call",
        datetime(2027, 3, 10, 14, tzinfo=ZoneInfo("UTC")),
        datetime(2027, 3, 10, 15, tzinfo=ZoneInfo("UTC")),
        "UTC",
        "UTC",
    )
    trip = Stay.parse("2027-03-09:2027-03-12:America/New_York")
    days = [day(n).date() for n in range(6)]
    out = calendar_days(
        [call], days, home_zone="Europe/Berlin", window=DayWindow.parse("06:00-21:00"), stays=[trip]
    )
    wed = out[day(2).date()]
    assert wed.zone == "America/New_York" and wed.away
    assert wed.windows[0][1].time() == time(9, 0) and wed.windows[1][0].time() == time(10, 0)
    assert out[day(1).date()].travel_to == "America/New_York"  # the day out
    assert out[day(4).date()].travel_to == "Europe/Berlin"  # the day home
    assert out[day(4).date()].zone == "Europe/Berlin" and out[day(3).date()].travel_to is None


def test_an_all_day_event_or_a_full_window_leaves_no_free_time() -> None:
    window = DayWindow.parse("06:00-21:00")
    d1, d2 = day(0).date(), day(1).date()
    events = [
        BusyEvent("Offsite", d1, day(1).date()),
        BusyEvent("Exam day", datetime(2027, 3, 9, 5), datetime(2027, 3, 9, 22)),
    ]
    out = calendar_days(events, [d1, d2], home_zone="UTC", window=window)
    assert out[d1].full and out[d1].busy_all_day and out[d1].longest_s == 0
    assert out[d2].full and not out[d2].busy_all_day


@pytest.mark.parametrize(
    "text, error",
    [("21:00-06:00", "end after"), ("6-21", "HH:MM-HH:MM"), ("06:00-24:30", "24:00 at the latest")],
)
def test_a_bad_day_window_is_refused(text: str, error: str) -> None:
    with pytest.raises(ValueError, match=error):
        DayWindow.parse(text)


@pytest.mark.parametrize(
    "text, error",
    [
        ("2027-03-09:2027-03-08:Europe/Paris", "ends before"),
        ("2027-03-09:2027-03-12:Mars/Olympus", "IANA"),
        ("2027-03-09:Europe/Paris", "FROM:TO:ZONE"),
        ("2027-02-30:2027-03-12:Europe/Paris", "day is out of range"),
    ],
)
def test_a_bad_trip_is_refused(text: str, error: str) -> None:
    with pytest.raises(ValueError, match=error):
        Stay.parse(text)

"""The plan fitted to the runner's calendar (issue 19): no session on a day with no free time,
none longer than a partly busy day's longest free window (shortened or moved, never crammed),
no hard session on a travel day, and the coach's rules kept: no two hard days back to back,
the Garmin-RUNSAFE long-run cap. One sentence with its numbers per change."""

from __future__ import annotations

from datetime import datetime, time, timedelta

import pandas as pd
from hypothesis import given, settings
from hypothesis import strategies as st

from coachkit.coach import edit_rules
from coachkit.coach.calendar_days import DayWindow, Stay, calendar_days
from coachkit.coach.calendar_fit import MIN_SESSION_S, RULE, fit_to_calendar
from coachkit.coach.workouts import HARD_KINDS
from coachkit.io.busy_ics import BusyEvent, read_busy_ics
from tests.unit.calendar_support import VDOT, all_day, day, ics, plan, row, timed

WINDOW = DayWindow.parse("06:00-21:00")
WEEK = ["easy", "tempo", "rest", "intervals", "rest", "easy", "long"]


def _fit(frame: pd.DataFrame, events, *, units: str = "km", stays=(), longest=16000.0):
    dates = [d.date() for d in frame["date"]]
    days = calendar_days(events, dates, home_zone="Europe/Berlin", window=WINDOW, stays=stays)
    new, log = fit_to_calendar(
        frame, days, start=day(0), units=units, vdot=VDOT, longest_run_m=longest
    )
    return new, log, days


def _events(data: bytes, frame: pd.DataFrame):
    return read_busy_ics(data, first=day(0).date(), last=frame["date"].max().date()).events


def test_a_recurring_busy_week_leaves_no_session_on_busy_days_and_none_longer_than_the_free_time() -> (
    None
):
    """The acceptance test: every Tuesday busy 06:00-20:00 (60 min free before 21:00), every
    Thursday busy all day, over three weeks."""
    p = plan(WEEK * 3)
    data = ics(
        timed(day(1).date(), "06:00", "20:00", "Work", rrule="FREQ=WEEKLY", tz="Europe/Berlin"),
        all_day(day(3).date(), "Offsite", rrule="FREQ=WEEKLY"),
    )
    new, log, _ = _fit(p, _events(data, p))
    for week in range(3):
        tue, thu = row(new, 7 * week + 1), row(new, 7 * week + 3)
        assert thu["kind"] == "rest"
        assert tue["kind"] == "rest" or tue["duration_s"] <= 60 * 60 + 1
    assert len(log) == 3 and {a.rule for a in log} == {RULE}
    # the 10.4 km interval session (55 min) of each Thursday went to Friday, the nearest rest
    # day that keeps two hard days apart (Wednesday follows Tuesday's tempo)
    assert [row(new, 7 * w + 4)["kind"] for w in range(3)] == ["intervals"] * 3
    assert log[0].explanation == (
        "Thu 11 Mar: the 10.4 km interval session (55 min) moved to Fri 12 Mar: "
        "your calendar is busy all day ('Offsite')."
    )


def test_a_session_longer_than_the_free_window_is_shortened_to_it_with_its_numbers() -> None:
    p = plan(WEEK)
    busy = [
        BusyEvent("Standup", datetime(2027, 3, 9, 6, 0), datetime(2027, 3, 9, 7, 0)),
        BusyEvent("Work", datetime(2027, 3, 9, 7, 45), datetime(2027, 3, 9, 21, 0)),
    ]
    new, log, _ = _fit(p, busy, units="mi")
    tue = row(new, 1)
    assert tue["kind"] == "tempo" and tue["duration_s"] <= 45 * 60 + 1
    assert tue["duration_s"] >= 40 * 60  # shortened to the window, not below it
    (change,) = log
    assert change.explanation.startswith(
        "Tue 9 Mar: the 6.2 mi tempo run (51 min) shortened to 45 min ("
    )
    assert change.explanation.endswith(
        " mi): 45 min free between 07:00 and 07:45 (calendar 'Standup', 'Work')."
    )
    assert change.evidence["free_s"] == 45 * 60 and tue["status"] == "changed"


def test_too_little_time_for_a_meaningful_session_moves_it_and_never_crams_it() -> None:
    p = plan(WEEK)
    busy = [BusyEvent("Work", datetime(2027, 3, 8, 6, 15), datetime(2027, 3, 8, 21, 0))]
    new, log, _ = _fit(p, busy)
    assert row(new, 0)["kind"] == "rest"
    assert row(new, 2)["kind"] == "easy"  # Wednesday: the nearest rest day with room
    assert (
        "only 15 min free between 06:00 and 06:15 (calendar 'Work'), less than the session's 47 min"
        in log[0].explanation
    )


def test_a_session_with_nowhere_to_go_is_dropped_with_its_reason() -> None:
    p = plan(["easy", "tempo", "easy", "intervals", "easy", "easy", "long"])
    new, log, _ = _fit(p, [BusyEvent("Conference", day(3).date(), day(4).date())])
    assert row(new, 3)["kind"] == "rest"
    assert log[0].explanation == (
        "Thu 11 Mar: the 10.4 km interval session (55 min) dropped: your calendar is busy all "
        "day ('Conference'), and no rest day within 3 days has 55 min free without breaking a rule."
    )


def test_a_travel_day_gets_no_hard_session_and_a_trip_s_days_count_in_its_zone() -> None:
    p = plan(["easy", "tempo", "rest", "easy", "rest", "easy", "long"])
    trip = Stay.parse("2027-03-09:2027-03-13:America/New_York")
    new, log, days = _fit(p, [], stays=[trip])
    assert row(new, 1)["kind"] == "rest" and row(new, 2)["kind"] == "tempo"
    assert (
        "it is a travel day (to America/New_York) and travel days get no hard session"
        in log[0].explanation
    )
    assert row(new, 5)["kind"] == "easy"  # Saturday, the day home: an easy run stays
    assert days[day(3).date()].zone == "America/New_York"


def test_race_day_is_kept_and_only_noted() -> None:
    p = plan(["easy", "rest", "race"])
    new, log, _ = _fit(p, [BusyEvent("Wedding", day(2).date(), day(3).date())])
    assert row(new, 2)["kind"] == "race" and row(new, 2)["status"] == "planned"
    assert (
        "is race day and is busy in your calendar ('Wedding'): the plan keeps the race"
        in log[0].explanation
    )


def test_dropping_a_long_run_keeps_the_next_one_under_the_runsafe_cap() -> None:
    """Garmin-RUNSAFE: no run over 1.1 x the longest of the 30 days before it. With last
    Sunday's 16 km long run dropped, the next Sunday's 17 km may reach 1.1 x 10 km (the
    week's tempo) = 11 km."""
    p = plan(
        ["easy", "tempo", "rest", "easy", "rest", "rest", "long"] * 2, km={"long": 16, "tempo": 10}
    )
    p.loc[p["date"] == day(13), "distance_m"] = 17000.0
    busy = [BusyEvent("Away", day(3).date(), day(7).date())]  # Thu-Sun: no rest day has room
    new, log, _ = _fit(p, busy, longest=None)
    assert row(new, 6)["kind"] == "rest"
    cap = edit_rules.runsafe_cap(new, day(13))
    assert abs(cap - 1.1 * 10000.0) < 1
    assert row(new, 13)["distance_m"] <= cap + 1
    assert (
        "1.1 × the longest run of the 30 days before it is 11.0 km (Garmin-RUNSAFE)"
        in log[-1].explanation
    )


def test_the_plan_before_the_day_re_planned_is_kept() -> None:
    p = plan(WEEK)
    busy = [BusyEvent("Offsite", day(0).date(), day(7).date())]
    days = calendar_days(busy, [d.date() for d in p["date"]], home_zone="UTC", window=WINDOW)
    new, _ = fit_to_calendar(p, days, start=day(4), units="km", vdot=VDOT)
    assert new.iloc[:4].equals(p.iloc[:4])


# -- the invariants over random calendars ------------------------------------------------------

KINDS = ["easy", "tempo", "rest", "intervals", "rest", "strides", "long"]


@st.composite
def calendars(draw):
    """Up to 14 events over two weeks: all-day ones, and timed ones anywhere in the day."""
    events = []
    for _ in range(draw(st.integers(0, 14))):
        n = draw(st.integers(0, 13))
        if draw(st.booleans()) and draw(st.booleans()):
            events.append(
                BusyEvent(
                    "Away", day(n).date(), day(n).date() + timedelta(days=draw(st.integers(1, 3)))
                )
            )
            continue
        start = datetime.combine(
            day(n).date(), time(draw(st.integers(0, 22)), draw(st.sampled_from([0, 15, 30, 45])))
        )
        end = start + timedelta(minutes=draw(st.integers(15, 16 * 60)))
        events.append(BusyEvent(f"e{len(events)}", start, end))
    return events


@settings(max_examples=60, deadline=None)
@given(calendars(), st.permutations(KINDS))
def test_the_rules_hold_over_random_calendars(events, week) -> None:
    p = plan([*week, *KINDS])
    new, log, days = _fit(p, events, longest=16000.0)
    active = new[(new["kind"] != "rest") & (new["kind"] != "race")]
    for rec in active.to_dict("records"):
        free = days[rec["date"].date()]
        assert not free.full, rec
        assert rec["duration_s"] <= free.longest_s + 1, (rec, free)
        assert rec["status"] == "planned" or rec["duration_s"] >= MIN_SESSION_S - 1
    hard = set(new.loc[new["kind"].isin(HARD_KINDS), "date"])
    before_hard = set(p.loc[p["kind"].isin(HARD_KINDS), "date"])
    pairs = lambda h: {d for d in h if d + pd.Timedelta(days=1) in h}  # noqa: E731
    assert pairs(hard) <= pairs(before_hard)
    for d in active["date"]:
        longest = 16000.0 if (d - day(0)).days <= 30 else None
        if edit_rules.too_long(new, d, "km", longest):
            assert edit_rules.too_long(p, d, "km", longest)
    assert len(log) == len({a.explanation for a in log})
    assert all(a.explanation[:3] in ("Mon", "Tue", "Wed", "Thu", "Fri", "Sat", "Sun") for a in log)


def test_doctests() -> None:
    import doctest

    from coachkit.coach import calendar_fit

    assert doctest.testmod(calendar_fit).failed == 0


def test_the_week_view_tells_why_a_day_changed_for_the_calendar() -> None:
    """The dashboard's week (``ck-week``) shows the calendar's sentence on the day the session
    left and on the day it went to, as it shows every adaptation's."""
    from coachkit.viz.cards import change_reasons, week_card

    p = plan(WEEK)
    new, log, _ = _fit(p, [BusyEvent("Offsite", day(3).date(), day(4).date())])
    records = pd.DataFrame([a.to_record("a") for a in log])
    html = week_card(
        new, pd.DataFrame(columns=["date", "distance_m"]), change_reasons(records), day(0)
    )
    sentence = log[0].explanation.replace("'", "&#x27;")
    assert html.count(sentence) == 2  # Thursday (left) and Friday (moved to)
    assert 'data-reason-for="2027-03-11"' in html and 'data-reason-for="2027-03-12"' in html


def test_a_flight_in_the_calendar_moves_the_hard_session_off_its_day() -> None:
    """A flight Berlin 09:00 -> New York 12:00 on Tuesday: Tuesday is a travel day (the tempo
    moves), and from then on the runner's days count in New York time."""
    p = plan(["easy", "tempo", "rest", "easy", "rest", "easy", "long"])
    flight = (
        "DTSTART;TZID=Europe/Berlin:20270309T090000\r\n"
        "DTEND;TZID=America/New_York:20270309T120000\r\nSUMMARY:LH 400"
    )
    new, log, days = _fit(p, _events(ics(flight), p))
    assert row(new, 1)["kind"] == "rest" and row(new, 2)["kind"] == "tempo"
    assert log[0].explanation == (
        "Tue 9 Mar: the 10.0 km tempo run (51 min) moved to Wed 10 Mar: it is a travel day "
        "(to America/New_York) and travel days get no hard session ('LH 400')."
    )
    assert days[day(4).date()].zone == "America/New_York" and days[day(4).date()].away

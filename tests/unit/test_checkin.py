"""Issue 19, a coach that checks in: when the check-in is due, and how the coach reacts.

Detection is pure (:func:`coachkit.coach.checkin.silent_stretch`, plain dates). The reactions
run on the real adaptation path: a plan from :class:`~coachkit.coach.plan_builder.PlanBuilder`,
a runner who ran as planned and then went quiet, the answer logged as feedback, then
:func:`coachkit.coach.signals.signals_from` and :func:`coachkit.coach.adapt.adapt`, as
``coachkit log --checkin`` runs them. Property tests draw the stretch, the plan and the answer.
"""

from __future__ import annotations

from datetime import date, timedelta

import pandas as pd
import pytest
from hypothesis import HealthCheck, Phase, given, settings
from hypothesis import strategies as st

from coachkit.coach.adapt import adapt
from coachkit.coach.adapt.checkin import LIGHTER_SHARE, answered_key
from coachkit.coach.checkin import ANSWERS, PlannedDay, silent_stretch
from coachkit.coach.plan import Fitness, Goal
from coachkit.coach.plan_builder import PlanBuilder
from coachkit.coach.progression import ACWR_MAX
from coachkit.coach.signals import signals_from
from coachkit.coach.workouts import HARD_KINDS

START = date(2024, 3, 4)  # a Monday
HM_M = 21097.5
EASY_PACE = 360.0
FEEDBACK = ["date", "rpe", "feel", "soreness", "niggle_site", "niggle_severity", "illness",
            "missed_reason", "note", "checkin"]  # fmt: skip
ROUNDING_M = 50.0


# --- when a check-in is due -------------------------------------------------------------------


def _week(kinds: str, start: date = date(2021, 3, 8)) -> list[PlannedDay]:
    """A plan from ``start`` with one letter a day: r rest, e easy 4.4 km, l long 8 km."""
    size = {"r": 0.0, "e": 4400.0, "l": 8000.0}
    kind = {"r": "rest", "e": "easy", "l": "long"}
    return [PlannedDay(start + timedelta(days=i), kind[k], size[k]) for i, k in enumerate(kinds)]


def test_three_silent_planned_sessions_make_a_checkin_due():
    plan = _week("reerelr")  # Mon 8 .. Sun 14 Mar 2021: easy Tue 9, Wed 10, Fri 12, long Sat 13
    c = silent_stretch(date(2021, 3, 15), plan, {date(2021, 3, 9)})  # ran Tue 9 only
    assert c.due and [s.day.day for s in c.sessions] == [10, 12, 13]
    assert c.no_data_days == 5  # Wed 10 .. Sun 14
    assert c.question() == (
        "No run or log for your last 3 planned sessions (Wed 10, Fri 12, Sat 13 Mar, 16.8 km "
        "planned; no data for 5 days): what happened? Answer with "
        "`coachkit log --checkin ill|injured|busy|travelling|motivation|other`."
    )
    assert "10.4 mi planned" in c.question("mi")  # 16.8 km / 1.609344


def test_two_silent_sessions_or_a_log_between_ask_nothing():
    plan = _week("reerelr")
    two = silent_stretch(date(2021, 3, 15), plan, {date(2021, 3, 10)})
    assert not two.due and len(two.sessions) == 2
    # a note logged on the rest day Thu 11 breaks the stretch: only Fri and Sat are silent
    logged = silent_stretch(date(2021, 3, 15), plan, {date(2021, 3, 8), date(2021, 3, 11)})
    assert not logged.due and [s.day.day for s in logged.sessions] == [12, 13]


def test_a_run_or_log_today_means_the_runner_is_not_silent():
    assert silent_stretch(date(2021, 3, 15), _week("reerelr"), {date(2021, 3, 15)}) is None


def test_rest_moved_and_skipped_days_are_not_silent_sessions():
    plan = _week("reerelr")
    plan[2] = PlannedDay(plan[2].day, "easy", 4400.0, status="skipped")
    plan[4] = PlannedDay(plan[4].day, "easy", 4400.0, status="moved")
    c = silent_stretch(date(2021, 3, 15), plan, set())
    assert [s.day.day for s in c.sessions] == [9, 13] and not c.due


def test_after_an_answer_the_next_checkin_needs_three_more_silent_sessions():
    plan = _week("eeeeeee") + _week("eeeeeee", date(2021, 3, 15))
    answered = {date(2021, 3, 11)}  # the runner answered a check-in on Thu 11
    assert not silent_stretch(date(2021, 3, 14), plan, answered).due  # Fri 12, Sat 13: two
    again = silent_stretch(date(2021, 3, 15), plan, answered)
    assert again.due and [s.day.day for s in again.sessions] == [12, 13, 14]


# --- the coach's reaction, on the real adaptation path ----------------------------------------


def _plan(weekly_km: float, dpw: int, weeks: int = 10) -> pd.DataFrame:
    race = START + timedelta(weeks=weeks, days=6)
    plan = PlanBuilder(Goal(race_distance_m=HM_M, race_date=race), days_per_week=dpw).build(
        Fitness(45.0, weekly_km, 0.3 * weekly_km * 1000.0), START
    )
    out = plan.workouts
    text = [c for c in out.columns if pd.api.types.is_string_dtype(out[c])]
    return out.astype({c: object for c in text}).assign(date=pd.to_datetime(out["date"]))


def _history(weekly_km: float) -> list[tuple[pd.Timestamp, float]]:
    """Four weeks before the plan: three equal runs a week."""
    return [
        (pd.Timestamp(START - timedelta(days=7 * w + back)), weekly_km * 1000.0 / 3)
        for w in range(4)
        for back in (1, 3, 5)
    ]


def _quiet(frame: pd.DataFrame, ran_until: pd.Timestamp, silent: int) -> pd.Timestamp:
    """The day after the ``silent``-th planned session after ``ran_until``: the answer's day."""
    after = frame[(frame["date"] > ran_until) & (frame["kind"] != "rest")]
    return after["date"].iloc[silent - 1] + pd.Timedelta(days=1)


def _answer(frame, runs, day, answer, note=None):
    """The signals of ``day`` after the runner logged ``answer`` (and illness when ill)."""
    table = pd.DataFrame(
        {
            "date": [d for d, _ in runs],
            "sport": "run",
            "distance_m": [m for _, m in runs],
            "moving_time_s": [m / 1000 * EASY_PACE for _, m in runs],
            "avg_hr": 145.0,
        }
    )
    fb = pd.DataFrame(
        [
            {
                **dict.fromkeys(FEEDBACK),
                "date": day,
                "checkin": answer,
                "note": note,
                "illness": True if answer == "ill" else None,
            }
        ]  # fmt: skip
    )
    longest = max(m for d, m in runs if d >= day - pd.Timedelta(days=30))
    return signals_from(
        day,
        table=table,
        daily=pd.DataFrame(),
        residuals=pd.DataFrame(columns=["date", "residual", "z"]),
        feedback=fb,
        plan=frame,
        risk={"score": 20.0, "level": "low", "long_run_cap_m": 1.1 * longest},
        vdot_plan=45.0,
    )


def _live(weekly_km, dpw, ran_days, silent, answer, note=None):
    """A runner who ran every planned session of the first ``ran_days`` days, then went quiet
    for ``silent`` planned sessions and answered the check-in the day after the last one."""
    frame = _plan(weekly_km, dpw)
    runs = _history(weekly_km)
    last = pd.Timestamp(START) + pd.Timedelta(days=ran_days - 1)
    for d, k, m in zip(frame["date"], frame["kind"], frame["distance_m"]):
        if d <= last and k != "rest":
            runs.append((d, float(m)))
    day = _quiet(frame, last, silent)
    s = _answer(frame, runs, day, answer, note)
    after, log = adapt(frame, s)
    return frame, after.assign(date=pd.to_datetime(after["date"])), log, s


def _ahead(frame: pd.DataFrame, s, days: int = 7) -> pd.DataFrame:
    d = pd.Timestamp(s.today)
    rows = frame[(frame["date"] >= d) & (frame["date"] < d + pd.Timedelta(days=days))]
    return rows[(rows["kind"] != "rest") & ~rows["status"].isin(("missed", "moved"))]


def test_busy_drops_the_silent_sessions_and_rebuilds_the_week_from_the_current_load():
    before, after, log, s = _live(40.0, 5, ran_days=8, silent=3, answer="busy")
    said = [a for a in log if a.rule == "checkin"]
    assert len(said) == 1 and log[0].rule == "checkin"  # the answer's sentence comes first
    days = s.checkin_stretch.sessions
    assert len(days) == 3
    silent = after[after["date"].isin([pd.Timestamp(p.day) for p in days])]
    assert (silent["status"] == "missed").all()
    text = said[0].explanation
    assert text.startswith("You were busy for your last 3 planned sessions (")
    assert f"no data for {s.checkin_stretch.no_data_days} days" in text
    # 4 weeks at 40 km and the runs of the plan's first 8 days: 1.3 x their weekly mean
    ev = said[0].evidence
    assert ev["cap"] == pytest.approx(ACWR_MAX * ev["chronic_weekly"], abs=0.2)
    assert _ahead(after, s)["distance_m"].sum() <= ev["cap"] + ROUNDING_M
    if ev["planned"] > ev["cap"]:
        assert f"instead of {ev['planned'] / 1000:.1f} km" in text


def test_motivation_gives_a_lighter_shorter_week_without_hard_sessions():
    before, after, log, s = _live(45.0, 5, ran_days=15, silent=3, answer="motivation")
    ahead_before, ahead_after = _ahead(before, s), _ahead(after, s)
    assert not set(ahead_after["kind"]) & {"tempo", "intervals", "hills"}
    planned = ahead_before["distance_m"].sum()
    assert ahead_after["distance_m"].sum() <= LIGHTER_SHARE * planned + ROUNDING_M
    text = next(a.explanation for a in log if a.rule == "checkin")
    assert f"instead of {planned / 1000:.1f} km (80%)" in text


def test_injured_takes_the_return_to_run_path_with_no_quality_session():
    before, after, log, s = _live(45.0, 5, ran_days=15, silent=3, answer="injured")
    weeks = _ahead(after, s, days=14)
    assert not set(weeks["kind"]) & {"tempo", "intervals", "hills"}
    first = _ahead(after, s)["distance_m"].sum()
    assert first <= 0.5 * _ahead(before, s)["distance_m"].sum() + ROUNDING_M
    ramp = [a for a in log if a.rule == "checkin" and "week" in a.evidence]
    assert [a.evidence["factor"] for a in ramp] == [0.5, 0.75]
    assert "you reported an injury" in ramp[0].explanation


def test_ill_hands_over_to_the_illness_rule_with_the_silent_days_counted():
    before, after, log, s = _live(45.0, 5, ran_days=15, silent=3, answer="ill")
    assert s.illness_days == s.checkin_stretch.no_data_days >= 3
    rules = [a.rule for a in log]
    assert rules[0] == "checkin" and "return_to_run" in rules
    back = next(a.explanation for a in log if a.rule == "return_to_run")
    assert f"{s.illness_days} days ill" in back
    assert not set(_ahead(after, s)["kind"]) & HARD_KINDS


def test_other_keeps_the_plan_ahead_and_quotes_the_note():
    before, after, log, s = _live(45.0, 5, ran_days=15, silent=3, answer="other", note="moving")
    text = next(a.explanation for a in log if a.rule == "checkin")
    assert text.endswith("the plan ahead stays as it is (your note: “moving”).")
    cols = ["kind", "distance_m", "status"]
    pd.testing.assert_frame_equal(
        _ahead(before, s)[cols].reset_index(drop=True),
        _ahead(after, s)[cols].reset_index(drop=True),
    )


def test_an_answer_is_reacted_to_once():
    before, after, log, s = _live(40.0, 5, ran_days=8, silent=3, answer="busy")
    from dataclasses import replace

    again = replace(s, answered=s.answered | {answered_key(s.today)})
    _, log2 = adapt(after, again)
    assert not [a for a in log2 if a.rule == "checkin"]


# --- invariants over random silent stretches and answers --------------------------------------


def _hard_pairs(frame: pd.DataFrame) -> list:
    live = frame[frame["kind"].isin(HARD_KINDS) & ~frame["status"].isin(("missed", "moved"))]
    on = set(live["date"])
    return sorted(d for d in on if d + pd.Timedelta(days=1) in on)


@settings(
    max_examples=25,
    deadline=timedelta(seconds=30),
    derandomize=True,
    phases=(Phase.explicit, Phase.generate),
    suppress_health_check=[HealthCheck.too_slow],
)
@given(
    weekly_km=st.floats(15.0, 70.0),
    dpw=st.integers(3, 6),
    ran_days=st.integers(1, 20),
    silent=st.integers(3, 9),
    answer=st.sampled_from(ANSWERS),
)
def test_every_answer_keeps_the_coach_invariants(weekly_km, dpw, ran_days, silent, answer):
    before, after, log, s = _live(weekly_km, dpw, ran_days, silent, answer)
    # no new hard days back to back
    assert _hard_pairs(after) == [] or _hard_pairs(after) == _hard_pairs(before)
    # the silent sessions are missed, not moved onto the days ahead, and the week ahead is not
    # bigger than planned (nothing crammed in)
    days = {pd.Timestamp(p.day) for p in s.checkin_stretch.sessions}
    assert after.loc[after["date"].isin(days), "status"].isin(["missed"]).all()
    assert not after["purpose"].astype(str).str.contains("Moved from").any()
    for n in (7, 14):
        b, a = _ahead(before, s, n), _ahead(after, s, n)
        assert a["distance_m"].fillna(0).sum() <= b["distance_m"].fillna(0).sum() + ROUNDING_M
    # no long run above the risk cap unless the plan had it so
    cap = s.risk["long_run_cap_m"]
    longs = after[(after["kind"] == "long") & (after["date"] >= pd.Timestamp(s.today))]
    was = before.set_index("date")["distance_m"]
    assert all(
        m <= max(cap, was[d]) + ROUNDING_M for d, m in zip(longs["date"], longs["distance_m"])
    )
    # one sentence for the answer, with its numbers
    said = [a.explanation for a in log if a.rule == "checkin" and "week" not in a.evidence]
    assert len(said) == 1 and f"no data for {s.checkin_stretch.no_data_days} days" in said[0]


# --- missing data is named as missing, not read as rest ---------------------------------------


def test_a_break_without_any_data_is_said_as_missing_not_as_days_off():
    from dataclasses import replace

    from coachkit.coach.adapt import Signals
    from coachkit.coach.adapt.return_to_run import break_words

    today = pd.Timestamp("2024-03-20")
    last_run = date(2024, 3, 11)  # 9 days before today: Tue 12 .. Tue 19 hold nothing
    s = Signals(today=today, days_since_last_run=9, data_days=frozenset({last_run}))
    assert break_words(s) == "9 days without a recorded run (no run or log for 8 days)"
    noted = replace(s, data_days=frozenset({last_run, date(2024, 3, 15)}))  # a note on Fri 15
    assert break_words(noted) == "9 days without running"
    assert break_words(replace(s, data_days=None)) == "9 days without running"  # not known


def test_a_reviewed_week_without_any_data_is_no_data_not_zero_done():
    from coachkit.coach.adapt import Signals, review_week

    frame = _plan(30.0, 4)
    sunday = pd.Timestamp(START) + pd.Timedelta(days=13)  # the plan's second week, all silent
    done = pd.DataFrame(
        {"date": [d for d, _ in _history(30.0)], "distance_m": [m for _, m in _history(30.0)]}
    )
    week = frame[(frame["date"] > sunday - pd.Timedelta(days=7)) & (frame["date"] <= sunday)]
    planned_km = week.loc[week["kind"] != "rest", "distance_m"].sum() / 1000
    silent = Signals(today=sunday, done=done, data_days=frozenset(d.date() for d in done["date"]))
    _, log = review_week(frame, done, silent)
    assert log[0].explanation.startswith(
        f"No data for the week from {sunday - pd.Timedelta(days=6):%Y-%m-%d} (no run, no log; "
        f"{planned_km:.1f} km planned)"
    )
    logged = Signals(today=sunday, done=done, data_days=silent.data_days | {sunday.date()})
    _, log = review_week(frame, done, logged)  # a note on Sunday: the week was not silent
    assert log[0].explanation.startswith(f"You did 0.0 km of the {planned_km:.1f} km planned")

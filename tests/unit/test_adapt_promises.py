"""Issue #15: every promise of the risk card is kept by a rule, every input feeds a signal,
feedback changes what comes next (never a run already done), each piece of evidence is
answered once."""

from __future__ import annotations

import json
import math

import pandas as pd
import pytest

from coachkit.coach.adapt import Signals, adapt
from coachkit.coach.adapt.fatigue import HR_FLAG_Z, answered_keys
from coachkit.coach.signals import signals_from
from coachkit.models.risk_evidence import assess_row
from tests.unit.test_adapt import MON, _day, done, plan, row

WEEK = ["easy", "hills", "easy", "tempo", "easy", "long", "rest"]


def card(**features: float | str) -> list[str]:
    """The risk card's "what the coach will change" for one day's features."""
    return assess_row(MON, {"longest_30d_m": 16000.0, **features}).changes


def kinds(frame: pd.DataFrame) -> list[str]:
    return frame.sort_values("date")["kind"].tolist()


# ------------------------------------------------------------- each factor: text and plan agree


def test_a_5_of_10_calf_niggle_the_day_before_a_hill_session_removes_it() -> None:
    text = card(niggle_severity_max_7d=5.0, niggle_sites="calf")
    assert (
        "no tempo, intervals or hills until the niggle is below 3/10 and for 2 days after" in text
    )
    s = Signals(today=MON, done=done(0), niggle_severity=5.0, niggle_date=MON.date(),
                niggle_high_date=MON.date())  # fmt: skip
    new, log = adapt(plan(WEEK), s)
    assert row(new, 1)["kind"] == "easy" and row(new, 3)["kind"] == "easy"  # hills, tempo
    assert row(new, 5)["kind"] == "long"  # the card names no long run
    niggle = [a for a in log if a.rule == "niggle"]
    assert len(niggle) == 2 and "5/10 niggle on Monday" in niggle[0].explanation
    assert "Tuesday's hills (8.0 km) becomes an easy run" in niggle[0].explanation


def test_hard_sessions_come_back_two_days_after_the_niggle_is_below_3() -> None:
    # Monday 5/10, Tuesday 2/10: Wednesday and Thursday are held, Friday's tempo is not
    kinds_ = ["easy", "easy", "easy", "tempo", "intervals", "long", "rest"]
    s = Signals(today=_day(1), done=done(0, 1), niggle_severity=2.0, niggle_date=_day(1).date(),
                niggle_high_date=MON.date())  # fmt: skip
    new, log = adapt(plan(kinds_), s)
    assert row(new, 3)["kind"] == "tempo"  # Monday + 2 days is Wednesday: Thursday is free
    s = Signals(today=_day(1), done=done(0, 1), niggle_severity=2.0, niggle_date=_day(1).date(),
                niggle_high_date=_day(1).date())  # fmt: skip
    new, _ = adapt(plan(kinds_), s)
    assert row(new, 3)["kind"] == "easy" and row(new, 4)["kind"] == "intervals"


def test_illness_holds_hard_sessions_until_two_days_after_the_last_ill_day() -> None:
    text = card(illness_days_7d=1.0)
    assert "no tempo, intervals or hills until 2 days after the last day you log illness" in text
    s = Signals(today=MON, done=done(0), illness_date=MON.date(), illness_days=1)
    new, log = adapt(plan(["easy", "easy", "tempo", "intervals", "easy", "long", "rest"]), s)
    assert row(new, 2)["kind"] == "easy" and row(new, 3)["kind"] == "intervals"
    assert "illness on Monday" in [a for a in log if a.rule == "niggle"][0].explanation


def test_the_recovery_day_is_the_day_after_the_next_hard_session_as_the_card_says() -> None:
    text = card(spike_distance_ratio=2.5, session_distance_m=40000.0, niggle_severity_max_7d=6.0)
    assert "add a recovery day: an easy 30 min the day after the next hard session" in text
    risk = {"score": 70.0, "level": "low", "add_recovery_day": True}
    new, log = adapt(plan(["easy", "easy", "tempo", "easy", "easy", "long", "rest"]),
                     Signals(today=MON, done=done(0), risk=risk))  # fmt: skip
    after = row(new, 3)
    assert (after["kind"], after["duration_s"]) == ("recovery", 1800.0)
    assert "after Wednesday's tempo" in [a for a in log if a.rule == "high_risk"][0].explanation


def test_the_long_run_cap_the_card_names_is_the_one_the_plan_gets() -> None:
    text = card(spike_distance_ratio=1.5, session_distance_m=24000.0)
    assert any("cap the long run at 17.6 km" in t for t in text), text
    risk = {"score": 30.0, "level": "moderate", "long_run_cap_m": 17600.0}
    new, _ = adapt(plan(WEEK, d5=22000.0), Signals(today=MON, done=done(0), risk=risk))
    assert row(new, 5)["distance_m"] == pytest.approx(17600.0)


@pytest.mark.parametrize("features", [{"monotony": 2.6}, {"days_since_rest": 12.0}])
def test_monotony_or_no_rest_day_turns_the_next_easy_day_into_a_rest_day(features) -> None:
    text = card(**features)
    assert "vary the days: the next easy day of the coming week becomes a rest day" in text
    risk = assess_row(MON, {"longest_30d_m": 16000.0, **features}).to_dict()
    new, log = adapt(plan(WEEK), Signals(today=MON, done=done(0), risk=risk))
    assert kinds(new)[:3] == ["easy", "hills", "rest"]
    rest = [a for a in log if a.rule == "high_risk" and "becomes a rest day" in a.explanation]
    assert (
        len(rest) == 1 and "Wednesday's easy run (8.0 km) becomes a rest day" in rest[0].explanation
    )
    again, log = adapt(new, Signals(today=_day(1), done=done(0, 1), risk=risk))
    assert not [a for a in log if "rest day" in a.explanation], "once a week, not every day"


def test_the_card_promises_nothing_the_fatigue_rule_may_not_do() -> None:
    text = card(hr_residual_bpm=6.0, hr_residual_n_7d=2, rpe_above_plan=3.0)
    assert not any("next hard session" in t for t in text), text


# ------------------------------------------------------------------ every input is a signal


def _signals(feedback=None, wellness=None, day=MON, plan_=None) -> Signals:
    fb = pd.DataFrame(feedback or [], columns=["date", "rpe", "feel", "soreness", "niggle_site",
                                               "niggle_severity", "illness", "missed_reason",
                                               "note"])  # fmt: skip
    fb["date"] = pd.to_datetime(fb["date"])
    fb["illness"] = fb["illness"].astype("boolean")  # as the store gives it
    empty = pd.DataFrame(columns=["date", "residual", "z"])
    table = pd.DataFrame({"date": pd.to_datetime([]), "sport": [], "distance_m": [],
                          "moving_time_s": [], "avg_hr": []})  # fmt: skip
    return signals_from(day, table=table, daily=pd.DataFrame(), residuals=empty, feedback=fb,
                        plan=plan_ if plan_ is not None else plan(WEEK), wellness=wellness)  # fmt: skip


def test_signals_from_reads_last_nights_sleep_and_the_mornings_garmin_numbers() -> None:
    well = pd.DataFrame({"date": [MON - pd.Timedelta(days=1), MON], "sleep_s": [30000.0, 19800.0],
                         "sleep_score": [80.0, 52.0], "stress": [20.0, 63.0],
                         "readiness": [70.0, 18.0]})  # fmt: skip
    s = _signals(wellness=well)
    assert (s.sleep_h, s.sleep_score, s.stress, s.readiness) == (5.5, 52.0, 63.0, 18.0)


@pytest.mark.parametrize(
    ("field", "bad", "fine", "phrase"),
    [
        ("sleep_h", 5.5, 6.5, "you slept 5.5 h (under 6 h)"),
        ("sleep_score", 55.0, 60.0, "your sleep score was 55 (poor: under 60)"),
        ("stress", 60.0, 50.0, "your Garmin stress averaged 60"),
        ("readiness", 20.0, 25.0, "your training readiness is 20 (poor: under 25)"),
        ("feel", 2.0, 3.0, "you felt 2/5 today"),
        ("soreness", 7.0, 6.0, "your soreness is 7/10 (severe: 7+)"),
        ("rhr_deviation_bpm", 6.0, 4.0, "your resting HR is 6 bpm above normal"),
    ],
)
def test_each_input_eases_the_next_session_past_its_threshold(field, bad, fine, phrase) -> None:
    new, log = adapt(plan(WEEK), Signals(today=MON, done=done(0), **{field: bad}))
    a = [x for x in log if x.rule == "fatigue"]
    assert len(a) == 1 and phrase in a[0].explanation and row(new, 1)["kind"] == "easy"
    _, log = adapt(plan(WEEK), Signals(today=MON, done=done(0), **{field: fine}))
    assert not [x for x in log if x.rule == "fatigue"]


def test_hr_flag_and_hrv_alarm_are_calibrated_not_5_bpm() -> None:
    noisy = [(_day(-2).date(), 9.0, 0.9), (_day(-1).date(), 8.0, 0.8)]  # 8-9 bpm, < 1 SD
    _, log = adapt(plan(WEEK), Signals(today=MON, done=done(-2, -1), hr_residuals=noisy))
    assert not [x for x in log if x.rule == "fatigue"]
    high = [(d, r, HR_FLAG_Z + 0.1) for d, r, _ in noisy]
    _, log = adapt(plan(WEEK), Signals(today=MON, done=done(-2, -1), hr_residuals=high))
    assert "1.5 × your HR-model SD" in [x for x in log if x.rule == "fatigue"][0].explanation
    # band 3.70-3.95 is baseline 3.825 ± 0.5 SD (SD 0.25): 3.65 is under the band, not 1 SD under
    swc = Signals(today=MON, done=done(0), hrv_7d=3.65, hrv_band=(3.70, 3.95), hrv_status="below")
    assert not [x for x in adapt(plan(WEEK), swc)[1] if x.rule == "fatigue"]


# --------------------------------------------------------- feedback changes what comes next


def test_rpe_9_feel_1_for_todays_run_changes_the_next_sessions_not_today() -> None:
    s = _signals(feedback=[{"date": MON, "rpe": 9.0, "feel": 1.0}])
    assert MON in set(s.done["date"]), "a logged RPE without a file counts the session as done"
    assert s.feel == 1.0
    new, log = adapt(plan(WEEK), s)
    assert row(new, 0)["status"] != "changed" and row(new, 0)["distance_m"] == 8000.0
    assert row(new, 1)["kind"] == "easy"  # Tuesday's hills
    assert [a.rule for a in log] == ["fatigue"]


def test_a_missed_session_logged_with_an_rpe_of_0_is_not_done() -> None:
    s = _signals(feedback=[{"date": MON, "rpe": 0.0, "missed_reason": "work"}])
    assert MON not in set(s.done["date"])


# --------------------------------------------------------- the same evidence is answered once


def test_a_logged_rpe_is_not_answered_again_after_the_day_was_rewritten() -> None:
    tired = Signals(today=MON, done=done(0), rpe_vs_plan=[(MON.date(), 6.0)])
    once, log = adapt(plan(WEEK), tired)
    keys = answered_keys(a.evidence for a in log)
    assert keys == {"rpe:2024-03-04"}
    rewritten = once.copy()  # another rule (week_review, return_to_run) rewrote Tuesday
    i = rewritten.index[rewritten["date"] == _day(1)][0]
    rewritten.loc[i, ["kind", "purpose", "steps"]] = ["easy", "Return to run: easy", "[]"]
    rewritten.loc[i, "distance_m"] = 5000.0
    _, log = adapt(rewritten, Signals(**{**tired.__dict__, "answered": keys}))
    assert not [a for a in log if a.rule == "fatigue"]


def test_a_state_is_answered_once_a_day_however_often_the_rules_run() -> None:
    s = Signals(today=MON, done=done(0), sleep_h=5.0)
    first, log = adapt(plan(WEEK), s)
    assert len(log) == 1
    second, log = adapt(first, s)
    assert log == [] and json.loads(row(first, 1)["steps"])[0]["answers"] == ["sleep_h:2024-03-04"]
    _, log = adapt(second, Signals(today=_day(1), done=done(0, 1), sleep_h=5.0))
    assert len(log) == 1 and math.isfinite(row(second, 2)["distance_m"])

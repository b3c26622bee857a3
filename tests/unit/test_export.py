"""Plan exports: .ics, CSV, JSON and FIT workout files, each read back by an independent reader."""

from __future__ import annotations

import io
import json
from datetime import date, timedelta

import fitdecode
import pandas as pd
import pytest
from icalendar import Calendar

from coachkit.coach import Fitness, Goal, PlanBuilder, to_csv, to_fit_workouts, to_ics, to_json
from coachkit.coach.export import FIT_HR_OFFSET, fit_workout
from coachkit.core.schemas import PLAN_COLUMNS
from coachkit.features.thresholds import Threshold, Thresholds

START = date(2027, 1, 4)
THR = Thresholds(
    Threshold(190.0, "set by athlete"),
    Threshold(50.0, "estimated: test"),
    Threshold(170.0, "set by athlete"),
    Threshold(4.0, "estimated: test"),
)


@pytest.fixture(scope="module")
def plan():
    goal = Goal(race_distance_m=21097.5, race_date=START + timedelta(days=16 * 7 - 1))
    return PlanBuilder(goal).build(Fitness(40.0, 30.0, 12000.0, THR), START, athlete_id="a1")


def runs(plan) -> pd.DataFrame:
    return plan.workouts[plan.workouts["kind"] != "rest"]


def decode(data: bytes) -> list[tuple[str, dict]]:
    with fitdecode.FitReader(io.BytesIO(data), check_crc=fitdecode.CrcCheck.RAISE) as reader:
        return [
            (frame.name, {f.name: f.value for f in frame.fields})
            for frame in reader
            if isinstance(frame, fitdecode.FitDataMessage)
        ]


def test_ics_has_one_all_day_event_per_run(plan) -> None:
    cal = Calendar.from_ical(to_ics(plan))
    events = list(cal.walk("VEVENT"))
    expected = runs(plan)
    assert len(events) == len(expected)
    first, row = events[0], expected.iloc[0]
    assert first.decoded("dtstart") == pd.Timestamp(row["date"]).date()  # a date: all-day
    assert first.decoded("dtend") == pd.Timestamp(row["date"]).date() + timedelta(days=1)
    assert str(first["summary"]).startswith("Easy run")
    assert row["purpose"] in str(first["description"])
    race = events[-1]
    assert str(race["summary"]) == "Race 21.1 km"
    assert len({str(e["uid"]) for e in events}) == len(events)
    assert to_ics(plan) == to_ics(plan)  # no clock inside


def test_ics_description_lists_the_structured_steps(plan) -> None:
    cal = Calendar.from_ical(to_ics(plan))
    intervals = next(e for e in cal.walk("VEVENT") if str(e["summary"]).startswith("Intervals"))
    text = str(intervals["description"])
    assert "Warmup 2.0 km" in text and " × (Active " in text and "Cooldown 1.5 km" in text


def test_csv_round_trips_the_plan_workouts_columns(plan) -> None:
    back = pd.read_csv(io.StringIO(to_csv(plan)))
    assert list(back.columns) == list(PLAN_COLUMNS)
    assert len(back) == len(plan.workouts)
    assert back["date"].iloc[0] == START.isoformat()
    assert back["distance_m"].sum() == pytest.approx(plan.workouts["distance_m"].sum())


def test_json_holds_phases_rules_and_parsed_steps(plan) -> None:
    doc = json.loads(to_json(plan))
    assert doc["plan_id"] == plan.plan_id
    assert [p["name"] for p in doc["phases"]] == ["base", "build", "peak", "taper"]
    assert len(doc["workouts"]) == len(plan.workouts)
    assert isinstance(doc["workouts"][0]["steps"], list)
    assert doc["goal"]["race_date"] == plan.goal.race_date.isoformat()
    assert doc["workouts"][3]["pace_low_s_per_km"] is None  # a rest day: NaN becomes null


def test_fit_files_decode_with_one_workout_per_run(plan) -> None:
    files = to_fit_workouts(plan)
    assert sorted(files) == sorted(pd.Timestamp(d).date() for d in runs(plan)["date"])
    for data in files.values():
        messages = decode(data)
        file_id = dict(messages)["file_id"]
        workout = dict(messages)["workout"]
        steps = [m for name, m in messages if name == "workout_step"]
        assert file_id["type"] == "workout"
        assert workout["sport"] == "running"
        assert workout["num_valid_steps"] == len(steps)
    assert to_fit_workouts(plan) == files  # deterministic bytes


def test_fit_interval_workout_round_trips_steps_durations_and_pace_targets(plan) -> None:
    row = plan.workouts[plan.workouts["kind"] == "intervals"].iloc[0]
    planned = json.loads(row["steps"])
    steps = [m for name, m in decode(to_fit_workouts(plan)[pd.Timestamp(row["date"]).date()])
             if name == "workout_step"]  # fmt: skip
    warmup, rep, jog, repeat, cooldown = steps
    reps = planned[1]
    assert warmup["intensity"] == "warmup" and cooldown["intensity"] == "cooldown"
    assert warmup["duration_type"] == "distance"
    assert warmup["duration_distance"] == pytest.approx(planned[0]["distance_m"])
    assert rep["duration_distance"] == pytest.approx(reps["steps"][0]["distance_m"])
    assert jog["duration_type"] == "time"
    assert jog["duration_time"] == pytest.approx(reps["steps"][1]["duration_s"])
    assert repeat["duration_type"] == "repeat_until_steps_cmplt"
    assert repeat["duration_step"] == 1 and repeat["repeat_steps"] == reps["times"]
    assert rep["target_type"] == "speed"
    assert rep["custom_target_speed_low"] == pytest.approx(
        1000.0 / row["pace_high_s_per_km"], abs=1e-3
    )
    assert rep["custom_target_speed_high"] == pytest.approx(
        1000.0 / row["pace_low_s_per_km"], abs=1e-3
    )


def test_fit_heart_rate_and_open_targets() -> None:
    steps = json.dumps([
        {"type": "active", "target": "E", "duration_s": 1800.0, "hr_low": 128, "hr_high": 151},
        {"type": "active", "target": "hill", "duration_s": 60.0},
    ])  # fmt: skip
    hr_step, open_step = [
        m for n, m in decode(fit_workout(steps, "HR run", START)) if n == "workout_step"
    ]
    assert hr_step["target_type"] == "heart_rate" and hr_step["duration_time"] == 1800.0
    assert hr_step["custom_target_heart_rate_low"] - FIT_HR_OFFSET == 128
    assert hr_step["custom_target_heart_rate_high"] - FIT_HR_OFFSET == 151
    assert open_step["target_type"] == "open" and open_step["duration_time"] == 60.0

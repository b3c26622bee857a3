"""Plan exports: iCalendar (.ics), CSV, JSON and FIT workout files for watches.

All of them read the plan's ``workouts`` frame (the plan_workouts columns of docs/design.md §3), so a
plan loaded back from the store exports the same way. Output is deterministic: timestamps come
from the workout dates, never the clock.

FIT workout files follow the Garmin FIT profile (file_id type ``workout``, one ``workout``
message with sport running, one ``workout_step`` per step; a repeat is a step of duration type
``repeat_until_steps_cmplt`` pointing back at its first child). Custom HR targets are stored as
bpm + 100, the profile's convention (values 0–100 mean % of HRmax); speeds in m/s.
"""

from __future__ import annotations

import hashlib
import json
import math
from datetime import date, datetime, time, timedelta, timezone
from typing import TYPE_CHECKING, Any

import pandas as pd

from coachkit.coach.workouts import fmt_band
from coachkit.core.extras import require
from coachkit.core.units import format_distance, format_hms

if TYPE_CHECKING:
    from coachkit.coach.plan import Plan

FIT_HR_OFFSET = 100  # FIT profile: custom HR target > 100 means bpm + 100
_SUMMARY = {
    "rest": "Rest",
    "recovery": "Recovery run",
    "easy": "Easy run",
    "long": "Long run",
    "tempo": "Tempo",
    "intervals": "Intervals",
    "hills": "Hills",
    "strides": "Easy + strides",
    "race": "Race",
}


def _runs(plan: Plan) -> pd.DataFrame:
    return plan.workouts[plan.workouts["kind"] != "rest"]


def _day(value: Any) -> date:
    return pd.Timestamp(value).date()


def steps_text(steps_json: str, units: str = "km") -> str:
    """The structured steps as readable lines ("Warm-up 2.0 km at 5:51–6:59/km")."""

    def line(s: dict[str, Any]) -> str:
        size = (
            format_distance(s["distance_m"], units)
            if "distance_m" in s
            else format_hms(s.get("duration_s", 0.0))
        )
        pace = ""
        if "pace_low_s_per_km" in s:
            pace = f" at {fmt_band((s['pace_low_s_per_km'], s['pace_high_s_per_km']), units)}"
        hr = f", HR {s['hr_low']}–{s['hr_high']} bpm" if "hr_low" in s else ""
        return f"{s['type'].capitalize()} {size}{pace}{hr}"

    out = []
    for s in json.loads(steps_json):
        if s["type"] == "repeat":
            out.append(f"{s['times']} × (" + "; ".join(line(c) for c in s["steps"]) + ")")
        else:
            out.append(line(s))
    return "\n".join(out)


def to_ics(plan: Plan) -> bytes:
    """An iCalendar file with one all-day event per run (rest days left out).

    Each event's summary is the kind and distance; its description is the purpose sentence and
    the structured steps.
    """
    require("icalendar", "The calendar (.ics) export")  # a clear message when it is missing
    from icalendar import Calendar, Event

    cal = Calendar()
    cal.add("prodid", "-//coachkit//plan//EN")
    cal.add("version", "2.0")
    cal.add("x-wr-calname", f"coachkit {plan.plan_id}")
    stamp = datetime.combine(_day(plan.workouts["date"].min()), time(), tzinfo=timezone.utc)
    for row in _runs(plan).itertuples():
        day = _day(row.date)
        event = Event()
        event.add("uid", f"{plan.plan_id}-{day.isoformat()}@coachkit")
        event.add("dtstamp", stamp)
        event.add("dtstart", day)
        event.add("dtend", day + timedelta(days=1))
        event.add("summary", f"{_SUMMARY[row.kind]} {format_distance(row.distance_m, plan.units)}")
        event.add("description", f"{row.purpose}\n\n{steps_text(row.steps, plan.units)}")
        cal.add_component(event)
    return cal.to_ical()


def to_csv(plan: Plan) -> str:
    """The plan_workouts frame as CSV (dates ISO, SI units)."""
    frame = plan.workouts.assign(date=[_day(d).isoformat() for d in plan.workouts["date"]])
    return frame.to_csv(index=False)


def to_json(plan: Plan) -> str:
    """The plan as JSON: id, goal, phases, rules, notes, weeks and the workouts (steps parsed)."""
    from dataclasses import asdict

    def clean(value: Any) -> Any:
        if isinstance(value, float) and not math.isfinite(value):
            return None
        if isinstance(value, (date, pd.Timestamp)):
            return _day(value).isoformat()
        return value

    workouts = [
        {k: (json.loads(v) if k == "steps" else clean(v)) for k, v in row.items()}
        for row in plan.workouts.to_dict("records")
    ]
    weeks = [{k: clean(v) for k, v in row.items()} for row in plan.weeks.to_dict("records")]
    doc = {
        "plan_id": plan.plan_id,
        "athlete_id": plan.athlete_id,
        "goal": {k: clean(v) for k, v in asdict(plan.goal).items()},
        "phases": [
            {"name": p.name, "start": p.start.isoformat(), "end": p.end.isoformat()}
            for p in plan.phases
        ],
        "rules": plan.rules,
        "notes": list(plan.notes),
        "units": plan.units,
        "weeks": weeks,
        "workouts": workouts,
    }
    return json.dumps(doc, indent=1, default=str)


def _fit_step(index: int, s: dict[str, Any]) -> Any:
    from fit_tool.profile.messages.workout_step_message import WorkoutStepMessage
    from fit_tool.profile.profile_type import Intensity, WorkoutStepDuration, WorkoutStepTarget

    intensity = {
        "warmup": Intensity.WARMUP,
        "cooldown": Intensity.COOLDOWN,
        "recovery": Intensity.RECOVERY,
    }.get(s["type"], Intensity.ACTIVE)
    m = WorkoutStepMessage()
    m.message_index = index
    m.workout_step_name = f"{s['type']} {s.get('target', '')}".strip()
    m.intensity = intensity
    if "distance_m" in s:
        m.duration_type = WorkoutStepDuration.DISTANCE
        m.duration_distance = float(s["distance_m"])
    else:
        m.duration_type = WorkoutStepDuration.TIME
        m.duration_time = float(s.get("duration_s", 0.0))
    if "pace_low_s_per_km" in s:  # pace leads; the FIT step has room for one target
        m.target_type = WorkoutStepTarget.SPEED
        m.target_speed_zone = 0
        m.custom_target_speed_low = 1000.0 / s["pace_high_s_per_km"]
        m.custom_target_speed_high = 1000.0 / s["pace_low_s_per_km"]
    elif "hr_low" in s:
        m.target_type = WorkoutStepTarget.HEART_RATE
        m.target_hr_zone = 0
        m.custom_target_heart_rate_low = int(s["hr_low"]) + FIT_HR_OFFSET
        m.custom_target_heart_rate_high = int(s["hr_high"]) + FIT_HR_OFFSET
    else:
        m.target_type = WorkoutStepTarget.OPEN
    return m


def fit_workout(steps_json: str, name: str, day: date, serial: int = 1) -> bytes:
    """One FIT workout file (bytes) from a plan row's structured steps."""
    from fit_tool.fit_file_builder import FitFileBuilder
    from fit_tool.profile.messages.file_id_message import FileIdMessage
    from fit_tool.profile.messages.workout_message import WorkoutMessage
    from fit_tool.profile.messages.workout_step_message import WorkoutStepMessage
    from fit_tool.profile.profile_type import FileType, Manufacturer, Sport, WorkoutStepDuration

    file_id = FileIdMessage()
    file_id.type = FileType.WORKOUT
    file_id.manufacturer = Manufacturer.DEVELOPMENT.value
    file_id.product = 0
    file_id.serial_number = serial
    midnight = datetime.combine(day, time(), tzinfo=timezone.utc)
    file_id.time_created = round(midnight.timestamp() * 1000)
    messages: list[Any] = []
    for s in json.loads(steps_json):
        if s["type"] != "repeat":
            messages.append(_fit_step(len(messages), s))
            continue
        first = len(messages)
        for child in s["steps"]:
            messages.append(_fit_step(len(messages), child))
        repeat = WorkoutStepMessage()
        repeat.message_index = len(messages)
        repeat.duration_type = WorkoutStepDuration.REPEAT_UNTIL_STEPS_CMPLT
        repeat.duration_step = first
        repeat.target_repeat_steps = int(s["times"])
        messages.append(repeat)
    workout = WorkoutMessage()
    workout.workout_name = name
    workout.sport = Sport.RUNNING
    workout.num_valid_steps = len(messages)
    builder = FitFileBuilder(auto_define=True, min_string_size=50)
    builder.add(file_id)
    builder.add(workout)
    builder.add_all(messages)
    return builder.build().to_bytes()


def to_fit_workouts(plan: Plan) -> dict[date, bytes]:
    """One FIT workout file per run of the plan, keyed by date (rest days have none)."""
    require("fit_tool", "The FIT workout export")
    serial = int(hashlib.sha256(plan.plan_id.encode()).hexdigest()[:8], 16)
    out: dict[date, bytes] = {}
    for row in _runs(plan).itertuples():
        day = _day(row.date)
        name = f"{_SUMMARY[row.kind]} {format_distance(row.distance_m, plan.units)}"
        out[day] = fit_workout(row.steps, name, day, serial)
    return out

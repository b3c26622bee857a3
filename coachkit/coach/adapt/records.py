"""What the adaptation rules read and what they write: :class:`Signals` and :class:`Adaptation`."""

from __future__ import annotations

import json
from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import date
from typing import Any

import pandas as pd

from coachkit.coach.checkin import CheckIn


@dataclass(frozen=True)
class Signals:
    """What is known on ``today``, built by the caller from the analysis tables.

    ``hr_residuals`` holds ``(day, residual_bpm, z)`` of recent runs, ``rpe_vs_plan`` holds
    ``(day, RPE - planned RPE)``, ``missed_today`` says the runner logged today's session as
    missed (it is then rescheduled at once, not the next day), ``risk`` is ``RiskAssessment.to_dict()``, ``done`` the runs
    up to today (``date`` plus ``distance_m``/``duration_s``/``avg_hr``), ``vdot_plan`` the VDOT
    the plan's paces came from and ``vdot_now`` the current estimate.

    Last night and this morning (wellness dated ``today``): ``sleep_h``, ``sleep_score`` (0-100),
    ``stress`` (Garmin's day average, 0-100), ``readiness`` (Garmin training readiness, 0-100).
    Logged today: ``feel`` (1-5) and ``soreness`` (0-10). ``niggle_severity`` is the latest
    niggle report of the last 7 days (``niggle_date`` its day, ``niggle_high_date`` the last day
    at 3/10 or more), ``illness_date`` the last day logged ill (last 7 days). ``answered`` holds
    the keys of fatigue evidence an earlier adaptation already answered (e.g. ``rpe:2021-03-17``),
    and of check-in answers already reacted to (``checkin:2021-03-27``).

    ``checkin`` is the runner's answer to a check-in logged today (``ill``, ``injured``, ``busy``,
    ``travelling``, ``motivation``, ``other``), ``checkin_stretch`` the silent stretch before
    today it answers (a :class:`coachkit.coach.checkin.CheckIn`) and ``checkin_note`` its note.
    ``data_days`` are the days up to today with a run or any log (``None``: not known), so that a
    stretch without data is said as such, not read as rest.
    ``hr_heat`` maps the day of a recent run whose expected HR includes heat to ``(heat_bpm,
    temperature_c)``: the bpm the expectation added for the temperature the run recorded.
    """

    today: pd.Timestamp
    hr_residuals: list[tuple[date, float, float]] = field(default_factory=list)
    hr_heat: Mapping[date, tuple[float, float]] = field(default_factory=dict)
    hrv_status: str | None = None
    hrv_7d: float | None = None
    hrv_band: tuple[float, float] | None = None
    rhr_deviation_bpm: float | None = None
    sleep_h: float | None = None
    sleep_score: float | None = None
    stress: float | None = None
    readiness: float | None = None
    feel: float | None = None
    soreness: float | None = None
    niggle_severity: float | None = None
    niggle_date: date | None = None
    niggle_high_date: date | None = None
    illness_date: date | None = None
    answered: frozenset[str] = frozenset()
    rpe_vs_plan: list[tuple[date, float]] = field(default_factory=list)
    risk: Mapping[str, Any] | None = None
    done: pd.DataFrame = field(default_factory=lambda: pd.DataFrame(columns=["date"]))
    missed_reason: str | None = None
    missed_today: bool = False
    illness_days: int = 0
    days_since_last_run: int = 0
    vdot_now: float | None = None
    vdot_plan: float | None = None
    checkin: str | None = None
    checkin_stretch: CheckIn | None = None
    checkin_note: str | None = None
    data_days: frozenset[date] | None = None


@dataclass(frozen=True)
class Adaptation:
    """One logged change: ``rule``, ``evidence`` numbers, ``change`` before/after, ``explanation``."""

    date: pd.Timestamp
    rule: str
    evidence: dict
    change: dict
    explanation: str

    def to_record(self, athlete_id: str) -> dict[str, str]:
        """A row of the ``adaptations`` table (JSON columns as text; ``created_at`` is the caller's)."""
        return {
            "athlete_id": athlete_id,
            "date": self.date.date().isoformat(),
            "rule": self.rule,
            "evidence": json.dumps(self.evidence),
            "change": json.dumps(self.change),
            "explanation": self.explanation,
        }

"""What the adaptation rules know at the end of a day, built from the analysis tables.

One pure function, :func:`signals_from`, turns the frames known on ``today`` (activity table,
daily metrics, HR residuals, feedback, the risk assessment) into :class:`~coachkit.coach.adapt.Signals`.
The store path (:func:`coachkit.app.coach.signals_for`) and the day-by-day replay
(:mod:`coachkit.app.replay`) both call it, so the live coach and its back-test read the same
evidence the same way.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

import pandas as pd

from coachkit.coach.adapt import Signals
from coachkit.core.sports import RUN_SPORTS
from coachkit.core.values import plain

RECENT_DAYS = 14  # the window of HR residuals and RPE the fatigue rules look at

# planned effort per kind on Foster's CR-10, to compare logged RPE with (a convention: easy
# running "moderate" 3, long 4, tempo "hard" 6, intervals/hills 7, a race 9)
PLANNED_RPE = {
    "rest": 0.0,
    "recovery": 2.0,
    "easy": 3.0,
    "strides": 3.0,
    "long": 4.0,
    "tempo": 6.0,
    "hills": 7.0,
    "intervals": 7.0,
    "race": 9.0,
}


def signals_from(
    today: Any,
    *,
    table: pd.DataFrame,
    daily: pd.DataFrame,
    residuals: pd.DataFrame,
    feedback: pd.DataFrame,
    plan: pd.DataFrame,
    risk: Mapping[str, Any] | None = None,
    vdot_plan: float | None = None,
) -> Signals:
    """The :class:`Signals` of the end of ``today`` from frames that hold nothing later.

    Parameters
    ----------
    today
        The day the rules run for.
    table
        The activity table (:func:`coachkit.app.athlete.activity_table`) up to ``today``.
    daily
        Daily metrics (:func:`coachkit.app.athlete.daily_metrics`) up to ``today``; its last row
        gives HRV, resting HR and VDOT.
    residuals
        HR residuals (:func:`coachkit.app.athlete.hr_residuals`) of runs up to ``today``.
    feedback
        Feedback known at the end of ``today``.
    plan
        The current ``plan_workouts``, for the planned RPE of each day.
    risk
        ``RiskAssessment.to_dict()`` of ``today``.
    vdot_plan
        The VDOT the plan's paces came from.
    """
    when = pd.Timestamp(today).normalize()
    last = daily.iloc[-1] if len(daily) else pd.Series(dtype=object)
    recent = when - pd.Timedelta(days=RECENT_DAYS)
    res = residuals[residuals["date"] > recent]
    fb = feedback[feedback["date"] > recent]
    planned = plan.set_index("date")["kind"] if len(plan) else pd.Series(dtype=object)
    rpe_vs_plan = [
        (d.date(), float(r) - PLANNED_RPE.get(planned.get(d, "easy"), 3.0))
        for d, r in zip(fb["date"], fb["rpe"])
        if pd.notna(r)
    ]
    runs = table[table["sport"].isin(RUN_SPORTS)]
    last_run = runs["date"].max() if len(runs) else None
    illness = fb[fb["illness"].fillna(False).astype(bool)]["date"].nunique() if len(fb) else 0
    missed = fb["missed_reason"].dropna()
    missed_today = bool(len(missed)) and bool((fb.loc[missed.index, "date"] == when).any())
    band = (last.get("swc_low"), last.get("swc_high"))
    return Signals(
        today=when,
        hr_residuals=[
            (d.date(), float(r), float(z))
            for d, r, z in zip(res["date"], res["residual"], res["z"])
            if pd.notna(r)
        ],
        hrv_status=plain(last.get("hrv_status")),
        hrv_7d=plain(last.get("ln_rmssd_7d")),
        hrv_band=tuple(float(b) for b in band) if all(pd.notna(b) for b in band) else None,
        rhr_deviation_bpm=plain(last.get("rhr_deviation")),
        rpe_vs_plan=rpe_vs_plan,
        risk=risk,
        done=runs[["date", "distance_m", "moving_time_s", "avg_hr"]].rename(
            columns={"moving_time_s": "duration_s"}
        ),
        missed_reason=str(missed.iloc[-1]) if len(missed) else None,
        missed_today=missed_today,
        illness_days=int(illness),
        days_since_last_run=int((when - last_run).days) if pd.notna(last_run) else 0,
        vdot_now=plain(last.get("vdot_90d")),
        vdot_plan=plain(vdot_plan),
    )


__all__ = ["PLANNED_RPE", "signals_from"]

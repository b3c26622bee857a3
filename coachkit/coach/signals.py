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
from coachkit.coach.adapt.niggle import NIGGLE_DAYS
from coachkit.coach.checkin import PlannedDay, silent_stretch
from coachkit.core.sports import RUN_SPORTS
from coachkit.core.values import finite, plain
from coachkit.models.risk_factors import NIGGLE_MIN

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
    wellness: pd.DataFrame | None = None,
    answered: frozenset[str] = frozenset(),
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
    wellness
        Wellness rows (docs/design.md §3) up to ``today``: the row of ``today`` gives last
        night's sleep and the morning's Garmin stress and training readiness.
    answered
        Keys of fatigue evidence already answered by an earlier adaptation
        (:func:`coachkit.coach.adapt.fatigue.answered_keys` of the adaptation log).
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
    # the break that today's run ends counts too: back on Monday after three weeks is a break
    before = runs["date"][runs["date"].dt.normalize() < when] if len(runs) else runs["date"]
    last_run = before.max() if len(before) else None
    illness = fb[fb["illness"].fillna(False).astype(bool)]["date"].nunique() if len(fb) else 0
    missed = fb["missed_reason"].dropna()
    missed_today = bool(len(missed)) and bool((fb.loc[missed.index, "date"] == when).any())
    band = (last.get("swc_low"), last.get("swc_high"))
    morning = _morning(wellness, when)
    said = fb[fb["date"] == when]
    checkin = _checkin_answer(when, runs, feedback, plan)
    if checkin.get("checkin") == "ill":  # the silent days were days ill: the illness rule
        illness = max(int(illness), checkin["checkin_stretch"].no_data_days)
    return Signals(
        today=when,
        hr_residuals=[
            (d.date(), float(r), float(z))
            for d, r, z in zip(res["date"], res["residual"], res["z"])
            if pd.notna(r)
        ],
        hr_heat=_heat_of_runs(res),
        hrv_status=plain(last.get("hrv_status")),
        hrv_7d=plain(last.get("ln_rmssd_7d")),
        hrv_band=tuple(float(b) for b in band) if all(pd.notna(b) for b in band) else None,
        rhr_deviation_bpm=plain(last.get("rhr_deviation")),
        rpe_vs_plan=rpe_vs_plan,
        risk=risk,
        done=_done(runs, feedback, plan),
        missed_reason=str(missed.iloc[-1]) if len(missed) else None,
        missed_today=missed_today,
        illness_days=int(illness),
        days_since_last_run=days_off(when, last_run, ran_today=len(before) < len(runs)),
        vdot_now=plain(last.get("vdot_90d")),
        vdot_plan=plain(vdot_plan),
        sleep_h=morning.get("sleep_h"),
        sleep_score=morning.get("sleep_score"),
        stress=morning.get("stress"),
        readiness=morning.get("readiness"),
        feel=_last(said, "feel"),
        soreness=_last(said, "soreness"),
        **_niggle_and_illness(feedback, when),
        **checkin,
        data_days=frozenset(
            d.date()
            for d in pd.to_datetime(pd.concat([runs["date"], feedback["date"]])).dt.normalize()
            if d <= when
        ),
        answered=frozenset(answered),
    )


def _checkin_answer(
    when: pd.Timestamp, runs: pd.DataFrame, feedback: pd.DataFrame, plan: pd.DataFrame
) -> dict[str, Any]:
    """The check-in answer logged on ``when`` (the last one), its note, and the silent stretch
    before ``when`` it answers (:func:`coachkit.coach.checkin.silent_stretch`); empty when
    nothing was answered that day."""
    if "checkin" not in feedback or not len(feedback):
        return {}
    said = feedback[(feedback["date"] == when) & feedback["checkin"].notna()]
    if not len(said):
        return {}
    days = pd.to_datetime(pd.concat([runs["date"], feedback["date"]])).dt.normalize()
    active = {d.date() for d in days if d < when}
    planned = [
        PlannedDay(
            pd.Timestamp(r["date"]).date(),
            str(r.get("kind")),
            finite(r.get("distance_m")),
            finite(r.get("duration_s")),
            str(r.get("status") or "planned"),
        )
        for r in plan.to_dict("records")
    ]
    stretch = silent_stretch(when.date(), planned, active)
    if stretch is None:
        return {}
    note = said["note"].dropna() if "note" in said else pd.Series(dtype=object)
    return {
        "checkin": str(said["checkin"].iloc[-1]),
        "checkin_stretch": stretch,
        "checkin_note": str(note.iloc[-1]) if len(note) else None,
    }


def _last(rows: pd.DataFrame, col: str) -> float | None:
    """The last non-missing value of ``col`` in ``rows`` (``None`` when there is none)."""
    v = pd.to_numeric(rows[col], errors="coerce").dropna() if col in rows else pd.Series()
    return float(v.iloc[-1]) if len(v) else None


def _morning(wellness: pd.DataFrame | None, when: pd.Timestamp) -> dict[str, float | None]:
    """Sleep (h), sleep score, stress and readiness dated ``when`` (the night before it)."""
    if wellness is None or not len(wellness):
        return {}
    rows = wellness[pd.to_datetime(wellness["date"]).dt.normalize() == when]
    sleep_s = _last(rows, "sleep_s")
    return {
        "sleep_h": sleep_s / 3600.0 if sleep_s is not None else None,
        "sleep_score": _last(rows, "sleep_score"),
        "stress": _last(rows, "stress"),
        "readiness": _last(rows, "readiness"),
    }


def _niggle_and_illness(feedback: pd.DataFrame, when: pd.Timestamp) -> dict[str, Any]:
    """The last 7 days' niggle reports (latest severity, its day, the last day at >= 3/10) and
    the last day logged ill: what the ``niggle`` rule holds hard sessions back for."""
    since = when - pd.Timedelta(days=NIGGLE_DAYS)
    week = feedback[(feedback["date"] > since) & (feedback["date"] <= when)]
    sev = pd.to_numeric(week.get("niggle_severity"), errors="coerce")
    reports = week[sev.notna()] if len(week) else week
    high = reports[sev[sev.notna()] >= NIGGLE_MIN] if len(reports) else reports
    ill = week[week["illness"].fillna(False).astype(bool)] if len(week) else week
    return {
        "niggle_severity": _last(reports.sort_values("date", kind="stable"), "niggle_severity"),
        "niggle_date": reports["date"].max().date() if len(reports) else None,
        "niggle_high_date": high["date"].max().date() if len(high) else None,
        "illness_date": ill["date"].max().date() if len(ill) else None,
    }


def days_off(when: pd.Timestamp, last_run: Any, *, ran_today: bool) -> int:
    """Days without running up to ``when``: today counts unless the runner ran today (Sunday's
    run, then the next Sunday's, is 6 days off; three weeks off ended by a run today is 21)."""
    if last_run is None or pd.isna(last_run):
        return 0
    return max(int((when - pd.Timestamp(last_run).normalize()).days) - int(ran_today), 0)


def _done(runs: pd.DataFrame, feedback: pd.DataFrame, plan: pd.DataFrame) -> pd.DataFrame:
    """The runs done, plus each day with a logged RPE but no run file (a session done and rated
    is done): that day's planned distance and duration stand for it."""
    done = runs[["date", "distance_m", "moving_time_s", "avg_hr"]].rename(
        columns={"moving_time_s": "duration_s"}
    )
    rated = feedback[pd.to_numeric(feedback["rpe"], errors="coerce") > 0]
    if "missed_reason" in rated:
        rated = rated[rated["missed_reason"].isna()]
    days = set(pd.to_datetime(rated["date"]).dt.normalize()) - set(done["date"].dt.normalize())
    if not days:
        return done
    if not {"date", "distance_m", "duration_s"} <= set(plan.columns):
        plan = pd.DataFrame(columns=["date", "distance_m", "duration_s"])
    planned = plan.assign(date=pd.to_datetime(plan["date"]).dt.normalize()).set_index("date")
    extra = pd.DataFrame(
        [
            {
                "date": d,
                "distance_m": plain(planned["distance_m"].get(d)) if len(planned) else None,
                "duration_s": plain(planned["duration_s"].get(d)) if len(planned) else None,
                "avg_hr": None,
            }
            for d in sorted(days)
        ]
    )
    extra = extra.astype({"distance_m": float, "duration_s": float, "avg_hr": float})
    return pd.concat([done, extra], ignore_index=True).sort_values("date", kind="stable")


__all__ = ["PLANNED_RPE", "days_off", "signals_from"]


def _heat_of_runs(residuals: pd.DataFrame) -> dict[Any, tuple[float, float]]:
    """Day -> (heat_bpm, temperature_c) of the runs whose expected HR includes heat."""
    if "heat_bpm" not in residuals.columns:
        return {}
    hot = residuals[pd.to_numeric(residuals["heat_bpm"], errors="coerce").fillna(0.0) > 0]
    return {
        d.date(): (float(b), float(t))
        for d, b, t in zip(hot["date"], hot["heat_bpm"], hot["temperature_c"])
    }

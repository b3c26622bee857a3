"""A week of the coach reacting, on stated events: a missed key session, a fatigue signal and a
strong stretch (notebook 04 shows it; the tests check the same rules one by one).

Every event is stated in plain numbers, so the reader can see what the rules were told and
what they did with it. The runs of the week are the plan's own sessions, run as planned.
"""

from __future__ import annotations

from dataclasses import dataclass, replace
from typing import Any

import pandas as pd

from coachkit.coach.adapt import Adaptation, Signals, adapt, review_week
from coachkit.coach.signals import days_off
from coachkit.coach.workouts import HARD_KINDS

KEY = ("tempo", "intervals", "hills", "long")


@dataclass(frozen=True)
class Day:
    """One evening of the simulated week: what happened and what the coach changed."""

    date: pd.Timestamp
    event: str
    adaptations: tuple[Adaptation, ...]


def _done(plan: pd.DataFrame, days: list[pd.Timestamp]) -> pd.DataFrame:
    rows = plan[plan["date"].isin(days) & (plan["kind"] != "rest")]
    return pd.DataFrame(
        {
            "date": rows["date"],
            "distance_m": rows["distance_m"],
            "duration_s": rows["duration_s"],
            "avg_hr": 150.0,
        }
    )


def first_quality_week(workouts: pd.DataFrame) -> pd.Timestamp:
    """The Monday of the plan's first week with a tempo, intervals or hills session (else the
    first)."""
    days = pd.to_datetime(workouts["date"])
    hard = days[workouts["kind"].isin(("tempo", "intervals", "hills"))]
    day = hard.min() if len(hard) else days.min()
    return day - pd.Timedelta(days=day.day_of_week)


def simulate_week(
    workouts: pd.DataFrame, base: Signals, monday: Any = None, *, units: str = "km"
) -> tuple[pd.DataFrame, list[Day]]:
    """Run the rules over one Monday-Sunday week of ``workouts`` with three stated events.

    The week is ``monday``'s (default: :func:`first_quality_week`); every session of the plan
    before it counts as run as planned.

    1. The week's first key session (tempo, intervals, hills or long) is missed ("work trip").
    2. On the eve of the next hard session (else two days later): the last two runs 8 and 7
       bpm above the expected HR (z 1.8, 1.6: over the fatigue rule's 1.5 SD), and the 7-day
       lnRMSSD 1.2 SD under its baseline (band 3.70-3.95 when the athlete has no HRV baseline).
    3. Saturday: three runs 6 bpm (z -1.6) below the expected HR and a VDOT 1.5 above the plan's.

    Sunday evening the week is reviewed. Returns the plan after the week and one :class:`Day`
    per evening.
    """
    plan = workouts.assign(date=pd.to_datetime(workouts["date"]))
    mon = pd.Timestamp(monday).normalize() if monday is not None else first_quality_week(plan)
    week = [mon + pd.Timedelta(days=k) for k in range(7)]
    before = plan[(plan["date"] < mon) & (plan["kind"] != "rest")]
    plan.loc[before.index, "status"] = "done"
    this = plan[plan["date"].isin(week)]
    keys = this[this["kind"].isin(KEY)]
    missed = keys["date"].iloc[0] if len(keys) else mon + pd.Timedelta(days=1)
    tired = min(missed + pd.Timedelta(days=2), mon + pd.Timedelta(days=4))  # until re-planned
    band = base.hrv_band or (3.70, 3.95)
    vdot = base.vdot_plan or base.vdot_now or 45.0
    ran: list[pd.Timestamp] = list(before["date"])
    out: list[Day] = []
    for day in week:
        planned = plan[plan["date"] == day]
        kind = planned["kind"].iloc[0] if len(planned) else "rest"
        s = replace(
            base,
            today=day,
            vdot_plan=vdot,
            vdot_now=vdot,
            hr_residuals=[],
            hrv_status="within",
            hrv_7d=(band[0] + band[1]) / 2,
            hrv_band=band,
        )
        event = f"{kind} as planned"
        if day != missed and kind != "rest":
            ran.append(day)
        if day == missed:
            event = f"the {kind} is missed (work trip)"
            s = replace(s, missed_reason="work trip", missed_today=True)
        elif day == tired:
            last2 = [d.date() for d in ran if d <= day][-2:]
            s = replace(
                s,
                hr_residuals=list(zip(last2, (8.0, 7.0), (1.8, 1.6))),
                hrv_status="below",
                hrv_7d=round(band[0] - 0.7 * (band[1] - band[0]), 2),
            )
            event = "HR 8 and 7 bpm above expected on two runs in a row; HRV below its band"
        elif day.day_of_week == 5:
            s = replace(
                s, vdot_now=vdot + 1.5, hr_residuals=[(d.date(), -6.0, -1.6) for d in ran[-3:]]
            )
            vdot += 1.5  # the fitness estimate does not fall back overnight
            event = f"three runs 6 bpm below expected; VDOT {vdot + 1.5:.1f} (plan {vdot:.1f})"
        prior = [d for d in ran if d < day]  # the break today's run ends, as signals_from counts it
        since = (
            days_off(day, max(prior), ran_today=day in ran) if prior else base.days_since_last_run
        )
        s = replace(
            s,
            done=pd.concat([base.done, _done(plan, ran)], ignore_index=True),
            days_since_last_run=since,
        )
        plan, log = adapt(plan, s, units=units)
        if day == missed:  # the fatigue signal comes on the eve of the next hard session
            nxt = plan[
                (plan["date"] > day)
                & plan["kind"].isin(HARD_KINDS)
                & ~plan["status"].isin(("missed", "moved"))
            ]["date"]
            if len(nxt) and nxt.min() - pd.Timedelta(days=1) > day:
                tired = min(nxt.min() - pd.Timedelta(days=1), week[-2])
        if day.day_of_week == 6:
            plan, reviewed = review_week(plan, s.done, s, units=units)
            log = [*log, *reviewed]
            event += "; the week is reviewed"
        out.append(Day(day, event, tuple(log)))
    return plan, out


def week_log(days: list[Day]) -> pd.DataFrame:
    """One row per adaptation of a simulated week: date, event, rule, explanation."""
    rows = [
        {"date": d.date.date(), "event": d.event, "rule": a.rule, "explanation": a.explanation}
        for d in days
        for a in d.adaptations
    ] or [{"date": d.date.date(), "event": d.event, "rule": "", "explanation": ""} for d in days]
    return pd.DataFrame(rows)


def hard_back_to_back(workouts: pd.DataFrame) -> bool:
    """True when two hard sessions (that happen) fall on consecutive days."""
    live = workouts[~workouts["status"].isin(("missed", "moved"))].sort_values("date")
    hard = set(live.loc[live["kind"].isin(HARD_KINDS), "date"])
    return any(d + pd.Timedelta(days=1) in hard for d in hard)


__all__ = ["Day", "first_quality_week", "hard_back_to_back", "simulate_week", "week_log"]

"""Replay: walk an athlete's history day by day with only what was known on each day (docs/design.md §7).

Each morning the replay reads the day's prescription from the current plan; each evening it
runs the same adaptation rules as the live coach (:func:`coachkit.coach.adapt.adapt`, and the
weekly review on Sundays) on the signals known at the end of that day, through the same
:func:`coachkit.coach.signals.signals_from`. It never writes to the store: it is a back-test.

What "known on that day" means, component by component:

- runs, wellness and feedback: only rows dated up to the day (feedback also logged by then);
- loads: each week's runs are scored with the thresholds known at the end of the Sunday before
  (HRmax, LTHR, threshold pace estimated from earlier data only);
- CTL/ATL, HRV and resting-HR baselines, VDOT of 90 days, risk features: causal daily series,
  each day's value computed from that day and earlier ones;
- HR residuals: walked forward, each run compared with a model of the runs before it.

The plan is built from the fitness known on the eve of ``start`` (a race goal when given, else
a block of :data:`BLOCK_WEEKS` weeks towards 10 % more weekly volume) and rebuilt the same way
when a block ends, as a coach would write the next block.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from dataclasses import dataclass
from datetime import timedelta
from typing import TYPE_CHECKING, Any

import pandas as pd

from coachkit.core.schemas import PLAN_TARGETS
from coachkit.core.sports import RUN_SPORTS

if TYPE_CHECKING:
    from coachkit.app.athlete import AthleteData
    from coachkit.coach.plan import Goal
    from coachkit.store import Store

BLOCK_WEEKS = 12
VOLUME_STEP = 1.10  # a block's goal: 10 % more weekly volume than the last 4 weeks
MIN_GOAL_KM = 20.0

DAY_COLUMNS = (
    "date",
    "plan_id",
    "kind",
    *PLAN_TARGETS,
    "plan_status",
    "explanation",
    "actual_runs",
    "actual_distance_m",
    "actual_duration_s",
    "followed",
    "adaptation_rules",
    "adaptations",
    "notes",  # the runner's own notes of the day (feedback ``note``), shown as written
)


@dataclass(frozen=True)
class ReplayResult:
    """The days of a replay (one row each, :data:`DAY_COLUMNS`) and every adaptation logged."""

    athlete_id: str
    days: pd.DataFrame
    adaptations: pd.DataFrame

    def summary(self) -> dict[str, Any]:
        """Compliance and adaptation counts: how closely the runner followed the coach."""
        d = self.days
        run_days = d[~d["kind"].isin(("rest",))]
        ran = run_days["actual_runs"] > 0
        planned_m = float(run_days["distance_m"].fillna(0).sum())
        actual_m = float(d["actual_distance_m"].fillna(0).sum())
        return {
            "athlete_id": self.athlete_id,
            "days": len(d),
            "planned_run_days": len(run_days),
            "run_days_followed": int(ran.sum()),
            "run_day_compliance": round(float(ran.mean()), 3) if len(run_days) else None,
            "planned_km": round(planned_m / 1000, 1),
            "actual_km": round(actual_m / 1000, 1),
            "volume_ratio": round(actual_m / planned_m, 3) if planned_m else None,
            "adaptations": len(self.adaptations),
            "by_rule": self.adaptations["rule"].value_counts().to_dict()
            if len(self.adaptations)
            else {},
        }


def point_in_time_table(
    data: AthleteData, start: pd.Timestamp, end: pd.Timestamp
) -> tuple[pd.DataFrame, dict[pd.Timestamp, Any]]:
    """The activity table with each week's loads scored by the thresholds known before it.

    Activities before ``start`` use the thresholds of the eve of ``start``. Returns the table
    and the thresholds by week (keyed by the Monday; the first key is ``start``'s week).
    """
    from coachkit.app.athlete import table_with, thresholds_at

    acts = data.activities
    day = pd.Series(pd.NaT, index=acts.index, dtype="datetime64[ns]")
    if len(acts):
        from coachkit.core.localtime import local_day

        day = local_day(acts)
    monday = start - pd.Timedelta(days=start.day_of_week)
    by_week: dict[pd.Timestamp, Any] = {}
    parts = []
    week = monday
    first = True
    while week <= end:
        eve = (start if first else week) - pd.Timedelta(days=1)
        thr = thresholds_at(data, eve)
        by_week[week] = thr
        lo = pd.Timestamp.min if first else week
        rows = acts[(day >= lo) & (day < week + pd.Timedelta(days=7)) & (day <= end)]
        if len(rows):
            parts.append(table_with(data, rows.reset_index(drop=True), thr))
        week, first = week + pd.Timedelta(days=7), False
    if not parts:
        return table_with(data, acts.iloc[:0], thresholds_at(data, start)), by_week
    return pd.concat(parts, ignore_index=True), by_week


def _habit(runs: pd.DataFrame, day: pd.Timestamp) -> int:
    """Run days per week over the 4 weeks before ``day``, between 3 and 6."""
    recent = runs[(runs["date"] < day) & (runs["date"] >= day - pd.Timedelta(weeks=4))]
    return int(min(6, max(3, round(recent["date"].nunique() / 4))))


def _goal(table: pd.DataFrame, day: pd.Timestamp, race: Goal | None) -> Goal:
    from coachkit.coach.plan import Goal

    if race is not None and race.last_day >= day.date():
        return race
    runs = table[
        table["sport"].isin(RUN_SPORTS)
        & (table["date"] < day)
        & (table["date"] >= day - pd.Timedelta(weeks=4))
    ]
    weekly_km = float(runs["distance_m"].fillna(0).sum()) / 4000.0
    target = round(max(MIN_GOAL_KM, weekly_km * VOLUME_STEP), 1)
    return Goal(
        weekly_km_target=target, end_date=(day + timedelta(weeks=BLOCK_WEEKS, days=-1)).date()
    )


def replay(
    store: Store,
    athlete_id: str,
    start: Any,
    end: Any,
    *,
    race: Goal | None = None,
    days_per_week: int | None = None,
    long_run_day: str = "sun",
    unavailable_days: tuple[str, ...] = (),
    units: str = "km",
    progress: Callable[[int, int], None] | None = None,
) -> ReplayResult:
    """Replay the coach over ``start``..``end`` (inclusive) for one athlete of ``store``.

    Parameters
    ----------
    store, athlete_id
        Where the history is; nothing is written.
    start, end
        The first and last day replayed.
    race
        A race goal; by default (and after the race) blocks of :data:`BLOCK_WEEKS` weeks.
    days_per_week, long_run_day, unavailable_days, units
        As for ``coachkit plan create``; ``days_per_week`` defaults to the athlete's own habit
        (run days of the 4 weeks before each block, between 3 and 6).
    progress
        Called with ``(days done, days in all)``.
    """
    from coachkit.app.athlete import (
        AthleteData,
        hr_residuals,
        known_feedback,
        load_athlete,
        sample_features,
    )
    from coachkit.app.metrics import daily_metrics
    from coachkit.app.today import prescription
    from coachkit.coach.adapt import adapt, review_week
    from coachkit.coach.adapt.fatigue import answered_keys
    from coachkit.coach.plan import Fitness
    from coachkit.coach.plan_builder import PlanBuilder
    from coachkit.coach.signals import signals_from
    from coachkit.core.quality import trusted
    from coachkit.features.risk import risk_features
    from coachkit.models.risk_evidence import assess_row
    from coachkit.models.risk_personal import personal_risk

    first, last = pd.Timestamp(start).normalize(), pd.Timestamp(end).normalize()
    if last < first:
        raise ValueError(f"--to {last:%Y-%m-%d} is before --from {first:%Y-%m-%d}")
    full = load_athlete(store, athlete_id, as_of=last)
    table, by_week = point_in_time_table(full, first, last)
    view = AthleteData(
        athlete_id,
        full.activities,
        full.wellness,
        full.feedback,
        full.settings,
        full.samples,
        last,
        cache={**full.cache, "table": table, "thresholds": list(by_week.values())[-1]},
    )
    view.cache["efforts"] = sample_features(full)[1]
    daily = daily_metrics(view)
    residuals = hr_residuals(view)
    fb = full.feedback
    features = risk_features(
        table, full.wellness, fb, last, hr_residuals=residuals.set_index("activity_id")["residual"]
    )
    clean = trusted(table)
    runs = clean[clean["sport"].isin(RUN_SPORTS)]
    plan = pd.DataFrame()
    plan_end, plan_vdot, plan_id = None, None, ""
    personal, n_fb = None, -1
    rows, logs = [], []
    answered: frozenset[str] = frozenset()
    n_days = (last - first).days + 1
    for k in range(n_days):
        day = first + pd.Timedelta(days=k)
        if plan_end is None or day > plan_end:
            eve = day - pd.Timedelta(days=1)
            monday = day - pd.Timedelta(days=day.day_of_week)
            thr = by_week.get(monday, list(by_week.values())[0])
            known = table[table["date"] <= eve]
            fitness = Fitness.from_history(known, daily[daily["date"] <= eve], thr, eve)
            goal = _goal(table, day, race)
            per_week = days_per_week or _habit(runs, day)
            built = PlanBuilder(
                goal,
                days_per_week=per_week,
                long_run_day=long_run_day,
                unavailable_days=unavailable_days,
                units=units,
            ).build(fitness, day.date(), athlete_id=athlete_id)
            plan, plan_id = built.workouts.copy(), built.plan_id
            plan["date"] = pd.to_datetime(plan["date"])
            plan_end, plan_vdot = pd.Timestamp(goal.last_day), built.rules.get("vdot")
        today_row = plan[plan["date"] == day]
        p = prescription(today_row.iloc[0], units=units) if len(today_row) else {}
        known_fb = known_feedback(fb, day)
        if len(known_fb) != n_fb:
            past = features[features.index <= day]
            personal, n_fb = personal_risk(known_fb, past), len(known_fb)
        risk = (
            assess_row(day, features.loc[day].to_dict(), personal).to_dict()
            if day in features.index
            else None
        )
        signals = signals_from(
            day,
            table=table[table["date"] <= day],
            daily=daily[daily["date"] <= day],
            residuals=residuals[residuals["date"] <= day],
            feedback=known_fb,
            plan=plan,
            risk=risk,
            vdot_plan=plan_vdot,
            wellness=full.wellness[full.wellness["date"] <= day],
            answered=answered,
        )
        plan, changes = adapt(plan, signals, units=units)
        if day.day_of_week == 6:
            plan, reviewed = review_week(plan, signals.done, signals, units=units)
            changes = [*changes, *reviewed]
        did = runs[runs["date"] == day]
        answered = answered | answered_keys(
            c.evidence for c in changes if c.rule in ("fatigue", "checkin")
        )
        notes = known_fb[known_fb["date"] == day]["note"].dropna()
        rows.append(_day_row(day, plan_id, p, did, changes, " | ".join(map(str, notes))))
        logs.extend({**c.to_record(athlete_id), "plan_id": plan_id} for c in changes)
        if progress is not None:
            progress(k + 1, n_days)
    days = pd.DataFrame(rows, columns=list(DAY_COLUMNS))
    adaptations = pd.DataFrame(
        logs, columns=["athlete_id", "date", "rule", "evidence", "change", "explanation", "plan_id"]
    )
    return ReplayResult(athlete_id, days, adaptations)


def _day_row(
    day: pd.Timestamp,
    plan_id: str,
    p: dict[str, Any],
    did: pd.DataFrame,
    changes: list[Any],
    notes: str = "",
) -> dict[str, Any]:
    kind = p.get("kind", "")
    n = len(did)
    return {
        "date": f"{day:%Y-%m-%d}",
        "plan_id": plan_id,
        "kind": kind,
        **{c: p.get(c) for c in PLAN_TARGETS},
        "plan_status": p.get("status", ""),
        "explanation": p.get("explanation", ""),
        "actual_runs": n,
        "actual_distance_m": float(did["distance_m"].fillna(0).sum()) if n else 0.0,
        "actual_duration_s": float(did["moving_time_s"].fillna(0).sum()) if n else 0.0,
        "followed": (n > 0) == (kind not in ("rest", "")),
        "adaptation_rules": ";".join(c.rule for c in changes),
        "adaptations": " | ".join(c.explanation for c in changes),
        "notes": notes,
    }


def evidence_of(adaptations: pd.DataFrame) -> list[dict[str, Any]]:
    """The evidence JSON of each adaptation, parsed."""
    return [json.loads(e) for e in adaptations["evidence"]]


__all__ = ["BLOCK_WEEKS", "DAY_COLUMNS", "ReplayResult", "point_in_time_table", "replay"]

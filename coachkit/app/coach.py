"""Plans in the store: create one from the athlete's history, read the current version of each
day, write adaptations, and turn a day into today's prescription (docs/design.md §7, §9).

The seam between the pure coach (``coachkit.coach``) and the store
(:mod:`coachkit.store.plans`), which keeps every version of a day, so an adaptation never
overwrites what was planned before; the current plan is the latest version of each date of the
athlete's active plan.
"""

from __future__ import annotations

import json
from dataclasses import asdict
from functools import partial
from typing import TYPE_CHECKING, Any

import pandas as pd

from coachkit.app.today import active_plan, todays_prescription
from coachkit.core.schemas import PLAN_DAY_FIELDS
from coachkit.store import StoreError
from coachkit.store.plans import (
    adaptation_log,
    latest_workouts,
    save_active_plan,
    save_plan_changes,
    week_reviewed,
)

if TYPE_CHECKING:
    from coachkit.coach.plan import Goal, Plan
    from coachkit.store import Store


def create_plan(
    store: Store,
    athlete_id: str,
    goal: Goal,
    *,
    start: Any,
    days_per_week: int = 5,
    long_run_day: str = "sun",
    unavailable_days: tuple[str, ...] = (),
    units: str = "km",
    weekly_time_cap_s: float | None = None,
) -> Plan:
    """Build a plan from what is known at the end of the day before ``start`` and save it as the
    athlete's active plan."""
    from coachkit.app.athlete import activity_table, load_athlete, thresholds
    from coachkit.app.metrics import daily_metrics
    from coachkit.coach.feasibility import assess
    from coachkit.coach.plan import Fitness
    from coachkit.coach.plan_builder import PlanBuilder

    day = pd.Timestamp(start).normalize()
    data = load_athlete(store, athlete_id, as_of=day - pd.Timedelta(days=1))
    table = activity_table(data)
    fitness = Fitness.from_history(
        table, daily_metrics(data), thresholds(data), day - pd.Timedelta(days=1)
    )
    fitness = with_models(fitness, data, table, goal, day)
    builder = PlanBuilder(
        goal,
        days_per_week=days_per_week,
        long_run_day=long_run_day,
        unavailable_days=unavailable_days,
        weekly_time_cap_s=weekly_time_cap_s,
        units=units,
    )
    plan = builder.build(fitness, day.date(), athlete_id=athlete_id)
    plan.feasibility = assess(builder, fitness, day.date(), plan)
    save_plan(store, plan)
    return plan


def with_models(fitness: Any, data: Any, table: pd.DataFrame, goal: Goal, day: Any) -> Any:
    """``fitness`` with the race model's prediction for the goal distance (runs before ``day``)
    and the fitness-fatigue model of race-day form: the runner's fit when trustworthy, else
    the population prior (:class:`coachkit.coach.taper.FormModel`)."""
    from dataclasses import replace

    from coachkit.app.metrics import data_span
    from coachkit.app.progress import fitness_fit
    from coachkit.coach.taper import FormModel
    from coachkit.features.daily import daily_load
    from coachkit.models.fitness_prior import load_fitness_prior
    from coachkit.models.race import predict_race

    race = None
    if goal.is_race and goal.race_distance_m:
        try:
            race = predict_race(data.activities, distance_m=goal.race_distance_m, as_of=day)
        except ValueError:
            race = None
    recent = table[table["date"] > day - pd.Timedelta(weeks=8)]
    km = float(recent["distance_m"].fillna(0).sum()) / 1000.0
    per_km = float(recent["load"].fillna(0).sum()) / km if km > 0 else 0.0
    form = None
    try:
        form = FormModel.from_fit(fitness_fit(data), per_km)
    except ValueError:
        form = None
    span = data_span(data, table)
    if form is None and span is not None and per_km > 0:
        load = daily_load(
            data.activities, table[["activity_id", "load"]], start=span[0], end=span[1]
        )
        form = FormModel.from_prior(load_fitness_prior(), load, per_km)
    return replace(fitness, race=race, form=form)


def save_plan(store: Store, plan: Plan) -> None:
    """Store a plan as the athlete's only active plan (earlier plans are kept, inactive)."""
    goal = {
        k: (str(v) if v is not None and not isinstance(v, (int, float)) else v)
        for k, v in asdict(plan.goal).items()
    }
    meta = {
        "goal": goal,
        "units": plan.units,
        "rules": plan.rules,
        "notes": list(plan.notes),
        "phases": [[p.name, str(p.start), str(p.end)] for p in plan.phases],
        "feasibility": plan.feasibility,
    }
    rows = plan.workouts.assign(date=pd.to_datetime(plan.workouts["date"]).dt.strftime("%Y-%m-%d"))
    save_active_plan(store, plan.plan_id, plan.athlete_id, meta, rows)


def plan_frame(store: Store, athlete_id: str) -> pd.DataFrame:
    """The current plan: the latest version of each date of the active plan (docs/design.md §3)."""
    return latest_workouts(store, active_plan(store, athlete_id)["plan_id"])


def write_adaptations(
    store: Store,
    athlete_id: str,
    before: pd.DataFrame,
    after: pd.DataFrame,
    adaptations: list[Any],
    *,
    in_transaction: bool = False,
) -> int:
    """Store the changed days as new versions and log each adaptation; return rows changed.

    With ``in_transaction`` the caller already holds the store's write transaction."""
    compare = list(PLAN_DAY_FIELDS)
    old = before.set_index("date")
    changed = []
    for rec in after.to_dict("records"):
        prev = old.loc[rec["date"]] if rec["date"] in old.index else None
        same = prev is not None and all(
            (pd.isna(prev[c]) and pd.isna(rec.get(c))) or prev[c] == rec.get(c) for c in compare
        )
        if not same:
            version = int(prev["version"]) + 1 if prev is not None else 1
            changed.append(
                {**rec, "version": version, "date": pd.Timestamp(rec["date"]).strftime("%Y-%m-%d")}
            )
    save_plan_changes(
        store, athlete_id, pd.DataFrame(changed), adaptations, in_transaction=in_transaction
    )
    return len(changed)


def adaptations(store: Store, athlete_id: str) -> pd.DataFrame:
    """Every logged adaptation of the athlete, oldest first (docs/design.md §3)."""
    return adaptation_log(store, athlete_id)


def stored_plan(store: Store, athlete_id: str) -> Plan:
    """The active plan rebuilt as a :class:`~coachkit.coach.plan.Plan` for the exporters."""
    from coachkit.coach.plan import Goal, Phase, Plan

    meta = active_plan(store, athlete_id)
    g = meta["goal"]
    day = lambda v: pd.Timestamp(v).date() if v not in (None, "None") else None  # noqa: E731
    goal = Goal(
        race_distance_m=g.get("race_distance_m"),
        race_date=day(g.get("race_date")),
        target_time_s=g.get("target_time_s"),
        weekly_km_target=g.get("weekly_km_target"),
        end_date=day(g.get("end_date")),
    )
    phases = tuple(Phase(n, day(a), day(b)) for n, a, b in meta.get("phases", []))
    return Plan(
        meta["plan_id"],
        athlete_id,
        goal,
        phases,
        plan_frame(store, athlete_id),
        pd.DataFrame(),
        meta.get("rules", {}),
        tuple(meta.get("notes", [])),
        meta.get("units", "km"),
    )


def signals_for(store: Store, athlete_id: str, day: Any, plan: pd.DataFrame) -> Any:
    """Everything the adaptation rules need to know at the end of ``day`` (docs/design.md §7)."""
    from coachkit.app.athlete import activity_table, hr_residuals, load_athlete
    from coachkit.app.metrics import daily_metrics
    from coachkit.app.risk import risk_of
    from coachkit.coach.adapt.fatigue import answered_keys
    from coachkit.coach.signals import signals_from

    when = pd.Timestamp(day).normalize()
    # live: feedback for a day counts however late it was logged (``coachkit log --date``)
    data = load_athlete(store, athlete_id, as_of=when, known_then=False)
    plan_vdot = None
    try:
        plan_vdot = active_plan(store, athlete_id).get("rules", {}).get("vdot")
    except StoreError:
        pass
    return signals_from(
        when,
        table=activity_table(data),
        daily=daily_metrics(data),
        residuals=hr_residuals(data),
        feedback=data.feedback,
        plan=plan,
        risk=risk_of(data, plan=plan).to_dict(),
        vdot_plan=plan_vdot,
        wellness=data.wellness,
        answered=answered_keys(_fatigue_evidence(adaptation_log(store, athlete_id))),
    )


def _fatigue_evidence(log: pd.DataFrame) -> list[dict[str, Any]]:
    """The evidence of every logged ``fatigue`` and ``checkin`` adaptation (what it already
    answered)."""
    rows = log[log["rule"].isin(("fatigue", "checkin"))] if len(log) else log
    return [json.loads(e) if isinstance(e, str) else e for e in rows.get("evidence", [])]


def readapt(store: Store, athlete_id: str, day: Any) -> list[Any]:
    """Run the adaptation rules for the end of ``day`` against the current plan; on a Sunday
    also review the week (once per week), and on another day the last complete week when its
    Sunday passed without a review. Store and return the changes.

    Safe with several processes at once (one Voila kernel per viewer): the signals are read
    first, then the plan is re-read, adapted and written inside one write transaction, so two
    writers never both turn version N of a day into their own version N + 1.
    """
    from coachkit.coach.adapt import adapt, review_week, week_due

    units = active_plan(store, athlete_id).get("units", "km")
    signals = signals_for(store, athlete_id, day, plan_frame(store, athlete_id))
    when = pd.Timestamp(day).normalize()
    with store.transaction():
        before = plan_frame(store, athlete_id)
        after, changes = adapt(before, signals, units=units)
        due = week_due(when, plan_start(before), partial(week_reviewed, store, athlete_id))
        if due is not None:
            after, reviewed = review_week(after, signals.done, signals, units=units)
            changes = [*changes, *reviewed]
        write_adaptations(store, athlete_id, before, after, changes, in_transaction=True)
    return changes


class Coach:
    """The coach of the athletes of one store: plan, today's prescription, re-adaptation.

    A thin facade over this module for notebooks and scripts; "today" is always a parameter.

    Examples
    --------
    >>> coach = Coach(store)  # doctest: +SKIP
    >>> coach.today("demo", "2021-03-17", units="mi")["explanation"]  # doctest: +SKIP
    'Easy 2.1 mi at 9:45–11:37/mi (Daniels E pace for VDOT 32) ...'
    """

    def __init__(self, store: Store) -> None:
        self.store = store

    def plan(self, athlete_id: str, goal: Goal, *, start: Any, **options: Any) -> Plan:
        """Build and save a plan (:func:`create_plan`; options as there)."""
        return create_plan(self.store, athlete_id, goal, start=start, **options)

    def today(self, athlete_id: str, day: Any, *, units: str | None = None) -> dict[str, Any]:
        """The prescription of ``day``: kind, distance or duration, pace and HR targets in the
        athlete's units, the explanation and which layer (your data or population) drove it."""
        return todays_prescription(self.store, athlete_id, day, units=units)

    def adapt(self, athlete_id: str, day: Any) -> list[Any]:
        """Run the adaptation rules for the end of ``day``; store and return the changes."""
        return readapt(self.store, athlete_id, day)

    def adaptations(self, athlete_id: str) -> pd.DataFrame:
        """Every adaptation logged for the athlete, with its rule, evidence and explanation."""
        return adaptations(self.store, athlete_id)


def plan_window(
    store: Store, athlete_id: str, start: Any = None, race_date: Any = None, *, weeks: int = 13
) -> tuple[pd.Timestamp, pd.Timestamp]:
    """The first day of a new plan and its race day: ``start`` defaults to the day after the
    athlete's last activity, ``race_date`` to ``weeks`` weeks after the start (a race Sunday)."""
    if start is None:
        acts = store.activities(athlete_id)
        if acts.empty:
            raise StoreError(f"{athlete_id} has no activities yet: give the plan's start date")
        from coachkit.core.localtime import local_day

        start = local_day(acts).max() + pd.Timedelta(days=1)  # the athlete's day, not UTC's
    first = pd.Timestamp(start).normalize()
    if race_date is None:
        race_date = first + pd.Timedelta(weeks=weeks)
        race_date += pd.Timedelta(days=(6 - race_date.day_of_week) % 7)
    return first, pd.Timestamp(race_date).normalize()


def plan_start(workouts: pd.DataFrame) -> pd.Timestamp:
    """The first day of a plan frame (``Timestamp.max`` when it is empty)."""
    return (
        pd.Timestamp(pd.to_datetime(workouts["date"]).min()) if len(workouts) else pd.Timestamp.max
    )

"""The one way to an athlete's injury and overtraining risk, for every interface.

``coachkit risk``, the dashboard and the roster call :func:`athlete_risk`; the coach, which
has already loaded the athlete, calls :func:`risk_of`. Both assess the same inputs, so every
interface shows the same score and factors: the activity table, wellness and feedback, the
walked-forward HR residuals, and the active plan's sessions (a planned long-run spike shows
before it is run) and planned RPE (for "RPE above plan"). Replay walks the days itself with
point-in-time features (:mod:`coachkit.app.replay`).
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

import pandas as pd

from coachkit.app.athlete import AthleteData, activity_table, hr_residuals, load_athlete
from coachkit.store.plans import active_plan_meta, latest_workouts

if TYPE_CHECKING:
    from coachkit.store import Store


def plan_rpe(plan: pd.DataFrame) -> pd.Series:
    """The planned effort (CR-10) of each day of a plan, by date."""
    from coachkit.coach.signals import PLANNED_RPE

    return plan.set_index(pd.to_datetime(plan["date"]))["kind"].map(PLANNED_RPE).astype(float)


def athlete_risk(
    store: Store, athlete_id: str, *, as_of: Any = None, known_then: bool = True
) -> Any:
    """The risk assessment of ``as_of`` (default: the last day with data) for one athlete, with
    the active plan when there is one.

    ``known_then=False`` counts feedback for a day however late it was logged (the live
    dashboard); the default keeps only what was logged by the end of ``as_of``.
    """
    data = load_athlete(store, athlete_id, as_of=as_of, known_then=known_then)
    meta = active_plan_meta(store, athlete_id)
    plan = latest_workouts(store, meta["plan_id"]) if meta is not None else None
    return risk_of(data, plan=plan)


def risk_of(data: AthleteData, *, plan: pd.DataFrame | None = None) -> Any:
    """The risk assessment of frames already loaded (their activity table and HR residuals are
    reused, not computed again), with ``plan``'s sessions and planned RPE when given."""
    from coachkit.models.risk_evidence import assess_history

    table = activity_table(data)
    residuals = hr_residuals(data)
    day = data.as_of
    if day is None:
        days = pd.concat([table["date"], data.wellness["date"]]).dropna()
        day = days.max() if len(days) else pd.Timestamp.now().normalize()
    with_plan = plan is not None and len(plan) > 0
    assessment, _, _ = assess_history(
        table,
        data.wellness,
        data.feedback,
        day,
        planned=plan if with_plan else None,
        plan_rpe=plan_rpe(plan) if with_plan else None,
        hr_residuals=residuals.set_index("activity_id")["residual"],
    )
    return assessment

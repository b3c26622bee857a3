"""The one way to an athlete's injury and overtraining risk, for every interface.

The CLI, the coach, the dashboard, replay and the roster all call :func:`risk_assessment` (or
:func:`risk_of` with frames already loaded), so they all see the same score and factors: with
the walked-forward HR residuals, and with the plan's sessions and planned RPE when given.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

import pandas as pd

from coachkit.app.athlete import AthleteData, activity_table, hr_residuals, load_athlete

if TYPE_CHECKING:
    from coachkit.store import Store


def risk_assessment(
    store: Store,
    athlete_id: str,
    *,
    as_of: Any = None,
    planned: pd.DataFrame | None = None,
    plan_rpe: pd.Series | None = None,
    known_then: bool = True,
) -> Any:
    """The risk assessment of ``as_of`` (default: the last day with data) for one athlete,
    with HR-above-expected residuals from the HR response model as one of its inputs, and the
    plan's sessions (``planned``, so a planned spike is seen before it is run) and planned RPE
    by date (``plan_rpe``, for RPE above plan) when there is a plan."""
    data = load_athlete(store, athlete_id, as_of=as_of, known_then=known_then)
    return risk_of(data, planned=planned, plan_rpe=plan_rpe)


def risk_of(
    data: AthleteData, *, planned: pd.DataFrame | None = None, plan_rpe: pd.Series | None = None
) -> Any:
    """:func:`risk_assessment` of frames already loaded (their activity table and HR residuals
    are reused, not computed again)."""
    from coachkit.models.risk import assess_history

    table = activity_table(data)
    residuals = hr_residuals(data)
    day = data.as_of
    if day is None:
        days = pd.concat([table["date"], data.wellness["date"]]).dropna()
        day = days.max() if len(days) else pd.Timestamp.now().normalize()
    assessment, _, _ = assess_history(
        table,
        data.wellness,
        data.feedback,
        day,
        planned=planned,
        plan_rpe=plan_rpe,
        hr_residuals=residuals.set_index("activity_id")["residual"],
    )
    return assessment

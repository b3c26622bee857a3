"""The check-in service (issue 19): is one due, and the runner's answer to it.

:func:`checkin_for` reads the current plan, the counted runs and the feedback days of the last
weeks as plain rows (no pandas, so ``coachkit today`` stays light) and asks
:func:`coachkit.coach.checkin.silent_stretch`. :func:`answer_checkin` stores the answer as
feedback through :func:`coachkit.app.feedback.log_feedback`, the one path ``coachkit log`` and
the dashboard share, so the adaptation rules react at once (the ``checkin`` rule).
"""

from __future__ import annotations

from datetime import date, timedelta
from typing import TYPE_CHECKING, Any

from coachkit.app.today import active_plan, as_date, counted_runs
from coachkit.coach.checkin import LOOKBACK_DAYS, CheckIn, PlannedDay, silent_stretch
from coachkit.core.values import finite
from coachkit.store.plans import workouts_between

if TYPE_CHECKING:
    from coachkit.store import Store


def checkin_for(store: Store, athlete_id: str, day: Any) -> CheckIn | None:
    """The silent stretch before ``day`` (``None`` when the runner ran or logged on ``day``);
    its ``due`` says whether the coach asks. Raises ``StoreError`` without an active plan."""
    meta = active_plan(store, athlete_id)
    today = as_date(day)
    first = today - timedelta(days=LOOKBACK_DAYS)
    rows = workouts_between(store, meta["plan_id"], f"{first:%Y-%m-%d}", f"{today:%Y-%m-%d}")
    plan = [
        PlannedDay(
            date.fromisoformat(str(r["date"])[:10]),
            r["kind"],
            finite(r["distance_m"]),
            finite(r["duration_s"]),
            r["status"],
        )
        for r in rows
    ]
    active = {d for d, _ in counted_runs(store, athlete_id, first, today + timedelta(days=1))}
    logged = store.feedback_days(athlete_id, f"{first:%Y-%m-%d}", f"{today:%Y-%m-%d}")
    active |= {date.fromisoformat(str(d)[:10]) for d in logged}
    return silent_stretch(today, plan, active)


def answer_checkin(
    store: Store, athlete_id: str, day: Any, answer: str, *, note: str | None = None
) -> tuple[int, list[Any]]:
    """Log the runner's check-in ``answer`` for ``day`` and re-adapt the plan (``ill`` is
    logged as illness too); the feedback id and the adaptations, as
    :func:`coachkit.app.feedback.log_feedback` returns them."""
    from coachkit.app.feedback import log_feedback

    return log_feedback(store, athlete_id, day, checkin=answer, note=note)


__all__ = ["answer_checkin", "checkin_for"]

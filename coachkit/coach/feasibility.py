"""Is the goal realistic? One line at plan creation and on the dashboard.

The predicted race-day time with its 80 % interval (:func:`coachkit.coach.race_day.race_day`),
the longest run the plan reaches against what the distance needs, and, when it falls short,
what would make it realistic: a later date, a shorter race on the same date, or more days a
week (each checked by building that plan, with the same rules).
"""

from __future__ import annotations

import math
from dataclasses import replace
from datetime import date, timedelta
from typing import TYPE_CHECKING, Any

import numpy as np

from coachkit.core.units import MILE_M, format_hms

if TYPE_CHECKING:
    from coachkit.coach.plan import Fitness, Plan
    from coachkit.coach.plan_builder import PlanBuilder

# the longest run before race day a distance needs, as in Hal Higdon's novice programmes:
# 3 mi for a 5K, 6 mi for a 10K, 10 mi for a half and 20 mi for a marathon
LONG_NEEDED_M = (
    (5000.0, 3 * MILE_M),
    (10000.0, 6 * MILE_M),
    (21097.5, 10 * MILE_M),
    (42195.0, 20 * MILE_M),
)
ROUNDING_M = 50.0  # the plan's distances are rounded: a long run this close reaches the need
RACES_M = {"5 km": 5000.0, "10 km": 10000.0, "half marathon": 21097.5, "marathon": 42195.0}
LATER_WEEKS = (4, 8, 12, 16, 20, 26, 39, 52)  # later race dates tried


def long_needed_m(distance_m: float) -> float:
    """The longest training run ``distance_m`` needs (:data:`LONG_NEEDED_M`, interpolated)."""
    xs, ys = zip(*LONG_NEEDED_M)
    return float(np.interp(distance_m, xs, ys))


def longest_long_m(plan: Plan) -> float:
    """The longest run the plan reaches before race day (m)."""
    w = plan.workouts
    runs = w.loc[w["kind"] != "race", "distance_m"].fillna(0.0)
    return float(runs.max()) if len(runs) else 0.0


def assess(builder: PlanBuilder, current: Fitness, start: date, plan: Plan) -> dict[str, Any]:
    """The feasibility of ``plan``'s race goal: numbers, suggestions and one sentence."""
    goal = builder.goal
    out = dict(plan.feasibility)
    if not goal.is_race or goal.race_distance_m is None:
        return out
    d, last = goal.race_distance_m, goal.race_date
    reach, need = longest_long_m(plan), long_needed_m(d)
    out.update(
        long_run_reached_m=reach, long_run_needed_m=need, realistic=reach >= need - ROUNDING_M
    )
    quick = replace(current, form=None)

    def reaches(b: PlanBuilder) -> bool:
        plan_b = b.build_with_taper(quick, start, plan.athlete_id, None)
        return longest_long_m(plan_b) >= need - ROUNDING_M

    suggestions: list[str] = []
    if reach < need - ROUNDING_M:
        later = next(
            (
                last + timedelta(weeks=k)
                for k in LATER_WEEKS
                if reaches(replace_goal(builder, race_date=last + timedelta(weeks=k)))
            ),
            None,
        )
        if later is not None:
            out["later_date"] = later.isoformat()
            suggestions.append(f"race on or after {later.isoformat()}")
        shorter = [
            n for n, m in RACES_M.items() if m < d and long_needed_m(m) <= reach + ROUNDING_M
        ]
        if shorter:
            out["shorter_race"] = shorter[-1]
            suggestions.append(f"run a {shorter[-1]} on {last.isoformat()}")
        for n in range(builder.days_per_week + 1, 8):
            if reaches(replace_builder(builder, days_per_week=n)):
                out["more_days"] = n
                suggestions.append(f"run {n} days a week")
                break
    out["suggestions"] = suggestions
    out["sentence"] = sentence(out, d)
    return out


def replace_goal(builder: PlanBuilder, **goal: Any) -> PlanBuilder:
    """A copy of ``builder`` with goal fields replaced."""
    return replace_builder(builder, goal=replace(builder.goal, **goal))


def replace_builder(builder: PlanBuilder, **fields: Any) -> PlanBuilder:
    """A copy of ``builder`` with constructor fields replaced."""
    from coachkit.coach.plan_builder import PlanBuilder

    args = dict(
        days_per_week=builder.days_per_week,
        long_run_day=builder.long_run_day,
        unavailable_days=builder.unavailable_days,
        weekly_time_cap_s=builder.weekly_time_cap_s,
        units=builder.units,
    )
    goal = fields.pop("goal", builder.goal)
    return PlanBuilder(goal, **(args | fields))


def sentence(f: dict[str, Any], distance_m: float) -> str:
    """The feasibility line: prediction, long run reached vs needed, what would make it realistic."""
    name = next(
        (n for n, m in RACES_M.items() if abs(m - distance_m) < 1),
        f"{distance_m / 1000:.1f} km race",
    )
    secs, low, high = f.get("race_day_s"), f.get("low_s"), f.get("high_s")
    head = f"Predicted {name} on race day: {format_hms(secs)}" if secs else f"The {name}"
    if secs and low is not None and math.isfinite(low):
        head += f" (80 % range {format_hms(low)}–{format_hms(high)})"
    reach, need = f["long_run_reached_m"], f["long_run_needed_m"]
    body = f"the plan's longest run reaches {reach / 1000:.1f} km; a {name} needs about {need / 1000:.1f} km"
    if f["realistic"]:
        return f"{head}; {body}: realistic."
    fix = f["suggestions"]
    tail = (
        "to make it realistic, " + ", or ".join(fix)
        if fix
        else "no later date within a year, shorter race or extra day gets there"
    )
    return f"{head}; {body}: {tail}."


__all__ = ["LONG_NEEDED_M", "assess", "long_needed_m", "longest_long_m", "sentence"]

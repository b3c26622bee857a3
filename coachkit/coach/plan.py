"""A training plan's records: the :class:`Goal`, the runner's current :class:`Fitness`, the
built :class:`Plan` with its :class:`Phase` list, and its ``plan_workouts`` rows
(:func:`workout_row`, columns ``core.schemas.PLAN_COLUMNS``).

:class:`~coachkit.coach.plan_builder.PlanBuilder` turns a goal and a fitness into a plan.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field
from datetime import date
from typing import Any

import pandas as pd

from coachkit.coach import workouts as wk
from coachkit.coach.progression import CHRONIC_WEEKS
from coachkit.core.quality import counted
from coachkit.core.sports import RUN_SPORTS
from coachkit.core.units import format_distance
from coachkit.features.daniels import vdot
from coachkit.features.runsafe import LOOKBACK_DAYS
from coachkit.features.thresholds import Thresholds

# the population default threshold of features.thresholds (5:30/km, a ~55-min 10 km runner)
DEFAULT_VDOT = round(vdot(10000.0, 55 * 60.0), 1)
HISTORY_WEEKS = 6  # weekly_km_recent: mean of the last 6 weeks (the middle of 4–8)


@dataclass(frozen=True)
class Goal:
    """A race (distance and date, optional target time) or a weekly volume by an end date."""

    race_distance_m: float | None = None
    race_date: date | None = None
    target_time_s: float | None = None
    weekly_km_target: float | None = None
    end_date: date | None = None

    def __post_init__(self) -> None:
        race = self.race_distance_m is not None and self.race_date is not None
        volume = self.weekly_km_target is not None and self.end_date is not None
        if race == volume:
            raise ValueError(
                "A goal is a race (distance and date) or a weekly_km_target with "
                "an end_date: give one of the two."
            )

    @property
    def is_race(self) -> bool:
        """True for a race goal."""
        return self.race_date is not None

    @property
    def last_day(self) -> date:
        """The race date or the end date."""
        return self.race_date if self.race_date is not None else self.end_date  # type: ignore[return-value]


@dataclass(frozen=True)
class Fitness:
    """Current fitness from history: VDOT, recent weekly km, longest run of the last 30 days.

    ``weekly_km_4w`` is the mean weekly km of the last 4 weeks (the chronic load of the
    acute:chronic bound; ``None``: use ``weekly_km_recent``). ``race`` is the race model's
    prediction for the goal distance now (:func:`coachkit.models.race.predict_race`) and
    ``form`` the fitness-fatigue model that tells race-day form and the taper length
    (:class:`coachkit.coach.taper.FormModel`); without them the plan falls back on VDOT
    equivalence and Bosquet's 2-week taper, and says so.
    """

    vdot: float | None
    weekly_km_recent: float
    longest_run_30d_m: float
    thresholds: Thresholds | None = None
    notes: tuple[str, ...] = ()
    weekly_km_4w: float | None = None
    race: Any = None
    form: Any = None

    @classmethod
    def from_history(
        cls,
        activity_table: pd.DataFrame,
        daily_metrics: pd.DataFrame | None,
        thresholds: Thresholds | None,
        as_of: Any,
    ) -> Fitness:
        """Derive fitness as of the end of ``as_of`` from the activity table and daily metrics.

        VDOT is the last ``vdot_90d`` of the daily metrics (best effort of 90 days), else the
        best whole-run VDOT of the last 90 days (a lower bound), else :data:`DEFAULT_VDOT`.
        """
        day = pd.Timestamp(as_of).normalize().tz_localize(None)
        flags = activity_table.get("quality_flags", pd.Series("", index=activity_table.index))
        runs = activity_table[activity_table["sport"].isin(RUN_SPORTS) & counted(flags)]
        dates = pd.to_datetime(runs["date"])
        runs = runs[dates <= day]
        dates = dates[dates <= day]
        dist = runs["distance_m"].fillna(0.0)
        weekly = float(dist[dates > day - pd.Timedelta(weeks=HISTORY_WEEKS)].sum()) / 1000.0
        chronic = float(dist[dates > day - pd.Timedelta(weeks=CHRONIC_WEEKS)].sum()) / 1000.0
        longest = float(dist[dates > day - pd.Timedelta(days=LOOKBACK_DAYS)].max())
        longest = longest if math.isfinite(longest) else 0.0
        notes = [
            f"{weekly / HISTORY_WEEKS:.1f} km/week over the last {HISTORY_WEEKS} weeks "
            f"({chronic / CHRONIC_WEEKS:.1f} over the last {CHRONIC_WEEKS}) and a longest run of "
            f"{longest / 1000:.1f} km in the last 30 days."
        ]
        v = math.nan
        if daily_metrics is not None and "vdot_90d" in daily_metrics:
            dm = daily_metrics[pd.to_datetime(daily_metrics["date"]) <= day]["vdot_90d"].dropna()
            if len(dm):
                v = float(dm.iloc[-1])
                notes.append(f"VDOT {v:.1f} from your best effort of the last 90 days.")
        if not math.isfinite(v):
            recent = runs[(dates > day - pd.Timedelta(days=90)) & (runs["distance_m"] >= 3000)]
            whole = [vdot(d, t) for d, t in zip(recent["distance_m"], recent["moving_time_s"])]
            whole = [x for x in whole if math.isfinite(x)]
            if whole:
                v = max(whole)
                notes.append(
                    f"VDOT {v:.1f} from your fastest whole run of the last 90 days "
                    "(a lower bound: no race or best effort found)."
                )
        if not math.isfinite(v):
            v = DEFAULT_VDOT
            notes.append(
                f"No effort in the last 90 days: the population default VDOT "
                f"{v:.1f} (a 55-min 10 km) sets the paces until a run shows more."
            )
        return cls(
            v, weekly / HISTORY_WEEKS, longest, thresholds, tuple(notes), chronic / CHRONIC_WEEKS
        )


@dataclass(frozen=True)
class Phase:
    """One phase of the plan and its dates (inclusive)."""

    name: str
    start: date
    end: date


@dataclass
class Plan:
    """A built plan: phases, one plan_workouts row per date (docs/design.md §3), weekly summary, rules."""

    plan_id: str
    athlete_id: str
    goal: Goal
    phases: tuple[Phase, ...]
    workouts: pd.DataFrame
    weeks: pd.DataFrame
    rules: dict[str, float] = field(default_factory=dict)
    notes: tuple[str, ...] = ()
    units: str = "km"
    feasibility: dict[str, Any] = field(default_factory=dict)


def workout_row(
    d: date, w: wk.Workout | None, *, units: str = "km", n_runs: int = 0, volume_m: float = 0.0
) -> dict[str, Any]:
    """One day of ``plan_workouts`` (docs/design.md §3, without the plan's ids) for a workout or rest."""
    if w is None:
        purpose = (
            f"Rest: no run today; this week has {n_runs} runs, "
            f"{format_distance(volume_m, units)} in total."
        )
        return dict(
            date=d,
            kind="rest",
            distance_m=0.0,
            duration_s=0.0,
            pace_low_s_per_km=math.nan,
            pace_high_s_per_km=math.nan,
            hr_low=math.nan,
            hr_high=math.nan,
            steps="[]",
            purpose=purpose,
        )
    m = w.main
    return dict(
        date=d,
        kind=w.kind,
        distance_m=round(w.distance_m, 1),
        duration_s=round(w.duration_s),
        pace_low_s_per_km=m.pace_low_s_per_km,
        pace_high_s_per_km=m.pace_high_s_per_km,
        hr_low=m.hr_low,
        hr_high=m.hr_high,
        steps=w.steps_json(),
        purpose=w.purpose(units),
    )

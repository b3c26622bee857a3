"""What a plan says about race day and about itself: the predicted race-day time and the notes
that tell the runner what the builder did with the question asked.

:func:`race_day` combines the race model's prediction of today (``Fitness.race``, from
:func:`coachkit.models.race.predict_race`, which accounts for training volume) with the
race-day form of the fitness-fatigue model (``Fitness.form``,
:class:`coachkit.coach.taper.FormModel`) after the planned load; without a prediction it falls
back on VDOT equivalence (Daniels & Gilbert 1979) and says so.
"""

from __future__ import annotations

import math
from typing import TYPE_CHECKING, Any

import pandas as pd

from coachkit.coach.progression import ACWR_MAX, CHRONIC_WEEKS
from coachkit.coach.taper import daily_km
from coachkit.core.units import format_hms
from coachkit.features.daniels import race_time_from_vdot

if TYPE_CHECKING:
    from coachkit.coach.plan import Fitness
    from coachkit.coach.plan_builder import PlanBuilder


def race_day(
    current: Fitness, workouts: pd.DataFrame, race_date: Any, vdot: float, distance_m: float
) -> dict[str, Any]:
    """The predicted race-day time with its 80 % interval, where it comes from, and the note
    for the race workout's sentence."""
    form = current.form
    ratio = form.race_day_ratio(daily_km(workouts, race_date)) if form is not None else 1.0
    race = current.race
    if race is not None and math.isfinite(getattr(race, "seconds", math.nan)):
        secs, low, high = race.seconds / ratio, race.low / ratio, race.high / ratio
        source = f"race model ({race.method}: best efforts and training volume)"
    else:
        secs = race_time_from_vdot(vdot, distance_m)
        low = high = math.nan
        source = f"VDOT {vdot:.1f} equivalence (no race prediction)"
    form_text = (
        f"race-day form {100 * (ratio - 1):+.1f} % by {form.source}"
        if form is not None
        else "no race-day form model"
    )
    interval = (
        f"80 % range {format_hms(low)}–{format_hms(high)}, "
        if math.isfinite(low)
        else "no interval, "
    )
    return {
        "race_day_s": secs,
        "low_s": low,
        "high_s": high,
        "today_s": getattr(race, "seconds", None) if race is not None else None,
        "form_ratio": ratio,
        "form_source": form.source if form is not None else None,
        "form_personal": bool(form.personal) if form is not None else False,
        "prediction_source": source,
        "note": f"; {interval}{source}, {form_text}",
    }


def plan_notes(
    builder: PlanBuilder,
    current: Fitness,
    weeks: list[dict[str, Any]],
    short: list[tuple[int, int]],
    chronic_km: float,
) -> list[str]:
    """The notes that answer the question asked: where the first week comes from, and why a
    week has fewer runs than the days per week asked."""
    out = []
    if weeks:
        first = weeks[0]["volume_km"] * 7.0 / max(weeks[0]["days"], 1)
        out.append(
            f"Week 1 is {first:.1f} km: at most {ACWR_MAX} × the {chronic_km:.1f} km a week you "
            f"ran over the last {CHRONIC_WEEKS} weeks (acute:chronic, Gabbett 2016), and no "
            "week grows more than 10 % over the largest before it."
        )
    if short:
        runs = sorted({n for _, n in short})
        nums = [str(k) for k, _ in short]
        listed = nums[0] if len(nums) == 1 else ", ".join(nums[:-1]) + " and " + nums[-1]
        n = f"{runs[0]}–{runs[-1]}" if len(runs) > 1 else f"{runs[0]}"
        full = {w["week"] for w in weeks} - {k for k, _ in short}
        later = (
            "The other weeks have them."
            if full
            else f"At the {max(w['volume_km'] for w in weeks):.0f} km a week this plan reaches, "
            f"{builder.days_per_week} runs never fit: run fewer, longer days, or build volume first."
        )
        out.append(
            f"You asked for {builder.days_per_week} runs a week; {len(short)} of "
            f"{len(weeks)} weeks (week{'s' if len(nums) > 1 else ''} {listed}) have {n}: after "
            f"the long run and the quality sessions, each extra run would be shorter than 3 km. "
            f"{later}"
        )
    return out


__all__ = ["plan_notes", "race_day"]

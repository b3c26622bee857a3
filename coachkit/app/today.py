"""Today's prescription from a plan row: the §9 fields, display strings, and the RUNSAFE hold.

Whatever the stored plan says, today's distance is held within 1.1 × the longest run of the 30
days before today (:func:`coachkit.coach.long_runs.runsafe_today`), with the sentence why: a
runner who ran less than planned and logged nothing is not prescribed a jump.
"""

from __future__ import annotations

import json
from typing import Any

import pandas as pd

from coachkit.core.values import plain as _plain
from coachkit.store import Store


def prescription(row: pd.Series, *, units: str = "km", layer: str = "") -> dict[str, Any]:
    """One day of the plan as today's prescription: §9 fields plus display strings."""
    from coachkit.coach.workouts import fmt_band
    from coachkit.core.units import format_distance

    out: dict[str, Any] = {
        "date": f"{pd.Timestamp(row['date']):%Y-%m-%d}",
        "kind": row["kind"],
        "distance_m": _plain(row["distance_m"]),
        "duration_s": _plain(row["duration_s"]),
        "pace_low_s_per_km": _plain(row["pace_low_s_per_km"]),
        "pace_high_s_per_km": _plain(row["pace_high_s_per_km"]),
        "hr_low": _plain(row["hr_low"]),
        "hr_high": _plain(row["hr_high"]),
        "units": units,
        "status": row["status"],
        "version": int(row["version"]),
        "steps": json.loads(row["steps"]) if isinstance(row["steps"], str) and row["steps"] else [],
        "explanation": row["purpose"],
        "layer": layer,
    }
    if out["distance_m"]:
        out["distance"] = format_distance(out["distance_m"], units)
    if out["pace_low_s_per_km"] and out["pace_high_s_per_km"]:
        out["pace"] = fmt_band((out["pace_low_s_per_km"], out["pace_high_s_per_km"]), units)
    return out


def longest_before(store: Store, athlete_id: str, day: pd.Timestamp) -> float | None:
    """The longest counted run of the 30 days before ``day`` (the athlete's local days)."""
    from coachkit.core.localtime import local_day
    from coachkit.core.quality import counted
    from coachkit.core.sports import RUN_SPORTS
    from coachkit.features.risk import LOOKBACK_DAYS

    # the window in UTC, a day wider each side for the athletes' UTC offsets (at most 14 h)
    utc = pd.Timestamp(day).tz_localize("UTC")
    since, until = utc - pd.Timedelta(days=LOOKBACK_DAYS + 1), utc + pd.Timedelta(days=1)
    acts = store.activities(athlete_id, since=since, until=until)
    if acts.empty:
        return None
    days = local_day(acts)
    sel = (
        acts["sport"].isin(RUN_SPORTS).to_numpy()
        & counted(acts["quality_flags"])
        & (days >= day - pd.Timedelta(days=LOOKBACK_DAYS)).to_numpy()
        & (days < day).to_numpy()
    )
    m = pd.to_numeric(acts.loc[sel, "distance_m"], errors="coerce").max()
    return float(m) if pd.notna(m) else None


def hold_runsafe(out: dict[str, Any], longest: float | None, units: str) -> None:
    """Today's prescription cut to the RUNSAFE cap of what was run, and the sentence why."""
    from coachkit.coach.long_runs import runsafe_today
    from coachkit.core.units import format_distance

    cap = runsafe_today(out["kind"], out.get("distance_m"), longest)
    if cap is None:
        return
    was = out["distance_m"]
    out["distance_m"], out["distance"] = cap, format_distance(cap, units)
    if out.get("duration_s"):
        out["duration_s"] = out["duration_s"] * cap / was
    out["explanation"] = (
        f"Cut to {format_distance(cap, units)} today (the plan says {format_distance(was, units)}): "
        f"1.1 × your longest run of the last 30 days, {format_distance(longest, units)} "
        f"(Garmin-RUNSAFE). {out['explanation']}"
    )

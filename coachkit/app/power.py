"""One athlete's mean-max power and pace curves, critical power and power loads.

The seam between :class:`~coachkit.app.athlete.AthleteData` and :mod:`coachkit.features.power`:
each run's mean-max curves (computed once per AthleteData), the athlete's best over the last 6
weeks and over all runs, and CP and W′ from the best mean-max power of the last
:data:`CP_WINDOW_DAYS` days, or the athlete's own ``critical_power_w`` setting. Used by
:mod:`coachkit.app.zones` (power zones) and by :func:`coachkit.app.athlete.table_with` (the
opt-in power load method), so it never imports :mod:`coachkit.app.athlete`.
"""

from __future__ import annotations

import math
from typing import TYPE_CHECKING

import numpy as np
import pandas as pd

from coachkit.core.localtime import local_day
from coachkit.core.sports import RUN_SPORTS
from coachkit.features.power import (
    CriticalPower,
    best_of,
    critical_power,
    mean_max_power,
    mean_max_speed,
    run_power_load,
)

if TYPE_CHECKING:
    from coachkit.app.athlete import AthleteData

CP_WINDOW_DAYS = 90  # Stryd uses about 90 days of runs for its CP (Stryd help centre)
RECENT_WEEKS = 6
#: runs whose samples are junk for curves and zones
_SKIP_FLAGS = ("duplicate_of:", "time_reversed", "duration_implausible", "date_implausible")
#: a track with these gives no pace curve (its power, from the foot pod, still counts): the same
#: GPS artefacts that keep a run out of the best efforts (a drive home left running)
_NO_PACE_FLAGS = ("speed_implausible", "gps_gaps", "distance_implausible", "manual")


def clean_runs(data: AthleteData) -> pd.DataFrame:
    """Runs with samples, not duplicates nor broken clocks, with their local day (``day``)."""
    acts = data.activities
    keep = acts["has_samples"].fillna(False).astype(bool) & acts["sport"].isin(RUN_SPORTS)
    flags = acts["quality_flags"].fillna("").astype(str)
    for flag in _SKIP_FLAGS:
        keep &= ~flags.str.contains(flag, regex=False)
    runs = acts[keep]
    return runs.assign(day=local_day(runs) if len(runs) else pd.Series(dtype="datetime64[ns]"))


def anchor_day(data: AthleteData, runs: pd.DataFrame) -> pd.Timestamp | None:
    if data.as_of is not None:
        return pd.Timestamp(data.as_of)
    return None if runs.empty else pd.Timestamp(runs["day"].max())


def curves(data: AthleteData) -> pd.DataFrame:
    """Each run's mean-max power and speed curves (computed once): ``activity_id, day,
    duration_s, power_w, speed_m_s`` (NaN power for runs without power, NaN speed for tracks
    with GPS artefacts)."""
    if "mean_max" in data.cache:
        return data.cache["mean_max"]
    rows = []
    for run in clean_runs(data).itertuples():
        samples = data.samples[run.activity_id]
        flags = run.quality_flags if isinstance(run.quality_flags, str) else ""
        speed = mean_max_speed(samples)
        if any(flag in flags for flag in _NO_PACE_FLAGS):
            speed = speed.assign(speed_m_s=float("nan"))
        power = mean_max_power(samples)
        both = speed.merge(power, on="duration_s", how="outer")
        if len(both):
            rows.append(both.assign(activity_id=run.activity_id, day=run.day))
    cols = ["activity_id", "day", "duration_s", "power_w", "speed_m_s"]
    out = pd.concat(rows, ignore_index=True)[cols] if rows else pd.DataFrame(columns=cols)
    data.cache["mean_max"] = out
    return out


def mean_max_windows(data: AthleteData, value: str = "power_w", weeks: int = RECENT_WEEKS):
    """The athlete's best ``value`` (``power_w`` or ``speed_m_s``) per duration over the last
    ``weeks`` weeks and over all runs: ``duration_s, recent, all, recent_runs, all_runs``."""
    c = curves(data)
    c = c[c[value].notna()] if len(c) else c
    anchor = anchor_day(data, clean_runs(data))
    cols = ["duration_s", "recent", "all", "recent_runs", "all_runs"]
    if c.empty or anchor is None:
        return pd.DataFrame(columns=cols)
    recent_mask = c["day"] > anchor - pd.Timedelta(weeks=weeks)
    every = best_of([c[["duration_s", value]]], value)
    recent = best_of([c.loc[recent_mask, ["duration_s", value]]], value)
    out = every.rename(columns={value: "all", "runs": "all_runs"}).merge(
        recent.rename(columns={value: "recent", "runs": "recent_runs"}),
        on="duration_s",
        how="left",
    )
    out["recent_runs"] = out["recent_runs"].fillna(0).astype(int)
    out["all_runs"] = out["all_runs"].astype(int)
    return out[cols]


def athlete_cp(data: AthleteData) -> tuple[CriticalPower, str]:
    """Critical power and W′ in effect, and the window they came from: the athlete's own CP
    (``critical_power_w``), else the fit on the best mean-max power of the last 90 days."""
    own = data.settings.get("critical_power_w")
    if own:
        cp = float(own)
        return CriticalPower(
            cp, math.nan, math.nan, 0, f"Critical power {cp:.0f} W: set by athlete."
        ), "set by athlete"
    c = curves(data)
    runs = clean_runs(data)
    anchor = anchor_day(data, runs)
    c = c[c["power_w"].notna()] if len(c) else c
    if anchor is None or c.empty:
        return critical_power(pd.DataFrame({"duration_s": [], "power_w": []})), "no runs with power"
    start = anchor - pd.Timedelta(days=CP_WINDOW_DAYS)
    c = c[(c["day"] > start) & (c["day"] <= anchor)]
    best = c.loc[c.groupby("duration_s")["power_w"].idxmax()] if len(c) else c
    fit = critical_power(best)
    n_runs = best[best["duration_s"].between(180, 1200)]["activity_id"].nunique()
    window = (
        f"{CP_WINDOW_DAYS} days to {anchor.date().isoformat()}, efforts from {n_runs} "
        f"run{'s' if n_runs != 1 else ''}"
    )
    return fit, window


def run_power_loads(data: AthleteData) -> pd.DataFrame:
    """Power load of every run with power against the CP in effect: ``activity_id, day,
    power_load`` (empty when CP is unknown)."""
    cp, _ = athlete_cp(data)
    rows = []
    if np.isfinite(cp.cp_w):
        for run in clean_runs(data).itertuples():
            load = run_power_load(data.samples[run.activity_id], cp.cp_w)
            if np.isfinite(load):
                rows.append((run.activity_id, run.day, round(load, 1)))
    return pd.DataFrame(rows, columns=["activity_id", "day", "power_load"])

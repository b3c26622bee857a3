"""Daily injury- and overtraining-risk features: one row per day, from the first activity to
``as_of``, with no gaps (docs/design.md §5, §6; issue #6).

What each column measures, and where the rule comes from:

* **Session spike** (``spike_distance_ratio``): the day's longest run divided by the longest run
  of the *previous* 30 days (days ``t-30 .. t-1``), as in Garmin-RUNSAFE (Frandsen et al.,
  Br J Sports Med 2025: a single session > 10 % longer raised the overuse-injury rate). The
  duration version (``spike_duration_ratio``) covers runs without a distance. A day without a
  run, or without any run in the 30 days before, has no ratio (NaN). A run flagged
  ``speed_implausible`` (a GPS jump) counts with its cleaned ``moving_distance_m`` when the
  activity table has it, else without a distance.
* **Planned sessions** (``planned``, plan_workouts-like) count on days that have no recorded run
  and are not in the past of the recorded data, so the spike of a *planned* run can be judged
  before it is run ("today's planned 24 km is 41 % longer than ...").
* **Weekly volume** (``weekly_km``, ``weekly_change_pct`` vs the 7 days before),
  ``long_run_share`` (the week's longest run / the week's volume). Descriptive: the 10 % rule
  failed a randomised trial (Buist et al. 2008, Am J Sports Med 36:33) and the week-to-week
  ratio had no association with injury in Garmin-RUNSAFE.
* **Monotony and strain** (Foster 1998, Med Sci Sports Exerc 30:1164) from
  :func:`coachkit.features.pmc.monotony_strain`; ``strain_pct_180d`` is today's strain as a
  percentile (0-100) of the runner's own previous 180 days ("high strain" is personal).
* **Intensity**: ``intensity_share`` = seconds above LTHR / seconds with HR over the runs of the
  last 7 days (zones of :mod:`coachkit.features.zones`; from the activity table's zone seconds
  when present, else the average HR of each run against the LTHR of
  :func:`~coachkit.features.thresholds.estimate_thresholds`); ``hard_sessions_7d`` counts runs
  with at least :data:`HARD_SESSION_S` above LTHR.
* **Recovery signals** (:mod:`coachkit.features.risk_recovery`): ``hrv_below_days`` (days in a
  row with the 7-day lnRMSSD below the SWC band, :func:`~coachkit.features.hrv.hrv_status`;
  Plews et al. 2012, 2013), ``rhr_above_bpm`` (7-day resting HR minus its baseline,
  :func:`~coachkit.features.resting_hr.resting_hr_status`), ``sleep_h_7d``, ``hr_residual_bpm``
  (mean HR-above-expected of the last 7 days' runs, when an HR model gives residuals),
  ``rpe_above_plan`` (largest RPE minus planned RPE of the last 3 days, when planned RPE is
  given).
* **Feedback** (same module): ``niggle_severity_max_7d`` and ``niggle_sites`` (last 7 days),
  ``illness_days_7d``; ``days_since_rest`` (0 on a day without any training).

Pure: frames in, a frame out; ``as_of`` is a parameter, never the clock, and nothing dated
after it is read.
"""

from __future__ import annotations

from typing import Any

import numpy as np
import pandas as pd

from coachkit.core.localtime import as_day, local_day
from coachkit.core.quality import counted, holding_any
from coachkit.core.sports import RUN_SPORTS
from coachkit.features.daily import WEEK_DAYS, daily_load, days_in_a_row, per_day
from coachkit.features.frames import column, numeric_series
from coachkit.features.load import DURATION_LOAD_PER_H
from coachkit.features.pmc import monotony_strain
from coachkit.features.risk_recovery import feedback_columns, residual_columns, wellness_columns
from coachkit.features.runsafe import LOOKBACK_DAYS
from coachkit.features.zones import ZONE_NAMES, zone_of_hr

HARD_SESSION_S = 600.0  # 10 min above LTHR: a tempo, threshold or interval session, not drift
STRAIN_HISTORY_DAYS = 180
STRAIN_MIN_HISTORY = 28  # fewer earlier days and a percentile of "your" strain means little
#: plan rows with these statuses did not (or will not) happen as planned
SKIPPED_PLAN_STATUS = ("missed", "moved", "done", "cancelled", "skipped")

RISK_FEATURE_COLUMNS = (
    "session_distance_m",
    "session_duration_s",
    "session_planned",
    "longest_30d_m",
    "longest_30d_s",
    "spike_distance_ratio",
    "spike_duration_ratio",
    "spike_max_7d",
    "weekly_km",
    "weekly_change_pct",
    "long_run_share",
    "load",
    "weekly_load",
    "monotony",
    "strain",
    "strain_pct_180d",
    "intensity_share",
    "hard_sessions_7d",
    "hrv_below_days",
    "ln_rmssd_7d",
    "swc_low",
    "rhr_above_bpm",
    "sleep_h_7d",
    "hr_residual_bpm",
    "hr_residual_n_7d",
    "rpe_above_plan",
    "niggle_severity_max_7d",
    "niggle_sites",
    "days_since_rest",
    "illness_days_7d",
)


def _flagged(frame: pd.DataFrame, codes: tuple[str, ...]) -> np.ndarray:
    return holding_any(column(frame, "quality_flags", ""), codes)


def _run_distance(runs: pd.DataFrame) -> pd.Series:
    """Each run's distance; after a GPS jump (``speed_implausible``) the distance its cleaned
    samples cover (``moving_distance_m`` of the activity table), else none: a jump must not
    become a spike."""
    distance = numeric_series(runs, "distance_m")
    jumpy = _flagged(runs, ("speed_implausible",))
    return distance.where(~jumpy, numeric_series(runs, "moving_distance_m")).where(lambda s: s > 0)


def _duration(frame: pd.DataFrame) -> pd.Series:
    return numeric_series(frame, "moving_time_s").fillna(numeric_series(frame, "elapsed_time_s"))


def _span(
    acts: pd.DataFrame, others: list[pd.DataFrame | None], as_of: Any
) -> tuple[pd.Timestamp, pd.Timestamp] | None:
    days = list(local_day(acts)) if len(acts) else []
    for frame in others:
        if frame is not None and len(frame) and "date" in frame:
            days += list(pd.to_datetime(frame["date"], errors="coerce").dropna())
    end = as_day(as_of) if as_of is not None else (max(days) if days else None)
    if end is None:
        return None
    start = min(local_day(acts)) if len(acts) else min((d for d in days if d <= end), default=end)
    return as_day(start), end


def _planned_sessions(
    planned: pd.DataFrame | None, index: pd.DatetimeIndex, run_days: pd.Index, last_actual: Any
) -> pd.DataFrame:
    """Planned runs that count: dated in the index, not rest, not already missed or done, on a
    day without a recorded run and not before the last recorded activity."""
    empty = pd.DataFrame(columns=["distance_m", "duration_s"], index=index[:0], dtype=float)
    if planned is None or planned.empty:
        return empty
    plan = planned.assign(
        _day=pd.to_datetime(planned["date"]).map(as_day),
        _kind=column(planned, "kind", "").astype("string").fillna("").str.lower(),
        _status=column(planned, "status", "").astype("string").fillna("").str.lower(),
        _dist=numeric_series(planned, "distance_m"),
        _dur=numeric_series(planned, "duration_s"),
    )
    keep = (
        plan["_day"].isin(index)
        & (plan["_kind"] != "rest")
        & ~plan["_status"].isin(SKIPPED_PLAN_STATUS)
        & ~plan["_day"].isin(run_days)
        & (plan["_dist"].notna() | plan["_dur"].notna())
    )
    if last_actual is not None:
        keep &= plan["_day"] >= last_actual
    plan = plan[keep]
    if plan.empty:
        return empty
    return (
        plan.groupby("_day")[["_dist", "_dur"]].max().set_axis(["distance_m", "duration_s"], axis=1)
    )


def _zone_seconds(
    runs: pd.DataFrame, activities: pd.DataFrame, wellness: Any, end: Any
) -> pd.DataFrame:
    """Seconds per zone of each run: the activity table's zone columns, else the run's average
    HR against the (estimated) LTHR, the whole moving time in that zone."""
    if set(ZONE_NAMES) <= set(runs.columns):
        return runs[list(ZONE_NAMES)].apply(pd.to_numeric, errors="coerce").fillna(0.0)
    from coachkit.features.thresholds import estimate_thresholds

    lthr = estimate_thresholds(
        activities, wellness=wellness, as_of=end + pd.Timedelta(days=1)
    ).lthr.value
    out = pd.DataFrame(0.0, index=runs.index, columns=list(ZONE_NAMES))
    for i, hr, dur in zip(runs.index, numeric_series(runs, "avg_hr"), _duration(runs)):
        zone = zone_of_hr(hr, lthr) if pd.notna(hr) and pd.notna(dur) else "unknown"
        if zone in ZONE_NAMES:
            out.loc[i, zone] = dur
    return out


def _intensity_columns(
    runs: pd.DataFrame, days: pd.Series, index: pd.DatetimeIndex, acts: pd.DataFrame, wellness: Any
) -> pd.DataFrame:
    out = pd.DataFrame({"intensity_share": np.nan, "hard_sessions_7d": 0.0}, index=index)
    if runs.empty:
        return out
    zones = _zone_seconds(runs, acts, wellness, index[-1])

    def week(seconds: pd.Series) -> pd.Series:
        daily = per_day(seconds, days, index, "sum").fillna(0.0)
        return daily.rolling(WEEK_DAYS, min_periods=1).sum()

    hard, timed = week(zones["hard"]), week(zones.sum(axis=1))
    out["intensity_share"] = (hard / timed).where(timed > 0)
    out["hard_sessions_7d"] = week((zones["hard"] >= HARD_SESSION_S).astype(float))
    return out


def _load(acts: pd.DataFrame, index: pd.DatetimeIndex) -> pd.Series:
    if "load" in acts and numeric_series(acts, "load").notna().any():
        return daily_load(acts, start=index[0], end=index[-1])
    # no loads computed: the duration fallback of the load module (features.load)
    ids = column(acts, "activity_id", "").astype("string").fillna("")
    ids = ids.where(ids != "", pd.Series(acts.index.astype(str), index=acts.index))
    loads = pd.DataFrame(
        {"activity_id": ids, "load": _duration(acts).fillna(0) / 3600 * DURATION_LOAD_PER_H}
    )
    return daily_load(acts.assign(activity_id=ids), loads, start=index[0], end=index[-1])


def _strain_percentile(strain: pd.Series) -> pd.Series:
    values = strain.to_numpy(dtype=float)
    out = np.full(len(values), np.nan)
    for i in range(len(values)):
        past = values[max(0, i - STRAIN_HISTORY_DAYS) : i]
        past = past[~np.isnan(past)]
        if len(past) >= STRAIN_MIN_HISTORY and not np.isnan(values[i]):
            out[i] = 100.0 * ((past < values[i]).mean() + 0.5 * (past == values[i]).mean())
    return pd.Series(out, index=strain.index)


def risk_features(
    activities: pd.DataFrame,
    wellness: pd.DataFrame | None = None,
    feedback: pd.DataFrame | None = None,
    as_of: Any = None,
    *,
    planned: pd.DataFrame | None = None,
    hr_residuals: pd.Series | None = None,
    plan_rpe: pd.Series | None = None,
) -> pd.DataFrame:
    """The daily risk-feature table of one athlete (see the module docstring for each column).

    Parameters
    ----------
    activities : pandas.DataFrame
        One athlete's activities (docs/design.md §3), or the richer table of
        :func:`coachkit.app.athlete.activity_table` (its ``load`` and zone seconds are then used).
        Runs are ``run``, ``trail_run`` and ``treadmill``; every sport counts for load and rest.
    wellness, feedback : pandas.DataFrame, optional
        Wellness (HRV, resting HR, sleep) and feedback (RPE, niggles, illness) frames.
    as_of : date-like, optional
        Last day of the table; nothing dated later is read. Default: the last dated row.
    planned : pandas.DataFrame, optional
        plan_workouts-like rows (``date``, ``distance_m`` or ``duration_s``, optional ``kind``
        and ``status``): a planned run counts on a day without a recorded run that is not
        before the last recorded activity, so today's planned run gets its spike ratio.
    hr_residuals : pandas.Series, optional
        HR above expected (bpm) per run, indexed by ``activity_id`` or by date.
    plan_rpe : pandas.Series, optional
        Planned RPE (CR-10) by date, compared with the RPE logged in ``feedback``.

    Returns
    -------
    pandas.DataFrame
        Indexed by ``date`` (daily, no gaps, from the first activity to ``as_of``), with the
        columns of :data:`RISK_FEATURE_COLUMNS`. Empty when there is nothing dated.

    Examples
    --------
    >>> acts = pd.DataFrame({"sport": "run", "start_time": pd.to_datetime(
    ...     ["2024-03-01 08:00", "2024-03-10 08:00"], utc=True), "distance_m": [17000.0, 24000.0],
    ...     "moving_time_s": [6000.0, 9000.0]})
    >>> row = risk_features(acts).loc["2024-03-10"]
    >>> round(float(row["spike_distance_ratio"]), 3), float(row["longest_30d_m"])
    (1.412, 17000.0)
    """
    if "start_time" not in activities:
        activities = pd.DataFrame(columns=["start_time", "sport", "distance_m"])
    span = _span(activities, [wellness, feedback], as_of)
    if span is None:
        return pd.DataFrame(
            columns=list(RISK_FEATURE_COLUMNS), index=pd.DatetimeIndex([], name="date")
        )
    start, end = span
    acts = activities[pd.to_datetime(activities["start_time"], utc=True).notna().to_numpy()]
    if len(acts):
        acts = acts[
            (local_day(acts) <= end).to_numpy() & counted(column(acts, "quality_flags", ""))
        ]
    index = pd.date_range(start, end, freq="D", name="date")
    act_days = local_day(acts) if len(acts) else pd.Series(dtype="datetime64[ns]")
    is_run = (
        column(acts, "sport", "").astype("string").isin(RUN_SPORTS).fillna(False).to_numpy(bool)
    )
    runs, run_days = acts[is_run], act_days[is_run]

    distance = _run_distance(runs)
    duration = _duration(runs).where(lambda s: s > 0).mask(_flagged(runs, ("time_inverted",)))
    dist = per_day(distance, run_days, index, "max")
    dur = per_day(duration, run_days, index, "max")
    run_km = per_day(distance.fillna(0) / 1000.0, run_days, index, "sum")
    plan = _planned_sessions(
        planned, index, pd.Index(run_days.unique()), act_days.max() if len(acts) else None
    )
    out = pd.DataFrame(index=index)
    out["session_planned"] = index.isin(plan.index)
    dist, dur = dist.fillna(plan["distance_m"]), dur.fillna(plan["duration_s"])
    run_km = run_km.fillna(0.0).add(plan["distance_m"].reindex(index) / 1000.0, fill_value=0.0)
    out["session_distance_m"], out["session_duration_s"] = dist, dur
    # the previous 30 days, t-30 .. t-1: today's own run never sets its own reference
    out["longest_30d_m"] = dist.shift(1).rolling(LOOKBACK_DAYS, min_periods=1).max()
    out["longest_30d_s"] = dur.shift(1).rolling(LOOKBACK_DAYS, min_periods=1).max()
    out["spike_distance_ratio"] = dist / out["longest_30d_m"]
    out["spike_duration_ratio"] = dur / out["longest_30d_s"]
    out["spike_max_7d"] = out["spike_distance_ratio"].rolling(WEEK_DAYS, min_periods=1).max()

    weekly = run_km.rolling(WEEK_DAYS, min_periods=1).sum()
    before = weekly.shift(WEEK_DAYS)
    full = np.arange(len(index)) >= 2 * WEEK_DAYS - 1  # two whole weeks of history
    out["weekly_km"] = weekly
    out["weekly_change_pct"] = (100.0 * (weekly / before - 1.0)).where(full & (before > 0))
    longest_week = dist.rolling(WEEK_DAYS, min_periods=1).max()
    out["long_run_share"] = (longest_week / 1000.0 / weekly).where(weekly > 0)

    load = _load(acts, index) if len(acts) else pd.Series(0.0, index=index)
    out["load"] = load.reindex(index, fill_value=0.0)
    mono = monotony_strain(out["load"])
    out["weekly_load"], out["monotony"], out["strain"] = (
        mono["weekly_load"],
        mono["monotony"],
        mono["strain"],
    )
    out["strain_pct_180d"] = _strain_percentile(out["strain"])

    out = out.join(_intensity_columns(runs, run_days, index, activities, wellness))
    out = out.join(wellness_columns(wellness, index))
    out = out.join(residual_columns(hr_residuals, runs, run_days, index))
    out = out.join(feedback_columns(feedback, index, plan_rpe))
    trained = pd.Series(index.isin(act_days.unique()) | out["session_planned"], index=index)
    out["days_since_rest"] = days_in_a_row(trained)
    return out[list(RISK_FEATURE_COLUMNS)]

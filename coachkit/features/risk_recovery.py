"""Recovery and feedback columns of the daily risk table (:mod:`coachkit.features.risk`).

What the body and the athlete report, next to the training itself: HRV and resting HR against
their baselines, sleep, HR above what a model expects, RPE above plan, niggles and illness.
Each column, and where its rule comes from, is described with the table in
:mod:`coachkit.features.risk`. Each function returns its columns on the table's daily index;
nothing dated after its last day is read.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from coachkit.core.localtime import as_day
from coachkit.features.daily import WEEK_DAYS, days_in_a_row, per_day
from coachkit.features.frames import column, numeric_series

RPE_DAYS = 3  # an RPE well above plan counts for the next 2 days as well


def wellness_columns(wellness: pd.DataFrame | None, index: pd.DatetimeIndex) -> pd.DataFrame:
    """``hrv_below_days, ln_rmssd_7d, swc_low, rhr_above_bpm, sleep_h_7d`` from wellness rows."""
    out = pd.DataFrame(
        index=index,
        columns=["hrv_below_days", "ln_rmssd_7d", "swc_low", "rhr_above_bpm", "sleep_h_7d"],
        dtype=float,
    )
    if wellness is None or wellness.empty:
        return out
    from coachkit.features.hrv import hrv_status
    from coachkit.features.resting_hr import resting_hr_status

    end = index[-1]
    w = wellness[pd.to_datetime(wellness["date"]).map(as_day) <= end]
    if numeric_series(w, "rmssd_ms").notna().any() or numeric_series(w, "ln_rmssd").notna().any():
        hrv = hrv_status(w, as_of=end).reindex(index)
        below = days_in_a_row(hrv["status"].astype("string") == "below")
        out["hrv_below_days"] = below.where(hrv["status"].notna())  # NaN before any reading
        out["ln_rmssd_7d"], out["swc_low"] = hrv["ln_rmssd_7d"], hrv["swc_low"]
    if numeric_series(w, "resting_hr").notna().any():
        out["rhr_above_bpm"] = resting_hr_status(w, as_of=end)["rhr_deviation"].reindex(index)
    sleep = per_day(
        numeric_series(w, "sleep_s") / 3600.0, pd.to_datetime(w["date"]).map(as_day), index, "mean"
    )
    out["sleep_h_7d"] = sleep.rolling(WEEK_DAYS, min_periods=3).mean()
    return out


def feedback_columns(
    feedback: pd.DataFrame | None, index: pd.DatetimeIndex, plan_rpe: pd.Series | None
) -> pd.DataFrame:
    """``rpe_above_plan, niggle_severity_max_7d, niggle_sites, illness_days_7d`` from feedback."""
    out = pd.DataFrame(index=index)
    out["rpe_above_plan"] = np.nan
    out["niggle_severity_max_7d"] = np.nan
    out["niggle_sites"] = pd.Series(pd.NA, index=index, dtype="string")
    out["illness_days_7d"] = 0.0
    if feedback is None or feedback.empty:
        return out
    days = pd.to_datetime(feedback["date"]).map(as_day)
    fb = feedback[(days >= index[0]) & (days <= index[-1])]
    days = days[fb.index]
    severity = per_day(numeric_series(fb, "niggle_severity"), days, index, "max")
    out["niggle_severity_max_7d"] = severity.rolling(WEEK_DAYS, min_periods=1).max()
    ill = column(fb, "illness", False).astype("boolean").fillna(False).astype(bool)
    ill_days = pd.Series(1.0, index=days[ill.to_numpy()].unique()).reindex(index, fill_value=0.0)
    out["illness_days_7d"] = ill_days.rolling(WEEK_DAYS, min_periods=1).sum()
    sites = column(fb, "niggle_site", pd.NA).astype("string").str.strip().str.lower()
    with_site = (
        sites.notna() & (sites != "") & (numeric_series(fb, "niggle_severity").fillna(1) > 0)
    )
    recent: dict[pd.Timestamp, set[str]] = {}
    for day, site in zip(days[with_site.to_numpy()], sites[with_site]):
        for k in range(WEEK_DAYS):  # a report stays "in the last 7 days" for 7 days
            recent.setdefault(day + pd.Timedelta(days=k), set()).add(site)
    for day, names in recent.items():
        if day in out.index:
            out.loc[day, "niggle_sites"] = ";".join(sorted(names))
    if plan_rpe is not None and len(plan_rpe):
        rpe = per_day(numeric_series(fb, "rpe"), days, index, "mean")
        plan = pd.Series(
            pd.to_numeric(plan_rpe, errors="coerce").to_numpy(dtype=float),
            index=pd.DatetimeIndex(plan_rpe.index).map(as_day),
        )
        plan = plan.groupby(level=0).mean().reindex(index)
        out["rpe_above_plan"] = (rpe - plan).rolling(RPE_DAYS, min_periods=1).max()
    return out


def residual_columns(
    hr_residuals: pd.Series | None, runs: pd.DataFrame, run_days: pd.Series, index: pd.DatetimeIndex
) -> pd.DataFrame:
    """``hr_residual_bpm, hr_residual_n_7d``: HR above expected per run (by id or date), 7 days."""
    out = pd.DataFrame({"hr_residual_bpm": np.nan, "hr_residual_n_7d": 0.0}, index=index)
    if hr_residuals is None or hr_residuals.empty:
        return out
    values = pd.to_numeric(hr_residuals, errors="coerce").astype(float)
    if isinstance(values.index, pd.DatetimeIndex):
        days = pd.Series(values.index.map(as_day), index=values.index)
    else:  # indexed by activity_id
        by_id = pd.Series(run_days.to_numpy(), index=column(runs, "activity_id", "").astype(str))
        days = pd.Series(values.index.astype(str).map(by_id), index=values.index)
    frame = pd.DataFrame({"v": values.to_numpy(), "d": days.to_numpy()}).dropna()
    total = frame.groupby("d")["v"].sum().reindex(index, fill_value=0.0)
    count = frame.groupby("d")["v"].count().reindex(index, fill_value=0).astype(float)
    n7 = count.rolling(WEEK_DAYS, min_periods=1).sum()
    out["hr_residual_n_7d"] = n7
    out["hr_residual_bpm"] = (total.rolling(WEEK_DAYS, min_periods=1).sum() / n7).where(n7 > 0)
    return out

"""Values per local calendar day on a gap-free daily index: daily load, per-day aggregates, streaks.

The daily load (activities' loads summed per local calendar day) is the input of the PMC; the
per-day aggregates and streaks build the daily risk table.
"""

from __future__ import annotations

from typing import Any

import numpy as np
import pandas as pd

from coachkit.core.localtime import as_day, local_day

WEEK_DAYS = 7  # a calendar week: weekly sums and "the last 7 days" are trailing windows this long


def _per_activity(
    activities: pd.DataFrame, loads: pd.DataFrame | None
) -> tuple[pd.DataFrame, np.ndarray, np.ndarray]:
    """Activities with a start time, their local day (datetime64[ns]) and their load.

    The local day is ``start_time + utc_offset_s``, or the UTC day when the offset is unknown
    (frames from the store come with the offsets ``core.localtime.resolve_local`` filled).
    ``loads`` wins where it lists the activity; NaN loads and ``duplicate_of:`` rows count 0.
    """
    acts = activities[pd.to_datetime(activities["start_time"], utc=True).notna().to_numpy()]
    days = local_day(acts).to_numpy("datetime64[D]")
    if "load" not in acts and loads is None:
        raise ValueError("activities have no 'load' column: pass loads=(activity_id, load)")
    raw = acts["load"] if "load" in acts else pd.Series(np.nan, index=acts.index)
    values = pd.to_numeric(raw, errors="coerce").to_numpy("float64", na_value=np.nan)
    if loads is not None:
        given = pd.to_numeric(loads["load"], errors="coerce").to_numpy("float64", na_value=np.nan)
        by_id = pd.Series(given, index=loads["activity_id"].astype(str))
        by_id = by_id[~by_id.index.duplicated(keep="last")]
        ids = acts["activity_id"].astype(str)
        values = np.where(ids.isin(by_id.index), ids.map(by_id).to_numpy("float64"), values)
    if "quality_flags" in acts:
        # a near-duplicate recording of another activity (merge.py) would count the session twice
        flags = acts["quality_flags"].astype("string").fillna("")
        values = np.where(flags.str.contains("duplicate_of:", regex=False), np.nan, values)
    return acts, days.astype("datetime64[ns]"), np.nan_to_num(values, nan=0.0)


def daily_load(
    activities: pd.DataFrame,
    loads: pd.DataFrame | None = None,
    *,
    start: Any = None,
    end: Any = None,
) -> pd.Series:
    """Sum of load per local calendar day, with no gaps (a day without activity has load 0).

    The day is the athlete's: ``start_time + utc_offset_s`` when the offset is known, else UTC
    (the store fills unknown offsets from the athlete's zone: ``core.localtime.resolve_local``).
    ``loads`` (``activity_id, load``, e.g. from the load module) overrides ``activities["load"]``
    for the activities it lists. NaN loads (excluded activities) and activities flagged
    ``duplicate_of:`` count as 0. The index runs from ``start`` (default: the first day) to
    ``end`` (default: the last day); activities outside it are left out.

    Returns
    -------
    Series
        ``load`` on a naive daily DatetimeIndex named ``date``.
    """
    _, days, values = _per_activity(activities, loads)
    per_day = pd.Series(values, index=pd.DatetimeIndex(days)).groupby(level=0).sum()
    lo = as_day(start) if start is not None else per_day.index.min()
    hi = as_day(end) if end is not None else per_day.index.max()
    if pd.isna(lo) or pd.isna(hi):  # no activity and no range given
        return pd.Series(
            index=pd.DatetimeIndex([], freq="D", name="date"), name="load", dtype=float
        )
    return per_day.reindex(pd.date_range(lo, hi, freq="D", name="date"), fill_value=0.0).rename(
        "load"
    )


def daily_load_many(activities: pd.DataFrame, loads: pd.DataFrame | None = None) -> pd.DataFrame:
    """``athlete_id, date, load`` per athlete and local day with activity, as :func:`daily_load`.

    The input of :func:`~coachkit.features.pmc_many.pmc_many`, which fills the gaps.
    """
    acts, days, values = _per_activity(activities, loads)
    frame = pd.DataFrame(
        {"athlete_id": acts["athlete_id"].to_numpy(), "date": days, "load": values}
    )
    out = frame.groupby(["athlete_id", "date"], sort=True, as_index=False)["load"].sum()
    return out.astype({"athlete_id": activities["athlete_id"].dtype})


def per_day(values: pd.Series, days: pd.Series, index: pd.DatetimeIndex, how: str) -> pd.Series:
    """``values`` aggregated by their ``days`` (``how``: "sum", "max", "mean" ...) on ``index``.

    Rows with a NaN value or day are left out; a day of ``index`` without any row is NaN.
    """
    frame = pd.DataFrame({"v": values.to_numpy(dtype=float), "d": days.to_numpy()}).dropna()
    return frame.groupby("d")["v"].agg(how).reindex(index)


def days_in_a_row(flag: pd.Series) -> pd.Series:
    """Days in a row (ending today) on which ``flag`` holds."""
    flag = flag.fillna(False).astype(bool)
    return flag.astype(int).groupby((~flag).cumsum()).cumsum().astype(float)

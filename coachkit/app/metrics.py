"""The daily metrics table behind ``coachkit metrics``: one row per day of load, fitness,
fatigue and form, volume and intensity, HRV and resting HR, and recent fitness estimates."""

from __future__ import annotations

from typing import Any

import numpy as np
import pandas as pd

from coachkit.app.athlete import AthleteData, activity_table, efforts
from coachkit.core.quality import trusted
from coachkit.core.sports import RUN_SPORTS

_DAILY_SUMS = (
    "n_activities",
    "distance_m",
    "run_distance_m",
    "duration_s",
    "easy_s",
    "moderate_s",
    "hard_s",
)


def data_span(data: AthleteData, table: pd.DataFrame) -> tuple[pd.Timestamp, pd.Timestamp] | None:
    """The first and last day with trusted activities or wellness (the last: ``as_of`` if set)."""
    days = pd.concat([trusted(table)["date"], data.wellness["date"]]).dropna()
    if days.empty:
        return None
    return days.min(), data.as_of if data.as_of is not None else days.max()


def _volume(table: pd.DataFrame) -> pd.DataFrame:
    """Daily volume, intensity seconds, EF and decoupling of the trusted activities.

    A run whose summary speed is implausible (a GPS jump in a phone track) counts with the
    distance its cleaned samples cover instead of the raw summary.
    """
    counted = trusted(table)
    is_run = counted["sport"].isin(RUN_SPORTS)
    distance = counted["distance_m"]
    if "moving_distance_m" in counted:
        jumpy = counted["quality_flags"].fillna("").str.contains("speed_implausible")
        distance = distance.where(
            ~jumpy | counted["moving_distance_m"].isna(), counted["moving_distance_m"]
        )
    distance = distance.fillna(0.0)
    parts = pd.DataFrame(
        {
            "n_activities": 1,
            "distance_m": distance,
            "run_distance_m": distance.where(is_run, 0.0),
            "duration_s": counted["moving_time_s"].fillna(counted["elapsed_time_s"]).fillna(0),
            "easy_s": counted["easy"],
            "moderate_s": counted["moderate"],
            "hard_s": counted["hard"],
        }
    )
    daily = parts.groupby(counted["date"]).sum()
    return daily.join(counted.groupby("date")[["ef", "decoupling_pct"]].mean())


def _per_day_fitness(
    daily: pd.DataFrame, data: AthleteData, *, target_tsb: float, **pmc_kw: Any
) -> pd.DataFrame:
    """Rest days until form reaches 0, the load that brings tomorrow's TSB to ``target_tsb``,
    the best VDOT and critical speed of the last 90 days, and the HR–speed index."""
    from coachkit.features.critical_speed import critical_speed, fastest_per_distance
    from coachkit.features.daniels import vdot
    from coachkit.features.form import load_to_reach_tsb, rest_days_until_tsb
    from coachkit.features.hr_speed import hr_speed_index

    out = pd.DataFrame(index=daily.index)
    out["rest_days_to_fresh"] = [
        rest_days_until_tsb(c, a, 0.0, **pmc_kw) for c, a in zip(daily["ctl"], daily["atl"])
    ]
    out[f"load_for_tsb_{target_tsb:g}"] = [
        load_to_reach_tsb(c, a, target_tsb, **pmc_kw) for c, a in zip(daily["ctl"], daily["atl"])
    ]
    eff = efforts(data)
    eff = eff[eff["distance_m"] >= 1500] if len(eff) else eff
    if len(eff):
        per_day = eff.assign(vdot=[vdot(d, t) for d, t in zip(eff["distance_m"], eff["time_s"])])
        best = per_day.groupby("date")["vdot"].max().reindex(daily.index)
        out["vdot_90d"] = best.rolling(90, min_periods=1).max()
        # each day's 90-day window is a slice of the efforts sorted by date; it changes only
        # when an effort enters or leaves it, so each distinct slice is fitted once
        eff = eff.sort_values("date", kind="stable")
        dates = eff["date"].to_numpy(dtype="datetime64[ns]")
        days = daily.index.to_numpy(dtype="datetime64[ns]")
        starts = np.searchsorted(dates, days - np.timedelta64(90, "D"), side="right")
        ends = np.searchsorted(dates, days, side="right")
        distance = eff["distance_m"].to_numpy(dtype=float)
        seconds = eff["time_s"].to_numpy(dtype=float)
        seen: dict[tuple[int, int], float] = {}
        for key in set(zip(starts.tolist(), ends.tolist())):
            d, t = fastest_per_distance(distance[key[0] : key[1]], seconds[key[0] : key[1]])
            best = pd.DataFrame({"distance_m": d, "time_s": t})
            seen[key] = critical_speed(best).cs_m_s if len(d) >= 2 else float("nan")
        out["cs_90d_m_s"] = [seen[key] for key in zip(starts.tolist(), ends.tolist())]
    table = activity_table(data)
    runs = table[table["sport"].isin(RUN_SPORTS) & table["hr_time_weighted"].notna()]
    if len(runs):
        cols = ["date", "mean_gap_speed_m_s", "hr_time_weighted", "moving_time_s"]
        index = hr_speed_index(runs[cols])
        if len(index):
            out["hr_speed_index"] = index.set_index("date")["index"].reindex(daily.index).ffill()
    return out


def daily_metrics(
    data: AthleteData,
    *,
    start: Any = None,
    end: Any = None,
    convention: str = "exp",
    ctl_days: float = 42,
    atl_days: float = 7,
    target_tsb: float = 0.0,
) -> pd.DataFrame:
    """One row per day: load, CTL/ATL/TSB (chosen convention), ramp, ACWR (descriptive),
    monotony and strain, rest days until fresh and the load that reaches ``target_tsb``
    tomorrow, volume and intensity, EF and decoupling, HRV and its normal band, resting HR, and
    the best VDOT, critical speed and HR–speed index of recent weeks.

    ``start``/``end`` only trim the rows shown: the exponential averages always run from the
    first day of data. Loads of past days use the thresholds known at the end (``as_of``);
    ``coachkit replay`` recomputes day by day when strict point-in-time values matter.
    """
    from coachkit.features.daily import daily_load
    from coachkit.features.hrv import hrv_status
    from coachkit.features.pmc import acwr, monotony_strain, pmc
    from coachkit.features.resting_hr import resting_hr_status

    table = activity_table(data)
    span = data_span(data, table)
    if span is None:
        return pd.DataFrame(columns=["date", "load", "ctl", "atl", "tsb"])
    first, last = span
    pmc_kw = dict(ctl_days=ctl_days, atl_days=atl_days, convention=convention)
    loads = daily_load(data.activities, table[["activity_id", "load"]], start=first, end=last)
    daily = pmc(loads, **pmc_kw)
    daily["acwr"] = acwr(loads)
    daily = daily.join(monotony_strain(loads)[["monotony", "strain"]])
    daily = daily.join(_per_day_fitness(daily, data, target_tsb=target_tsb, **pmc_kw))
    daily = daily.join(_volume(table))
    daily[list(_DAILY_SUMS)] = daily[list(_DAILY_SUMS)].fillna(0)
    if len(data.wellness):
        hrv = hrv_status(data.wellness, as_of=last)
        daily = daily.join(
            hrv[["ln_rmssd", "ln_rmssd_7d", "cv_7d", "swc_low", "swc_high", "status"]].rename(
                columns={"status": "hrv_status"}
            )
        )
        rhr = resting_hr_status(data.wellness, as_of=last)
        daily = daily.join(rhr[["resting_hr", "rhr_7d", "rhr_baseline", "rhr_deviation"]])
    daily.index.name = "date"
    out = daily.reset_index()
    if start is not None:
        out = out[out["date"] >= pd.Timestamp(start)]
    if end is not None:
        out = out[out["date"] <= pd.Timestamp(end)]
    return out.reset_index(drop=True)

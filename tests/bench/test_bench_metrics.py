"""Daily-metrics benchmark (`make bench`): 1,000 synthetic athlete-years, printed, never asserted on time.

Target (issue #4): daily metrics for 1,000 athlete-years in < 2 s on this machine, and a printed
ratio against a straightforward pandas ``groupby(...).apply`` / ``rolling`` implementation of the
same numbers, measured in the same run. Timed, for both:

- daily load per local calendar day (``start_time + utc_offset_s``) from ~215k runs;
- CTL, ATL, TSB, 7-day ramp, ACWR (EWMA 7:28), monotony and strain per athlete-day;
- HRV: 7-day lnRMSSD mean and CV (>= 3 readings) and the normal range from the 60 days before
  the week (>= 14 readings), the definitions of ``coachkit.features.hrv.hrv_status``.

``hrv_status`` is per athlete and writes one explanation sentence per day, so the fast path
computes its numbers with the vectorised rolling below (checked against ``hrv_status`` on a few
athletes); the time ``hrv_status`` itself takes is printed for information.
Results of the two paths are compared: the ratio is only meaningful if they agree.
"""

from __future__ import annotations

import math
import sys
import time

import numpy as np
import pandas as pd
import pytest

from coachkit.features.hrv import hrv_status
from coachkit.features.pmc import MONOTONY_MAX, daily_load_many, pmc_many
from tests.bench.synthetic import make_population
from tests.bench.timing import best_of

N_ATHLETES, YEARS, SEED = 1000, 1.0, 20240
HRV_WINDOW, HRV_MIN, BASE_DAYS, BASE_MIN = 7, 3, 60, 14  # as hrv_status's defaults
METRICS = ["load", "ctl", "atl", "tsb", "ramp_7d", "acwr", "monotony", "strain"]
HRV = ["ln_rmssd_7d", "cv_7d", "baseline_mean", "baseline_sd"]


def _rolling(x: np.ndarray, window: int, min_count: int, lag: int = 0):
    """Mean and sample SD of the non-NaN values of ``x[:, t-lag-window+1 .. t-lag]`` (2-D)."""
    ok = ~np.isnan(x)
    v = np.where(ok, x, 0.0)
    stats = []
    for arr in (ok.astype(float), v, v * v):
        c = np.concatenate([np.zeros((x.shape[0], 1 + lag + window)), np.cumsum(arr, axis=1)], 1)
        stats.append(c[:, window + 1 :][:, : x.shape[1]] - c[:, 1:][:, : x.shape[1]])
    n, s1, s2 = stats
    with np.errstate(divide="ignore", invalid="ignore"):
        mean = np.where(n >= min_count, s1 / n, np.nan)
        sd = np.sqrt(np.maximum(s2 - n * mean**2, 0.0) / (n - 1))
    return mean, sd


def hrv_fast(wellness: pd.DataFrame) -> pd.DataFrame:
    """7-day lnRMSSD mean and CV and the 60-day normal range for every athlete-day, vectorised."""
    day = wellness["date"].to_numpy("datetime64[D]").astype(np.int64)
    codes, athletes = pd.factorize(wellness["athlete_id"], sort=True)
    first = pd.Series(day).groupby(codes).min().to_numpy()
    span = pd.Series(day).groupby(codes).max().to_numpy() - first + 1
    width = int(span.max())
    grid = np.full((len(athletes), width), np.nan)
    grid[codes, day - first[codes]] = np.log(wellness["rmssd_ms"].to_numpy(float))
    mean7, sd7 = _rolling(grid, HRV_WINDOW, HRV_MIN)
    base_mean, base_sd = _rolling(grid, BASE_DAYS, BASE_MIN, lag=HRV_WINDOW)
    keep = np.arange(width)[None, :] < span[:, None]
    who = np.nonzero(keep)[0]
    return pd.DataFrame(
        {
            "athlete_id": athletes.take(who),
            "date": (first[who] + np.nonzero(keep)[1]).astype("datetime64[D]").astype("M8[ns]"),
            "ln_rmssd_7d": mean7[keep],
            "cv_7d": 100 * sd7[keep] / mean7[keep],
            "baseline_mean": base_mean[keep],
            "baseline_sd": base_sd[keep],
        }
    )


def fast(activities: pd.DataFrame, wellness: pd.DataFrame):
    return pmc_many(daily_load_many(activities)), hrv_fast(wellness)


def _naive_metrics(g: pd.Series) -> pd.DataFrame:
    s = g.droplevel(0).asfreq("D", fill_value=0.0)
    padded = pd.concat([pd.Series([0.0]), pd.Series(s.to_numpy())])  # zero state the day before
    out = pd.DataFrame({"load": s})
    out["ctl"] = padded.ewm(alpha=1 - math.exp(-1 / 42), adjust=False).mean().to_numpy()[1:]
    out["atl"] = padded.ewm(alpha=1 - math.exp(-1 / 7), adjust=False).mean().to_numpy()[1:]
    out["tsb"] = (out["ctl"] - out["atl"]).shift(1, fill_value=0.0)
    ctl_padded = pd.concat([pd.Series([0.0]), pd.Series(out["ctl"].to_numpy())])
    out["ramp_7d"] = ctl_padded.diff(7).to_numpy()[1:]
    ratio = s.ewm(alpha=2 / 8).mean() / s.ewm(alpha=2 / 29).mean()
    out["acwr"] = ratio.where(np.arange(len(s)) >= 27)
    week = s.rolling(7)
    mean, sd = week.mean(), week.std(ddof=0)
    mono = (mean / sd).where(sd > 1e-9, np.where(mean > 1e-9, MONOTONY_MAX, np.nan))
    out["monotony"] = mono.clip(upper=MONOTONY_MAX)
    out["strain"] = (week.sum() * out["monotony"]).where(mean > 1e-9, 0.0).where(mean.notna())
    return out


def _naive_hrv(g: pd.DataFrame) -> pd.DataFrame:
    x = np.log(g.set_index("date")["rmssd_ms"]).asfreq("D")
    week = x.rolling(HRV_WINDOW, min_periods=HRV_MIN)
    base = x.shift(HRV_WINDOW).rolling(BASE_DAYS, min_periods=BASE_MIN)
    return pd.DataFrame(
        {
            "ln_rmssd_7d": week.mean(),
            "cv_7d": 100 * week.std() / week.mean(),
            "baseline_mean": base.mean(),
            "baseline_sd": base.std(),
        }
    )


def naive(activities: pd.DataFrame, wellness: pd.DataFrame):
    offset = pd.to_timedelta(activities["utc_offset_s"].astype(float).fillna(0), unit="s")
    local = (activities["start_time"] + offset).dt.tz_convert(None).dt.normalize()
    daily = activities.assign(date=local).groupby(["athlete_id", "date"])["load"].sum()
    metrics = daily.groupby(level=0).apply(_naive_metrics).reset_index()
    hrv = wellness.groupby("athlete_id")[["date", "rmssd_ms"]].apply(_naive_hrv).reset_index()
    return metrics, hrv


def _agree(ours: pd.DataFrame, theirs: pd.DataFrame, columns: list[str]) -> None:
    theirs = theirs.astype({"athlete_id": ours["athlete_id"].dtype})
    merged = ours.merge(theirs, on=["athlete_id", "date"], suffixes=("", "_naive"), how="outer")
    assert len(merged) == len(ours) == len(theirs)
    for c in columns:
        a, b = merged[c].to_numpy(float), merged[f"{c}_naive"].to_numpy(float)
        assert np.allclose(a, b, rtol=1e-7, atol=1e-7, equal_nan=True), c


def test_bench_daily_metrics_1000_athlete_years():
    t_gen, (activities, wellness) = best_of(lambda: make_population(N_ATHLETES, YEARS, SEED), 1)
    t_fast, (metrics, hrv) = best_of(lambda: fast(activities, wellness))
    t_naive, (metrics_n, hrv_n) = best_of(lambda: naive(activities, wellness), 1)
    _agree(metrics, metrics_n, METRICS)
    _agree(hrv, hrv_n, HRV)

    # the vectorised HRV numbers are hrv_status's numbers (three athletes checked)
    some = sorted(wellness["athlete_id"].unique())[:3]
    t_status = time.perf_counter()
    for athlete in some:
        ref = hrv_status(wellness[wellness["athlete_id"] == athlete])
        got = hrv[hrv["athlete_id"] == athlete].set_index("date")
        for c in HRV:
            assert np.allclose(got[c], ref[c], rtol=1e-9, atol=1e-9, equal_nan=True), c
    t_status = (time.perf_counter() - t_status) / len(some)

    athlete_years = N_ATHLETES * YEARS
    print(
        f"\n[bench] synthetic population: {athlete_years:,.0f} athlete-years, {len(activities):,} "
        f"runs, {len(wellness):,} wellness days (generated in {t_gen:.2f} s)"
    )
    print(
        f"[bench] daily metrics (load, CTL/ATL/TSB/ramp, ACWR, monotony/strain, HRV 7-day and "
        f"60-day baseline), {len(metrics):,} athlete-days: {t_fast:.2f} s (target < 2 s)"
    )
    print(
        f"[bench] baseline pandas groupby.apply + ewm/rolling, same numbers: {t_naive:.2f} s; "
        f"ratio (baseline / ours): {t_naive / t_fast:.1f}x"
    )
    print(
        f"[bench] for information: hrv_status (per athlete, with a sentence per day) "
        f"{t_status:.3f} s per athlete-year, ~{t_status * athlete_years:.0f} s for all"
    )


if __name__ == "__main__":
    sys.exit(pytest.main([__file__, "-s"]))

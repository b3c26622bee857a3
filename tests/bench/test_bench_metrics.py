"""Daily-metrics benchmark (`make bench`): 1,000 synthetic athlete-years, printed, never asserted on time.

Target (issue #4): daily metrics for 1,000 athlete-years in < 2 s on this machine, and a printed
ratio against a straightforward pandas ``groupby(...).apply`` / ``rolling`` implementation of the
same numbers, measured in the same run. Timed, for both, and only package code on our side:

- daily load per local calendar day (``start_time + utc_offset_s``) from ~215k runs
  (``coachkit.features.daily.daily_load_many``);
- CTL, ATL, TSB, 7-day ramp, ACWR (EWMA 7:28), monotony and strain per athlete-day
  (``coachkit.features.pmc_many.pmc_many``);
- HRV: ln rMSSD per day, 7-day mean and CV (>= 3 readings), the normal range from the 60 days
  before the week (>= 14 readings) and the status (``coachkit.features.hrv.hrv_many``); resting
  HR: 7-day mean, 60-day baseline and deviation (``coachkit.features.resting_hr.resting_hr_many``).
  These are the numbers of ``hrv_status`` / ``resting_hr_status`` (checked on a few athletes);
  the day-by-day sentences are not written in the timed path (``explain=False``).

Not in the < 2 s path: the per-activity load itself. The generator gives every run its rTSS,
as a summary-only source would give its load; the package's ``activity_loads`` (which picks
the method per activity; NumPy over the whole frame, thresholds by athlete, sentences only when
asked for) is timed separately, with the package's own threshold estimates, on a subset of
athletes, and its cost for all runs is printed as an extrapolation; the baseline is the old
per-row ``activity_loads`` (tests/load_rowwise.py, a sentence per run) in the same run, and
both give the same loads and methods (asserted here; sentences in tests/unit).
Results of the two paths are compared: the ratio is only meaningful if they agree.
"""

from __future__ import annotations

import math
import sys
import time

import numpy as np
import pandas as pd
import pytest

from coachkit.features.daily import daily_load_many
from coachkit.features.hrv import hrv_many, hrv_status
from coachkit.features.load import activity_loads
from coachkit.features.pmc import MONOTONY_MAX
from coachkit.features.pmc_many import pmc_many
from coachkit.features.resting_hr import resting_hr_many, resting_hr_status
from coachkit.features.thresholds import estimate_thresholds
from tests.bench.synthetic import make_population
from tests.bench.timing import best_of
from tests.load_rowwise import activity_loads as rowwise_loads

N_ATHLETES, YEARS, SEED = 1000, 1.0, 20240
HRV_WINDOW, HRV_MIN, BASE_DAYS, BASE_MIN = 7, 3, 60, 14  # as hrv_status's defaults
METRICS = ["load", "ctl", "atl", "tsb", "ramp_7d", "acwr", "monotony", "strain"]
HRV = ["ln_rmssd_7d", "cv_7d", "baseline_mean", "baseline_sd"]
RHR = ["rhr_7d", "rhr_baseline", "rhr_deviation"]
N_LOAD_ATHLETES = 100  # activity_loads is timed on this many athletes (a tenth)


def fast(activities: pd.DataFrame, wellness: pd.DataFrame):
    return (
        pmc_many(daily_load_many(activities)),
        hrv_many(wellness),
        resting_hr_many(wellness),
    )


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


def _naive_rhr(g: pd.DataFrame) -> pd.DataFrame:
    x = g.set_index("date")["resting_hr"].asfreq("D")
    week = x.rolling(HRV_WINDOW, min_periods=HRV_MIN).mean()
    base = x.shift(HRV_WINDOW).rolling(BASE_DAYS, min_periods=BASE_MIN).mean()
    return pd.DataFrame({"rhr_7d": week, "rhr_baseline": base, "rhr_deviation": week - base})


def naive(activities: pd.DataFrame, wellness: pd.DataFrame):
    offset = pd.to_timedelta(activities["utc_offset_s"].astype(float).fillna(0), unit="s")
    local = (activities["start_time"] + offset).dt.tz_convert(None).dt.normalize()
    daily = activities.assign(date=local).groupby(["athlete_id", "date"])["load"].sum()
    metrics = daily.groupby(level=0).apply(_naive_metrics).reset_index()
    hrv = wellness.groupby("athlete_id")[["date", "rmssd_ms"]].apply(_naive_hrv).reset_index()
    rhr = wellness.groupby("athlete_id")[["date", "resting_hr"]].apply(_naive_rhr).reset_index()
    return metrics, hrv, rhr


def _agree(ours: pd.DataFrame, theirs: pd.DataFrame, columns: list[str]) -> None:
    ours = ours.astype({"athlete_id": str})
    theirs = theirs.astype({"athlete_id": str})
    merged = ours.merge(theirs, on=["athlete_id", "date"], suffixes=("", "_naive"), how="outer")
    assert len(merged) == len(ours) == len(theirs)
    for c in columns:
        a, b = merged[c].to_numpy(float), merged[f"{c}_naive"].to_numpy(float)
        assert np.allclose(a, b, rtol=1e-7, atol=1e-7, equal_nan=True), c


def _per_activity_loads(activities: pd.DataFrame, wellness: pd.DataFrame, n: int):
    """Each athlete's estimated thresholds, then the loads of the first ``n`` athletes' runs.

    Ours: one ``activity_loads`` call for all of them (thresholds by athlete_id, no sentences),
    and, for information, one call per athlete. Baseline: the old per-row ``activity_loads``
    (a sentence per run), one call per athlete. Returns the seconds of the four steps, the
    loads of ours and of the baseline (in the same row order) and the number of runs.
    """
    who = sorted(activities["athlete_id"].unique())[:n]
    acts = activities[activities["athlete_id"].isin(who)].sort_values("athlete_id", kind="stable")
    well = wellness[wellness["athlete_id"].isin(who)]
    t0 = time.perf_counter()
    groups = list(acts.groupby("athlete_id", sort=True))
    ths = {
        a: estimate_thresholds(runs, wellness=well[well["athlete_id"] == a]) for a, runs in groups
    }
    t_th = time.perf_counter() - t0
    t0 = time.perf_counter()
    new = activity_loads(acts, ths, explain=False)
    t_new = time.perf_counter() - t0
    t0 = time.perf_counter()
    for a, runs in groups:
        activity_loads(runs, ths[a], explain=False)
    t_each = time.perf_counter() - t0
    t0 = time.perf_counter()
    old = pd.concat([rowwise_loads(runs, ths[a]) for a, runs in groups], ignore_index=True)
    t_old = time.perf_counter() - t0
    return (t_th, t_new, t_each, t_old), new, old, len(acts)


def test_bench_daily_metrics_1000_athlete_years():
    t_gen, (activities, wellness) = best_of(lambda: make_population(N_ATHLETES, YEARS, SEED), 1)
    t_fast, (metrics, hrv, rhr) = best_of(lambda: fast(activities, wellness))
    t_naive, (metrics_n, hrv_n, rhr_n) = best_of(lambda: naive(activities, wellness), 1)
    _agree(metrics, metrics_n, METRICS)
    _agree(hrv, hrv_n, HRV)
    _agree(rhr, rhr_n, RHR)

    # the roster numbers are the per-athlete functions' numbers (three athletes checked)
    some = sorted(wellness["athlete_id"].unique())[:3]
    t_status = time.perf_counter()
    for athlete in some:
        mine = wellness[wellness["athlete_id"] == athlete]
        for one, many, cols in ((hrv_status, hrv, HRV + ["status"]), (resting_hr_status, rhr, RHR)):
            ref = one(mine)
            got = many[many["athlete_id"] == athlete].set_index("date")
            assert got.index.equals(ref.index)
            for c in cols:
                if c == "status":
                    assert got[c].astype(str).tolist() == ref[c].tolist()
                else:
                    assert np.allclose(got[c], ref[c], rtol=1e-9, atol=1e-9, equal_nan=True), c
    t_status = (time.perf_counter() - t_status) / len(some)

    (t_th, t_loads, t_each, t_rows), loads, old, n_load_runs = _per_activity_loads(
        activities, wellness, N_LOAD_ATHLETES
    )
    assert loads["load"].notna().all() and (loads["load"] > 0).all()
    assert set(loads["load_method"]) <= {"hrtss", "rtss"}
    # the same numbers and methods as the per-row path (tests/unit/test_load_vectorised.py
    # checks the sentences and every other route)
    assert np.allclose(loads["load"], old["load"], rtol=1e-9, atol=1e-9)
    assert loads["load_method"].tolist() == old["load_method"].tolist()

    athlete_years = N_ATHLETES * YEARS
    print(
        f"\n[bench] synthetic population: {athlete_years:,.0f} athlete-years, {len(activities):,} "
        f"runs, {len(wellness):,} wellness days (generated in {t_gen:.2f} s)"
    )
    print(
        "[bench] timed (package code only): daily_load_many + pmc_many (daily load, CTL/ATL/TSB,"
        " ramp, ACWR, monotony/strain) + hrv_many (lnRMSSD 7-day mean/CV, 60-day normal range,"
        " status) + resting_hr_many (7-day mean, 60-day baseline, deviation, status), from each"
        " run's load as given"
    )
    print(f"[bench] daily metrics, {len(metrics):,} athlete-days: {t_fast:.2f} s (target < 2 s)")
    print(
        f"[bench] baseline pandas groupby.apply + ewm/rolling, same numbers: {t_naive:.2f} s; "
        f"ratio (baseline / ours): {t_naive / t_fast:.1f}x"
    )
    per_run, per_run_old = (t_th + t_loads) / n_load_runs, (t_th + t_rows) / n_load_runs
    print(
        f"[bench] not in the timed path: per-activity load for {n_load_runs:,} runs of"
        f" {N_LOAD_ATHLETES} athletes: estimate_thresholds (one athlete at a time) {t_th:.2f} s"
        f" + activity_loads (NumPy, all athletes in one call, sentences only when shown)"
        f" {t_loads:.3f} s = {per_run * 1e6:.0f} us per run, ~{per_run * len(activities):.1f} s"
        f" for all {len(activities):,} runs (activity_loads one athlete at a time: {t_each:.2f} s)"
    )
    print(
        f"[bench] baseline per-row activity_loads (a sentence per run, tests/load_rowwise.py),"
        f" same thresholds: {t_rows:.2f} s, {per_run_old * 1e6:.0f} us per run with the"
        f" thresholds; ratio (baseline / ours): loads alone {t_rows / t_loads:.1f}x,"
        f" thresholds + load {(t_th + t_rows) / (t_th + t_loads):.1f}x"
    )
    print(
        f"[bench] for information: hrv_status + resting_hr_status (one athlete, with a sentence"
        f" per day) {t_status:.3f} s per athlete-year"
    )


if __name__ == "__main__":
    sys.exit(pytest.main([__file__, "-s"]))

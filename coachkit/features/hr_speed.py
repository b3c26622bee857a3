"""HR–speed index: the GAP speed a runner holds at a fixed reference heart rate, day by day.

From a duration-weighted regression of each run's mean GAP speed on its mean HR over a trailing
window. Rising means fitter (more speed for the same HR); the same idea as Friel's EF trend,
but comparable across easy and steady runs because it is read at one HR. It takes one row per
run (:func:`~coachkit.features.running.run_features`), not samples.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

INDEX_HR_RANGE_BPM = (60.0, 220.0)  # run-average HR outside this is a bad strap or a typo
INDEX_MIN_SPEED_M_S = 1.0  # slower is walking: HR then says little about running fitness
INDEX_MIN_HR_SD_BPM = 3.0  # below this spread the regression slope is noise: use the ratio (EF)


def hr_speed_index(
    activities_features: pd.DataFrame,
    *,
    window_days: int = 28,
    reference_hr: float | None = None,
    min_duration_s: float = 600.0,
) -> pd.DataFrame:
    """Daily fitness index: GAP speed (m/s) at a reference HR over the trailing ``window_days``.

    For each calendar day from the first run to the last, the runs of the ``window_days`` days up
    to and including that day are regressed (weighted by duration) speed-on-HR, and the line is
    read at ``reference_hr``. With fewer than 3 runs, an HR spread under 3 bpm or a
    non-positive slope, the index falls back to the ratio model: ``reference_hr`` times the
    duration-weighted mean speed over the mean HR (speed proportional to HR, i.e. the mean
    efficiency factor). Every value is an estimate; ``method`` says which model gave it.

    Parameters
    ----------
    activities_features : DataFrame
        One row per run: ``date`` (the athlete's local day; else ``start_time`` is used),
        ``mean_gap_speed_m_s``, ``hr_time_weighted`` and optionally ``moving_time_s`` (or
        ``duration_s``), e.g. :func:`~coachkit.features.running.run_features` per run.
    window_days : int
        Trailing window length.
    reference_hr : float, optional
        HR to read the index at; default the median run HR of the frame given (pass it
        explicitly, or only past runs, to avoid looking ahead in a replay).
    min_duration_s : float
        Shorter runs are dropped: HR has not settled in the first minutes.

    Returns
    -------
    DataFrame
        ``date, index, n_runs, method`` ("regression", "ratio" or "none"),
        ``reference_hr_bpm, note``.
    """
    cols = ["date", "index", "n_runs", "method", "reference_hr_bpm", "note"]
    df = activities_features
    if "date" not in df.columns and "start_time" not in df.columns:
        raise ValueError("hr_speed_index needs a 'date' (or 'start_time') column, one row per run")
    when = df["date"] if "date" in df.columns else df["start_time"]
    # tz-aware times count by their UTC day: pass the athlete's local ``date`` where it matters
    when = pd.to_datetime(when, utc=True).dt.tz_localize(None)
    dur_col = next((c for c in ("moving_time_s", "duration_s") if c in df.columns), None)
    dur = pd.to_numeric(df[dur_col], errors="coerce") if dur_col else pd.Series(60.0, df.index)
    runs = pd.DataFrame(
        {
            "day": when.dt.normalize().to_numpy(),
            "v": pd.to_numeric(df["mean_gap_speed_m_s"], errors="coerce").to_numpy(float),
            "hr": pd.to_numeric(df["hr_time_weighted"], errors="coerce").to_numpy(float),
            "w": (dur / 60.0).to_numpy(float),  # weight: minutes run
        }
    )
    ok = runs["day"].notna() & (runs["v"] > INDEX_MIN_SPEED_M_S)
    ok &= runs["hr"].between(*INDEX_HR_RANGE_BPM) & (runs["w"] * 60.0 >= min_duration_s)
    runs = runs[ok].sort_values("day", kind="stable")
    if runs.empty:
        return pd.DataFrame({c: pd.Series(dtype=t) for c, t in zip(cols, _INDEX_DTYPES)})
    ref = float(np.round(runs["hr"].median())) if reference_hr is None else float(reference_hr)
    days = pd.date_range(runs["day"].iloc[0], runs["day"].iloc[-1], freq="D")
    # window sums from prefix sums over the runs: HR is centred on the reference HR
    x, y, w = runs["hr"].to_numpy() - ref, runs["v"].to_numpy(), runs["w"].to_numpy()
    pre = {
        k: np.concatenate([[0.0], np.cumsum(a)])
        for k, a in {
            "n": np.ones_like(w),
            "w": w,
            "wx": w * x,
            "wy": w * y,
            "wxx": w * x * x,
            "wxy": w * x * y,
        }.items()
    }
    run_days = runs["day"].to_numpy()
    hi = np.searchsorted(run_days, days.to_numpy(), side="right")
    lo = np.searchsorted(run_days, (days - pd.Timedelta(days=window_days)).to_numpy(), "right")
    s = {k: a[hi] - a[lo] for k, a in pre.items()}
    with np.errstate(invalid="ignore", divide="ignore"):
        mx, my = s["wx"] / s["w"], s["wy"] / s["w"]
        var = s["wxx"] / s["w"] - mx * mx
        slope = (s["wxy"] / s["w"] - mx * my) / var
        regression = my - slope * mx  # the line at x = 0, i.e. at the reference HR
        ratio = ref * my / (mx + ref)
    n = s["n"].astype(int)
    use_reg = (n >= 3) & (np.sqrt(np.maximum(var, 0)) >= INDEX_MIN_HR_SD_BPM) & (slope > 0)
    use_reg &= regression > 0  # a line read far outside its HR range can go negative
    method = np.where(n == 0, "none", np.where(use_reg, "regression", "ratio"))
    index = np.where(n == 0, np.nan, np.where(use_reg, regression, ratio))
    hr_mean, hr_sd = mx + ref, np.sqrt(np.maximum(var, 0))
    notes = [
        f"No run with usable HR in the {window_days} days to this date."
        if m == "none"
        else f"Estimate: GAP speed {v:.2f} m/s at {ref:.0f} bpm, "
        + (
            f"from a duration-weighted regression of speed on HR over {k} runs in the "
            f"{window_days} days to this date (HR {h:.0f} ± {sd:.0f} bpm)."
            if m == "regression"
            else f"from the mean speed/HR ratio of {k} run{'s' if k > 1 else ''} in the "
            f"{window_days} days to this date (HR {h:.0f} bpm); too few runs or too little HR "
            f"spread for a regression."
        )
        for m, v, k, h, sd in zip(method, index, n, hr_mean, hr_sd)
    ]
    return pd.DataFrame(
        {
            "date": days.as_unit("ns"),
            "index": index.astype(float),
            "n_runs": n,
            "method": pd.array(method, dtype="string"),
            "reference_hr_bpm": ref,
            "note": pd.array(notes, dtype="string"),
        }
    )


_INDEX_DTYPES = ("datetime64[ns]", "float64", "int64", "string", "float64", "string")

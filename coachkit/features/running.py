"""Speed, efficiency and aerobic decoupling of one run, from its samples.

Conventions (docs/design.md §5), each with its source:

- **Moving time and distance** are those of the cleaned track (:mod:`coachkit.features.track`),
  **GAP** that of :mod:`coachkit.features.gap` (Minetti's cost of running on the grade).
- **Efficiency factor** (EF): mean GAP speed in m/min ÷ mean HR over the moving time
  (TrainingPeaks / Friel; Friel's worked example uses yards/min, 1.56 at 8 mph and 150 bpm,
  which is 1.43 in m/min). TrainingPeaks divides *normalised* graded pace; we use the mean.
- **Aerobic decoupling** (Pa:HR, Friel): ``(EF₁ − EF₂) / EF₁ × 100`` for the first and second
  halves of the moving time. Only for runs of ≥ 20 min; positive means HR drifted up.

Pure: the samples frame given is never modified.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from coachkit.core.sports import FOOT_SPORTS
from coachkit.features.gap import graded_metres
from coachkit.features.track import Track, clean_track, samples_column

HR_RANGE_BPM = (30.0, 240.0)  # outside: strap dropouts and double counts
HR_MAX_GAP_S = 30.0  # HR is interpolated across gaps up to this long (sparse GPX HR)
HR_MIN_COVERAGE = 0.5  # EF/decoupling need HR for at least half the (half-)run's moving time
DECOUPLING_MIN_S = 20 * 60.0  # shorter runs: HR is still rising from rest, drift is meaningless


def _hr(samples: pd.DataFrame, tr: Track) -> np.ndarray:
    """HR per sample, plausible values only, interpolated across gaps up to 30 s."""
    hr = samples_column(samples, "hr_bpm", tr.order)
    ok = np.isfinite(hr) & (hr >= HR_RANGE_BPM[0]) & (hr <= HR_RANGE_BPM[1])
    if ok.sum() < 2:
        return np.where(ok, hr, np.nan)
    tv, hv = tr.t[ok], hr[ok]
    out = np.interp(tr.t, tv, hv)
    nxt = np.clip(np.searchsorted(tv, tr.t, side="left"), 0, len(tv) - 1)
    prv = np.clip(np.searchsorted(tv, tr.t, side="right") - 1, 0, len(tv) - 1)
    bridged = (tv[nxt] - tv[prv] <= HR_MAX_GAP_S) & (tr.t >= tv[0]) & (tr.t <= tv[-1])
    return np.where(ok | bridged, out, np.nan)


def _ef(fdx: np.ndarray, dt: np.ndarray, hr_dt: np.ndarray, sel: np.ndarray) -> float:
    """EF over the intervals in ``sel``: (GAP m/min) / (time-weighted HR)."""
    time = dt[sel].sum()
    return float(fdx[sel].sum() / time * 60.0 / (hr_dt[sel].sum() / time)) if time > 0 else np.nan


def run_features(samples: pd.DataFrame, *, sport: str = "run") -> dict[str, float]:
    """Speed, GAP, efficiency and decoupling of one run, from its samples.

    Returns
    -------
    dict
        ``moving_time_s``, ``moving_distance_m``, ``mean_speed_m_s`` (moving distance / moving
        time), ``mean_gap_speed_m_s`` (the same with every metre weighted by Minetti's cost, i.e.
        time-weighted GAP), ``hr_time_weighted`` (bpm, over the moving time), ``ef`` (GAP m/min
        per bpm) and ``decoupling_pct`` (Pa:HR). NaN where not computable: no HR (or HR for less
        than half the moving time), a run shorter than 20 min (decoupling), a sport that is not
        on foot (GAP, EF). On a treadmill GAP equals speed.

    Examples
    --------
    30 min at 3.576 m/s (8 mph) on the flat with HR 150: EF = 214.6 m/min / 150 = 1.43, which is
    Friel's 1.56 in yards/min.

    >>> s = pd.DataFrame({"t_s": np.arange(1801.0), "distance_m": np.arange(1801.0) * 3.576,
    ...                   "hr_bpm": 150.0})
    >>> round(run_features(s)["ef"], 3), round(run_features(s)["decoupling_pct"], 3)
    (1.43, 0.0)
    """
    nan = float("nan")
    out = dict.fromkeys(
        ("moving_time_s", "moving_distance_m", "mean_speed_m_s", "mean_gap_speed_m_s"), nan
    )
    out.update(hr_time_weighted=nan, ef=nan, decoupling_pct=nan)
    if len(samples) < 2 or "t_s" not in samples.columns:
        return out
    tr = clean_track(samples)
    mv = tr.moving
    moving_time = float(tr.dt[mv].sum())
    if moving_time <= 0:
        return out
    out["moving_time_s"] = moving_time
    out["moving_distance_m"] = float(tr.dx[mv].sum())
    out["mean_speed_m_s"] = out["moving_distance_m"] / moving_time
    if sport not in FOOT_SPORTS:
        return out
    fdx = graded_metres(samples, tr, sport)  # grade-adjusted metres per interval
    out["mean_gap_speed_m_s"] = float(fdx[mv].sum() / moving_time)
    hr = _hr(samples, tr)
    hr_i = 0.5 * (hr[:-1] + hr[1:])
    with_hr = mv & np.isfinite(hr_i)
    if tr.dt[with_hr].sum() < HR_MIN_COVERAGE * moving_time:
        return out
    hr_dt = np.where(with_hr, hr_i, 0.0) * tr.dt
    out["hr_time_weighted"] = float(hr_dt[with_hr].sum() / tr.dt[with_hr].sum())
    out["ef"] = _ef(fdx, tr.dt, hr_dt, with_hr)
    if moving_time >= DECOUPLING_MIN_S:
        # halves of the moving time; an interval belongs to the half its midpoint falls in
        mid_time = np.cumsum(np.where(mv, tr.dt, 0.0)) - 0.5 * tr.dt
        first = mid_time < moving_time / 2
        halves = (with_hr & first, with_hr & ~first)
        covered = [tr.dt[h].sum() >= HR_MIN_COVERAGE * moving_time / 2 for h in halves]
        if all(covered):
            ef1, ef2 = (_ef(fdx, tr.dt, hr_dt, h) for h in halves)
            out["decoupling_pct"] = (ef1 - ef2) / ef1 * 100.0
    return out

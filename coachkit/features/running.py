"""Running features from one run's samples: grade, GAP, efficiency, decoupling, best efforts.

Conventions (docs/design.md §5), each with its source:

- **Track cleaning.** Cumulative distance is made non-decreasing, and an interval whose speed
  exceeds 12.5 m/s both on its own and over a window reaching 1 s either side is a GPS jump: its
  distance is dropped. 12.5 m/s is above the fastest speed a human has reached (Bolt, ≈12.4 m/s
  between 60 and 80 m of the 2009 Berlin 100 m world record). The ±1 s window keeps the
  timestamp jitter of some phones (two points 1 ms apart, then 999 ms) from looking like a jump.
- **Moving.** An interval is moving when the speed over that window is ≥ 0.5 m/s, the threshold
  the readers use for ``moving_time_s``.
- **Grade.** The least-squares slope of altitude against distance over the samples within
  ±25 m (a 50 m window), so it depends on distance run, not on the sampling rate or on how long
  the runner stood still. Altitude from GPS is noisy (metres); the regression averages it out.
  Clipped to ±0.45, the range Minetti measured. No altitude, or a treadmill: grade 0.
- **GAP** (grade-adjusted pace): ``speed × C(grade) / C(0)`` with Minetti's cost of running
  ``C`` (Minetti et al. 2002, J Appl Physiol 93:1039, the polynomial fitted to the running data).
- **Efficiency factor** (EF): mean GAP speed in m/min ÷ mean HR over the moving time
  (TrainingPeaks / Friel; Friel's worked example uses yards/min, 1.56 at 8 mph and 150 bpm,
  which is 1.43 in m/min). TrainingPeaks divides *normalised* graded pace; we use the mean.
- **Aerobic decoupling** (Pa:HR, Friel): ``(EF₁ − EF₂) / EF₁ × 100`` for the first and second
  halves of the moving time. Only for runs of ≥ 20 min; positive means HR drifted up.
- **Best efforts**: the shortest elapsed time to cover each distance anywhere in the run, ends
  interpolated, over continuous running (no stop of 10 s or more inside), ignoring any stretch
  faster than the world record over its distance (:data:`~.efforts.WORLD_RECORDS_S`).

All functions are pure: they never modify the frames they are given.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass

import numpy as np
import pandas as pd

from coachkit.features.efforts import (
    CS_DISTANCES_M,
    STANDARD_DISTANCES_M,
    WORLD_RECORDS_S,
    CriticalSpeed,
    critical_speed,
    daniels_paces,
    hr_speed_index,
    race_time_from_vdot,
    vdot,
    world_record_speed,
)

__all__ = [
    "CS_DISTANCES_M",
    "STANDARD_DISTANCES_M",
    "WORLD_RECORDS_S",
    "CriticalSpeed",
    "best_efforts",
    "critical_speed",
    "daniels_paces",
    "gap_speed",
    "hr_speed_index",
    "minetti_cost",
    "race_time_from_vdot",
    "run_features",
    "vdot",
    "with_grade_and_gap",
]

# Minetti et al. 2002, J Appl Physiol 93:1039, cost of running (J/kg/m) as a quintic in the
# grade i (a fraction): C = 155.4 i^5 - 30.4 i^4 - 43.3 i^3 + 46.3 i^2 + 19.5 i + 3.6.
MINETTI_COEFFS = (155.4, -30.4, -43.3, 46.3, 19.5, 3.6)  # highest power first (np.polyval)
MINETTI_GRADE_LIMIT = 0.45  # the paper measured -0.45 .. +0.45; beyond that it is extrapolation
MAX_SPEED_M_S = 12.5  # above Bolt's ~12.4 m/s peak (Berlin 2009): a GPS jump, not running
SPIKE_WINDOW_S = 1.0  # look this far either side of an interval before calling it a jump
MOVING_SPEED_M_S = 0.5  # same threshold as the readers' moving_time_s (coachkit.io.base)
GRADE_WINDOW_M = 50.0  # total width of the distance window the grade is fitted over
HR_RANGE_BPM = (30.0, 240.0)  # outside: strap dropouts and double counts
HR_MAX_GAP_S = 30.0  # HR is interpolated across gaps up to this long (sparse GPX HR)
HR_MIN_COVERAGE = 0.5  # EF/decoupling need HR for at least half the (half-)run's moving time
DECOUPLING_MIN_S = 20 * 60.0  # shorter runs: HR is still rising from rest, drift is meaningless
STOP_MAX_S = 10.0  # a best effort is continuous running: no stop this long (a light, a pause)
FOOT_SPORTS = ("run", "trail_run", "treadmill", "walk")


def minetti_cost(grade: float | np.ndarray) -> float | np.ndarray:
    """Energy cost of running (J·kg⁻¹·m⁻¹) on ``grade`` (a fraction), Minetti et al. 2002.

    The grade is clipped to ±0.45, the range the polynomial was fitted on. NaN stays NaN.

    >>> minetti_cost(0.0)
    3.6
    >>> round(minetti_cost(0.10), 4)
    5.9682
    """
    c = np.polyval(MINETTI_COEFFS, np.clip(np.asarray(grade, dtype=float), -0.45, 0.45))
    return float(c) if np.ndim(c) == 0 else c


_C0 = MINETTI_COEFFS[-1]  # cost on the flat, 3.6 J/kg/m


def gap_speed(speed_m_s: float | np.ndarray, grade: float | np.ndarray) -> np.ndarray:
    """Grade-adjusted speed (m/s): the flat speed with the same energy cost as ``speed_m_s``.

    >>> float(gap_speed(3.0, 0.10).round(4))
    4.9735
    """
    return np.asarray(speed_m_s, dtype=float) * (minetti_cost(grade) / _C0)


# ---------------------------------------------------------------------------------------------
# track cleaning


@dataclass(frozen=True)
class _Track:
    order: np.ndarray  # row order that sorts the samples by time
    t: np.ndarray  # s, non-decreasing
    x: np.ndarray  # cleaned cumulative distance, m, starts at 0
    dt: np.ndarray  # per interval (len n - 1)
    dx: np.ndarray  # cleaned distance per interval
    moving: np.ndarray  # bool per interval


def _col(samples: pd.DataFrame, name: str, order: np.ndarray) -> np.ndarray:
    if name not in samples.columns:
        return np.full(len(order), np.nan)
    return pd.to_numeric(samples[name], errors="coerce").to_numpy(dtype=float, na_value=np.nan)[
        order
    ]


def _ffill(v: np.ndarray) -> np.ndarray:
    """Forward-fill NaNs; leading NaNs take the first value (NaN only if all are NaN)."""
    ok = np.isfinite(v)
    if not ok.any():
        return v.copy()
    idx = np.maximum.accumulate(np.where(ok, np.arange(len(v)), 0))
    out = v[idx]
    out[: np.argmax(ok)] = v[np.argmax(ok)]
    return out


def _window_speed(t: np.ndarray, x: np.ndarray, half_s: float) -> np.ndarray:
    """Speed of each interval over a window reaching ``half_s`` either side of it."""
    a = np.maximum(t[:-1] - half_s, t[0])
    b = np.minimum(t[1:] + half_s, t[-1])
    with np.errstate(invalid="ignore", divide="ignore"):
        return (np.interp(b, t, x) - np.interp(a, t, x)) / np.maximum(b - a, 1e-9)


def _track(samples: pd.DataFrame) -> _Track:
    t_all = pd.to_numeric(samples["t_s"], errors="coerce").to_numpy(dtype=float, na_value=np.nan)
    keep = np.flatnonzero(np.isfinite(t_all))
    order = keep[np.argsort(t_all[keep], kind="stable")]
    t = t_all[order]
    dt = np.diff(t)
    # np.interp wants strictly increasing times; phone GPX repeats some timestamps
    ts = t + np.arange(len(t)) * 1e-9 if (dt <= 0).any() else t
    x = _col(samples, "distance_m", order)
    if np.isfinite(x).sum() >= 2:
        x = _ffill(x)
    else:  # no odometer: integrate the speed, each value held back to the previous sample
        v = np.nan_to_num(_col(samples, "speed_m_s", order), nan=0.0).clip(0, MAX_SPEED_M_S)
        x = np.concatenate([[0.0], np.cumsum(v[1:] * dt)]) if len(t) else x
    x = np.maximum.accumulate(x) if len(x) else x
    dx = np.diff(x)
    if len(t) > 1:
        with np.errstate(invalid="ignore", divide="ignore"):
            raw = np.where(dt > 0, dx / dt, np.where(dx > 0, np.inf, 0.0))
        jump = (raw > MAX_SPEED_M_S) & (_window_speed(ts, x, SPIKE_WINDOW_S) > MAX_SPEED_M_S)
        dx = np.where(jump, 0.0, dx)
    x = np.concatenate([[0.0], np.cumsum(dx)]) if len(t) else x
    moving = (
        _window_speed(ts, x, SPIKE_WINDOW_S) >= MOVING_SPEED_M_S
        if len(t) > 1
        else np.zeros(0, bool)
    )
    return _Track(order, t, x, dt, dx, moving & (dt > 0))


def _grade(x: np.ndarray, alt: np.ndarray, window_m: float) -> np.ndarray:
    """Least-squares slope of altitude on distance over the samples within ±window_m/2."""
    ok = np.isfinite(alt) & np.isfinite(x)
    if ok.sum() < 3:
        return np.zeros(len(x))
    xs, ys = x[ok], alt[ok]  # x is non-decreasing, so xs is sorted
    xs0 = xs - xs[0]  # smaller numbers in the running sums
    s1 = np.concatenate([[0.0], np.cumsum(np.ones_like(xs0))])
    sx = np.concatenate([[0.0], np.cumsum(xs0)])
    sy = np.concatenate([[0.0], np.cumsum(ys - ys[0])])
    sxx = np.concatenate([[0.0], np.cumsum(xs0 * xs0)])
    sxy = np.concatenate([[0.0], np.cumsum(xs0 * (ys - ys[0]))])
    half = window_m / 2.0
    lo = np.searchsorted(xs, x - half, side="left")
    hi = np.searchsorted(xs, x + half, side="right")
    n = s1[hi] - s1[lo]
    mx, my = sx[hi] - sx[lo], sy[hi] - sy[lo]
    with np.errstate(invalid="ignore", divide="ignore"):
        var = (sxx[hi] - sxx[lo]) - mx * mx / n
        cov = (sxy[hi] - sxy[lo]) - mx * my / n
        # a fit needs 3 points spread over at least a quarter of the window (spread² ≥ (w/4)²/3)
        good = (n >= 3) & (var / n >= (window_m / 4.0) ** 2 / 12.0)
        g = np.where(good, cov / var, 0.0)
    return np.clip(np.nan_to_num(g), -MINETTI_GRADE_LIMIT, MINETTI_GRADE_LIMIT)


def _sample_grade(samples: pd.DataFrame, tr: _Track, sport: str, window_m: float) -> np.ndarray:
    if sport == "treadmill":
        return np.zeros(len(tr.t))
    return _grade(tr.x, _col(samples, "altitude_m", tr.order), window_m)


def with_grade_and_gap(
    samples: pd.DataFrame, *, sport: str = "run", window_m: float = GRADE_WINDOW_M
) -> pd.DataFrame:
    """Return a copy of ``samples`` with ``grade`` (fraction) and ``gap_speed_m_s`` columns.

    ``grade`` is fitted over a ``window_m`` distance window (see the module notes; 0 without
    altitude or on a treadmill). ``gap_speed_m_s`` is the recorded ``speed_m_s`` (or, where that
    is missing or beyond 12.5 m/s, the speed from the cleaned distance) adjusted by Minetti's cost.
    Rows keep their original order and index.

    A steady 10 % climb at 3 m/s is worth 4.97 m/s on the flat:

    >>> t = np.arange(61.0)
    >>> s = pd.DataFrame({"t_s": t, "distance_m": 3 * t, "altitude_m": 0.3 * t, "speed_m_s": 3.0})
    >>> with_grade_and_gap(s)[["grade", "gap_speed_m_s"]].round(3).iloc[30].tolist()
    [0.1, 4.974]
    """
    out = samples.copy()
    if len(samples) == 0 or "t_s" not in samples.columns:
        out["grade"] = pd.Series(dtype=float)
        out["gap_speed_m_s"] = pd.Series(dtype=float)
        return out
    tr = _track(samples)
    grade = _sample_grade(samples, tr, sport, window_m)
    v = _col(samples, "speed_m_s", tr.order)
    if len(tr.t) > 1:  # distance-based speed of the interval ending at each sample
        derived = np.concatenate(
            [[np.nan], np.where(tr.dt > 0, tr.dx / np.maximum(tr.dt, 1e-9), 0)]
        )
    else:
        derived = np.full(len(tr.t), np.nan)
    v = np.where(np.isfinite(v) & (v >= 0) & (v <= MAX_SPEED_M_S), v, derived)
    gap = gap_speed(v, grade)
    g_col = np.full(len(samples), np.nan)
    v_col = np.full(len(samples), np.nan)
    g_col[tr.order], v_col[tr.order] = grade, gap
    out["grade"] = g_col
    out["gap_speed_m_s"] = v_col
    return out


def _hr(samples: pd.DataFrame, tr: _Track) -> np.ndarray:
    """HR per sample, plausible values only, interpolated across gaps up to 30 s."""
    hr = _col(samples, "hr_bpm", tr.order)
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
    tr = _track(samples)
    mv = tr.moving
    moving_time = float(tr.dt[mv].sum())
    if moving_time <= 0:
        return out
    out["moving_time_s"] = moving_time
    out["moving_distance_m"] = float(tr.dx[mv].sum())
    out["mean_speed_m_s"] = out["moving_distance_m"] / moving_time
    if sport not in FOOT_SPORTS:
        return out
    f = minetti_cost(_sample_grade(samples, tr, sport, GRADE_WINDOW_M)) / _C0
    fdx = 0.5 * (f[:-1] + f[1:]) * tr.dx  # grade-adjusted metres per interval
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


# ---------------------------------------------------------------------------------------------
# best efforts


_Window = tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]  # i, j, time_s, start_t_s


def _forward(x: np.ndarray, t: np.ndarray, d: float) -> _Window:
    """From every sample i, the time to cover ``d`` (end interpolated in its interval).

    The effort spans intervals i .. j-1, where j is the first sample at or beyond the target.
    """
    i = np.flatnonzero(x <= x[-1] - d)
    target = x[i] + d
    j = np.minimum(np.searchsorted(x, target, side="left"), len(x) - 1)  # rounding at the end
    frac = (target - x[j - 1]) / (x[j] - x[j - 1])
    return i, j, t[j - 1] + frac * (t[j] - t[j - 1]) - t[i], t[i]


def _backward(x: np.ndarray, t: np.ndarray, d: float) -> _Window:
    """To every sample j, the time since ``d`` ago (start interpolated in its interval)."""
    j = np.flatnonzero(x >= x[0] + d)
    target = x[j] - d
    # last sample at or before the target (clipped against rounding at the start)
    i = np.clip(np.searchsorted(x, target, side="right") - 1, 0, len(x) - 2)
    start = t[i] + (target - x[i]) / (x[i + 1] - x[i]) * (t[i + 1] - t[i])
    return i, j, t[j] - start, start


def _excluded_intervals(
    x: np.ndarray,
    t: np.ndarray,
    moving: np.ndarray,
    max_stop_s: float,
    forward: dict[float, _Window],
) -> np.ndarray:
    """Intervals no effort may span: stops of ``max_stop_s`` or more, and stretches covered faster
    than the world record for their distance (GPS error or a vehicle). Fills ``forward`` with the
    forward windows it computed, so that best_efforts can reuse them."""
    # a stop: consecutive non-moving intervals lasting max_stop_s or more in total
    dt = np.diff(t)
    still = ~moving
    group = np.cumsum(still & ~np.concatenate([[False], still[:-1]])) * still  # 0 = moving
    stop_s = np.bincount(group, weights=dt * still)
    excluded = still & (stop_s[group] >= max_stop_s)
    top_speed = float(np.max(np.diff(x)[dt > 0] / dt[dt > 0], initial=0.0))
    mark = np.zeros(len(x) + 1)
    for d, wr in WORLD_RECORDS_S.items():
        # shorter records are sprints (the 12.5 m/s cap covers them); and no window can beat a
        # record whose speed is above the fastest single interval
        if d < 400.0 or d > x[-1] or top_speed < d / wr:
            continue
        i, j, time, _ = forward[d] = _forward(x, t, d)
        fast = time < wr
        np.add.at(mark, i[fast], 1.0)
        np.add.at(mark, j[fast], -1.0)
    return excluded | (np.cumsum(mark)[: len(x) - 1] > 0)


def best_efforts(
    samples: pd.DataFrame,
    distances_m: Mapping[str, float] = STANDARD_DISTANCES_M,
    *,
    grade_adjusted: bool = False,
    max_stop_s: float = STOP_MAX_S,
) -> pd.DataFrame:
    """Fastest time to cover each distance anywhere in one run.

    Every sample is tried as a start (end interpolated within its interval) and as an end (start
    interpolated), by binary search on the cleaned cumulative distance: no loop over samples.
    An effort is continuous running, timed on the elapsed clock: it may not contain a stop of
    ``max_stop_s`` (10 s) or more, such as a traffic light or a paused watch. (A rest inside a
    longer window is diluted, and would make, say, a mile look faster than every 1 km.)
    Stretches covered faster than the world record over 400 m … marathon are GPS error or a
    vehicle: no effort may overlap them, and none may beat the record for its own distance.

    Parameters
    ----------
    samples : DataFrame
        Canonical samples (``t_s``, ``distance_m`` or ``speed_m_s``, ``altitude_m`` if
        ``grade_adjusted``).
    distances_m : mapping
        Name -> distance in metres (default :data:`STANDARD_DISTANCES_M`).
    grade_adjusted : bool
        Search on grade-adjusted distance (Minetti), as Smyth & Muniz-Pumares 2020 did for
        critical speed.
    max_stop_s : float
        Longest stop an effort may contain; ``float("inf")`` times efforts on the elapsed clock
        whatever they contain (longer distances may then come out faster than shorter ones).

    Returns
    -------
    DataFrame
        ``name, distance_m, time_s, start_t_s, speed_m_s``, one row per distance the run covers
        with a plausible effort, shortest distance first.

    >>> s = pd.DataFrame({"t_s": np.arange(601.0), "distance_m": np.arange(601.0) * 4.0})
    >>> best_efforts(s)[["name", "time_s"]].values.tolist()
    [['400 m', 100.0], ['1 km', 250.0], ['1 mile', 402.336]]
    """
    cols = ["name", "distance_m", "time_s", "start_t_s", "speed_m_s"]
    empty = pd.DataFrame({c: pd.Series(dtype="string" if c == "name" else float) for c in cols})
    if len(samples) < 2 or "t_s" not in samples.columns:
        return empty
    tr = _track(samples)
    if len(tr.t) < 2 or tr.x[-1] <= 0:
        return empty
    forward: dict[float, _Window] = {}
    excluded = _excluded_intervals(tr.x, tr.t, tr.moving, max_stop_s, forward)
    prefix = np.concatenate([[0], np.cumsum(excluded)])
    x = tr.x
    if grade_adjusted:
        forward = {}  # computed on plain distance: not reusable
        f = minetti_cost(_sample_grade(samples, tr, "run", GRADE_WINDOW_M)) / _C0
        x = np.concatenate([[0.0], np.cumsum(0.5 * (f[:-1] + f[1:]) * tr.dx)])
    rows = []
    for name, d in sorted(distances_m.items(), key=lambda kv: kv[1]):
        if not 0 < d <= x[-1]:
            continue
        best_time, best_start = np.inf, np.nan
        min_time = d / world_record_speed(d)
        fwd = forward[d] if d in forward else _forward(x, tr.t, d)
        for i, j, time, start in (fwd, _backward(x, tr.t, d)):
            ok = (prefix[j] - prefix[i] == 0) & (time >= min_time)
            k = int(np.argmin(np.where(ok, time, np.inf))) if ok.any() else -1
            if k >= 0 and time[k] < best_time:
                best_time, best_start = float(time[k]), float(start[k])
        if np.isfinite(best_time):
            rows.append((name, float(d), best_time, best_start, float(d) / best_time))
    if not rows:
        return empty
    out = pd.DataFrame(rows, columns=cols)
    out["name"] = out["name"].astype("string")
    return out

"""Grade and grade-adjusted pace (GAP): Minetti's cost of running on the grade of the track.

Conventions (docs/design.md §5), each with its source:

- **Grade.** The least-squares slope of altitude against distance over the samples within
  ±25 m (a 50 m window), so it depends on distance run, not on the sampling rate or on how long
  the runner stood still. Altitude from GPS is noisy (metres); the regression averages it out.
  Clipped to ±0.45, the range Minetti measured. No altitude, or a treadmill: grade 0.
- **GAP** (grade-adjusted pace): ``speed × C(grade) / C(0)`` with Minetti's cost of running
  ``C`` (Minetti et al. 2002, J Appl Physiol 93:1039, the polynomial fitted to the running data).

The distance is that of the cleaned track (:mod:`coachkit.features.track`). Pure: the frames
given are never modified.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from coachkit.features.track import MAX_SPEED_M_S, Track, clean_track, samples_column

# Minetti et al. 2002, J Appl Physiol 93:1039, cost of running (J/kg/m) as a quintic in the
# grade i (a fraction): C = 155.4 i^5 - 30.4 i^4 - 43.3 i^3 + 46.3 i^2 + 19.5 i + 3.6.
MINETTI_COEFFS = (155.4, -30.4, -43.3, 46.3, 19.5, 3.6)  # highest power first (np.polyval)
MINETTI_GRADE_LIMIT = 0.45  # the paper measured -0.45 .. +0.45; beyond that it is extrapolation
GRADE_WINDOW_M = 50.0  # total width of the distance window the grade is fitted over


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


FLAT_COST = MINETTI_COEFFS[-1]  # cost on the flat, 3.6 J/kg/m


def gap_speed(speed_m_s: float | np.ndarray, grade: float | np.ndarray) -> np.ndarray:
    """Grade-adjusted speed (m/s): the flat speed with the same energy cost as ``speed_m_s``.

    >>> float(gap_speed(3.0, 0.10).round(4))
    4.9735
    """
    return np.asarray(speed_m_s, dtype=float) * (minetti_cost(grade) / FLAT_COST)


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


def sample_grade(samples: pd.DataFrame, track: Track, sport: str, window_m: float) -> np.ndarray:
    """Grade at each sample of ``track`` (0 on a treadmill or without altitude)."""
    if sport == "treadmill":
        return np.zeros(len(track.t))
    return _grade(track.x, samples_column(samples, "altitude_m", track.order), window_m)


def graded_metres(samples: pd.DataFrame, track: Track, sport: str) -> np.ndarray:
    """Grade-adjusted metres of each interval: its distance weighted by Minetti's cost / flat.

    The cost of an interval is the mean of its two ends'; summed over a run and divided by the
    time, it is the time-weighted GAP speed.
    """
    f = minetti_cost(sample_grade(samples, track, sport, GRADE_WINDOW_M)) / FLAT_COST
    return 0.5 * (f[:-1] + f[1:]) * track.dx


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
    tr = clean_track(samples)
    grade = sample_grade(samples, tr, sport, window_m)
    v = samples_column(samples, "speed_m_s", tr.order)
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

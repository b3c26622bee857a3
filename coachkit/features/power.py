"""Running power: mean-max curves, critical power and W′, and power load.

- **Mean-max curve**: the best average over each duration of :data:`MEAN_MAX_DURATIONS_S`
  anywhere in a run, on a 1 Hz series where each sample holds until the next and a gap over
  30 s (``MAX_HOLD_S``) is a pause that no window may bridge. The same for speed gives the
  mean-max pace curve. All windows of one duration at once from a cumulative sum.
- **Critical power and W′**: the two-parameter model P = W′/t + CP (Monod & Scherrer 1965,
  Ergonomics 8:329), fitted by least squares of P on 1/t to mean-max points lasting 3–20 min
  (shorter efforts lean on the anaerobic store beyond W′; longer ones fall below CP, as the
  2–30 min window of :mod:`coachkit.features.critical_speed` for speed).
- **Power load**: 100 · Σ dt/3600 · (P/CP)², one hour at CP = 100 as Stryd's RSS
  (:func:`coachkit.features.load_formulas.power_load`, re-exported here), per run from its
  samples (:func:`run_power_load`).
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np
import pandas as pd

from coachkit.features.critical_speed import least_squares_line
from coachkit.features.held import MAX_HOLD_S
from coachkit.features.load_formulas import POWER_PLAUSIBLE_W, power_load

#: durations of the mean-max curves, s: 5 s to 1 h
MEAN_MAX_DURATIONS_S = (5, 15, 30, 60, 120, 180, 300, 480, 600, 720, 1200, 1800, 3600)
CP_WINDOW_S = (180.0, 1200.0)  # the mean-max points the CP fit uses
MAX_SERIES_S = 48 * 3600  # a longer 1 Hz series is a watch left running: cut there


def resample_1hz(t_s: np.ndarray, values: np.ndarray) -> np.ndarray:
    """The values on a 1 s grid from the first sample: each sample holds until the next; a gap
    over ``MAX_HOLD_S`` (a pause) and missing values are NaN, so no window bridges them.

    >>> resample_1hz(np.array([0.0, 2, 3, 60, 61]), np.array([100.0, 200, 300, 400, 500]))[:5]
    array([100., 100., 200.,  nan,  nan])
    """
    t = np.asarray(t_s, dtype=float)
    v = np.asarray(values, dtype=float)
    ok = np.isfinite(t)
    t, v = t[ok], v[ok]
    if len(t) < 2:
        return np.empty(0)
    order = np.argsort(t, kind="stable")
    t, v = t[order], v[order]
    span = min(t[-1] - t[0], MAX_SERIES_S)
    grid = t[0] + np.arange(int(span))
    i = np.searchsorted(t, grid, side="right") - 1
    gap = np.diff(t, append=t[-1])[i]
    return np.where(gap <= MAX_HOLD_S, v[i], np.nan)


def mean_max(series: np.ndarray, durations_s: Sequence[int] = MEAN_MAX_DURATIONS_S) -> np.ndarray:
    """Best average of a 1 Hz series over each duration, windows containing no NaN; NaN when
    no such window exists.

    >>> mean_max(np.array([1.0, 3, 2, np.nan, 10]), [1, 2, 3])
    array([10. ,  2.5,  2. ])
    """
    x = np.asarray(series, dtype=float)
    gap = ~np.isfinite(x)
    csum = np.concatenate([[0.0], np.cumsum(np.where(gap, 0.0, x))])
    cgap = np.concatenate([[0], np.cumsum(gap)])
    out = np.full(len(durations_s), np.nan)
    for k, d in enumerate(durations_s):
        d = int(d)
        if d < 1 or d > len(x):
            continue
        sums = csum[d:] - csum[:-d]
        clean = (cgap[d:] - cgap[:-d]) == 0
        if clean.any():
            out[k] = float(np.max(sums[clean]) / d)
    return out


def _curve(samples: pd.DataFrame, values: np.ndarray, name: str, durations_s) -> pd.DataFrame:
    t = pd.to_numeric(samples["t_s"], errors="coerce").to_numpy(dtype=float)
    best = mean_max(resample_1hz(t, values), durations_s)
    ok = np.isfinite(best)
    return pd.DataFrame({"duration_s": np.asarray(durations_s, dtype=float)[ok], name: best[ok]})


def mean_max_power(
    samples: pd.DataFrame, durations_s: Sequence[int] = MEAN_MAX_DURATIONS_S
) -> pd.DataFrame:
    """One run's mean-max power curve: ``duration_s, power_w`` for the durations it covers."""
    if samples is None or "power_w" not in samples.columns or "t_s" not in samples.columns:
        return pd.DataFrame({"duration_s": [], "power_w": []})
    p = pd.to_numeric(samples["power_w"], errors="coerce").to_numpy(dtype=float)
    lo, hi = POWER_PLAUSIBLE_W
    p = np.where((p >= lo) & (p <= hi), p, np.nan)
    return _curve(samples, p, "power_w", durations_s)


#: the shortest duration of the pace curve (GPS error swamps shorter windows)
PACE_MIN_S = 60


def mean_max_speed(
    samples: pd.DataFrame, durations_s: Sequence[int] = MEAN_MAX_DURATIONS_S
) -> pd.DataFrame:
    """One run's mean-max speed curve (the pace curve): ``duration_s, speed_m_s``.

    Speeds come from the cleaned track's distance (:mod:`coachkit.features.track`: GPS jumps
    faster than 12.5 m/s dropped), held second by second with the pause rule, so a window's
    speed is the distance it really covered. A best that beats the world record for the
    distance it implies is GPS error, not running, and is left out (a phone's track can jump
    60 m in 5 s without any one interval looking impossible). Durations under a minute are
    left out too: GPS positions are good to a few metres, which over 5-30 s is an error of
    1-2 m/s, more than the difference between a jog and a sprint.
    """
    from coachkit.features.best_efforts import world_record_speed
    from coachkit.features.track import clean_track

    if samples is None or "t_s" not in samples.columns or len(samples) < 2:
        return pd.DataFrame({"duration_s": [], "speed_m_s": []})
    tr = clean_track(samples)
    with np.errstate(invalid="ignore", divide="ignore"):
        v = np.concatenate([[np.nan], np.where(tr.dt > 0, tr.dx / tr.dt, np.nan)])
    # each interval's speed belongs to the sample that starts it (resample_1hz holds forward)
    v = np.append(v[1:], np.nan)
    series = resample_1hz(tr.t, v)
    best = mean_max(series, durations_s)
    d = np.asarray(durations_s, dtype=float)
    best = np.where((best <= world_record_speed(best * d)) & (d >= PACE_MIN_S), best, np.nan)
    ok = np.isfinite(best)
    return pd.DataFrame({"duration_s": d[ok], "speed_m_s": best[ok]})


def best_of(curves: Sequence[pd.DataFrame], value: str) -> pd.DataFrame:
    """The athlete's curve: for each duration, the best of the runs' curves (and how many
    runs reached that duration), columns ``duration_s, <value>, runs``."""
    frames = [c for c in curves if c is not None and len(c)]
    if not frames:
        return pd.DataFrame({"duration_s": [], value: [], "runs": []})
    allc = pd.concat(frames, ignore_index=True)
    g = allc.groupby("duration_s")[value]
    return pd.DataFrame({value: g.max(), "runs": g.size()}).reset_index()


@dataclass(frozen=True)
class CriticalPower:
    """Critical power and W′ from the two-parameter model P = W′/t + CP (an estimate).

    Attributes
    ----------
    cp_w, w_prime_j : float
        Critical power, W, and W′, J (NaN when not estimable).
    r2 : float
        Coefficient of determination of P on 1/t (NaN with fewer than 3 points).
    n : int
        Mean-max points used (durations within the window).
    note : str
        One plain sentence: what was fitted, or why nothing was.
    """

    cp_w: float
    w_prime_j: float
    r2: float
    n: int
    note: str


def critical_power(
    curve: pd.DataFrame, *, min_s: float = CP_WINDOW_S[0], max_s: float = CP_WINDOW_S[1]
) -> CriticalPower:
    """Fit CP and W′ to the mean-max points (``duration_s``, ``power_w``) lasting
    ``min_s``–``max_s`` seconds, by least squares of P on 1/t.

    NaN estimates, with the reason in ``note``, with fewer than 2 points, durations too close
    (longest < 2 × shortest), or a fit that is not physiological (CP or W′ ≤ 0).

    Examples
    --------
    Efforts that follow CP = 250 W and W′ = 20 kJ exactly give them back:

    >>> t = np.array([180.0, 300, 600, 1200])
    >>> cp = critical_power(pd.DataFrame({"duration_s": t, "power_w": 20000 / t + 250}))
    >>> round(cp.cp_w, 6), round(cp.w_prime_j, 3)
    (250.0, 20000.0)
    """
    t = pd.to_numeric(curve["duration_s"], errors="coerce").to_numpy(dtype=float)
    p = pd.to_numeric(curve["power_w"], errors="coerce").to_numpy(dtype=float)
    ok = np.isfinite(t) & np.isfinite(p) & (p > 0) & (t >= min_s) & (t <= max_s)
    t, p = t[ok], p[ok]
    n = len(t)
    window = f"{min_s / 60:g}-{max_s / 60:g} min"
    if n < 2:
        return CriticalPower(
            math.nan,
            math.nan,
            math.nan,
            n,
            f"Critical power not estimated: it needs mean-max power over at least 2 durations "
            f"of {window}; {n} found.",
        )
    if t.max() < 2 * t.min():
        return CriticalPower(
            math.nan,
            math.nan,
            math.nan,
            n,
            f"Critical power not estimated: the efforts last {t.min():.0f}-{t.max():.0f} s, "
            "too similar to fix the curve.",
        )
    w_prime, cp, r2 = least_squares_line(1.0 / t, p)  # P = W'/t + CP: P on 1/t
    if cp <= 0 or w_prime <= 0:
        return CriticalPower(
            math.nan,
            math.nan,
            r2,
            n,
            f"Critical power not estimated: the fit gives CP {cp:.0f} W and W' {w_prime:.0f} J, "
            "not physiological (the shorter efforts were probably not all-out).",
        )
    fit = "exact through 2 points" if n == 2 else f"R² {r2:.3f}"
    note = (
        f"Estimate: critical power {cp:.0f} W and W' {w_prime / 1000:.1f} kJ from mean-max power "
        f"over {n} durations of {t.min() / 60:g}-{t.max() / 60:g} min (P = W'/t + CP, "
        f"Monod & Scherrer 1965; {fit})."
    )
    return CriticalPower(cp, w_prime, r2, n, note)


def sampled_seconds(samples: pd.DataFrame | None, column: str) -> float:
    """Seconds a column was measured: each valid sample holds until the next one, a gap over
    ``MAX_HOLD_S`` counts nothing (0 without the column)."""
    if samples is None or column not in samples.columns or "t_s" not in samples.columns:
        return 0.0
    t = pd.to_numeric(samples["t_s"], errors="coerce").to_numpy(dtype=float)
    v = pd.to_numeric(samples[column], errors="coerce").to_numpy(dtype=float)
    t = t[np.isfinite(t) & np.isfinite(v)]  # (as held.held_values, without bounds)
    gap = np.diff(t, append=t[-1]) if len(t) else t
    return float(np.sum(np.where((gap > 0) & (gap <= MAX_HOLD_S), gap, 0.0)))


def run_power_load(samples: pd.DataFrame, cp_w: float) -> float:
    """The power load of one run from its samples (hold-until-next, pauses count nowhere);
    NaN without power."""
    if samples is None or "power_w" not in samples.columns or not cp_w or not cp_w > 0:
        return math.nan
    t = pd.to_numeric(samples["t_s"], errors="coerce").to_numpy(dtype=float)
    p = pd.to_numeric(samples["power_w"], errors="coerce").to_numpy(dtype=float)
    lo, hi = POWER_PLAUSIBLE_W
    ok = np.isfinite(t) & np.isfinite(p) & (p >= lo) & (p <= hi)
    if ok.sum() < 2:
        return math.nan
    t, p = t[ok], p[ok]
    gap = np.diff(t, append=t[-1])
    return power_load(p, np.where(gap <= MAX_HOLD_S, gap, 0.0), cp_w)


__all__ = ["CriticalPower", "best_of", "critical_power", "mean_max", "mean_max_power"]
__all__ += ["mean_max_speed", "power_load", "resample_1hz", "run_power_load", "sampled_seconds"]

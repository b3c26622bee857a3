"""Critical speed (CS) and D′ from best efforts: the linear distance–time model.

``d = CS·t + D′`` fitted by least squares to best efforts lasting about 2–30 min, as Smyth &
Muniz-Pumares (2020, Med Sci Sports Exerc 52(12):2637) did with best efforts taken from raw
training data (:func:`~coachkit.features.best_efforts.best_efforts` over the distances of
:data:`CS_DISTANCES_M`).
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np
import pandas as pd

#: target distances of Smyth & Muniz-Pumares (2020) for critical speed from training data
CS_DISTANCES_M: dict[str, float] = {
    "400 m": 400.0,
    "800 m": 800.0,
    "1 km": 1000.0,
    "1500 m": 1500.0,
    "3 km": 3000.0,
    "5 km": 5000.0,
}


@dataclass(frozen=True)
class CriticalSpeed:
    """Critical speed and D′ from the linear distance–time model ``d = CS·t + D′`` (an estimate).

    Attributes
    ----------
    cs_m_s : float
        Critical speed, m/s (NaN when not estimable).
    d_prime_m : float
        D′, the distance that can be covered above CS, m (NaN when not estimable).
    r2 : float
        Coefficient of determination of the fit (NaN with fewer than 3 efforts).
    n : int
        Number of efforts used (the best per distance, within the duration window).
    note : str
        One plain sentence: what was fitted, or why nothing was.
    """

    cs_m_s: float
    d_prime_m: float
    r2: float
    n: int
    note: str


MIN_DURATION_RATIO = 2.0  # longest / shortest effort: closer than this, the slope is ill-determined


def least_squares_line(x: np.ndarray, y: np.ndarray) -> tuple[float, float, float]:
    """Slope, intercept and R² of the ordinary least-squares line of ``y`` on ``x`` (closed
    form); R² is NaN with fewer than 3 points (two points fit exactly) or a flat ``y``.

    >>> least_squares_line(np.array([0.0, 1, 2]), np.array([1.0, 3, 5]))
    (2.0, 1.0, 1.0)
    """
    xm, ym = x.mean(), y.mean()
    slope = float(((x - xm) * (y - ym)).sum() / ((x - xm) ** 2).sum())
    intercept = float(ym - slope * xm)
    ss_res = float(((y - (intercept + slope * x)) ** 2).sum())
    ss_tot = float(((y - ym) ** 2).sum())
    r2 = 1.0 - ss_res / ss_tot if len(x) >= 3 and ss_tot > 0 else math.nan
    return slope, intercept, r2


def fastest_per_distance(
    distance_m: np.ndarray, time_s: np.ndarray
) -> tuple[np.ndarray, np.ndarray]:
    """The distinct distances, shortest first, and the fastest time over each.

    >>> fastest_per_distance(np.array([1000.0, 400, 1000]), np.array([250.0, 90, 240]))
    (array([ 400., 1000.]), array([ 90., 240.]))
    """
    distinct, which = np.unique(distance_m, return_inverse=True)
    fastest = np.full(len(distinct), np.inf)
    np.minimum.at(fastest, which, time_s)
    return distinct, fastest


def critical_speed(
    efforts: pd.DataFrame, *, min_s: float = 120, max_s: float = 1800
) -> CriticalSpeed:
    """Fit critical speed and D′ to best efforts lasting ``min_s``–``max_s`` seconds.

    Parameters
    ----------
    efforts : DataFrame
        At least ``distance_m`` and ``time_s`` (e.g.
        :func:`~coachkit.features.best_efforts.best_efforts` over a recent window, computed by the
        caller). Only the fastest time per distance is used.
    min_s, max_s : float
        Duration window. Below about 2 min the anaerobic contribution bends the line; beyond
        about 30 min efforts fall below CS (Smyth & Muniz-Pumares 2020 used 400 m–5 km).

    Returns
    -------
    CriticalSpeed
        NaN estimates, with the reason in ``note``, when fewer than 2 efforts qualify, when their
        durations are too similar (longest < 2 × shortest), or when the fit is not physiological
        (CS or D′ ≤ 0: the shorter efforts were not all-out).

    Examples
    --------
    >>> e = pd.DataFrame({"distance_m": [820.0, 1540.0, 2980.0], "time_s": [180.0, 360.0, 720.0]})
    >>> cs = critical_speed(e)
    >>> round(cs.cs_m_s, 3), round(cs.d_prime_m, 1)
    (4.0, 100.0)
    """
    d = pd.to_numeric(efforts["distance_m"], errors="coerce").to_numpy(dtype=float)
    t = pd.to_numeric(efforts["time_s"], errors="coerce").to_numpy(dtype=float)
    with np.errstate(invalid="ignore"):
        ok = np.isfinite(d) & np.isfinite(t) & (d > 0) & (t >= min_s) & (t <= max_s)
    d, t = fastest_per_distance(d[ok], t[ok])
    n = len(d)
    window = f"between {min_s / 60:g} and {max_s / 60:g} min"
    if n < 2:
        return CriticalSpeed(
            math.nan,
            math.nan,
            math.nan,
            n,
            f"Critical speed not estimated: it needs best efforts over at least 2 (better 3) "
            f"distances lasting {window}; {n} found.",
        )
    if t.max() < MIN_DURATION_RATIO * t.min():
        return CriticalSpeed(
            math.nan,
            math.nan,
            math.nan,
            n,
            f"Critical speed not estimated: the {n} efforts last {t.min():.0f}–{t.max():.0f} s, "
            f"too similar to fix the slope; add an effort at least twice as long as the shortest.",
        )
    cs, d_prime, r2 = least_squares_line(t, d)  # distance on time
    if cs <= 0 or d_prime <= 0:
        return CriticalSpeed(
            math.nan,
            math.nan,
            r2,
            n,
            f"Critical speed not estimated: the line through {n} efforts gives CS {cs:.2f} m/s "
            f"and D′ {d_prime:.0f} m, which is not physiological (the shorter efforts were "
            f"probably not all-out).",
        )
    fit = "exact line through 2 efforts, no check of fit" if n == 2 else f"R² {r2:.4f}"
    pace = round(1000.0 / cs)
    note = (
        f"Estimate: critical speed {cs:.2f} m/s ({pace // 60}:{pace % 60:02d}/km) and "
        f"D′ {d_prime:.0f} m from {n} best efforts lasting {t.min():.0f}–{t.max():.0f} s "
        f"(linear distance–time model, {fit})."
    )
    return CriticalSpeed(cs, d_prime, r2, n, note)

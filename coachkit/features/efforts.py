"""Performance from per-run numbers: world-record bounds, VDOT, Daniels paces, CS, HR–speed index.

These take numbers (a distance and a time, a table of best efforts, one row per run), not
samples; the best efforts and per-run features come from :mod:`coachkit.features.running`.

- **VDOT** (Daniels & Gilbert 1979, *Oxygen Power*; Daniels' Running Formula): the oxygen cost of
  running at ``v`` m/min is ``VO2 = -4.60 + 0.182258 v + 0.000104 v^2`` (ml/kg/min) and the
  fraction of VO2max that can be held for ``t`` minutes is
  ``0.8 + 0.1894393 e^(-0.012778 t) + 0.2989558 e^(-0.1932605 t)``; VDOT is their ratio.
- **Training paces**: the velocity at a fraction of VDOT, from the same oxygen-cost equation.
- **Critical speed** (CS) and D′: the linear distance–time model ``d = CS·t + D′`` fitted by least
  squares to best efforts lasting about 2–30 min, as Smyth & Muniz-Pumares (2020, Med Sci Sports
  Exerc 52(12):2637) did with best efforts taken from raw training data.
- **HR–speed index**: the GAP speed the runner holds at a fixed reference heart rate, from a
  duration-weighted regression of each run's mean GAP speed on its mean HR over a trailing
  window. Rising means fitter (more speed for the same HR); the same idea as Friel's EF trend,
  but comparable across easy and steady runs because it is read at one HR.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np
import pandas as pd

#: the distances best efforts are searched for by default (metres)
STANDARD_DISTANCES_M: dict[str, float] = {
    "400 m": 400.0,
    "1 km": 1000.0,
    "1 mile": 1609.344,
    "5 km": 5000.0,
    "10 km": 10000.0,
    "half marathon": 21097.5,
    "marathon": 42195.0,
}

#: target distances of Smyth & Muniz-Pumares (2020) for critical speed from training data
CS_DISTANCES_M: dict[str, float] = {
    "400 m": 400.0,
    "800 m": 800.0,
    "1 km": 1000.0,
    "1500 m": 1500.0,
    "3 km": 3000.0,
    "5 km": 5000.0,
}

#: Men's world records (World Athletics; track to 10 000 m, road beyond), distance m -> time s.
#: They bound what a human can run: an "effort" faster than these is GPS error or a vehicle.
WORLD_RECORDS_S: dict[float, float] = {
    100.0: 9.58,  # Bolt, Berlin 2009
    200.0: 19.19,  # Bolt, Berlin 2009
    400.0: 43.03,  # van Niekerk, Rio 2016
    800.0: 100.91,  # Rudisha, London 2012
    1000.0: 131.96,  # Ngeny, Rieti 1999
    1500.0: 206.00,  # El Guerrouj, Rome 1998
    1609.344: 223.13,  # El Guerrouj, Rome 1999 (mile)
    2000.0: 283.13,  # Ingebrigtsen, Brussels 2023
    3000.0: 437.55,  # Ingebrigtsen, Chorzów 2024
    5000.0: 755.36,  # Cheptegei, Monaco 2020
    10000.0: 1571.00,  # Cheptegei, Valencia 2020
    21097.5: 3402.0,  # Kiplimo, Barcelona 2025 (56:42, road)
    42195.0: 7235.0,  # Kiptum, Chicago 2023 (2:00:35, road)
}
_WR_D = np.array(list(WORLD_RECORDS_S))
_WR_V = _WR_D / np.array(list(WORLD_RECORDS_S.values()))


def world_record_speed(distance_m: float | np.ndarray) -> float | np.ndarray:
    """Fastest average speed ever run over ``distance_m`` (m/s), an upper bound for any effort.

    Interpolated linearly in log-distance between the records of :data:`WORLD_RECORDS_S`;
    below 100 m the 100 m speed, beyond the marathon the marathon speed (both generous bounds).

    >>> round(float(world_record_speed(5000.0)), 3)
    6.619
    """
    v = np.interp(
        np.log(np.maximum(np.asarray(distance_m, dtype=float), 1e-9)), np.log(_WR_D), _WR_V
    )
    return float(v) if np.ndim(v) == 0 else v


# ---------------------------------------------------------------------------------------------
# VDOT (Daniels & Gilbert 1979)

_VO2_A, _VO2_B, _VO2_C = 0.000104, 0.182258, -4.60  # oxygen cost: A v^2 + B v + C, v in m/min


def _vo2_of_speed(v_m_min: float) -> float:
    """Oxygen cost (ml/kg/min) of running at ``v_m_min`` (Daniels & Gilbert 1979)."""
    return _VO2_C + _VO2_B * v_m_min + _VO2_A * v_m_min**2


def _fraction_of_max(t_min: float) -> float:
    """Fraction of VO2max sustainable for ``t_min`` minutes (Daniels & Gilbert 1979)."""
    return 0.8 + 0.1894393 * math.exp(-0.012778 * t_min) + 0.2989558 * math.exp(-0.1932605 * t_min)


def _speed_of_vo2(vo2: float) -> float:
    """Inverse of the oxygen cost: the speed (m/min) that costs ``vo2`` ml/kg/min."""
    disc = _VO2_B**2 - 4 * _VO2_A * (_VO2_C - vo2)
    return (-_VO2_B + math.sqrt(disc)) / (2 * _VO2_A)


def vdot(distance_m: float, time_s: float) -> float:
    """Daniels' VDOT ("pseudo-VO2max", ml/kg/min) of a race: ``distance_m`` run in ``time_s``.

    The Daniels & Gilbert (1979) tables start at 1500 m; shorter or slower-than-walking efforts
    give numbers outside their calibration. NaN for non-positive or non-finite input.

    Examples
    --------
    5 km in 19:57 is VDOT 50 in the race-time table of Daniels' Running Formula:

    >>> round(vdot(5000, 19 * 60 + 57), 1)
    50.0
    """
    if not (np.isfinite(distance_m) and np.isfinite(time_s)) or distance_m <= 0 or time_s <= 0:
        return math.nan
    return _vdot(distance_m, time_s)


def _vdot(distance_m: float, time_s: float) -> float:
    t_min = time_s / 60.0
    return _vo2_of_speed(distance_m / t_min) / _fraction_of_max(t_min)


def race_time_from_vdot(vdot: float, distance_m: float) -> float:
    """Race time (s) over ``distance_m`` equivalent to ``vdot``, the numeric inverse of VDOT.

    Solved with Brent's method between 12 m/s and 0.5 m/s, where VDOT falls monotonically with
    time for every distance from 400 m up. NaN when no time in that bracket matches.

    >>> round(race_time_from_vdot(50.0, 42195))  # Daniels' table: 3:10:49 (11449 s) is VDOT 49.95
    11440
    """
    target = vdot
    if not (np.isfinite(target) and np.isfinite(distance_m)) or distance_m <= 0 or target <= 0:
        return math.nan
    lo, hi = distance_m / 12.0, distance_m / 0.5

    def gap(t: float) -> float:
        return _vdot(distance_m, t) - target

    if gap(lo) < 0 or gap(hi) > 0:
        return math.nan
    from scipy.optimize import brentq  # imported here: scipy.optimize takes ~1 s to import

    return float(brentq(gap, lo, hi, xtol=1e-6))


# Daniels' intensities as fractions of VDOT. E: 59–74 % of VO2max (Daniels' Running Formula,
# 3rd ed. 2014, ch. 4). T 88 % and I 97.5 %: the fractions that reproduce the T and I pace per
# 1000 m of the training-pace table at every VDOT from 30 to 85 (2nd ed. 2005, as transcribed in
# github.com/CurtisThompson/VDOT-Calculator; checked in tests/unit/test_running.py). M is the
# predicted marathon race pace and R the predicted mile race pace, as Daniels defines them.
E_FRACTIONS = (0.74, 0.59)  # (fast, slow)
T_FRACTION = 0.88
I_FRACTION = 0.975
PACE_BAND_VDOT = 0.5  # M/T/I/R bands: the paces at VDOT ± 0.5, one row of Daniels' table


def _pace_at_fraction(vdot_value: float, fraction: float) -> float:
    return 60000.0 / _speed_of_vo2(fraction * vdot_value)  # s/km


def _single_paces(v: float) -> dict[str, float]:
    return {
        "M": race_time_from_vdot(v, 42195.0) / 42.195,
        "T": _pace_at_fraction(v, T_FRACTION),
        "I": _pace_at_fraction(v, I_FRACTION),
        "R": race_time_from_vdot(v, 1609.344) / 1.609344,
    }


def daniels_paces(vdot: float) -> dict[str, tuple[float, float]]:
    """Daniels' training paces for ``vdot``: ``{"E"|"M"|"T"|"I"|"R": (fast, slow)}`` in s/km.

    - E (easy): 74 % to 59 % of VDOT, Daniels' stated E range.
    - M (marathon): the predicted marathon race pace; T (threshold): 88 % of VDOT;
      I (interval): 97.5 % of VDOT; R (repetition): the predicted mile race pace.
      Daniels gives one pace for each; the band is the paces at VDOT + 0.5 and VDOT − 0.5 (one
      row of his table), the resolution at which VDOT is known.

    These are estimates from the Daniels–Gilbert equations. NaN everywhere for VDOT ≤ 0 or NaN.

    >>> {k: round(v[0]) for k, v in daniels_paces(50).items()}
    {'E': 294, 'M': 269, 'T': 253, 'I': 233, 'R': 215}
    """
    if not np.isfinite(vdot) or vdot <= 0:
        return dict.fromkeys(("E", "M", "T", "I", "R"), (math.nan, math.nan))
    out = {"E": (_pace_at_fraction(vdot, E_FRACTIONS[0]), _pace_at_fraction(vdot, E_FRACTIONS[1]))}
    fast = _single_paces(vdot + PACE_BAND_VDOT)
    slow = _single_paces(max(vdot - PACE_BAND_VDOT, 1e-3))
    out.update({k: (fast[k], slow[k]) for k in fast})
    return out


# ---------------------------------------------------------------------------------------------
# Critical speed (Smyth & Muniz-Pumares 2020)


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


def critical_speed(
    efforts: pd.DataFrame, *, min_s: float = 120, max_s: float = 1800
) -> CriticalSpeed:
    """Fit critical speed and D′ to best efforts lasting ``min_s``–``max_s`` seconds.

    Parameters
    ----------
    efforts : DataFrame
        At least ``distance_m`` and ``time_s`` (e.g. :func:`~coachkit.features.running.best_efforts`
        over a recent window, computed by the caller). Only the fastest time per distance is used.
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
    e = pd.DataFrame(
        {
            "distance_m": pd.to_numeric(efforts["distance_m"], errors="coerce").astype(float),
            "time_s": pd.to_numeric(efforts["time_s"], errors="coerce").astype(float),
        }
    )
    e = e[np.isfinite(e["distance_m"]) & np.isfinite(e["time_s"]) & (e["time_s"] > 0)]
    e = e[(e["distance_m"] > 0) & e["time_s"].between(min_s, max_s)]
    e = e.groupby("distance_m", as_index=False)["time_s"].min()
    n = len(e)
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
    t = e["time_s"].to_numpy()
    d = e["distance_m"].to_numpy()
    if t.max() < MIN_DURATION_RATIO * t.min():
        return CriticalSpeed(
            math.nan,
            math.nan,
            math.nan,
            n,
            f"Critical speed not estimated: the {n} efforts last {t.min():.0f}–{t.max():.0f} s, "
            f"too similar to fix the slope; add an effort at least twice as long as the shortest.",
        )
    # ordinary least squares of distance on time (closed form)
    tm, dm = t.mean(), d.mean()
    cs = float(((t - tm) * (d - dm)).sum() / ((t - tm) ** 2).sum())
    d_prime = float(dm - cs * tm)
    ss_res = float(((d - (d_prime + cs * t)) ** 2).sum())
    ss_tot = float(((d - dm) ** 2).sum())
    r2 = 1.0 - ss_res / ss_tot if n >= 3 and ss_tot > 0 else math.nan
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


# ---------------------------------------------------------------------------------------------
# HR–speed fitness index

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

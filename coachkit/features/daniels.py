"""VDOT and Daniels' training paces, from the Daniels–Gilbert equations.

- **VDOT** (Daniels & Gilbert 1979, *Oxygen Power*; Daniels' Running Formula): the oxygen cost of
  running at ``v`` m/min is ``VO2 = -4.60 + 0.182258 v + 0.000104 v^2`` (ml/kg/min) and the
  fraction of VO2max that can be held for ``t`` minutes is
  ``0.8 + 0.1894393 e^(-0.012778 t) + 0.2989558 e^(-0.1932605 t)``; VDOT is their ratio.
- **Race-time equivalents**: the time over another distance with the same VDOT.
- **Training paces**: the velocity at a fraction of VDOT, from the same oxygen-cost equation.

These take numbers (a distance and a time), not samples.
"""

from __future__ import annotations

import math

import numpy as np

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

    Solved by bisection between 12 m/s and 0.5 m/s, where VDOT falls monotonically with time for
    every distance from 400 m up, to within a microsecond. NaN when no time in that bracket
    matches. (Bisection in plain Python, not scipy's ``brentq``: importing ``scipy.optimize``
    took longer than every daily command's whole budget, issue 18.)

    >>> round(race_time_from_vdot(50.0, 42195))  # Daniels' table: 3:10:49 (11449 s) is VDOT 49.95
    11440
    """
    target = vdot
    if not (math.isfinite(target) and math.isfinite(distance_m)) or distance_m <= 0 or target <= 0:
        return math.nan
    lo, hi = distance_m / 12.0, distance_m / 0.5
    if _vdot(distance_m, lo) < target or _vdot(distance_m, hi) > target:
        return math.nan
    while hi - lo > 1e-6:  # VDOT falls with time: the root stays between lo and hi
        mid = 0.5 * (lo + hi)
        if _vdot(distance_m, mid) > target:
            lo = mid
        else:
            hi = mid
    return 0.5 * (lo + hi)


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

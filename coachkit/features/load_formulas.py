"""The load of one session by formula: Banister's TRIMP, hrTSS, rTSS and session RPE.

Each takes numbers (heart rates and durations, a speed, a rating), not frames; which one an
activity gets, and why, is :func:`coachkit.features.load.activity_loads`. Sources:

- **TRIMP**: Banister 1991 ("Modeling elite athletic performance", in Physiological Testing of
  Elite Athletes), weighted as Morton, Fitz-Clarke & Banister 1990 (J Appl Physiol 69:1171).
- **hrTSS**: TRIMP normalised so that one hour at LTHR scores 100, as GoldenCheetah's
  "TRIMP(100) Points" (src/Metrics/TRIMPPoints.cpp).
- **rTSS**: 100 · hours · IF², IF = GAP speed / threshold speed (Coggan's TSS with pace in
  place of power, as TrainingPeaks' rTSS).
- **sRPE**: CR-10 rating × minutes (Foster et al. 2001, J Strength Cond Res 15:109).
- **Power load**: 100 · Σ dt/3600 · (P/CP)², so that one hour at critical power scores 100, as
  Stryd's Running Stress Score is anchored (RSS per hour = 100 · (P/CP)^K; Stryd, and
  georgeron.com "An equation for running stress score", 2017). Stryd does not publish K; 2 is
  Coggan's TSS exponent (IF²), as rTSS uses with pace.
"""

from __future__ import annotations

import math

import numpy as np

# Banister TRIMP weighting y = a·e^(b·HRr): Morton, Fitz-Clarke & Banister 1990 (J Appl Physiol
# 69:1171) give a = 0.64, b = 1.92 for men and a = 0.86, b = 1.67 for women. With the sex
# unknown we use the male constants, as GoldenCheetah does when the athlete's sex is not set;
# hrTSS divides by the same formula at LTHR, so ``a`` cancels and only ``b`` matters there.
TRIMP_COEFFICIENTS: dict[str, tuple[float, float]] = {
    "male": (0.64, 1.92),
    "female": (0.86, 1.67),
    "unknown": (0.64, 1.92),
}


def banister_trimp(
    hr_bpm: float | np.ndarray,
    dt_s: float | np.ndarray,
    *,
    hr_rest: float,
    hr_max: float,
    sex: str = "male",
) -> float:
    """Banister's exponential TRIMP: Σ minutes · HRr · a · e^(b · HRr).

    HRr = (HR − rest) / (max − rest) is clipped to [0, 1]: below rest adds nothing (as
    GoldenCheetah) and a beat above HRmax weighs as much as HRmax (a spike, or an HRmax set
    too low, cannot explode the exponential). Samples with a NaN HR or duration add nothing.

    Parameters
    ----------
    hr_bpm, dt_s : float or array
        Heart rate and how long each value lasted, broadcast together (a single average HR
        and a duration also work).
    hr_rest, hr_max : float
        Resting and maximum heart rate, bpm.
    sex : {"male", "female", "unknown"}
        Picks the weighting constants (unknown uses the male ones).

    Examples
    --------
    30 min at HRr 0.6 (male): 30 · 0.6 · 0.64 · e^(1.152) = 36.45

    >>> round(banister_trimp(140.0, 1800.0, hr_rest=50.0, hr_max=200.0), 1)
    36.5
    """
    if not hr_max > hr_rest:
        raise ValueError(f"hr_max ({hr_max}) must be above hr_rest ({hr_rest})")
    a, b = TRIMP_COEFFICIENTS.get(sex, TRIMP_COEFFICIENTS["unknown"])
    if isinstance(hr_bpm, float | int) and isinstance(dt_s, float | int):
        # one average HR (summary rows): plain floats, ~20x faster than through numpy
        if not (math.isfinite(hr_bpm) and math.isfinite(dt_s) and dt_s > 0):
            return 0.0
        hrr = min(max((hr_bpm - hr_rest) / (hr_max - hr_rest), 0.0), 1.0)
        return dt_s / 60.0 * hrr * a * math.exp(b * hrr)
    hr, dt = np.broadcast_arrays(np.asarray(hr_bpm, float), np.asarray(dt_s, float))
    ok = np.isfinite(hr) & np.isfinite(dt) & (dt > 0)
    hrr = np.clip((hr[ok] - hr_rest) / (hr_max - hr_rest), 0.0, 1.0)
    return float(np.sum(dt[ok] / 60.0 * hrr * a * np.exp(b * hrr)))


def hrtss(trimp: float, *, lthr: float, hr_rest: float, hr_max: float, sex: str = "male") -> float:
    """TRIMP normalised so that one hour at LTHR is 100 (GoldenCheetah's TRIMP(100)).

    >>> round(hrtss(banister_trimp(165.0, 3600.0, hr_rest=50, hr_max=190),
    ...             lthr=165, hr_rest=50, hr_max=190), 6)
    100.0
    """
    if not lthr > hr_rest:
        raise ValueError(f"lthr ({lthr}) must be above hr_rest ({hr_rest})")
    return 100.0 * trimp / banister_trimp(lthr, 3600.0, hr_rest=hr_rest, hr_max=hr_max, sex=sex)


def rtss(duration_s: float, gap_speed_m_s: float, threshold_speed_m_s: float) -> float:
    """Running TSS: 100 · hours · IF², IF = GAP speed / threshold speed.

    >>> rtss(3600.0, 4.0, 4.0), rtss(1800.0, 3.0, 4.0)
    (100.0, 28.125)
    """
    if not threshold_speed_m_s > 0:
        raise ValueError(f"threshold speed must be positive, got {threshold_speed_m_s}")
    intensity = gap_speed_m_s / threshold_speed_m_s
    return 100.0 * duration_s / 3600.0 * intensity**2


POWER_PLAUSIBLE_W = (0.0, 2000.0)  # running power beyond 2 kW is a sensor artefact


def power_load(power_w: np.ndarray | float, dt_s: np.ndarray | float, cp_w: float) -> float:
    """Power load: 100 · Σ dt/3600 · (P/CP)², one hour at CP = 100 (as Stryd's RSS).

    >>> power_load(250.0, 3600.0, 250.0), power_load(200.0, 1800.0, 250.0)
    (100.0, 32.0)
    """
    if not cp_w > 0:
        raise ValueError(f"critical power must be positive, got {cp_w}")
    p, dt = np.broadcast_arrays(np.asarray(power_w, float), np.asarray(dt_s, float))
    ok = np.isfinite(p) & np.isfinite(dt) & (dt > 0) & (p >= 0)
    return float(np.round(100.0 * np.sum(dt[ok] / 3600.0 * (p[ok] / cp_w) ** 2), 9))


def srpe(rpe: float, duration_s: float) -> float:
    """Session RPE (Foster et al. 2001): CR-10 rating × minutes, in arbitrary units (AU).

    >>> srpe(5, 3600)
    300.0
    """
    return float(rpe) * float(duration_s) / 60.0

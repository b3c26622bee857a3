"""Intensity distribution: time in three zones relative to lactate-threshold heart rate.

The three-zone model (Seiler & Kjerland 2006, Scand J Med Sci Sports 16:49) splits endurance
training at the first and second ventilatory thresholds. Without lab tests we anchor both on
LTHR: zone 1 (easy) below 90 % of LTHR, zone 2 (moderate) up to LTHR, zone 3 (hard) above it.
90 % of LTHR approximates VT1 (Friel's zone 2 top for running is 89 % of LTHR; Friel 2009,
"Total Heart Rate Training").
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from coachkit.features.held import MAX_HOLD_S, collapse_held
from coachkit.features.thresholds import HR_PLAUSIBLE_BPM

Z1_TOP_OF_LTHR = 0.90
ZONE_NAMES = ("easy", "moderate", "hard")


def time_in_zones(samples: pd.DataFrame, lthr: float) -> dict[str, float]:
    """Seconds spent in each zone, from HR samples; zeros when there is no usable HR.

    Each sample holds until the next one (the last holds 0 s; a gap over 30 s is a pause):

    >>> s = pd.DataFrame({"t_s": [0.0, 5, 10, 15], "hr_bpm": [120.0, 150, 170, 170]})
    >>> time_in_zones(s, 160)
    {'easy': 5.0, 'moderate': 5.0, 'hard': 5.0}
    """
    return seconds_in_zones(*zone_hr_seconds(samples), lthr)


def zone_hr_seconds(samples: pd.DataFrame | None) -> tuple[np.ndarray, np.ndarray]:
    """The plausible HR values of a run and the seconds each held, under the rule of
    :func:`time_in_zones`, summed per distinct value: enough to split the run into zones for
    any LTHR without its samples (:mod:`coachkit.app.run_summaries` keeps them)."""
    if samples is None or samples.empty or "hr_bpm" not in samples:
        return np.empty(0), np.empty(0)
    t = samples["t_s"].to_numpy(dtype=float)
    hr = samples["hr_bpm"].to_numpy(dtype=float)
    gap = np.diff(t, append=t[-1])
    held = np.where(gap <= MAX_HOLD_S, gap, 0.0)  # a longer gap is a pause: it counts nowhere
    ok = np.isfinite(hr) & (hr >= HR_PLAUSIBLE_BPM[0]) & (hr <= HR_PLAUSIBLE_BPM[1])
    return collapse_held(hr[ok], held[ok])


def seconds_in_zones(hr: np.ndarray, seconds: np.ndarray, lthr: float) -> dict[str, float]:
    """Seconds in each zone of HR values held ``seconds`` each (:func:`zone_hr_seconds`)."""
    out = dict.fromkeys(ZONE_NAMES, 0.0)
    if not lthr or not len(hr):
        return out
    zone = np.searchsorted(np.array([Z1_TOP_OF_LTHR * lthr, lthr]), hr, side="right")
    for i, name in enumerate(ZONE_NAMES):
        out[name] = float(seconds[zone == i].sum())
    return out


def zone_of_hr(avg_hr: float, lthr: float) -> str:
    """The zone of an average heart rate (for runs without samples)."""
    if avg_hr is None or np.isnan(avg_hr) or not lthr:
        return "unknown"
    return ZONE_NAMES[int(np.searchsorted([Z1_TOP_OF_LTHR * lthr, lthr], avg_hr, side="right"))]

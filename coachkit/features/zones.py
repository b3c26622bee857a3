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

from coachkit.features.load import MAX_HOLD_S
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
    out = dict.fromkeys(ZONE_NAMES, 0.0)
    if samples is None or samples.empty or not lthr or "hr_bpm" not in samples:
        return out
    t = samples["t_s"].to_numpy(dtype=float)
    hr = samples["hr_bpm"].to_numpy(dtype=float)
    gap = np.diff(t, append=t[-1])
    held = np.where(gap <= MAX_HOLD_S, gap, 0.0)  # a longer gap is a pause: it counts nowhere
    ok = np.isfinite(hr) & (hr >= HR_PLAUSIBLE_BPM[0]) & (hr <= HR_PLAUSIBLE_BPM[1])
    edges = np.array([Z1_TOP_OF_LTHR * lthr, lthr])
    zone = np.searchsorted(edges, hr[ok], side="right")
    for i, name in enumerate(ZONE_NAMES):
        out[name] = float(held[ok][zone == i].sum())
    return out


def zone_of_hr(avg_hr: float, lthr: float) -> str:
    """The zone of an average heart rate (for runs without samples)."""
    if avg_hr is None or np.isnan(avg_hr) or not lthr:
        return "unknown"
    return ZONE_NAMES[int(np.searchsorted([Z1_TOP_OF_LTHR * lthr, lthr], avg_hr, side="right"))]

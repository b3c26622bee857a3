"""How long each value of a run held: the time base of every per-sample sum (hrTSS, power load,
time in zones).

A value holds until the next one; a gap over :data:`MAX_HOLD_S` is a pause or a dropout and
counts nowhere. :func:`collapse_held` sums the seconds per distinct value: everything computed
from held values is a sum of seconds × f(value), so the collapsed pairs give the same numbers
(:mod:`coachkit.app.run_summaries` keeps them in the store).
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from coachkit.features.frames import numeric
from coachkit.features.thresholds import HR_PLAUSIBLE_BPM

# An HR value holds until the next one; a longer gap is a pause, not counted. 30 s, not 10:
# Garmin "smart recording" writes a point only every 10-30 s on steady stretches (and
# features.running bridges HR gaps of up to 30 s the same way).
MAX_HOLD_S = 30.0


def held_values(
    frame: pd.DataFrame, column: str = "hr_bpm", bounds: tuple[float, float] = HR_PLAUSIBLE_BPM
) -> tuple[np.ndarray, np.ndarray]:
    """Plausible HR values and how long each held: until the next HR value, if ≤ 30 s.

    Holding until the next *HR* value (not the next row) matters for files that interleave HR
    and GPS rows (NRC GPX: HR on every other point). ``column`` and ``bounds`` read power the
    same way.
    """
    if frame is None or frame.empty or column not in frame.columns:
        return np.empty(0), np.empty(0)
    t = numeric(frame, "t_s")
    if not np.isfinite(t).any() and "timestamp" in frame.columns:
        stamp = pd.to_datetime(frame["timestamp"], utc=True)
        t = (stamp - stamp.min()).dt.total_seconds().to_numpy(dtype=float)
    hr = numeric(frame, column)
    lo, hi = bounds
    ok = np.isfinite(hr) & (hr >= lo) & (hr <= hi) & np.isfinite(t)
    t, hr = t[ok], hr[ok]
    if not len(t):
        return hr, t
    held = np.diff(t, append=t[-1])
    # a gap over MAX_HOLD_S is a pause or a dropout: it adds nothing (moving-time scaling covers it)
    return hr, np.where((held > 0) & (held <= MAX_HOLD_S), held, 0.0)


def collapse_held(values: np.ndarray, held: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """``(values, seconds)`` summed per distinct value: the few pairs a run's HR comes down to
    (a few dozen distinct bpm), kept in the store (:mod:`coachkit.app.run_summaries`) so that
    a load or a zone split needs no samples.

    >>> collapse_held(np.array([150.0, 151, 150, 152]), np.array([5.0, 5, 5, 0]))
    (array([150., 151., 152.]), array([10.,  5.,  0.]))
    """
    distinct, which = np.unique(values, return_inverse=True)
    return distinct, np.bincount(which, weights=held, minlength=len(distinct))

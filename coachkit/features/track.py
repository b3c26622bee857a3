"""A run's cleaned track: samples in time order, distance without GPS jumps, moving intervals.

Every per-run feature (grade and GAP, efficiency, decoupling, best efforts) starts from this
track. Conventions (docs/design.md §5):

- **Track cleaning.** Cumulative distance is made non-decreasing, and an interval whose speed
  exceeds 12.5 m/s both on its own and over a window reaching 1 s either side is a GPS jump: its
  distance is dropped. 12.5 m/s is above the fastest speed a human has reached (Bolt, ≈12.4 m/s
  between 60 and 80 m of the 2009 Berlin 100 m world record). The ±1 s window keeps the
  timestamp jitter of some phones (two points 1 ms apart, then 999 ms) from looking like a jump.
  Without an odometer (``distance_m``) the speed is integrated instead.
- **Moving.** An interval is moving when the speed over that window is ≥ 0.5 m/s, the threshold
  the readers use for ``moving_time_s``.

Pure: the samples frame given is never modified.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd

MAX_SPEED_M_S = 12.5  # above Bolt's ~12.4 m/s peak (Berlin 2009): a GPS jump, not running
SPIKE_WINDOW_S = 1.0  # look this far either side of an interval before calling it a jump
MOVING_SPEED_M_S = 0.5  # same threshold as the readers' moving_time_s (coachkit.io.base)


@dataclass(frozen=True)
class Track:
    """The cleaned track of one run, its samples sorted by time.

    Attributes
    ----------
    order : numpy.ndarray
        Row order that sorts the samples by time (rows without a time left out).
    t : numpy.ndarray
        Time, s, non-decreasing.
    x : numpy.ndarray
        Cleaned cumulative distance, m, starting at 0.
    dt, dx : numpy.ndarray
        Time and cleaned distance of each interval (``len(t) - 1`` of them).
    moving : numpy.ndarray
        Whether each interval is moving (bool).
    """

    order: np.ndarray
    t: np.ndarray
    x: np.ndarray
    dt: np.ndarray
    dx: np.ndarray
    moving: np.ndarray


def samples_column(samples: pd.DataFrame, name: str, order: np.ndarray) -> np.ndarray:
    """Column ``name`` of ``samples`` as floats in ``order`` (NaN when absent or unparsable)."""
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


def clean_track(samples: pd.DataFrame) -> Track:
    """The cleaned :class:`Track` of a run's samples (``t_s``, ``distance_m`` or ``speed_m_s``)."""
    t_all = pd.to_numeric(samples["t_s"], errors="coerce").to_numpy(dtype=float, na_value=np.nan)
    keep = np.flatnonzero(np.isfinite(t_all))
    order = keep[np.argsort(t_all[keep], kind="stable")]
    t = t_all[order]
    dt = np.diff(t)
    # np.interp wants strictly increasing times; phone GPX repeats some timestamps
    ts = t + np.arange(len(t)) * 1e-9 if (dt <= 0).any() else t
    x = samples_column(samples, "distance_m", order)
    if np.isfinite(x).sum() >= 2:
        x = _ffill(x)
    else:  # no odometer: integrate the speed, each value held back to the previous sample
        v = np.nan_to_num(samples_column(samples, "speed_m_s", order), nan=0.0)
        v = v.clip(0, MAX_SPEED_M_S)
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
    return Track(order, t, x, dt, dx, moving & (dt > 0))

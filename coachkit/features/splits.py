"""One run cut into pieces: splits every km or mile, and the device's laps, each with its time,
pace, grade-adjusted pace, heart rate, cadence, power and climb.

Both come from the same cumulative sums over the cleaned track (:mod:`coachkit.features.track`),
read at the piece's ends:

- **Where a piece ends.** A split ends where the cleaned distance reaches the next whole km
  (or mile); a lap where the device says (its start time and timer time). A boundary between
  two samples is placed by linear interpolation, so a 1,000 m split is 1,000 m whatever the
  sampling rate.
- **Time and pace.** ``duration_s`` is elapsed time; pace is moving time over distance, the
  same moving rule as the readers' ``moving_time_s`` (a standing rest at a crossing does not
  slow the split).
- **Averages.** Heart rate, cadence and power are time-weighted: each sample holds until the
  next one, and a gap over 30 s is a pause that counts nowhere (as in the load and zones).
- **GAP.** Grade-adjusted metres (Minetti's cost, :mod:`coachkit.features.gap`) over the same
  moving time.

Pure: the frames given are never modified.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from coachkit.features.gap import graded_metres
from coachkit.features.held import MAX_HOLD_S
from coachkit.features.track import Track, clean_track, samples_column

#: a last partial split shorter than this is noise at the stop button, not a split
MIN_LAST_SPLIT_M = 50.0
_AVERAGED = (("hr_bpm", "avg_hr"), ("cadence_spm", "avg_cadence_spm"), ("power_w", "avg_power_w"))


class _Cumulative:
    """Running totals along a track, readable at any time or distance by interpolation."""

    def __init__(self, samples: pd.DataFrame, sport: str) -> None:
        tr: Track = clean_track(samples)
        self.t, self.x = tr.t, tr.x
        n = len(tr.t)
        zero = np.zeros(1)
        self.moving = np.concatenate([zero, np.cumsum(np.where(tr.moving, tr.dt, 0.0))])
        graded = graded_metres(samples, tr, sport) if n > 1 else np.zeros(0)
        self.graded = np.concatenate([zero, np.cumsum(np.where(tr.moving, graded, 0.0))])
        held = np.where(tr.dt <= MAX_HOLD_S, tr.dt, 0.0)
        self.weighted: dict[str, tuple[np.ndarray, np.ndarray]] = {}
        for column, _ in _AVERAGED:
            v = samples_column(samples, column, tr.order)[:-1] if n else np.zeros(0)
            ok = np.isfinite(v) & (v > 0)
            w = np.where(ok, held, 0.0)
            self.weighted[column] = (
                np.concatenate([zero, np.cumsum(np.where(ok, v, 0.0) * w)]),
                np.concatenate([zero, np.cumsum(w)]),
            )
        alt = samples_column(samples, "altitude_m", tr.order)
        self.alt = alt
        rise = np.diff(alt) if n > 1 else np.zeros(0)
        self.climb = np.concatenate([zero, np.cumsum(np.where(np.isfinite(rise), rise.clip(0), 0))])

    def at_distance(self, d: np.ndarray) -> np.ndarray:
        """The fractional sample index where the cleaned distance first reaches each of ``d``."""
        i = np.clip(np.searchsorted(self.x, d, side="left"), 1, len(self.x) - 1)
        span = self.x[i] - self.x[i - 1]
        with np.errstate(invalid="ignore", divide="ignore"):
            frac = np.where(span > 0, (d - self.x[i - 1]) / span, 1.0)
        return (i - 1) + np.clip(frac, 0.0, 1.0)

    def at_time(self, t: np.ndarray) -> np.ndarray:
        """The fractional sample index of each time in ``t`` (clipped to the recording)."""
        if len(self.t) < 2:
            return np.zeros(len(t))
        i = np.clip(np.searchsorted(self.t, t, side="left"), 1, len(self.t) - 1)
        span = self.t[i] - self.t[i - 1]
        with np.errstate(invalid="ignore", divide="ignore"):
            frac = np.where(span > 0, (t - self.t[i - 1]) / span, 1.0)
        return (i - 1) + np.clip(frac, 0.0, 1.0)

    @staticmethod
    def read(values: np.ndarray, at: np.ndarray) -> np.ndarray:
        """``values`` (one per sample) at fractional sample indices ``at``."""
        return np.interp(at, np.arange(len(values)), values)

    def pieces(self, start: np.ndarray, end: np.ndarray) -> pd.DataFrame:
        """The figures of each piece between fractional sample indices ``start`` and ``end``."""
        r = self.read
        moving = r(self.moving, end) - r(self.moving, start)
        dist = r(self.x, end) - r(self.x, start)
        graded = r(self.graded, end) - r(self.graded, start)
        with np.errstate(invalid="ignore", divide="ignore"):
            out = {
                "distance_m": dist,
                "duration_s": r(self.t, end) - r(self.t, start),
                "moving_time_s": moving,
                "pace_s_per_km": np.where(dist > 0, moving / dist * 1000.0, np.nan),
                "gap_pace_s_per_km": np.where(graded > 0, moving / graded * 1000.0, np.nan),
            }
            for column, name in _AVERAGED:
                total, weight = self.weighted[column]
                w = r(weight, end) - r(weight, start)
                out[name] = np.where(w > 0, (r(total, end) - r(total, start)) / w, np.nan)
        alt_ok = np.isfinite(self.alt)
        if alt_ok.sum() >= 2:
            idx = np.flatnonzero(alt_ok)
            alt = np.interp(np.arange(len(self.alt)), idx, self.alt[idx])
            out["elevation_change_m"] = r(alt, end) - r(alt, start)
            out["elevation_gain_m"] = r(self.climb, end) - r(self.climb, start)
        else:
            out["elevation_change_m"] = out["elevation_gain_m"] = np.full(len(start), np.nan)
        return pd.DataFrame(out)


def splits(samples: pd.DataFrame, unit_m: float = 1000.0, *, sport: str = "run") -> pd.DataFrame:
    """One row per whole ``unit_m`` (1,000 m, or 1,609.344 m for miles), and a last partial one
    when at least 50 m remain; ``split`` numbers them from 1, ``end_distance_m`` is where each
    ends, ``partial`` marks the last.

    Paces are in s/km whatever the unit (the caller shows them per mile when asked).

    A steady 4 m/s run of 2.5 km gives two 250 s splits and a half split:

    >>> t = np.arange(626.0)
    >>> s = pd.DataFrame({"t_s": t, "distance_m": 4 * t, "speed_m_s": 4.0})
    >>> splits(s)[["split", "distance_m", "duration_s", "pace_s_per_km", "partial"]].round(1)
       split  distance_m  duration_s  pace_s_per_km  partial
    0      1      1000.0       250.0          250.0    False
    1      2      1000.0       250.0          250.0    False
    2      3       500.0       125.0          250.0     True
    """
    columns = ["split", "partial"]
    if samples is None or len(samples) < 2 or "t_s" not in samples.columns:
        return pd.DataFrame(columns=columns)
    c = _Cumulative(samples, sport)
    if len(c.t) < 2:
        return pd.DataFrame(columns=columns)
    total = float(c.x[-1])
    if not total >= MIN_LAST_SPLIT_M:  # NaN too: nothing to split
        return pd.DataFrame(columns=columns)
    edges = np.arange(0.0, total, unit_m)
    ends = np.append(edges[1:], total)
    if total - edges[-1] < MIN_LAST_SPLIT_M and len(ends) > 1:
        edges, ends = edges[:-1], ends[:-1]  # a stub at the stop button joins nothing: drop it
    out = c.pieces(c.at_distance(edges), c.at_distance(ends))
    out.insert(0, "split", np.arange(1, len(out) + 1))
    out.insert(1, "end_distance_m", ends[: len(out)])
    out["partial"] = out["distance_m"] < unit_m - 0.5
    return out


def lap_figures(samples: pd.DataFrame, laps: pd.DataFrame, *, sport: str = "run") -> pd.DataFrame:
    """The device's laps with the figures of :func:`splits`, read from the samples between each
    lap's start (``t0_s``, seconds after the activity start) and its end (``t0_s`` plus the lap's
    ``elapsed_time_s``). The lap's own distance and heart rate, when the device recorded them,
    win over the samples'.
    """
    if laps is None or laps.empty:
        return pd.DataFrame(columns=["lap"])
    t0 = pd.to_numeric(laps["t0_s"], errors="coerce").to_numpy(dtype=float)
    dur = pd.to_numeric(laps["elapsed_time_s"], errors="coerce").to_numpy(dtype=float)
    if samples is not None and len(samples) >= 2 and "t_s" in samples.columns:
        c = _Cumulative(samples, sport)
        ok = np.isfinite(t0) & np.isfinite(dur)
        figures = c.pieces(c.at_time(np.where(ok, t0, 0)), c.at_time(np.where(ok, t0 + dur, 0)))
        figures[~ok] = np.nan
    else:
        figures = pd.DataFrame(index=range(len(laps)))
    figures.index = laps.index
    out = pd.DataFrame({"lap": np.arange(1, len(laps) + 1)}, index=laps.index)
    out["start_s"] = t0
    out = out.join(figures)
    out["duration_s"] = np.where(np.isfinite(dur), dur, out.get("duration_s", np.nan))
    own_d = pd.to_numeric(laps.get("distance_m"), errors="coerce")
    if own_d is not None:
        out["distance_m"] = own_d.where(own_d.notna(), out.get("distance_m"))
    own_hr = pd.to_numeric(laps.get("avg_hr"), errors="coerce")
    if own_hr is not None:
        out["avg_hr"] = own_hr.where(own_hr.notna(), out.get("avg_hr"))
    moving = out.get("moving_time_s", pd.Series(np.nan, index=out.index))
    time = moving.where(moving > 0, out["duration_s"])
    d = pd.to_numeric(out["distance_m"], errors="coerce")
    out["pace_s_per_km"] = (time / d * 1000.0).where(d > 0)
    return out.reset_index(drop=True)

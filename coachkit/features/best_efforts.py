"""Best efforts: the fastest time over each distance anywhere in a run, bounded by world records.

Conventions (docs/design.md §5):

- **Best efforts**: the shortest elapsed time to cover each distance anywhere in the run, ends
  interpolated, over continuous running (no stop of 10 s or more inside), ignoring any stretch
  faster than the world record over its distance (:data:`WORLD_RECORDS_S`).
- **World records** bound what a human can run (:func:`world_record_speed`): an "effort" faster
  than the record over its distance is GPS error or a vehicle.

The distance is that of the cleaned track (:mod:`coachkit.features.track`), or its
grade-adjusted version (:mod:`coachkit.features.gap`) on request. Pure: the samples frame given
is never modified.
"""

from __future__ import annotations

from collections.abc import Mapping

import numpy as np
import pandas as pd

from coachkit.features.gap import graded_metres
from coachkit.features.track import clean_track

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


STOP_MAX_S = 10.0  # a best effort is continuous running: no stop this long (a light, a pause)


_Window = tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]  # i, j, time_s, start_t_s


def _forward(x: np.ndarray, t: np.ndarray, d: float) -> _Window:
    """From every sample i, the time to cover ``d`` (end interpolated in its interval).

    The effort spans intervals i .. j-1, where j is the first sample at or beyond the target.
    """
    i = np.flatnonzero(x <= x[-1] - d)
    target = x[i] + d
    j = np.minimum(np.searchsorted(x, target, side="left"), len(x) - 1)  # rounding at the end
    frac = (target - x[j - 1]) / (x[j] - x[j - 1])
    return i, j, t[j - 1] + frac * (t[j] - t[j - 1]) - t[i], t[i]


def _backward(x: np.ndarray, t: np.ndarray, d: float) -> _Window:
    """To every sample j, the time since ``d`` ago (start interpolated in its interval)."""
    j = np.flatnonzero(x >= x[0] + d)
    target = x[j] - d
    # last sample at or before the target (clipped against rounding at the start)
    i = np.clip(np.searchsorted(x, target, side="right") - 1, 0, len(x) - 2)
    start = t[i] + (target - x[i]) / (x[i + 1] - x[i]) * (t[i + 1] - t[i])
    return i, j, t[j] - start, start


def _excluded_intervals(
    x: np.ndarray,
    t: np.ndarray,
    moving: np.ndarray,
    max_stop_s: float,
    forward: dict[float, _Window],
) -> np.ndarray:
    """Intervals no effort may span: stops of ``max_stop_s`` or more, and stretches covered faster
    than the world record for their distance (GPS error or a vehicle). Fills ``forward`` with the
    forward windows it computed, so that best_efforts can reuse them."""
    # a stop: consecutive non-moving intervals lasting max_stop_s or more in total
    dt = np.diff(t)
    still = ~moving
    group = np.cumsum(still & ~np.concatenate([[False], still[:-1]])) * still  # 0 = moving
    stop_s = np.bincount(group, weights=dt * still)
    excluded = still & (stop_s[group] >= max_stop_s)
    top_speed = float(np.max(np.diff(x)[dt > 0] / dt[dt > 0], initial=0.0))
    mark = np.zeros(len(x) + 1)
    for d, wr in WORLD_RECORDS_S.items():
        # shorter records are sprints (the 12.5 m/s cap covers them); and no window can beat a
        # record whose speed is above the fastest single interval
        if d < 400.0 or d > x[-1] or top_speed < d / wr:
            continue
        i, j, time, _ = forward[d] = _forward(x, t, d)
        fast = time < wr
        np.add.at(mark, i[fast], 1.0)
        np.add.at(mark, j[fast], -1.0)
    return excluded | (np.cumsum(mark)[: len(x) - 1] > 0)


def best_efforts(
    samples: pd.DataFrame,
    distances_m: Mapping[str, float] = STANDARD_DISTANCES_M,
    *,
    grade_adjusted: bool = False,
    max_stop_s: float = STOP_MAX_S,
) -> pd.DataFrame:
    """Fastest time to cover each distance anywhere in one run.

    Every sample is tried as a start (end interpolated within its interval) and as an end (start
    interpolated), by binary search on the cleaned cumulative distance: no loop over samples.
    An effort is continuous running, timed on the elapsed clock: it may not contain a stop of
    ``max_stop_s`` (10 s) or more, such as a traffic light or a paused watch. (A rest inside a
    longer window is diluted, and would make, say, a mile look faster than every 1 km.)
    Stretches covered faster than the world record over 400 m … marathon are GPS error or a
    vehicle: no effort may overlap them, and none may beat the record for its own distance.

    Parameters
    ----------
    samples : DataFrame
        Canonical samples (``t_s``, ``distance_m`` or ``speed_m_s``, ``altitude_m`` if
        ``grade_adjusted``).
    distances_m : mapping
        Name -> distance in metres (default :data:`STANDARD_DISTANCES_M`).
    grade_adjusted : bool
        Search on grade-adjusted distance (Minetti), as Smyth & Muniz-Pumares 2020 did for
        critical speed.
    max_stop_s : float
        Longest stop an effort may contain; ``float("inf")`` times efforts on the elapsed clock
        whatever they contain (longer distances may then come out faster than shorter ones).

    Returns
    -------
    DataFrame
        ``name, distance_m, time_s, start_t_s, speed_m_s``, one row per distance the run covers
        with a plausible effort, shortest distance first.

    >>> s = pd.DataFrame({"t_s": np.arange(601.0), "distance_m": np.arange(601.0) * 4.0})
    >>> best_efforts(s)[["name", "time_s"]].values.tolist()
    [['400 m', 100.0], ['1 km', 250.0], ['1 mile', 402.336]]
    """
    cols = ["name", "distance_m", "time_s", "start_t_s", "speed_m_s"]
    empty = pd.DataFrame({c: pd.Series(dtype="string" if c == "name" else float) for c in cols})
    if len(samples) < 2 or "t_s" not in samples.columns:
        return empty
    tr = clean_track(samples)
    if len(tr.t) < 2 or tr.x[-1] <= 0:
        return empty
    forward: dict[float, _Window] = {}
    excluded = _excluded_intervals(tr.x, tr.t, tr.moving, max_stop_s, forward)
    prefix = np.concatenate([[0], np.cumsum(excluded)])
    x = tr.x
    if grade_adjusted:
        forward = {}  # computed on plain distance: not reusable
        x = np.concatenate([[0.0], np.cumsum(graded_metres(samples, tr, "run"))])
    rows = []
    for name, d in sorted(distances_m.items(), key=lambda kv: kv[1]):
        if not 0 < d <= x[-1]:
            continue
        best_time, best_start = np.inf, np.nan
        min_time = d / world_record_speed(d)
        fwd = forward[d] if d in forward else _forward(x, tr.t, d)
        for i, j, time, start in (fwd, _backward(x, tr.t, d)):
            ok = (prefix[j] - prefix[i] == 0) & (time >= min_time)
            k = int(np.argmin(np.where(ok, time, np.inf))) if ok.any() else -1
            if k >= 0 and time[k] < best_time:
                best_time, best_start = float(time[k]), float(start[k])
        if np.isfinite(best_time):
            rows.append((name, float(d), best_time, best_start, float(d) / best_time))
    if not rows:
        return empty
    out = pd.DataFrame(rows, columns=cols)
    out["name"] = out["name"].astype("string")
    return out

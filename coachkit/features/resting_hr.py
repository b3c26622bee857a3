"""Daily resting-HR status: the 7-day mean against the mean of the 60 days before.

Resting HR follows the windows of the HRV status (:mod:`coachkit.features.hrv`, docs/design.md
§5): the 7-day mean over the calendar days ``t-6 .. t`` that have a reading (at least 3),
against the baseline of the 60 days *before* that week (at least
:data:`~coachkit.features.hrv.MIN_BASELINE_DAYS` readings), one reading a day by
:data:`~coachkit.features.hrv.HRV_SOURCE_PRIORITY`. It is ``elevated`` when the 7-day mean is
more than :data:`RHR_ELEVATED_BPM` above its baseline.

Pure: ``as_of`` is a parameter, never the clock, and no row after it is read. One athlete or a
thousand take the same vectorised pass over an (athlete x day) grid
(:mod:`coachkit.features.hrv_grid`).
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from coachkit.features.hrv import HRV_SOURCE_PRIORITY, MIN_BASELINE_DAYS
from coachkit.features.hrv_grid import ROLLING_EPS, Daily, StatusKind, status_frame, windows
from coachkit.features.hrv_text import resting_hr_sentence

# resting HR outside 25-120 bpm is a recording fault, not a resting heart (coachkit.io.base uses
# 25 bpm as the lowest plausible HR; above 120 bpm nobody is at rest)
RHR_MIN_BPM, RHR_MAX_BPM = 25.0, 120.0
# Morning HR 5 bpm above normal is the classic coaching warning; overloaded runners in
# Dressendorfer et al. 1985 (Phys Sportsmed 13(8):77) rose by 10 bpm.
RHR_ELEVATED_BPM = 5.0

#: status names, in the order of their codes on the grid
RHR_STATUSES = ("not enough data", "elevated", "normal")
RHR_STATUS_COLUMNS = (
    "resting_hr",
    "source",
    "rhr_7d",
    "n_valid_7d",
    "rhr_baseline",
    "rhr_sd",
    "n_valid_baseline",
    "rhr_deviation",
    "status",
    "explanation",
)


def _resting_hr(wellness: pd.DataFrame) -> np.ndarray:
    """Resting HR of each row, NaN outside 25-120 bpm."""
    nan = pd.Series(np.nan, index=wellness.index)
    hr = pd.to_numeric(wellness.get("resting_hr", nan), errors="coerce").to_numpy(float)
    return np.where((hr >= RHR_MIN_BPM) & (hr <= RHR_MAX_BPM), hr, np.nan)


def _rhr_numbers(
    daily: Daily,
    *,
    window: int,
    baseline_days: int,
    min_valid: int,
    min_baseline_days: int,
    elevated_bpm: float,
) -> dict[str, np.ndarray]:
    """Every numeric column of :func:`resting_hr_status` on the grid, the status as codes."""
    out = windows(daily.value, window, baseline_days, min_valid, min_baseline_days)
    del out["sd_7d"]
    out["rhr_7d"] = out.pop("mean_7d")
    out["rhr_baseline"], out["rhr_sd"] = out.pop("baseline_mean"), out.pop("baseline_sd")
    dev = out["rhr_7d"] - out["rhr_baseline"]
    out["rhr_deviation"] = dev
    with np.errstate(invalid="ignore"):
        out["status"] = np.select(
            [np.isnan(dev), dev > elevated_bpm + ROLLING_EPS], [0, 1], default=2
        )
    return {"resting_hr": daily.value, **out}


_RHR = StatusKind(
    _resting_hr,
    _rhr_numbers,
    RHR_STATUSES,
    resting_hr_sentence,
    RHR_STATUS_COLUMNS,
    HRV_SOURCE_PRIORITY,
)


def resting_hr_status(
    wellness: pd.DataFrame,
    *,
    as_of: pd.Timestamp | None = None,
    window: int = 7,
    baseline_days: int = 60,
    min_valid: int = 3,
    min_baseline_days: int = MIN_BASELINE_DAYS,
    elevated_bpm: float = RHR_ELEVATED_BPM,
) -> pd.DataFrame:
    """Daily resting-HR status: the 7-day mean against the mean of the 60 days before.

    Same windows, source priority and ``as_of`` rule as :func:`~coachkit.features.hrv.hrv_status`.
    Resting HR outside 25-120 bpm is dropped.

    Returns
    -------
    pandas.DataFrame
        Indexed by ``date``, with the columns of :data:`RHR_STATUS_COLUMNS`: ``resting_hr`` and
        ``source`` of the day, ``rhr_7d``, ``n_valid_7d``, ``rhr_baseline``, ``rhr_sd``,
        ``n_valid_baseline``, ``rhr_deviation`` (``rhr_7d - rhr_baseline``, bpm), ``status``
        (``elevated`` when the deviation exceeds ``elevated_bpm``, else ``normal``, or ``not
        enough data``) and ``explanation``.

    Examples
    --------
    >>> days = pd.date_range("2024-01-01", periods=80, freq="D")
    >>> hr = np.where(np.arange(80) % 2 == 0, 48.0, 52.0)  # baseline 50 bpm
    >>> hr[-7:] = 57.0
    >>> w = pd.DataFrame({"date": days, "resting_hr": hr, "source": "garmin"})
    >>> r = resting_hr_status(w).iloc[-1]
    >>> r["status"], float(r["rhr_deviation"])
    ('elevated', 7.0)
    """
    return status_frame(
        _RHR,
        wellness,
        as_of,
        many=False,
        window=window,
        baseline_days=baseline_days,
        min_valid=min_valid,
        min_baseline_days=min_baseline_days,
        elevated_bpm=elevated_bpm,
    )


def resting_hr_many(
    wellness: pd.DataFrame,
    *,
    as_of: pd.Timestamp | None = None,
    window: int = 7,
    baseline_days: int = 60,
    min_valid: int = 3,
    min_baseline_days: int = MIN_BASELINE_DAYS,
    elevated_bpm: float = RHR_ELEVATED_BPM,
    explain: bool = False,
) -> pd.DataFrame:
    """:func:`resting_hr_status` of many athletes in one vectorised pass (rosters, benchmarks).

    As :func:`~coachkit.features.hrv.hrv_many` for HRV.

    Returns ``athlete_id``, ``date`` and the columns of :data:`RHR_STATUS_COLUMNS` (without
    ``explanation`` unless ``explain``), sorted by athlete and day.
    """
    return status_frame(
        _RHR,
        wellness,
        as_of,
        many=True,
        explain=explain,
        window=window,
        baseline_days=baseline_days,
        min_valid=min_valid,
        min_baseline_days=min_baseline_days,
        elevated_bpm=elevated_bpm,
    )

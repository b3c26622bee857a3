"""Columns of track points as the GPX and TCX readers collect them: texts to times and numbers,
and running cadence counted per leg to steps per minute."""

from __future__ import annotations

import numpy as np
import pandas as pd

from coachkit.core.sports import RUN_SPORTS

# Below these medians a recorded cadence counts one leg (strides/min), above them both feet.
# Running is ~150-200 spm (~75-100 per leg) and nobody runs at 120 spm; walking is ~90-130 spm
# (~45-65 per leg), so a walk needs a lower line to tell a per-leg file from a steps file.
PER_LEG_BELOW = {**dict.fromkeys(RUN_SPORTS, 120.0), "walk": 80.0}
_TIME_MIN = pd.Timestamp("1900-01-01", tz="UTC")
_TIME_MAX = pd.Timestamp("2200-01-01", tz="UTC")  # datetime64[ns] ends in 2262


def to_times(texts: list[str | None]) -> pd.Series:
    """ISO-8601 strings to UTC timestamps; junk and absurd years become NaT (naive means UTC)."""
    times = pd.to_datetime(
        pd.Series(texts, dtype=object), utc=True, format="ISO8601", errors="coerce"
    )
    return times.where((times >= _TIME_MIN) & (times < _TIME_MAX))


def to_floats(texts: list[str | None]) -> np.ndarray:
    """Numeric strings to floats; anything else ("null", "", "inf") becomes NaN."""
    values = pd.to_numeric(pd.Series(texts, dtype=object), errors="coerce").to_numpy(
        dtype=float, copy=True
    )
    values[~np.isfinite(values)] = np.nan
    return values


def cadence_to_spm(cadence: np.ndarray, sport: str) -> np.ndarray:
    """Running cadence to steps/min (both feet); other sports keep their rpm.

    Garmin's TrackPointExtension ``cad``, TCX ``RunCadence`` and Strava-export GPX all count one
    leg (strides/min), so a runner at 170 spm reads ~85. A file whose median of positive values
    is above ``PER_LEG_BELOW[sport]`` already counts both feet and is kept as is.

    >>> cadence_to_spm(np.array([84.0, 86.0]), "run").tolist()
    [168.0, 172.0]
    """
    cadence = np.asarray(cadence, dtype=float)
    positive = cadence[cadence > 0]
    if len(positive) and np.median(positive) < PER_LEG_BELOW.get(sport, 0.0):
        return cadence * 2.0
    return cadence

"""Reading canonical frames defensively: optional columns, quality flags, the cut at ``as_of``.

Features and models read activity, wellness and effort frames that may lack a column, carry
``;``-joined ``quality_flags`` and hold rows dated after the day being computed. These helpers
say once how each case is read (docs/design.md §3), so that every caller reads it the same way.
"""

from __future__ import annotations

from typing import Any

import numpy as np
import pandas as pd

from coachkit.core.localtime import local_start


def flag_mask(flags: pd.Series, code: str) -> np.ndarray:
    """Rows whose ``;``-joined ``quality_flags`` hold ``code`` (a prefix for ``duplicate_of:``)."""
    needle = ";" + code if code.endswith(":") else ";" + code + ";"
    # a few distinct flag strings in many rows: look in each distinct one once
    if not isinstance(flags.dtype, pd.StringDtype):
        flags = flags.astype("string")
    codes, distinct = pd.factorize(flags.to_numpy(dtype=object, na_value=""))
    return np.array([needle in f";{f};" for f in distinct], dtype=bool)[codes]


def column(frame: pd.DataFrame, name: str, default: Any = np.nan) -> pd.Series:
    """``frame[name]`` as a plain series, or ``default`` everywhere when the column is absent."""
    if name in frame.columns:
        return frame[name]
    return pd.Series([default] * len(frame), index=frame.index, dtype=object)


def numeric(frame: pd.DataFrame, name: str) -> np.ndarray:
    """A numeric column as float64 (NaN for missing or unparsable values)."""
    if name in frame.columns and frame[name].dtype == np.float64:
        return frame[name].to_numpy(dtype=np.float64, copy=True)  # already numbers: a copy
    return pd.to_numeric(column(frame, name), errors="coerce").astype("float64").to_numpy()


def numeric_series(frame: pd.DataFrame, name: str) -> pd.Series:
    """A numeric column as a float series on the frame's index (NaN when missing or unparsable)."""
    return pd.to_numeric(column(frame, name), errors="coerce").astype(float)


def before_as_of(activities: pd.DataFrame, as_of: pd.Timestamp | None) -> np.ndarray:
    """Activities that started strictly before ``as_of`` (naive = athlete's local time).

    A boolean mask over the rows (all True without ``as_of``); it may be a view, so copy it
    before changing it.
    """
    if as_of is None:
        return np.ones(len(activities), dtype=bool)
    as_of = pd.Timestamp(as_of)
    if as_of.tzinfo is not None:
        start = pd.to_datetime(column(activities, "start_time", pd.NaT), utc=True)
        return (start < as_of).to_numpy(dtype=bool)
    return (local_start(activities) < as_of).to_numpy(dtype=bool)


def _naive(as_of: pd.Timestamp | None) -> pd.Timestamp | None:
    if as_of is None:
        return None
    as_of = pd.Timestamp(as_of)
    return as_of.tz_convert("UTC").tz_localize(None) if as_of.tzinfo is not None else as_of


def dated_before(frame: pd.DataFrame, as_of: pd.Timestamp | None) -> tuple[pd.Series, np.ndarray]:
    """The naive ``date`` column and which rows are dated before ``as_of`` (all without)."""
    dates = pd.to_datetime(column(frame, "date", pd.NaT), errors="coerce")
    if getattr(dates.dt, "tz", None) is not None:
        dates = dates.dt.tz_convert("UTC").dt.tz_localize(None)
    cutoff = _naive(as_of)
    keep = np.ones(len(frame), dtype=bool) if cutoff is None else (dates < cutoff).to_numpy(bool)
    return dates, keep

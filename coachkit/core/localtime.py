"""The athlete's calendar: when an activity happened in the athlete's own day.

"Monday morning" means the athlete's Monday (docs/design.md §3): an activity's local time is its UTC
start plus ``utc_offset_s``; when a source did not record the offset, UTC stands in.
"""

from __future__ import annotations

from typing import Any

import pandas as pd


def local_start(activities: pd.DataFrame) -> pd.Series:
    """Each activity's naive local start time (UTC when the offset is unknown)."""
    start = pd.to_datetime(activities["start_time"], utc=True)
    offset = pd.to_numeric(
        activities.get("utc_offset_s", pd.Series(index=activities.index)), errors="coerce"
    )
    return start.dt.tz_localize(None) + pd.to_timedelta(offset.fillna(0).astype(float), unit="s")


def local_day(activities: pd.DataFrame) -> pd.Series:
    """Each activity's local calendar day, as a naive midnight."""
    return local_start(activities).dt.normalize()


def as_day(value: Any) -> pd.Timestamp:
    """A date-like as a naive midnight (a tz-aware time keeps its wall-clock day)."""
    ts = pd.Timestamp(value)
    return (ts.tz_localize(None) if ts.tzinfo is not None else ts).normalize()

"""Canonical frames: column sets and dtypes, and conforming a frame to them (docs/design.md §3).

Everything here is plain data so that importing it is cheap. Readers and the store conform
their frames with :func:`conform`.
All times are tz-aware UTC, distances metres, durations seconds, speeds m/s, heart rate bpm.
"""

from __future__ import annotations

from typing import Any

SPORTS = ("run", "trail_run", "treadmill", "walk", "ride", "swim", "strength", "other")

#: activities frame, in output order: name -> pandas dtype
ACTIVITY_COLUMNS: dict[str, str] = {
    "athlete_id": "string",
    "activity_id": "string",
    "sport": "string",
    "start_time": "datetime64[ns, UTC]",
    "utc_offset_s": "Int64",
    "tz_name": "string",  # IANA zone (from the GPS track, or filled at read time)
    "tz_source": "string",  # where utc_offset_s came from: file, gps, athlete, runner, utc
    "elapsed_time_s": "float64",
    "moving_time_s": "float64",
    "distance_m": "float64",
    "elevation_gain_m": "float64",
    "avg_hr": "float64",
    "max_hr": "float64",
    "avg_cadence_spm": "float64",
    "avg_power_w": "float64",
    "name": "string",
    "device": "string",
    "source_kind": "string",
    "source_file": "string",
    "has_samples": "bool",
    "quality_flags": "string",
    "load": "float64",
    "load_method": "string",
}

#: per-activity samples frame (one parquet per activity)
SAMPLE_COLUMNS: dict[str, str] = {
    "t_s": "float64",  # seconds since the activity start (elapsed, pauses included)
    "timestamp": "datetime64[ns, UTC]",
    "lat": "float64",
    "lon": "float64",
    "altitude_m": "float64",
    "distance_m": "float64",
    "speed_m_s": "float64",
    "hr_bpm": "float64",
    "cadence_spm": "float64",  # steps per minute, both feet
    "power_w": "float64",
    "temperature_c": "float64",
}
#: optional: list of R-R intervals (ms) of the beats from this row up to the next row
RR_COLUMN = "rr_ms"

#: laps frame (per activity): what every reader emits at least; readers may add more columns
LAP_COLUMNS: dict[str, str] = {
    "start_time": "datetime64[ns, UTC]",
    "elapsed_time_s": "float64",
    "distance_m": "float64",
    "avg_hr": "float64",
}

#: wellness frame: one row per athlete per day per source
WELLNESS_COLUMNS: dict[str, str] = {
    "date": "datetime64[ns]",  # local calendar day of the reading, naive
    "rmssd_ms": "float64",
    "ln_rmssd": "float64",
    "resting_hr": "float64",
    "sleep_s": "float64",
    "sleep_score": "float64",
    "stress": "float64",
    "readiness": "float64",
    "source": "string",
}

FEEDBACK_COLUMNS: dict[str, str] = {
    "athlete_id": "string",
    "activity_id": "string",
    "date": "datetime64[ns]",
    "rpe": "float64",
    "feel": "float64",
    "soreness": "float64",
    "niggle_site": "string",
    "niggle_severity": "float64",
    "illness": "boolean",
    "missed_reason": "string",
    "note": "string",
    "checkin": "string",
    "created_at": "datetime64[ns, UTC]",
}

#: the numeric targets of a planned day (NULL in the catalog, NaN in frames, when a day has none)
PLAN_TARGETS = (
    "distance_m",
    "duration_s",
    "pace_low_s_per_km",
    "pace_high_s_per_km",
    "hr_low",
    "hr_high",
)
#: what a planned day says, apart from its keys: a new version is stored when one of them changes
PLAN_DAY_FIELDS = ("kind", *PLAN_TARGETS, "steps", "purpose", "status")
#: one day of a plan as ``plan_workouts`` holds it (keys: plan, date, version), in frame order
PLAN_COLUMNS = ("plan_id", "athlete_id", "date", *PLAN_DAY_FIELDS, "version")

#: data-quality flag codes (joined with ";" in ``quality_flags``)
QUALITY_FLAGS = (
    "no_hr",
    "hr_implausible",
    "gps_gaps",
    "speed_implausible",
    "manual",
    "time_inverted",  # moving time longer than elapsed
    "time_reversed",  # samples as recorded step back in time by over a minute: a corrupt clock
    "date_implausible",
    "duration_implausible",  # negative, or longer than one activity can be (two days)
    "distance_implausible",  # negative, or farther than one activity goes (500 km on foot)
    "time_unknown",  # summary rows with a date but no clock time (intervals.icu export)
    "duplicate_of:",
)

# source priority when the same run arrives from several places (docs/design.md §3): higher wins
SOURCE_PRIORITY: dict[str, int] = {
    "fit": 60,
    "tcx": 50,
    "gpx": 40,
    "nike_json": 35,
    "strava_streams": 30,
    "strava_api": 20,
    "strava_export_csv": 15,
    "intervals_csv": 12,
    "elevate_json": 10,
    "garmin_json": 10,
    "manual": 0,
}


#: rows that came from Strava's API (synced, or saved API JSON). Strava's API agreement allows
#: showing them to their owner only and forbids using them to train models, so population
#: fitting leaves them out by default. A device file of the same run outranks them (merged
#: rows then carry the file's source_kind), and Strava's bulk export is the user's own file.
STRAVA_API_KINDS = frozenset({"strava_api", "strava_streams"})


def without_strava_api(frame: Any) -> Any:
    """A new frame without the rows whose ``source_kind`` is one of :data:`STRAVA_API_KINDS`.

    >>> import pandas as pd
    >>> without_strava_api(pd.DataFrame({"source_kind": ["fit", "strava_api", None]})).shape[0]
    2
    """
    if "source_kind" not in frame.columns:
        return frame.copy()
    return frame[~frame["source_kind"].isin(STRAVA_API_KINDS).fillna(False).astype(bool)].copy()


def empty_frame(columns: dict[str, str]) -> Any:
    """Return an empty pandas frame with exactly these columns and dtypes."""
    import pandas as pd

    return pd.DataFrame({c: pd.Series(dtype=t) for c, t in columns.items()})


def conform(df: Any, columns: dict[str, str], *, keep_extra: tuple[str, ...] = ()) -> Any:
    """Return a copy of ``df`` with exactly ``columns`` (missing ones added as nulls), cast.

    Columns named in ``keep_extra`` are kept after the canonical ones when present.
    """
    import pandas as pd

    out = {}
    n = len(df)
    for col, dtype in columns.items():
        if col in df.columns:
            s = df[col]
            # pandas 3 infers microseconds from strings; the contract says nanoseconds
            if dtype.startswith("datetime64[ns, UTC]"):
                s = pd.to_datetime(s, utc=True).dt.as_unit("ns")
            elif dtype.startswith("datetime64"):
                s = pd.to_datetime(s).dt.as_unit("ns")
            else:
                s = s.astype(dtype)
        else:
            s = pd.Series(
                [pd.NA if dtype in ("string", "Int64", "boolean") else None] * n,
                index=df.index,
                dtype=dtype if dtype != "bool" else "bool",
            )
            if dtype == "bool":
                s = pd.Series(False, index=df.index, dtype="bool")
        out[col] = s
    for col in keep_extra:
        if col in df.columns:
            out[col] = df[col]
    return pd.DataFrame(out, index=df.index).reset_index(drop=True)

"""Strava API v3 JSON: activities, activity pages and streams.

Strava's API splits a run in two: the activity (``/activities/{id}``: summary, laps, the start
time) and its streams (``/activities/{id}/streams``: per-second arrays keyed by seconds since the
start, with no clock of their own). :func:`combine_strava` puts them back together; the store and
the sync call it when they hold both. Field meanings follow the Strava API reference
(https://developers.strava.com/docs/reference/, models DetailedActivity, SummaryActivity, Lap,
StreamSet).
"""

from __future__ import annotations

from typing import Any

import numpy as np
import pandas as pd

from coachkit.core.sports import FOOT_SPORTS
from coachkit.io.base import ParsedActivity, ParsedFile, collect_activities, make_samples
from coachkit.io.errors import UnreadableFile, guard
from coachkit.io.jsonvalues import load_json, num, put_number
from coachkit.io.sports import strava_sport
from coachkit.io.timeparse import utc

# Strava stream type -> canonical samples column (StreamSet model); "moving", "grade_smooth"
# are derived by Strava and not kept.
_STREAM_COLUMNS = {
    "distance": "distance_m",
    "altitude": "altitude_m",
    "velocity_smooth": "speed_m_s",
    "heartrate": "hr_bpm",
    "cadence": "cadence_spm",
    "watts": "power_w",
    "temp": "temperature_c",
}
# Strava Lap / DetailedActivity field -> summary key, in the order the summary states them
_LAP_FIELDS = (
    ("elapsed_time_s", "elapsed_time"),
    ("moving_time_s", "moving_time"),
    ("distance_m", "distance"),
    ("avg_hr", "average_heartrate"),
    ("max_hr", "max_heartrate"),
)
_ACTIVITY_FIELDS = (
    *_LAP_FIELDS[:3],
    ("elevation_gain_m", "total_elevation_gain"),
    *_LAP_FIELDS[3:],
)
_MAX_STREAM_S = 30 * 86400.0  # a stream "time" beyond 30 days is corrupt
_NO_START = (
    "Strava streams without a start time: ingest them together with the activity JSON "
    "(its start_date gives the clock the streams' seconds count from)"
)


def _offset_s(obj: dict[str, Any], start: pd.Timestamp) -> int | None:
    """Local offset: the API's ``utc_offset``, else start_date_local - start_date.

    ``start_date_local`` carries a misleading "Z": it is the local wall clock, so drop the zone.
    """
    off = num(obj.get("utc_offset"))
    if off is not None and abs(off) <= 14 * 3600:
        return int(round(off))
    local = utc(obj.get("start_date_local"))
    if local is None or abs(local.year - start.year) > 1:
        return None
    off = (local - start).total_seconds()
    return int(round(off / 60) * 60) if abs(off) <= 14 * 3600 else None


def _put_fields(
    out: dict[str, Any], obj: dict[str, Any], fields: tuple[tuple[str, str], ...], sport: str
) -> None:
    """Put the numbers of a Strava activity or lap, then its cadence in steps/min."""
    for key, field in fields:
        put_number(out, key, obj.get(field))
    # Strava running cadence is per leg (rpm), as in FIT: both feet = x2
    scale = 2.0 if sport in FOOT_SPORTS else 1.0
    put_number(out, "avg_cadence_spm", obj.get("average_cadence"), scale)


def _laps(raw: Any, sport: str) -> pd.DataFrame | None:
    if not isinstance(raw, list):
        return None
    rows = []
    for lap in raw:
        if not isinstance(lap, dict):
            continue
        row: dict[str, Any] = {"start_time": utc(lap.get("start_date"))}
        _put_fields(row, lap, _LAP_FIELDS, sport)
        rows.append(row)
    if not rows:
        return None
    laps = pd.DataFrame(rows)
    laps["start_time"] = pd.to_datetime(laps["start_time"], utc=True)
    return laps


def strava_activity(obj: dict[str, Any]) -> ParsedActivity:
    """One Strava Detailed/SummaryActivity dict -> summary-only ParsedActivity (no samples)."""
    start = utc(obj.get("start_date"))
    if start is None:
        raise UnreadableFile("Strava activity without a valid start_date")
    sport = strava_sport(obj.get("sport_type") or obj.get("type"), trainer=obj.get("trainer"))
    summary: dict[str, Any] = {"sport": sport, "start_time": start}
    offset = _offset_s(obj, start)
    if offset is not None:
        summary["utc_offset_s"] = offset
    _put_fields(summary, obj, _ACTIVITY_FIELDS, sport)
    if obj.get("device_watts") is not False:  # False = Strava's estimate from speed and grade
        put_number(summary, "avg_power_w", obj.get("average_watts"))
    for key, field in (("name", "name"), ("device", "device_name")):
        if isinstance(obj.get(field), str) and obj[field].strip():
            summary[key] = obj[field].strip()
    if isinstance(obj.get("id"), (int, str)) and not isinstance(obj.get("id"), bool):
        summary["external_id"] = f"strava:{obj['id']}"
    flags = ["manual"] if obj.get("manual") is True else []
    return ParsedActivity(
        summary=summary, laps=_laps(obj.get("laps"), sport), source_kind="strava_api", flags=flags
    )


@guard("Strava activity")
def read_strava_activity(data: bytes, *, name: str = "") -> ParsedFile:
    """Read one Strava API activity (``GET /activities/{id}``) as a summary-only activity.

    Parameters
    ----------
    data : bytes
        The JSON response.
    name : str
        File name, for messages only.

    Returns
    -------
    ParsedFile
        One activity, ``source_kind="strava_api"``, flagged ``manual`` for hand-entered ones.
        Samples come from the streams: see :func:`combine_strava`.
    """
    obj = load_json(data, "Strava activity")
    if isinstance(obj, list) and len(obj) == 1:
        obj = obj[0]
    if not isinstance(obj, dict):
        raise UnreadableFile("not a Strava activity: expected one JSON object with a start_date")
    return ParsedFile(activities=[strava_activity(obj)], decoder="strava_json")


@guard("Strava activity list")
def read_strava_activity_list(data: bytes, *, name: str = "") -> ParsedFile:
    """Read a page of Strava SummaryActivity objects (``GET /athlete/activities``).

    Every sport is kept (rides stay rides). An entry without a usable start is skipped with a
    warning; an extra outer list (``[[...]]``, seen in fixtures) is unwrapped.
    """
    obj = load_json(data, "Strava activity list")
    while isinstance(obj, list) and len(obj) == 1 and isinstance(obj[0], list):
        obj = obj[0]
    if not isinstance(obj, list):
        raise UnreadableFile("not a Strava activity list: expected a JSON array of activities")
    if not obj:
        from coachkit.io import NothingToImport

        raise NothingToImport("an empty Strava activity list")
    return collect_activities(
        obj,
        strava_activity,
        decoder="strava_json:list",
        label="entry",
        none_usable="Strava activity list without any activity that has a start_date",
    )


# -- streams -------------------------------------------------------------------------------------


def _stream_arrays(obj: Any) -> dict[str, list[Any]]:
    """Streams in any of Strava's three shapes -> {type: values}.

    ``[{"type": t, "data": [...]}]`` (default), ``{t: {"data": [...]}}`` (key_by_type=true) and
    the flattened ``{t: [...]}`` that client libraries save.
    """
    out: dict[str, list[Any]] = {}
    if isinstance(obj, list):
        for item in obj:
            if isinstance(item, dict) and isinstance(item.get("type"), str):
                if isinstance(item.get("data"), list):
                    out[item["type"]] = item["data"]
    elif isinstance(obj, dict):
        for key, value in obj.items():
            if isinstance(value, dict) and isinstance(value.get("data"), list):
                out[str(key)] = value["data"]
            elif isinstance(value, list):
                out[str(key)] = value
    return out


def _floats(values: list[Any], n: int) -> np.ndarray:
    arr = np.full(n, np.nan)
    for i, v in enumerate(values[:n]):
        x = num(v)
        if x is not None:
            arr[i] = x
    return arr


def _stream_samples(
    arrays: dict[str, list[Any]], start: pd.Timestamp, sport: str | None, warnings: list[str]
) -> pd.DataFrame:
    if "time" not in arrays:
        raise UnreadableFile("Strava streams without a 'time' stream: cannot place the samples")
    n = len(arrays["time"])
    for key, values in arrays.items():
        if len(values) != n and (key in _STREAM_COLUMNS or key == "latlng"):
            warnings.append(
                f"stream {key!r} has {len(values)} points, time has {n}: aligned by index"
            )
    t = _floats(arrays["time"], n)
    t[(t < 0) | (t > _MAX_STREAM_S)] = np.nan
    cols: dict[str, Any] = {"timestamp": start + pd.to_timedelta(t, unit="s")}
    for key, col in _STREAM_COLUMNS.items():
        if key in arrays:
            cols[col] = _floats(arrays[key], n)
    if "cadence_spm" in cols and sport in FOOT_SPORTS:
        cols["cadence_spm"] = cols["cadence_spm"] * 2.0  # per leg -> both feet
    if "latlng" in arrays:
        lat, lon = np.full(n, np.nan), np.full(n, np.nan)
        for i, pair in enumerate(arrays["latlng"][:n]):
            if isinstance(pair, list) and len(pair) == 2:
                la, lo = num(pair[0]), num(pair[1])
                if la is not None and lo is not None and abs(la) <= 90 and abs(lo) <= 180:
                    lat[i], lon[i] = la, lo
        cols["lat"], cols["lon"] = lat, lon
    samples = make_samples(cols)
    if samples.empty:
        raise UnreadableFile("Strava streams without any usable time value")
    return samples


@guard("Strava streams")
def read_strava_streams(
    data: bytes,
    *,
    name: str = "",
    start_time: pd.Timestamp | None = None,
    sport: str | None = None,
) -> ParsedFile:
    """Read Strava streams (``GET /activities/{id}/streams``) into a samples-only activity.

    Streams count seconds from the activity start but do not state it. The start is
    ``start_time`` when given, else a top-level ``start_date`` in the JSON; without either the
    file cannot be placed in time and :class:`UnreadableFile` says to ingest it with its
    activity (see :func:`combine_strava`).

    Parameters
    ----------
    data : bytes
        The streams JSON in any of Strava's shapes (list, key_by_type, flattened).
    name : str
        File name, for messages only.
    start_time : Timestamp, optional
        The activity's start (UTC).
    sport : str, optional
        Canonical sport; for foot sports the per-leg cadence is doubled.

    Returns
    -------
    ParsedFile
        One activity with samples, ``source_kind="strava_streams"``.
    """
    obj = load_json(data, "Strava streams")
    head = obj if isinstance(obj, dict) else {}
    start = pd.Timestamp(start_time) if start_time is not None else utc(head.get("start_date"))
    if start is None or pd.isna(start):
        raise UnreadableFile(_NO_START)
    start = start.tz_localize("UTC") if start.tzinfo is None else start.tz_convert("UTC")
    if sport is None and isinstance(head.get("sport_type") or head.get("type"), str):
        sport = strava_sport(
            head.get("sport_type") or head.get("type"), trainer=head.get("trainer")
        )
    warnings: list[str] = []
    if sport is None:
        warnings.append("sport unknown: cadence kept as recorded (per leg for Strava runs)")
    samples = _stream_samples(_stream_arrays(obj), start, sport, warnings)
    summary: dict[str, Any] = {"start_time": start}
    if sport:
        summary["sport"] = sport
    act = ParsedActivity(summary=summary, samples=samples, source_kind="strava_streams")
    return ParsedFile(activities=[act], decoder="strava_json:streams", warnings=warnings)


def combine_strava(activity: ParsedFile, streams_bytes: bytes) -> ParsedFile:
    """Attach a Strava streams file to its activity: samples at ``start_date + time``.

    The activity's stated summary (distance, moving time, HR...) is kept as is; the streams
    add the samples, so the result has ``source_kind="strava_streams"``.

    Parameters
    ----------
    activity : ParsedFile
        What :func:`read_strava_activity` returned for the activity JSON (exactly one activity).
    streams_bytes : bytes
        That activity's streams JSON.

    Returns
    -------
    ParsedFile
        A new ParsedFile; neither input is modified.
    """
    if len(activity.activities) != 1:
        raise UnreadableFile("Strava streams can only be combined with exactly one activity")
    act = activity.activities[0]
    start = act.summary.get("start_time")
    if start is None or pd.isna(start):
        raise UnreadableFile(_NO_START)
    streams = read_strava_streams(streams_bytes, start_time=start, sport=act.summary.get("sport"))
    combined = ParsedActivity(
        summary=dict(act.summary),
        samples=streams.activities[0].samples,
        laps=act.laps,
        source_kind="strava_streams",
        flags=list(act.flags),
    )
    return ParsedFile(
        activities=[combined],
        wellness=activity.wellness,
        decoder=f"{activity.decoder or 'strava_json'}+streams",
        warnings=list(activity.warnings) + streams.warnings,
    )

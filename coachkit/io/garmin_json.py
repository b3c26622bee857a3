"""Reader for Garmin Connect API responses (as saved by garth, python-garminconnect or a browser).

Each Garmin endpoint answers with its own JSON shape; :func:`read_garmin_json` recognises the
shape and maps what is daily wellness to docs/design.md §3 wellness rows (source ``"garmin"``):

* HRV status (daily range, or one night's detail): ``lastNightAvg`` -> ``rmssd_ms``
* sleep (dailySleepData): ``sleepTimeSeconds`` -> ``sleep_s``, ``sleepScores.overall.value``
  -> ``sleep_score``; the sleep-score stats list (``[{calendarDate, value}]``) -> ``sleep_score``
* daily heart rate: ``restingHeartRate`` -> ``resting_hr``
* user summary (daily): ``restingHeartRate`` -> ``resting_hr``, ``averageStressLevel`` ->
  ``stress``
* daily stress (with body battery) and stress stats: ``avgStressLevel`` /
  ``values.overallStressLevel`` -> ``stress``
* training readiness: ``score`` -> ``readiness`` (and its ``sleepScore`` -> ``sleep_score``)

Garmin's HRV number is the average rMSSD (ms) of the night's 5-minute readings, so it goes
to ``rmssd_ms`` as is. Training readiness is updated through the day; the value after waking
(``inputContext = AFTER_WAKEUP_RESET``, else the earliest) is kept, like the first morning
reading of the HRV apps. Garmin writes negative stress levels for "not enough data", read as
missing.

Activity lists and activity details become summary activities (no samples). Responses that
coachkit does not use (endurance/hill score, intensity minutes, training status, weekly
stress) raise :class:`~coachkit.io.NothingToImport` with the reason.
"""

from __future__ import annotations

import json
import math
import re
from collections.abc import Callable
from typing import Any

import pandas as pd

from coachkit.core.schemas import WELLNESS_COLUMNS, conform
from coachkit.io import NothingToImport
from coachkit.io.base import ParsedActivity, ParsedFile
from coachkit.io.errors import UnreadableFile
from coachkit.io.jsonvalues import check_json_size
from coachkit.io.sports import normalize_sport

SOURCE = "garmin"
DECODER = "json (coachkit.io.garmin_json)"
Rows = list[dict[str, Any]]


def _num(value: Any, *, positive: bool = False) -> float:
    """A finite number, else NaN; negatives (Garmin's "no data" codes) are NaN too."""
    if isinstance(value, bool) or not isinstance(value, (int, float)):
        return math.nan
    v = float(value)
    if not math.isfinite(v) or v < 0 or (positive and v == 0):
        return math.nan
    return v


def _day(value: Any) -> pd.Timestamp | None:
    """A Garmin ``calendarDate`` ('YYYY-MM-DD') as a naive day, or None."""
    if not isinstance(value, str) or not re.match(r"\d{4}-\d\d-\d\d", value):
        return None
    try:
        day = pd.Timestamp(value[:10])
    except ValueError:
        return None
    return day if 1990 <= day.year <= 2100 else None


def _dicts(obj: Any) -> list[dict[str, Any]]:
    return [x for x in obj if isinstance(x, dict)] if isinstance(obj, list) else []


# --- wellness shapes -------------------------------------------------------------------------


def _hrv_rows(summaries: list[dict[str, Any]]) -> Rows:
    return [
        {
            "date": _day(s.get("calendarDate")),
            "rmssd_ms": _num(s.get("lastNightAvg"), positive=True),
        }
        for s in summaries
    ]


def _sleep_rows(obj: dict[str, Any]) -> Rows:
    dto = obj.get("dailySleepDTO") or {}
    scores = dto.get("sleepScores") or obj.get("sleepScores") or {}
    overall = scores.get("overall") if isinstance(scores, dict) else None
    score = overall.get("value") if isinstance(overall, dict) else None
    return [
        {
            "date": _day(dto.get("calendarDate")),
            "sleep_s": _num(dto.get("sleepTimeSeconds"), positive=True),
            "sleep_score": _num(score),
        }
    ]


def _value_list_rows(items: list[dict[str, Any]], name: str) -> Rows:
    """``[{calendarDate, value}]``: Garmin's daily sleep score and weekly stress share this shape."""
    days = sorted(d for d in (_day(x.get("calendarDate")) for x in items) if d is not None)
    if len(days) > 1:
        weekly = pd.Series(days).diff().dt.days.median() >= 6
    elif "stress" in name.lower() or "sleep" in name.lower():
        weekly = "stress" in name.lower()
    else:
        raise NothingToImport(
            "a single Garmin {calendarDate, value} entry: cannot tell a daily sleep score from "
            "a weekly stress average; download a range of days"
        )
    if weekly:
        raise NothingToImport("Garmin weekly stress averages: coachkit keeps daily values only")
    return [
        {"date": _day(x.get("calendarDate")), "sleep_score": _num(x.get("value"))} for x in items
    ]


def _readiness_rows(items: list[dict[str, Any]]) -> Rows:
    """One readiness per day: the after-wake-up value, else the earliest of the day."""

    def order(x: dict[str, Any]) -> tuple[int, str]:
        return (
            0 if x.get("inputContext") == "AFTER_WAKEUP_RESET" else 1,
            str(x.get("timestampLocal") or x.get("timestamp") or ""),
        )

    rows = []
    for x in sorted(items, key=order):
        rows.append(
            {
                "date": _day(x.get("calendarDate")),
                "readiness": _num(x.get("score")),
                "sleep_score": _num(x.get("sleepScore")),
            }
        )
    return rows


def _unused(reason: str) -> Callable[[Any, str], Rows]:
    def handler(obj: Any, name: str) -> Rows:
        raise NothingToImport(reason)

    return handler


def _first(obj: Any) -> dict[str, Any]:
    items = _dicts(obj)
    return items[0] if items else (obj if isinstance(obj, dict) else {})


def _has(*keys: str) -> Callable[[Any], bool]:
    return lambda obj: all(k in _first(obj) for k in keys)


# (test on the parsed JSON, handler -> rows) in the order they are tried; first match wins
_SHAPES: list[tuple[Callable[[Any], bool], Callable[[Any, str], Rows]]] = [
    (
        lambda o: isinstance(o, dict) and isinstance(o.get("hrvSummaries"), list),
        lambda o, n: _hrv_rows(_dicts(o["hrvSummaries"])),
    ),
    (
        lambda o: isinstance(o, dict) and "hrvSummary" in o,
        lambda o, n: _hrv_rows(_dicts([o.get("hrvSummary")])),
    ),
    (lambda o: isinstance(o, dict) and "dailySleepDTO" in o, lambda o, n: _sleep_rows(o)),
    (
        lambda o: isinstance(o, dict) and "heartRateValues" in o,
        lambda o, n: [
            {
                "date": _day(o.get("calendarDate")),
                "resting_hr": _num(o.get("restingHeartRate"), positive=True),
            }
        ],
    ),
    (
        lambda o: isinstance(o, dict) and "avgStressLevel" in o,
        lambda o, n: [
            {"date": _day(o.get("calendarDate")), "stress": _num(o.get("avgStressLevel"))}
        ],
    ),
    (
        # the daily user summary; the account export's UDSFile_*.json is a list of them
        lambda o: (
            "calendarDate" in _first(o)
            and ("restingHeartRate" in _first(o) or "averageStressLevel" in _first(o))
        ),
        lambda o, n: [
            {
                "date": _day(x.get("calendarDate")),
                "resting_hr": _num(x.get("restingHeartRate"), positive=True),
                "stress": _num(x.get("averageStressLevel")),
            }
            for x in (_dicts(o) or [o])
        ],
    ),
    (
        lambda o: isinstance(_first(o).get("values"), dict) and "calendarDate" in _first(o),
        lambda o, n: [
            {
                "date": _day(x.get("calendarDate")),
                "stress": _num((x.get("values") or {}).get("overallStressLevel")),
            }
            for x in _dicts(o)
        ],
    ),
    (_has("calendarDate", "score", "inputContext"), lambda o, n: _readiness_rows(_dicts(o) or [o])),
    (
        lambda o: isinstance(o, list) and _has("calendarDate", "value")(o),
        lambda o, n: _value_list_rows(_dicts(o), n),
    ),
    (_has("hillScoreClassificationId"), _unused("Garmin hill score: not used by coachkit yet")),
    (
        _has("overallScore", "gaugeLowerLimit"),
        _unused("Garmin endurance score: not used by coachkit yet"),
    ),
    (
        lambda o: (
            _has("calendarDate", "moderateValue")(o) or _has("calendarDate", "vigorousValue")(o)
        ),
        _unused("Garmin intensity minutes: not used by coachkit yet"),
    ),
    (
        lambda o: (
            isinstance(o, dict)
            and any("trainingstatus" in k.lower() or "vo2max" in k.lower() for k in o)
        ),
        _unused("Garmin training status / VO2max: coachkit computes its own load and fitness"),
    ),
]


# --- activities ------------------------------------------------------------------------------


def _utc(value: Any) -> pd.Timestamp | None:
    if not isinstance(value, str) or not value.strip():
        return None
    try:
        ts = pd.Timestamp(value.strip().replace(" ", "T"))
    except (ValueError, OverflowError):
        return None
    return ts.tz_localize("UTC") if ts.tzinfo is None else ts.tz_convert("UTC")


def _activity(summary: dict[str, Any], head: dict[str, Any]) -> ParsedActivity | None:
    """One summary activity from a list item (``head is summary``) or a detail's summaryDTO."""
    start = _utc(summary.get("startTimeGMT"))
    begin = _num(summary.get("beginTimestamp"), positive=True)
    if start is None and 0 < begin < 4.1e12:  # epoch ms before 2100
        start = pd.Timestamp(begin, unit="ms", tz="UTC")
    if start is None:
        return None
    kind = head.get("activityType") or head.get("activityTypeDTO") or {}
    out: dict[str, Any] = {
        "sport": normalize_sport(kind.get("typeKey") if isinstance(kind, dict) else None),
        "start_time": start,
    }
    local = _utc(summary.get("startTimeLocal"))  # local wall time, read as if UTC to diff
    if local is not None:
        out["utc_offset_s"] = int(round((local - start).total_seconds() / 60.0)) * 60
    fields = {
        "elapsed_time_s": ("elapsedDuration", "duration"),
        "moving_time_s": ("movingDuration",),
        "distance_m": ("distance",),
        "elevation_gain_m": ("elevationGain",),
        "avg_hr": ("averageHR",),
        "max_hr": ("maxHR",),
        # both names are steps/min, both feet (the list and the detail give the same number)
        "avg_cadence_spm": ("averageRunningCadenceInStepsPerMinute", "averageRunCadence"),
        "avg_power_w": ("avgPower", "averagePower"),
    }
    for col, keys in fields.items():
        for key in keys:
            v = _num(summary.get(key), positive=True)
            if not math.isnan(v):
                out[col] = v
                break
    if isinstance(head.get("activityName"), str):
        out["name"] = head["activityName"]
    return ParsedActivity(summary=out, source_kind="garmin_json")


def _activities(obj: Any) -> list[ParsedActivity] | None:
    """Summary activities from an activity list or detail, or None if it is neither."""
    if isinstance(obj, dict) and "activityId" in obj and isinstance(obj.get("summaryDTO"), dict):
        pairs = [(obj["summaryDTO"], obj)]
    elif isinstance(obj, dict) and "activityId" in obj and "startTimeGMT" in obj:
        pairs = [(obj, obj)]
    elif _dicts(obj) and all("activityId" in x for x in _dicts(obj)):
        pairs = [(x, x) for x in _dicts(obj)]
    else:
        return None
    acts = [a for a in (_activity(s, h) for s, h in pairs) if a is not None]
    if not acts:
        raise UnreadableFile("Garmin activity JSON without start times")
    return acts


# --- entry point -----------------------------------------------------------------------------


def read_garmin_json(data: bytes, *, name: str = "") -> ParsedFile:
    """Read one Garmin Connect API response into wellness rows or summary activities.

    Parameters
    ----------
    data : bytes
        The JSON body of the response.
    name : str
        File name; only used to tell a one-entry sleep-score list from a weekly stress one.

    Raises
    ------
    UnreadableFile
        For invalid JSON or a shape coachkit does not know.
    NothingToImport
        For ``null``/empty responses, days without data and responses coachkit does not use.
    """
    check_json_size(data)
    try:
        obj = json.loads(data.decode("utf-8-sig"))
    except (UnicodeDecodeError, json.JSONDecodeError, RecursionError) as exc:
        raise UnreadableFile(f"not valid JSON ({type(exc).__name__})") from None
    try:
        return _read(obj, name)
    except UnreadableFile:
        raise
    except (ValueError, TypeError, KeyError, AttributeError, OverflowError) as exc:
        raise UnreadableFile(
            f"Garmin JSON with unexpected values ({type(exc).__name__}: {str(exc)[:80]})"
        ) from None


def _read(obj: Any, name: str) -> ParsedFile:
    while isinstance(obj, list) and len(obj) == 1 and isinstance(obj[0], list):
        obj = obj[0]  # a page of results wrapped in one more list
    if obj is None or obj == [] or obj == {}:
        raise NothingToImport("an empty Garmin response: Garmin had no data for this request")
    acts = _activities(obj)
    if acts is not None:
        return ParsedFile(activities=acts, decoder=DECODER)
    for test, handler in _SHAPES:
        if test(obj):
            rows = [r for r in handler(obj, name) if r.get("date") is not None]
            break
    else:
        keys = sorted(_first(obj))[:5]
        raise UnreadableFile(
            f"Garmin/JSON response of a kind coachkit does not read (keys: {keys})"
        )
    df = pd.DataFrame(rows)
    values = [c for c in df.columns if c != "date"]
    df = df[df[values].notna().any(axis=1)] if values else df.iloc[0:0]
    if df.empty:
        raise NothingToImport("a Garmin response without values (watch not worn or not synced)")
    df = df.drop_duplicates("date", keep="first").sort_values("date")
    if "rmssd_ms" in df:
        df["ln_rmssd"] = df["rmssd_ms"].map(math.log)
    df["source"] = SOURCE
    return ParsedFile(wellness=conform(df, WELLNESS_COLUMNS), decoder=DECODER)

"""Elevate (the Strava browser extension) activity JSON: Strava "training activities" + extendedStats.

Each record is a Strava web summary (``type``, ``start_time``, ``distance_raw``,
``elapsed_time_raw``, ``moving_time_raw``, ``elevation_gain_raw``) plus statistics Elevate
computed from the streams (``extendedStats.heartRateData.averageHeartRate`` and
``maxHeartRate``, ``powerData`` ...). Field names follow Elevate's fixtures
(thomaschampagne/elevate, ``specs/fixtures/sync/activities*.json``).
"""

from __future__ import annotations

from typing import Any

from coachkit.io.base import ParsedActivity, ParsedFile, collect_activities
from coachkit.io.errors import UnreadableFile, guard
from coachkit.io.jsonvalues import load_json, num
from coachkit.io.sports import strava_sport
from coachkit.io.timeparse import utc

_FEET_M = 0.3048


def _section(stats: Any, key: str) -> dict[str, Any]:
    value = stats.get(key) if isinstance(stats, dict) else None
    return value if isinstance(value, dict) else {}


def _elevate_activity(rec: dict[str, Any]) -> ParsedActivity:
    start = utc(rec.get("start_time"))
    if start is None:
        raise UnreadableFile("no valid start_time")
    sport = strava_sport(rec.get("type"), trainer=rec.get("trainer"))
    summary: dict[str, Any] = {"sport": sport, "start_time": start}
    elev_scale = _FEET_M if str(rec.get("elevation_unit", "m")).lower() in ("ft", "feet") else 1.0
    for field, key, scale in (
        ("distance_raw", "distance_m", 1.0),  # the *_raw fields are SI whatever the display unit
        ("elapsed_time_raw", "elapsed_time_s", 1.0),
        ("moving_time_raw", "moving_time_s", 1.0),
        ("elevation_gain_raw", "elevation_gain_m", elev_scale),
    ):
        value = num(rec.get(field))
        if value is not None:
            summary[key] = value * scale
    stats = rec.get("extendedStats")
    hr = _section(stats, "heartRateData")
    for field, key in (("averageHeartRate", "avg_hr"), ("maxHeartRate", "max_hr")):
        value = num(hr.get(field))
        if value is not None and value > 0:
            summary[key] = value
    power = _section(stats, "powerData")
    if rec.get("hasPowerMeter") is True or power.get("hasPowerMeter") is True:
        # without a power meter Elevate's watts are its own estimate from speed and grade
        value = num(power.get("avgWatts"))
        if value is not None:
            summary["avg_power_w"] = value
    if isinstance(rec.get("name"), str) and rec["name"].strip():
        summary["name"] = rec["name"].strip()
    if isinstance(rec.get("id"), (int, str)) and not isinstance(rec.get("id"), bool):
        summary["external_id"] = f"strava:{rec['id']}"
    return ParsedActivity(summary=summary, source_kind="elevate_json")


@guard("Elevate activities")
def read_elevate_json(data: bytes, *, name: str = "") -> ParsedFile:
    """Read an Elevate activities JSON (``{"activities": [...]}`` or a bare list).

    Parameters
    ----------
    data : bytes
        The JSON file.
    name : str
        File name, for messages only.

    Returns
    -------
    ParsedFile
        One summary-only activity per record, ``source_kind="elevate_json"``; sport from the
        Strava ``type`` (AlpineSki -> other, VirtualRide -> ride, a ``trainer`` run ->
        treadmill). Records without a usable start are skipped with a warning.
    """
    obj = load_json(data, "Elevate activities")
    records = obj.get("activities") if isinstance(obj, dict) else obj
    if not isinstance(records, list):
        raise UnreadableFile("not an Elevate activities file: no 'activities' list")
    if not records:
        from coachkit.io import NothingToImport

        raise NothingToImport("an Elevate activities file with no activities")
    return collect_activities(
        records,
        _elevate_activity,
        decoder="elevate_json",
        label="record",
        none_usable="Elevate activities file without one activity that has a start_time",
    )

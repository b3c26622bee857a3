"""TCX reader: one activity per ``<Activity>``, with its laps and trackpoints.

Garmin's Training Center XML (TrainingCenterDatabase v2 plus ActivityExtension v2) is written by
Garmin, Polar, Suunto, TomTom and converters, with small differences all handled by matching
local names: running cadence is ``ns3:TPX/RunCadence`` (Garmin) or ``<Cadence>`` (Polar,
Suunto; cycling rpm for rides), speed and power ``TPX/Speed`` and ``TPX/Watts``. A file may
hold several activities (a ``MultiSportSession``, or a multi-day export such as
``odd_gc_FR305_multi-activity_8days.tcx``): each is returned separately.

What the summary states, from the laps (the device's own figures, as the runner saw them):

- ``start_time``: the first lap's ``StartTime`` (else the activity ``Id``, else the first point);
- ``moving_time_s``: the sum of lap ``TotalTimeSeconds``, which is timer time, auto-pauses
  excluded; ``elapsed_time_s``: wall clock from the start to the later of the last lap's end and
  the last trackpoint, so pauses count there;
- ``distance_m``: the sum of lap ``DistanceMeters``, else the largest trackpoint distance (a
  zero from an indoor bike without sensor is left unstated rather than claimed);
- ``avg_hr`` (lap averages weighted by lap time), ``max_hr`` and ``avg_power_w`` when the laps
  carry them; lap cadence only when no trackpoint has any (lap averages count standing as 0);
- ``device`` from ``Creator/Name``, ``name`` from the first line of ``Notes``.

Trackpoints without a position (treadmill, GPS not yet locked) are kept; those without a time
are dropped. Running cadence is doubled from per-leg to steps/min
(:func:`~coachkit.io.trackcolumns.cadence_to_spm`).
"""

from __future__ import annotations

import xml.etree.ElementTree as ET
from typing import Any

import numpy as np
import pandas as pd

from coachkit.io import NothingToImport
from coachkit.io.base import ParsedActivity, ParsedFile, make_samples
from coachkit.io.errors import UnreadableFile
from coachkit.io.sports import normalize_sport
from coachkit.io.trackcolumns import cadence_to_spm, to_floats, to_times
from coachkit.io.xmlsafe import (
    PointStream,
    XmlDocument,
    child_text,
    localname,
    read_xml,
)

#: lower-cased local name of an element inside <Trackpoint> -> sample field
_POINT_FIELDS = {
    "time": "timestamp",
    "latitudedegrees": "lat",
    "longitudedegrees": "lon",
    "altitudemeters": "altitude_m",
    "distancemeters": "distance_m",
    "value": "hr_bpm",  # only HeartRateBpm has a <Value> inside a trackpoint
    "runcadence": "cadence",
    "cadence": "cadence",
    "speed": "speed_m_s",
    "watts": "power_w",
}
_POINT_COLUMNS = (
    "timestamp",
    "lat",
    "lon",
    "altitude_m",
    "distance_m",
    "hr_bpm",
    "cadence",
    "speed_m_s",
    "power_w",
)

#: lap column -> path below <Lap> (local names)
_LAP_FIELDS = {
    "elapsed_time_s": "TotalTimeSeconds",
    "distance_m": "DistanceMeters",
    "max_speed_m_s": "MaximumSpeed",
    "calories": "Calories",
    "avg_hr": "AverageHeartRateBpm/Value",
    "max_hr": "MaximumHeartRateBpm/Value",
    "cadence": "Cadence",
    "run_cadence": "Extensions/LX/AvgRunCadence",
    "avg_power_w": "Extensions/LX/AvgWatts",
}


def _read_laps(activity: ET.Element, sport: str) -> pd.DataFrame:
    """One row per ``<Lap>`` with the figures the device wrote for it."""
    laps = activity.findall("{*}Lap")
    cols: dict[str, Any] = {"start_time": to_times([lap.get("StartTime") for lap in laps])}
    for column, path in _LAP_FIELDS.items():
        cols[column] = to_floats([child_text(lap, path) for lap in laps])
    # AvgRunCadence is per leg (Garmin); a running lap's <Cadence> (Polar, Suunto) likewise
    cadence = np.where(np.isnan(cols["run_cadence"]), cols.pop("cadence"), cols.pop("run_cadence"))
    cols["avg_cadence_spm"] = cadence_to_spm(cadence, sport)
    cols["intensity"] = pd.array([child_text(lap, "Intensity") for lap in laps], dtype="string")
    cols["trigger"] = pd.array([child_text(lap, "TriggerMethod") for lap in laps], dtype="string")
    return pd.DataFrame(cols)


#: trackpoints stream out of the tree as they are read, filed under their activity (or course)
_STREAM = PointStream(
    points=frozenset({"Trackpoint"}),
    containers=frozenset({"Activity", "Course"}),
    fields=_POINT_FIELDS,
    columns=_POINT_COLUMNS,
)


def _read_points(activity: ET.Element, doc: XmlDocument) -> dict[str, list[str | None]]:
    """Raw text columns of every trackpoint of one activity, in file order."""
    return doc.points.get(activity) or {c: [] for c in _POINT_COLUMNS}


def _samples(cols: dict[str, list[str | None]], sport: str) -> pd.DataFrame:
    times = to_times(cols["timestamp"])
    timed = times.notna().to_numpy()
    num = {c: to_floats(cols[c])[timed] for c in _POINT_COLUMNS if c != "timestamp"}
    bad_fix = (np.abs(num["lat"]) > 90) | (np.abs(num["lon"]) > 180)
    num["lat"][bad_fix], num["lon"][bad_fix] = np.nan, np.nan
    samples = make_samples(
        {
            "timestamp": times[timed].reset_index(drop=True),
            "lat": num["lat"],
            "lon": num["lon"],
            "altitude_m": num["altitude_m"],
            "distance_m": num["distance_m"],
            "speed_m_s": num["speed_m_s"],
            "hr_bpm": num["hr_bpm"],
            "cadence_spm": num["cadence"],
            "power_w": num["power_w"],
        }
    )
    samples["cadence_spm"] = cadence_to_spm(samples["cadence_spm"].to_numpy(), sport)
    return samples


def _weighted(values: pd.Series, weights: pd.Series) -> float | None:
    ok = values.notna() & (values > 0) & weights.notna() & (weights > 0)
    if not ok.any():
        return None
    return float(np.average(values[ok], weights=weights[ok]))


def _summary(
    activity: ET.Element, sport: str, laps: pd.DataFrame, samples: pd.DataFrame
) -> dict[str, Any]:
    starts = laps["start_time"].dropna()
    id_time = to_times([child_text(activity, "Id")]).iloc[0]
    if len(starts):
        start = starts.iloc[0]
    elif not pd.isna(id_time):
        start = id_time
    elif not samples.empty:
        start = samples["timestamp"].iloc[0]
    else:
        return {}
    summary: dict[str, Any] = {"sport": sport, "start_time": start}
    lap_time = laps["elapsed_time_s"]
    if lap_time.notna().any():
        summary["moving_time_s"] = float(lap_time.sum())
    ends = [start]
    if len(starts):
        last = laps.loc[laps["start_time"].notna()].iloc[-1]
        ends.append(
            last["start_time"] + pd.to_timedelta(np.nan_to_num(last["elapsed_time_s"]), unit="s")
        )
    if not samples.empty:
        ends.append(samples["timestamp"].iloc[-1])
    elapsed = (max(ends) - start).total_seconds()
    if elapsed > 0:
        summary["elapsed_time_s"] = max(elapsed, summary.get("moving_time_s", 0.0))
    elif "moving_time_s" in summary:
        summary["elapsed_time_s"] = summary["moving_time_s"]
    lap_distance = float(laps["distance_m"].sum())
    point_distance = samples["distance_m"].max() if not samples.empty else np.nan
    if lap_distance > 0:
        summary["distance_m"] = lap_distance
    elif point_distance > 0:
        summary["distance_m"] = float(point_distance)
    has_sample_cadence = not samples.empty and bool(samples["cadence_spm"].gt(0).any())
    stated = {
        "avg_hr": _weighted(laps["avg_hr"], lap_time),
        "max_hr": float(laps["max_hr"].max()) if laps["max_hr"].gt(0).any() else None,
        # lap cadence averages count standing time as zero cadence; the samples' mean of
        # moving cadence (what finish_activity computes, as for GPX and FIT) is comparable
        "avg_cadence_spm": None
        if has_sample_cadence
        else _weighted(laps["avg_cadence_spm"], lap_time),
        "avg_power_w": _weighted(laps["avg_power_w"], lap_time),
        "device": child_text(activity, "Creator/Name"),
        "name": (child_text(activity, "Notes") or "").split("\n", 1)[0].strip()[:100] or None,
    }
    summary.update({k: v for k, v in stated.items() if v is not None})
    return summary


def _read_activity(activity: ET.Element, doc: XmlDocument) -> ParsedActivity | None:
    sport = normalize_sport(activity.get("Sport"))
    laps = _read_laps(activity, sport)
    samples = _samples(_read_points(activity, doc), sport)
    summary = _summary(activity, sport, laps, samples)
    has_lap_time = laps["elapsed_time_s"].gt(0).any()
    if not summary or (len(samples) < 2 and not has_lap_time):
        return None
    return ParsedActivity(
        summary=summary,
        samples=samples if not samples.empty else None,
        laps=laps if not laps.empty else None,
        source_kind="tcx",
    )


def _activities_root(doc: XmlDocument) -> list[str]:
    """Check the root element; return warnings about it."""
    root_name = localname(doc.root.tag)
    if root_name == "TrainingCenterDatabase":
        return []
    if root_name == "Activities" and doc.problem:
        return ["TCX without its <TrainingCenterDatabase> root element: read the activities anyway"]
    hint = " (this looks like a GPX file)" if root_name.lower() == "gpx" else ""
    raise UnreadableFile(f"not a TCX document: the root element is <{root_name}>{hint}")


def _read_document(doc: XmlDocument) -> ParsedFile:
    warnings = _activities_root(doc)
    root = doc.root
    elements = (
        [root] if localname(root.tag) == "Activity" else list(root.iterfind(".//{*}Activity"))
    )
    activities: list[ParsedActivity] = []
    for i, element in enumerate(elements, start=1):
        act = _read_activity(element, doc)
        if act is None:
            warnings.append(
                f"activity {i} of {len(elements)} has no timed trackpoints or laps: skipped"
            )
        else:
            activities.append(act)
    if not activities:
        if doc.problem:
            raise UnreadableFile(f"malformed XML ({doc.problem}) and no usable activity before it")
        if root.find(".//{*}Course") is not None:
            raise NothingToImport("a TCX course (a planned route), not a recorded activity")
        raise NothingToImport("TCX holds no recorded activity with times")
    if doc.problem:
        kept = sum(0 if a.samples is None else len(a.samples) for a in activities)
        warnings.insert(
            0,
            f"malformed XML recovered: {doc.problem}; kept {len(activities)} activities, {kept} trackpoints",
        )
    return ParsedFile(
        activities=activities, decoder="coachkit.io.tcx (defusedxml/expat)", warnings=warnings
    )


def read_tcx(data: bytes, *, name: str = "") -> ParsedFile:
    """Read a TCX file: one activity per ``<Activity>``, with laps and samples in SI units.

    Parameters
    ----------
    data
        The file's bytes.
    name
        The file name, for messages only.

    Returns
    -------
    ParsedFile
        Activities in file order; ``warnings`` says what was recovered or skipped.

    Raises
    ------
    UnreadableFile
        Hostile (entity declarations), malformed beyond recovery, or not TCX (e.g. GPX bytes).
    coachkit.io.NothingToImport
        A well-formed TCX without a recorded activity (a course, an empty export).

    Examples
    --------
    >>> tcx = (b'<TrainingCenterDatabase><Activities><Activity Sport="Running">'
    ...        b'<Lap StartTime="2024-05-01T07:00:00Z"><TotalTimeSeconds>600</TotalTimeSeconds>'
    ...        b'<DistanceMeters>2000</DistanceMeters></Lap></Activity></Activities>'
    ...        b'</TrainingCenterDatabase>')
    >>> act = read_tcx(tcx).activities[0]
    >>> act.summary["sport"], act.summary["distance_m"], act.summary["moving_time_s"]
    ('run', 2000.0, 600.0)
    """
    return read_xml(data, _read_document, what="TCX", name=name, stream=_STREAM)

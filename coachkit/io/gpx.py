"""GPX reader: one activity per ``<trk>``, samples from its track points.

GPX 1.0 and 1.1 differ only in namespace, and heart rate, cadence, temperature and power live in
extensions whose namespace and prefix vary by app (Garmin TrackPointExtension v1/v2
``gpxtpx:hr``/``cad``/``atemp``, Amazfit's bare ``<heartrate>``, Movescount's ``gpxdata:*``,
power as ``<power>`` or ``PowerInWatts``). Elements are therefore matched on their local name
only; the first value a point holds for a field wins (Amazfit writes HR twice).

Choices worth knowing:

- Segments of one track are concatenated; the time between them is a pause (``t_s`` keeps it,
  distance does not grow across it).
- Sport comes from ``<type>`` (``running``, Strava's numeric ``9``) through
  :func:`~coachkit.io.sports.normalize_sport`; without a usable type, from words in the type or
  name ("Morning Ride", "Corrida"); otherwise the track is taken as a run, because coachkit is
  a running coach and typeless GPX (TomTom, NRC, Movescount, Strava's own export) are nearly
  always runs, unless its median moving speed is beyond any runner (then a ride). Either guess
  is stated in ``ParsedFile.warnings``.
- Running cadence is per leg in every GPX dialect seen, so it is doubled to steps/min
  (:func:`~coachkit.io.trackcolumns.cadence_to_spm`); other sports keep rpm.
- Speed extensions are ignored (units differ by app); speed is derived from distance. A
  per-point cumulative ``distance`` extension (Movescount) is used when it never decreases.
- The GPX summary states only sport, start, name and device (``creator``); everything else is
  computed from the samples by :func:`~coachkit.io.base.finish_activity`.
"""

from __future__ import annotations

import dataclasses
import re
import xml.etree.ElementTree as ET
from dataclasses import dataclass
from typing import Any

import numpy as np
import pandas as pd

from coachkit.io import NothingToImport
from coachkit.io.base import ParsedActivity, ParsedFile, cumulative_distance_m, make_samples
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

#: lower-cased local name of an element inside <trkpt> -> sample field
_POINT_FIELDS = {
    "time": "timestamp",
    "ele": "altitude_m",
    "hr": "hr_bpm",
    "heartrate": "hr_bpm",
    "cad": "cadence",
    "cadence": "cadence",
    "runcadence": "cadence",
    "atemp": "temperature_c",
    "temp": "temperature_c",
    "temperature": "temperature_c",
    "power": "power_w",
    "powerinwatts": "power_w",
    "watts": "power_w",
    "distance": "distance_m",
}
_NUMERIC_FIELDS = ("altitude_m", "hr_bpm", "cadence", "temperature_c", "power_w", "distance_m")

# Words in a track's type or name that betray its sport when <type> is missing or unknown.
_SPORT_WORDS = (
    ("ride", re.compile(r"\b(ride|bike|biking|cycling|ciclismo|vélo|velo|radfahrt)", re.I)),
    ("walk", re.compile(r"\b(walk|hike|hiking|caminhada|randonn)", re.I)),
    ("swim", re.compile(r"\b(swim|nata[cç])", re.I)),
    ("run", re.compile(r"\b(run|jog|corrida|carrera|lauf)", re.I)),
)
# 6.5 m/s (2:34 min/km) is faster than the marathon world record for a whole run's median
RIDE_MEDIAN_SPEED_M_S = 6.5


_COLUMNS = ("lat", "lon", "timestamp", *_NUMERIC_FIELDS)
#: track points stream out of the tree as they are read (route points and waypoints too, so
#: that none of them can grow the tree without bound); only track segments are read as runs
_STREAM = PointStream(
    points=frozenset({"trkpt", "rtept", "wpt"}),
    containers=frozenset({"trkseg", "rte", "gpx"}),
    fields=_POINT_FIELDS,
    columns=_COLUMNS,
    attributes={"lat": "lat", "lon": "lon"},
)


def _read_points(trk: ET.Element, doc: XmlDocument) -> dict[str, list[Any]]:
    """Raw text columns of every track point of one track (``seg`` numbers its segments)."""
    cols: dict[str, list[Any]] = {f: [] for f in (*_COLUMNS, "seg")}
    for n_seg, seg in enumerate(trk.iterfind("{*}trkseg"), start=1):
        points = doc.points.get(seg)
        if not points:
            continue
        for field in _COLUMNS:
            cols[field].extend(points[field])
        cols["seg"].extend([n_seg] * len(points["timestamp"]))
    return cols


def _segment_distance_m(lat: np.ndarray, lon: np.ndarray, seg: np.ndarray) -> np.ndarray:
    """Cumulative distance within segments, carried (not grown) across the gaps between them."""
    out = np.zeros(len(lat))
    offset = 0.0
    for s in np.unique(seg):
        idx = np.flatnonzero(seg == s)
        d = cumulative_distance_m(lat[idx], lon[idx]) + offset
        out[idx] = d
        offset = d[-1] if len(d) else offset
    return out


def _guess_sport(type_text: str | None, name: str | None) -> tuple[str, bool]:
    """Sport from <type>, else from words; second item says whether it is only a default."""
    if type_text:
        sport = normalize_sport(type_text)
        if sport != "other" or type_text.strip().lower() == "other":
            return sport, False
    text = " ".join(t for t in (type_text, name) if t)
    for sport, pattern in _SPORT_WORDS:
        if pattern.search(text):
            return sport, False
    return "run", True


def _track_activity(
    trk: ET.Element, cols: dict[str, list[Any]], device: str | None, fallback_name: str | None
) -> tuple[ParsedActivity | None, list[str]]:
    warnings: list[str] = []
    name = child_text(trk, "name") or fallback_name
    label = f"track '{name}'" if name else "a track"
    times = to_times(cols["timestamp"])
    timed = times.notna().to_numpy()
    if not timed.any():
        return None, [f"{label} has no timestamps: skipped"]
    if not timed.all():
        warnings.append(
            f"{label}: {int((~timed).sum())} of {len(timed)} points without time dropped"
        )
    sport, assumed = _guess_sport(child_text(trk, "type"), name)
    lat, lon = to_floats(cols["lat"]), to_floats(cols["lon"])
    bad_fix = (np.abs(lat) > 90) | (np.abs(lon) > 180)
    lat[bad_fix], lon[bad_fix] = np.nan, np.nan
    seg = np.asarray(cols["seg"])
    num = {f: to_floats(cols[f]) for f in _NUMERIC_FIELDS}
    distance = num["distance_m"]
    stated = distance[timed & ~np.isnan(distance)]
    if len(stated) < 2 or np.any(np.diff(stated) < -1.0):  # absent, or not a cumulative odometer
        distance = _segment_distance_m(lat[timed], lon[timed], seg[timed])
        if np.isnan(lat[timed]).all():
            distance = np.full(int(timed.sum()), np.nan)
    else:
        distance = distance[timed]
    samples = make_samples(
        {
            "timestamp": times[timed].reset_index(drop=True),
            "lat": lat[timed],
            "lon": lon[timed],
            "altitude_m": num["altitude_m"][timed],
            "distance_m": distance,
            "hr_bpm": num["hr_bpm"][timed],
            "cadence_spm": num["cadence"][timed],
            "power_w": num["power_w"][timed],
            "temperature_c": num["temperature_c"][timed],
        }
    )
    if assumed:
        moving = samples["speed_m_s"][samples["speed_m_s"] > 0.5]
        if len(moving) and float(moving.median()) > RIDE_MEDIAN_SPEED_M_S:
            sport = "ride"
        warnings.append(f"{label} states no activity type: taken as a {sport}")
    samples["cadence_spm"] = cadence_to_spm(samples["cadence_spm"].to_numpy(), sport)
    summary: dict[str, Any] = {"sport": sport, "start_time": samples["timestamp"].iloc[0]}
    if name:
        summary["name"] = name
    if device:
        summary["device"] = device
    return ParsedActivity(summary=summary, samples=samples, source_kind="gpx"), warnings


def _check_root(doc: XmlDocument) -> None:
    root_name = localname(doc.root.tag)
    if root_name.lower() != "gpx":
        hint = " (this looks like a TCX file)" if root_name == "TrainingCenterDatabase" else ""
        raise UnreadableFile(f"not a GPX document: the root element is <{root_name}>{hint}")


def _read_document(doc: XmlDocument) -> ParsedFile:
    _check_root(doc)
    root = doc.root
    device = (root.get("creator") or "").strip() or None
    fallback_name = child_text(root, "metadata/name")
    activities: list[ParsedActivity] = []
    warnings: list[str] = []
    n_points = 0
    for trk in root.iterfind("{*}trk"):
        cols = _read_points(trk, doc)
        if not cols["timestamp"]:
            continue
        n_points += len(cols["timestamp"])
        act, notes = _track_activity(trk, cols, device, fallback_name)
        warnings.extend(notes)
        if act is not None and len(act.samples) >= 2:
            activities.append(act)
        elif act is not None:
            warnings.append("a track with a single timed point (no duration): skipped")
    if not activities:
        if doc.problem:
            raise UnreadableFile(
                f"malformed XML ({doc.problem}) and no timed track points before it"
            )
        has_route = root.find("{*}rte") is not None or n_points > 0
        if has_route:
            raise NothingToImport("GPX route/track without timestamps: nothing to time")
        raise NothingToImport("GPX holds no track points (waypoints or metadata only)")
    if doc.problem:
        kept = sum(len(a.samples) for a in activities)
        warnings.insert(
            0, f"malformed XML recovered: {doc.problem}; kept {kept} timed track points"
        )
    return ParsedFile(
        activities=activities, decoder="coachkit.io.gpx (defusedxml/expat)", warnings=warnings
    )


def read_gpx(data: bytes, *, name: str = "") -> ParsedFile:
    """Read a GPX file: one activity per track, samples in SI units.

    Parameters
    ----------
    data
        The file's bytes.
    name
        The file name, for messages only (content decides everything).

    Returns
    -------
    ParsedFile
        One :class:`~coachkit.io.base.ParsedActivity` per ``<trk>`` that has timed points;
        ``warnings`` says what was recovered, dropped or assumed.

    Raises
    ------
    UnreadableFile
        Hostile (entity declarations), malformed beyond recovery, or not GPX.
    coachkit.io.NothingToImport
        A well-formed GPX without any timed track point (a planned route, waypoints).

    Examples
    --------
    >>> gpx = (b'<gpx xmlns="http://www.topografix.com/GPX/1/1"><trk><type>running</type><trkseg>'
    ...        b'<trkpt lat="45.0" lon="5.0"><time>2024-05-01T07:00:00Z</time></trkpt>'
    ...        b'<trkpt lat="45.001" lon="5.0"><time>2024-05-01T07:00:30Z</time></trkpt>'
    ...        b'</trkseg></trk></gpx>')
    >>> act = read_gpx(gpx).activities[0]
    >>> act.summary["sport"], round(float(act.samples["distance_m"].iloc[-1]), 1)
    ('run', 111.2)
    """
    return read_xml(data, _read_document, what="GPX", name=name, stream=_STREAM)


@dataclass
class GpxCourse:
    """The points of a course, in file order: ``points`` has ``lat``, ``lon``, ``altitude_m``
    (NaN where the file has none) and ``distance_m`` (cumulative, from the fixes); ``name`` is
    the track's or route's name; ``warnings`` says what was dropped or cut short."""

    points: pd.DataFrame
    name: str | None = None
    warnings: list[str] = dataclasses.field(default_factory=list)


def _read_course(doc: XmlDocument) -> GpxCourse:
    _check_root(doc)
    root = doc.root
    # the tracks' segments in file order, else the routes: a course needs no timestamps
    containers = [seg for trk in root.iterfind("{*}trk") for seg in trk.iterfind("{*}trkseg")]
    if not any(doc.points.get(c) for c in containers):
        containers = list(root.iterfind("{*}rte"))
    cols: dict[str, list[Any]] = {"lat": [], "lon": [], "altitude_m": []}
    for c in containers:
        for column, values in cols.items():
            values.extend((doc.points.get(c) or {}).get(column, []))
    lat, lon = to_floats(cols["lat"]), to_floats(cols["lon"])
    fixed = (np.abs(lat) <= 90) & (np.abs(lon) <= 180)  # NaN compares False: dropped too
    if fixed.sum() < 2:
        problem = f" (malformed XML: {doc.problem})" if doc.problem else ""
        raise NothingToImport(f"GPX holds fewer than 2 track or route points{problem}")
    lat, lon = lat[fixed], lon[fixed]
    points = pd.DataFrame(
        {
            "lat": lat,
            "lon": lon,
            "altitude_m": to_floats(cols["altitude_m"])[fixed],
            "distance_m": cumulative_distance_m(lat, lon),
        }
    )
    warnings = [f"malformed XML recovered: {doc.problem}"] if doc.problem else []
    if (~fixed).any():
        warnings.append(f"{int((~fixed).sum())} points without a valid position dropped")
    first = containers[0]
    owner = root.find("{*}trk") if localname(first.tag) == "trkseg" else first
    name = (child_text(owner, "name") if owner is not None else None) or child_text(
        root, "metadata/name"
    )
    return GpxCourse(points, name, warnings)


def read_gpx_course(data: bytes, *, name: str = "") -> GpxCourse:
    """Read a GPX file as a course: every track point (segments and tracks joined, in order),
    or the route points when there is no track. Unlike :func:`read_gpx`, points need no time:
    a race organiser's course is a route, not a recorded run.

    Raises
    ------
    UnreadableFile
        Not a GPX document, hostile or malformed beyond recovery.
    coachkit.io.NothingToImport
        Fewer than two points with a valid position.

    Examples
    --------
    >>> gpx = (b'<gpx xmlns="http://www.topografix.com/GPX/1/1"><rte><name>Hill</name>'
    ...        b'<rtept lat="45.0" lon="5.0"><ele>200</ele></rtept>'
    ...        b'<rtept lat="45.001" lon="5.0"><ele>210</ele></rtept></rte></gpx>')
    >>> course = read_gpx_course(gpx)
    >>> course.name, course.points["altitude_m"].tolist(), round(course.points["distance_m"].iloc[-1])
    ('Hill', [200.0, 210.0], 111)
    """
    return read_xml(data, _read_course, what="GPX", name=name, stream=_STREAM)

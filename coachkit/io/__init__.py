"""Readers: one per format, all emitting the canonical frames of docs/design.md §3.

:func:`read_bytes` is the single entry point: it sniffs the content (never trusting the file
extension alone), picks the reader and returns a :class:`~coachkit.io.base.ParsedFile`.
Readers are imported lazily so that ``coachkit --help`` stays fast.
"""

from __future__ import annotations

import importlib
import json
from pathlib import Path
from typing import TYPE_CHECKING

from coachkit.io.errors import UnreadableFile
from coachkit.io.jsonvalues import check_json_size

if TYPE_CHECKING:
    from coachkit.io.base import ParsedFile


class NothingToImport(UnreadableFile):
    """The file is valid but holds no activities or wellness (an athlete profile, an API spec)."""


#: kind -> "module:function"; every reader has the signature ``(data: bytes, *, name: str) -> ParsedFile``
READERS: dict[str, str] = {
    "fit": "coachkit.io.fit:read_fit",
    "gpx": "coachkit.io.gpx:read_gpx",
    "tcx": "coachkit.io.tcx:read_tcx",
    "strava_api": "coachkit.io.strava_json:read_strava_activity",
    "strava_activity_list": "coachkit.io.strava_json:read_strava_activity_list",
    "strava_streams": "coachkit.io.strava_json:read_strava_streams",
    "strava_export_csv": "coachkit.io.summary_csv:read_strava_activities_csv",
    "intervals_csv": "coachkit.io.summary_csv:read_intervals_csv",
    "elevate_json": "coachkit.io.elevate:read_elevate_json",
    "hrv4training_csv": "coachkit.io.hrv:read_hrv4training",
    "elitehrv_csv": "coachkit.io.hrv:read_elitehrv",
    "rr_text": "coachkit.io.hrv:read_rr_text",
    "polar_hrm": "coachkit.io.hrv:read_polar_hrm",
    "garmin_json": "coachkit.io.garmin_json:read_garmin_json",
    "nike_json": "coachkit.io.nike_json:read_nike_run_json",
}

_FIT_SUFFIXES = (".fit",)
# exports ship documentation, media and account files beside the data: not errors, not data
_NOT_DATA_SUFFIXES = (
    ".md",
    ".rst",
    ".html",
    ".htm",
    ".pdf",
    ".png",
    ".jpg",
    ".jpeg",
    ".gif",
    ".heic",
    ".mp4",
    ".mov",
    ".webp",
    ".svg",
    ".ics",
    ".py",
    ".yml",
    ".yaml",
)
_XML_SUFFIXES = (".gpx", ".tcx", ".xml")


def _text_head(data: bytes, n: int = 4096) -> str:
    """The first ``n`` bytes as text. UTF-16 only with its BOM; otherwise UTF-8, ignoring a
    multi-byte character cut in half at the end of the slice."""
    head = data[:n]
    if head[:2] in (b"\xff\xfe", b"\xfe\xff"):
        return head.decode("utf-16", errors="ignore")
    return head.decode("utf-8-sig", errors="ignore")


def _sniff_json(data: bytes) -> str:
    check_json_size(data)
    try:
        obj = json.loads(data.decode("utf-8-sig"))
    except (UnicodeDecodeError, json.JSONDecodeError) as exc:
        raise UnreadableFile(
            f"not valid JSON ({exc.__class__.__name__}: {str(exc)[:80]})"
        ) from None
    # Elevate wraps a list of Strava "training activities" with its extendedStats
    if isinstance(obj, dict) and isinstance(obj.get("activities"), list):
        first = obj["activities"][0] if obj["activities"] else {}
        if isinstance(first, dict) and ("extendedStats" in first or "distance_raw" in first):
            return "elevate_json"
    while isinstance(obj, list) and len(obj) == 1 and isinstance(obj[0], list):
        obj = obj[0]  # some fixtures wrap a page of results in an extra list
    if isinstance(obj, list) and obj and all(isinstance(x, dict) for x in obj):
        if all("type" in x and "data" in x for x in obj):
            return "strava_streams"
        if any("start_date" in x for x in obj):
            return "strava_activity_list"
        if any("activityId" in x or "activityType" in x for x in obj):
            return "garmin_json"
    if isinstance(obj, dict):
        if "start_date" in obj and ("type" in obj or "sport_type" in obj):
            return "strava_api"
        if {"time", "distance"} & set(obj) and all(
            isinstance(v, (list, dict)) for v in obj.values()
        ):
            if any(isinstance(v, dict) and "data" in v for v in obj.values()) or all(
                isinstance(v, list) for v in obj.values()
            ):
                return "strava_streams"
        if "metrics" in obj and ("start_epoch_ms" in obj or "active_duration_ms" in obj):
            return "nike_json"
        if "swagger" in obj or "openapi" in obj:
            raise NothingToImport("an API description (Swagger/OpenAPI), not training data")
        if "firstname" in obj and "lastname" in obj:
            raise NothingToImport("a Strava athlete profile: no activities or wellness in it")
        if "distribution_buckets" in json.dumps(obj)[:2000]:
            raise NothingToImport(
                "Strava heart-rate/power zone buckets: no activities or wellness in it"
            )
        return "garmin_json"
    if (
        isinstance(obj, list)
        and obj
        and isinstance(obj[0], dict)
        and "distribution_buckets" in obj[0]
    ):
        raise NothingToImport(
            "Strava heart-rate/power zone buckets: no activities or wellness in it"
        )
    if isinstance(obj, list) and obj and isinstance(obj[0], dict):
        return "garmin_json"
    raise NothingToImport("JSON that holds no activities or wellness data coachkit knows")


def sniff(data: bytes, name: str = "") -> str:
    """Return the reader kind for these bytes, judged by content first and name second.

    Raises
    ------
    UnreadableFile
        For empty input, or content that is no format coachkit reads (the reason says which).
    """
    lname = name.lower()
    if not data or not data.strip():
        raise UnreadableFile("empty file")
    if lname.endswith(_NOT_DATA_SUFFIXES):
        raise NothingToImport(
            f"a {lname.rsplit('.', 1)[-1]} document or media file, not training data"
        )
    if len(data) >= 12 and data[8:12] == b".FIT":
        return "fit"
    if lname.endswith(_FIT_SUFFIXES):
        raise UnreadableFile(
            "named .fit but has no FIT signature ('.FIT' at byte 8): not a FIT file"
        )
    if data[:2] == b"\x1f\x8b" or data[:4] == b"PK\x03\x04":
        return "container"
    text = _text_head(data).lstrip("\ufeff \t\r\n")
    low = text.lower()
    if text.startswith("<"):
        if "<gpx" in low:
            return "gpx"
        if "<trainingcenterdatabase" in low or "<trackpoint" in low or "<activity sport=" in low:
            return "tcx"  # the last two: a TCX whose root element was lost; the reader decides
        raise UnreadableFile("XML that is neither GPX nor TCX")
    if lname.endswith(_XML_SUFFIXES):
        raise UnreadableFile(f"named {lname.rsplit('.', 1)[-1]} but is not XML")
    if text.strip() in ("null", "[]", "{}", "[[]]"):
        raise NothingToImport("an empty JSON response")
    if text.startswith(("{", "[")) and not text.startswith("[Params]"):
        return _sniff_json(data)
    if text.startswith("[Params]"):
        return "polar_hrm"
    first_line = low.replace("\r", "\n").split("\n", 1)[0]
    if "rmssd" in first_line and ("hrv4t" in first_line or "timestamp_measurement" in first_line):
        return "hrv4training_csv"
    if "lnrmssd" in first_line:
        return "elitehrv_csv"
    if "dist_m" in first_line and "mov_s" in first_line:
        return "intervals_csv"
    if first_line.count(",") >= 3 and any(
        k in first_line
        for k in (
            "activity id",
            "activity date",
            "id de la actividad",
            "aktivitäts-id",
            "id de l'activité",
            "id attività",
        )
    ):
        return "strava_export_csv"
    lines = [ln.strip() for ln in text.replace("\r", "\n").split("\n") if ln.strip()][:20]
    if lines and all(ln.replace(".", "", 1).isdigit() for ln in lines):
        return "rr_text"
    raise UnreadableFile(
        "not a format coachkit reads (FIT, GPX, TCX, Strava/Garmin JSON, HRV CSV, R-R text)"
    )


def read_bytes(
    data: bytes, *, name: str = "", kind: str | None = None, companion: bytes | None = None
) -> ParsedFile:
    """Parse one file's bytes with the reader its content calls for.

    ``companion`` is a second original the file needs to make sense: Strava streams count
    seconds from their activity's start, so a streams file is read together with its activity
    JSON. Containers (zip, gzip) are not handled here; :mod:`coachkit.io.containers` expands them.
    """
    kind = kind or sniff(data, name)
    if kind == "container":
        raise UnreadableFile("a compressed archive: expand it with coachkit.io.containers")
    if kind == "strava_streams" and companion is not None:
        from coachkit.io.strava_json import combine_strava, read_strava_activity

        parsed = combine_strava(read_strava_activity(companion, name=name), data)
    else:
        module, func = READERS[kind].split(":")
        parsed = getattr(importlib.import_module(module), func)(data, name=name)
    for act in parsed.activities:
        act.source_kind = act.source_kind or kind
    return parsed


def companion_path(path: Path) -> Path | None:
    """The activity JSON beside a Strava streams JSON (``X_streams.json`` -> ``X_activity.json``
    or ``X.json``, optionally gzipped), when it exists."""
    name = path.name
    gz = ".gz" if name.lower().endswith(".gz") else ""
    if gz:
        name = name[:-3]
    low = name.lower()
    if "streams" not in low or not low.endswith(".json"):
        return None
    i = low.rindex("streams")
    stem, rest = name[:i], name[i + len("streams") :]
    for candidate in (f"{stem}activity{rest}", f"{stem.rstrip('_-.')}{rest}"):
        for suffix in dict.fromkeys((gz, "", ".gz")):
            other = path.with_name(candidate + suffix)
            if other != path and other.is_file():
                return other
    return None

"""Per-activity summary tables: Strava's bulk-export ``activities.csv`` and intervals.icu CSV.

Both give one summary row per activity and no samples. Bad rows are skipped with a warning
rather than failing the whole file (docs/design.md §10): BOM, CR or CRLF line ends, ``-`` or
blank for missing values, decimal commas (:mod:`coachkit.io.csvtext`), Strava's localised
headers, activity types (:mod:`coachkit.io.sports`) and dates (:mod:`coachkit.io.timeparse`)
are all accepted.
"""

from __future__ import annotations

import re
from typing import Any

import pandas as pd

from coachkit.core.sports import FOOT_SPORTS
from coachkit.io.base import ParsedActivity, ParsedFile
from coachkit.io.csvtext import MISSING_MARKS, parse_number, read_rows
from coachkit.io.errors import UnreadableFile, guard
from coachkit.io.sports import strava_export_sport, strava_sport
from coachkit.io.timeparse import parse_strava_date

# Strava activities.csv header (casefolded) -> our field. Strava writes the header in the
# account's language. The English export repeats some columns: the first block (Elapsed Time,
# Distance, Max Heart Rate) is in display units (Distance in km), the detailed block after
# "Filename" is SI (Distance in metres); see _strava_row for how duplicates are resolved.
STRAVA_HEADERS: dict[str, str] = {
    # English
    "activity id": "id",
    "activity date": "date",
    "activity name": "name",
    "activity type": "type",
    "elapsed time": "elapsed",
    "moving time": "moving",
    "distance": "distance",
    "elevation gain": "elev_gain",
    "average heart rate": "avg_hr",
    "max heart rate": "max_hr",
    "average watts": "avg_watts",
    "average cadence": "avg_cadence",
    "filename": "filename",
    # Spanish
    "id de la actividad": "id",
    "fecha de la actividad": "date",
    "nombre de la actividad": "name",
    "tipo de actividad": "type",
    "tiempo transcurrido": "elapsed",
    "tiempo en movimiento": "moving",
    "distancia": "distance",
    "desnivel positivo": "elev_gain",
    "frecuencia cardiaca media": "avg_hr",
    "frecuencia cardíaca media": "avg_hr",
    "frecuencia cardiaca máxima": "max_hr",
    "frecuencia cardíaca máxima": "max_hr",
    "vatios medios": "avg_watts",
    "nombre del archivo": "filename",
    "nombre de archivo": "filename",
    # German
    "aktivitäts-id": "id",
    "aktivitätsdatum": "date",
    "name der aktivität": "name",
    "aktivitätsart": "type",
    "aktivitätstyp": "type",
    "verstrichene zeit": "elapsed",
    "bewegungszeit": "moving",
    "distanz": "distance",
    "höhenzunahme": "elev_gain",
    "durchschnittliche herzfrequenz": "avg_hr",
    "max. herzfrequenz": "max_hr",
    "durchschnittliche watt": "avg_watts",
    "durchschnittliche trittfrequenz": "avg_cadence",
    "dateiname": "filename",
    # French
    "id de l'activité": "id",
    "date de l'activité": "date",
    "nom de l'activité": "name",
    "type d'activité": "type",
    "temps écoulé": "elapsed",
    "temps de déplacement": "moving",
    "dénivelé positif": "elev_gain",
    "fréquence cardiaque moyenne": "avg_hr",
    "fréquence cardiaque max.": "max_hr",
    "nom du fichier": "filename",
}


def _cell(row: list[str], positions: list[int]) -> tuple[str | None, int]:
    """Last non-missing cell among duplicate columns, and which occurrence it was (0-based)."""
    for occ in range(len(positions) - 1, -1, -1):
        pos = positions[occ]
        value = row[pos].strip() if pos < len(row) else ""
        if value.casefold() not in MISSING_MARKS:
            return value, occ
    return None, -1


def _strava_row(row: list[str], cols: dict[str, list[int]]) -> ParsedActivity:
    date_text, _ = _cell(row, cols["date"])
    start = parse_strava_date(date_text or "")
    if start is None:
        raise UnreadableFile(f"unreadable Activity Date {date_text!r}")
    raw_type = _cell(row, cols.get("type", []))[0] or ""
    sport = strava_export_sport(raw_type)
    summary: dict[str, Any] = {"sport": sport, "start_time": start}

    def number(field: str) -> tuple[float | None, int]:
        text, occ = _cell(row, cols.get(field, []))
        return parse_number(text), occ

    dist, occ = number("distance")
    if dist is not None:
        # only the first Distance column (display units, km) is filled: convert; later = metres
        summary["distance_m"] = dist * 1000.0 if occ == 0 else dist
    for field, key in (
        ("elapsed", "elapsed_time_s"),
        ("moving", "moving_time_s"),
        ("elev_gain", "elevation_gain_m"),
        ("avg_hr", "avg_hr"),
        ("max_hr", "max_hr"),
        ("avg_watts", "avg_power_w"),
        ("avg_cadence", "avg_cadence_spm"),
    ):
        value, _ = number(field)
        if value is not None:
            summary[key] = (
                value * 2.0 if key == "avg_cadence_spm" and sport in FOOT_SPORTS else value
            )
    name = _cell(row, cols.get("name", []))[0]
    if name:
        summary["name"] = name
    act_id = _cell(row, cols.get("id", []))[0]
    if act_id:
        summary["external_id"] = f"strava:{act_id}"
    flags: list[str] = []
    if "filename" in cols:
        member = _cell(row, cols["filename"])[0]
        if member:
            summary["source_member"] = member  # e.g. activities/906581465.gpx.gz in the export zip
        else:
            flags.append("manual")  # Strava gives every recorded or uploaded activity a file
    return ParsedActivity(summary=summary, source_kind="strava_export_csv", flags=flags)


@guard("Strava activities.csv")
def read_strava_activities_csv(data: bytes, *, name: str = "") -> ParsedFile:
    """Read the ``activities.csv`` of a Strava bulk export (any export language).

    ``Activity Date`` is UTC. Each row's ``Filename`` goes to ``summary["source_member"]`` so
    that the export ingester can link the row to its GPX/FIT/TCX member. A row without a file
    is flagged ``manual``. Rows that cannot be read are skipped with a warning.

    Returns
    -------
    ParsedFile
        One summary-only activity per row, ``source_kind="strava_export_csv"``.
    """
    header, rows, truncated = read_rows(data, "Strava activities.csv")
    cols: dict[str, list[int]] = {}
    for i, h in enumerate(header):
        field = STRAVA_HEADERS.get(" ".join(h.casefold().split()))
        if field:
            cols.setdefault(field, []).append(i)
    if "date" not in cols:
        raise UnreadableFile("Strava activities.csv without an 'Activity Date' column")
    parsed = ParsedFile(decoder="strava_export_csv", warnings=[truncated] if truncated else [])
    for line, row in enumerate(rows, start=2):
        try:
            parsed.activities.append(_strava_row(row, cols))
        except UnreadableFile as exc:
            parsed.warnings.append(f"row {line}: {exc}, skipped")
    if not parsed.activities:
        if not rows:
            from coachkit.io import NothingToImport

            raise NothingToImport("a Strava activities.csv with a header and no activities")
        raise UnreadableFile("Strava activities.csv without one readable row")
    return parsed


# -- intervals.icu ---------------------------------------------------------------------------------

_INTERVALS_SPACING = pd.Timedelta(minutes=2)  # > the store's 60 s merge window (docs/design.md §3)


def _intervals_sport(name: str, raw_type: str) -> str:
    if raw_type:
        return strava_sport(raw_type)  # intervals.icu uses Strava's type names
    low = name.casefold()
    for word, sport in (
        ("treadmill", "treadmill"),
        ("trail", "trail_run"),
        ("ride", "ride"),
        ("cycling", "ride"),
        ("swim", "swim"),
        ("walk", "walk"),
        ("hike", "walk"),
    ):
        if word in low:
            return sport
    return "run"  # this export is a runner's activity list


@guard("intervals.icu CSV")
def read_intervals_csv(data: bytes, *, name: str = "") -> ParsedFile:
    """Read an intervals.icu activity summary CSV (``date,dist_m,mov_s,hr,intensity,load,name``).

    The file states a date but no time. Convention: ``start_time`` is that date at 12:00 UTC
    (noon UTC stays on the same calendar date for every offset from UTC-12 to UTC+11), flag
    ``time_unknown``. Several runs on one date are spaced 2 minutes apart, counted from the
    bottom of the file (it lists newest first), so that they keep distinct ids and are never
    merged with each other. intervals.icu's own ``load`` and ``intensity`` are kept as summary
    keys ``external_load`` and ``external_intensity``.

    Returns
    -------
    ParsedFile
        One summary-only activity per row, ``source_kind="intervals_csv"``.
    """
    header, rows, truncated = read_rows(data, "intervals.icu CSV")
    index = {h.casefold(): i for i, h in enumerate(header)}
    if "date" not in index:
        raise UnreadableFile("intervals.icu CSV without a 'date' column")

    def cell(row: list[str], col: str) -> str:
        i = index.get(col)
        return row[i].strip() if i is not None and i < len(row) else ""

    parsed = ParsedFile(decoder="intervals_csv", warnings=[truncated] if truncated else [])
    per_day: dict[str, int] = {}
    items: list[tuple[int, ParsedActivity]] = []
    for line in range(len(rows) + 1, 1, -1):  # bottom up: earliest run of a day first
        row = rows[line - 2]
        m = re.match(r"^(\d{4})-(\d{2})-(\d{2})", cell(row, "date"))
        try:
            day = pd.Timestamp(int(m[1]), int(m[2]), int(m[3]), 12, tz="UTC") if m else None
        except ValueError:
            day = None
        if day is None:
            parsed.warnings.append(f"row {line}: unreadable date {cell(row, 'date')!r}, skipped")
            continue
        k = per_day[m[0]] = per_day.get(m[0], -1) + 1
        summary: dict[str, Any] = {
            "sport": _intervals_sport(cell(row, "name"), cell(row, "type")),
            "start_time": day + k * _INTERVALS_SPACING,
        }
        for col, key in (
            ("dist_m", "distance_m"),
            ("mov_s", "moving_time_s"),
            ("hr", "avg_hr"),
            ("load", "external_load"),
            ("intensity", "external_intensity"),
        ):
            value = parse_number(cell(row, col))
            if value is not None and not (key == "avg_hr" and value <= 0):
                summary[key] = value
        if cell(row, "name"):
            summary["name"] = cell(row, "name")
        act = ParsedActivity(summary=summary, source_kind="intervals_csv", flags=["time_unknown"])
        items.append((line, act))
    parsed.activities = [act for _, act in sorted(items, key=lambda x: x[0])]
    if not parsed.activities:
        if not rows:
            from coachkit.io import NothingToImport

            raise NothingToImport("an intervals.icu CSV with a header and no activities")
        raise UnreadableFile("intervals.icu CSV without one readable row")
    return parsed

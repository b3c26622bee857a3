"""Display units and the formatters of times, paces and distances, in one place: paces are
stored in s/km, speeds in m/s and distances in metres (docs/design.md §3) and shown in min/km or
min/mi, km or mi, as the athlete chooses. Each formatter's name and argument say what it takes."""

from __future__ import annotations

import math
import re

MILE_M = 1609.344
FOOT_M = 0.3048
UNITS = ("km", "mi")


def check_units(units: str) -> None:
    """Raise ``ValueError`` unless ``units`` is ``"km"`` or ``"mi"``."""
    if units not in UNITS:
        raise ValueError(f"units must be 'km' or 'mi', not {units!r}")


def format_min_sec(seconds: float) -> str:
    """Seconds as ``m:ss``, rounded to whole seconds; minutes go on past 59 (paces, splits).

    >>> format_min_sec(351.2)
    '5:51'
    """
    s = int(round(seconds))
    return f"{s // 60}:{s % 60:02d}"


def format_hms(seconds: float) -> str:
    """Seconds as ``h:mm:ss``, or ``m:ss`` under an hour, rounded to whole seconds (durations,
    race times).

    >>> format_hms(2502), format_hms(12725)
    ('41:42', '3:32:05')
    """
    s = int(round(seconds))
    h, m = divmod(s // 60, 60)
    return f"{h}:{m:02d}:{s % 60:02d}" if h else f"{m}:{s % 60:02d}"


def per_unit(pace_s_per_km: float, units: str = "km") -> float:
    """Seconds per km, or per mile."""
    return pace_s_per_km * (MILE_M / 1000.0 if units == "mi" else 1.0)


def format_pace_number(pace_s_per_km: float, units: str = "km") -> str:
    """A pace in s/km as ``m:ss`` per km or per mile, without the unit (``"5:51"``).

    >>> format_pace_number(351.2), format_pace_number(351.2, "mi")
    ('5:51', '9:25')
    """
    return format_min_sec(per_unit(pace_s_per_km, units))


def format_pace(pace_s_per_km: float | None, units: str = "km") -> str:
    """A pace in s/km as ``m:ss/km`` or ``m:ss/mi`` (``"n/a"`` when unknown).

    >>> format_pace(270)
    '4:30/km'
    >>> format_pace(345, "mi")
    '9:15/mi'
    """
    check_units(units)
    if pace_s_per_km is None or not math.isfinite(pace_s_per_km) or pace_s_per_km <= 0:
        return "n/a"
    return f"{format_pace_number(pace_s_per_km, units)}/{units}"


def format_speed_as_pace(speed_m_s: float | None) -> str:
    """A speed in m/s as a ``m:ss/km`` pace (``"n/a"`` when unknown).

    >>> format_speed_as_pace(1000 / 270)
    '4:30/km'
    """
    if speed_m_s is None or not math.isfinite(speed_m_s) or speed_m_s <= 0:
        return "n/a"
    return format_pace(1000.0 / speed_m_s)


def parse_pace(text: str) -> float:
    """A pace typed as ``m:ss``, ``m:ss/km`` or ``m:ss/mi``, in seconds per km.

    Raises ``ValueError`` with a plain message when it is not a pace.

    >>> parse_pace("4:30"), parse_pace("7:15/mi") == 435 / (MILE_M / 1000)
    (270.0, True)
    """
    raw = text.strip().lower()
    units = "km"
    for unit in UNITS:
        if raw.endswith("/" + unit):
            raw, units = raw[: -len(unit) - 1].strip(), unit
    minutes, sep, seconds = raw.partition(":")
    try:
        if not sep or len(seconds) != 2:
            raise ValueError
        total = int(minutes) * 60 + int(seconds)
    except ValueError:
        raise ValueError(f"{text!r} is not a pace: write m:ss, e.g. 4:30 or 7:15/mi") from None
    if int(seconds) >= 60 or total <= 0:
        raise ValueError(f"{text!r} is not a pace: seconds go from 00 to 59")
    return total / (MILE_M / 1000.0 if units == "mi" else 1.0)


def format_distance(distance_m: float | None, units: str = "km") -> str:
    """A distance in km or miles with one decimal (``"n/a"`` when unknown).

    >>> format_distance(9656.064, "mi")
    '6.0 mi'
    """
    check_units(units)
    if distance_m is None or not math.isfinite(distance_m):
        return "n/a"
    return f"{distance_m / (MILE_M if units == 'mi' else 1000.0):.1f} {units}"


_PACE = {u: re.compile(rf"(\d+):([0-5]\d)(?:([–-])(\d+):([0-5]\d))?/{u}\b") for u in UNITS}
_DISTANCE = {u: re.compile(rf"(\d+(?:\.\d+)?)(\s?){u}\b") for u in UNITS}


def in_units(text: str, units: str) -> str:
    """A stored sentence (written in the plan's units when it was made) in ``units``: every
    pace (``m:ss/km``, ``m:ss–m:ss/mi``) and distance (``12.5 km``, ``25 mi/week``) in the other
    unit is converted, so that one sentence never mixes km and miles.

    >>> in_units("Long run 16.1 km at 6:57–8:16/km, within the 20.0 km cap.", "mi")
    'Long run 10.0 mi at 11:11–13:18/mi, within the 12.4 mi cap.'
    >>> in_units("Easy 5.0 mi at 9:40/mi.", "km")
    'Easy 8.0 km at 6:00/km.'
    """
    check_units(units)
    other = "mi" if units == "km" else "km"
    if not text or other not in text:
        return text
    to_metres = MILE_M if other == "mi" else 1000.0
    per_unit_m = MILE_M if units == "mi" else 1000.0

    def seconds(minutes: str, secs: str) -> float:  # the pace in s/km
        return (int(minutes) * 60 + int(secs)) * 1000.0 / to_metres

    def pace(m: re.Match[str]) -> str:
        first = format_pace_number(seconds(m[1], m[2]), units)
        if m[3] is None:
            return f"{first}/{units}"
        return f"{first}{m[3]}{format_pace_number(seconds(m[4], m[5]), units)}/{units}"

    def distance(m: re.Match[str]) -> str:
        return f"{float(m[1]) * to_metres / per_unit_m:.1f}{m[2]}{units}"

    return _DISTANCE[other].sub(distance, _PACE[other].sub(pace, text))

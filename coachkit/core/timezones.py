"""Time zones without pandas: which zone a place is in, a zone's offset at an instant, and the
offset each activity gets when its source recorded none (docs/design.md §3, "Local time").

An activity's local day is its UTC start plus ``utc_offset_s``. Where the offset comes from,
best first (``tz_source``):

``file``
    the source recorded it (FIT, Strava, Garmin JSON): kept as the runner's watch saw it;
``gps``
    the zone of the first GPS point (``tzfpy``, offline), at the start instant, so that a
    summer run in Berlin is +02:00 and a winter one +01:00 (``zoneinfo`` knows the DST rules);
``athlete``
    the athlete's own ``coachkit settings --timezone``, again DST-correct per start;
``runner``
    no setting: the zone (or, for FIT files without GPS, the bare offset) of the runner's
    nearest earlier activity that has one, else of the first later one;
``utc``
    nothing known: the UTC day stands in, as it always did.

The first two are stored at ingest; the last three are decided when activities are read, so a
new setting changes every day at once. Nothing here imports pandas: ``coachkit today`` uses it.
"""

from __future__ import annotations

import math
from collections.abc import Iterable, Mapping
from datetime import datetime, timedelta, timezone
from functools import lru_cache
from typing import Any

#: where an activity's offset came from, best first (see the module docstring)
TZ_SOURCES = ("file", "gps", "athlete", "runner", "utc")
EXAMPLE_ZONE = "America/Recife"


@lru_cache(maxsize=512)
def _zone(name: str) -> Any:
    from zoneinfo import ZoneInfo

    return ZoneInfo(name)


def check_zone(name: str) -> str:
    """``name`` when it is an IANA time zone this machine knows; ValueError (one line) else.

    >>> check_zone("Europe/Berlin")
    'Europe/Berlin'
    """
    text = str(name).strip()
    try:
        if not text or text.startswith(("/", ".")) or ".." in text:
            raise ValueError(text)
        _zone(text)
    except (ValueError, KeyError, OSError):  # ZoneInfoNotFoundError is a KeyError
        raise ValueError(
            f"{text!r} is not a time zone name: use an IANA name such as {EXAMPLE_ZONE} "
            "or Europe/Berlin"
        ) from None
    return text


def zone_offset_s(zone: str | None, start_utc: datetime | None) -> int | None:
    """The UTC offset of ``zone`` at the instant ``start_utc``, seconds (None when unknown).

    Daylight saving is the instant's: the same zone gives different offsets in summer and winter.

    >>> from datetime import datetime, timezone
    >>> zone_offset_s("Europe/Berlin", datetime(2021, 7, 1, 6, tzinfo=timezone.utc))
    7200
    >>> zone_offset_s("Europe/Berlin", datetime(2021, 1, 1, 6, tzinfo=timezone.utc))
    3600
    """
    if not zone or start_utc is None:
        return None
    try:
        tz = _zone(zone)
    except (ValueError, KeyError, OSError):
        return None
    when = start_utc if start_utc.tzinfo is not None else start_utc.replace(tzinfo=timezone.utc)
    offset = when.astimezone(tz).utcoffset()
    return None if offset is None else int(offset.total_seconds())


def zone_at(lat: Any, lon: Any) -> str | None:
    """The IANA zone at a point (offline, ``tzfpy``); None for a point that is not one.

    Open sea answers ``Etc/GMT±N``, the nautical zone, which is still the right clock.
    """
    try:
        la, lo = float(lat), float(lon)
    except (TypeError, ValueError):
        return None
    if not (math.isfinite(la) and math.isfinite(lo) and -90 <= la <= 90 and -180 <= lo <= 180):
        return None
    if la == 0.0 and lo == 0.0:  # "null island": a device's placeholder, not a place
        return None
    import tzfpy

    name = tzfpy.get_tz(lo, la)
    return name or None


def parse_utc(value: Any) -> datetime | None:
    """A stored start time (ISO-8601 text, a datetime or a pandas Timestamp) as aware UTC."""
    if value is None:
        return None
    if isinstance(value, datetime):
        when = value
    else:
        try:
            when = datetime.fromisoformat(str(value).replace("Z", "+00:00"))
        except ValueError:
            return None
    if when != when:  # NaT
        return None
    return (
        when.replace(tzinfo=timezone.utc) if when.tzinfo is None else when.astimezone(timezone.utc)
    )


def _offset(value: Any) -> int | None:
    try:
        number = float(value)
    except (TypeError, ValueError):
        return None
    return None if number != number else int(number)


def format_offset(utc_offset_s: Any) -> str:
    """``-03:00`` for -10800 seconds (``+00:00`` when unknown)."""
    seconds = _offset(utc_offset_s) or 0
    sign = "-" if seconds < 0 else "+"
    hours, rest = divmod(abs(seconds), 3600)
    return f"{sign}{hours:02d}:{rest // 60:02d}"


def local_start_iso(start_time_utc: Any, utc_offset_s: Any) -> str | None:
    """An activity's local start as ISO-8601 with its offset, e.g. ``2021-03-18T22:30:00-03:00``.

    ``start_time_utc`` is the stored UTC start (text, datetime or Timestamp); an unknown offset
    gives the UTC time with ``+00:00``. None when the start is not a time.

    >>> local_start_iso("2021-03-19T01:30:00Z", -10800)
    '2021-03-18T22:30:00-03:00'
    """
    start = parse_utc(start_time_utc)
    if start is None:
        return None
    seconds = _offset(utc_offset_s) or 0
    local = start.astimezone(timezone(timedelta(seconds=seconds)))
    return f"{local.replace(tzinfo=None).isoformat(timespec='seconds')}{format_offset(seconds)}"


def zone_label(tz_name: Any, utc_offset_s: Any, tz_source: Any = None) -> str:
    """One phrase for a person: ``America/Recife (UTC-03:00, from the GPS track)``."""
    how = {
        "file": "recorded by the device",
        "gps": "from the GPS track",
        "athlete": "your time zone setting",
        "runner": "as your nearest activity with a known zone",
        "utc": "unknown: UTC stands in",
    }.get(str(tz_source) if tz_source is not None else "file", "")
    name = tz_name if isinstance(tz_name, str) and tz_name else None
    offset = "UTC" + format_offset(utc_offset_s)
    inner = f"{offset}, {how}" if how else offset
    return f"{name} ({inner})" if name else f"{offset} ({how})" if how else offset


def resolve_one(
    start: datetime | None,
    known: tuple[int | None, str | None],
    zone: str | None,
    nearest: tuple[int | None, str | None] | None,
) -> tuple[int | None, str | None, str]:
    """(utc_offset_s, tz_name, tz_source) of an activity whose stored offset is ``known[0]``.

    ``zone`` is the athlete's setting; ``nearest`` the (offset, zone) of the runner's nearest
    activity that has one (see the module docstring for the order).
    """
    offset, name = known
    if offset is not None:
        return offset, name, "stored"
    if zone:
        return zone_offset_s(zone, start), zone, "athlete"
    if nearest is not None:
        near_offset, near_name = nearest
        fill = zone_offset_s(near_name, start) if near_name else None
        return (fill if fill is not None else near_offset), near_name, "runner"
    return None, None, "utc"


def resolve_rows(
    rows: Iterable[Mapping[str, Any]],
    zone: str | None,
    before: tuple[int | None, str | None] | None = None,
) -> list[tuple[int | None, str | None, str]]:
    """:func:`resolve_one` down plain rows in start order (``start_time``, ``utc_offset_s``,
    ``tz_name``, ``tz_source``): each row's nearest is the last earlier row with an offset, else
    ``before`` (what the store knows before the first row), else the first later row's."""
    rows = list(rows)
    knowns = [(_offset(r.get("utc_offset_s")), _name(r.get("tz_name"))) for r in rows]
    later = next(((o, n) for o, n in knowns if o is not None), None)
    nearest = before if before is not None else later
    out = []
    for row, known in zip(rows, knowns):
        offset, name, source = resolve_one(parse_utc(row.get("start_time")), known, zone, nearest)
        if source == "stored":
            source = row.get("tz_source") or "file"
            nearest = known
        out.append((offset, name, str(source)))
    return out


def _name(value: Any) -> str | None:
    return value if isinstance(value, str) and value else None

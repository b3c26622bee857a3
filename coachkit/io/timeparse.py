"""Dates and clock times written as text, as the sources write them.

Three kinds: the ISO-8601 instants of the APIs (:func:`utc`); the ``Activity Date`` of a
Strava bulk export, written in the account's language (:func:`parse_strava_date`); and the
dates of HRV app CSV exports, whose day/month order no header states (:func:`day_column`
decides it once per file, see :func:`resolve_day_first`), with a clock time that may be
12-hour (:func:`time_of_day_s`).
"""

from __future__ import annotations

import math
import re
from datetime import date
from typing import Any

import numpy as np
import pandas as pd

from coachkit.io.errors import UnreadableFile

_ISO_DATE = re.compile(r"^\d{4}-\d{2}-\d{2}")
_DATE_RE = re.compile(r"^\s*(\d{1,4})[-/.](\d{1,2})[-/.](\d{1,4})")
_TIME_RE = re.compile(r"(\d{1,2}):(\d{2})(?::(\d{2}))?(?:\.\d+)?\s*([ap])?\.?\s*(?:m\.?)?", re.I)

# Month names and abbreviations (en, es, de, fr, it, pt, nl) -> month number
_MONTHS = {
    **dict.fromkeys(("jan", "ene", "gen", "janv", "jän"), 1),
    **dict.fromkeys(("feb", "fev", "févr"), 2),
    **dict.fromkeys(("mar", "mär", "mrz", "mrt", "mars"), 3),
    **dict.fromkeys(("apr", "abr", "avr"), 4),
    **dict.fromkeys(("may", "mai", "mag", "mei"), 5),
    **dict.fromkeys(("jun", "juin", "giu"), 6),
    **dict.fromkeys(("jul", "juil", "lug"), 7),
    **dict.fromkeys(("aug", "ago", "aoû", "aou"), 8),
    **dict.fromkeys(("sep", "sept", "set"), 9),
    **dict.fromkeys(("oct", "okt", "ott", "out"), 10),
    **dict.fromkeys(("nov",), 11),
    **dict.fromkeys(("dec", "dic", "dez", "déc"), 12),
}
_TIME = r"(\d{1,2}):(\d{2})(?::(\d{2}))?\s*([ap])?\.?\s*(?:m\.?)?"
_NAME_FIRST = re.compile(rf"^([^\W\d_]+)\.?\s+(\d{{1,2}}),?\s+(\d{{4}}),?\s+{_TIME}$")
_DAY_FIRST = re.compile(
    rf"^(\d{{1,2}})\.?\s+(?:de\s+)?([^\W\d_]+)\.?\s+(?:de\s+)?(\d{{4}}),?\s+(?:à\s+)?{_TIME}$"
)
_NUMERIC = re.compile(rf"^(\d{{1,2}})[./](\d{{1,2}})[./](\d{{4}}),?\s+{_TIME}$")


def utc(value: Any) -> pd.Timestamp | None:
    """Parse an ISO-8601 time to a tz-aware UTC Timestamp (naive = UTC); None if unparsable."""
    if not isinstance(value, str) or not _ISO_DATE.match(value.strip()):
        return None  # also keeps pandas from reading "now" or "today" as the wall clock
    try:
        ts = pd.Timestamp(value.strip())
    except (ValueError, TypeError, OverflowError):
        return None
    if ts is pd.NaT or pd.isna(ts):
        return None
    return ts.tz_localize("UTC") if ts.tzinfo is None else ts.tz_convert("UTC")


def _date_fields(text: str) -> tuple[int, int, int, bool] | None:
    """``(year, first, second, year_first)`` from the date at the start of ``text``."""
    m = _DATE_RE.match(str(text))
    if not m:
        return None
    a, b, c = m.group(1), int(m.group(2)), m.group(3)
    if len(a) == 4:
        return int(a), b, int(c), True
    if len(c) == 4:
        return int(c), int(a), b, False
    return None


def make_date(year: int, month: int, day: int) -> date | None:
    """That calendar date, or None when there is none or the year is outside 1900-2100 (a
    misread field, not a training day)."""
    if not 1900 <= year <= 2100:
        return None
    try:
        return date(year, month, day)
    except ValueError:
        return None


def resolve_day_first(fields: list[tuple[int, int, int, bool]]) -> tuple[bool, str]:
    """Is the first of the two non-year fields the day? Decided for the whole file.

    A field above 12 can only be a day. When no field is (the first 12 days of each month
    only), the order whose consecutive rows are closer in time wins: a daily log read the
    wrong way jumps by about a month every row. Ties fall back to the year's side: ISO
    (YYYY-MM-DD) for year-first dates, day-first for year-last ones.
    """
    first_gt = any(f[1] > 12 for f in fields)
    second_gt = any(f[2] > 12 for f in fields)
    if first_gt and second_gt:
        raise UnreadableFile("dates mix day-first and month-first order: fix the date column")
    if first_gt or second_gt:
        return first_gt, f"a {'first' if first_gt else 'second'} date field above 12"

    def spread(day_first: bool) -> float:
        days = [make_date(y, q if day_first else p, p if day_first else q) for y, p, q, _ in fields]
        ords = [d.toordinal() for d in days if d is not None]
        bad = len(days) - len(ords)
        return float(np.abs(np.diff(ords)).sum()) + 1e6 * bad if ords else math.inf

    dm, md = spread(True), spread(False)
    if dm != md:
        return dm < md, "day-to-day continuity (no field above 12)"
    return (not fields[0][3]) if fields else False, "ambiguous dates: default order assumed"


def day_column(cells: list[str]) -> tuple[list[date | None], list[str]]:
    """Parse a column of dates, deciding the day/month order once for the file.

    Returns the dates and a warning saying which order was used, unless the file proved it is
    plain ISO YYYY-MM-DD.
    """
    parsed = [_date_fields(c) for c in cells]
    ok = [p for p in parsed if p is not None]
    if not ok:
        raise UnreadableFile("no readable dates in the date column")
    day_first, why = resolve_day_first(ok)
    out: list[date | None] = []
    for p in parsed:
        if p is None:
            out.append(None)
            continue
        y, a, b, _ = p
        out.append(make_date(y, b if day_first else a, a if day_first else b))
    year_first = ok[0][3]
    if year_first and not day_first and "above 12" in why:
        return out, []
    order = (
        ("YYYY-DD-MM" if day_first else "YYYY-MM-DD")
        if year_first
        else ("DD-MM-YYYY" if day_first else "MM-DD-YYYY")
    )
    return out, [f"dates read as {order} ({why})"]


def time_of_day_s(text: Any) -> float:
    """Seconds after midnight of the first clock time in ``text`` (12-hour 'a. m.' aware)."""
    s = str(text)
    m = _DATE_RE.match(s)
    m = _TIME_RE.search(s, m.end() if m else 0)
    if not m:
        return math.nan
    h, mi, sec = int(m.group(1)), int(m.group(2)), int(m.group(3) or 0)
    ampm = (m.group(4) or "").lower()
    if ampm:
        h = h % 12 + (12 if ampm == "p" else 0)  # 12:01 a. m. is 00:01
    return float(h * 3600 + mi * 60 + sec) if h < 24 and mi < 60 else math.nan


def _month(word: str) -> int | None:
    w = word.casefold().rstrip(".")
    return _MONTHS.get(w) or _MONTHS.get(w[:4]) or _MONTHS.get(w[:3])


def parse_strava_date(text: str) -> pd.Timestamp | None:
    """An ``Activity Date`` cell of a Strava export (UTC) in any of its languages -> UTC Timestamp.

    >>> str(parse_strava_date("Mar 19, 2017, 9:12:34 AM")), str(parse_strava_date("19.03.2017, 09:12:34"))
    ('2017-03-19 09:12:34+00:00', '2017-03-19 09:12:34+00:00')
    """
    s = " ".join(str(text or "").replace("\u202f", " ").replace("\u00a0", " ").split())
    s_low = s.casefold()
    for rx in (_NAME_FIRST, _DAY_FIRST, _NUMERIC):
        m = rx.match(s_low)
        if not m:
            continue
        a, b, year, hh, mm, ss, ampm = m.groups()
        if rx is _NAME_FIRST:
            month, day = _month(a), int(b)
        elif rx is _DAY_FIRST:
            month, day = _month(b), int(a)
        else:  # numeric: Strava's European locales write day first
            day, month = (int(a), int(b)) if int(b) <= 12 else (int(b), int(a))
        hour = int(hh)
        if ampm:
            hour = hour % 12 + (12 if ampm == "p" else 0)
        try:
            return pd.Timestamp(int(year), month or 0, day, hour, int(mm), int(ss or 0), tz="UTC")
        except (ValueError, TypeError):
            return None
    if re.match(r"^\d{4}-\d{2}-\d{2}", s):
        try:
            ts = pd.Timestamp(s)
        except (ValueError, TypeError):
            return None
        return ts.tz_localize("UTC") if ts.tzinfo is None else ts.tz_convert("UTC")
    return None

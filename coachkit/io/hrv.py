"""Readers for HRV apps: HRV4Training and Elite HRV CSV exports, raw R-R text and Polar .hrm files.

Each returns wellness rows (docs/design.md §3: one row per day per source) and no activities.

Rules shared by all of them, because HRV is only comparable day to day when it is taken the
same way every morning:

* **One reading per day: the first one.** Both apps are built around a morning test right
  after waking; a second reading the same day (after training, in the evening) is not that.
* **Zeros are missing days.** HRV4Training writes a row of ``0.0`` (Android) or ``-`` (iOS)
  for every day without a measurement; those rows are skipped.
* **ln_rmssd is recomputed** as ``ln(rmssd_ms)``, so that every source means the same thing.
* **Subjective scales are left out.** HRV4Training's ``sleep_quality`` is an app score whose
  range changed between app versions (integers 0–6 in the Android exports here, decimals up to
  7.5 on iOS); mixing it into ``sleep_score`` (Garmin's 0–100) would mislead, so it is ignored,
  as are its training fields (RPE, TSS, type) that feedback could use later.
* **Raw R-R recordings count only when resting and dated.** rMSSD comes from
  :func:`coachkit.io.rr.rmssd_from_rr` (artefacts filtered); a recording whose median
  heart rate is above :data:`REST_HR_MAX_BPM` is exercise and is not a daily HRV value.

Dates: HRV4Training writes its local clock time with a misleading ``+0000`` suffix, and some
Android exports write ``YYYY-DD-MM`` (GoldenCheetah's test files). The date order is decided
per file by :func:`coachkit.io.timeparse.resolve_day_first` (a field above 12 is a day;
otherwise day-to-day continuity decides).
"""

from __future__ import annotations

import csv
import functools
import itertools
import math
import re
from collections.abc import Callable
from datetime import date
from typing import Any

import numpy as np
import pandas as pd

from coachkit.core.schemas import WELLNESS_COLUMNS, conform
from coachkit.io import NothingToImport
from coachkit.io.base import HR_MAX_BPM, HR_MIN_BPM, ParsedFile
from coachkit.io.csvtext import Table, parse_number, read_rows, text_lines
from coachkit.io.errors import UnreadableFile, could_not_read
from coachkit.io.rr import accepted_beats, rmssd_from_rr
from coachkit.io.timeparse import day_column, make_date, time_of_day_s

RMSSD_MAX_MS = 400.0  # above any published resting rMSSD; larger values are app or file faults
# A morning test lying or seated reads far below 90 bpm (normal resting HR is 60-100, runners
# sit at the low end); a faster recording is exercise, where rMSSD collapses towards zero.
REST_HR_MAX_BPM = 90.0
# ~30 s at rest; ultra-short rMSSD (10-60 s) tracks the 5-min value (Munoz et al. 2015,
# PLoS One 10:e0138921), and HRV4Training itself measures for 60 s.
RR_MIN_PAIRS = 30
#: lines read from one R-R file: over a day of beats; a longer file is refused unread
MAX_RR_LINES = 200_000
ARTEFACT_WARN_SHARE = 0.05  # rule of thumb (e.g. Kubios HRV guide): over 5 % bad beats, beware
_NAME_DATE_RE = re.compile(r"(?<!\d)((?:19|20)\d\d)-(\d\d)-(\d\d)(?!\d)")


def _guard(what: str) -> Callable[[Callable[..., ParsedFile]], Callable[..., ParsedFile]]:
    """Map any parsing exception of a reader to one :class:`UnreadableFile` line."""

    def wrap(func: Callable[..., ParsedFile]) -> Callable[..., ParsedFile]:
        @functools.wraps(func)
        def inner(data: bytes, *, name: str = "") -> ParsedFile:
            try:
                return func(data, name=name)
            except UnreadableFile:
                raise
            except (ValueError, TypeError, KeyError, IndexError, OverflowError, csv.Error) as exc:
                raise could_not_read(what, exc) from None

        return inner

    return wrap


def _lines(data: bytes, what: str) -> list[str]:
    """Text lines of an R-R or .hrm file, whatever its encoding and line ends (CR-only too).

    More than :data:`MAX_RR_LINES` lines is not a resting recording: refused, unread.
    """
    if not data or data.isspace():
        raise UnreadableFile("empty file")
    lines = [line.rstrip("\n") for line in itertools.islice(text_lines(data), MAX_RR_LINES + 1)]
    if len(lines) > MAX_RR_LINES:
        raise UnreadableFile(
            f"{what} with more than {MAX_RR_LINES:,} lines (a day of heartbeats is about "
            "100,000): not a resting R-R recording"
        )
    if lines:
        lines[0] = lines[0].lstrip("\ufeff")
    return lines


def _num(text: Any) -> float:
    """A number from a cell; NaN for blanks, ``-`` and anything unparseable."""
    v = parse_number(text)
    return math.nan if v is None else v


def _table(data: bytes, what: str) -> Table:
    """The export's rows, with its header lower-cased."""
    header, rows, truncated = read_rows(data, what)
    return Table([h.strip().lower() for h in header], rows, truncated)


def _hours_to_s(text: Any) -> float:
    """Sleep duration ``hh:mm`` (or decimal hours) -> seconds; 0 means not logged."""
    s = str(text).strip()
    m = re.fullmatch(r"(\d{1,2}):(\d{2})", s)
    v = int(m.group(1)) * 3600 + int(m.group(2)) * 60 if m else _num(s) * 3600
    return float(v) if 0 < v <= 24 * 3600 else math.nan


def _wellness(
    rows: list[dict[str, Any]], source: str, warnings: list[str], what: str
) -> ParsedFile:
    """Keep the first reading of each day, clean ranges and conform to the wellness frame."""
    df = pd.DataFrame(rows)
    rm = df.get("rmssd_ms", pd.Series(math.nan, index=df.index)).astype(float)
    hr = df.get("resting_hr", pd.Series(math.nan, index=df.index)).astype(float)
    bad_rm = (rm < 0) | (rm > RMSSD_MAX_MS)  # 0 is the apps' "no reading", not a fault
    bad_hr = (hr > 0) & ((hr < HR_MIN_BPM) | (hr > HR_MAX_BPM))
    if bad_rm.any() or bad_hr.any():
        warnings.append(f"{int(bad_rm.sum() + bad_hr.sum())} implausible rMSSD/HR values dropped")
    df["rmssd_ms"] = rm.where((rm > 0) & (rm <= RMSSD_MAX_MS))
    df["resting_hr"] = hr.where((hr >= HR_MIN_BPM) & (hr <= HR_MAX_BPM))
    value_cols = [c for c in ("rmssd_ms", "resting_hr", "sleep_s") if c in df]
    df = df[df[value_cols].notna().any(axis=1)]  # all-zero rows are days without a reading
    if df.empty:
        raise NothingToImport(f"{what} holds no measurements (only empty days)")
    n = len(df)
    df = df.sort_values(["date", "rank", "time_s"], kind="stable", na_position="last")
    df = df.drop_duplicates("date", keep="first")
    if len(df) < n:
        warnings.append(f"{n - len(df)} later readings on an already measured day ignored")
    df["ln_rmssd"] = np.log(df["rmssd_ms"])
    df["date"] = pd.to_datetime(df["date"])
    df["source"] = source
    return ParsedFile(
        wellness=conform(df, WELLNESS_COLUMNS),
        decoder=f"coachkit.io.hrv ({source})",
        warnings=warnings,
    )


def _column(header: list[str], *names: str) -> int | None:
    for n in names:
        if n in header:
            return header.index(n)
    return None


def _cell(row: list[str], i: int | None) -> str:
    return row[i] if i is not None and i < len(row) else ""


@_guard("HRV4Training export")
def read_hrv4training(data: bytes, *, name: str = "") -> ParsedFile:
    """Read an HRV4Training CSV export (Android or iOS) into daily wellness rows.

    Uses ``rMSSD`` (ms), ``HR`` (the mean heart rate of the morning test, as ``resting_hr``)
    and ``sleep_time`` (``hh:mm``, as ``sleep_s``). Rows of zeros or ``-`` are skipped.
    The day is the ``date`` column (or the date of ``timestamp_measurement``), in the order the
    file uses (see :func:`coachkit.io.timeparse.resolve_day_first`). Only fields before the
    free-text ``note`` are read: unquoted commas in notes shift the later columns.

    Raises
    ------
    UnreadableFile
        Without an ``rMSSD`` column or without readable dates.
    NothingToImport
        When every row is an empty day.
    """
    header, rows, truncated = _table(data, "HRV4Training export")
    i_rm = _column(header, "rmssd")
    i_day = _column(header, "date", "timestamp_measurement")
    if i_rm is None or i_day is None:
        raise UnreadableFile("HRV4Training export without rMSSD or date columns")
    if not rows:
        raise NothingToImport("HRV4Training export with a header but no rows")
    i_time = _column(header, "timestamp_measurement", "time")
    i_hr, i_sleep = _column(header, "hr"), _column(header, "sleep_time")
    days, warnings = day_column([_cell(r, i_day) for r in rows])
    warnings[:0] = [truncated] if truncated else []
    out = []
    for row, day in zip(rows, days):
        if day is None:
            continue
        out.append(
            {
                "date": day,
                "rank": 0,
                "time_s": time_of_day_s(_cell(row, i_time)),
                "rmssd_ms": _num(_cell(row, i_rm)),
                "resting_hr": _num(_cell(row, i_hr)),
                "sleep_s": _hours_to_s(_cell(row, i_sleep)) if i_sleep is not None else math.nan,
            }
        )
    if len(out) < len(rows):
        warnings.append(f"{len(rows) - len(out)} rows without a valid date skipped")
    return _wellness(out, "hrv4training", warnings, "HRV4Training export")


@_guard("Elite HRV export")
def read_elitehrv(data: bytes, *, name: str = "") -> ParsedFile:
    """Read an Elite HRV CSV export (``lnRmssd``, ``Rmssd``, ``HR`` per reading).

    ``rmssd_ms`` is ``Rmssd`` (or ``exp(lnRmssd)`` when only the log is given) and ``HR`` the
    reading's mean heart rate. Of several readings a day, a morning-readiness one wins, then the
    earliest.
    """
    header, rows, truncated = _table(data, "Elite HRV export")
    i_rm, i_ln = _column(header, "rmssd"), _column(header, "lnrmssd")
    i_day = _column(header, "date", "datetime")
    if (i_rm is None and i_ln is None) or i_day is None:
        raise UnreadableFile("Elite HRV export without Rmssd/lnRmssd or Date columns")
    if not rows:
        raise NothingToImport("Elite HRV export with a header but no rows")
    i_time, i_type = _column(header, "datetime"), _column(header, "type")
    i_hr = _column(header, "hr")
    days, warnings = day_column([_cell(r, i_day) for r in rows])
    warnings[:0] = [truncated] if truncated else []
    out = []
    for row, day in zip(rows, days):
        if day is None:
            continue
        rm = _num(_cell(row, i_rm))
        if math.isnan(rm):
            rm = math.exp(min(_num(_cell(row, i_ln)), 10.0))  # NaN stays NaN
        kind = _cell(row, i_type).strip().lower()
        out.append(
            {
                "date": day,
                "rank": 0 if ("readiness" in kind or "morning" in kind) else 1,
                "time_s": time_of_day_s(_cell(row, i_time)),
                "rmssd_ms": rm,
                "resting_hr": _num(_cell(row, i_hr)),
            }
        )
    return _wellness(out, "elitehrv", warnings, "Elite HRV export")


def _rr_numbers(lines: list[str], what: str) -> np.ndarray:
    """One R-R interval per line (first field); a single header line is allowed."""
    vals: list[float] = []
    seen_line = False
    for i, line in enumerate(lines):
        s = line.strip()
        if not s:
            continue
        v = _num(re.split(r"[\s;]+", s)[0])
        if math.isnan(v):
            if not seen_line:
                seen_line = True
                continue  # a column title such as "RR" or "rr_ms"
            raise UnreadableFile(f"{what}: line {i + 1} is not a number ({s[:20]!r})")
        seen_line = True
        vals.append(v)
    rr = np.asarray(vals, dtype=float)
    if rr.size and np.nanmedian(rr) < 10:
        rr = rr * 1000.0  # written in seconds (e.g. 0.812)
    return rr


def _rr_wellness(rr: np.ndarray, day: date | None, source: str, what: str) -> ParsedFile:
    """One wellness row from an R-R recording, if it is a resting recording with a date."""
    res = rmssd_from_rr(rr)
    if res.n_pairs < RR_MIN_PAIRS:
        raise UnreadableFile(
            f"{what}: only {res.n_pairs} clean successive beats ({res.n_artefacts} of "
            f"{res.n_beats} intervals are artefacts); rMSSD needs at least {RR_MIN_PAIRS}"
        )
    median_hr = 60000.0 / float(np.median(rr[accepted_beats(rr)]))
    if median_hr > REST_HR_MAX_BPM:
        # exercise drives rMSSD towards zero: mixing it with morning readings breaks the trend
        raise NothingToImport(
            f"{what} at a median {median_hr:.0f} bpm looks like exercise, not a resting HRV "
            f"test (limit {REST_HR_MAX_BPM:.0f} bpm): daily HRV keeps resting readings only"
        )
    if day is None:
        raise NothingToImport(
            f"{what} has no date: put the day in the file name (YYYY-MM-DD) to log it, "
            f"or compute its rMSSD ({res.rmssd_ms:.1f} ms) with coachkit.io.rr.rmssd_from_rr"
        )
    warnings = []
    if res.artefact_share > ARTEFACT_WARN_SHARE:
        warnings.append(f"{res.artefact_share:.0%} of beats were artefacts: rMSSD is less reliable")
    row = {
        "date": day,
        "rank": 0,
        "time_s": 0.0,
        "rmssd_ms": res.rmssd_ms,
        "resting_hr": res.mean_hr_bpm,
    }
    return _wellness([row], source, warnings, what)


@_guard("R-R text file")
def read_rr_text(data: bytes, *, name: str = "") -> ParsedFile:
    """Read a raw R-R recording, one interval per line (ms, or seconds when all are below 10).

    The file itself has no date, so the day comes from the file name (``YYYY-MM-DD``, as Elite
    HRV names its raw exports). Without one it raises :class:`NothingToImport` saying so; the
    rMSSD can still be computed with :func:`coachkit.io.rr.rmssd_from_rr`.
    """
    rr = _rr_numbers(_lines(data, "R-R text file"), "R-R text file")
    m = _NAME_DATE_RE.search(name.replace("\\", "/").rsplit("/", 1)[-1])
    day = make_date(int(m.group(1)), int(m.group(2)), int(m.group(3))) if m else None
    return _rr_wellness(rr, day, "rr_text", "R-R recording")


@_guard("Polar .hrm file")
def read_polar_hrm(data: bytes, *, name: str = "") -> ParsedFile:
    """Read a Polar .hrm R-R recording (``Interval=238`` in ``[Params]``) into one wellness row.

    The day is ``[Params] Date`` (YYYYMMDD, the watch's local date); the intervals are the first
    column of ``[HRData]`` (Polar HRM format 1.06). Heart-rate-sample .hrm files (other
    ``Interval`` values) are not R-R data and raise :class:`UnreadableFile`.
    """
    sections: dict[str, list[str]] = {}
    current = None
    for line in _lines(data, "Polar .hrm file"):
        s = line.strip()
        if s.startswith("[") and s.endswith("]"):
            current = s[1:-1].strip().lower()
            sections.setdefault(current, [])
        elif current is not None:
            sections[current].append(s)
    if "params" not in sections:
        raise UnreadableFile("Polar .hrm without a [Params] section")
    params = {
        k.strip().lower(): v.strip()
        for k, v in (ln.split("=", 1) for ln in sections["params"] if "=" in ln)
    }
    interval = params.get("interval", "")
    if interval != "238":
        raise UnreadableFile(
            f"a Polar .hrm heart-rate recording (Interval={interval or '?'}), not R-R intervals: "
            "export the session as TCX or GPX instead"
        )
    rr = _rr_numbers(sections.get("hrdata", []), "Polar .hrm [HRData]")
    d = re.fullmatch(r"(\d{4})(\d{2})(\d{2})", params.get("date", ""))
    day = make_date(int(d.group(1)), int(d.group(2)), int(d.group(3))) if d else None
    return _rr_wellness(rr, day, "polar_hrm", "Polar R-R recording")

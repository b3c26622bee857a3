"""CSV exports as text: decoding whatever encoding the app wrote, rows, and numbers in cells.

Apps write UTF-8 with or without a BOM, UTF-16 with a BOM, or Windows-1252; commas or semicolons
(locales with a decimal comma); ``-``, ``n/a`` or nothing for a missing value; ``10,5`` or
``1.234,5`` for numbers. The CSV readers share these rules so that one export reads the same
whichever app wrote it.
"""

from __future__ import annotations

import codecs
import csv
import io
import itertools
from collections.abc import Iterator
from typing import Any, NamedTuple

from coachkit.io.errors import UnreadableFile

#: cell texts (casefolded) that mean "no value"
MISSING_MARKS = {"", "-", "--", "n/a", "na", "null", "none", "nan"}

#: data rows read from one CSV: an activity a day for 136 years, a reading a day likewise; past
#: this a file is not a real export, and the rows after it are left unread with a warning
MAX_ROWS = 50_000
_CHUNK = 1 << 20


def _encoding(data: bytes) -> str:
    """UTF-16 when a BOM says so; UTF-8 (BOM or not) when every byte decodes as UTF-8; else
    Windows-1252. The UTF-8 check decodes a chunk at a time and keeps nothing."""
    if data[:2] in (b"\xff\xfe", b"\xfe\xff"):
        return "utf-16"
    decoder = codecs.getincrementaldecoder("utf-8")()
    try:
        for i in range(0, len(data), _CHUNK):
            decoder.decode(data[i : i + _CHUNK])
        decoder.decode(b"", final=True)
    except UnicodeDecodeError:
        return "cp1252"
    return "utf-8-sig"


def text_lines(data: bytes, *, keep_ends: bool = False) -> Iterator[str]:
    """The lines of a text file, decoded as they are read (the whole text is never held).

    The encoding is :func:`_encoding`'s; NUL characters are dropped. Line ends (LF, CRLF or CR)
    become ``"\\n"``, or, with ``keep_ends``, stay as written, which :mod:`csv` needs for
    line breaks inside quoted cells.
    """
    encoding = _encoding(data)
    errors = "replace" if encoding == "cp1252" else "strict"
    text = io.TextIOWrapper(
        io.BytesIO(data), encoding=encoding, errors=errors, newline="" if keep_ends else None
    )
    try:
        for line in text:
            yield line.replace("\x00", "")
    except UnicodeDecodeError:  # only UTF-16 can get here: UTF-8 was checked whole
        raise UnreadableFile("a UTF-16 text file with broken characters") from None


class Table(NamedTuple):
    """A CSV file's header and data rows; ``truncated`` says so when rows were left unread."""

    header: list[str]
    rows: list[list[str]]
    truncated: str | None = None


def read_rows(data: bytes, what: str, *, max_rows: int | None = None) -> Table:
    """Split CSV bytes into a header and at most ``max_rows`` data rows; blank lines are dropped.

    The delimiter is a semicolon when the header has more of them than commas. Rows are read
    as the text is decoded, so memory grows with the rows kept, not the file. ``max_rows``
    defaults to :data:`MAX_ROWS`.
    """
    max_rows = MAX_ROWS if max_rows is None else max_rows
    if not data or data.isspace():
        raise UnreadableFile(f"{what}: empty file")
    lines = text_lines(data, keep_ends=True)
    first = next(lines, "")
    delim = ";" if first.count(";") > first.count(",") else ","
    header: list[str] | None = None
    rows: list[list[str]] = []
    truncated = None
    try:
        for row in csv.reader(itertools.chain([first], lines), delimiter=delim):
            if not any(c.strip() for c in row):
                continue
            if header is None:
                header = [h.strip().lstrip("\ufeff") for h in row]
            elif len(rows) < max_rows:
                rows.append(row)
            else:
                truncated = (
                    f"{what} too long: more than {max_rows:,} rows; kept the first "
                    f"{max_rows:,}, the rest of the file was not read"
                )
                break
    except csv.Error as exc:
        raise UnreadableFile(f"{what}: broken CSV ({exc})") from None
    if header is None:
        raise UnreadableFile(f"{what}: empty file")
    return Table(header, rows, truncated)


def parse_number(text: Any) -> float | None:
    """A number from a CSV cell: ``-``/blank -> None; "10,5" and "1.234,5" (decimal comma) accepted."""
    s = str(text or "").strip().replace("\u00a0", "").replace(" ", "")
    if s.casefold() in MISSING_MARKS:
        return None
    if "," in s and "." in s:  # the later mark is the decimal one
        s = (
            s.replace(".", "").replace(",", ".")
            if s.rfind(",") > s.rfind(".")
            else s.replace(",", "")
        )
    elif s.count(",") == 1:
        s = s.replace(",", ".")
    try:
        value = float(s)
    except ValueError:
        return None
    return value if value == value and abs(value) != float("inf") else None

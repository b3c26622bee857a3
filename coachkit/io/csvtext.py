"""CSV exports as text: decoding whatever encoding the app wrote, rows, and numbers in cells.

Apps write UTF-8 with or without a BOM, UTF-16 with a BOM, or Windows-1252; commas or semicolons
(locales with a decimal comma); ``-``, ``n/a`` or nothing for a missing value; ``10,5`` or
``1.234,5`` for numbers. The CSV readers share these rules so that one export reads the same
whichever app wrote it.
"""

from __future__ import annotations

import csv
import io
from typing import Any

from coachkit.io.errors import UnreadableFile

#: cell texts (casefolded) that mean "no value"
MISSING_MARKS = {"", "-", "--", "n/a", "na", "null", "none", "nan"}


def decode_text(data: bytes) -> str:
    """Bytes of a CSV -> text: UTF-8 (with or without BOM), UTF-16 with BOM, else Windows-1252."""
    if data[:2] in (b"\xff\xfe", b"\xfe\xff"):
        try:
            return data.decode("utf-16")
        except UnicodeDecodeError:
            raise UnreadableFile("a UTF-16 text file with broken characters") from None
    try:
        return data.decode("utf-8-sig")
    except UnicodeDecodeError:
        return data.decode("cp1252", errors="replace")


def read_rows(data: bytes, what: str) -> tuple[list[str], list[list[str]]]:
    """Split CSV bytes into a header and data rows; blank lines are dropped."""
    if not data or not data.strip():
        raise UnreadableFile(f"{what}: empty file")
    text = decode_text(data).replace("\x00", "")
    sample = text[:4096]
    delim = (
        ";" if sample.split("\n", 1)[0].count(";") > sample.split("\n", 1)[0].count(",") else ","
    )
    try:
        rows = [
            r
            for r in csv.reader(io.StringIO(text, newline=""), delimiter=delim)
            if any(c.strip() for c in r)
        ]
    except csv.Error as exc:
        raise UnreadableFile(f"{what}: broken CSV ({exc})") from None
    if not rows:
        raise UnreadableFile(f"{what}: empty file")
    return [h.strip().lstrip("\ufeff") for h in rows[0]], rows[1:]


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

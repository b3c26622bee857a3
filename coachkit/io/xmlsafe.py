"""Safe, forgiving XML parsing shared by the GPX and TCX readers (docs/design.md §10).

Safety: every parse goes through :mod:`defusedxml`'s expat parser with entity declarations and
external references forbidden, so a "billion laughs" or an external-entity (XXE) document is
refused before anything is expanded or fetched. Expat itself never fetches external DTDs.
``lxml`` is not used: it is not a coachkit dependency, and the standard library parser with the
C TreeBuilder reads a 2.6 MB GPX in well under 0.1 s.

Forgiveness: exported GPX/TCX files are often not quite well-formed, and a runner wants their
run anyway. :func:`parse_xml` tries, in order,

1. a strict parse;
2. when the only fault is an undeclared namespace prefix (``<gpxdata:cadence>`` without
   ``xmlns:gpxdata``, written by some converters), the same parse after declaring the missing
   prefixes on the root element: element *local names* are all the readers look at;
3. a partial parse that keeps every element read before the first error (a truncated upload).

The caller decides whether what was recovered is plausible enough to keep; ``problem`` says what
was wrong and where, for the warning or the quarantine reason.
"""

from __future__ import annotations

import re
import xml.etree.ElementTree as ET
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Any

import numpy as np
import pandas as pd
from defusedxml import DefusedXmlException
from defusedxml.ElementTree import DefusedXMLParser

from coachkit.core.sports import RUN_SPORTS
from coachkit.io.errors import UnreadableFile, could_not_read

ENTITIES_REFUSED = "XML with entity declarations refused (possible entity-expansion attack)"

# expat error code for "unbound prefix" (xml.parsers.expat.errors.XML_ERROR_UNBOUND_PREFIX)
_UNBOUND_PREFIX = 27
_PREFIX_USE = re.compile(
    rb"</?([A-Za-z_][\w.-]*):[A-Za-z_]|\s([A-Za-z_][\w.-]*):[A-Za-z_][\w.-]*\s*="
)
_PREFIX_DECL = re.compile(rb"xmlns:([A-Za-z_][\w.-]*)\s*=")
_ROOT_START = re.compile(rb"<([A-Za-z_][\w:.-]*)")


@dataclass
class XmlDocument:
    """A parsed document: ``root`` plus what, if anything, had to be forgiven.

    ``problem`` is None for a well-formed document, else a short description with line and
    column. ``complete`` is False when the tree stops where the error was (elements after it are
    missing, the element being read at that point may lack children).
    """

    root: ET.Element
    problem: str | None = None
    complete: bool = True


class _FirstElementBuilder(ET.TreeBuilder):
    """TreeBuilder that remembers the root as soon as it opens, so a broken parse keeps it."""

    first: ET.Element | None = None

    def start(self, tag: str, attrs: dict[str, str]) -> ET.Element:  # type: ignore[override]
        element = super().start(tag, attrs)
        if self.first is None:
            self.first = element
        return element


def localname(tag: object) -> str:
    """Return the tag without its ``{namespace}`` (comments and PIs give ``""``).

    >>> localname("{http://www.topografix.com/GPX/1/1}trkpt")
    'trkpt'
    """
    return tag.rpartition("}")[2] if isinstance(tag, str) else ""


def _describe(exc: ET.ParseError) -> str:
    line, column = getattr(exc, "position", (0, 0))
    reason = str(exc).split(":", 1)[0].strip() or "not well-formed"
    return f"{reason} at line {line}, column {column}"


def _parse(data: bytes, builder: ET.TreeBuilder) -> ET.Element:
    # forbid_dtd stays False: a plain <!DOCTYPE> is harmless; entity declarations are not
    parser = DefusedXMLParser(
        target=builder, forbid_dtd=False, forbid_entities=True, forbid_external=True
    )
    try:
        parser.feed(data)
        return parser.close()
    except DefusedXmlException:
        # the message must not echo the entity (it could name a local file such as /etc/passwd)
        raise UnreadableFile(ENTITIES_REFUSED) from None
    except (LookupError, ValueError) as exc:  # expat: unknown or unsupported declared encoding
        raise UnreadableFile(f"XML that expat cannot decode ({str(exc)[:80]})") from None


def _declare_missing_prefixes(data: bytes) -> tuple[bytes, list[str]]:
    """Declare on the root element every prefix the document uses but the root does not declare."""
    if data[:2] in (b"\xff\xfe", b"\xfe\xff") or b"\x00" in data[:200]:
        return data, []  # UTF-16/32: the byte patterns below do not apply
    root = _ROOT_START.search(data)
    if root is None:
        return data, []
    root_tag_end = data.find(b">", root.end())
    declared = set(_PREFIX_DECL.findall(data[root.start() : root_tag_end]))
    used = {a or b for a, b in _PREFIX_USE.findall(data)}
    missing = sorted(used - declared - {b"xml", b"xmlns"})
    if not missing:
        return data, []
    decls = b"".join(b' xmlns:%s="urn:coachkit:undeclared:%s"' % (p, p) for p in missing)
    patched = data[: root.end()] + decls + data[root.end() :]
    return patched, [p.decode("ascii", "replace") for p in missing]


def parse_xml(data: bytes) -> XmlDocument:
    """Parse untrusted XML bytes safely, recovering what a malformed document still holds.

    Parameters
    ----------
    data
        The raw file content (any encoding expat knows, BOM or XML declaration honoured).

    Returns
    -------
    XmlDocument
        The root element and, when the document was not well-formed, what was wrong.

    Raises
    ------
    UnreadableFile
        For entity declarations or external entities (never expanded), or when not even the
        root element could be read (the reason gives line and column).
    """
    try:
        return XmlDocument(_parse(data, ET.TreeBuilder()))
    except ET.ParseError as exc:
        first_error = exc
    problem = _describe(first_error)
    if getattr(first_error, "code", None) == _UNBOUND_PREFIX:
        patched, prefixes = _declare_missing_prefixes(data)
        if prefixes:
            try:
                root = _parse(patched, ET.TreeBuilder())
            except ET.ParseError:
                data = patched  # the prefixes were one fault among others: recover what we can
            else:
                names = ", ".join(prefixes)
                return XmlDocument(root, f"undeclared namespace prefix {names} ({problem})")
    builder = _FirstElementBuilder()
    try:
        _parse(data, builder)
    except ET.ParseError as exc:
        problem = _describe(exc)
    if builder.first is None:
        raise UnreadableFile(f"not well-formed XML ({problem})")
    return XmlDocument(builder.first, problem, complete=False)


def read_xml(data: bytes, read: Callable[[XmlDocument], Any], *, what: str, name: str = "") -> Any:
    """``read`` the parsed document (:func:`parse_xml`); any other parsing error than
    :class:`UnreadableFile` becomes one, naming ``what`` the file was meant to be and its ``name``.
    """
    doc = parse_xml(data)
    try:
        return read(doc)
    except UnreadableFile:
        raise
    except (ValueError, TypeError, ArithmeticError, LookupError, AttributeError) as exc:
        raise could_not_read(f"{what} {name}" if name else what, exc) from None


def point_texts(
    point: ET.Element, fields: Mapping[str, str], cache: dict[str, str | None]
) -> dict[str, str]:
    """The first non-blank text of each field in one track point and its children.

    ``fields`` maps lower-cased local names to fields (others are ignored); ``cache`` remembers
    the field of each tag seen (one dict for all points of a file: the tags repeat).
    """
    values: dict[str, str] = {}
    for el in point.iter():
        if not isinstance(el.tag, str):
            continue
        field = cache.get(el.tag, "")
        if field == "":
            field = cache[el.tag] = fields.get(localname(el.tag).lower())
        if field and field not in values and el.text and el.text.strip():
            values[field] = el.text.strip()
    return values


def child_text(element: ET.Element, path: str) -> str | None:
    """Stripped text at ``path`` (local names, any namespace: ``"Creator/Name"``), or None."""
    found = element.find("/".join(f"{{*}}{part}" for part in path.split("/")))
    if found is None or found.text is None:
        return None
    return found.text.strip() or None


# --- column helpers shared by the GPX and TCX readers ------------------------------------------

# Below these medians a recorded cadence counts one leg (strides/min), above them both feet.
# Running is ~150-200 spm (~75-100 per leg) and nobody runs at 120 spm; walking is ~90-130 spm
# (~45-65 per leg), so a walk needs a lower line to tell a per-leg file from a steps file.
PER_LEG_BELOW = {**dict.fromkeys(RUN_SPORTS, 120.0), "walk": 80.0}
_TIME_MIN = pd.Timestamp("1900-01-01", tz="UTC")
_TIME_MAX = pd.Timestamp("2200-01-01", tz="UTC")  # datetime64[ns] ends in 2262


def to_times(texts: list[str | None]) -> pd.Series:
    """ISO-8601 strings to UTC timestamps; junk and absurd years become NaT (naive means UTC)."""
    times = pd.to_datetime(
        pd.Series(texts, dtype=object), utc=True, format="ISO8601", errors="coerce"
    )
    return times.where((times >= _TIME_MIN) & (times < _TIME_MAX))


def to_floats(texts: list[str | None]) -> np.ndarray:
    """Numeric strings to floats; anything else ("null", "", "inf") becomes NaN."""
    values = pd.to_numeric(pd.Series(texts, dtype=object), errors="coerce").to_numpy(
        dtype=float, copy=True
    )
    values[~np.isfinite(values)] = np.nan
    return values


def cadence_to_spm(cadence: np.ndarray, sport: str) -> np.ndarray:
    """Running cadence to steps/min (both feet); other sports keep their rpm.

    Garmin's TrackPointExtension ``cad``, TCX ``RunCadence`` and Strava-export GPX all count one
    leg (strides/min), so a runner at 170 spm reads ~85. A file whose median of positive values
    is above ``PER_LEG_BELOW[sport]`` already counts both feet and is kept as is.

    >>> cadence_to_spm(np.array([84.0, 86.0]), "run").tolist()
    [168.0, 172.0]
    """
    cadence = np.asarray(cadence, dtype=float)
    positive = cadence[cadence > 0]
    if len(positive) and np.median(positive) < PER_LEG_BELOW.get(sport, 0.0):
        return cadence * 2.0
    return cadence

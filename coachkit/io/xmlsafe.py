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

Memory: given a :class:`PointStream`, each track point leaves the tree as soon as it is read,
as one row of text columns; reading stops after :data:`MAX_POINTS` points or
:data:`MAX_OTHER_ELEMENTS` other elements, and ``XmlDocument.truncated`` says so. A 190 MB GPX
of two million points is read in part within a few hundred MB, not gigabytes.
"""

from __future__ import annotations

import re
import xml.etree.ElementTree as ET
from collections.abc import Callable, Iterable, Iterator, Mapping
from dataclasses import dataclass, field
from typing import Any

from defusedxml import DefusedXmlException
from defusedxml.ElementTree import DefusedXMLParser

from coachkit.io.errors import UnreadableFile, could_not_read

ENTITIES_REFUSED = "XML with entity declarations refused (possible entity-expansion attack)"

# expat error code for "unbound prefix" (xml.parsers.expat.errors.XML_ERROR_UNBOUND_PREFIX)
_UNBOUND_PREFIX = 27
_PREFIX_USE = re.compile(
    rb"</?([A-Za-z_][\w.-]*):[A-Za-z_]|\s([A-Za-z_][\w.-]*):[A-Za-z_][\w.-]*\s*="
)
_PREFIX_DECL = re.compile(rb"xmlns:([A-Za-z_][\w.-]*)\s*=")
_ROOT_START = re.compile(rb"<([A-Za-z_][\w:.-]*)")


#: Track points kept from one XML file: about 69 hours at one point a second, far beyond any
#: recorded run; a file with more stops being read there, with a warning that says so.
MAX_POINTS = 250_000
#: Elements kept in the tree besides track points (metadata, laps, waypoints): a real file holds
#: a few thousand; past this the document is hostile or not an activity.
MAX_OTHER_ELEMENTS = 200_000
#: characters of one point value kept (a number or a timestamp never needs more)
MAX_VALUE_CHARS = 64
_CHUNK = 1 << 20  # bytes fed to expat at a time


@dataclass(frozen=True)
class PointStream:
    """Which elements are track points, and how one point becomes one row of text columns.

    ``points`` and ``containers`` are local names. Each point is filed under its nearest open
    container (a GPX ``trkseg``, a TCX ``Activity``); ``fields`` maps the lower-cased local names
    of the point's descendants to columns (:func:`point_texts`) and ``attributes`` the point's own
    attributes (GPX ``lat``/``lon``). ``columns`` lists every column a container's table has.
    """

    points: frozenset[str]
    containers: frozenset[str]
    fields: Mapping[str, str]
    columns: tuple[str, ...]
    attributes: Mapping[str, str] = field(default_factory=dict)
    limit: int = MAX_POINTS


@dataclass
class XmlDocument:
    """A parsed document: ``root`` plus what, if anything, had to be forgiven.

    ``problem`` is None for a well-formed document, else a short description with line and
    column. ``complete`` is False when the tree stops where the error was (elements after it are
    missing, the element being read at that point may lack children). With a
    :class:`PointStream`, track points are not in the tree: ``points`` maps each container
    element to its text columns, and ``truncated`` says where reading stopped at a limit.
    """

    root: ET.Element
    problem: str | None = None
    complete: bool = True
    points: dict[ET.Element, dict[str, list[str | None]]] = field(default_factory=dict)
    truncated: str | None = None


class _Limit(Exception):
    """Raised from inside the parse when a document passes one of the limits above."""


class _Builder(ET.TreeBuilder):
    """TreeBuilder that remembers the root as soon as it opens (a broken parse keeps it) and,
    given a :class:`PointStream`, takes each track point out of the tree as soon as it closes.

    A point becomes one row of its container's text columns and is removed from its parent, so
    memory grows with the columns kept, not with the XML tree of every point.
    """

    def __init__(self, stream: PointStream | None = None) -> None:
        super().__init__()
        self.first: ET.Element | None = None
        self.stream = stream
        self.points: dict[ET.Element, dict[str, list[str | None]]] = {}
        self.n_points = 0
        self._n_other = 0
        self._in_point = 0
        self._open: list[ET.Element] = []
        self._containers: list[ET.Element] = []
        self._kinds: dict[str, str] = {}  # tag -> "point", "container" or "other"
        self._cache: dict[str, str | None] = {}

    def _classify(self, tag: str) -> str:
        name, stream = localname(tag), self.stream
        kind = "other"
        if stream is not None and name in stream.points:
            kind = "point"
        elif stream is not None and name in stream.containers:
            kind = "container"
        self._kinds[tag] = kind
        return kind

    def start(self, tag: str, attrs: dict[str, str]) -> ET.Element:  # type: ignore[override]
        element = super().start(tag, attrs)
        if self.first is None:
            self.first = element
        self._open.append(element)
        kind = self._kinds.get(tag) or self._classify(tag)
        if kind == "point":
            self._in_point += 1
        elif not self._in_point:
            if kind == "container":
                self._containers.append(element)
            self._n_other += 1
            if self._n_other > MAX_OTHER_ELEMENTS:
                raise _Limit(f"more than {MAX_OTHER_ELEMENTS:,} XML elements besides track points")
        return element

    def end(self, tag: str) -> ET.Element:  # type: ignore[override]
        element = super().end(tag)
        self._open.pop()
        kind = self._kinds[tag]
        if kind == "point":
            self._in_point -= 1
            if not self._in_point and self._containers:
                self._take(element, self._containers[-1])
        elif kind == "container" and not self._in_point:
            self._containers.pop()
        return element

    def _take(self, point: ET.Element, container: ET.Element) -> None:
        stream = self.stream
        assert stream is not None
        if self.n_points >= stream.limit:
            raise _Limit(f"more than {stream.limit:,} track points")
        columns = self.points.get(container)
        if columns is None:
            columns = self.points[container] = {c: [] for c in stream.columns}
        values = point_texts(point, stream.fields, self._cache)
        for attribute, column in stream.attributes.items():
            text = point.get(attribute)
            if text is not None and len(text) <= MAX_VALUE_CHARS:
                values.setdefault(column, text)
        for column, texts in columns.items():
            texts.append(values.get(column))
        self._open[-1].remove(point)
        self.n_points += 1


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


def _chunks(data: bytes, insert_at: int = 0, insert: bytes = b"") -> Iterator[memoryview]:
    """``data`` in slices expat can take one at a time, with ``insert`` spliced in at ``insert_at``
    (without copying the document)."""
    view = memoryview(data)
    if insert:
        yield view[:insert_at]
        yield memoryview(insert)
        view = view[insert_at:]
    for i in range(0, len(view), _CHUNK):
        yield view[i : i + _CHUNK]


def _parse(chunks: Iterable[memoryview], builder: _Builder) -> str | None:
    """Feed ``chunks`` to a defused expat parser building with ``builder``.

    Returns None when the whole document was read, else the limit that stopped it. Raises
    :class:`xml.etree.ElementTree.ParseError` where the document is not well-formed.
    """
    # forbid_dtd stays False: a plain <!DOCTYPE> is harmless; entity declarations are not
    parser = DefusedXMLParser(
        target=builder, forbid_dtd=False, forbid_entities=True, forbid_external=True
    )
    try:
        for chunk in chunks:
            parser.feed(chunk)
        parser.close()
    except _Limit as limit:
        return str(limit)
    except DefusedXmlException:
        # the message must not echo the entity (it could name a local file such as /etc/passwd)
        raise UnreadableFile(ENTITIES_REFUSED) from None
    except (LookupError, ValueError) as exc:  # expat: unknown or unsupported declared encoding
        raise UnreadableFile(f"XML that expat cannot decode ({str(exc)[:80]})") from None
    return None


def _missing_prefixes(data: bytes) -> tuple[int, bytes, list[str]]:
    """Where to declare, on the root element, every prefix the document uses but the root does
    not declare: (offset, declarations, prefixes); no prefixes when there is nothing to add."""
    if data[:2] in (b"\xff\xfe", b"\xfe\xff") or b"\x00" in data[:200]:
        return 0, b"", []  # UTF-16/32: the byte patterns below do not apply
    root = _ROOT_START.search(data)
    if root is None:
        return 0, b"", []
    root_tag_end = data.find(b">", root.end())
    declared = set(_PREFIX_DECL.findall(data[root.start() : root_tag_end]))
    used = {m[1] or m[2] for m in _PREFIX_USE.finditer(data)}
    missing = sorted(used - declared - {b"xml", b"xmlns"})
    decls = b"".join(b' xmlns:%s="urn:coachkit:undeclared:%s"' % (p, p) for p in missing)
    return root.end(), decls, [p.decode("ascii", "replace") for p in missing]


def _document(
    builder: _Builder, problem: str | None, stopped: str | None, *, whole: bool = True
) -> XmlDocument:
    """The document ``builder`` built; ``whole`` is False when a parse error cut it short."""
    assert builder.first is not None
    truncated = None
    if stopped:
        truncated = (
            f"{stopped}: kept the {builder.n_points:,} track points before that; "
            "the rest of the file was not read"
        )
    return XmlDocument(
        builder.first,
        problem,
        complete=whole and stopped is None,
        points=builder.points,
        truncated=truncated,
    )


def parse_xml(data: bytes, stream: PointStream | None = None) -> XmlDocument:
    """Parse untrusted XML bytes safely, recovering what a malformed document still holds.

    Parameters
    ----------
    data
        The raw file content (any encoding expat knows, BOM or XML declaration honoured).
    stream
        Which elements are track points: they are read into ``XmlDocument.points`` as the
        parse goes and left out of the tree, and reading stops after ``stream.limit`` of them.
        Without it every element is in the tree. Either way reading stops after
        :data:`MAX_OTHER_ELEMENTS` other elements, so no document costs unbounded memory.

    Returns
    -------
    XmlDocument
        The root element and, when the document was not well-formed or too long, what was wrong
        (``problem``) or where reading stopped (``truncated``).

    Raises
    ------
    UnreadableFile
        For entity declarations or external entities (never expanded), or when not even the
        root element could be read (the reason gives line and column).
    """
    builder = _Builder(stream)
    try:
        return _document(builder, None, _parse(_chunks(data), builder))
    except ET.ParseError as exc:
        problem = _describe(exc)
        unbound = getattr(exc, "code", None) == _UNBOUND_PREFIX
    if unbound:
        at, decls, prefixes = _missing_prefixes(data)
        if prefixes:
            builder = _Builder(stream)
            try:
                stopped = _parse(_chunks(data, at, decls), builder)
            except ET.ParseError as exc:  # the prefixes were one fault among others
                problem = _describe(exc)
            else:
                names = ", ".join(prefixes)
                return _document(
                    builder, f"undeclared namespace prefix {names} ({problem})", stopped
                )
    if builder.first is None:
        raise UnreadableFile(f"not well-formed XML ({problem})")
    return _document(builder, problem, None, whole=False)


def read_xml(
    data: bytes,
    read: Callable[[XmlDocument], Any],
    *,
    what: str,
    name: str = "",
    stream: PointStream | None = None,
) -> Any:
    """``read`` the document :func:`parse_xml` parses with ``stream``; any other parsing error
    than :class:`UnreadableFile` becomes one, naming ``what`` the file was meant to be and its
    ``name``. When reading stopped at a limit, the :class:`~coachkit.io.base.ParsedFile` that
    ``read`` returns says so first among its warnings.
    """
    doc = parse_xml(data, stream)
    try:
        parsed = read(doc)
    except UnreadableFile:
        raise
    except (ValueError, TypeError, ArithmeticError, LookupError, AttributeError) as exc:
        raise could_not_read(f"{what} {name}" if name else what, exc) from None
    if doc.truncated:
        parsed.warnings.insert(0, f"{what} too long: {doc.truncated}")
    return parsed


def point_texts(
    point: ET.Element, fields: Mapping[str, str], cache: dict[str, str | None]
) -> dict[str, str]:
    """The first non-blank text of each field in one track point and its children (texts
    longer than :data:`MAX_VALUE_CHARS` are skipped: no number or time is that long).

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
        if field and field not in values and el.text:
            text = el.text.strip()
            if text and len(text) <= MAX_VALUE_CHARS:
                values[field] = text
    return values


def child_text(element: ET.Element, path: str) -> str | None:
    """Stripped text at ``path`` (local names, any namespace: ``"Creator/Name"``), or None."""
    found = element.find("/".join(f"{{*}}{part}" for part in path.split("/")))
    if found is None or found.text is None:
        return None
    return found.text.strip() or None

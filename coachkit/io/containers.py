"""Expand inputs into parseable units: folders, zip archives (Strava/Garmin exports) and gzip.

Nothing is ever extracted to disk. Members are read into memory one at a time with hard limits,
so a zip bomb, a corrupt member or a ``../`` path costs nothing but a quarantine line, and the
rest of the batch lands.
"""

from __future__ import annotations

import gzip
import io
import os
import stat
import zipfile
from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from pathlib import Path, PurePosixPath
from typing import BinaryIO

from coachkit.core.files import (
    MAX_FILE_BYTES,
    NotRegularFile,
    fs_text,
    not_regular_reason,
    open_regular,
)

# A real export member is a few MB; Garmin full-account exports reach a few GB in total.
MAX_MEMBER_BYTES = 256 * 1024 * 1024
MAX_ARCHIVE_BYTES = 8 * 1024 * 1024 * 1024
MAX_RATIO = 200  # compression ratio above which a large member is treated as a bomb
MAX_MEMBERS = 200_000
MAX_DEPTH = 4  # archives inside archives: a Garmin export nests zips two deep; a quine never ends
_SKIP_NAMES = {".ds_store", "thumbs.db"}
_SKIP_PREFIXES = ("__macosx/", ".")


@dataclass
class Unit:
    """One parseable unit: a plain file, or a member of an archive (``name`` = "archive::member").

    ``data`` is None when the unit was refused before reading; ``error`` then says why.
    """

    name: str
    data: bytes | None
    error: str | None = None
    companion: bytes | None = None  # a second original needed to read this one (see io.read_bytes)


class ContainerError(ValueError):
    """An archive as a whole cannot be read (corrupt zip, gzip bomb)."""


def _bounded_gunzip(data: bytes, limit: int = MAX_MEMBER_BYTES) -> bytes:
    try:
        with gzip.GzipFile(fileobj=io.BytesIO(data)) as gz:
            out = gz.read(limit + 1)
    except Exception as exc:  # OSError, EOFError, zlib.error on a corrupt stream
        raise ContainerError(f"corrupt gzip data ({exc.__class__.__name__}: {exc})") from None
    if len(out) > limit:
        raise ContainerError(
            f"gzip expands beyond {limit // 2**20} MB: refused (possible gzip bomb)"
        )
    return out


def _strip_gz(name: str) -> str:
    return name[:-3] if name.lower().endswith(".gz") else name


def _is_gzip(head: bytes) -> bool:
    return head[:2] == b"\x1f\x8b"


def _is_zip(head: bytes) -> bool:
    return head[:4] in (b"PK\x03\x04", b"PK\x05\x06")


def _safe_member_name(name: str) -> str | None:
    """Return a normalised member name, or None when it is absolute or climbs out (``../``)."""
    if name.startswith(("/", "\\")) or (len(name) > 1 and name[1] == ":"):
        return None
    parts = PurePosixPath(name.replace("\\", "/")).parts
    if any(p == ".." for p in parts):
        return None
    return "/".join(parts)


def iter_zip(
    source: bytes | str | os.PathLike[str] | BinaryIO, archive_name: str, depth: int = 0
) -> Iterator[Unit]:
    """Yield the units inside a zip (its bytes, its path or an open file), refusing bad members
    one by one.

    From a path or a file the archive is read member by member, so a multi-GB export never sits in memory.
    """
    try:
        zf = zipfile.ZipFile(io.BytesIO(source) if isinstance(source, bytes) else source)
        infos = zf.infolist()
    except (zipfile.BadZipFile, OSError, ValueError, EOFError) as exc:
        raise ContainerError(f"corrupt zip archive ({exc})") from None
    with zf:
        if len(infos) > MAX_MEMBERS:
            raise ContainerError(
                f"zip holds {len(infos)} members: refused (more than {MAX_MEMBERS})"
            )
        declared = sum(i.file_size for i in infos)
        if declared > MAX_ARCHIVE_BYTES:
            raise ContainerError(
                f"zip expands to {declared / 2**30:.1f} GB: refused (possible zip bomb)"
            )
        total = 0
        for info in infos:
            if info.is_dir():
                continue
            label = f"{archive_name}::{info.filename}"
            safe = _safe_member_name(info.filename)
            if safe is None:
                yield Unit(label, None, "unsafe path in archive (absolute or '../'): refused")
                continue
            base = safe.rsplit("/", 1)[-1].lower()
            if (
                base in _SKIP_NAMES
                or safe.lower().startswith(_SKIP_PREFIXES)
                or base.startswith("._")
            ):
                continue
            ratio = info.file_size / info.compress_size if info.compress_size else 0
            if info.file_size > MAX_MEMBER_BYTES or (
                ratio > MAX_RATIO and info.file_size > 32 * 2**20
            ):
                yield Unit(
                    label,
                    None,
                    f"member expands to {info.file_size / 2**20:.0f} MB: refused (possible zip bomb)",
                )
                continue
            try:
                with zf.open(info) as fh:
                    raw = fh.read(MAX_MEMBER_BYTES + 1)
            except Exception as exc:  # corrupt deflate (zlib.error), encrypted (RuntimeError), ...
                yield Unit(
                    label, None, f"unreadable archive member ({exc.__class__.__name__}: {exc})"
                )
                continue
            if len(raw) > MAX_MEMBER_BYTES:
                yield Unit(
                    label, None, "member larger than its header says: refused (possible zip bomb)"
                )
                continue
            total += len(raw)
            if total > MAX_ARCHIVE_BYTES:
                yield Unit(
                    label,
                    None,
                    "archive expands beyond the size limit: refused (possible zip bomb)",
                )
                return
            yield from expand_bytes(raw, label, depth + 1)


def expand_bytes(data: bytes, name: str, depth: int = 0) -> Iterator[Unit]:
    """Yield parseable units from one file's bytes: itself, or what its gzip/zip holds."""
    if depth > MAX_DEPTH and (_is_gzip(data) or _is_zip(data)):
        yield Unit(name, None, f"archives nested more than {MAX_DEPTH} deep: refused")
        return
    if _is_gzip(data):
        try:
            inner = _bounded_gunzip(data)
        except ContainerError as exc:
            yield Unit(name, None, str(exc))
            return
        yield from expand_bytes(inner, _strip_gz(name), depth + 1)
        return
    if _is_zip(data):
        try:
            yield from iter_zip(data, name, depth)
        except ContainerError as exc:
            yield Unit(name, None, str(exc))
        return
    yield Unit(name, data)


def expand_path(path: Path) -> Iterator[Unit]:
    """:func:`expand_bytes` for a file on disk; a zip is read from disk one member at a time.

    Only a regular file is opened (see :func:`~coachkit.core.files.open_regular`), and no read
    goes past :data:`~coachkit.core.files.MAX_FILE_BYTES` (a zip on disk: ``MAX_ARCHIVE_BYTES``).
    """
    name = fs_text(path)
    try:
        fh = open_regular(path)
    except NotRegularFile as exc:
        yield Unit(name, None, str(exc))
        return
    with fh:
        size = os.fstat(fh.fileno()).st_size
        if _is_zip(fh.read(4)):
            if size > MAX_ARCHIVE_BYTES:
                yield Unit(name, None, _too_big(size, MAX_ARCHIVE_BYTES, "zip archive"))
                return
            fh.seek(0)
            try:
                yield from iter_zip(fh, name)
            except ContainerError as exc:
                yield Unit(name, None, str(exc))
            return
        if size > MAX_FILE_BYTES:
            yield Unit(name, None, _too_big(size, MAX_FILE_BYTES, "file"))
            return
        fh.seek(0)
        data = fh.read(MAX_FILE_BYTES + 1)
    if len(data) > MAX_FILE_BYTES:
        yield Unit(name, None, _too_big(len(data), MAX_FILE_BYTES, "file (it grew while read)"))
        return
    yield from expand_bytes(data, name)


def _too_big(size: int, limit: int, what: str) -> str:
    return f"{what} larger than the {limit // 2**20} MB limit ({size / 2**20:.1f} MB): refused"


@dataclass(frozen=True)
class Entry:
    """A path found under the inputs; ``skip`` says why it is not read (None: read it)."""

    path: Path
    skip: str | None = None

    @property
    def name(self) -> str:
        """The path as printable text, whatever bytes it holds."""
        return fs_text(self.path)


def check_path(path: Path, roots: Sequence[Path]) -> str | None:
    """Why ``path`` is not read, or None when it is a regular file that may be read.

    A symlink is followed only when its target lies inside one of ``roots`` (resolved: the
    files and folders given on the command line); FIFOs, devices and sockets are never opened.
    A path that cannot be looked at is left to the reader, which says why.
    """
    try:
        st = os.lstat(path)
        if stat.S_ISLNK(st.st_mode):
            try:
                target = path.resolve(strict=True)
            except (OSError, RuntimeError):
                return "a broken or looping symlink: skipped"
            if not any(target == r or r in target.parents for r in roots):
                return f"a symlink to {fs_text(target)}, outside the folders given: not followed"
            if target.is_dir():
                return "a symlink to a folder: not followed (ingest the folder itself)"
            st = os.stat(target)
    except OSError:
        return None
    return not_regular_reason(st.st_mode)


def iter_paths(paths: Sequence[str | os.PathLike[str]]) -> Iterator[Entry]:
    """Every file under the given files/folders, in a stable sorted order, hidden files skipped
    silently; each with the reason it is not read (:func:`check_path`), if any.

    Raises FileNotFoundError for a file or folder given that does not exist.
    """
    given = [Path(p) for p in paths]
    roots = [p.resolve() for p in given]
    for root in given:
        if root.is_dir():
            for dirpath, dirnames, filenames in os.walk(root):
                top = Path(dirpath)
                links = {d for d in dirnames if (top / d).is_symlink()}
                dirnames[:] = sorted(
                    d for d in dirnames if not d.startswith(".") and d not in links
                )
                for fn in sorted([*filenames, *links]):
                    if fn.startswith(".") or fn.lower() in _SKIP_NAMES:
                        continue
                    yield Entry(top / fn, check_path(top / fn, roots))
        elif root.exists() or root.is_symlink():
            yield Entry(root, check_path(root, roots))
        else:
            raise FileNotFoundError(f"no such file or folder: {fs_text(root)}")

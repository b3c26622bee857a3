"""Files written whole or not at all, read in chunks, opened only when they are regular files,
and named in text whatever bytes their names hold."""

from __future__ import annotations

import contextlib
import hashlib
import os
import stat
import tempfile
from pathlib import Path
from typing import BinaryIO

#: the largest single file (not zip archive) any reader is given: real exports are a few MB
MAX_FILE_BYTES = 256 * 1024 * 1024


class NotRegularFile(OSError):
    """A path that is a FIFO, a device, a socket or a folder, not a file: never read."""


def not_regular_reason(mode: int) -> str | None:
    """Why a file of this ``st_mode`` is not read (None for a regular file)."""
    if stat.S_ISREG(mode):
        return None
    if stat.S_ISFIFO(mode):
        return "a named pipe (FIFO), not a file: skipped"
    if stat.S_ISCHR(mode) or stat.S_ISBLK(mode):
        return "a device, not a file: skipped"
    if stat.S_ISSOCK(mode):
        return "a socket, not a file: skipped"
    if stat.S_ISDIR(mode):
        return "a folder where a file was expected: skipped"
    return "not a regular file: skipped"


def open_regular(path: str | os.PathLike[str]) -> BinaryIO:
    """Open a regular file for reading; raise :class:`NotRegularFile` for anything else.

    The open itself never blocks: a FIFO swapped in after the caller looked is opened
    non-blocking, seen by ``fstat`` and closed unread.
    """
    fd = os.open(path, os.O_RDONLY | os.O_NONBLOCK | getattr(os, "O_CLOEXEC", 0))
    try:
        reason = not_regular_reason(os.fstat(fd).st_mode)
        if reason is not None:
            raise NotRegularFile(reason)
        os.set_blocking(fd, True)
        return os.fdopen(fd, "rb")
    except BaseException:
        os.close(fd)
        raise


def fs_text(name: str | os.PathLike[str]) -> str:
    """A file name of any bytes as text that SQLite, JSON and a terminal accept.

    Names that are valid UTF-8 are returned unchanged; a byte that is not (``caf\\xe9.gpx`` on
    a Latin-1 disk, kept by Python as a lone surrogate) is written ``\\xe9``.
    """
    text = os.fspath(name)
    if isinstance(text, bytes):
        text = os.fsdecode(text)
    try:
        text.encode("utf-8")
        return text
    except UnicodeEncodeError:
        return text.encode("utf-8", "surrogateescape").decode("utf-8", "backslashreplace")


def fs_key(name: str | os.PathLike[str]) -> str:
    """A lossless text key for a path: the path itself when it is valid UTF-8, else ``hex:``
    and the hex of its bytes (an absolute path, as the manifest keys paths, never starts with
    ``hex:``)."""
    text = os.fspath(name)
    raw = text if isinstance(text, bytes) else os.fsencode(text)
    try:
        return raw.decode("utf-8")
    except UnicodeDecodeError:
        return "hex:" + raw.hex()


def atomic_write_bytes(path: Path, data: bytes) -> None:
    """Write via a temp file in the same folder, fsync, then rename: readers never see half a file."""
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.", suffix=".tmp")
    try:
        with os.fdopen(fd, "wb") as fh:
            fh.write(data)
            fh.flush()
            os.fsync(fh.fileno())
        os.replace(tmp, path)
    except BaseException:
        with contextlib.suppress(FileNotFoundError):
            os.unlink(tmp)
        raise


def sha256_file(path: str | os.PathLike[str]) -> str:
    """Hex sha256 of a regular file, read in 1 MiB chunks (``hashlib.file_digest`` needs Python 3.11)."""
    digest = hashlib.sha256()
    with open_regular(path) as fh:
        for chunk in iter(lambda: fh.read(1 << 20), b""):
            digest.update(chunk)
    return digest.hexdigest()

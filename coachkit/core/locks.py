"""An exclusive lock on an open file, between processes, on POSIX and Windows alike.

POSIX has ``fcntl.flock``, Windows ``msvcrt.locking``: each is imported when a lock is taken,
never at module level, so the store and the token files work on both (an ``import fcntl`` at
the top of a module made the store unusable on Windows). The ``filelock`` package would do the
same but is not a dependency of coachkit; the standard library is enough for one lock file.
"""

from __future__ import annotations

import contextlib
import os
from collections.abc import Iterator
from typing import IO, Any


@contextlib.contextmanager
def exclusive_lock(fh: IO[Any]) -> Iterator[None]:
    """Hold an exclusive lock on the open file ``fh`` while the block runs; wait while another
    process holds it. The lock goes when the block ends (or the process dies)."""
    try:
        import fcntl
    except ImportError:  # Windows
        with _windows_lock(fh):
            yield
        return
    fcntl.flock(fh, fcntl.LOCK_EX)
    try:
        yield
    finally:
        fcntl.flock(fh, fcntl.LOCK_UN)


@contextlib.contextmanager
def _windows_lock(fh: IO[Any]) -> Iterator[None]:
    """``msvcrt.locking`` on the file's first byte (it may lie past the end of the file)."""
    try:
        import msvcrt
    except ImportError:
        raise OSError(
            "this system has neither fcntl (POSIX) nor msvcrt (Windows) to lock files with: "
            "coachkit cannot keep two processes from writing the store at once here"
        ) from None
    fd = fh.fileno()
    while True:
        os.lseek(fd, 0, os.SEEK_SET)
        try:
            msvcrt.locking(fd, msvcrt.LK_LOCK, 1)  # type: ignore[attr-defined]
            break
        except OSError:  # LK_LOCK gives up after about 10 s: keep waiting, as flock does
            continue
    try:
        yield
    finally:
        os.lseek(fd, 0, os.SEEK_SET)
        msvcrt.locking(fd, msvcrt.LK_UNLCK, 1)  # type: ignore[attr-defined]

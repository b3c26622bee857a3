"""An exclusive lock on a lock file, between processes, on POSIX and Windows alike.

The ``filelock`` package picks the system's own mechanism (``fcntl.flock`` on POSIX,
``msvcrt.locking`` on Windows) when a lock is taken, so nothing here imports a POSIX-only module
at load time (an ``import fcntl`` at the top of a module once made the store unusable on
Windows). The lock goes when the block ends, or when the process dies.
"""

from __future__ import annotations

import contextlib
import os
from collections.abc import Iterator


@contextlib.contextmanager
def exclusive_lock(path: str | os.PathLike[str], *, mode: int = 0o644) -> Iterator[None]:
    """Hold an exclusive lock on the file ``path`` (created with ``mode`` when missing) while
    the block runs; wait while another process holds it."""
    from filelock import FileLock

    with FileLock(os.fspath(path), mode=mode):
        yield

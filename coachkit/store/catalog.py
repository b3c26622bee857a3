"""The Store: a directory holding the catalog, per-activity samples and raw originals (docs/design.md §4).

Layout::

    <store>/catalog.sqlite                       SQLite in WAL mode (see coachkit.store.migrations)
    <store>/samples/athlete_id=<id>/<activity_id>.parquet   zstd parquet, one per activity
    <store>/raw/<sha256>                          the original bytes of every imported unit

Every process opens its own connection. WAL plus a busy timeout lets several dashboard kernels
write feedback at once; ingests additionally take an exclusive lock file so that two ingests
never interleave. This module opens the store: the connection, its transactions, the ingest
lock and the migrations; what the store holds is read and written by the parts it is made of
(:mod:`~coachkit.store.samples`, :mod:`~coachkit.store.tables`,
:mod:`~coachkit.store.feedback`, :mod:`~coachkit.store.settings`).
"""

from __future__ import annotations

import contextlib
import os
import sqlite3
from collections.abc import Iterator

from coachkit.core.extras import install_command
from coachkit.core.files import fs_text
from coachkit.core.locks import exclusive_lock
from coachkit.store.base import StoreError, resolve_store_path, store_dir_problem
from coachkit.store.feedback import FeedbackLog
from coachkit.store.migrations import MIGRATIONS, SCHEMA_VERSION, statements
from coachkit.store.samples import SampleFiles
from coachkit.store.settings import AthleteSettings
from coachkit.store.tables import ImportedTables


class Store(SampleFiles, ImportedTables, FeedbackLog, AthleteSettings):
    """Open (and create or upgrade) a coachkit store directory.

    Parameters
    ----------
    root
        The store directory; see :func:`resolve_store_path`.
    create
        Create an empty store when ``root`` holds none. With ``False`` a missing store raises
        :class:`StoreError` telling the user to run ``coachkit init`` or ``coachkit ingest``.
    catalog_name, samples_name
        Used by ``rebuild`` to build a fresh catalog and samples tree beside the live ones.

    Examples
    --------
    >>> store = Store("/tmp/ck-doctest-store")
    >>> store.activities().columns[:3].tolist()
    ['athlete_id', 'activity_id', 'sport']
    """

    def __init__(
        self,
        root: str | os.PathLike[str] | None = None,
        *,
        create: bool = True,
        catalog_name: str = "catalog.sqlite",
        samples_name: str = "samples",
    ) -> None:
        self.root = resolve_store_path(root)
        self.catalog_path = self.root / catalog_name
        self.samples_dir = self.root / samples_name
        self.raw_dir = self.root / "raw"
        problem = store_dir_problem(self.root, catalog_name)
        if problem:
            raise StoreError(problem)
        if not self.catalog_path.exists():
            where = fs_text(self.root)
            if not create:
                raise StoreError(
                    f"no coachkit store at {where}: run `coachkit init --store {where}` "
                    "or `coachkit ingest PATH --athlete ID` first"
                )
            try:
                self.root.mkdir(parents=True, exist_ok=True)
            except OSError as exc:
                raise StoreError(
                    f"cannot create the store folder {where}: {exc.strerror or exc}"
                ) from None
        self._conn: sqlite3.Connection | None = None
        self._migrate()

    # -- connection -----------------------------------------------------------------------
    @property
    def conn(self) -> sqlite3.Connection:
        """This process's connection to the catalog, opened on first use."""
        if self._conn is None:
            conn = sqlite3.connect(self.catalog_path, timeout=30, isolation_level=None)
            conn.row_factory = sqlite3.Row
            conn.execute("PRAGMA journal_mode=WAL")
            conn.execute("PRAGMA synchronous=FULL")  # commits survive power loss, not just crashes
            conn.execute("PRAGMA busy_timeout=30000")
            self._conn = conn
        return self._conn

    def close(self) -> None:
        """Close the connection (the next use of :attr:`conn` opens a new one)."""
        if self._conn is not None:
            self._conn.close()
            self._conn = None

    def __enter__(self) -> Store:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    @contextlib.contextmanager
    def transaction(self) -> Iterator[sqlite3.Connection]:
        """One short write transaction: everything inside lands, or nothing does."""
        conn = self.conn
        conn.execute("BEGIN IMMEDIATE")
        try:
            yield conn
        except BaseException:
            if conn.in_transaction:  # SQLite may already have rolled back on its own
                conn.execute("ROLLBACK")
            raise
        conn.execute("COMMIT")

    @contextlib.contextmanager
    def ingest_lock(self) -> Iterator[None]:
        """Exclusive lock held for a whole ingest or rebuild (waits for another one to finish)."""
        self.root.mkdir(parents=True, exist_ok=True)
        with exclusive_lock(self.root / ".ingest.lock"):
            yield

    def _migrate(self) -> None:
        version = self.conn.execute("PRAGMA user_version").fetchone()[0]
        if version > SCHEMA_VERSION:
            raise StoreError(
                f"the store at {self.root} has schema version {version}, newer than this "
                f"coachkit understands ({SCHEMA_VERSION}): update your coachkit clone "
                f"(git pull, then {install_command()})"
            )
        while version < SCHEMA_VERSION:
            # Each migration in its own transaction; the version is re-read under the write lock
            # because another process may have upgraded the store while this one waited.
            with self.transaction() as conn:
                version = conn.execute("PRAGMA user_version").fetchone()[0]
                if version < SCHEMA_VERSION:
                    for statement in statements(MIGRATIONS[version]):
                        conn.execute(statement)
                    conn.execute(f"PRAGMA user_version = {version + 1}")
                    version += 1

    @property
    def schema_version(self) -> int:
        """The catalog's migration number (``PRAGMA user_version``)."""
        return int(self.conn.execute("PRAGMA user_version").fetchone()[0])

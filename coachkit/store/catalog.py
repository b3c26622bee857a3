"""The Store: a directory holding the catalog, per-activity samples and raw originals (docs/design.md §4).

Layout::

    <store>/catalog.sqlite                       SQLite in WAL mode (see coachkit.store.migrations)
    <store>/samples/athlete_id=<id>/<activity_id>.parquet   zstd parquet, one per activity
    <store>/raw/<sha256>                          the original bytes of every imported unit

Every process opens its own connection. WAL plus a busy timeout lets several dashboard kernels
write feedback at once; ingests additionally take an exclusive lock file so that two ingests
never interleave.
"""

from __future__ import annotations

import contextlib
import fcntl
import json
import os
import re
import shutil
import sqlite3
from collections.abc import Iterator
from datetime import datetime, timezone
from pathlib import Path
from typing import TYPE_CHECKING, Any

from coachkit.core.files import atomic_write_bytes
from coachkit.store.migrations import MIGRATIONS, SCHEMA_VERSION

if TYPE_CHECKING:
    import pandas as pd

DEFAULT_STORE = Path("data") / "store"
ATHLETE_ID_RE = re.compile(r"[A-Za-z0-9][A-Za-z0-9_.-]{0,63}")
ACTIVITY_ID_RE = re.compile(r"[0-9a-f]{16}")
PENDING = ".pending-"
REBUILD_CATALOG, REBUILD_SAMPLES = "catalog.rebuild.sqlite", "samples.rebuild"


class StoreError(RuntimeError):
    """A store problem a user can act on (a bad athlete id, a newer schema, a missing store)."""


def resolve_store_path(path: str | os.PathLike[str] | None = None) -> Path:
    """``--store`` if given, else ``$COACHKIT_STORE``, else ``./data/store``."""
    if path:
        return Path(path)
    env = os.environ.get("COACHKIT_STORE")
    return Path(env) if env else DEFAULT_STORE


def check_athlete_id(athlete_id: str) -> str:
    """Return ``athlete_id`` if it is safe to use in a path; raise StoreError otherwise."""
    if not isinstance(athlete_id, str) or not ATHLETE_ID_RE.fullmatch(athlete_id):
        raise StoreError(
            f"invalid athlete id {athlete_id!r}: use 1-64 letters, digits, '.', '_' or '-', "
            "starting with a letter or digit"
        )
    return athlete_id


def utc_now_iso() -> str:
    return datetime.now(timezone.utc).strftime("%Y-%m-%dT%H:%M:%S.%fZ")


def _statements(script: str) -> Iterator[str]:
    """Split a SQL script into complete statements (comments may contain ';')."""
    buf = ""
    for line in script.splitlines(keepends=True):
        buf += line
        if sqlite3.complete_statement(buf):
            yield buf
            buf = ""
    if buf.strip() and not all(
        ln.strip().startswith("--") or not ln.strip() for ln in buf.splitlines()
    ):
        yield buf


class Store:
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
        if not self.catalog_path.exists():
            if not create:
                raise StoreError(
                    f"no coachkit store at {self.root}: run `coachkit init --store {self.root}` "
                    "or `coachkit ingest PATH --athlete ID` first"
                )
            self.root.mkdir(parents=True, exist_ok=True)
        self._conn: sqlite3.Connection | None = None
        self._migrate()

    # -- connection -----------------------------------------------------------------------
    @property
    def conn(self) -> sqlite3.Connection:
        if self._conn is None:
            conn = sqlite3.connect(self.catalog_path, timeout=30, isolation_level=None)
            conn.row_factory = sqlite3.Row
            conn.execute("PRAGMA journal_mode=WAL")
            conn.execute(
                "PRAGMA synchronous=FULL"
            )  # a commit survives power loss, not just a crash
            conn.execute("PRAGMA busy_timeout=30000")
            self._conn = conn
        return self._conn

    def close(self) -> None:
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
        with open(self.root / ".ingest.lock", "a+") as fh:
            fcntl.flock(fh, fcntl.LOCK_EX)
            try:
                yield
            finally:
                fcntl.flock(fh, fcntl.LOCK_UN)

    def _migrate(self) -> None:
        version = self.conn.execute("PRAGMA user_version").fetchone()[0]
        if version > SCHEMA_VERSION:
            raise StoreError(
                f"the store at {self.root} has schema version {version}, newer than this "
                f"coachkit understands ({SCHEMA_VERSION}): upgrade coachkit (pip install -U coachkit)"
            )
        while version < SCHEMA_VERSION:
            # Each migration in its own transaction; the version is re-read under the write lock
            # because another process may have upgraded the store while this one waited.
            with self.transaction() as conn:
                version = conn.execute("PRAGMA user_version").fetchone()[0]
                if version < SCHEMA_VERSION:
                    for statement in _statements(MIGRATIONS[version]):
                        conn.execute(statement)
                    conn.execute(f"PRAGMA user_version = {version + 1}")
                    version += 1

    @property
    def schema_version(self) -> int:
        return int(self.conn.execute("PRAGMA user_version").fetchone()[0])

    # -- raw originals and samples ------------------------------------------------------------
    def raw_path(self, sha256: str) -> Path:
        return self.raw_dir / sha256

    def put_raw(self, sha256: str, data: bytes) -> None:
        """Keep the original bytes, content-addressed; writing the same content twice is a no-op."""
        path = self.raw_path(sha256)
        if not path.exists():
            atomic_write_bytes(path, data)

    def samples_path(self, athlete_id: str, activity_id: str) -> Path:
        if not isinstance(activity_id, str) or not ACTIVITY_ID_RE.fullmatch(activity_id):
            raise StoreError(f"invalid activity id {activity_id!r}: 16 hexadecimal digits expected")
        return (
            self.samples_dir
            / f"athlete_id={check_athlete_id(athlete_id)}"
            / f"{activity_id}.parquet"
        )

    def stage_samples(
        self, athlete_id: str, activity_id: str, samples: pd.DataFrame, token: str
    ) -> Path:
        """Write samples beside their final name; :meth:`publish_samples` renames after commit.

        A crash between the catalog commit and the rename leaves a pending file that
        :meth:`recover` rolls forward (its source committed) or back (it did not).
        """
        final = self.samples_path(athlete_id, activity_id)
        final.parent.mkdir(parents=True, exist_ok=True)
        pending = final.with_name(final.name + PENDING + token)
        tmp = pending.with_name(pending.name + ".tmp")
        samples.to_parquet(tmp, compression="zstd", index=False)
        with open(tmp, "rb") as fh:
            os.fsync(fh.fileno())
        os.replace(tmp, pending)
        return pending

    @staticmethod
    def publish_samples(pending: Path) -> None:
        os.replace(pending, pending.with_name(pending.name.split(PENDING, 1)[0]))

    def recover(self) -> int:
        """Finish or undo writes interrupted by a crash; return how many sample files were fixed.

        Two kinds: a rebuild whose catalog committed but whose samples swap did not finish
        (``meta.rebuild_samples``, written in the same transaction, says so), and samples
        staged for a unit whose transaction did or did not commit.
        """
        self._finish_rebuild_swap()
        fixed = 0
        if not self.samples_dir.exists():
            return 0
        for pending in self.samples_dir.glob(f"athlete_id=*/*.parquet{PENDING}*"):
            if pending.name.endswith(".tmp"):
                pending.unlink(missing_ok=True)
                fixed += 1
                continue
            athlete_id = pending.parent.name.split("=", 1)[1]
            token = pending.name.split(PENDING, 1)[1]
            row = self.conn.execute(
                "SELECT 1 FROM sources WHERE athlete_id=? AND sha256 LIKE ? AND status='imported'",
                (athlete_id, token + "%"),
            ).fetchone()
            if row:
                self.publish_samples(pending)
            else:
                pending.unlink(missing_ok=True)
            fixed += 1
        return fixed

    def _finish_rebuild_swap(self) -> None:
        staged, old = self.root / REBUILD_SAMPLES, self.root / "samples.old"
        row = self.conn.execute("SELECT value FROM meta WHERE key='rebuild_samples'").fetchone()
        if row is not None:
            if staged.exists():
                if self.samples_dir.exists():
                    shutil.rmtree(old, ignore_errors=True)
                    os.replace(self.samples_dir, old)
                os.replace(staged, self.samples_dir)
            with self.transaction() as conn:
                conn.execute("DELETE FROM meta WHERE key='rebuild_samples'")
        if self.samples_dir.name == "samples":  # only the live store cleans up after a rebuild
            shutil.rmtree(staged, ignore_errors=True)
            shutil.rmtree(old, ignore_errors=True)
            for suffix in ("", "-wal", "-shm"):
                with contextlib.suppress(FileNotFoundError):
                    os.unlink(f"{self.root / REBUILD_CATALOG}{suffix}")

    def read_samples(self, athlete_id: str, activity_id: str) -> pd.DataFrame:
        """The samples frame of one activity (empty frame with canonical columns if it has none)."""
        import pandas as pd

        from coachkit.core.schemas import SAMPLE_COLUMNS, empty_frame

        path = self.samples_path(athlete_id, activity_id)
        if not path.exists():
            return empty_frame(SAMPLE_COLUMNS)
        return pd.read_parquet(path)

    # -- athletes ---------------------------------------------------------------------------
    def ensure_athlete(
        self, athlete_id: str, name: str | None = None, conn: sqlite3.Connection | None = None
    ) -> None:
        check_athlete_id(athlete_id)
        (conn or self.conn).execute(
            "INSERT OR IGNORE INTO athletes (athlete_id, name, created_at) VALUES (?, ?, ?)",
            (athlete_id, name or athlete_id, utc_now_iso()),
        )

    def require_athlete(self, athlete_id: str) -> str:
        check_athlete_id(athlete_id)
        if not self.conn.execute(
            "SELECT 1 FROM athletes WHERE athlete_id=?", (athlete_id,)
        ).fetchone():
            known = ", ".join(a["athlete_id"] for a in self.athletes()) or "none yet"
            raise StoreError(
                f"no athlete {athlete_id!r} in the store at {self.root} (known: {known})"
            )
        return athlete_id

    def athletes(self) -> list[dict[str, Any]]:
        rows = self.conn.execute(
            """SELECT a.athlete_id, a.name, a.created_at,
                      (SELECT COUNT(*) FROM activities x WHERE x.athlete_id=a.athlete_id) AS n_activities,
                      (SELECT MIN(start_time) FROM activities x WHERE x.athlete_id=a.athlete_id) AS first,
                      (SELECT MAX(start_time) FROM activities x WHERE x.athlete_id=a.athlete_id) AS last,
                      (SELECT COUNT(*) FROM wellness w WHERE w.athlete_id=a.athlete_id) AS n_wellness_days
               FROM athletes a ORDER BY a.athlete_id"""
        ).fetchall()
        return [dict(r) for r in rows]

    # -- frames -----------------------------------------------------------------------------
    def _frame(self, sql: str, params: tuple[Any, ...]) -> pd.DataFrame:
        import pandas as pd

        cur = self.conn.execute(sql, params)
        cols = [d[0] for d in cur.description]
        return pd.DataFrame.from_records(cur.fetchall(), columns=cols)

    def activities(
        self, athlete_id: str | None = None, *, include_extra: bool = False
    ) -> pd.DataFrame:
        """The activities frame of docs/design.md §3, sorted by start time."""
        from coachkit.core.schemas import ACTIVITY_COLUMNS, conform

        where, params = ("WHERE athlete_id=?", (athlete_id,)) if athlete_id else ("", ())
        df = self._frame(
            f"SELECT * FROM activities {where} ORDER BY start_time, activity_id", params
        )
        df["has_samples"] = df["has_samples"].astype(bool) if len(df) else df.get("has_samples")
        out = conform(df, ACTIVITY_COLUMNS, keep_extra=("extra_json",) if include_extra else ())
        if include_extra and "extra_json" in out:
            out["extra"] = out.pop("extra_json").map(json.loads)
        return out

    def wellness(self, athlete_id: str | None = None) -> pd.DataFrame:
        """The wellness frame of docs/design.md §3 (one row per athlete, day and source)."""
        from coachkit.core.schemas import WELLNESS_COLUMNS, conform

        where, params = ("WHERE athlete_id=?", (athlete_id,)) if athlete_id else ("", ())
        df = self._frame(
            f"SELECT * FROM wellness {where} ORDER BY athlete_id, date, source", params
        )
        return conform(df, {"athlete_id": "string", **WELLNESS_COLUMNS})

    def feedback(self, athlete_id: str | None = None) -> pd.DataFrame:
        """The feedback frame of docs/design.md §3 (RPE, feel, niggles, missed days), oldest first."""
        from coachkit.core.schemas import FEEDBACK_COLUMNS, conform

        where, params = ("WHERE athlete_id=?", (athlete_id,)) if athlete_id else ("", ())
        df = self._frame(f"SELECT * FROM feedback {where} ORDER BY date, created_at", params)
        if len(df):
            df["illness"] = df["illness"].map(lambda v: None if v is None else bool(v))
        return conform(df, FEEDBACK_COLUMNS)

    def add_feedback(self, athlete_id: str, date: str, **values: Any) -> int:
        """Log feedback for a day (rpe, feel, soreness, niggle_site, niggle_severity, illness,
        missed_reason, note, activity_id) in one short transaction; returns its id.

        Safe with several writers at once (one Voila kernel per viewer): WAL + busy timeout.
        """
        allowed = (
            "activity_id",
            "rpe",
            "feel",
            "soreness",
            "niggle_site",
            "niggle_severity",
            "illness",
            "missed_reason",
            "note",
        )
        unknown = set(values) - set(allowed)
        if unknown:
            raise StoreError(f"unknown feedback field(s): {', '.join(sorted(unknown))}")
        cols = [c for c in allowed if values.get(c) is not None]
        with self.transaction() as conn:
            self.ensure_athlete(athlete_id, conn=conn)
            cur = conn.execute(
                f"INSERT INTO feedback (athlete_id, date, {''.join(c + ', ' for c in cols)}created_at) "
                f"VALUES (?, ?, {''.join('?, ' for _ in cols)}?)",
                [athlete_id, date, *[values[c] for c in cols], utc_now_iso()],
            )
            return int(cur.lastrowid)

    def athlete_settings(self, athlete_id: str) -> dict[str, Any]:
        """The athlete's own values (hr_max, hr_rest, lthr, threshold_pace_s_per_km, sex, units, ...)."""
        row = self.conn.execute(
            "SELECT settings_json FROM athletes WHERE athlete_id=?", (check_athlete_id(athlete_id),)
        ).fetchone()
        return json.loads(row[0]) if row else {}

    def update_athlete_settings(self, athlete_id: str, **values: Any) -> dict[str, Any]:
        """Set (or with None, clear) settings; returns the new settings."""
        with self.transaction() as conn:
            self.ensure_athlete(athlete_id, conn=conn)
            row = conn.execute(
                "SELECT settings_json FROM athletes WHERE athlete_id=?", (athlete_id,)
            ).fetchone()
            settings = {**json.loads(row[0]), **values}
            settings = {k: v for k, v in settings.items() if v is not None}
            conn.execute(
                "UPDATE athletes SET settings_json=? WHERE athlete_id=?",
                (json.dumps(settings), athlete_id),
            )
        return settings

    def load_overrides(self, athlete_id: str) -> dict[str, str]:
        """activity_id -> load method the athlete chose for that activity (``coachkit settings``)."""
        rows = self.conn.execute(
            "SELECT activity_id, load_method FROM activity_settings WHERE athlete_id=?"
            " ORDER BY activity_id",
            (check_athlete_id(athlete_id),),
        ).fetchall()
        return {r[0]: r[1] for r in rows}

    def set_load_override(self, activity_id: str, load_method: str | None) -> str:
        """Choose (or with None, clear) one activity's load method; returns its athlete id.

        The method is checked by the caller (:data:`coachkit.features.load.LOAD_METHODS`).
        """
        with self.transaction() as conn:
            row = conn.execute(
                "SELECT athlete_id FROM activities WHERE activity_id=?", (activity_id,)
            ).fetchone()
            if row is None:
                raise StoreError(
                    f"no activity {activity_id!r} in the store at {self.root}: "
                    "`coachkit activities` lists the ids"
                )
            if load_method is None:
                conn.execute("DELETE FROM activity_settings WHERE activity_id=?", (activity_id,))
            else:
                conn.execute(
                    "INSERT OR REPLACE INTO activity_settings VALUES (?, ?, ?, ?)",
                    (activity_id, row[0], load_method, utc_now_iso()),
                )
        return str(row[0])

    def sources(self, athlete_id: str | None = None) -> pd.DataFrame:
        """The manifest: every unit ever ingested with its status and reason."""
        where, params = ("WHERE athlete_id=?", (athlete_id,)) if athlete_id else ("", ())
        return self._frame(f"SELECT * FROM sources {where} ORDER BY seq", params)

    def linked_sources(self, activity_id: str) -> pd.DataFrame:
        return self._frame(
            "SELECT * FROM activity_sources WHERE activity_id=? ORDER BY priority DESC",
            (activity_id,),
        )

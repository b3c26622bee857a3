"""The store's files beside the catalog: the raw originals and one parquet file of samples per
activity, written beside their final name and renamed after the catalog commits, and the
recovery that finishes or undoes such a write after a crash (docs/design.md §4).

:class:`SampleFiles` is one part of :class:`coachkit.store.Store`, which gives it ``root``,
``raw_dir``, ``samples_dir``, ``conn`` and ``transaction``.
"""

from __future__ import annotations

import os
import re
import sqlite3
from pathlib import Path
from typing import TYPE_CHECKING

from coachkit.core.files import atomic_write_bytes
from coachkit.store.base import StoreError, check_athlete_id
from coachkit.store.rebuild import finish_samples_swap

if TYPE_CHECKING:
    import pandas as pd

ACTIVITY_ID_RE = re.compile(r"[0-9a-f]{16}")
PENDING = ".pending-"


class SampleFiles:
    """Raw originals (``raw/<sha256>``) and samples (``samples/athlete_id=<id>/<id>.parquet``)."""

    raw_dir: Path
    samples_dir: Path
    conn: sqlite3.Connection

    def raw_path(self, sha256: str) -> Path:
        """Where the original with this content hash is (or would be) kept."""
        return self.raw_dir / sha256

    def put_raw(self, sha256: str, data: bytes) -> None:
        """Keep the original bytes, content-addressed; writing the same content twice is a no-op."""
        path = self.raw_path(sha256)
        if not path.exists():
            atomic_write_bytes(path, data)

    def samples_path(self, athlete_id: str, activity_id: str) -> Path:
        """Where the activity's samples file is (or would be); both ids are checked first."""
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
        """Rename a staged samples file to its final name (after its unit committed)."""
        os.replace(pending, pending.with_name(pending.name.split(PENDING, 1)[0]))

    def recover(self) -> int:
        """Finish or undo writes interrupted by a crash; return how many sample files were fixed.

        Two kinds: a rebuild whose catalog committed but whose samples swap did not finish
        (``meta.rebuild_samples``, written in the same transaction, says so), and samples
        staged for a unit whose transaction did or did not commit.
        """
        finish_samples_swap(self)  # self is the Store this class is part of
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

    def read_samples(self, athlete_id: str, activity_id: str) -> pd.DataFrame:
        """The samples frame of one activity (empty frame with canonical columns if it has none)."""
        import pandas as pd

        from coachkit.core.schemas import SAMPLE_COLUMNS, empty_frame

        path = self.samples_path(athlete_id, activity_id)
        if not path.exists():
            return empty_frame(SAMPLE_COLUMNS)
        return pd.read_parquet(path)

    # -- run summaries: what a run's samples come down to, kept beside them ----------------------
    def samples_stamp(self, athlete_id: str, activity_id: str) -> str | None:
        """The samples file's size and modification time (``"size:mtime_ns"``), which change
        whenever it is rewritten; None when the activity has no samples file."""
        try:
            st = self.samples_path(athlete_id, activity_id).stat()
        except FileNotFoundError:
            return None
        return f"{st.st_size}:{st.st_mtime_ns}"

    def run_summaries(self, athlete_id: str) -> dict[str, tuple[str, str]]:
        """activity_id -> (key, JSON body) of every summary stored for the athlete."""
        rows = self.conn.execute(
            "SELECT activity_id, key, body FROM run_summaries WHERE athlete_id=?", (athlete_id,)
        ).fetchall()
        return {r["activity_id"]: (r["key"], r["body"]) for r in rows}

    def save_run_summaries(self, athlete_id: str, rows: list[tuple[str, str, str]]) -> bool:
        """Store ``(activity_id, key, body)`` rows in one transaction, replacing older ones.

        A cache: when the catalog cannot be written now (read-only, or busy past the timeout)
        nothing is stored and False is returned; the summaries are computed again next time."""
        try:
            with self.transaction() as conn:  # type: ignore[attr-defined]
                conn.executemany(
                    "INSERT OR REPLACE INTO run_summaries (athlete_id, activity_id, key, body) "
                    "VALUES (?, ?, ?, ?)",
                    [(athlete_id, *row) for row in rows],
                )
        except sqlite3.OperationalError:
            return False
        return True

"""Checks of a store's health for ``coachkit doctor``: is the catalog intact and in WAL mode,
are the originals and samples files the catalog points at on disk, what is quarantined."""

from __future__ import annotations

from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from coachkit.store import Store


def integrity(store: Store) -> str:
    """SQLite's own integrity check of the catalog: ``"ok"`` or what is wrong."""
    return store.conn.execute("PRAGMA integrity_check").fetchone()[0]


def journal_mode(store: Store) -> str:
    """The catalog's journal mode (``"wal"`` for a store coachkit opened)."""
    return store.conn.execute("PRAGMA journal_mode").fetchone()[0]


def missing_raw(store: Store) -> list[str]:
    """sha256 of every unit read (not quarantined) whose original is not in raw/."""
    return [
        r["sha256"]
        for r in store.conn.execute("SELECT sha256 FROM sources WHERE status != 'quarantined'")
        if not store.raw_path(r["sha256"]).exists()
    ]


def missing_samples(store: Store) -> list[str]:
    """Ids of activities with samples whose samples file is not on disk."""
    return [
        r["activity_id"]
        for r in store.conn.execute(
            "SELECT athlete_id, activity_id FROM activities WHERE has_samples=1"
        )
        if not store.samples_path(r["athlete_id"], r["activity_id"]).exists()
    ]


def quarantined_count(store: Store) -> int:
    """How many units the manifest holds as quarantined."""
    return store.conn.execute("SELECT COUNT(*) FROM sources WHERE status='quarantined'").fetchone()[
        0
    ]

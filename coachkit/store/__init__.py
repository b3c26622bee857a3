"""The store: the only layer that reads or writes the catalog (SQLite) and the samples (parquet).

A store is a folder: ``catalog.sqlite`` (WAL mode, numbered migrations), one parquet file of
samples per activity under ``samples/athlete_id=<id>/``, and ``raw/<sha256>``, the original
bytes of every imported file, so that the catalog can always be rebuilt. See
``docs/architecture.md`` for the layers and ``data/README.md`` for the on-disk contract.
"""

from __future__ import annotations

from coachkit.store.base import (
    DEFAULT_STORE,
    StoreError,
    check_athlete_id,
    resolve_store_path,
    utc_now_iso,
)
from coachkit.store.catalog import Store

__all__ = [
    "DEFAULT_STORE",
    "Store",
    "StoreError",
    "check_athlete_id",
    "resolve_store_path",
    "utc_now_iso",
]

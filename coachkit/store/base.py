"""What every part of the store shares: where a store is, which athlete ids it accepts, the
error a user can act on, and the timestamp format of the catalog's rows."""

from __future__ import annotations

import os
import re
from datetime import datetime, timezone
from pathlib import Path

from coachkit.core.files import fs_text

DEFAULT_STORE = Path("data") / "store"
ATHLETE_ID_RE = re.compile(r"[A-Za-z0-9][A-Za-z0-9_.-]{0,63}")


class StoreError(RuntimeError):
    """A store problem a user can act on (a bad athlete id, a newer schema, a missing store)."""


def resolve_store_path(path: str | os.PathLike[str] | None = None) -> Path:
    """``--store`` if given, else ``$COACHKIT_STORE``, else ``./data/store``."""
    if path:
        return Path(path)
    env = os.environ.get("COACHKIT_STORE")
    return Path(env) if env else DEFAULT_STORE


def store_dir_problem(root: Path, catalog_name: str = "catalog.sqlite") -> str | None:
    """Why ``root`` cannot hold a store, in one line; None when it can (or can be created).

    Every command writes there, readers too: SQLite keeps the journal of a WAL catalog beside it.
    """
    where = fs_text(root)
    try:
        if root.exists() and not root.is_dir():
            return (
                f"the store path {where} is a file, not a folder: give --store a folder "
                "(one that does not exist yet is created)"
            )
        if not root.exists():
            for parent in root.parents:
                if parent.exists():
                    if not parent.is_dir():
                        return (
                            f"the store path {where} is inside {fs_text(parent)}, which is a file"
                        )
                    break
            return None
    except OSError as exc:
        return f"the store path {where} cannot be looked at ({exc.strerror or exc})"
    if not os.access(root, os.R_OK | os.X_OK):
        return (
            f"the store folder {where} cannot be read (permission denied): check its owner and mode"
        )
    catalog = root / catalog_name
    if not os.access(root, os.W_OK) or (catalog.exists() and not os.access(catalog, os.W_OK)):
        return (
            f"the store folder {where} is read-only: coachkit writes there even to read "
            "(the catalog's journal); make it writable or copy the store somewhere writable"
        )
    return None


def check_athlete_id(athlete_id: str) -> str:
    """Return ``athlete_id`` if it is safe to use in a path; raise StoreError otherwise."""
    if not isinstance(athlete_id, str) or not ATHLETE_ID_RE.fullmatch(athlete_id):
        raise StoreError(
            f"invalid athlete id {athlete_id!r}: use 1-64 letters, digits, '.', '_' or '-', "
            "starting with a letter or digit"
        )
    return athlete_id


def utc_now_iso() -> str:
    """Now in UTC, as the catalog's rows record it (``2021-03-17T06:30:00.123456Z``)."""
    return datetime.now(timezone.utc).strftime("%Y-%m-%dT%H:%M:%S.%fZ")

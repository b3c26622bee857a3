"""``coachkit doctor``: check the environment and the store, each check with what to do next."""

from __future__ import annotations

import importlib.util
import os
import shutil
import sqlite3
from collections.abc import Iterator
from pathlib import Path

from coachkit.core.extras import install_command, missing_message
from coachkit.store import resolve_store_path
from coachkit.store.base import store_dir_problem

Check = tuple[str, str, str]  # (ok|warn|fail, label, detail)

_REQUIRED = ("pandas", "polars", "pyarrow", "fitfast", "fitdecode", "defusedxml", "typer", "rich")
#: optional package -> what needs it (coachkit.core.extras names the extra and the command)
_OPTIONAL = {
    "voila": "the dashboard",
    "icalendar": "plan export --format ics",
    "fit_tool": "plan export --format fit",
    "papermill": "notebooks and reports",
    "requests": "Strava sync",
    "garminconnect": "Garmin Connect sync",
    "dask": "scale-out (--scheduler)",
}


def run_checks(store: str | os.PathLike[str] | None = None) -> Iterator[Check]:
    for mod in _REQUIRED:
        found = importlib.util.find_spec(mod) is not None
        yield (
            "ok" if found else "fail",
            f"package {mod}",
            "installed"
            if found
            else f"missing: in your coachkit clone run {install_command()} (or make test, "
            "which sets up .venv)",
        )
    for mod, what in _OPTIONAL.items():
        found = importlib.util.find_spec(mod) is not None
        yield (
            "ok" if found else "warn",
            f"package {mod}",
            "installed" if found else f"missing: {missing_message(mod, what)}",
        )
    yield from _credential_checks()
    chromium = shutil.which("chromium") or shutil.which("chromium-browser")
    yield (
        "ok" if chromium else "warn",
        "chromium",
        chromium or "not found: only the dashboard browser tests need it",
    )
    root = Path(resolve_store_path(store))
    problem = store_dir_problem(root)
    if problem:
        yield ("fail", "store", problem)
        return
    catalog = root / "catalog.sqlite"
    if not catalog.exists():
        yield (
            "warn",
            "store",
            f"no store at {root} yet: `coachkit ingest PATH --athlete ID` creates one",
        )
        return
    from coachkit.store import Store, StoreError
    from coachkit.store.health import (
        integrity,
        journal_mode,
        missing_raw,
        missing_samples,
        quarantined_count,
    )

    try:
        s = Store(root, create=False)
    except (StoreError, sqlite3.DatabaseError) as exc:
        yield ("fail", "store", str(exc))
        return
    verdict = integrity(s)
    yield ("ok" if verdict == "ok" else "fail", "catalog integrity", verdict)
    mode = journal_mode(s)
    yield ("ok" if mode == "wal" else "warn", "journal mode", mode)
    yield ("ok", "schema version", str(s.schema_version))
    missing = missing_raw(s)
    yield (
        "ok" if not missing else "fail",
        "raw originals",
        "all present"
        if not missing
        else f"{len(missing)} missing: the store cannot be rebuilt from raw/",
    )
    no_samples = missing_samples(s)
    yield (
        "ok" if not no_samples else "fail",
        "samples files",
        "all present" if not no_samples else f"{len(no_samples)} missing: run `coachkit rebuild`",
    )
    n_q = quarantined_count(s)
    yield (
        "ok" if not n_q else "warn",
        "quarantine",
        f"{n_q} file(s) quarantined: `coachkit ingest` prints why" if n_q else "empty",
    )
    for a in s.athletes():
        yield (
            "ok",
            f"athlete {a['athlete_id']}",
            f"{a['n_activities']} activities ({a['first'] or '-'} .. {a['last'] or '-'}), {a['n_wellness_days']} wellness days",
        )


def _credential_checks() -> Iterator[Check]:
    """Saved Strava/Garmin sessions must be readable by their owner only (mode 0600)."""
    from coachkit.app.sync.tokens import config_dir

    root = config_dir()
    files = sorted((root / "strava" / "tokens").glob("*.json")) + sorted(
        (root / "garmin").glob("*/garmin_tokens.json")
    )
    loose = [p for p in files if p.stat().st_mode & 0o077]
    if files:
        yield (
            "ok" if not loose else "fail",
            "sync credentials",
            f"{len(files)} saved session(s) in {root}, owner-only"
            if not loose
            else f"readable by others: {', '.join(map(str, loose))}: run chmod 600 on them",
        )

"""Shared fixtures. Tests that need the real files in ../shared/data/real skip with a clear reason."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parents[1]
SHARED = Path(os.environ.get("COACHKIT_SHARED", REPO.parent / "shared")).resolve()
REAL = SHARED / "data" / "real"
BENCHMARKS = SHARED / "data" / "benchmarks"
SAMPLE = REPO / "data" / "sample"

_MISSING = (
    f"needs the real data folder {REAL} (the steering repo's shared/data/real, beside this "
    "checkout); set COACHKIT_SHARED to point elsewhere"
)


@pytest.fixture(scope="session")
def real_dir() -> Path:
    """The real-data folder; skips the test when it is absent (e.g. for a user's own clone)."""
    if not REAL.is_dir():
        pytest.skip(_MISSING)
    return REAL


def real_file(relpath: str) -> Path:
    """Path of one real file, skipping the calling test when the folder is absent."""
    path = REAL / relpath
    if not path.exists():
        pytest.skip(_MISSING if not REAL.is_dir() else f"missing real file {relpath}")
    return path


@pytest.fixture()
def store_dir(tmp_path: Path) -> Path:
    return tmp_path / "store"

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


#: the coach's roster used by the report and roster tests: three real histories + the demo
COACH_ATHLETES = {
    "demo": None,
    "recife": "athlete_history/runpandas_recife_runner",
    "intervals": "athlete_history/intervals_icu_runner",
    "elevate": "athlete_history/elevate_multisport_athlete",
}


@pytest.fixture(scope="session")
def coach_store(tmp_path_factory) -> Path:
    """A store holding the demo athlete and the three real athlete histories (built once;
    copy it before changing it). Skips when ../shared/data/real is absent."""
    from coachkit.app.ingest import ingest
    from coachkit.store import Store

    paths = {a: SAMPLE if rel is None else real_file(rel) for a, rel in COACH_ATHLETES.items()}
    root = tmp_path_factory.mktemp("coach") / "store"
    store = Store(root)
    for athlete, path in paths.items():
        ingest(store, [path], athlete)
    store.close()
    return root


def watch_plan_store(tmp_path_factory, name: str) -> Path:
    """A store with two weeks of the sample's watch runs (they end 2020-12-13) and a 10 km plan
    from the Monday after, 2020-12-14, four days a week."""
    from datetime import date

    from coachkit.app.coach import create_plan
    from coachkit.app.ingest import ingest
    from coachkit.coach.plan import Goal
    from coachkit.store import Store

    root = tmp_path_factory.mktemp(name) / "store"
    s = Store(root)
    ingest(s, sorted((SAMPLE / "activities" / "watch_tcx").glob("*.tcx.gz")), "demo")
    goal = Goal(race_distance_m=10_000.0, race_date=date(2021, 2, 28))
    create_plan(s, "demo", goal, start="2020-12-14", days_per_week=4)
    s.close()
    return root

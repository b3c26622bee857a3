"""`coachkit ingest ../shared/data/real` handles every file: each one is parsed or quarantined
with a one-line reason, never a crash; the same run in several formats becomes one activity."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest

from coachkit.store import Store
from tests.conftest import REPO


def cli_ingest(real_dir: Path, root: Path) -> dict:
    """Run `coachkit ingest REAL --json` in a real subprocess; return its JSON report."""
    proc = subprocess.run(
        [sys.executable, "-m", "coachkit.cli", "ingest", str(real_dir), "--athlete", "x"]
        + ["--store", str(root), "--json"],
        cwd=REPO,
        capture_output=True,
        text=True,
        timeout=900,
    )
    assert proc.returncode == 0, proc.stderr[-2000:]
    return json.loads(proc.stdout)


@pytest.fixture(scope="module")
def real_ingest(real_dir, tmp_path_factory):
    root = tmp_path_factory.mktemp("real") / "store"
    report = cli_ingest(real_dir, root)
    by_file: dict[str, list[dict]] = {}
    for o in report["files"]:
        by_file.setdefault(o["name"].split("::")[0], []).append(o)
    return Store(root), report, by_file


def test_every_real_file_is_imported_or_quarantined_with_a_reason(real_ingest, real_dir):
    _, _, by_file = real_ingest
    files = sorted(p for p in real_dir.rglob("*") if p.is_file() and not p.name.startswith("."))
    missing = [str(p) for p in files if str(p) not in by_file]
    assert not missing, missing
    for path, outcomes in by_file.items():
        for o in outcomes:
            assert o["status"] in {"new", "merged", "unchanged", "skipped", "quarantined"}
            if o["status"] in ("quarantined", "skipped"):
                assert o["reason"] and "\n" not in o["reason"], (path, o)
                # a reason that names a Python exception means a reader bug, not a bad file
                assert "could not be read (" not in o["reason"], (path, o["reason"])


@pytest.mark.parametrize(
    "name, expected",
    [
        ("fit/odd_elevate_empty.fit", "empty"),
        ("gpx/odd_sportslib_6037744996_unbound_prefix.gpx", None),
        ("tcx/odd_runpandas_malformed.tcx", None),
        ("strava_api/stravalib_athlete.3.json", "athlete profile"),
        ("strava_api/stravalib_strava_swagger.json", "API description"),
    ],
)
def test_odd_files_get_the_verdict_they_deserve(real_ingest, real_dir, name, expected):
    _, _, by_file = real_ingest
    outcomes = by_file[str(real_dir / name)]
    if expected is None:  # malformed XML that still holds a run: recovered, with a warning
        assert all(o["status"] in ("new", "merged", "quarantined") for o in outcomes)
    else:
        assert all(o["status"] in ("quarantined", "skipped") for o in outcomes)
        assert any(expected.lower() in o["reason"].lower() for o in outcomes), outcomes


@pytest.mark.parametrize(
    "files",
    [
        # SOURCES.md, "Same activity in several formats"
        [
            "fit/heartandsole_testdata_fr220.fit",
            "gpx/heartandsole_testdata_fr220.gpx",
            "tcx/heartandsole_testdata_fr220.tcx",
        ],
        ["fit/gc_FR15_10k_race_noHR.fit", "tcx/gc_FR15_10k_race_noHR.tcx"],
        [
            "fit/sportslib_2067489619_vivoactiveHR_run.fit",
            "gpx/sportslib_2067489619_vivoactiveHR_run.gpx",
        ],
        ["gpx/runpandas_run_tomtom_noHR.gpx", "tcx/runpandas_run_tomtom_noHR.tcx"],
        ["tcx/runpandas_basic_fr410_run.tcx", "tcx/python-tcxparser_no_hr_fr410_run.tcx"],
    ],
    ids=[
        "fr220-fit-gpx-tcx",
        "fr15-fit-tcx",
        "vivoactive-fit-gpx",
        "tomtom-gpx-tcx",
        "fr410-tcx-twice",
    ],
)
def test_same_run_in_several_formats_is_one_activity(real_ingest, real_dir, files):
    store, _, _ = real_ingest
    names = [str(real_dir / f) for f in files]
    rows = store.conn.execute(
        f"SELECT DISTINCT activity_id FROM activity_sources WHERE source_file IN ({','.join('?' * len(names))})",
        names,
    ).fetchall()
    assert len(rows) == 1, f"{files} gave {len(rows)} activities"
    linked = store.linked_sources(rows[0][0])
    assert set(linked["source_file"]) >= set(names)  # the recovered odd_ copy of FR410 links too
    primary = linked[linked["is_primary"] == 1]["source_kind"].tolist()
    order = {"fit": 3, "tcx": 2, "gpx": 1}
    best = max((Path(f).suffix.lstrip(".") for f in files), key=order.get)
    assert primary == [best]


def test_no_activity_is_flagged_hr_plausible_when_it_is_not(real_ingest, real_dir):
    store, _, _ = real_ingest
    acts = store.activities("x")
    row = acts[acts["source_file"] == str(real_dir / "fit/odd_elevate_flagged-hr_strength.fit")]
    assert len(row) == 1
    assert "hr_implausible" in row["quality_flags"].iloc[0]  # SOURCES.md: avg 234 bpm
    nohr = acts[
        acts["source_file"] == str(real_dir / "gpx/sportslib_6909258631_trail_40km_noHR.gpx")
    ]
    assert "no_hr" in nohr["quality_flags"].iloc[0]


def test_reingest_of_real_folder_is_a_no_op(real_ingest, real_dir):
    store, report, _ = real_ingest
    again = cli_ingest(real_dir, store.root)
    assert {o["status"] for o in again["files"]} == {"unchanged"}
    assert again["totals"]["new_activities"] == 0

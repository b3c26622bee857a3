"""The store's commands as a script sees them (docs/design.md §8, §9): init, ingest --strict, athletes,
activities --format csv|json, wellness, doctor and rebuild, on the demo athlete of data/sample.

Expected values come from the files themselves, not from coachkit: start times from the NRC GPX
and watch TCX file names, the HRV figures from the first row of the HRV4Training CSV and from
data/sample/README.md, the activity count from the file list (worked out below).
"""

from __future__ import annotations

import csv
import io
import json
import os
import re
import shutil
import sqlite3
import subprocess
import sys
from pathlib import Path

import pytest
from typer.testing import CliRunner

from coachkit.cli import app
from tests.conftest import REPO, SAMPLE

# docs/design.md §3 "activities", in the order written there
DESIGN_ACTIVITY_COLUMNS = [
    "athlete_id", "activity_id", "sport", "start_time", "utc_offset_s", "tz_name", "tz_source",
    "elapsed_time_s",
    "moving_time_s", "distance_m", "elevation_gain_m", "avg_hr", "max_hr", "avg_cadence_spm",
    "avg_power_w", "name", "device", "source_kind", "source_file", "has_samples",
    "quality_flags", "load", "load_method",
]  # fmt: skip
# what `activities` adds after them: the local start and day, why a load is what it is, or
# why there is none
EXTRA_ACTIVITY_COLUMNS = ["start_time_local", "date", "load_note", "excluded_reason"]
ISO_UTC = re.compile(r"^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ$")

# 48 NRC GPX runs (one per file) + 3 watch TCX runs that no GPX matches (2020-12-04 19:09,
# 12-16 05:44 and 12-20 05:50 local) + the 2021-01-10 run (TCX and Strava GPX: one activity)
# = 52 activities. Merged into an existing one: 5 watch TCX (12-02, 12-06, 12-08, 12-13, 12-26
# start within 60 s of an NRC GPX), the Nike API JSON of 2020-08-07, the Strava activity and
# streams of 2020-12-06, and the 2021-01-10 Strava GPX = 9.
N_ACTIVITIES, N_MERGED = 52, 9
FIRST_START, LAST_START = "2020-07-03T09:50:53Z", "2021-03-14T10:06:16Z"  # NRC file names
# data/sample/README.md: 119 morning readings, 2020-11-14 .. 2021-03-12; first CSV row:
# "2020-11-14 09:56:21 +0000,43.92,1364.75,84.05,67.54,..." (HR, AVNN, SDNN, rMSSD)
N_WELLNESS, FIRST_DAY, LAST_DAY = 119, "2020-11-14", "2021-03-12"

runner = CliRunner()


def cli(*args: str, code: int | None = 0):
    """Run ``coachkit ARGS`` in-process; check the exit code unless ``code`` is None."""
    result = runner.invoke(app, list(args), catch_exceptions=False)
    if code is not None:
        assert result.exit_code == code, result.output
    return result


def run_module(*args: str) -> subprocess.CompletedProcess:
    """``python -m coachkit.cli ARGS`` in a real process, as an outside script calls it."""
    cmd = [sys.executable, "-m", "coachkit.cli", *args]
    env = dict(os.environ, COLUMNS="200")  # rich tables: no wrapping inside the reasons
    return subprocess.run(cmd, cwd=REPO, capture_output=True, text=True, timeout=300, env=env)


def rows(text: str) -> list[dict[str, str]]:
    return list(csv.DictReader(io.StringIO(text)))


@pytest.fixture(scope="module")
def store(tmp_path_factory) -> Path:
    root = tmp_path_factory.mktemp("cli_store") / "store"
    out = cli("init", "--store", str(root)).output
    assert f"Store ready at {root}" in out
    # nothing in data/sample is quarantined (its README is skipped as not training data)
    report = json.loads(
        cli("ingest", str(SAMPLE), "--athlete", "demo", "--store", str(root), "--strict", "--json")
        .output
    )  # fmt: skip
    t = report["totals"]
    assert (t["new_activities"], t["merged_activities"]) == (N_ACTIVITIES, N_MERGED)
    assert (t["quarantined"], t["error"], t["wellness_days"]) == (0, 0, N_WELLNESS)
    return root


@pytest.fixture(scope="module")
def activities_csv(store) -> str:
    """``activities --format csv`` from a real process (computing loads takes a few seconds)."""
    proc = run_module("activities", "--athlete", "demo", "--store", str(store), "--format", "csv")
    assert proc.returncode == 0, proc.stderr
    return proc.stdout


def test_init_creates_an_empty_wal_store_and_is_idempotent(tmp_path):
    root = tmp_path / "fresh"
    first = cli("init", "--store", str(root)).output
    assert re.search(r"schema version \d+", first)
    assert cli("init", "--store", str(root)).output == first  # a second init changes nothing
    with sqlite3.connect(root / "catalog.sqlite") as conn:
        assert conn.execute("PRAGMA journal_mode").fetchone()[0] == "wal"
    assert json.loads(cli("athletes", "--store", str(root), "--format", "json").output) == []
    header = cli("activities", "--store", str(root), "--format", "csv").output.splitlines()
    assert header == [",".join(DESIGN_ACTIVITY_COLUMNS + EXTRA_ACTIVITY_COLUMNS)]


def test_commands_on_a_missing_store_say_how_to_make_one(tmp_path):
    for cmd in ("athletes", "activities", "wellness"):
        result = cli(cmd, "--store", str(tmp_path / "nowhere"), code=2)
        assert "coachkit init" in result.output and "Traceback" not in result.output
    assert not (tmp_path / "nowhere").exists()  # reading commands never create a store


def test_reingest_changes_nothing(store):
    report = json.loads(
        cli("ingest", str(SAMPLE), "--athlete", "demo", "--store", str(store), "--json").output
    )
    t = report["totals"]
    assert t["unchanged"] == t["files"] and t["new_activities"] == t["merged_activities"] == 0


def test_athletes_lists_the_demo_runner(store):
    (demo,) = json.loads(cli("athletes", "--store", str(store), "--format", "json").output)
    assert demo["athlete_id"] == "demo"
    assert (demo["n_activities"], demo["n_wellness_days"]) == (N_ACTIVITIES, N_WELLNESS)
    assert (demo["first"], demo["last"]) == (FIRST_START, LAST_START)
    (row,) = rows(cli("athletes", "--store", str(store), "--format", "csv").output)
    assert row["athlete_id"] == "demo" and int(row["n_activities"]) == N_ACTIVITIES


def test_activities_csv_has_the_design_columns_and_iso_utc_start_times(activities_csv):
    header = activities_csv.splitlines()[0].split(",")
    assert header == DESIGN_ACTIVITY_COLUMNS + EXTRA_ACTIVITY_COLUMNS
    table = rows(activities_csv)
    assert len(table) == N_ACTIVITIES
    assert len({r["activity_id"] for r in table}) == N_ACTIVITIES
    assert {r["athlete_id"] for r in table} == {"demo"}
    starts = [r["start_time"] for r in table]
    assert all(ISO_UTC.match(s) for s in starts), starts[:3]
    assert (min(starts), max(starts)) == (FIRST_START, LAST_START)
    # the 2020-12-06 run came as NRC GPX, watch TCX, Strava activity and Strava streams: one row,
    # from the TCX (docs/design.md §3 priority: device FIT > TCX > GPX > streams), whose file name says
    # 06:36:21 at UTC-3
    (dec6,) = [r for r in table if r["start_time"].startswith("2020-12-06")]
    assert dec6["source_kind"] == "tcx" and dec6["start_time"] == "2020-12-06T09:36:21Z"
    assert dec6["utc_offset_s"] == "-10800"
    assert dec6["source_file"].endswith("2020-12-06T06_36_21-300_Running.tcx")


def test_activities_json_holds_the_same_rows_as_csv(store, activities_csv):
    table = rows(activities_csv)
    records = json.loads(cli("activities", "--store", str(store), "--format", "json").output)
    assert [r["activity_id"] for r in records] == [r["activity_id"] for r in table]
    assert list(records[0]) == DESIGN_ACTIVITY_COLUMNS + EXTRA_ACTIVITY_COLUMNS
    for rec, row in zip(records, table):
        assert rec["start_time"] == row["start_time"]
        assert (
            isinstance(rec["has_samples"], bool) and str(rec["has_samples"]) == row["has_samples"]
        )
        assert rec["distance_m"] == pytest.approx(float(row["distance_m"]), rel=1e-9)


def test_activities_of_an_unknown_athlete_is_a_plain_error(store):
    result = cli("activities", "--store", str(store), "--athlete", "nobody", code=2)
    assert "no athlete 'nobody'" in result.output and "demo" in result.output


def test_wellness_lists_the_hrv_export(store):
    args = ("wellness", "--athlete", "demo", "--store", str(store))
    table = rows(cli(*args, "--format", "csv").output)
    assert len(table) == N_WELLNESS
    assert (table[0]["date"], table[-1]["date"]) == (FIRST_DAY, LAST_DAY)
    first = table[0]
    assert (float(first["rmssd_ms"]), float(first["resting_hr"])) == (67.54, 43.92)
    assert float(first["ln_rmssd"]) == pytest.approx(4.21272, abs=1e-5)  # ln(67.54)
    assert first["source"] == "hrv4training"
    records = json.loads(cli(*args, "--format", "json").output)
    assert [r["date"] for r in records] == [r["date"] for r in table]
    assert records[0]["sleep_s"] is None  # HRV4Training has no sleep column: null, not 0


def test_doctor_passes_on_a_healthy_store_and_fails_on_a_missing_samples_file(
    store, activities_csv, tmp_path
):
    ok = cli("doctor", "--store", str(store)).output
    assert "[ok  ] catalog integrity: ok" in ok and "[ok  ] journal mode: wal" in ok
    assert f"athlete demo: {N_ACTIVITIES} activities" in ok and "FAIL" not in ok
    broken = tmp_path / "broken"
    shutil.copytree(store, broken)
    victim = sorted((broken / "samples" / "athlete_id=demo").glob("*.parquet"))[0]
    victim.unlink()
    out = cli("doctor", "--store", str(broken), code=1).output
    assert "[FAIL] samples files: 1 missing: run `coachkit rebuild`" in out
    # rebuild re-parses raw/ into a fresh catalog: the file is back and nothing else changed
    rebuilt = cli("rebuild", "--store", str(broken)).output
    assert f"{N_ACTIVITIES} activities, {N_MERGED} merged, {N_WELLNESS} wellness days" in rebuilt
    assert "0 quarantined" in rebuilt
    assert victim.exists()
    assert "FAIL" not in cli("doctor", "--store", str(broken)).output
    after = cli("activities", "--athlete", "demo", "--store", str(broken), "--format", "csv")
    assert after.output == activities_csv


def test_ingest_strict_fails_when_a_file_is_quarantined_and_the_rest_lands(tmp_path):
    folder = tmp_path / "mixed"
    folder.mkdir()
    good = SAMPLE / "activities" / "nrc_gpx" / "2020-07-03T095053Z_d38c6a8b-f058-4716-a994-4d2c80e55c3c.gpx.gz"  # fmt: skip
    shutil.copy(good, folder)
    (folder / "empty.fit").write_bytes(b"")
    (folder / "cut.tcx").write_text(
        '<?xml version="1.0"?>\n<TrainingCenterDatabase><Activities><Activity Sport="Running">'
    )
    strict = tmp_path / "strict"
    proc = run_module("ingest", str(folder), "--athlete", "t", "--store", str(strict), "--strict")
    assert proc.returncode == 1, proc.stdout + proc.stderr
    assert "empty.fit" in proc.stdout and "empty file" in proc.stdout
    assert "cut.tcx" in proc.stdout and "malformed XML" in proc.stdout
    assert "1 new activities" in proc.stdout and "2 quarantined" in proc.stdout
    # the good run landed all the same
    (t,) = json.loads(cli("athletes", "--store", str(strict), "--format", "json").output)
    assert t["n_activities"] == 1 and t["first"] == FIRST_START
    # without --strict the same batch exits 0
    lax = run_module("ingest", str(folder), "--athlete", "t", "--store", str(tmp_path / "lax"))
    assert lax.returncode == 0, lax.stdout + lax.stderr
    assert "2 quarantined" in lax.stdout


_PROBE = """
import json, sys
from typer.testing import CliRunner
from coachkit.cli import app
r = CliRunner().invoke(app, ["ingest", *sys.argv[1:], "--json"], catch_exceptions=False)
assert r.exit_code == 0, r.output
print(json.dumps({"report": json.loads(r.output), "pandas": "pandas" in sys.modules}))
"""


def probe_ingest(*args: str) -> dict:
    """``coachkit ingest ARGS --json`` in a fresh interpreter, and whether it imported pandas."""
    proc = subprocess.run(
        [sys.executable, "-c", _PROBE, *args], cwd=REPO, capture_output=True, text=True,
        timeout=300,
    )  # fmt: skip
    assert proc.returncode == 0, proc.stderr
    return json.loads(proc.stdout)


def test_unchanged_reingest_is_answered_from_the_manifest_without_pandas(store):
    out = probe_ingest(str(SAMPLE), "--athlete", "demo", "--store", str(store))
    assert out["pandas"] is False
    totals = out["report"]["totals"]
    assert totals["unchanged"] == totals["files"] == len(out["report"]["files"]) > 60
    # the same report as the full ingest gives
    from coachkit.app.ingest import ingest
    from coachkit.store import Store

    full = ingest(Store(store), [SAMPLE], "demo")
    assert out["report"]["files"] == [o.__dict__ for o in full.outcomes]


def test_a_touched_file_is_checked_by_content_then_the_fast_path_returns(tmp_path):
    folder = tmp_path / "two"
    folder.mkdir()
    for name in ("2020-07-03T095053Z_d38c6a8b-f058-4716-a994-4d2c80e55c3c.gpx.gz",
                 "2020-07-05T093320Z_26004849-dc57-4e48-bc16-11196ca043ad.gpx.gz"):  # fmt: skip
        shutil.copy(SAMPLE / "activities" / "nrc_gpx" / name, folder)
    args = (str(folder), "--athlete", "t", "--store", str(tmp_path / "s"))
    first = probe_ingest(*args)
    assert first["report"]["totals"]["new"] == 2 and first["pandas"] is True
    touched = sorted(folder.iterdir())[0]
    os.utime(touched, ns=(touched.stat().st_atime_ns, touched.stat().st_mtime_ns + 10**9))
    second = probe_ingest(*args)  # mtime moved: the full path hashes it and knows the content
    assert second["pandas"] is True
    assert {f["status"] for f in second["report"]["files"]} == {"unchanged"}
    third = probe_ingest(*args)  # the manifest now has the new mtime
    assert third["pandas"] is False and third["report"]["totals"]["unchanged"] == 2

"""The coach's commands on the demo athlete (docs/design.md §9): plan create, today --json, log, export."""

from __future__ import annotations

import json
import subprocess
import sys

import pytest
from icalendar import Calendar

from coachkit.app.ingest import ingest
from coachkit.store import Store
from tests.conftest import REPO, SAMPLE

RUN = [sys.executable, "-m", "coachkit.cli"]


@pytest.fixture(scope="module")
def store(tmp_path_factory):
    root = tmp_path_factory.mktemp("coach") / "store"
    ingest(Store(root), [SAMPLE], "demo")
    proc = subprocess.run(
        RUN
        + [
            "plan",
            "create",
            "--store",
            str(root),
            "--race-distance-m",
            "21097.5",
            "--race-date",
            "2021-06-13",
            "--days-per-week",
            "5",
            "--date",
            "2021-03-15",
        ],
        cwd=REPO,
        capture_output=True,
        text=True,
        timeout=300,
    )
    assert proc.returncode == 0, proc.stderr
    assert "taper" in proc.stdout
    return root


def _cli(*args: str) -> subprocess.CompletedProcess:
    return subprocess.run(RUN + list(args), cwd=REPO, capture_output=True, text=True, timeout=300)


def test_today_json_has_the_design_fields_for_every_day_of_a_week(store):
    kinds = set()
    for day in range(15, 22):
        proc = _cli("today", "--store", str(store), "--date", f"2021-03-{day}", "--json")
        assert proc.returncode == 0, proc.stderr
        out = json.loads(proc.stdout)
        assert {"date", "kind", "pace_low_s_per_km", "pace_high_s_per_km", "explanation"} <= set(
            out
        )
        assert "distance_m" in out or "duration_s" in out
        assert out["date"] == f"2021-03-{day}"
        kinds.add(out["kind"])
        if out["kind"] != "rest":
            assert out["pace_low_s_per_km"] < out["pace_high_s_per_km"]
            assert any(ch.isdigit() for ch in out["explanation"])
    assert "rest" in kinds and kinds & {"easy", "long"}


def test_today_in_miles_shows_min_per_mile(store):
    out = json.loads(
        _cli(
            "today", "--store", str(store), "--date", "2021-03-21", "--units", "mi", "--json"
        ).stdout
    )
    assert out["units"] == "mi" and "/mi" in out["explanation"]


def test_a_day_outside_the_plan_says_so(store):
    proc = _cli("today", "--store", str(store), "--date", "2030-01-01")
    assert proc.returncode != 0 and "plan runs from 2021-03-15" in proc.stderr


def test_log_records_feedback(store):
    proc = _cli(
        "log",
        "--store",
        str(store),
        "--date",
        "2021-03-16",
        "--rpe",
        "9",
        "--feel",
        "1",
        "--note",
        "heavy legs",
        "--json",
    )
    assert proc.returncode == 0, proc.stderr
    out = json.loads(proc.stdout)
    assert out["feedback_id"] > 0
    fb = Store(store).feedback("demo")
    assert fb["rpe"].tolist()[-1] == 9 and fb["note"].tolist()[-1] == "heavy legs"


def test_plan_exports_to_a_calendar_and_watch_workouts(store, tmp_path):
    ics = tmp_path / "plan.ics"
    assert (
        _cli(
            "plan", "export", "--store", str(store), "--format", "ics", "--out", str(ics)
        ).returncode
        == 0
    )
    events = [c for c in Calendar.from_ical(ics.read_bytes()).walk() if c.name == "VEVENT"]
    assert len(events) > 20
    fit_dir = tmp_path / "fit"
    assert (
        _cli(
            "plan", "export", "--store", str(store), "--format", "fit", "--out", str(fit_dir)
        ).returncode
        == 0
    )
    files = sorted(fit_dir.glob("*.fit"))
    assert files and all(f.read_bytes()[8:12] == b".FIT" for f in files)


def test_log_after_two_weeks_without_running_rebuilds_and_logs_why(store):
    # the demo history ends 2021-03-14; by 2021-03-29 the runner has not run for 15 days
    proc = _cli("log", "--store", str(store), "--date", "2021-03-29", "--feel", "3", "--json")
    assert proc.returncode == 0, proc.stderr
    rules = {a["rule"] for a in json.loads(proc.stdout)["adaptations"]}
    assert {"missed", "return_to_run"} <= rules
    from coachkit.app.coach import adaptations, plan_frame

    logged = adaptations(Store(store), "demo")
    rebuild = logged[logged["rule"] == "return_to_run"]
    assert len(rebuild) and rebuild["explanation"].str.contains("15 days").all()
    frame = plan_frame(Store(store), "demo")  # the first run of the rebuilt block
    first_run = frame[(frame["date"] >= "2021-03-30") & (frame["kind"] != "rest")]["date"].min()
    after = json.loads(
        _cli("today", "--store", str(store), "--date", f"{first_run:%Y-%m-%d}", "--json").stdout
    )
    assert after["version"] >= 2 and after["kind"] in {"easy", "recovery", "rest"}

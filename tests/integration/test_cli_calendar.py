"""``coachkit plan create|adapt --busy FILE.ics --travel FROM:TO:ZONE`` end to end (issue 19):
through the command, on the sample runner's store, with a recurring weekly calendar; the plan's
own .ics export read back; and bad input (one line, exit 2)."""

from __future__ import annotations

import json
import shutil
from datetime import date
from pathlib import Path

import pytest
from typer.testing import CliRunner

from coachkit.cli import app
from coachkit.coach.workouts import HARD_KINDS
from tests.conftest import SAMPLE
from tests.unit.calendar_support import all_day, ics, timed

runner = CliRunner()
START = "2021-03-15"  # the Monday after the sample's runs
GOAL = ["--race-distance-m", "21097.5", "--race-date", "2021-06-13", "--days-per-week", "5"]
#: every Friday busy all day; every Sunday busy 06:00-20:35, so 25 min free before 21:00
WEEKLY = ics(
    all_day(date(2021, 3, 19), "Night shift", rrule="FREQ=WEEKLY"),
    timed(date(2021, 3, 21), "06:00", "20:35", "Family", rrule="FREQ=WEEKLY", tz="Europe/Berlin"),
)
SUNDAY_FREE_S = 25 * 60


@pytest.fixture(scope="module")
def sample_store(tmp_path_factory) -> Path:
    root = tmp_path_factory.mktemp("calendar") / "store"
    ok = runner.invoke(app, ["ingest", str(SAMPLE), "--athlete", "demo", "--store", str(root)])
    assert ok.exit_code == 0, ok.output
    zone = ["settings", "--athlete", "demo", "--store", str(root), "--timezone", "Europe/Berlin"]
    assert runner.invoke(app, zone).exit_code == 0
    return root


@pytest.fixture()
def store(sample_store: Path, tmp_path: Path) -> Path:
    return Path(shutil.copytree(sample_store, tmp_path / "store"))


def _run(*args: str) -> str:
    result = runner.invoke(app, list(args))
    assert result.exit_code == 0, result.output
    return result.output


def _plan(store: Path) -> list[dict]:
    return json.loads(_run("plan", "show", "--store", str(store), "--format", "json"))


def _sessions(rows: list[dict], weekday: int) -> list[dict]:
    return [
        r
        for r in rows
        if date.fromisoformat(r["date"]).weekday() == weekday and r["kind"] not in ("rest", "race")
    ]


def test_a_plan_made_with_a_recurring_busy_calendar_keeps_clear_of_it(store, tmp_path) -> None:
    busy = tmp_path / "busy.ics"
    busy.write_bytes(WEEKLY)
    create = ["plan", "create", "--store", str(store), *GOAL, "--date", START]
    _run(*create)
    plain = _plan(store)
    # without the calendar the plan runs on Fridays and has Sunday runs over 25 min
    assert _sessions(plain, 4) and max(r["duration_s"] for r in _sessions(plain, 6)) > SUNDAY_FREE_S
    out = _run(*create, "--busy", str(busy), "--units", "mi")
    rows = _plan(store)
    assert _sessions(rows, 4) == []
    assert all(r["duration_s"] <= SUNDAY_FREE_S + 1 for r in _sessions(rows, 6))
    lines = [line for line in out.splitlines() if line.startswith("  calendar: ")]
    assert lines and all(" km" not in line for line in lines)
    assert any("busy all day ('Night shift')" in line for line in lines)
    assert any(
        "shortened to 2" in line
        and "mi): 25 min free between 20:35 and 21:00 (calendar 'Family')." in line
        for line in lines
    )
    from coachkit.app.coach import adaptations
    from coachkit.store import Store

    s = Store(store)
    log = adaptations(s, "demo")
    s.close()
    logged = set(log.loc[log["rule"] == "calendar", "explanation"])
    assert logged == {line.removeprefix("  calendar: ") for line in lines}


def test_plan_adapt_re_plans_from_a_day_on_around_a_trip(store) -> None:
    _run("plan", "create", "--store", str(store), *GOAL, "--date", START)
    before = _plan(store)
    hard_sundays = [
        r["date"] for r in before if r["kind"] in HARD_KINDS and r["date"] > "2021-04-01"
    ]
    out_day, home = hard_sundays[0], hard_sundays[1]
    trip = f"{out_day}:{home}:America/New_York"
    out = _run(
        "plan", "adapt", "--store", str(store), "--travel", trip, "--date", "2021-04-01", "--json"
    )
    result = json.loads(out)
    assert result["from"] == "2021-04-01" and result["changes"]
    after = {r["date"]: r for r in _plan(store)}
    for d in (out_day, home):
        assert after[d]["kind"] not in HARD_KINDS
    assert all(after[r["date"]] == r for r in before if r["date"] < "2021-04-01")
    assert any("travel day (to America/New_York)" in c["sentence"] for c in result["changes"])


def test_the_plan_s_ics_export_reads_back_and_is_not_its_own_busy_calendar(store, tmp_path) -> None:
    import icalendar

    _run("plan", "create", "--store", str(store), *GOAL, "--date", START)
    exported = tmp_path / "plan.ics"
    _run("plan", "export", "--store", str(store), "--out", str(exported))
    cal = icalendar.Calendar.from_ical(exported.read_bytes())
    events = {str(e.decoded("dtstart")): e for e in cal.walk("VEVENT")}
    runs = {r["date"]: r for r in _plan(store) if r["kind"] != "rest"}
    assert set(events) == set(runs)
    for day, e in events.items():
        assert str(e["uid"]).endswith("@coachkit")
        assert (e.decoded("dtend") - e.decoded("dtstart")).days == 1
        assert str(e["summary"]).split()[0].lower() in {
            runs[day]["kind"],
            "easy",
            "long",
            "intervals",
        }
        assert runs[day]["purpose"] in str(e["description"])
    out = _run("plan", "adapt", "--store", str(store), "--busy", str(exported), "--date", START)
    assert (
        f"Calendar: 0 busy events read (your zone: Europe/Berlin); {len(events)} events of a coachkit plan export left out"
        in out
    )
    assert "no changes" in out
    assert {r["date"]: r for r in _plan(store) if r["kind"] != "rest"} == runs


@pytest.mark.parametrize(
    "args, expect",
    [
        (
            ["plan", "adapt", "--busy", "{tmp}/notes.txt"],
            "--busy: notes.txt is not an iCalendar (.ics) file",
        ),
        (["plan", "adapt", "--busy", "{tmp}/missing.ics"], "missing.ics is not a file"),
        (["plan", "create", *GOAL, "--busy", "{tmp}/notes.txt"], "notes.txt is not an iCalendar"),
        (["plan", "adapt"], "needs your calendar (--busy FILE.ics) or a trip"),
        (
            ["plan", "adapt", "--travel", "2021-04-01:2021-03-01:Europe/Paris"],
            "ends before it starts",
        ),
        (["plan", "adapt", "--travel", "2021-04-01:2021-04-03:Nowhere/Town"], "IANA"),
        (["plan", "create", *GOAL, "--day-window", "21:00-06:00"], "end after it starts"),
    ],
)
def test_bad_calendar_input_is_one_line_and_exit_2(store, tmp_path, args, expect) -> None:
    (tmp_path / "notes.txt").write_text("not a calendar\n")
    argv = [a.replace("{tmp}", str(tmp_path)) for a in args]
    result = runner.invoke(app, [*argv, "--store", str(store)])
    assert result.exit_code == 2, result.output
    errors = [line for line in result.output.splitlines() if line.startswith("Error")]
    assert len(errors) == 1 and expect in errors[0], result.output
    assert "Traceback" not in result.output
    assert "Plan " not in result.output  # refused before a plan was made

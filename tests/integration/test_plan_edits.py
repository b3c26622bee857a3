"""``coachkit plan move|swap|skip|replace`` on the demo athlete (issue 17): each edit is stored
as new versions of its days, shown by ``plan show`` and ``today``, logged like an adaptation
(rule ``runner_edit``), and refused with the reason (and the nearest day that keeps the
rules) when it would break one; a skipped session is not rescheduled as missed.

The demo plan (a half marathon on 2021-06-13, from 2021-03-15) runs strides on Fridays and the
long run on Sundays; hills come in on Wednesday 2021-04-07.
"""

from __future__ import annotations

import json
import re
import shutil
from datetime import date

import pytest
from typer.testing import CliRunner

from coachkit.cli import app
from coachkit.store import Store
from tests.conftest import SAMPLE

runner = CliRunner()
START = "2021-03-15"


@pytest.fixture(scope="module")
def base(tmp_path_factory):
    from coachkit.app.coach import create_plan
    from coachkit.app.ingest import ingest
    from coachkit.coach.plan import Goal

    root = tmp_path_factory.mktemp("edits") / "store"
    s = Store(root)
    ingest(s, [SAMPLE], "demo")
    goal = Goal(race_distance_m=21097.5, race_date=date(2021, 6, 13))
    create_plan(s, "demo", goal, start=START, days_per_week=5)
    s.close()
    return root


@pytest.fixture()
def store(base, tmp_path):
    root = tmp_path / "store"
    shutil.copytree(base, root)
    return root


def cli(store, *args: str):
    return runner.invoke(app, [*args, "--store", str(store)])


def plan_days(store) -> dict[str, dict]:
    out = cli(store, "plan", "show", "--format", "json")
    assert out.exit_code == 0, out.output
    return {r["date"]: r for r in json.loads(out.output)}


def today(store, day: str) -> dict:
    out = cli(store, "today", "--date", day, "--json")
    assert out.exit_code == 0, out.output
    return json.loads(out.output)


def log(store):
    from coachkit.app.coach import adaptations

    s = Store(store)
    try:
        return adaptations(s, "demo")
    finally:
        s.close()


def test_move_the_long_run_to_saturday(store):
    out = cli(store, "plan", "move", "--from", "2021-03-21", "--to", "2021-03-20", "--today", START)
    assert out.exit_code == 0, out.output
    assert re.fullmatch(
        r"You moved the \d+\.\d km long run from Sun 21 Mar to Sat 20 Mar\.\n", out.output
    )
    days = plan_days(store)
    assert (days["2021-03-20"]["kind"], days["2021-03-21"]["kind"]) == ("long", "rest")
    assert days["2021-03-20"]["version"] == 2 and days["2021-03-20"]["status"] == "changed"
    assert today(store, "2021-03-20")["kind"] == "long"
    assert today(store, "2021-03-21")["kind"] == "rest"
    logged = log(store)
    assert list(logged["rule"]) == ["runner_edit"]
    assert logged["explanation"].iloc[0] == out.output.strip()
    evidence = json.loads(logged["evidence"].iloc[0])
    assert evidence["op"] == "move" and evidence["to"] == "2021-03-20"
    assert json.loads(logged["change"].iloc[0])["before"]["source"]["kind"] == "long"


def test_swap_two_days(store):
    out = cli(
        store, "plan", "swap", "--date", "2021-03-26", "--with", "2021-03-27", "--today", START
    )
    assert out.exit_code == 0, out.output
    assert (
        "You swapped the" in out.output
        and "on Fri 26 Mar with a rest day on Sat 27 Mar" in out.output
    )
    days = plan_days(store)
    assert (days["2021-03-26"]["kind"], days["2021-03-27"]["kind"]) == ("rest", "strides")


def test_skip_is_not_rescheduled_as_missed(store):
    out = cli(
        store, "plan", "skip", "--date", "2021-03-21", "--reason", "sore calf", "--today", START
    )
    assert out.exit_code == 0, out.output
    assert "You skipped the" in out.output and "(sore calf)" in out.output
    assert today(store, "2021-03-21")["kind"] == "rest"
    # the evenings after it: the coach re-adapts (`coachkit log` runs the rules)
    for day in ("2021-03-21", "2021-03-22"):
        assert cli(store, "log", "--date", day, "--feel", "4").exit_code == 0
    days = plan_days(store)
    assert (days["2021-03-21"]["kind"], days["2021-03-21"]["status"]) == ("rest", "skipped")
    missed = [e for r, e in zip(log(store)["rule"], log(store)["evidence"]) if r == "missed"]
    assert all(json.loads(e)["missed_date"] != "2021-03-21" for e in missed)


def test_replace_with_an_easy_half_hour(store):
    out = cli(
        store,
        "plan",
        "replace",
        "--date",
        "2021-03-19",
        "--kind",
        "easy",
        "--minutes",
        "30",
        "--today",
        START,
        "--json",
    )
    assert out.exit_code == 0, out.output
    result = json.loads(out.output)
    assert result["ok"] and result["changed"] == ["2021-03-19"]
    assert "with a" in result["sentence"] and "easy run (about 30 min)" in result["sentence"]
    day = today(store, "2021-03-19")
    assert day["kind"] == "easy" and abs(day["duration_s"] - 1800) < 60


def test_back_to_back_hard_days_are_refused_with_the_nearest_valid_day(store):
    out = cli(
        store, "plan", "move", "--from", "2021-04-07", "--to", "2021-04-10", "--today", "2021-04-01"
    )
    assert out.exit_code == 2
    line = out.output.strip()
    assert "\n" not in line and line.startswith("Error: Refused: ")
    assert "Sat 10 Apr would come right before Sunday's long run" in line
    assert "(two hard days back to back)" in line
    assert line.endswith("Nearest day that keeps the rules: Fri 9 Apr.")
    days = plan_days(store)
    assert days["2021-04-07"]["kind"] == "hills" and days["2021-04-10"]["version"] == 1
    assert log(store).empty
    out = cli(
        store,
        "plan",
        "replace",
        "--date",
        "2021-03-20",
        "--kind",
        "tempo",
        "--today",
        START,
        "--json",
    )
    assert out.exit_code == 2
    result = json.loads(out.output)
    assert not result["ok"] and result["suggestion"] == "2021-03-19"


def test_past_days_and_days_outside_the_plan_are_refused(store):
    past = cli(store, "plan", "skip", "--date", "2021-03-19", "--today", "2021-03-20")
    assert past.exit_code == 2 and "Fri 19 Mar is in the past" in past.output
    outside = cli(store, "plan", "skip", "--date", "2021-07-01", "--today", START)
    assert outside.exit_code == 2 and "is not in your plan" in outside.output
    rest = cli(store, "plan", "skip", "--date", "2021-03-16", "--today", START)
    assert rest.exit_code == 2 and "already a rest day" in rest.output
    rest = cli(store, "plan", "replace", "--date", "2021-03-16", "--kind", "rest", "--today", START)
    assert rest.exit_code == 2 and "already a rest day" in rest.output
    race = cli(
        store, "plan", "move", "--from", "2021-06-13", "--to", "2021-06-12", "--today", START
    )
    assert race.exit_code == 2 and "race day" in race.output
    assert log(store).empty


def test_edit_plan_is_the_dashboard_s_entry_point(store):
    from coachkit.app.plan_edits import EditResult, edit_plan

    s = Store(store)
    try:
        refused = edit_plan(s, "demo", "replace", day="2021-03-20", kind="tempo", today=START)
        assert isinstance(refused, EditResult) and not refused.ok
        assert refused.suggestion == date(2021, 3, 19)
        done = edit_plan(s, "demo", "replace", day="2021-03-19", kind="tempo", today=START)
        assert done.ok and done.suggestion is None and "tempo run" in done.sentence
        with pytest.raises(ValueError, match="unknown plan edit"):
            edit_plan(s, "demo", "cancel", day="2021-03-19", today=START)
    finally:
        s.close()


def test_an_athlete_without_a_plan_is_told_how_to_make_one(tmp_path):
    from coachkit.app.ingest import ingest

    root = tmp_path / "store"
    ingest(Store(root), sorted((SAMPLE / "activities" / "watch_tcx").glob("*.tcx.gz"))[:1], "demo")
    out = cli(root, "plan", "skip", "--date", "2021-03-19")
    assert out.exit_code == 2 and "has no plan yet" in out.output

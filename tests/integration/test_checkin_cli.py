"""Issue 19 through the CLI on a real store: `coachkit today` asks after three silent planned
sessions, `coachkit log --checkin` answers, and the coach reacts once.

The store holds the sample's real watch runs (the last on Sat 2020-12-26) and a 10 km plan from
Mon 2020-12-14, four days a week; nothing is run or logged after 2020-12-26.
"""

from __future__ import annotations

import json
import shutil
from datetime import date, timedelta

import pytest
from typer.testing import CliRunner

from coachkit.cli import app
from coachkit.store import Store
from tests.conftest import watch_plan_store

LAST_RUN = "2020-12-26"
ASKED = "2021-01-04"  # three planned sessions later


@pytest.fixture(scope="module")
def plan_store(tmp_path_factory):
    return watch_plan_store(tmp_path_factory, "checkin")


@pytest.fixture()
def store(plan_store, tmp_path):
    root = tmp_path / "store"
    shutil.copytree(plan_store, root)
    return root


def cli(store, *args: str):
    return CliRunner().invoke(app, [*args, "--store", str(store)])


def planned_sessions_before(store, day: str) -> list[dict]:
    """The current plan's sessions after the last run and before ``day`` (rest days left out)."""
    from coachkit.app.coach import plan_frame

    s = Store(store)
    try:
        f = plan_frame(s, "demo")
    finally:
        s.close()
    f = f.assign(date=f["date"].dt.strftime("%Y-%m-%d"))
    f = f[(f["date"] > LAST_RUN) & (f["date"] < day) & (f["kind"] != "rest")]
    return f[~f["status"].isin(["moved", "skipped"])][["date", "kind", "distance_m"]].to_dict(
        "records"
    )


def test_today_asks_after_three_silent_planned_sessions(store):
    r = cli(store, "today", "--date", ASKED, "--json")
    assert r.exit_code == 0, r.output
    checkin = json.loads(r.output)["checkin"]
    sessions = planned_sessions_before(store, ASKED)
    assert checkin["due"] and [s["date"] for s in checkin["sessions"]] == [
        s["date"] for s in sessions
    ]
    assert len(sessions) == 3
    # silent since the last real run: Sun 27 Dec .. Sun 3 Jan
    assert checkin["no_data_days"] == (date(2021, 1, 4) - date(2020, 12, 27)).days == 8
    km = sum(s["distance_m"] for s in sessions) / 1000.0
    assert f"{km:.1f} km planned; no data for 8 days" in checkin["question"]
    text = cli(store, "today", "--date", ASKED, "--units", "mi")
    assert text.output.splitlines()[0].startswith(
        f"No run or log for your last {len(sessions)} planned sessions ("
    )
    assert f"{km / 1.609344:.1f} mi planned" in text.output and " km" not in text.output


def test_no_checkin_on_the_plans_first_days(store):
    r = cli(store, "today", "--date", "2020-12-16", "--json")
    assert r.exit_code == 0 and json.loads(r.output)["checkin"] is None


def test_the_answer_is_logged_and_the_coach_reacts_once(store):
    r = cli(store, "log", "--date", ASKED, "--checkin", "busy", "--note", "house move", "--json")
    assert r.exit_code == 0, r.output
    said = [a for a in json.loads(r.output)["adaptations"] if a["rule"] == "checkin"]
    assert len(said) == 1 and said[0]["explanation"].startswith("You were busy for your last ")
    assert "no data for 8 days" in said[0]["explanation"]
    s = Store(store)
    try:
        fb = s.feedback("demo")
    finally:
        s.close()
    assert fb["checkin"].tolist() == ["busy"] and fb["note"].tolist() == ["house move"]
    # answered: no question today or tomorrow, and logging again changes nothing more
    for day in (ASKED, "2021-01-05"):
        assert json.loads(cli(store, "today", "--date", day, "--json").output)["checkin"] is None
    again = cli(store, "log", "--date", ASKED, "--rpe", "3", "--json")
    assert not [a for a in json.loads(again.output)["adaptations"] if a["rule"] == "checkin"]
    # three more silent planned sessions: the coach asks again
    later = [s["date"] for s in planned_sessions_before(store, "2021-02-01") if s["date"] >= ASKED]
    third = date.fromisoformat(later[2]) + timedelta(days=1)
    nxt = json.loads(cli(store, "today", "--date", f"{third}", "--json").output)["checkin"]
    assert nxt["due"] and [s["date"] for s in nxt["sessions"]] == later[:3]


def test_ill_is_logged_as_illness_too(store):
    r = cli(store, "log", "--date", ASKED, "--checkin", "ill", "--json")
    assert r.exit_code == 0, r.output
    rules = [a["rule"] for a in json.loads(r.output)["adaptations"]]
    assert rules[0] == "checkin" and "return_to_run" in rules
    s = Store(store)
    try:
        assert s.feedback("demo")["illness"].tolist() == [True]
    finally:
        s.close()


def test_an_unknown_answer_is_a_one_line_error(store):
    r = cli(store, "log", "--date", ASKED, "--checkin", "sleepy")
    assert r.exit_code == 2 and "'sleepy' is not one of ill, injured, busy" in r.output
    assert "Traceback" not in r.output

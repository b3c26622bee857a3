"""The runner's corrections to one activity (issue 17): ``coachkit activity ID --exclude
--include --sport S --race --not-race``, through :func:`coachkit.app.activity_edits.edit_activity`
and their effects where the analyses read the athlete (``load_athlete``): an excluded run counts
nowhere and is still listed, a corrected sport changes what counts as a run, a marked race
feeds the race model's personal layer; all kept across ``coachkit rebuild``."""

from __future__ import annotations

import importlib.util
import json
import shutil
import sqlite3

import pytest
from typer.testing import CliRunner

from coachkit.app.activity_edits import edit_activity
from coachkit.app.athlete import activity_table, listed_activities, load_athlete
from coachkit.app.ingest import ingest
from coachkit.cli import app
from coachkit.store import Store, StoreError
from coachkit.store.migrations import MIGRATIONS, SCHEMA_VERSION, statements
from tests.conftest import SAMPLE

runner = CliRunner()
AS_OF = "2021-03-15"
LAST = "e443f100d236982a"  # the demo's last run, 2021-03-14, 5.2 km
RIDE = "f74871728a5e6e3e"  # 2021-02-21, 7.1 km
LONGEST = "9f7f8ccb1507e68a"  # 2021-02-19, 7.2 km: the longest of the 30 days before AS_OF
RACE = "46265fbde01e8f69"  # 2021-02-12, 5.1 km in 30:40: not one of the demo's best runs


@pytest.fixture(scope="module")
def base(tmp_path_factory):
    root = tmp_path_factory.mktemp("activity-edits") / "store"
    with Store(root) as s:
        ingest(s, [SAMPLE], "demo")
        assert {LAST, RIDE, RACE} <= set(s.activities("demo")["activity_id"])
    return root


@pytest.fixture()
def store(base, tmp_path):
    root = tmp_path / "store"
    shutil.copytree(base, root)
    with Store(root) as s:
        yield s


def test_an_excluded_run_counts_nowhere_and_is_still_listed(store):
    before = activity_table(load_athlete(store, "demo"))
    (sentence,) = edit_activity(store, LAST, exclude=True)
    assert sentence == (
        "Excluded 2021-03-14 run (5.2 km) from load, trends and models; `--include` brings it back."
    )
    data = load_athlete(store, "demo")
    table = activity_table(data)
    assert LAST not in set(table["activity_id"]) and len(table) == len(before) - 1
    assert table["load"].sum() < before["load"].sum()
    listed = listed_activities(data).set_index("activity_id")
    assert listed.loc[LAST, "excluded_reason"] == "excluded by you"
    assert listed["load"].isna()[LAST] and len(listed) == len(before)
    out = runner.invoke(app, ["activities", "--store", str(store.root), "--format", "json"])
    rows = {r["activity_id"]: r for r in json.loads(out.output)}
    assert rows[LAST]["excluded_reason"] == "excluded by you" and rows[LAST]["load"] is None
    assert edit_activity(store, LAST, exclude=False) == [
        "Included 2021-03-14 run (5.2 km) again: it counts in load, trends and models."
    ]
    assert LAST in set(activity_table(load_athlete(store, "demo"))["activity_id"])
    assert store.activity_edits("demo") == {}


def test_a_run_corrected_to_a_ride_stops_counting_as_a_run(store):
    from coachkit.app.metrics import daily_metrics
    from coachkit.app.today import longest_before

    def run_km(s):
        return float(daily_metrics(load_athlete(s, "demo"))["run_distance_m"].sum()) / 1000

    km = run_km(store)
    edit_activity(store, LONGEST, exclude=True)  # today's RUNSAFE cap reads the edits too
    assert longest_before(store, "demo", AS_OF) == pytest.approx(7142.36, abs=0.1)
    (sentence,) = edit_activity(store, RIDE, sport="Cycling")
    assert sentence == (
        "2021-02-21 run (7.1 km) is now a ride (was run): it no longer counts as a run."
    )
    table = activity_table(load_athlete(store, "demo")).set_index("activity_id")
    assert table.loc[RIDE, "sport"] == "ride"
    assert run_km(store) == pytest.approx(km - 7.142 - 7.215, abs=0.1)
    assert longest_before(store, "demo", AS_OF) == pytest.approx(5171.6, abs=0.1)
    edit_activity(store, LONGEST, exclude=False)
    assert edit_activity(store, RIDE, sport="run")[0].endswith("it now counts as a run.")
    assert store.activity_edits("demo") == {}  # back to the recorded sport: no correction
    with pytest.raises(ValueError, match="unknown sport"):
        edit_activity(store, RIDE, sport="quidditch")
    with pytest.raises(StoreError, match="no activity"):
        edit_activity(store, "nope", exclude=True)


def test_a_marked_race_feeds_the_race_model_s_personal_layer(store):
    from coachkit.models.race import predict_race
    from coachkit.models.race_efforts import prepare_runs, race_like

    def model():
        acts = load_athlete(store, "demo").activities
        runs, now = prepare_runs(acts, AS_OF)
        return int(race_like(runs, now).sum()), predict_race(acts, distance_m=5000, as_of=AS_OF)

    n, before = model()
    assert n == 0 and before.personal_share == 0.0
    (sentence,) = edit_activity(store, RACE, race=True)
    assert sentence.startswith("Marked 2021-02-12 run (5.1 km) in 30:40 as a race")
    n, after = model()
    assert n == 1 and after.personal_share > 0 and after.method == "efforts+personal"
    assert after.seconds != before.seconds
    edit_activity(store, RACE, race=False)
    n, again = model()
    assert n == 0 and again.personal_share == 0.0
    assert store.activity_edits("demo") == {
        RACE: {"excluded": False, "excluded_reason": None, "sport": None, "race": False}
    }


def test_the_edits_are_kept_across_rebuild(tmp_path):
    # as tests/integration/test_cli_settings.py: a TCX and a GPX of one run; replaying them the
    # other way round changes the activity's id, and the edits follow it
    extra = SAMPLE / "activities" / "extra_formats"
    names = ["2021-01-10_stopped_example.tcx.gz", "2021-01-10_strava_export.gpx.gz"]
    (tmp_path / "in").mkdir()
    for name in names:
        shutil.copy(extra / name, tmp_path / "in" / name)
    root = tmp_path / "store"
    with Store(root) as s:
        for name in names:
            ingest(s, [tmp_path / "in" / name], "a")
        (old_id,) = s.activities("a")["activity_id"]
        s.set_load_override(old_id, "duration")
        edit_activity(s, old_id, exclude=True, sport="trail_run", race=True)
        with s.transaction() as conn:
            conn.execute("UPDATE sources SET seq = 100 - seq")
    out = runner.invoke(app, ["rebuild", "--store", str(root)])
    assert out.exit_code == 0 and out.output.startswith("Rebuilt 2 sources"), out.output
    with Store(root) as s:
        (new_id,) = s.activities("a")["activity_id"]
        assert new_id != old_id
        edits = s.activity_edits("a")
        assert edits == {
            new_id: {"excluded": True, "excluded_reason": None, "sport": "trail_run", "race": True}
        }
        assert s.load_overrides("a") == {new_id: "duration"}
        data = load_athlete(s, "a")
    assert data.activities.empty and list(data.excluded["activity_id"]) == [new_id]


def test_a_version_3_store_keeps_its_load_methods_and_gains_the_edit_columns(tmp_path):
    path = tmp_path / "old"
    path.mkdir()
    conn = sqlite3.connect(path / "catalog.sqlite")
    for script in MIGRATIONS[:3]:
        for statement in statements(script):
            conn.execute(statement)
    conn.execute("INSERT INTO activity_settings VALUES ('x1', 'a', 'srpe', '2024-01-01T00:00:00Z')")
    conn.execute("PRAGMA user_version = 3")
    conn.commit()
    conn.close()
    with Store(path) as s:
        assert s.schema_version == SCHEMA_VERSION >= 4
        assert s.load_overrides("a") == {"x1": "srpe"}
        assert s.activity_edits("a") == {}


@pytest.mark.skipif(
    importlib.util.find_spec("coachkit.app.activity_view") is None,
    reason="coachkit.app.activity_view (the activity's view) is not in this branch yet",
)
def test_the_command_prints_the_edit_then_the_activity(store):
    out = runner.invoke(app, ["activity", LAST, "--exclude", "--store", str(store.root)])
    assert out.exit_code == 0, out.output
    assert out.output.startswith("Excluded 2021-03-14 run (5.2 km)")

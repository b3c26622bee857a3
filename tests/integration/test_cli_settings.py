"""`coachkit settings`: the athlete's own thresholds and load method reach `coachkit metrics`.

On the demo athlete (data/sample), through the real CLI app on a real store: setting LTHR or
the load method changes the daily load the way the formulas say; a per-activity choice moves
that one day only; what is not set stays an estimate and says so; bad values change nothing.
"""

from __future__ import annotations

import io
import json
import shutil
import sqlite3

import pandas as pd
import pytest
from typer.testing import CliRunner

from coachkit.app.athlete import activity_table, load_athlete
from coachkit.app.ingest import ingest
from coachkit.cli import app
from coachkit.features.load import DURATION_LOAD_PER_H
from coachkit.store import Store
from coachkit.store.migrations import MIGRATIONS, SCHEMA_VERSION, statements
from tests.conftest import SAMPLE

runner = CliRunner()


@pytest.fixture(scope="module")
def template(tmp_path_factory):
    root = tmp_path_factory.mktemp("settings") / "store"
    with Store(root) as store:
        ingest(store, [SAMPLE], "demo")
    return root


@pytest.fixture()
def store(template, tmp_path):
    root = tmp_path / "store"
    shutil.copytree(template, root)
    return root


def _run(store, *args: str, code: int = 0) -> str:
    result = runner.invoke(app, [*args, "--store", str(store)])
    assert result.exit_code == code, result.output
    return result.output


def _metrics(store) -> pd.DataFrame:
    out = _run(store, "metrics", "--athlete", "demo", "--format", "csv")
    return pd.read_csv(io.StringIO(out), parse_dates=["date"]).set_index("date")


def _settings(store) -> dict:
    return json.loads(_run(store, "settings", "--athlete", "demo", "--json"))


def _table(store) -> pd.DataFrame:
    with Store(store) as s:
        return activity_table(load_athlete(s, "demo")).set_index("activity_id")


def test_without_options_every_threshold_is_an_estimate_and_says_so(store):
    rep = _settings(store)
    assert rep["settings"] == {} and rep["load_method"] == "auto" and rep["load_overrides"] == {}
    for t in rep["thresholds"].values():
        assert t["estimated"] and t["source"].startswith("estimated:")
    text = _run(store, "settings", "--athlete", "demo")
    assert "LTHR" in text and "(estimated:" in text and "auto (heart rate" in text


def test_a_lower_lthr_raises_every_hrtss_load_and_the_rest_stays_estimated(store):
    before_table, before = _table(store), _metrics(store)
    lthr_est = _settings(store)["thresholds"]["lthr"]["value"]
    new_lthr = round(lthr_est - 10)
    out = _run(store, "settings", "--athlete", "demo", "--lthr", str(new_lthr))
    assert f"LTHR is now {new_lthr} bpm (your setting; was {lthr_est:.0f} bpm, estimated)" in out
    rep = _settings(store)
    assert rep["thresholds"]["lthr"] == {"value": new_lthr, "source": "set by athlete",
                                         "estimated": False}  # fmt: skip
    assert rep["thresholds"]["hr_max"]["estimated"]  # not set: still an estimate
    assert rep["thresholds"]["hr_rest"]["source"].startswith("estimated:")

    after_table, after = _table(store), _metrics(store)
    hr = before_table["load_method"] == "hrtss"
    assert hr.sum() > 20
    # hrTSS = 100 · TRIMP / TRIMP(1 h at LTHR): a lower LTHR is a smaller divisor, so every
    # hrTSS grows (TRIMP itself does not depend on LTHR)
    assert (after_table.loc[hr, "load"] > before_table.loc[hr, "load"]).all()
    assert after_table.loc[hr, "load_note"].str.contains(f"LTHR {new_lthr} bpm, your setting").all()
    assert after["load"].sum() > before["load"].sum()
    assert after["ctl"].iloc[-1] > before["ctl"].iloc[-1]


def test_the_load_method_setting_puts_one_method_first_and_auto_undoes_it(store):
    before_table, before = _table(store), _metrics(store)
    _run(store, "settings", "--athlete", "demo", "--load-method", "duration")
    table = _table(store)
    counted = before_table["load"].notna()
    assert (table.loc[counted, "load_method"] == "duration").all()
    minutes = table.loc[counted, "moving_time_s"].fillna(table.loc[counted, "elapsed_time_s"])
    expected = DURATION_LOAD_PER_H * minutes.clip(upper=table.loc[counted, "elapsed_time_s"]) / 3600
    pd.testing.assert_series_equal(table.loc[counted, "load"], expected, check_names=False)
    assert not _metrics(store)["load"].equals(before["load"])

    _run(store, "settings", "--athlete", "demo", "--load-method", "auto")
    assert "load_method" not in _settings(store)["settings"]
    pd.testing.assert_frame_equal(_metrics(store), before)


def test_one_activity_s_load_method_moves_that_day_only(store):
    before_table, before = _table(store), _metrics(store)
    hr_runs = before_table[before_table["load_method"] == "hrtss"]
    activity_id = hr_runs.index[len(hr_runs) // 2]
    day = hr_runs.loc[activity_id, "date"]
    out = _run(store, "settings", "--activity", activity_id, "--load-method", "duration")
    assert "duration (your choice for this activity)" in out and "duration fallback" in out

    table, after = _table(store), _metrics(store)
    assert table.loc[activity_id, "load_method"] == "duration"
    others = table.index != activity_id
    pd.testing.assert_series_equal(table.loc[others, "load"], before_table.loc[others, "load"])
    delta = table.loc[activity_id, "load"] - before_table.loc[activity_id, "load"]
    assert delta != pytest.approx(0.0)
    changed = (after["load"] - before["load"]).abs() > 1e-9
    assert changed[changed].index.tolist() == [day]
    assert after.loc[day, "load"] - before.loc[day, "load"] == pytest.approx(delta)
    assert _settings(store)["load_overrides"] == {activity_id: "duration"}

    # a method that cannot be computed falls back, and the note says why
    note = json.loads(
        _run(store, "settings", "--activity", activity_id, "--load-method", "srpe", "--json")
    )
    assert note["load_method_chosen"] == "srpe" and note["load_method"] == "hrtss"
    assert note["load_note"].startswith("sRPE was asked for but no RPE was logged; hrTSS")

    _run(store, "settings", "--activity", activity_id, "--load-method", "auto")
    assert _settings(store)["load_overrides"] == {}
    pd.testing.assert_frame_equal(_metrics(store), before)


def test_own_values_of_every_kind_and_clear_goes_back_to_the_estimate(store):
    _run(store, "settings", "--athlete", "demo", "--hr-max", "192", "--resting-hr", "47",
         "--threshold-pace", "5:00", "--sex", "f")  # fmt: skip
    rep = _settings(store)
    assert rep["settings"] == {"hr_max": 192.0, "hr_rest": 47.0, "threshold_pace_s_per_km": 300.0,
                               "sex": "female"}  # fmt: skip
    assert rep["thresholds"]["threshold_speed_m_s"]["value"] == pytest.approx(1000 / 300, abs=1e-3)
    assert rep["sex"] == "female" and "sex female" in rep["describe"]
    _run(store, "settings", "--athlete", "demo", "--clear", "hr-max", "--clear", "sex")
    rep = _settings(store)
    assert "hr_max" not in rep["settings"] and rep["thresholds"]["hr_max"]["estimated"]
    assert rep["sex"] == "unknown"


@pytest.mark.parametrize(
    "args, message",
    [
        (["--lthr", "250"], "outside 100-220 bpm"),
        (["--hr-max", "180", "--lthr", "185"], "cannot be above HRmax"),
        (["--threshold-pace", "4:75"], "seconds go from 00 to 59"),
        (["--sex", "x"], "'x' is not one of f, m"),
        (["--load-method", "trimp"], "is not one of"),
        (["--clear", "weight"], "'weight' is not one of hr-max"),
    ],
)
def test_bad_values_are_refused_and_change_nothing(store, args, message):
    result = runner.invoke(app, ["settings", "--athlete", "demo", *args, "--store", str(store)])
    assert result.exit_code == 2 and message in result.output
    assert _settings(store)["settings"] == {}


def test_unknown_activity_and_mixed_options_are_refused(store):
    out = _run(store, "settings", "--activity", "nope", "--load-method", "srpe", code=2)
    assert "no activity 'nope'" in out
    out = _run(store, "settings", "--activity", "x", "--lthr", "170", code=2)
    assert "thresholds are per athlete" in out


def test_a_version_1_store_gains_the_activity_settings_table(tmp_path):
    path = tmp_path / "old"
    path.mkdir()
    conn = sqlite3.connect(path / "catalog.sqlite")
    for statement in statements(MIGRATIONS[0]):
        conn.execute(statement)
    conn.execute("PRAGMA user_version = 1")
    conn.commit()
    conn.close()
    with Store(path) as s:
        assert s.schema_version == SCHEMA_VERSION >= 3
        tables = {r[0] for r in s.conn.execute("SELECT name FROM sqlite_master")}
        assert "activity_settings" in tables
        assert s.load_overrides("anyone") == {}


def test_an_activity_s_load_method_follows_it_when_a_rebuild_changes_its_id(tmp_path):
    # as tests/integration/test_store_faults.py: a TCX and a GPX of one run (2021-01-10); the id
    # comes from whichever source is replayed first, so replaying them the other way changes it
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
        with s.transaction() as conn:
            conn.execute("UPDATE sources SET seq = 100 - seq")  # replay in the other order
    out = _run(root, "rebuild")
    assert out.startswith("Rebuilt 2 sources")
    with Store(root) as s:
        (new_id,) = s.activities("a")["activity_id"]
        assert new_id != old_id
        assert s.load_overrides("a") == {new_id: "duration"}
        table = activity_table(load_athlete(s, "a"))
    assert table["load_method"].tolist() == ["duration"]
